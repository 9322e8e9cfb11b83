// What `slicegen audit` runs: for each mechanism slicegen ships, the worst-case neighbouring
// tables, one trial of the real mechanism on either of them (the same SliceGenPrivacy calls
// `release` makes, with σ from the same `ReleaseCalibration`, noise from a fresh OS-keyed
// `SecureNoise` per trial), and the score of the trial's output: the privacy loss
// ln p_{D'}(o)/p_D(o) of the ideal mechanism, the Neyman–Pearson optimal test statistic.
// Deliberately not here: the statistics of the scores (EpsilonLowerBound.swift), running many
// trials (PrivacyAudit.swift), and any mechanism code of its own: a trial only builds inputs,
// calls the mechanism and reads its output.
//
// Neighbouring tables (Docs/audit.md, "Worst-case neighbours"). Every table has one row, the
// canary: a row of a larger table is released with the same U as its neighbours, and the
// other rows' noisy projections (and counts) are independent of the canary's noise given U, so
// an attacker who knows them could simulate them: the n-row release is post-processing of the
// 1-row release, and n = 1 is the hardest case for the mechanism. Encoded rows:
//   replace-one  D = {v/2}, D' = {−v/2};   zero-out  D = {v}, D' = {0}   (‖v‖ = 1: distance 1),
// v = e₁ when U is random (U's distribution is rotation invariant, so every unit v is the same)
// and U's top left singular vector when U is fixed (the direction the analytic bound's ‖U‖₂
// assumes). Counts (marginals, discovery): the canary sits in cell 0 of a 2-cell histogram in D
// and in cell 1 in D' (every count vector moves by √2).
//
// Scores. Given the public U, the projections' output is o = xU + V, V ~ N(0, σ²I), so with
// a = xU, b = x'U, Δ = b − a the privacy loss of o is (⟨o − a, Δ⟩ − ‖Δ‖²/2)/σ²; a count vector c
// with means e₀ (D) and e₁ (D') and noise σ_c adds (c₁ − c₀)/σ_c². U's own distribution is the
// same under D and D', so it adds nothing. Published values are snapped to a grid; the score
// reads them as if they were not (any score gives a valid test; this one is nearly optimal).

import Foundation
import SliceGenNumerics

/// A mechanism slicegen ships, as the audit runs it.
public enum AuditedMechanism: String, CaseIterable, Codable, Sendable {
  /// The slicing release, U drawn at release time, σ from the exact χ²-mixture profile.
  case slicing
  /// The same, σ from the paper's Theorem 1.
  case slicingTheorem1 = "slicing-theorem1"
  /// The slicing release with U fixed by a projection seed: the analytic Gaussian bound.
  case slicingFixedU = "slicing-fixed-u"
  /// Projections and Gaussian marginals composed in one release (the exact composed profile),
  /// named as `release --mechanism` and the release header name it.
  case combined = "slicing+marginals"
  /// Private domain discovery (`release` without `--schema`), rounds 1 and 2.
  case discovery
  /// DP-MERF (`release --mechanism merf`): the noisy sum of random Fourier features.
  case merf
  /// DP-SGD (`train-dpsgd`): one noisy clipped step, the mechanism its accountant composes.
  case dpsgd = "dp-sgd"

  /// What the audit of this mechanism measures, in one sentence.
  public var measures: String {
    switch self {
    case .slicing:
      return "the slicing release (U drawn per release, exact χ²-mixture profile): U and the "
        + "canary's noisy projections"
    case .slicingTheorem1:
      return "the same release with σ from Theorem 1 (an upper bound on its ε, so the ratio "
        + "shows how loose the theorem is)"
    case .slicingFixedU:
      return "U fixed by --projection-seed: a Gaussian mechanism with sensitivity ‖U‖₂ "
        + "(analytic bound), the canary along U's top singular direction"
    case .combined:
      return "projections plus Gaussian marginals in one release: the composed profile "
        + "δ(ε) = E_Q[δ_G(ε; √(Q/s² + μ_agg²))]"
    case .discovery:
      return "private domain discovery, rounds 1 and 2 on public cells (the text-value "
        + "threshold's share of δ is too rare to sample)"
    case .merf:
      return "DP-MERF: the noisy sum of class-conditional random Fourier features, the canary "
        + "pair moving it by exactly its sensitivity (analytic Gaussian bound)"
    case .dpsgd:
      return "DP-SGD: one step (Poisson batch, per-example clipping to C, noisy sum), σ "
        + "calibrated for that one step; zero-out, the canary's gradient clipped to C or absent"
    }
  }

