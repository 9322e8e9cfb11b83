// The noise of a release: which analysis applies, and the σ it calibrates. One function, so the
// release path has one place where σ is chosen.
//
//  - U drawn at release time from a secure seed: the χ²-mixture analysis (exact profile, or the
//    paper's Theorem 1 on request), s calibrated for (ε, δ), σ = s/√d.
//  - U fixed by the user (known before the data): a worst-case neighbour can align with U's top
//    singular direction, so the release is a Gaussian mechanism with L2 sensitivity ‖U‖₂;
//    σ = ‖U‖₂(upper bound) / μ*(ε, δ) by the analytic Gaussian mechanism.
//  - Poisson subsampling at rate q (secure coins, n public): coupling the two neighbours'
//    samples, the differing row is included with probability q, so with P = (1−q)C + qA and
//    Q = (1−q)C + qB, for γ = e^ε ≥ 1: H_γ(P‖Q) ≤ q·H_γ(A‖B) ≤ q·δ_base(ε) (the common part
//    cancels and the rest is joint convexity). The base mechanism is calibrated for δ/q, under the
//    same relation. (The paper's ε' = ln(1 + q(e^ε − 1)) needs add/remove-DP of a mechanism that
//    hides its row count; the release publishes one row per sampled row, so we do not claim it.)

import SliceGenNumerics

/// The calibrated noise of a release and the analysis behind it.
public struct ReleaseCalibration: Sendable {
  public var sigma: Double
  /// "profile", "theorem1" or "analytic-gaussian".
  public var accountantName: String
  /// One sentence: which analysis applies and why.
  public var analysis: String
  public var spectralNormBound: Double?
  public var spectralNormLowerBound: Double?
  /// μ² granted to the aggregate (marginal) releases, Σ_j (Δ_j/σ_j)²; 0 without aggregates.
  public var aggregateMuSquared: Double = 0

  /// A calibration made elsewhere, reused as is (a shard copies its first release's σ).
  public init(
    sigma: Double, accountantName: String, analysis: String, spectralNormBound: Double?,
    spectralNormLowerBound: Double?, aggregateMuSquared: Double = 0
  ) {
    self.sigma = sigma
    self.accountantName = accountantName
    self.analysis = analysis
    self.spectralNormBound = spectralNormBound
    self.spectralNormLowerBound = spectralNormLowerBound
    self.aggregateMuSquared = aggregateMuSquared
  }

  /// Calibrates σ for (ε, δ).
  ///
  /// ## Privacy
  /// The release with this σ satisfies (ε, δ)-DP under `neighbors` (both relations have L2
  /// sensitivity 1 in the encoded space, DESIGN §2). Proof sketches: SlicingAccountant.swift,
  /// this file's header, Docs/privacy.md. Tests: SlicingAccountantTests (test vectors),
  /// ReleaseCalibrationTests.
  public static func calibrate(
    epsilon: Double, delta: Double, slices: Int, sliceDim: Int, encodedWidth d: Int,
    accountant: SlicingAccountantKind, neighbors: NeighbouringRelation, subsampling: Double?,
    fixedDirections: [Float]?, aggregateShare: Double = 0
  ) throws -> ReleaseCalibration {
    precondition(aggregateShare >= 0 && aggregateShare < 1)
    if aggregateShare > 0 {
      return try calibrateCombined(
        epsilon: epsilon, delta: delta, slices: slices, sliceDim: sliceDim, encodedWidth: d,
        accountant: accountant, subsampling: subsampling, fixedDirections: fixedDirections,
        aggregateShare: aggregateShare)
    }
    try PrivacyValidation.epsilon(epsilon)
    try PrivacyValidation.delta(delta)
    let mPrime = slices * sliceDim
    let q = subsampling ?? 1
    precondition(q > 0 && q <= 1)
    let baseDelta = delta / q
    guard baseDelta < 1 else {
      throw PrivacyParameterError(message: "delta/subsample is \(baseDelta), must be below 1")
    }
    let rootD = Double(d).squareRoot()
    if let u = fixedDirections {
      let (lower, upper) = SpectralNorm.bounds(u, rows: d, columns: mPrime)
      let sigma = GaussianMechanism.analyticSigma(
        epsilon: epsilon, delta: baseDelta, sensitivity: upper)
      return ReleaseCalibration(
        sigma: sigma, accountantName: "analytic-gaussian",
        analysis: "U was fixed by the user before the release, so a worst-case neighbour can "
          + "align with U's top singular direction: Gaussian mechanism with L2 sensitivity "
          + "‖U‖₂ ≤ \(upper) (certified; power iteration gives ≥ \(lower)), analytic calibration",
        spectralNormBound: upper, spectralNormLowerBound: lower)
    }
    switch accountant {
    case .profile:
      let s = SlicingAccountant.calibrateNoiseScale(
        epsilon: epsilon, delta: baseDelta, projections: mPrime)
      return ReleaseCalibration(
        sigma: (s / rootD).nextUp, accountantName: "profile",
        analysis: "exact privacy profile of the slicing mechanism, a χ²(\(mPrime)) mixture of "
          + "Gaussian mechanisms over the random U drawn at release time",
        spectralNormBound: nil, spectralNormLowerBound: nil)
    case .theorem1:
      let s = SlicingAccountant.theorem1NoiseScale(
        epsilon: epsilon, delta: baseDelta, projections: mPrime)
      return ReleaseCalibration(
        sigma: (s / rootD).nextUp, accountantName: "theorem1",
        analysis: "Theorem 1 of Greenewald et al. (2024), an RDP bound over the random U drawn "
          + "at release time (looser than the exact profile; kept for reproduction)",
        spectralNormBound: nil, spectralNormLowerBound: nil)
    }
  }

