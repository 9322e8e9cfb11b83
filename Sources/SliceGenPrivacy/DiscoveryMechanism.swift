// Private domain discovery (`slicegen release` without `--schema`): the noisy counts from which a
// schema is built, their σ, the partition-selection threshold, and the (ε, δ) they spend. Reading
// the CSV and turning noisy counts into a Schema live in SliceGen (SchemaDiscovery.swift); every
// random number that protects a row is drawn here, from SecureNoise.
// Deliberately not here: what a count means (types, bounds, categories) and any file I/O.
//
// The mechanism, per column c of the C columns of the header (C, n and the header are public):
//  round 1 (every column): one histogram of the column's fields over public cells (missing, text,
//           and a public grid of signed powers of two for whole and for fractional numbers),
//           plus Gaussian noise σ₁,c;
//  round 2 (every column; which histogram is chosen from round 1's noisy output only): the same
//           grid again, or whole numbers in [−128, 128) one cell per value, or the counts of every
//           text value present in the data, plus Gaussian noise σ₂,c; a text value is kept when
//           its noisy count exceeds T_c.
// σ₁,c and σ₂,c are fixed before the data is read (they depend on C, the budget and which column
// is the declared target, never on round 1's output), and each column gets exactly one
// histogram per round (`DiscoveryMechanism` enforces both).
//
// Proof sketch (replace-one: one row replaced by any other row of strings with the same header).
//  (a) Each histogram puts a row in at most one cell of its column, so replacing a row moves at
//      most one unit out of one cell and into another: L2 sensitivity √2 per column and round.
//      Column c's round r is a Gaussian mechanism with μ² = 2/σ_{r,c}², and the C columns of a
//      round together are one Gaussian mechanism with μ_r² = Σ_c 2/σ_{r,c}².
//  (b) Round 2's queries are chosen from round 1's noisy output, not from the data; Gaussian
//      differential privacy composes adaptively with μ² adding (Dong, Roth, Su 2022, Thm. 3.2),
//      so rounds 1 + 2 are μ-GDP with μ² = Σ_c 2/σ₁,c² + 2/σ₂,c², for every choice of round-2
//      query — provided round 2's cells are the same for both neighbours. For the grid and the
//      whole-number cells they are (public).
//  (c) Text values: the cells are the values present in the table, which differ between
//      neighbours D (row x) and D' (row x') by at most the value x_c (only in D) and x'_c (only in
//      D') in each column. Let P = M(D), Q = M(D') and let P⁺ run M on D with each x'_c added as a
//      cell of count 0, Q⁺ run M on D' with each x_c added (count 0). P⁺ and Q⁺ have the same
//      cells, so by (a)–(b) H_{e^ε}(P⁺‖Q⁺) ≤ δ_G(ε; μ). P and P⁺ differ only when an added cell's noisy
//      count 0 + N(0, σ₂,c²) exceeds T_c: TV(P, P⁺) ≤ Σ_c Φ(−T_c/σ₂,c) =: δ_T (union bound over
//      columns), and likewise TV(Q, Q⁺) ≤ δ_T. So for every event S,
//        P(S) ≤ P⁺(S) + δ_T ≤ e^ε Q⁺(S) + δ_G + δ_T ≤ e^ε Q(S) + δ_G + (1 + e^ε)·δ_T,
//      and the discovery is (ε, δ_G(ε; μ) + (1 + e^ε)·Σ_c Φ(−T_c/σ₂,c))-DP under replace-one.
//  (d) Building the schema from the noisy counts (types, bounds read from the noisy grid as a
//      CDF, categories, the checks and the messages of a failed attempt) is post-processing.
// Publication: every noisy count is snapped to the count grid (SnappedGaussian.swift), and the
// floating-point sampler's distance from an exact Gaussian is accounted
// (ImplementationMargin.swift: N = 4C values one row can move, two cells per column and round;
// ε_d loses the margin, δ_d the reserve and the factor).
// Calibration for a budget (ε_d, δ_d): half of what the reserve leaves to each term (less a 1e-9
// relative margin). z = the smallest value whose sampler tail meets δ_d/(2(1+e^ε_d)C), and
// T_c = σ₂,c·z + Λ_c, rounded up; μ = the largest μ with (1+ρ)^N·δ_G(ε_d − margin; μ) ≤ δ_d/2
// (rounded down). μ² is shared among the columns in proportion to a public weight w_c (1, and
// `targetWeight` for the declared target: the column users will predict gets less noise), and a
// column's share between the rounds in a declared ratio ρ₁ : 1 − ρ₁, so with W = Σ_c w_c:
//   σ₁,c = √(2W/(ρ₁·w_c·μ²)),  σ₂,c = √(2W/((1 − ρ₁)·w_c·μ²)),  rounded up.
// `spentDelta(epsilon:)` recomputes δ from the σ's and T's alone; a test holds it below δ_d.
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
  /// ρ₁, the declared share of a column's μ² given to round 1.
  public var firstRoundShare: Double
  /// σ₁ and σ₂ of an ordinary column, and its selection threshold T (a text value is kept when
  /// its noisy count exceeds T).
  public var firstRoundSigma: Double
  public var secondRoundSigma: Double
  public var selectionThreshold: Double
  /// The declared target column (its index in the header) and its weight, or nil.
  public var target: TargetShare?
  /// What the floating-point implementation adds (ImplementationMargin.swift): 4C values one
  /// row can move (two cells of each column's histogram in each round).
  public var margin: ImplementationMargin

  /// The target column's share of the budget: weight w_t against 1 for every other column.
  public struct TargetShare: Codable, Equatable, Sendable {
    public var column: Int
    public var weight: Double
    public var firstRoundSigma: Double
    public var secondRoundSigma: Double
    public var selectionThreshold: Double
  }

  /// The default ρ₁: round 1 decides types and takes a first look at the grid; round 2 measures
  /// what the column needs (Docs/discovery.md measures the split).
  public static let defaultFirstRoundShare = 0.3
  /// The default weight of a declared target (its σ is half an ordinary column's).
  public static let defaultTargetWeight = 4.0

  /// Calibrates σ₁, σ₂ and T for (ε, δ) over `columns` columns.
  /// - Parameter targetColumn: the declared target (public), which gets `targetWeight` shares of
  ///   μ² against one for every other column.
  public static func calibrate(
    epsilon: Double, delta: Double, columns: Int, targetColumn: Int? = nil,
    targetWeight: Double = defaultTargetWeight, firstRoundShare: Double = defaultFirstRoundShare
  ) throws -> DiscoveryCalibration {
    try PrivacyValidation.epsilon(epsilon)
    try PrivacyValidation.delta(delta)
    precondition(columns > 0 && firstRoundShare > 0 && firstRoundShare < 1)
    precondition(targetWeight >= 1 && targetWeight.isFinite)
    precondition(targetColumn.map { (0..<columns).contains($0) } ?? true)
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
    let totalWeight = targetColumn == nil ? c : c - 1 + targetWeight
    guard
      let z = Bisection.smallestPassing({
        SnappedGaussian.tailProbability(beyond: $0) <= tailTarget
      })
    else {
      throw PrivacyParameterError(message: "delta is \(delta): no selection threshold meets it")
    }
    // σ of a column of weight w in round r (share ρ_r of its μ²), and its threshold: rounded up.
    func sigma(weight w: Double, share: Double) -> Double {
      (2 * totalWeight / (share * w * muSquared)).squareRoot().nextUp
    }
    func threshold(_ sigma2: Double) -> Double {
      (z * sigma2 + SnappedGaussian.countGrid(sigma: sigma2)).nextUp
    }
    let sigma1 = sigma(weight: 1, share: firstRoundShare)
    let sigma2 = sigma(weight: 1, share: 1 - firstRoundShare)
    let target = targetColumn.map { column -> TargetShare in
      let s2 = sigma(weight: targetWeight, share: 1 - firstRoundShare)
      return TargetShare(
        column: column, weight: targetWeight,
        firstRoundSigma: sigma(weight: targetWeight, share: firstRoundShare),
        secondRoundSigma: s2, selectionThreshold: threshold(s2))
    }
    // The largest per-value shift is one count: 1/σ in units of σ.
    let smallest = min(
      sigma1, sigma2, target?.firstRoundSigma ?? .infinity,
      target?.secondRoundSigma ?? .infinity)
    try margin.checkTails(maximumShift: 1 / smallest, couplingFailure: 0)
    let result = DiscoveryCalibration(
      epsilon: epsilon, delta: delta, columns: columns, firstRoundShare: firstRoundShare,
      firstRoundSigma: sigma1, secondRoundSigma: sigma2, selectionThreshold: threshold(sigma2),
      target: target, margin: margin)
    precondition(result.spentDelta(epsilon: epsilon) <= delta, "discovery calibration overspent")
    return result
  }

  /// σ₁ of column c's round-1 histogram.
  public func firstRoundSigma(column c: Int) -> Double {
    target.map { $0.column == c ? $0.firstRoundSigma : firstRoundSigma } ?? firstRoundSigma
  }

  /// σ₂ of column c's round-2 histogram.
  public func secondRoundSigma(column c: Int) -> Double {
    target.map { $0.column == c ? $0.secondRoundSigma : secondRoundSigma } ?? secondRoundSigma
  }

  /// T_c: a text value of column c is kept when its noisy count exceeds it.
  public func selectionThreshold(column c: Int) -> Double {
    target.map { $0.column == c ? $0.selectionThreshold : selectionThreshold }
      ?? selectionThreshold
  }

  /// Column c's noise over both rounds together: (1/σ₁,c² + 1/σ₂,c²)^(−1/2), the σ of the
  /// inverse-variance average of two measurements of the same public cell.
  public func combinedSigma(column c: Int) -> Double {
    let a = firstRoundSigma(column: c), b = secondRoundSigma(column: c)
    return 1 / (1 / (a * a) + 1 / (b * b)).squareRoot()
  }

  /// μ of rounds 1 + 2 together: μ² = Σ_c 2/σ₁,c² + 2/σ₂,c².
  public var mu: Double {
    let ordinary = Double(target == nil ? columns : columns - 1)
    var muSquared =
      ordinary
      * (2 / (firstRoundSigma * firstRoundSigma)
        + 2 / (secondRoundSigma * secondRoundSigma))
    if let t = target {
      muSquared +=
        2 / (t.firstRoundSigma * t.firstRoundSigma)
        + 2 / (t.secondRoundSigma * t.secondRoundSigma)
    }
    return muSquared.squareRoot()
  }

  /// δ the discovery spends at ε: (1+ρ)^N·δ_G(ε − margin; μ) + tails
  /// + (1 + e^ε)·Σ_c P(X' > (T_c − Λ_c)/σ₂,c) (proof sketch, step (c), with the sampler's margin).
  public func spentDelta(epsilon: Double) -> Double {
    func tail(_ threshold: Double, _ sigma: Double) -> Double {
      let grid = SnappedGaussian.countGrid(sigma: sigma)
      return SnappedGaussian.tailProbability(beyond: (threshold - grid) / sigma)
    }
    let ordinary = Double(target == nil ? columns : columns - 1)
    var tails = ordinary * tail(selectionThreshold, secondRoundSigma)
    if let t = target { tails += tail(t.selectionThreshold, t.secondRoundSigma) }
    let ideal = GaussianMechanism.delta(epsilon: max(epsilon - margin.epsilon, 0), mu: mu)
    return margin.statedDelta(ideal: ideal) + (1 + exp(epsilon)) * tails
  }
}

