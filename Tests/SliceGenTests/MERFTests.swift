import Foundation
import SliceGenNumerics
import SliceGenPrivacy
import Testing

@testable import SliceGen

/// DP-MERF as a release kind (Docs/merf.md): the enforced bound, σ, the file, the fit loss.
@Suite("DP-MERF releases")
struct MERFTests {
  /// The quantized embedding of one row, as the mechanism sums it.
  static func embedding(
    _ phi: [Double], label: Int?, width: Int, classes: Int?
  ) -> (vector: [Double], dropped: Int) {
    var m = MERFMechanism(featureWidth: width, classes: classes)
    phi.withUnsafeBufferPointer { m.add(features: $0, label: label, isZeroRow: false) }
    return (m.exactSum, m.dropped)
  }

  static func norm(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }

  /// Features of encoded rows through MERFFeatures, on a schema with a categorical target.
  static func features(rows: [[Float]], features: MERFFeatures) -> [[Double]] {
    let flat = rows.flatMap { $0 }
    var a = [Float](repeating: 0, count: rows.count * features.frequencies)
    flat.withUnsafeBufferPointer { x in
      a.withUnsafeMutableBufferPointer {
        features.arguments(of: x.baseAddress!, rows: rows.count, into: $0.baseAddress!)
      }
    }
    return (0..<rows.count).map { i in
      var phi = [Double](repeating: 0, count: features.featureWidth)
      a.withUnsafeBufferPointer { aa in
        phi.withUnsafeMutableBufferPointer {
          features.features(
            arguments: aa.baseAddress! + i * features.frequencies, into: $0.baseAddress!)
        }
      }
      return phi
    }
  }

  @Test("every row's embedding is within the bound, random and adversarial rows alike")
  func sensitivityBound() throws {
    let schema = try mixedSchema().withTarget("colour")
    let encoding = Encoding(schema: schema)
    let d = encoding.width
    var rng = ChaCha20(seed: 7)
    for conditional in [false, true] {
      let map = MERFFeatures(
        encoding: encoding, frequencies: 64, seed: 3, classConditional: conditional,
        lengthScale: MERFFeatures.lengthScale(encoding: encoding, classConditional: conditional))
      let classes = conditional ? 3 : nil
      var rows: [[Float]] = []
      for _ in 0..<200 {  // random rows in the unit cube
        rows.append((0..<d).map { _ in Float(Double(rng.next() >> 11) * 0x1p-53) })
      }
      // Adversarial: huge, tiny, negative and sign-alternating entries, where cos and sin of
      // large arguments lose the most.
      for value: Float in [1e4, -1e4, 3e7, 1e-30, .greatestFiniteMagnitude / 1e6] {
        rows.append([Float](repeating: value, count: d))
        rows.append((0..<d).map { $0 % 2 == 0 ? value : -value })
      }
      let phis = Self.features(rows: rows, features: map)
      let bound = MERFMechanism(featureWidth: map.featureWidth, classes: classes)
        .l2Sensitivity(neighbors: .zeroOut)
      for (i, phi) in phis.enumerated() {
        let (v, dropped) = Self.embedding(
          phi, label: conditional ? i % 3 : nil, width: map.featureWidth, classes: classes)
        #expect(dropped == 0, "row \(i) broke the bound")
        #expect(Self.norm(v) <= bound, "row \(i): ‖ψ‖ = \(Self.norm(v)) > \(bound)")
        #expect(Self.norm(v) > 0.999)
      }
      // Replace-one: every pair of rows (and labels), against 2B or 2B_φ.
      let replace = MERFMechanism(featureWidth: map.featureWidth, classes: classes)
        .l2Sensitivity(neighbors: .replaceOne)
      for i in stride(from: 0, to: phis.count, by: 7) {
        for j in stride(from: 1, to: phis.count, by: 11) {
          let a = Self.embedding(
            phis[i], label: conditional ? i % 3 : nil, width: map.featureWidth, classes: classes)
          let b = Self.embedding(
            phis[j], label: conditional ? j % 3 : nil, width: map.featureWidth, classes: classes)
          let distance = Self.norm(zip(a.vector, b.vector).map { $0 - $1 })
          #expect(distance <= replace)
        }
      }
      #expect(abs(replace - (conditional ? 2.0.squareRoot() : 2)) < 1e-4)
    }
  }

