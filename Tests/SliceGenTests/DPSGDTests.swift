// Tests of the DP-SGD generator (Sources/SliceGen/DPSGD/): per-example gradients of the MMD
// cross term against finite differences, the synthetic term's gradient likewise, every clipped
// gradient within its bound, the calibration's margins, the optimisers, and a small training
// whose model states its mechanism and reads back.

import Foundation
import SliceGenPrivacy
import Testing

@testable import SliceGen

@Suite("DP-SGD generator")
struct DPSGDTests {
  static let blocks: [OutputBlock] = [
    .numeric(scale: 0.4), .categorical(count: 3, scale: 0.35), .nullableNumeric(scale: 0.3),
  ]

  /// A small Double network (sigmoid heads: smooth, so finite differences apply), its latents
  /// (m = 4) and a real row.
  func setup(seed: UInt64) -> (Network<Double>, [Double], [Double]) {
    var rng = TestRNG(seed: seed)
    let architecture = GeneratorArchitecture(
      latent: 3, hidden: [6, 5], activation: .leakyRelu, numericHead: .sigmoid,
      blocks: Self.blocks)
    var net = Network<Double>(architecture: architecture, using: &rng)
    for i in net.parameters.indices {
      net.parameters[i] += Double.random(in: -0.1...0.1, using: &rng)
    }
    let z = (0..<12).map { _ in Double.random(in: -1...1, using: &rng) }
    let x = (0..<architecture.outputWidth).map { _ in Double.random(in: 0...0.4, using: &rng) }
    return (net, z, x)
  }

  /// k(x, y) written out.
  func kernel(_ a: [Double], _ b: [Double], _ bandwidths: [Double]) -> Double {
    let s = zip(a, b).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
    return bandwidths.reduce(0.0) { $0 + exp(-s / (2 * $1 * $1)) }
  }

  /// f_i(θ) = −(2/m) Σ_j k(x, G(z_j)) and L_fake(θ) = (1/m²) Σ k(G(z_j), G(z_j')), by hand.
  func losses(_ net: Network<Double>, _ z: [Double], _ x: [Double], _ h: [Double])
    -> (cross: Double, fake: Double)
  {
    let m = 4
    let d = net.architecture.outputWidth
    let out = z.withUnsafeBufferPointer { net.forward(latents: $0.baseAddress!, batch: m) }.output
    let rows = (0..<m).map { Array(out[($0 * d)..<(($0 + 1) * d)]) }
    let cross = -2 / Double(m) * rows.reduce(0.0) { $0 + kernel(x, $1, h) }
    var fake = 0.0
    for a in rows { for b in rows { fake += kernel(a, b, h) } }
    return (cross, fake / Double(m * m))
  }

  /// The analytic gradients (Double network, Float kernel code path reproduced in Double).
  func analytic(_ net: inout Network<Double>, _ z: [Double], _ x: [Double], _ k: MMDKernel)
    -> (cross: [Double], fake: [Double])
  {
    let m = 4
    let cache = z.withUnsafeBufferPointer { net.forward(latents: $0.baseAddress!, batch: m) }
    let xf = x.map(Float.init)
    let yf = cache.output.map(Float.init)
    let d = net.architecture.outputWidth
    let cross = xf.withUnsafeBufferPointer {
      k.crossGradient(row: $0.baseAddress!, synthetic: yf, width: d)
    }
    let fake = k.syntheticGradient(yf, width: d)
    let gc = net.parameterGradient(cache, outputGradient: cross.gradient.map(Double.init))
    let gf = net.parameterGradient(cache, outputGradient: fake.gradient.map(Double.init))
    return (gc, gf)
  }