  /// Whether the audit can run the mechanism Poisson-subsampled (`--subsample q < 1`): the
  /// slicing release without marginals (as `release --subsample` allows) and DP-SGD's step.
  public var supportsSubsampling: Bool {
    switch self {
    case .slicing, .slicingTheorem1, .slicingFixedU, .dpsgd: return true
    case .combined, .discovery, .merf: return false
    }
  }
}

/// The public settings of an audit (the release's shape and budget).
public struct AuditSettings: Sendable {
  public var epsilon: Double = 1
  public var delta: Double = 1e-5
  public var neighbors: NeighbouringRelation = .replaceOne
  /// d, the encoded width of the canary rows.
  public var encodedWidth = 8
  /// m and k: m' = m·k projections (the release's defaults).
  public var slices = ReleaseOptions(epsilon: 1).slices
  public var sliceDim = ReleaseOptions(epsilon: 1).sliceDim
  /// The marginals' share of μ² in the combined release (the release's default).
  public var aggregateShare = ReleaseOptions(epsilon: 1).aggregateShare
  /// C, the columns of the audited discovery.
  public var discoveryColumns = 2
  /// D, the random frequencies of the audited MERF release (fewer than a release's default:
  /// the canary's sum moves by the sensitivity for every D).
  public var merfFrequencies = 100
  /// q, the Poisson sampling rate (`--subsample`) of the audited DP-SGD step and of the slicing
  /// release (`slicing`, `slicing-theorem1`, `slicing-fixed-u`); 1: no subsampling (for DP-SGD
  /// every row, the Gaussian mechanism on the sum).
  public var subsample = 1.0
  /// P, the length of the audited DP-SGD step's gradients (the noisy values it releases).
  public var dpsgdParameters = 16
  /// The audit's own randomness: the fixed U of `slicing-fixed-u` is U(seed).
  public var seed: UInt64 = 1
  public init() {}
}

/// Audit settings that cannot be run (a variant planted in a mechanism it does not apply to).
public struct AuditSettingsError: Error, CustomStringConvertible, Equatable {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}

/// One audited mechanism (or a broken variant of it) with its neighbouring tables.
public struct AuditScenario: Sendable {
  public let mechanism: AuditedMechanism
  /// nil: the mechanism as shipped.
  public let variant: BrokenVariant?
  /// The (ε, δ) the shipped calibration states.
  public let epsilon: Double
  public let delta: Double
  /// The σ the trials pass to the mechanism (projections, MERF, DP-SGD: σC; counts), after any
  /// planted bug.
  public let sigma: Double?
  public let countSigmas: [Double]
  /// The ε at δ of exactly the mechanism the trials run (the σ they pass, the neighbours they
  /// feed in), by the ideal analysis without the implementation margin: the stated ε less its
  /// margin for a shipped mechanism calibrated by the exact profile; below the stated ε for
  /// Theorem 1 (its slack); above it for a broken variant (how much it truly leaks). What the
  /// lower bound can approach at best.
  public let exactEpsilon: Double
  /// One trial on D (false) or D' (true): the privacy-loss score of its output.
  let trial: @Sendable (_ neighbour: Bool) -> Double

