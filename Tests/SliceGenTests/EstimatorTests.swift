// Tests of SlicedLoss: the loss against a plain reimplementation of Docs/design.md ("The fit"), the gradient
// against central finite differences (Double) for every divergence, independence from the
// thread count, Float against Double and input checks (the vector exponential:
// EstimatorScalarTests.swift).

import Foundation
import Testing

@testable import SliceGen

/// SplitMix64: a small seeded generator for reproducible test data.
struct TestRNG: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
  mutating func gaussian() -> Double {
    let u = Double.random(in: Double.ulpOfOne..<1, using: &self)
    let v = Double.random(in: 0..<1, using: &self)
    return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
  }
}

/// rows × width Gaussian matrix with the given mean and standard deviation.
func gaussianMatrix(
  rows: Int, width: Int, mean: Double = 0, sd: Double = 1, rng: inout TestRNG
) -> [Double] {
  (0..<(rows * width)).map { _ in mean + sd * rng.gaussian() }
}

/// Docs/design.md's estimator written out plainly: explicit ratio via Gauss–Jordan inverse, full sort median.
func plainLoss(
  real: [Double], br: Int, synthetic: [Double], bs: Int, m: Int, k: Int,
  configuration c: EstimatorConfiguration
) -> Double {
  let width = m * k
  var total = 0.0
  for t in 0..<m {
    func point(_ x: [Double], _ i: Int) -> [Double] { (0..<k).map { x[i * width + t * k + $0] } }
    func dist2(_ a: [Double], _ b: [Double]) -> Double {
      zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
    }
    var pairs = [Double]()
    for i in 0..<br { for j in 0..<i { pairs.append(dist2(point(real, i), point(real, j))) } }
    pairs.sort()
    let n = pairs.count
    let med2 = n % 2 == 1 ? pairs[n / 2] : (pairs[n / 2 - 1] + pairs[n / 2]) / 2
    let base = med2 > 0 ? med2.squareRoot() : 1
    var ratio = [Double](repeating: 0, count: br)
    for w in c.bandwidthMultipliers {
      let h = w * base
      // Augmented [K_rr + τI | (b_r/b_s) K_rs 1], reduced to [I | r_h].
      var a = [[Double]](repeating: [Double](repeating: 0, count: br + 1), count: br)
      for i in 0..<br {
        for j in 0..<br {
          a[i][j] = exp(-dist2(point(real, i), point(real, j)) / (2 * h * h)) + (i == j ? c.tau : 0)
        }
        var s = 0.0
        for j in 0..<bs { s += exp(-dist2(point(real, i), point(synthetic, j)) / (2 * h * h)) }
        a[i][br] = s * Double(br) / Double(bs)
      }
      for col in 0..<br {
        let p = a[col][col]
        for j in 0...br { a[col][j] /= p }
        for row in 0..<br where row != col {
          let f = a[row][col]
          for j in 0...br { a[row][j] -= f * a[col][j] }
        }
      }
      for i in 0..<br { ratio[i] += a[i][br] / Double(c.bandwidthMultipliers.count) }
    }
    for i in 0..<br { total += c.divergence.ratioLoss(max(ratio[i], c.ratioFloor)) }
  }
  return total / Double(m * br)
}

/// Loss (and gradient) of a Double batch.
func evaluate(
  _ loss: inout SlicedLoss, real: [Double], br: Int, synthetic: [Double], bs: Int,
  gradient: inout [Double]
) throws -> Double {
  try real.withUnsafeBufferPointer { r in
    try synthetic.withUnsafeBufferPointer { s in
      try gradient.withUnsafeMutableBufferPointer { g in
        try loss.evaluate(real: r, realRows: br, synthetic: s, syntheticRows: bs, gradient: g)
      }
    }
  }
}

func evaluate(
  _ loss: inout SlicedLoss, real: [Double], br: Int, synthetic: [Double], bs: Int
) throws -> Double {
  try real.withUnsafeBufferPointer { r in
    try synthetic.withUnsafeBufferPointer { s in
      try loss.evaluate(real: r, realRows: br, synthetic: s, syntheticRows: bs, gradient: nil)
    }
  }
}