  @Test("per-example gradients and the synthetic term's gradient agree with finite differences")
  func finiteDifferences() {
    for seed: UInt64 in [1, 2, 3] {
      var (net, z, x) = setup(seed: seed)
      let k = MMDKernel.standard
      let (cross, fake) = analytic(&net, z, x, k)
      var worst = (0.0, 0.0)
      for i in net.parameters.indices {
        let h = 1e-5
        var plus = net
        plus.parameters[i] += h
        var minus = net
        minus.parameters[i] -= h
        let (cp, fp) = losses(plus, z, x, k.bandwidths)
        let (cm, fm) = losses(minus, z, x, k.bandwidths)
        let numericCross = (cp - cm) / (2 * h)
        let numericFake = (fp - fm) / (2 * h)
        // The kernel's inner sums run in Float (as in training): allow its rounding.
        worst.0 = max(worst.0, abs(numericCross - cross[i]) / max(1e-3, abs(numericCross)))
        worst.1 = max(worst.1, abs(numericFake - fake[i]) / max(1e-3, abs(numericFake)))
      }
      #expect(worst.0 < 1e-3, "cross term, seed \(seed): worst relative error \(worst.0)")
      #expect(worst.1 < 1e-3, "synthetic term, seed \(seed): worst relative error \(worst.1)")
      #expect(cross.contains { abs($0) > 1e-4 }, "the gradient is not trivially zero")
    }
  }

  @Test("one real row's gradient depends on that row only: the sum is the sum of the parts")
  func perExampleIsolation() {
    var rng = TestRNG(seed: 11)
    let architecture = GeneratorArchitecture(
      latent: 3, hidden: [6], numericHead: .clampStraightThrough, blocks: Self.blocks)
    var generator = MLPGenerator(architecture: architecture, using: &rng)
    let z = generator.sampleLatents(count: 5, using: &rng)
    let cache = z.withUnsafeBufferPointer { generator.forward(latents: $0.baseAddress!, batch: 5) }
    let d = architecture.outputWidth
    let rows = (0..<(3 * d)).map { _ in Float.random(in: 0...0.3, using: &rng) }
    let parts = (0..<3).map { i in
      rows.withUnsafeBufferPointer {
        DPSGDTrainer.perExampleGradient(
          row: $0.baseAddress! + i * d, cache: cache, kernel: .standard, generator: &generator)
      }
    }
    let again = rows.withUnsafeBufferPointer {
      DPSGDTrainer.perExampleGradient(
        row: $0.baseAddress! + d, cache: cache, kernel: .standard, generator: &generator)
    }
    #expect(again == parts[1], "recomputing row 1 after row 2 gives the same gradient")
    #expect(parts[0] != parts[1])
  }

  @Test("every clipped gradient has norm at most κC, for fixed and automatic clipping")
  func clippingBound() {
    var rng = TestRNG(seed: 5)
    for mode in DPSGDClipping.allCases {
      for c in [1e-3, 0.1, 1.0, 7.5] {
        let bound = c * DPSGDCalibration.clippingFactor(rows: 50_000)
        let clipper = DPSGDClipper(mode: mode, bound: bound, stability: 0.01)
        for trial in 0..<200 {
          let scale = pow(10, Double(trial % 9) - 4)
          let g = (0..<(1 + trial * 7)).map { _ in
            Float(Double.random(in: -1...1, using: &rng) * scale)
          }
          let clipped = clipper.clipped(g)
          let norm = clipped.reduce(0.0) { $0 + $1 * $1 }.squareRoot()
          #expect(norm <= bound, "\(mode) C \(c) trial \(trial): ‖clipped‖ \(norm) > \(bound)")
          if mode == .fixed && DPSGDClipper.norm(g) <= bound * 0.99 {
            #expect(clipped == g.map(Double.init), "a small gradient is left as it is")
          }
        }
      }
      // The norm bound's worst case: a vector exactly at, and just above, the bound.
      let g = [Float](repeating: 1, count: 10_000)
      let clipper = DPSGDClipper(mode: mode, bound: 100, stability: 0.01)
      let norm = clipper.clipped(g).reduce(0.0) { $0 + $1 * $1 }.squareRoot()
      #expect(norm <= 100)
      let nan = clipper.clipped([.nan, 1])
      #expect(nan == [0, 0], "a non-finite gradient contributes nothing")
    }
  }