  @Test("a row whose features break the bound contributes zero, whatever computed them")
  func enforcedBound() {
    // Features no cos/sin map gives: norm 1.5. The bound is enforced, not assumed.
    let width = 8
    let phi = [Double](repeating: 1.5 / Double(width).squareRoot(), count: width)
    for classes in [nil, 2] as [Int?] {
      let (v, dropped) = Self.embedding(
        phi, label: classes == nil ? nil : 1, width: width, classes: classes)
      #expect(dropped == 1)
      #expect(v.allSatisfy { $0 == 0 })
    }
    let unit = [Double](repeating: 1 / Double(width).squareRoot(), count: width)
    // Features that are not finite break the bound too (no crash, no contribution).
    var nan = unit
    nan[3] = .nan
    let (w, droppedNaN) = Self.embedding(nan, label: nil, width: width, classes: nil)
    #expect(droppedNaN == 1 && w.allSatisfy { $0 == 0 })
    // The all-zero encoded row (the zero-out neighbour) contributes zero as well.
    var m = MERFMechanism(featureWidth: width, classes: nil)
    unit.withUnsafeBufferPointer { m.add(features: $0, label: nil, isZeroRow: true) }
    #expect(m.rows == 1 && m.exactSum.allSatisfy { $0 == 0 })
  }