/// Draws the noise of discovery: the two rounds of Gaussian counts, and the thresholded counts
/// of text values.
///
/// ## Privacy
/// Only true counts go in, only noisy counts come out; with the calibration's σ and T the
/// outputs are the mechanism whose (ε, δ) `DiscoveryCalibration` states, provided the caller
/// passes histograms (a row in at most one cell of each). Each column is measured at most once
/// per round, with its own fixed σ (a second measurement would spend more than calibrated: a
/// precondition stops it).
public struct DiscoveryMechanism {
  public let calibration: DiscoveryCalibration
  private var noise: SecureNoise
  private var measuredFirst: [Bool]
  private var measuredSecond: [Bool]

  public init(calibration: DiscoveryCalibration, noise: SecureNoise) {
    self.calibration = calibration
    self.noise = noise
    measuredFirst = [Bool](repeating: false, count: calibration.columns)
    measuredSecond = [Bool](repeating: false, count: calibration.columns)
  }

  /// Whether the noise is the OS-seeded secure generator (false only in tests).
  public var noiseIsPrivate: Bool { noise.isPrivate }

  /// Round 1: column c's histogram over public cells plus N(0, σ₁,c²) per cell.
  public mutating func noisyFirstRound(_ counts: [Int], column c: Int) -> [Double] {
    precondition(!measuredFirst[c], "column \(c) measured twice in round 1")
    measuredFirst[c] = true
    return noisy(counts.map(Double.init), sigma: calibration.firstRoundSigma(column: c))
  }