  /// Calibrates `mechanism` as `release` would for `settings`, plants `variant`'s bug.
  public init(
    _ mechanism: AuditedMechanism, variant: BrokenVariant?, settings: AuditSettings
  ) throws {
    if let variant, !variant.applies(to: mechanism) {
      throw AuditSettingsError(
        "the variant \(variant.rawValue) does not apply to \(mechanism.rawValue)")
    }
    guard settings.subsample > 0, settings.subsample <= 1,
      settings.subsample == 1 || mechanism.supportsSubsampling
    else {
      throw AuditSettingsError(
        "subsampling at \(settings.subsample) does not apply to \(mechanism.rawValue)")
    }
    self.mechanism = mechanism
    self.variant = variant
    epsilon = settings.epsilon
    delta = settings.delta
    switch mechanism {
    case .discovery:
      (sigma, countSigmas, exactEpsilon, trial) = try Self.discovery(settings, variant)
    case .merf:
      (sigma, countSigmas, exactEpsilon, trial) = try Self.merf(settings, variant)
    case .dpsgd:
      (sigma, countSigmas, exactEpsilon, trial) = try Self.dpsgd(settings, variant)
    default:
      (sigma, countSigmas, exactEpsilon, trial) = try Self.slicing(mechanism, settings, variant)
    }
  }

  /// Runs one trial on D (false) or D' (true) and returns its score.
  public func score(neighbour: Bool) -> Double { trial(neighbour) }

  typealias Built = (Double?, [Double], Double, @Sendable (Bool) -> Double)

  /// The ε at `delta` of a Gaussian mechanism of parameter μ (the smallest ε, by bisection).
  static func gaussianEpsilon(mu: Double, delta: Double) -> Double {
    Bisection.smallestPassing { GaussianMechanism.delta(epsilon: $0, mu: mu) <= delta }
      ?? .infinity
  }

