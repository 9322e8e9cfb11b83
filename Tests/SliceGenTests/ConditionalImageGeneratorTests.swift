import Foundation
import SliceGenNumerics
import Testing

@testable import SliceGen

@Suite("ConditionalImageGenerator")
struct ConditionalImageGeneratorTests {
  /// Two pixels, the label (3 categories) between them, a third pixel: the label block is not
  /// last, so the logit bookkeeping around it is exercised.
  static let blocks: [OutputBlock] = [
    .numeric(scale: 0.4), .numeric(scale: 0.3), .categorical(count: 3, scale: 0.5),
    .numeric(scale: 0.2),
  ]
  static let condition = LabelCondition(block: 2, probabilities: [0.5, 0.2, 0.3])
  static let architecture = GeneratorArchitecture(
    latent: 3, hidden: [5, 4], numericHead: .sigmoid, blocks: blocks, condition: condition)

  /// L = Σ c·output + Σ e·heads with fixed random c, e.
  func loss(
    _ net: Network<Double>, _ z: [Double], _ labels: [Int]?, _ c: [Double], _ e: [Double]
  ) -> Double {
    let cache = z.withUnsafeBufferPointer {
      net.forward(latents: $0.baseAddress!, batch: 4, labels: labels)
    }
    return zip(cache.output, c).reduce(0) { $0 + $1.0 * $1.1 }
      + zip(cache.heads, e).reduce(0) { $0 + $1.0 * $1.1 }
  }

  @Test(
    "finite differences (Double) match backward for every parameter, labels given or drawn",
    arguments: [true, false])
  func gradientCheck(givenLabels: Bool) throws {
    var rng = TestRNG(seed: 11)
    let architecture = Self.architecture
    var net = Network<Double>(architecture: architecture, using: &rng)
    // 2 − 1 + 3 inputs, 5, 4, and 3 computed logits (the label's 3 are not computed).
    #expect(architecture.widths == [5, 5, 4, 3])
    #expect(net.parameterCount == 5 * 5 + 5 + 5 * 4 + 4 + 4 * 3 + 3)
    for i in net.parameters.indices {
      net.parameters[i] += Double.random(in: -0.1...0.1, using: &rng)
    }
    let z = (0..<12).map { _ in Double.random(in: -1.5...1.5, using: &rng) }
    let labels: [Int]? = givenLabels ? [2, 0, 1, 2] : nil
    let c = (0..<(4 * architecture.outputWidth)).map { _ in Double.random(in: -1...1, using: &rng) }
    let e = (0..<(4 * architecture.logitCount)).map { _ in Double.random(in: -1...1, using: &rng) }
    let cache = z.withUnsafeBufferPointer {
      net.forward(latents: $0.baseAddress!, batch: 4, labels: labels)
    }
    net.zeroGradients()
    c.withUnsafeBufferPointer { cp in
      e.withUnsafeBufferPointer { ep in
        net.backward(cache, outputGradient: cp.baseAddress!, headGradient: ep.baseAddress!)
      }
    }
    let analytic = net.gradients
    let numeric = centralDifferences(net.parameters) { p in
      var probe = net
      probe.parameters = p
      return loss(probe, z, labels, c, e)
    }
    let worst = zip(numeric, analytic).map { abs($0 - $1) / max(1, abs($0)) }.max()!
    #expect(worst < 1e-7, "largest relative difference \(worst)")
    // Every weight of the first layer that reads a one-hot entry is used by some row's label:
    // its gradient is not identically zero (the label does reach the network).
    let oneHotRows = 2..<5
    for r in oneHotRows {
      let used = (0..<4).contains { cache.labels![$0] == r - 2 }
      let row = analytic[(r * 5)..<(r * 5 + 5)]
      #expect(used == row.contains { $0 != 0 }, "one-hot input \(r - 2)")
    }
  }

  @Test("the label block is the one-hot of the row's label, scaled; the pixels depend on it")
  func outputs() throws {
    var rng = TestRNG(seed: 12)
    let net = Network<Float>(architecture: Self.architecture, using: &rng)
    let z = net.sampleLatents(count: 3, using: &rng)
    let row = Array(z[0..<3])
    let latents = row + row + row
    let cache = latents.withUnsafeBufferPointer {
      net.forward(latents: $0.baseAddress!, batch: 3, labels: [0, 1, 2])
    }
    let d = Self.architecture.outputWidth
    #expect(cache.labels == [0, 1, 2])
    for i in 0..<3 {
      let label = Array(cache.output[(i * d + 2)..<(i * d + 5)])
      #expect(label == (0..<3).map { $0 == i ? 0.5 : 0 })
      for (j, scale) in [(0, Float(0.4)), (1, 0.3), (5, 0.2)] {
        #expect(cache.output[i * d + j] > 0 && cache.output[i * d + j] < scale)
      }
    }
    // Same latent, different labels: different pixels.
    #expect(cache.output[0] != cache.output[d] || cache.output[1] != cache.output[d + 1])
  }

