// The noise of a release: which analysis applies, and the σ it calibrates. One function, so the
// release path has one place where σ is chosen.
//
//  - U drawn from a secure seed, independently of the data (when the release, or the template of
//    a partitioned release, is made): the χ²-mixture analysis (exact profile, or the paper's
//    Theorem 1 on request), s calibrated for (ε, δ), σ = s/√d.
//  - U fixed by the user (known before the data): a worst-case neighbour can align with U's top
//    singular direction, so the release is a Gaussian mechanism with L2 sensitivity ‖U‖₂;
//    σ = ‖U‖₂(upper bound) / μ*(ε, δ) by the analytic Gaussian mechanism.
//  - Poisson subsampling at rate q (secure coins, n public): coupling the two neighbours'
//    samples, the differing row is included with probability q, so with P = (1−q)C + qA and
//    Q = (1−q)C + qB, for γ = e^ε ≥ 1: H_γ(P‖Q) ≤ q·H_γ(A‖B) ≤ q·δ_base(ε) (the common part
//    cancels and the rest is joint convexity). The base mechanism is calibrated for δ/q, under the
//    same relation. (The paper's ε' = ln(1 + q(e^ε − 1)) needs add/remove-DP of a mechanism that
//    hides its row count; the release publishes one row per sampled row, so we do not claim it.)
//    The coin compares a 53-bit uniform with q, so its probability is at most q + 2^−53: that
//    value is the q of the analysis.
//  - Every case: the implementation margin (ImplementationMargin.swift): σ is calibrated for the
//    ideal (ε − margin, (δ − δ/1024)/(1+ρ)^N), the projections' computed shift is widened in the
//    accountant, and the tails are checked against the δ/1024 set aside.

import Foundation
import SliceGenNumerics

/// The calibrated noise of a release and the analysis behind it.
public struct ReleaseCalibration: Sendable {
  public var sigma: Double
  /// The analysis behind σ.
  public var accountant: ReleaseAccountant
  /// One sentence: which analysis applies and why.
  public var analysis: String
  public var spectralNormBound: Double?
  public var spectralNormLowerBound: Double?
  /// μ² granted to the aggregate (marginal) releases, Σ_j (Δ_j/σ_j)²; 0 without aggregates.
  public var aggregateMuSquared: Double = 0
  /// What the floating-point implementation adds (nil for a calibration copied from a file).
  public var margin: ImplementationMargin? = nil

  /// A calibration made elsewhere, reused as is (a shard copies its first release's σ).
  public init(
    sigma: Double, accountant: ReleaseAccountant, analysis: String, spectralNormBound: Double?,
    spectralNormLowerBound: Double?, aggregateMuSquared: Double = 0,
    margin: ImplementationMargin? = nil
  ) {
    self.sigma = sigma
    self.accountant = accountant
    self.analysis = analysis
    self.spectralNormBound = spectralNormBound
    self.spectralNormLowerBound = spectralNormLowerBound
    self.aggregateMuSquared = aggregateMuSquared
    self.margin = margin
  }