  @Test("the clipped sum in double precision stays within C of its neighbour (κ covers rounding)")
  func sumSensitivity() {
    var rng = TestRNG(seed: 9)
    let n = 4000
    let bound = DPSGDCalibration.clippingFactor(rows: n)
    let clipper = DPSGDClipper(mode: .fixed, bound: bound)
    let p = 8
    var with = [Double](repeating: 0, count: p)
    var without = [Double](repeating: 0, count: p)
    for i in 0..<n {
      let g = (0..<p).map { _ in Float.random(in: 0...3, using: &rng) }
      clipper.accumulate(g, into: &with)
      if i != n / 2 { clipper.accumulate(g, into: &without) }
    }
    let distance = zip(with, without).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
    #expect(distance.squareRoot() <= 1)
    #expect(bound < 1 && bound > 1 - 1e-8)
  }

  @Test("error feedback: the bias is fed back, and neighbouring released sums differ by ≤ C + 2C₂")
  func errorFeedback() {
    var rng = TestRNG(seed: 9)
    func vector(_ p: Int, scale: Double) -> [Double] {
      (0..<p).map { _ in scale * Double.random(in: -0.5...0.5, using: &rng) }
    }
    let p = 12
    let c = 1.0
    let c2 = 0.5
    // Conservation: what is released beyond S_t plus the new error is the old error plus the
    // batch's bias (nothing is lost, nothing invented).
    var feedback = ErrorFeedback(parameterCount: p, bound: c2)
    for _ in 0..<20 {
      let old = feedback.error
      let clipped = vector(p, scale: 2)
      let raw = zip(clipped, vector(p, scale: 40)).map(+)
      var released = clipped
      feedback.feed(clippedSum: &released, unclippedSum: raw)
      let fed = zip(released, clipped).map(-)
      #expect(DPSGDClipper.norm(fed.map(Float.init)) <= c2 * 1.000001)
      for k in 0..<p {
        #expect(abs(fed[k] + feedback.error[k] - (old[k] + raw[k] - clipped[k])) < 1e-9)
      }
    }
    // Sensitivity: clipped sums within C of each other, error states anything at all.
    for _ in 0..<200 {
      let s = vector(p, scale: 4)
      var direction = vector(p, scale: 1)
      let norm = DPSGDClipper.norm(direction.map(Float.init))
      direction = direction.map { $0 / norm * c }
      let s2 = zip(s, direction).map(+)
      var a = ErrorFeedback(parameterCount: p, bound: c2)
      var b = ErrorFeedback(parameterCount: p, bound: c2)
      // Different histories: the states drift apart without bound.
      var sink = [Double](repeating: 0, count: p)
      a.feed(clippedSum: &sink, unclippedSum: vector(p, scale: 1e6))
      sink = [Double](repeating: 0, count: p)
      b.feed(clippedSum: &sink, unclippedSum: vector(p, scale: 1e3))
      var ra = s
      var rb = s2
      a.feed(clippedSum: &ra, unclippedSum: s)
      b.feed(clippedSum: &rb, unclippedSum: s2)
      let gap = DPSGDClipper.norm(zip(ra, rb).map { Float($0 - $1) })
      #expect(gap <= ErrorFeedback.sensitivity(clippingNorm: c, feedbackNorm: c2) * 1.00001)
    }
  }