@Suite("Estimator")
struct EstimatorTests {
  static let kernelDivergences: [Divergence] = [.kl, .reverseKL, .js, .chi2]

  @Test(
    "the loss equals a plain reimplementation of the design's estimator",
    arguments: kernelDivergences)
  func lossMatchesPlainReference(divergence: Divergence) throws {
    let m = 3, k = 2, br = 10, bs = 7
    var rng = TestRNG(seed: 17)
    let real = gaussianMatrix(rows: br, width: m * k, rng: &rng)
    let synthetic = gaussianMatrix(rows: bs, width: m * k, mean: 0.4, sd: 1.2, rng: &rng)
    let configuration = EstimatorConfiguration(divergence: divergence, precision: .double)
    var loss = try SlicedLoss(
      configuration: configuration, slices: m, sliceDimension: k, maxBatch: 12)
    let value = try evaluate(&loss, real: real, br: br, synthetic: synthetic, bs: bs)
    let expected = plainLoss(
      real: real, br: br, synthetic: synthetic, bs: bs, m: m, k: k, configuration: configuration)
    // Two exact algorithms in Double on κ ≤ (b + τ)/τ ≈ 1e3: agreement to ~1e-12 relative.
    #expect(abs(value - expected) <= 1e-10 * max(1, abs(expected)), "\(value) vs \(expected)")
    #expect(value.isFinite && abs(value) > 1e-3)
  }

  @Test(
    "the gradient matches central finite differences (Double)",
    arguments: Divergence.allCases)
  func gradientMatchesFiniteDifferences(divergence: Divergence) throws {
    let m = 3, k = 2
    let sw = divergence == .slicedWasserstein
    let br = sw ? 9 : 11, bs = sw ? 9 : 8
    var rng = TestRNG(seed: 5 + UInt64(divergence.hashValue & 0))
    let real = gaussianMatrix(rows: br, width: m * k, rng: &rng)
    let synthetic = gaussianMatrix(rows: bs, width: m * k, mean: 0.3, sd: 0.9, rng: &rng)
    let configuration = EstimatorConfiguration(divergence: divergence, precision: .double)
    var loss = try SlicedLoss(
      configuration: configuration, slices: m, sliceDimension: k, maxBatch: 12)
    var gradient = [Double](repeating: .nan, count: bs * m * k)
    let value = try evaluate(
      &loss, real: real, br: br, synthetic: synthetic, bs: bs, gradient: &gradient)
    #expect(value.isFinite)
    // Central differences: truncation ≈ step²·|L‴|/6 and rounding ≈ ε·|L|/step; step = 1e-5
    // keeps both near 1e-10, far below the 1e-6 tolerance (relative to the largest entry).
    let step = 1e-5
    var worst = 0.0, largest = 0.0
    for e in 0..<(bs * m * k) {
      var up = synthetic, down = synthetic
      up[e] += step
      down[e] -= step
      let numeric =
        (try evaluate(&loss, real: real, br: br, synthetic: up, bs: bs)
          - (try evaluate(&loss, real: real, br: br, synthetic: down, bs: bs))) / (2 * step)
      worst = max(worst, abs(numeric - gradient[e]))
      largest = max(largest, abs(numeric))
    }
    #expect(largest > 1e-4, "gradient is trivially zero")
    #expect(worst <= 1e-6 * max(1, largest), "worst error \(worst), largest entry \(largest)")
  }

  @Test("results do not depend on the number of threads", arguments: Divergence.allCases)
  func threadCountIndependence(divergence: Divergence) throws {
    let m = 7, k = 2, b = 24
    var rng = TestRNG(seed: 23)
    let real = gaussianMatrix(rows: b, width: m * k, rng: &rng).map { Float($0) }
    let synthetic = gaussianMatrix(rows: b, width: m * k, mean: 0.5, rng: &rng).map { Float($0) }
    var results = [(Double, [Float])]()
    for threads in [1, 2, 3] {
      let configuration = EstimatorConfiguration(divergence: divergence, threads: threads)
      var loss = try SlicedLoss(
        configuration: configuration, slices: m, sliceDimension: k, maxBatch: b)
      var gradient = [Float](repeating: .nan, count: b * m * k)
      let value = try real.withUnsafeBufferPointer { r in
        try synthetic.withUnsafeBufferPointer { s in
          try gradient.withUnsafeMutableBufferPointer { g in
            try loss.evaluate(real: r, realRows: b, synthetic: s, syntheticRows: b, gradient: g)
          }
        }
      }
      results.append((value, gradient))
    }
    for r in results.dropFirst() {
      #expect(r.0 == results[0].0)
      #expect(r.1 == results[0].1)
    }
    #expect(results[0].1.allSatisfy { $0.isFinite })
  }