  @Test("σ is the analytic Gaussian σ for the ideal (ε, δ) under each relation, rounded up")
  func calibration() throws {
    for (classes, relation, expected) in [
      (nil, NeighbouringRelation.zeroOut, 1.0), (nil, .replaceOne, 2.0),
      (3, .zeroOut, 1.0), (3, .replaceOne, 2.0.squareRoot()),
    ] as [(Int?, NeighbouringRelation, Double)] {
      let m = MERFMechanism(featureWidth: 200, classes: classes)
      let sensitivity = m.l2Sensitivity(neighbors: relation)
      #expect(sensitivity >= expected && sensitivity < expected * (1 + 1e-5))
      for (epsilon, delta) in [(1.0, 1e-5), (10.0, 1e-5), (0.3, 1e-8)] {
        let c = try MERFCalibration.calibrate(
          epsilon: epsilon, delta: delta, l2Sensitivity: sensitivity, dimension: m.dimension)
        let idealEpsilon = epsilon - c.margin.epsilon
        let idealDelta = c.margin.idealDelta(delta)
        #expect(c.margin.affectedValues == m.dimension)
        let mu = sensitivity / c.sigma
        #expect(GaussianMechanism.delta(epsilon: idealEpsilon, mu: mu) <= idealDelta)
        // Tight: 0.1 % less noise would break the ideal δ.
        #expect(
          GaussianMechanism.delta(epsilon: idealEpsilon, mu: sensitivity / (c.sigma * 0.999))
            > idealDelta)
        #expect(c.margin.statedDelta(ideal: idealDelta) <= delta)
      }
    }
  }

  /// A MERF release of the first `rows` Adult rows, with reproducible test noise.
  static func adultMERF(
    rows: Int = 600, frequencies: Int = 40, neighbors: NeighbouringRelation = .zeroOut,
    target: String? = "income", lengthScale: Double? = nil
  ) throws -> Release {
    let schema = try Schema(contentsOf: TestPaths.adultSchema).withTarget(target)
    let lines = try String(contentsOfFile: TestPaths.adultTrain, encoding: .utf8)
      .split(separator: "\n", omittingEmptySubsequences: true).prefix(rows + 1)
    let csv = TestPaths.write(lines.joined(separator: "\n") + "\n", "merf-\(rows).csv")
    var options = ReleaseOptions(epsilon: 4)
    options.delta = 1e-6
    options.neighbors = neighbors
    options.marginals = .none
    options.merfFrequencies = frequencies
    options.merfLengthScale = lengthScale
    options.insecureTestNoiseSeed = 11
    let path = TestPaths.temporary(
      "merf-\(rows)-\(frequencies)-\(target ?? "none")-\(lengthScale ?? 0).slg")
    _ = try Releaser.release(csvPath: csv, schema: schema, options: options, outputPath: path)
    return try Release(contentsOf: path)
  }

  @Test("a MERF release round-trips: format 6, no projections, inspect text and JSON")
  func roundTrip() throws {
    for target in ["income", nil] as [String?] {
      let release = try Self.adultMERF(target: target)
      let h = release.header
      #expect(h.method == .merf && h.formatVersion == 6)
      #expect(h.projections == 0 && release.projections.isEmpty && release.released.isEmpty)
      let merf = try #require(h.merf)
      #expect(merf.classes == (target == nil ? nil : ["<=50K", ">50K"]))
      #expect(merf.noisySum.count == (target == nil ? 80 : 2 * 80 + 2))
      #expect(!h.privacy.noiseIsPrivate)
      // Written and read again: the same header.
      let copy = TestPaths.temporary("merf-copy.slg")
      try release.write(to: copy)
      #expect(try Release(contentsOf: copy).header == h)
      let summary = ReleaseSummary(header: h)
      #expect(summary.text(path: "r.slg").contains("random Fourier frequencies"))
      let json = try JSONSerialization.jsonObject(with: Data(try summary.jsonText().utf8))
      let object = try #require(json as? [String: Any])
      #expect(object["method"] as? String == "merf")
      let m = try #require(object["merf"] as? [String: Any])
      // JSONSerialization may read the last digit differently: compare to 1e-15.
      #expect(abs((m["sigma"] as? Double ?? 0) / merf.sigma - 1) < 1e-15)
      // The label coordinates hold the noisy class counts: near the true counts for σ ≈ 1.
      if let classes = merf.classes {
        let counts = merf.noisySum.suffix(classes.count).map { $0 / merf.labelValue }
        #expect(abs(counts.reduce(0, +) - Double(h.rows)) < 20 * merf.sigma)
      }
    }
  }

  @Test("a chosen length scale is stored, and the fit's map reads it from the release")
  func chosenLengthScale() throws {
    let schema = try Schema(contentsOf: TestPaths.adultSchema)
    let rule = MERFFeatures.lengthScale(encoding: Encoding(schema: schema), classConditional: true)
    #expect(abs(rule - (2.0 / 12).squareRoot()) < 1e-15, "12 columns besides the target")
    let byRule = try Self.adultMERF()
    #expect(byRule.header.merf?.lengthScale == rule)
    let chosen = try Self.adultMERF(lengthScale: 0.3)
    let merf = try #require(chosen.header.merf)
    #expect(merf.lengthScale == 0.3)
    // The fit rebuilds Ω from the seed and the stored ℓ: the release's own frequencies.
    let loss = try MERFLoss(release: chosen)
    #expect(loss.features.lengthScale == 0.3)
    let expected = MERFFeatures(
      encoding: Encoding(schema: chosen.header.schema), frequencies: merf.frequencies,
      seed: UInt64(chosen.header.projectionSeed)!, classConditional: true, lengthScale: 0.3)
    #expect(loss.features.omega == expected.omega)
    // The same seed at the rule's ℓ gives other frequencies.
    let atRule = MERFFeatures(
      encoding: Encoding(schema: chosen.header.schema), frequencies: merf.frequencies,
      seed: UInt64(chosen.header.projectionSeed)!, classConditional: true, lengthScale: rule)
    #expect(atRule.omega != expected.omega)
    // Out of range, or on a slicing release: refused.
    for bad in [0.0, -1, .nan, .infinity, 1e3] {
      #expect(throws: OptionError.self) { try Self.adultMERF(lengthScale: bad) }
    }
    var slicing = ReleaseOptions(epsilon: 1)
    slicing.merfLengthScale = 0.5
    #expect(throws: OptionError.self) { try slicing.validate() }
  }

  @Test("every published value is on the snapping grid and consistent with every nearby count")
  func snapped() throws {
    let release = try Self.adultMERF()
    let merf = try #require(release.header.merf)
    let grid = SnappedGaussian.grid(sigma: merf.sigma)
    for y in merf.noisySum {
      #expect((y / grid).rounded() * grid == y)
      let (consistent, window) = FloatingPointLeakTests.float32Consistent(y, sigma: merf.sigma)
      #expect(consistent == window)
    }
  }

  @Test("a MERF file with inconsistent sizes is refused")
  func refusesInconsistentHeader() throws {
    let release = try Self.adultMERF()
    var header = release.header
    header.merf!.noisySum.removeLast()
    #expect(header.sizeProblem() != nil)
    header = release.header
    header.slices = 1
    #expect(header.sizeProblem() != nil)
    header = release.header
    header.merf = nil
    #expect(header.sizeProblem() != nil)
  }

  @Test("the MERF loss gradient matches finite differences of the plain reference")
  func lossGradient() throws {
    for target in ["income", nil] as [String?] {
      let release = try Self.adultMERF(frequencies: 12, target: target)
      let loss = try MERFLoss(release: release)
      let d = release.header.encodedWidth
      let b = 3
      var rng = ChaCha20(seed: 5)
      var x = (0..<(b * d)).map { _ in Double(rng.next() >> 11) * 0x1p-53 * 0.3 }
      if let block = loss.features.labelBlock {
        for i in 0..<b {  // soft labels: a probability vector times the block's scale
          let p0 = 0.2 + 0.3 * Double(i)
          x[i * d + block.offset] = p0 * Double(block.scale)
          x[i * d + block.offset + 1] = (1 - p0) * Double(block.scale)
        }
      }
      // Round to floats first, so that the reference and the fast path see the same x.
      x = x.map { Double(Float($0)) }
      let xf = x.map(Float.init)
      var gradient = [Float](repeating: 0, count: b * d)
      let value = xf.withUnsafeBufferPointer { xx in
        gradient.withUnsafeMutableBufferPointer {
          loss.evaluate(x: xx.baseAddress!, rows: b, gradient: $0.baseAddress!)
        }
      }
      let reference = loss.evaluateReference(x: x, rows: b)
      #expect(abs(value - reference) <= 1e-5 * max(reference, 1e-3))
      let numeric = centralDifferences(x, h: 1e-5) { loss.evaluateReference(x: $0, rows: b) }
      let scale = numeric.map(abs).max()!
      #expect(scale > 0)
      for j in numeric.indices {
        #expect(
          abs(Double(gradient[j]) - numeric[j]) <= 2e-3 * scale,
          "entry \(j): \(gradient[j]) vs \(numeric[j])")
      }
    }
  }

  @Test("fit on a MERF release lowers the MERF loss, and the model samples")
  func fitReducesLoss() throws {
    let release = try Self.adultMERF(rows: 1200, frequencies: 40)
    var options = FitOptions()
    options.epochs = 4
    options.batch = 64
    options.seed = 3
    let path = TestPaths.temporary("merf.slgm")
    let model = try Trainer.fit(release: release, options: options, outputPath: path)
    let (before, after) = try Self.judgeLosses(model, release: release, seed: options.seed)
    #expect(after < 0.5 * before, "MERF loss \(before) → \(after)")
    #expect(model.header.release?.method == .merf)
    let loaded = try Model(contentsOf: path)
    #expect(loaded.header == model.header)
  }

  @Test("the class-conditional image generator fits a MERF release, its label from the release")
  func conditionalGenerator() throws {
    let releases = try ["target", nil].map { try Self.digitsRelease(target: $0) }
    // π from the label coordinates: near the true class shares (1,497 rows, σ/c small at ε = 4).
    let merf = try #require(releases[0].header.merf)
    let pi = try #require(merf.labelProbabilities)
    #expect(abs(pi.reduce(0, +) - 1) < 1e-12 && pi.allSatisfy { $0 > 0.05 && $0 < 0.15 })
    #expect(releases[1].header.merf?.labelProbabilities == nil)

    var options = FitOptions()
    options.epochs = 3
    options.batch = 64
    options.seed = 2
    options.sampler = .conditional
    let path = TestPaths.temporary("merf-conditional.slgm")
    let model = try Trainer.fit(release: releases[0], options: options, outputPath: path)
    let condition = try #require(model.header.architecture.condition)
    #expect(condition.probabilities == pi)
    let (before, after) = try Self.judgeLosses(model, release: releases[0], seed: options.seed)
    #expect(after < before, "MERF loss \(before) → \(after)")
    // Without class blocks there is nothing to condition the pixels on.
    #expect(throws: OptionError.self) {
      try Trainer.fit(
        release: releases[1], options: options,
        outputPath: TestPaths.temporary("merf-unconditional.slgm"))
    }
  }
}

