// Private domain discovery (`slicegen release` without `--schema`): the noisy counts from which a
// schema is built, their σ, the partition-selection threshold, and the (ε, δ) they spend. Reading
// the CSV and turning noisy counts into a Schema live in SliceGen (SchemaDiscovery.swift); every
// random number that protects a row is drawn here, from SecureNoise.
// Deliberately not here: what a count means (types, bounds, categories) and any file I/O.
//
// The mechanism, per column c of the C columns of the header (C, n and the header are public):
//  round 1 (every column): the histogram of the column's fields over four classes
//           (missing, integer, fractional, text), plus Gaussian noise σ₁;
//  round 2 (chosen from round 1's noisy output): a numeric column's histogram over a public grid
//           of signed powers of two, or a text column's counts of every value present in the data,
//           plus Gaussian noise σ₂; a text value is kept when its noisy count exceeds T.
//
// Proof sketch (replace-one: one row replaced by any other row of strings with the same header).
//  (a) Each histogram assigns every row to exactly one cell per column, so replacing a row moves
//      at most one unit out of one cell and into another: L2 sensitivity √2 per column, √(2C)
//      over all columns of a round. Round r is a Gaussian mechanism with μ_r² = 2C/σ_r².
//  (b) Round 2's query is chosen from round 1's noisy output, not from the data; Gaussian
//      differential privacy composes adaptively with μ² adding (Dong, Roth, Su 2022, Thm. 3.2),
//      so rounds 1 + 2 are μ-GDP with μ² = 2C/σ₁² + 2C/σ₂² — provided round 2's cells are the
//      same for both neighbours. For numeric columns they are (a public grid).
//  (c) Text values: the cells are the values present in the table, which differ between
//      neighbours D (row x) and D' (row x') by at most the value x_c (only in D) and x'_c (only in
//      D') in each column. Let P = M(D), Q = M(D') and let P⁺ run M on D with each x'_c added as a
//      cell of count 0, Q⁺ run M on D' with each x_c added (count 0). P⁺ and Q⁺ have the same cells,
//      so by (a)–(b) H_{e^ε}(P⁺‖Q⁺) ≤ δ_G(ε; μ). P and P⁺ differ only when an added cell's noisy
//      count 0 + N(0, σ₂²) exceeds T: TV(P, P⁺) ≤ C·Φ(−T/σ₂) =: δ_T (union bound over columns),
//      and likewise TV(Q, Q⁺) ≤ δ_T. So for every event S,
//        P(S) ≤ P⁺(S) + δ_T ≤ e^ε Q⁺(S) + δ_G + δ_T ≤ e^ε Q(S) + δ_G + (1 + e^ε)·δ_T,
//      and the discovery is (ε, δ_G(ε; μ) + (1 + e^ε)·C·Φ(−T/σ₂))-DP under replace-one.
//  (d) Building the schema from the noisy counts (thresholds, sorting, bounds from grid edges)
//      is post-processing.
// Calibration for a budget (ε_d, δ_d): half of δ_d to each term (less a 1e-9 relative margin). T/σ₂ = −Φ⁻¹(δ_d/(2(1+e^ε_d)C)),
// rounded up; μ = the largest μ with δ_G(ε_d; μ) ≤ δ_d/2 (rounded down, GaussianMechanism); a
// declared share ρ of μ² goes to round 1: σ₁ = √(2C/(ρμ²)), σ₂ = √(2C/((1−ρ)μ²)), rounded up.
// `spentDelta(epsilon:)` recomputes δ from σ₁, σ₂ and T alone; a test holds it below δ_d.
// Zero-out is not defined on raw rows (it is a relation on encoded rows, which need a schema), so
// discovery is stated under replace-one only.

import Foundation

/// The noise of private domain discovery and the (ε, δ) it spends.
///
/// ## Privacy
/// With noise from `SecureNoise`, `DiscoveryMechanism` with this calibration satisfies
/// (epsilon, spentDelta(epsilon))-DP ≤ (epsilon, delta)-DP under replace-one (proof sketch above
/// and in Docs/privacy.md, "Private domain discovery"). Tests: DiscoveryMechanismTests.
public struct DiscoveryCalibration: Codable, Equatable, Sendable {
  /// The discovery budget.
  public var epsilon: Double
  public var delta: Double
  /// C, the number of columns (the header is public).
  public var columns: Int
  /// σ₁ of the round-1 class counts and σ₂ of the round-2 value counts.
  public var typeSigma: Double
  public var valueSigma: Double
  /// T: a text value is kept when its noisy count exceeds T.
  public var selectionThreshold: Double
  /// ρ, the declared share of μ² given to round 1.
  public var typeShare: Double

  /// The default share of μ² given to round 1 (types, nullability, integer-ness need only coarse
  /// counts; bounds and categories need fine ones).
  public static let defaultTypeShare = 0.2