  @Test("Float arithmetic agrees with Double to the accuracy the Cholesky benchmark predicts")
  func floatAgreesWithDouble() throws {
    let m = 4, k = 2, b = 64
    var rng = TestRNG(seed: 31)
    let real = gaussianMatrix(rows: b, width: m * k, sd: 0.6, rng: &rng)
    let synthetic = gaussianMatrix(rows: b, width: m * k, mean: 0.3, sd: 0.6, rng: &rng)
    var single = try SlicedLoss(slices: m, sliceDimension: k, maxBatch: b)
    var gradientF = [Float](repeating: 0, count: b * m * k)
    let realF = real.map { Float($0) }, syntheticF = synthetic.map { Float($0) }
    let valueF = try realF.withUnsafeBufferPointer { r in
      try syntheticF.withUnsafeBufferPointer { s in
        try gradientF.withUnsafeMutableBufferPointer { g in
          try single.evaluate(real: r, realRows: b, synthetic: s, syntheticRows: b, gradient: g)
        }
      }
    }
    var double = try SlicedLoss(slices: m, sliceDimension: k, maxBatch: b)
    var gradientD = [Double](repeating: 0, count: b * m * k)
    let valueD = try evaluate(
      &double, real: real, br: b, synthetic: synthetic, bs: b, gradient: &gradientD)
    // Default divergence (kl). Measured: loss differs by 3e-5 relative, gradient by 5e-4 in
    // norm and 2e-3 of the largest entry; Float's κ·ε ≈ (64/τ)·6e-8 ≈ 4e-4 amplified by the
    // cancellation in Σ_i w_i K_ij (R_i − S_j). Tolerances are 5–10× the measured values.
    #expect(abs(valueF - valueD) <= 3e-4 * max(1, abs(valueD)), "\(valueF) vs \(valueD)")
    let norm = gradientD.reduce(0) { $0 + $1 * $1 }.squareRoot()
    let error = zip(gradientF, gradientD).reduce(0) {
      $0 + (Double($1.0) - $1.1) * (Double($1.0) - $1.1)
    }.squareRoot()
    #expect(error <= 5e-3 * norm, "gradient error \(error), norm \(norm)")
  }

  @Test("a copy evaluates on its own workspace and gives the same numbers")
  func copiesAreIndependent() throws {
    let m = 2, k = 2, b = 10
    var rng = TestRNG(seed: 3)
    let real = gaussianMatrix(rows: b, width: m * k, rng: &rng)
    let synthetic = gaussianMatrix(rows: b, width: m * k, mean: 1, rng: &rng)
    var a = try SlicedLoss(slices: m, sliceDimension: k, maxBatch: b)
    let first = try evaluate(&a, real: real, br: b, synthetic: synthetic, bs: b)
    var copy = a
    let second = try evaluate(&copy, real: real, br: b, synthetic: synthetic, bs: b)
    let third = try evaluate(&a, real: real, br: b, synthetic: synthetic, bs: b)
    #expect(first == second && second == third)
  }