@Suite("Audit of DP-MERF")
struct MERFAuditTests {
  @Test("the audited MERF release keeps its ε under both relations, its σ is the release's")
  func shipped() throws {
    for relation in [NeighbouringRelation.zeroOut, .replaceOne] {
      var settings = AuditSettings()
      settings.epsilon = 4
      settings.neighbors = relation
      let scenario = try AuditScenario(.merf, variant: nil, settings: settings)
      var options = ReleaseOptions(epsilon: 4)
      options.delta = settings.delta
      options.neighbors = relation
      options.marginals = .none
      options.merfFrequencies = settings.merfFrequencies
      let plan = try Releaser.merfPlan(
        schema: try AuditScenario.merfSchema(width: settings.encodedWidth), options: options,
        delta: settings.delta, seed: 1)
      #expect(scenario.sigma == plan.calibration.sigma)
      let result = PrivacyAudit.run(scenario, trials: 10_000, selectionTrials: 4000)
      #expect(result.lowerBound <= 4, "\(relation): \(result.lowerBound)")
      // …and the canary moves the sum by its full sensitivity: the bound is far from 0 (2.16
      // under zero-out in one CLI run of these sizes).
      #expect(result.lowerBound >= 1, "\(relation): \(result.lowerBound)")
    }
  }
}