  /// The slicing family: σ from `ReleaseCalibration.calibrate`, one canary row through
  /// `SlicingMechanism` (U from a fresh secure seed, or the fixed U), and for `combined` one
  /// 2-cell count vector through `MarginalMechanism` with the σ `MarginalRoundPlan` gives it.
  static func slicing(
    _ mechanism: AuditedMechanism, _ settings: AuditSettings, _ variant: BrokenVariant?
  ) throws -> Built {
    let d = settings.encodedWidth
    let mPrime = settings.slices * settings.sliceDim
    let fixedSeed: UInt64? = mechanism == .slicingFixedU ? settings.seed : nil
    let fixedU = fixedSeed.map {
      SlicingMechanism.directions(encodedWidth: d, projectionCount: mPrime, seed: $0)
    }
    let combined = mechanism == .combined
    // Poisson subsampling as `release --subsample q` (nil at q = 1, as a release without it).
    let subsampling: Double? = settings.subsample < 1 ? settings.subsample : nil
    let calibration = try ReleaseCalibration.calibrate(
      epsilon: settings.epsilon, delta: settings.delta, slices: settings.slices,
      sliceDim: settings.sliceDim, encodedWidth: d,
      accountant: mechanism == .slicingTheorem1 ? .theorem1 : .profile,
      neighbors: settings.neighbors, subsampling: subsampling, fixedDirections: fixedU,
      aggregateShare: combined ? settings.aggregateShare : 0,
      aggregateRounds: combined ? [.counts(tables: 1, fraction: 1)] : [])
    // One count vector takes all of μ_agg² (a release splits it over J vectors, each moved by
    // the canary: the same total).
    var countSigmas: [Double] =
      combined
      ? [
        MarginalRoundPlan(
          aggregateMuSquared: calibration.aggregateMuSquared,
          rounds: [("marginals", 1, MarginalMechanism.l2Sensitivity, 1)]
        ).rounds[0].sigma
      ] : []
    var sigma = calibration.sigma
    if let variant {
      sigma *= variant.projectionSigmaFactor
      countSigmas = countSigmas.map { $0 * variant.countSigmaFactor }
    }
    // The canary pair (header).
    var v = [Float](repeating: 0, count: d)
    if let u = fixedU {
      v = topSingularDirection(u, rows: d, columns: mPrime)
    } else {
      v[0] = 1
    }
    let stretch = variant?.rowDistanceFactor ?? 1
    let (x, xPrime): ([Float], [Float]) =
      settings.neighbors == .replaceOne
      ? (v.map { $0 * stretch / 2 }, v.map { -$0 * stretch / 2 })
      : (v.map { $0 * stretch }, [Float](repeating: 0, count: d))
    let projectionSigma = sigma
    let countSigma = countSigmas.first
    // The exact ε of these trials. A count vector moves by Δ = (−1, 1): μ_c = √2/σ_c. Fixed U:
    // the projections shift by ΔU exactly, a Gaussian mechanism of μ = ‖(x' − x)U‖/σ. Random U:
    // the shift is ‖x' − x‖·χ(m')/√d, the slicing profile at s = σ√d/‖x' − x‖. Subsampled at
    // rate q: the canary (or its replacement, or the null row) is kept with probability q, and
    // the release is then empty under D and D' alike, so with E the empty release and A, B the
    // one-row ones, P = (1 − q)E + qA and Q = (1 − q)E + qB: for γ = e^ε ≥ 1 the empty outcome
    // adds (1 − q)(1 − γ) ≤ 0 to ∫(p − γq)₊, i.e. nothing, and H_γ(P‖Q) = q·H_γ(A‖B) exactly.
    // So the exact ε at δ is the one-row mechanism's at δ/q (the calibration's own bound,
    // ReleaseCalibration.swift, attained here).
    let exactDelta = settings.delta / (subsampling ?? 1)
    let countMuSquared = countSigma.map { 2 / ($0 * $0) } ?? 0
    let exact: Double
    if let u = fixedU {
      var shiftSquared = 0.0
      for j in 0..<mPrime {
        var t = 0.0
        for i in 0..<d { t += (Double(xPrime[i]) - Double(x[i])) * Double(u[i * mPrime + j]) }
        shiftSquared += t * t
      }
      exact = gaussianEpsilon(
        mu: (shiftSquared / (sigma * sigma) + countMuSquared).squareRoot(), delta: exactDelta)
    } else {
      let distance = zip(x, xPrime).reduce(0.0) { $0 + pow(Double($1.1) - Double($1.0), 2) }
        .squareRoot()
      exact = SlicingAccountant.epsilon(
        delta: exactDelta, noiseScale: sigma * Double(d).squareRoot() / distance,
        projections: mPrime, aggregateMuSquared: countMuSquared)
    }
    let trial: @Sendable (Bool) -> Double = { neighbour in
      // As `Releaser.release`: a fresh secure source; U's seed drawn from it unless fixed.
      var noise = SecureNoise()
      let seed = fixedSeed ?? noise.randomSeed()
      var slicing = SlicingMechanism(
        encodedWidth: d, projectionCount: mPrime, seed: seed, subsampling: subsampling,
        noise: noise)
      (neighbour ? xPrime : x).withUnsafeBufferPointer {
        slicing.append(encoded: $0.baseAddress!, rows: 1)
      }
      var output = [Float]()
      output.reserveCapacity(mPrime)
      slicing.finish(sigma: projectionSigma, workers: 1) { output.append(contentsOf: $0) }
      // Subsampled away: the empty release, equally likely (1 − q) under D and D', has privacy
      // loss 0, which `projectionLoss` returns for an empty output.
      var loss = projectionLoss(
        output: output, directions: slicing.directions, x: x, xPrime: xPrime,
        sigma: projectionSigma)
      if let countSigma {
        var marginalNoise = SecureNoise()
        var marginals = MarginalMechanism(
          queries: [MarginalMechanism.Query(columns: [0], shape: [2])], codesPerRow: 1)
        var code: Int32 = neighbour ? 1 : 0
        withUnsafePointer(to: &code) { marginals.add(codes: $0, rows: 1) }
        let counts = marginals.finish(sigmas: [countSigma], noise: &marginalNoise)[0]
        loss += countLoss(counts, sigma: countSigma)
      }
      return loss
    }
    return (sigma, countSigmas, exact, trial)
  }