  @Test("bad settings and shapes are thrown with the evidence")
  func badInputsThrow() throws {
    #expect(
      throws: EstimatorError.invalidSetting(
        name: "tau", value: "0.0", rule: "must be positive and finite")
    ) {
      _ = try SlicedLoss(configuration: .init(tau: 0), slices: 1, sliceDimension: 1, maxBatch: 4)
    }
    #expect(throws: EstimatorError.self) {
      _ = try SlicedLoss(configuration: .init(tau: .nan), slices: 1, sliceDimension: 1, maxBatch: 4)
    }
    #expect(throws: EstimatorError.self) {
      _ = try SlicedLoss(
        configuration: .init(bandwidthMultipliers: [1, -2]), slices: 1, sliceDimension: 1,
        maxBatch: 4)
    }
    #expect(throws: EstimatorError.self) {
      _ = try SlicedLoss(
        configuration: .init(ratioFloor: 0), slices: 1, sliceDimension: 1, maxBatch: 4)
    }
    #expect(
      throws: EstimatorError.invalidShape(name: "slices", value: 0, rule: "must be at least 1")
    ) {
      _ = try SlicedLoss(slices: 0, sliceDimension: 1, maxBatch: 4)
    }
    var loss = try SlicedLoss(slices: 2, sliceDimension: 1, maxBatch: 4)
    var real = [Double](repeating: 0.5, count: 8)
    real[5] = .nan
    let synthetic = [Double](repeating: 0, count: 8)
    #expect(throws: EstimatorError.nonFiniteInput(matrix: "real", row: 2, column: 1)) {
      _ = try evaluate(&loss, real: real, br: 4, synthetic: synthetic, bs: 4)
    }
    #expect(throws: EstimatorError.self) {
      _ = try evaluate(
        &loss, real: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], br: 5, synthetic: synthetic, bs: 4)
    }
    #expect(throws: EstimatorError.self) {
      _ = try evaluate(&loss, real: [0, 1, 2, 3], br: 4, synthetic: synthetic, bs: 4)
    }
    var sw = try SlicedLoss(
      configuration: .init(divergence: .slicedWasserstein), slices: 2, sliceDimension: 1,
      maxBatch: 4)
    #expect(throws: EstimatorError.self) {
      _ = try evaluate(&sw, real: [0, 1, 2, 3, 4, 5], br: 3, synthetic: synthetic, bs: 4)
    }
  }

  @Test("identical samples give ratio 1 up to the ridge: every divergence near 0")
  func identicalSamplesGiveZero() throws {
    let m = 2, k = 2, b = 40
    var rng = TestRNG(seed: 8)
    let real = gaussianMatrix(rows: b, width: m * k, rng: &rng)
    for divergence in Divergence.allCases {
      var loss = try SlicedLoss(
        configuration: .init(divergence: divergence, tau: 1e-6, precision: .double),
        slices: m, sliceDimension: k, maxBatch: b)
      // S = R exactly: K_rs = K_rr, r = (K + τI)⁻¹K·1 = 1 − τ(K + τI)⁻¹1; with τ = 1e-6 the
      // ratios sit within ~1e-3 of 1, so every g(r) ≈ g″(1)(r − 1)²/2 ≲ 1e-5.
      let value = try evaluate(&loss, real: real, br: b, synthetic: real, bs: b)
      #expect(abs(value) < 1e-4, "\(divergence): \(value)")
    }
  }

  @Test("Codable round trip, and missing keys take their defaults")
  func configurationCoding() throws {
    let c = EstimatorConfiguration(divergence: .js, tau: 0.05, bandwidthMultipliers: [1, 3])
    let data = try JSONEncoder().encode(c)
    #expect(try JSONDecoder().decode(EstimatorConfiguration.self, from: data) == c)
    let partial = try JSONDecoder().decode(
      EstimatorConfiguration.self, from: Data(#"{"divergence":"reverse-kl"}"#.utf8))
    #expect(partial == EstimatorConfiguration(divergence: .reverseKL))
    #expect(Divergence(rawValue: "sliced-wasserstein") == .slicedWasserstein)
  }

  @Test(
    "quickselect puts the k-th smallest in place, with duplicates", arguments: [1, 2, 7, 64, 101])
  func quickselect(count n: Int) {
    var rng = TestRNG(seed: UInt64(n))
    for kth in Set([0, n / 2, n - 1]) {
      var values = (0..<n).map { _ in Double(Int.random(in: 0..<5, using: &rng)) }
      let sorted = values.sorted()
      values.withUnsafeMutableBufferPointer { select($0.baseAddress!, n, kth) }
      #expect(values[kth] == sorted[kth])
      #expect(values[..<kth].allSatisfy { $0 <= values[kth] })
      #expect(values[(kth + 1)...].allSatisfy { $0 >= values[kth] })
    }
  }
}