  /// Projections composed with Gaussian aggregates (DESIGN §4b): conditional on U every part is
  /// Gaussian and μ² adds, so the whole release is accounted by one exact profile with
  /// μ² = Q/s² + μ_agg² (random U) or μ² = ‖U‖₂²/σ² + μ_agg² (fixed U, one Gaussian). The share of
  /// the expected μ² given to the aggregates is declared in advance, never chosen from the data.
  static func calibrateCombined(
    epsilon: Double, delta: Double, slices: Int, sliceDim: Int, encodedWidth d: Int,
    accountant: SlicingAccountantKind, subsampling: Double?, fixedDirections: [Float]?,
    aggregateShare share: Double
  ) throws -> ReleaseCalibration {
    guard subsampling == nil else {
      throw PrivacyParameterError(
        message: "subsampling cannot be combined with marginals (the counts would reveal it)")
    }
    guard accountant == .profile else {
      throw PrivacyParameterError(
        message: "marginals compose only under the exact profile accountant (--accountant profile)")
    }
    let mPrime = slices * sliceDim
    if let u = fixedDirections {
      let (lower, upper) = SpectralNorm.bounds(u, rows: d, columns: mPrime)
      let muTotal = GaussianMechanism.largestMu(epsilon: epsilon, delta: delta)
      let muProjections = ((1 - share) * muTotal * muTotal).squareRoot()
      return ReleaseCalibration(
        sigma: (upper / muProjections).nextUp, accountantName: "analytic-gaussian",
        analysis: "U was fixed by the user, so the projections are a Gaussian mechanism with "
          + "sensitivity ‖U‖₂ ≤ \(upper) (≥ \(lower) by power iteration), composed exactly with "
          + "the Gaussian marginals (μ² adds): one Gaussian with μ = \(muTotal)",
        spectralNormBound: upper, spectralNormLowerBound: lower,
        aggregateMuSquared: share * muTotal * muTotal)
    }
    let c = SlicingAccountant.calibrateCombined(
      epsilon: epsilon, delta: delta, projections: mPrime, aggregateShare: share)
    return ReleaseCalibration(
      sigma: (c.noiseScale / Double(d).squareRoot()).nextUp, accountantName: "profile",
      analysis: "exact privacy profile of the projections (a χ²(\(mPrime)) mixture over the random "
        + "U) composed exactly with Gaussian marginals: δ(ε) = E_Q[δ_G(ε; √(Q/s² + μ_agg²))], "
        + "μ_agg² = \(c.aggregateMuSquared) (share \(share) of the expected μ²)",
      spectralNormBound: nil, spectralNormLowerBound: nil,
      aggregateMuSquared: c.aggregateMuSquared)
  }
}