  @Test("labels drawn from the last latent follow the probabilities; a zero one never comes")
  func labelDraws() throws {
    let condition = LabelCondition(block: 0, probabilities: [0.5, 0, 0.2, 0.3])
    #expect(condition.label(latent: -40) == 0)
    #expect(condition.label(latent: 40) == 3)
    // Φ(z) = 0.5 is the boundary between category 0 and the next positive one, 2.
    #expect(condition.label(latent: -1e-9) == 0 && condition.label(latent: 1e-9) == 2)
    var rng = TestRNG(seed: 13)
    var counts = [0, 0, 0, 0]
    let n = 40_000
    for _ in 0..<n { counts[condition.label(latent: GaussianSampling.pair(using: &rng).0)] += 1 }
    #expect(counts[1] == 0)
    for k in [0, 2, 3] {
      let p = condition.probabilities[k]
      let sd = (p * (1 - p) / Double(n)).squareRoot()
      #expect(abs(Double(counts[k]) / Double(n) - p) < 5 * sd, "category \(k): \(counts[k])")
    }
  }

  @Test("the architecture for labelled images; refused without a label or with latent 1")
  func architectureChoice() throws {
    let schema = try ImageSchema(
      width: 2, height: 1, pixelLower: 0, pixelUpper: 4, integerPixels: true,
      label: .init(name: "label", categories: ["a", "b", "c"])
    ).schema()
    var options = FitOptions()
    options.latent = 3
    options.hidden = [4]
    let architecture = try ConditionalImageGenerator.architecture(
      schema: schema, marginals: nil, options: options)
    #expect(
      architecture.condition == LabelCondition(block: 2, probabilities: [1, 1, 1].map { $0 / 3 }))
    // Sigmoid pixels by default, whatever the table generator's head; the pixel head when set.
    #expect(architecture.numericHead == .sigmoid && options.numericHead != .sigmoid)
    var clamped = options
    clamped.pixelHead = .clampStraightThrough
    #expect(
      try ConditionalImageGenerator.architecture(schema: schema, marginals: nil, options: clamped)
        .numericHead == .clampStraightThrough)
    let noLabel = try ImageSchema(
      width: 2, height: 1, pixelLower: 0, pixelUpper: 4, integerPixels: true, label: nil
    ).schema()
    #expect(throws: OptionError.self) {
      try ConditionalImageGenerator.architecture(schema: noLabel, marginals: nil, options: options)
    }
    options.latent = 1
    #expect(throws: OptionError.self) {
      try ConditionalImageGenerator.architecture(schema: schema, marginals: nil, options: options)
    }
  }

  @Test(
    "fit --sampler conditional on the digits: deterministic, the label from the release's marginal, sample --png gets each class directly"
  )
  func digitsFit() throws {
    var release = ReleaseOptions(epsilon: 10)
    release.projectionSeed = 2
    release.insecureTestNoiseSeed = 3
    let releasePath = TestPaths.temporary("digits.slg")
    let schema = try Schema(
      contentsOf: TestPaths.repository.appendingPathComponent("samples/digits/schema.json").path)
    _ = try Releaser.release(
      csvPath: TestPaths.repository.appendingPathComponent("samples/digits/train.csv").path,
      schema: schema, options: release, outputPath: releasePath)
    let loaded = try Release(contentsOf: releasePath)
    var fit = FitOptions()
    fit.sampler = .conditional
    fit.epochs = 1
    fit.hidden = [32]
    fit.latent = 8
    let first = try Trainer.fit(
      release: loaded, options: fit, outputPath: TestPaths.temporary("a.slgm"))
    let path = TestPaths.temporary("b.slgm")
    let second = try Trainer.fit(release: loaded, options: fit, outputPath: path)
    #expect(first.parameters == second.parameters)
    let model = try Model(contentsOf: path)
    #expect(model.header.formatVersion == 4)
    #expect(model.header.problem() == nil)
    let summary = ModelSummary(header: model.header)
    #expect(summary.text(path: path).contains("class-conditional on target"))
    #expect(try summary.jsonText().contains("\"conditional\""))
    var old = model.header
    old.formatVersion = 3
    #expect(old.problem()?.contains("format version 4") == true)
    var wrong = model.header
    wrong.architecture.condition?.block = 0
    #expect(wrong.problem()?.contains("not a categorical block") == true)
    #expect(model.header.bins == nil && model.header.forest == nil)
    let condition = try #require(model.header.architecture.condition)
    let labelMarginal = try #require(
      loaded.header.marginals?.first { $0.columns == ["target"] })
    #expect(condition.probabilities.count == 10)
    for (p, q) in zip(condition.probabilities, labelMarginal.probabilities) {
      #expect(abs(p - q) < 1e-9)
    }
    let pictures = try ClassPictures(model: model, perClass: 7, seed: 5)
    #expect(pictures.drawn == 70 && pictures.shortClasses.isEmpty)
    #expect(pictures.images.allSatisfy { $0.count == 7 })
    #expect(
      pictures.images.joined().joined().allSatisfy { (0...16).contains($0) && $0 == $0.rounded() })
    // `sample --rows`: labels drawn from the condition's probabilities.
    var counts = [Int](repeating: 0, count: 10)
    let rows = 4000
    try Sampler.generateRows(model: model, rows: rows, seed: 1) { fields in
      counts[Int(fields[64])!] += 1
    }
    for k in 0..<10 {
      let p = condition.probabilities[k]
      let sd = (p * (1 - p) / Double(rows)).squareRoot()
      #expect(abs(Double(counts[k]) / Double(rows) - p) < 5 * sd, "class \(k): \(counts[k])")
    }
  }
}