  /// Round 2, public cells (a grid, or one cell per whole number): column c's histogram plus
  /// N(0, σ₂,c²) per cell.
  public mutating func noisySecondRound(_ counts: [Int], column c: Int) -> [Double] {
    precondition(!measuredSecond[c], "column \(c) measured twice in round 2")
    measuredSecond[c] = true
    return noisy(counts.map(Double.init), sigma: calibration.secondRoundSigma(column: c))
  }

  /// Round 2, text values of column c: every value present with its count; returns the values
  /// whose count plus N(0, σ₂,c²) exceeds T_c, with their noisy counts, in decreasing noisy count
  /// (ties by text). Values are visited in sorted order so that a test seed reproduces the output.
  public mutating func selectedValues(
    _ counts: [String: Int], column c: Int
  ) -> [(value: String, count: Double)] {
    precondition(!measuredSecond[c], "column \(c) measured twice in round 2")
    measuredSecond[c] = true
    let keys = counts.keys.sorted()
    let noisyCounts = noisy(
      keys.map { Double(counts[$0]!) }, sigma: calibration.secondRoundSigma(column: c))
    let threshold = calibration.selectionThreshold(column: c)
    var kept: [(value: String, count: Double)] = []
    for (key, count) in zip(keys, noisyCounts) where count > threshold {
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