  @Test("calibration: meets ε after the margin, rounds toward more noise, and states its parts")
  func calibration() throws {
    let c = try DPSGDCalibration.calibrate(
      epsilon: 2, delta: 1e-5, sampleRate: 0.01, steps: 1000, parameterCount: 40_000)
    #expect(c.implementationEpsilon > 0 && c.implementationEpsilon < 0.01)
    #expect(c.accountantEpsilon <= 2 - c.implementationEpsilon)
    #expect(c.accountantDelta < 1e-5 && c.accountantDelta > 0.99e-5)
    #expect(c.accountedSampleRate > 0.01)
    // A hair less noise misses the accountant's target.
    let less = try SampledGaussianRDP(
      sampleRate: c.accountedSampleRate, noiseMultiplier: c.noiseMultiplier * (1 - 1e-9)
    )
    .epsilon(steps: 1000, delta: c.accountantDelta).epsilon
    #expect(less > 2 - c.implementationEpsilon)
    // Close to the plain accountant's σ for ε = 2 (the margin is small).
    let plain = try SampledGaussianRDP.noiseMultiplier(
      epsilon: 2, delta: 1e-5, sampleRate: 0.01, steps: 1000)
    #expect(c.noiseMultiplier > plain && c.noiseMultiplier < plain * 1.01)
    #expect(
      abs(
        c.epsilonSpent(afterSteps: 1000, parameterCount: 40_000)
          - (c.accountantEpsilon + c.implementationEpsilon)) < 1e-12)
    #expect(c.epsilonSpent(afterSteps: 500, parameterCount: 40_000) < c.accountantEpsilon)
    // The grid: a power of two in (s/2, s].
    for s in [0.3, 1.0, 3.7] {
      let g = DPSGDCalibration.grid(noiseStandardDeviation: s)
      #expect(g > s / 2 && g <= s && g.significand == 1)
    }
    #expect(throws: (any Error).self) {
      try DPSGDCalibration.calibrate(
        epsilon: 0.05, delta: 1e-5, sampleRate: 0.01, steps: 10, parameterCount: 10)
    }
  }

  @Test("DP-AdamBC subtracts the noise variance from Adam's second moment")
  func adamBC() {
    let g: [Float] = [0.5, -0.2, 0.01]
    var plain = DPSGDOptimizerState(
      kind: .dpAdamBC, parameterCount: 3, noiseVariance: 0, floor: 1e-12)
    var adam = Adam(parameterCount: 3)
    adam.epsilon = 0
    var a: [Float] = [0, 0, 0]
    var b: [Float] = [0, 0, 0]
    for _ in 0..<3 {
      plain.step(parameters: &a, gradients: g, learningRate: 0.01)
      adam.step(parameters: &b, gradients: g, learningRate: 0.01)
    }
    // With Φ = 0 (and no ε) it is Adam.
    for i in 0..<3 { #expect(abs(a[i] - b[i]) <= 1e-6 * max(1, abs(b[i]))) }
    // With Φ > 0 the steps are larger (the denominator shrinks), floored at γ′.
    var corrected = DPSGDOptimizerState(
      kind: .dpAdamBC, parameterCount: 3, noiseVariance: 0.01, floor: 1e-6)
    var c: [Float] = [0, 0, 0]
    corrected.step(parameters: &c, gradients: g, learningRate: 0.01)
    // Step 1: m̂ = g, v̂ = g²; denominator √max(g² − Φ, γ′).
    for i in 0..<3 {
      let gi = Double(g[i])
      let expected = -0.01 * gi / max(gi * gi - 0.01, 1e-6).squareRoot()
      #expect(abs(Double(c[i]) - expected) <= 1e-5 * abs(expected), "coordinate \(i)")
    }
  }

  @Test("the diagnostics CSV reads back as written")
  func diagnosticsRoundTrip() throws {
    let rows = [
      DPSGDDiagnostics(
        epoch: 1, epsilon: 0.25, clippedFraction: 0.5, clippingBias: 0.125, cosine: 0.75,
        noiseToSignal: 3),
      DPSGDDiagnostics(
        epoch: 2, epsilon: 0.1 + 0.2, clippedFraction: 1, clippingBias: 1e-9, cosine: -0.5,
        noiseToSignal: 12.5),
    ]
    #expect(try DPSGDDiagnostics.parse(DPSGDDiagnostics.csv(rows), path: "d.csv") == rows)
    #expect(throws: DiagnosticsFileError.self) {
      try DPSGDDiagnostics.parse("epoch,epsilon\n1,2\n", path: "d.csv")
    }
    #expect(throws: DiagnosticsFileError.self) {
      try DPSGDDiagnostics.parse(DPSGDDiagnostics.csv([]), path: "d.csv")
    }
  }
}