extension MERFTests {
  /// A MERF release of the digits sample at ε = 4 (zero-out, δ = 10^-6, 40 frequencies, seeded
  /// test noise), class-conditional on `target` when given.
  static func digitsRelease(target: String?) throws -> Release {
    let digits = TestPaths.repository.appendingPathComponent("samples/digits")
    let schema = try Schema(contentsOf: digits.appendingPathComponent("schema.json").path)
      .withTarget(target)
    var options = ReleaseOptions(epsilon: 4)
    options.delta = 1e-6
    options.neighbors = .zeroOut
    options.marginals = .none
    options.merfFrequencies = 40
    options.insecureTestNoiseSeed = 5
    let path = TestPaths.temporary("merf-digits-\(target ?? "none").slg")
    _ = try Releaser.release(
      csvPath: digits.appendingPathComponent("train.csv").path, schema: schema, options: options,
      outputPath: path)
    return try Release(contentsOf: path)
  }

  /// The MERF judge loss of `model`'s generator as `fit` initialised it from `seed`, and the
  /// validation loss of its last epoch.
  static func judgeLosses(_ model: Model, release: Release, seed: UInt64) throws
    -> (before: Double, after: Double)
  {
    let loss = try MERFLoss(release: release)
    var initRNG = Trainer.trainingStream(seed: seed, stream: .max)
    let untrained = MLPGenerator(architecture: model.header.architecture, using: &initRNG)
    let before = Trainer.merfJudge(loss, generator: untrained, seed: seed)
    return (before, try #require(model.header.history.last?.validationLoss))
  }
}