  /// Calibrates σ₁, σ₂ and T for (ε, δ) over `columns` columns.
  public static func calibrate(
    epsilon: Double, delta: Double, columns: Int, typeShare: Double = defaultTypeShare
  ) throws -> DiscoveryCalibration {
    try PrivacyValidation.epsilon(epsilon)
    try PrivacyValidation.delta(delta)
    precondition(columns > 0 && typeShare > 0 && typeShare < 1)
    let c = Double(columns)
    // Each half of δ is targeted with a relative margin of 1e-9, so that the rounding of the
    // sum of the two terms cannot exceed δ.
    let half = delta / 2 * (1 - 1e-9)
    // T/σ₂ with C·Φ(−T/σ₂)·(1 + e^ε) ≤ δ/2, rounded up (a larger T only lowers δ_T).
    let tailTarget = half / ((1 + exp(epsilon)) * c)
    let z = upperQuantile(tailTarget)
    let mu = GaussianMechanism.largestMu(epsilon: epsilon, delta: half)
    let muSquared = mu * mu
    let sigma1 = (2 * c / (typeShare * muSquared)).squareRoot().nextUp
    let sigma2 = (2 * c / ((1 - typeShare) * muSquared)).squareRoot().nextUp
    let result = DiscoveryCalibration(
      epsilon: epsilon, delta: delta, columns: columns, typeSigma: sigma1, valueSigma: sigma2,
      selectionThreshold: (z * sigma2).nextUp, typeShare: typeShare)
    precondition(result.spentDelta(epsilon: epsilon) <= delta, "discovery calibration overspent")
    return result
  }

  /// μ of rounds 1 + 2 together: μ² = 2C/σ₁² + 2C/σ₂².
  public var mu: Double {
    let c = Double(columns)
    return (2 * c / (typeSigma * typeSigma) + 2 * c / (valueSigma * valueSigma)).squareRoot()
  }

  /// δ the discovery spends at ε: δ_G(ε; μ) + (1 + e^ε)·C·Φ(−T/σ₂) (proof sketch, step (c)).
  public func spentDelta(epsilon: Double) -> Double {
    let selection = (1 + exp(epsilon)) * Double(columns)
      * GaussianMechanism.normalCDF(-selectionThreshold / valueSigma)
    return GaussianMechanism.delta(epsilon: epsilon, mu: mu) + selection
  }

  /// The z with Φ(−z) ≤ p (the smallest such z to 1e-12, returning the passing end).
  static func upperQuantile(_ p: Double) -> Double {
    precondition(p > 0 && p < 0.5)
    var low = 0.0
    var high = 1.0
    while GaussianMechanism.normalCDF(-high) > p { high *= 2 }
    for _ in 0..<200 {
      let middle = 0.5 * (low + high)
      if GaussianMechanism.normalCDF(-middle) <= p { high = middle } else { low = middle }
      if high - low <= 1e-12 * high { break }
    }
    return high
  }
}

/// Draws the noise of discovery: Gaussian counts, and the thresholded counts of text values.
///
/// ## Privacy
/// Only true counts go in, only noisy counts come out; with the calibration's σ and T the
/// outputs are the mechanism whose (ε, δ) `DiscoveryCalibration` states.
public struct DiscoveryMechanism {
  public let calibration: DiscoveryCalibration
  private var noise: SecureNoise

  public init(calibration: DiscoveryCalibration, noise: SecureNoise) {
    self.calibration = calibration
    self.noise = noise
  }

  /// Whether the noise is the OS-seeded secure generator (false only in tests).
  public var noiseIsPrivate: Bool { noise.isPrivate }

  /// Round 1: the class counts of one column plus N(0, σ₁²) each.
  public mutating func noisyClassCounts(_ counts: [Int]) -> [Double] {
    noisy(counts.map(Double.init), sigma: calibration.typeSigma)
  }

  /// Round 2, numeric column: a histogram over a public grid plus N(0, σ₂²) per cell.
  public mutating func noisyGridCounts(_ counts: [Int]) -> [Double] {
    noisy(counts.map(Double.init), sigma: calibration.valueSigma)
  }

  /// Round 2, text column: every value present with its count; returns the values whose count
  /// plus N(0, σ₂²) exceeds T, with their noisy counts, in decreasing noisy count (ties by text).
  /// Values are visited in sorted order so that a test seed reproduces the output exactly.
  public mutating func selectedValues(_ counts: [String: Int]) -> [(value: String, count: Double)] {
    let keys = counts.keys.sorted()
    let noisyCounts = noisy(keys.map { Double(counts[$0]!) }, sigma: calibration.valueSigma)
    var kept: [(value: String, count: Double)] = []
    for (key, count) in zip(keys, noisyCounts) where count > calibration.selectionThreshold {
      kept.append((key, count))
    }
    kept.sort { $0.count != $1.count ? $0.count > $1.count : $0.value < $1.value }
    return kept
  }

  private mutating func noisy(_ counts: [Double], sigma: Double) -> [Double] {
    guard !counts.isEmpty else { return [] }
    // The sampler works in float32: round σ up to a float so the noise is never below σ.
    var single = Float(sigma)
    if Double(single) < sigma { single = single.nextUp }
    var draws = [Float](repeating: 0, count: counts.count)
    draws.withUnsafeMutableBufferPointer { noise.addGaussian(to: $0, sigma: Double(single)) }
    return zip(counts, draws).map { $0 + Double($1) }
  }
}