  /// Discovery: σ₁, σ₂ from `DiscoveryCalibration.calibrate`; in each of C columns the canary's
  /// field falls in cell 0 (D) or cell 1 (D') of the round-1 and the round-2 histogram.
  static func discovery(_ settings: AuditSettings, _ variant: BrokenVariant?) throws -> Built {
    var calibration = try DiscoveryCalibration.calibrate(
      epsilon: settings.epsilon, delta: settings.delta, columns: settings.discoveryColumns)
    if let variant {
      calibration.firstRoundSigma *= variant.countSigmaFactor
      calibration.secondRoundSigma *= variant.countSigmaFactor
    }
    let columns = settings.discoveryColumns
    let c = calibration
    let trial: @Sendable (Bool) -> Double = { neighbour in
      var mechanism = DiscoveryMechanism(calibration: c, noise: SecureNoise())
      let counts = neighbour ? [0, 1] : [1, 0]
      var loss = 0.0
      for column in 0..<columns {
        loss += countLoss(
          mechanism.noisyFirstRound(counts, column: column),
          sigma: c.firstRoundSigma(column: column))
        loss += countLoss(
          mechanism.noisySecondRound(counts, column: column),
          sigma: c.secondRoundSigma(column: column))
      }
      return loss
    }
    // Rounds 1 and 2, every column: μ² = Σ_c 2/σ₁² + 2/σ₂² (the σ the trials use).
    let exact = gaussianEpsilon(mu: c.mu, delta: settings.delta)
    return (nil, [c.firstRoundSigma, c.secondRoundSigma], exact, trial)
  }

  /// (⟨o − a, Δ⟩ − ‖Δ‖²/2)/σ² with a = xU, Δ = x'U − xU (U row-major d × m').
  static func projectionLoss(
    output o: [Float], directions u: [Float], x: [Float], xPrime: [Float], sigma: Double
  ) -> Double {
    let d = x.count
    let mPrime = o.count
    var inner = 0.0, shiftSquared = 0.0
    for j in 0..<mPrime {
      var a = 0.0, b = 0.0
      for i in 0..<d {
        let uij = Double(u[i * mPrime + j])
        a += Double(x[i]) * uij
        b += Double(xPrime[i]) * uij
      }
      let shift = b - a
      inner += (Double(o[j]) - a) * shift
      shiftSquared += shift * shift
    }
    return (inner - shiftSquared / 2) / (sigma * sigma)
  }

  /// A 2-cell count vector with means (1, 0) under D and (0, 1) under D': Δ = (−1, 1), and
  /// (⟨c − (1, 0), Δ⟩ − ‖Δ‖²/2)/σ² = (c₁ − c₀)/σ².
  static func countLoss(_ c: [Double], sigma: Double) -> Double {
    (c[1] - c[0]) / (sigma * sigma)
  }

  /// U's top left singular vector (unit, in R^d) by power iteration on U Uᵀ, shrunk by 10⁻⁶ so
  /// that its float rounding cannot make the canary pair more than 1 apart.
  static func topSingularDirection(_ u: [Float], rows d: Int, columns m: Int) -> [Float] {
    var gram = [Double](repeating: 0, count: d * d)
    for i in 0..<d {
      for k in 0..<d {
        var s = 0.0
        for j in 0..<m { s += Double(u[i * m + j]) * Double(u[k * m + j]) }
        gram[i * d + k] = s
      }
    }
    var v = [Double](repeating: 1, count: d)
    for _ in 0..<2000 {
      var w = [Double](repeating: 0, count: d)
      for i in 0..<d {
        for k in 0..<d { w[i] += gram[i * d + k] * v[k] }
      }
      let norm = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
      v = w.map { $0 / norm }
    }
    let floats = v.map { Float($0) }
    let norm = floats.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
    return floats.map { Float(Double($0) / norm * (1 - 1e-6)) }
  }
}