  /// Calibrates σ for (ε, δ).
  ///
  /// - Parameter aggregateRounds: the rounds of aggregate measurements (empty without
  ///   aggregates): how many published values one row can move in each, and by how much. They
  ///   enter the implementation margin (its N and its tails).
  ///
  /// ## Privacy
  /// The release with this σ satisfies (ε, δ)-DP under `neighbors` (both relations have L2
  /// sensitivity 1 in the encoded space, Docs/privacy.md), with the implementation margin
  /// included. Proof sketches: SlicingAccountant.swift, ImplementationMargin.swift, this file's
  /// header, Docs/privacy.md. Tests: SlicingAccountantTests (test vectors),
  /// ImplementationMarginTests.
  public static func calibrate(
    epsilon: Double, delta: Double, slices: Int, sliceDim: Int, encodedWidth d: Int,
    accountant: SlicingAccountantKind, neighbors: NeighbouringRelation, subsampling: Double?,
    fixedDirections: [Float]?, aggregateShare: Double = 0,
    aggregateRounds: [AggregateRound] = []
  ) throws -> ReleaseCalibration {
    precondition(aggregateShare >= 0 && aggregateShare < 1)
    precondition((aggregateShare > 0) == !aggregateRounds.isEmpty)
    let aggregateValues = aggregateRounds.reduce(0) { $0 + $1.affectedValues }
    try PrivacyValidation.epsilon(epsilon)
    try PrivacyValidation.delta(delta)
    let mPrime = slices * sliceDim
    // The coin's probability is at most q + 2^−53 (header).
    let q = subsampling.map { min(1, $0 + 0x1p-53) } ?? 1
    precondition(q > 0 && q <= 1)
    let baseDelta = delta / q
    guard baseDelta < 1 else {
      throw PrivacyParameterError(message: "delta/subsample is \(baseDelta), must be below 1")
    }
    if aggregateShare > 0 {
      guard subsampling == nil else {
        throw PrivacyParameterError(
          message: "subsampling cannot be combined with marginals (the counts would reveal it)")
      }
      guard accountant == .profile else {
        throw PrivacyParameterError(
          message: "marginals compose only under the exact profile accountant: with "
            + "--accountant \(accountant.rawValue) add --marginals none (the paper's mechanism "
            + "alone), or use --accountant profile (the default)")
      }
    }
    let shift: ShiftMargin
    let couplingFailure: Double
    let columnNorm: Double
    var bounds: (lower: Double, upper: Double)? = nil
    if let u = fixedDirections {
      // U is public and exact as stored: no coupling, only the product's rounding.
      bounds = SpectralNorm.bounds(u, rows: d, columns: mPrime)
      let frobenius = u.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
      shift = ShiftMargin(
        relative: ShiftMargin.encodingRelative,
        absolute: 2 * ShiftMargin.productError(length: d) * frobenius)
      couplingFailure = 0
      var norms = [Double](repeating: 0, count: mPrime)
      for (i, v) in u.enumerated() { norms[i % mPrime] += Double(v) * Double(v) }
      columnNorm = norms.max()!.squareRoot()
    } else {
      shift = ShiftMargin.randomDirections(encodedWidth: d, projections: mPrime)
      couplingFailure = ShiftMargin.randomDirectionsFailure(encodedWidth: d, projections: mPrime)
      columnNorm = ShiftMargin.columnNormBound(encodedWidth: d, projections: mPrime)
    }
    var margin = ImplementationMargin(
      affectedValues: mPrime + aggregateValues, delta: baseDelta, shift: shift)
    let idealEpsilon = try margin.idealEpsilon(epsilon)
    let idealDelta = margin.idealDelta(baseDelta)
    let rootD = Double(d).squareRoot()

    var result: ReleaseCalibration
    switch (bounds, aggregateShare > 0, accountant) {
    case (let (lower, upper)?, false, _):
      // Sensitivity: (1 + η)‖U‖₂ plus the product's rounding, in the output space.
      let sensitivity = (1 + shift.relative) * upper + shift.absolute
      result = ReleaseCalibration(
        sigma: GaussianMechanism.analyticSigma(
          epsilon: idealEpsilon, delta: idealDelta, sensitivity: sensitivity),
        accountant: .analyticGaussian,
        analysis: "U was fixed by the user before the release, so a worst-case neighbour can "
          + "align with U's top singular direction: Gaussian mechanism with L2 sensitivity "
          + "‖U‖₂ ≤ \(upper) (certified; power iteration gives ≥ \(lower)), analytic calibration",
        spectralNormBound: upper, spectralNormLowerBound: lower)
    case (let (lower, upper)?, true, _):
      let sensitivity = (1 + shift.relative) * upper + shift.absolute
      let muTotal = GaussianMechanism.largestMu(epsilon: idealEpsilon, delta: idealDelta)
      let muProjections = ((1 - aggregateShare) * muTotal * muTotal).squareRoot()
      result = ReleaseCalibration(
        sigma: (sensitivity / muProjections).nextUp, accountant: .analyticGaussian,
        analysis: "U was fixed by the user, so the projections are a Gaussian mechanism with "
          + "sensitivity ‖U‖₂ ≤ \(upper) (≥ \(lower) by power iteration), composed exactly with "
          + "the Gaussian marginals (μ² adds): one Gaussian with μ = \(muTotal)",
        spectralNormBound: upper, spectralNormLowerBound: lower,
        aggregateMuSquared: aggregateShare * muTotal * muTotal)
    case (nil, true, _):
      let c = SlicingAccountant.calibrateCombined(
        epsilon: idealEpsilon, delta: idealDelta, projections: mPrime,
        aggregateShare: aggregateShare, shift: shift)
      result = ReleaseCalibration(
        sigma: (c.noiseScale / rootD).nextUp, accountant: .profile,
        analysis: "exact privacy profile of the projections (a χ²(\(mPrime)) mixture over the "
          + "random U) composed exactly with Gaussian marginals: δ(ε) = E_Q[δ_G(ε; √(Q/s² + "
          + "μ_agg²))], μ_agg² = \(c.aggregateMuSquared) (share \(aggregateShare) of the "
          + "expected μ²)",
        spectralNormBound: nil, spectralNormLowerBound: nil,
        aggregateMuSquared: c.aggregateMuSquared)
    case (nil, false, .profile):
      let s = SlicingAccountant.calibrateNoiseScale(
        epsilon: idealEpsilon, delta: idealDelta, projections: mPrime, shift: shift)
      result = ReleaseCalibration(
        sigma: (s / rootD).nextUp, accountant: .profile,
        analysis: "exact privacy profile of the slicing mechanism, a χ²(\(mPrime)) mixture of "
          + "Gaussian mechanisms over the random U drawn at release time",
        spectralNormBound: nil, spectralNormLowerBound: nil)
    case (nil, false, .theorem1):
      // Theorem 1 bounds the ideal mechanism. For √Q ≥ t_low, (1 + η)t + a ≤ t·w with
      // w = 1 + η + a/t_low, so the computed release at noise scale s·w is dominated by the
      // ideal at s; P(√Q < t_low) ≤ e^−60 (Chernoff) goes to the reserve.
      let tLow = Self.chiLowerBound(projections: mPrime)
      let widening = 1 + shift.relative + shift.absolute / tLow
      guard widening < 1.01 else {
        throw PrivacyParameterError(
          message: "--accountant theorem1 with m' = \(mPrime) projections cannot carry "
            + "slicegen's floating-point margin; use more projections or the exact profile "
            + "(the default)")
      }
      let s =
        SlicingAccountant.theorem1NoiseScale(
          epsilon: idealEpsilon, delta: idealDelta, projections: mPrime) * widening
      result = ReleaseCalibration(
        sigma: (s / rootD).nextUp, accountant: .theorem1,
        analysis: "Theorem 1 of Greenewald et al. (2024), an RDP bound over the random U drawn "
          + "at release time (looser than the exact profile; kept for reproduction)",
        spectralNormBound: nil, spectralNormLowerBound: nil)
    }
    // Tails: one row moves a projection by at most (1 + η)·(column norm) + a/√d, and an
    // aggregate value by `AggregateRound.valueShift` standard deviations.
    let projectionShift =
      ((1 + shift.relative) * columnNorm + shift.absolute / rootD)
      / result.sigma
    let aggregateMu = result.aggregateMuSquared.squareRoot()
    let aggregateShift = aggregateRounds.map { $0.valueShift(aggregateMu: aggregateMu) }.max() ?? 0
    let tLowFailure = accountant == .theorem1 && bounds == nil ? exp(-60.0) : 0
    // Exponential-mechanism picks: P(S) ≤ (1 + ρ)P*(S) + A per pick and P*(S) ≤ P(S)/(1 − ρ),
    // so beside the factor counted in N, δ grows by Σ A·Π(1 + ρ) ≤ 2·Σ A
    // (ExponentialSelection.swift).
    let pickError = 2 * aggregateRounds.reduce(0) { $0 + $1.additiveError }
    try margin.checkTails(
      maximumShift: max(projectionShift, aggregateShift),
      couplingFailure: couplingFailure + tLowFailure + pickError)
    // Every snapped projection must be a float (SnappedGaussian.grid).
    guard
      1.01 * columnNorm + 40 * result.sigma
        < 0x1p23 * SnappedGaussian.grid(sigma: result.sigma)
    else {
      throw PrivacyParameterError(
        message: "epsilon is \(epsilon): σ = \(result.sigma) is too small for the projections' "
          + "published grid; lower epsilon")
    }
    result.margin = margin
    return result
  }

  /// t_low with P(√Q < t_low) ≤ e^−60 for Q ~ χ²(m'), from the Chernoff bound
  /// P(Q ≤ z·m') ≤ (z·e^{1−z})^{m'/2}, z < 1 (the largest passing z, so a true bound).
  static func chiLowerBound(projections mPrime: Int) -> Double {
    let m = Double(mPrime)
    let z =
      Bisection.largestPassing { z in
        z <= 0 || (z < 1 && m / 2 * (log(z) + 1 - z) <= -60)
      } ?? 0
    return (z * m).squareRoot()
  }
}
