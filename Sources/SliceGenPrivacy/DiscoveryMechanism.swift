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
// Publication: every noisy count is snapped to the count grid (SnappedGaussian.swift), and the
// floating-point sampler's distance from an exact Gaussian is accounted (ImplementationMargin.swift:
// N = 4C values one row can move; ε_d loses the margin, δ_d the reserve and the factor).
// Calibration for a budget (ε_d, δ_d): half of what the reserve leaves to each term (less a 1e-9
// relative margin). T = σ₂·z + Λ with z the smallest value whose sampler tail meets
// δ_d/(2(1+e^ε_d)C), rounded up; μ = the largest μ with (1+ρ)^N·δ_G(ε_d − margin; μ) ≤ δ_d/2
// (rounded down); a declared share of μ² goes to round 1: σ₁ = √(2C/(ρμ²)), σ₂ = √(2C/((1−ρ)μ²)),
// rounded up.
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

  /// What the floating-point implementation adds (ImplementationMargin.swift): 4C values one
  /// row can move (two cells of each column's class counts and of its round-2 counts).
  public var margin: ImplementationMargin

  /// Calibrates σ₁, σ₂ and T for (ε, δ) over `columns` columns.
  public static func calibrate(
    epsilon: Double, delta: Double, columns: Int, typeShare: Double = defaultTypeShare
  ) throws -> DiscoveryCalibration {
    try PrivacyValidation.epsilon(epsilon)
    try PrivacyValidation.delta(delta)
    precondition(columns > 0 && typeShare > 0 && typeShare < 1)
    let c = Double(columns)
    var margin = ImplementationMargin(affectedValues: 4 * columns, delta: delta, shift: .zero)
    let idealEpsilon = try margin.idealEpsilon(epsilon)
    // Each half of what is left after the reserve is targeted with a relative margin of 1e-9,
    // so that the rounding of the sum of the two terms cannot exceed δ.
    let half = (delta - margin.deltaReserve) / 2 * (1 - 1e-9)
    // The sampler's tail beyond T (snapped to the count grid Λ ≤ σ₂/64, so a kept value had noise
    // above T − Λ): C·(1 + e^ε)·P(X' > (T − Λ)/σ₂) ≤ δ/2; `tailProbability` bounds P(X' > τ).
    let tailTarget = half / ((1 + exp(epsilon)) * c)
    let mu = GaussianMechanism.largestMu(epsilon: idealEpsilon, delta: half / margin.deltaFactor)
    let muSquared = mu * mu
    let sigma1 = (2 * c / (typeShare * muSquared)).squareRoot().nextUp
    let sigma2 = (2 * c / ((1 - typeShare) * muSquared)).squareRoot().nextUp
    let grid = SnappedGaussian.countGrid(sigma: sigma2)
    guard let z = Bisection.smallestPassing({
      SnappedGaussian.tailProbability(beyond: $0) <= tailTarget
    }) else {
      throw PrivacyParameterError(message: "delta is \(delta): no selection threshold meets it")
    }
    // The largest per-value shift is one count: 1/σ in units of σ.
    try margin.checkTails(maximumShift: 1 / min(sigma1, sigma2), couplingFailure: 0)
    let result = DiscoveryCalibration(
      epsilon: epsilon, delta: delta, columns: columns, typeSigma: sigma1, valueSigma: sigma2,
      selectionThreshold: (z * sigma2 + grid).nextUp, typeShare: typeShare, margin: margin)
    precondition(result.spentDelta(epsilon: epsilon) <= delta, "discovery calibration overspent")
    return result
  }

  /// μ of rounds 1 + 2 together: μ² = 2C/σ₁² + 2C/σ₂².
  public var mu: Double {
    let c = Double(columns)
    return (2 * c / (typeSigma * typeSigma) + 2 * c / (valueSigma * valueSigma)).squareRoot()
  }

  /// δ the discovery spends at ε: (1+ρ)^N·δ_G(ε − margin; μ) + tails
  /// + (1 + e^ε)·C·P(X' > (T − Λ)/σ₂) (proof sketch, step (c), with the sampler's margin).
  public func spentDelta(epsilon: Double) -> Double {
    let grid = SnappedGaussian.countGrid(sigma: valueSigma)
    let selection = (1 + exp(epsilon)) * Double(columns)
      * SnappedGaussian.tailProbability(beyond: (selectionThreshold - grid) / valueSigma)
    let ideal = GaussianMechanism.delta(epsilon: max(epsilon - margin.epsilon, 0), mu: mu)
    return margin.statedDelta(ideal: ideal) + selection
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

  /// Counts plus N(0, σ²), snapped to the count grid (SnappedGaussian.swift).
  private mutating func noisy(_ counts: [Double], sigma: Double) -> [Double] {
    guard !counts.isEmpty else { return [] }
    return noise.snappedGaussian(
      counts, sigma: sigma, grid: SnappedGaussian.countGrid(sigma: sigma))
  }
}
