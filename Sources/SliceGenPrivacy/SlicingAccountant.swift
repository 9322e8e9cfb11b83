// Privacy accounting of the slicing release (Docs/privacy.md, "The accountant").
//
// Setting. U (d × m') has iid N(0, 1/d) entries and is drawn after the data is fixed; rows of the
// encoded data differ by at most 1 in L2 (replace-one) or have norm at most 1 (zero-out). For
// neighbours differing in row x vs x', only that row's output differs, by the shift (x − x')U;
// given U the release is a Gaussian mechanism with μ = ‖(x − x')U‖/σ. Since (x − x')U ~
// N(0, (c²/d) I_{m'}) with c = ‖x − x'‖ ≤ 1, μ² = c²·Q/(dσ²) = c²·Q/s² with Q ~ χ²(m') and
// s = σ√d. The joint output (U, O) is a mixture over U, and the hockey-stick divergence of a
// mixture with a shared mixing distribution is the average of the components':
//   δ(ε) = E_Q[ δ_G(ε; √Q/s) ]   (c = 1 is the worst case since δ_G grows with μ).
// With aggregates composed (Gaussian mechanisms of fixed μ_j): μ² = Q/s² + μ_agg² (GDP composes
// exactly, also adaptively), so δ(ε) = E_Q[ δ_G(ε; √(Q/s² + μ_agg²)) ].
//
// Numerics (every error pushes toward more noise). With t = √Q (chi density with m' degrees of
// freedom, smooth at 0 for every m'), the expectation is integrated by composite Simpson on
// [t_lo, t_hi] where the Laurent–Massart bounds give P(Q ≥ m' + 2√(m'x) + 2x) ≤ e^{−x} and
// P(Q ≤ m' − 2√(m'x)) ≤ e^{−x}; with x = 60 both tails are ≤ 9e-27 and are ADDED to δ (δ_G ≤ 1),
// and the Simpson error estimate |S_N − S_{N/2}|/15 is ADDED too.
//
// Implementation margin (ImplementationMargin.swift): the computed projections' shift is at most
// (1 + η)·t + a in place of t, so the integrand uses μ = √((((1 + η)t + a)/s)² + μ_agg²); with
// `ShiftMargin.zero` it is the ideal mechanism's profile, which the test vectors state.

import Foundation

/// The χ²-mixture accountant of the slicing mechanism.
public enum SlicingAccountant {
  static let tailExponent = 60.0

  /// δ(ε) of the slicing release with noise scale s = σ√d and m' projections, composed with
  /// aggregates of total μ_agg² (0 for the paper's mechanism). Conservative (upper bound).
  public static func delta(
    epsilon: Double, noiseScale s: Double, projections mPrime: Int,
    aggregateMuSquared: Double = 0, shift: ShiftMargin = .zero
  ) -> Double {
    precondition(mPrime >= 0 && s > 0)
    if mPrime == 0 || !s.isFinite {
      return GaussianMechanism.delta(epsilon: epsilon, mu: aggregateMuSquared.squareRoot())
    }
    let m = Double(mPrime)
    let x = tailExponent
    let tHigh = (m + 2 * (m * x).squareRoot() + 2 * x).squareRoot()
    let tLow = max(m - 2 * (m * x).squareRoot(), 0).squareRoot()
    // log of the chi density's normalising constant: 2^{m/2−1} Γ(m/2).
    let logNorm = (m / 2 - 1) * log(2.0) + lgamma(m / 2)
    func integrand(_ t: Double) -> Double {
      guard t > 0 else {
        let atZero = shift.absolute / s
        return mPrime == 1
          ? exp(-logNorm)
            * GaussianMechanism.delta(
              epsilon: epsilon, mu: (atZero * atZero + aggregateMuSquared).squareRoot()) : 0
      }
      let logDensity = (m - 1) * log(t) - t * t / 2 - logNorm
      let widened = shift.widened(t) / s
      let mu = (widened * widened + aggregateMuSquared).squareRoot()
      return exp(logDensity) * GaussianMechanism.delta(epsilon: epsilon, mu: mu)
    }
    let intervals = 2048
    let h = (tHigh - tLow) / Double(intervals)
    var sumEven = 0.0, sumOdd = 0.0
    var coarseEven = 0.0, coarseOdd = 0.0  // Simpson on the N/2 grid (every other point)
    var values = [Double](repeating: 0, count: intervals + 1)
    for i in 0...intervals { values[i] = integrand(tLow + Double(i) * h) }
    for i in 1..<intervals {
      if i % 2 == 0 { sumEven += values[i] } else { sumOdd += values[i] }
      if i % 2 == 0 {
        if (i / 2) % 2 == 0 { coarseEven += values[i] } else { coarseOdd += values[i] }
      }
    }
    let ends = values[0] + values[intervals]
    let fine = h / 3 * (ends + 4 * sumOdd + 2 * sumEven)
    let coarse = 2 * h / 3 * (ends + 4 * coarseOdd + 2 * coarseEven)
    let quadratureError = abs(fine - coarse) / 15
    let tails = 2 * exp(-x)
    return min(fine + quadratureError + tails, 1)
  }

  /// The smallest s (noisier end of a bisection) with δ(ε; s, m') ≤ δ.
  public static func calibrateNoiseScale(
    epsilon: Double, delta target: Double, projections mPrime: Int,
    aggregateMuSquared: Double = 0, shift: ShiftMargin = .zero
  ) -> Double {
    smallestPassing { s in
      delta(
        epsilon: epsilon, noiseScale: s, projections: mPrime,
        aggregateMuSquared: aggregateMuSquared, shift: shift) <= target
    }
  }

  /// `Bisection.smallestPassing` for conditions that pass somewhere (every s passes once the
  /// noise is large enough for a δ the accountant's own error allows; PrivacyValidation keeps δ
  /// there).
  static func smallestPassing(_ ok: (Double) -> Bool) -> Double {
    guard let x = Bisection.smallestPassing(ok) else {
      preconditionFailure("no noise scale meets the target (δ below the accountant's error?)")
    }
    return x
  }

  /// The minimum over Rényi orders α ∈ (1, α_max) of `value`: a fine grid in
  /// u = (α − 1)/(α_max − 1), refined by golden section; an imprecise minimum can only be larger,
  /// so the ε it gives is an upper bound.
  static func minimumOverOrders(alphaMax: Double, _ value: (Double) -> Double) -> Double {
    var best = Double.infinity
    var bestU = 0.5
    let points = 4000
    for i in 1..<points {
      let u = Double(i) / Double(points)
      let v = value(1 + (alphaMax - 1) * u)
      if v < best {
        best = v
        bestU = u
      }
    }
    var a = max(bestU - 1 / Double(points), 1e-12)
    var b = min(bestU + 1 / Double(points), 1 - 1e-12)
    let golden = (5.0.squareRoot() - 1) / 2
    for _ in 0..<100 {
      let c = b - golden * (b - a)
      let d = a + golden * (b - a)
      if value(1 + (alphaMax - 1) * c) < value(1 + (alphaMax - 1) * d) { b = d } else { a = c }
    }
    return min(best, value(1 + (alphaMax - 1) * (a + b) / 2))
  }

  /// The smallest ε (upper end of a bisection) with δ(ε; s, m') ≤ δ; ∞ when none up to 2^100.
  public static func epsilon(
    delta target: Double, noiseScale s: Double, projections mPrime: Int,
    aggregateMuSquared: Double = 0, shift: ShiftMargin = .zero
  )
    -> Double
  {
    Bisection.smallestPassing { e in
      delta(
        epsilon: e, noiseScale: s, projections: mPrime,
        aggregateMuSquared: aggregateMuSquared, shift: shift) <= target
    } ?? .infinity
  }

  // MARK: Theorem 1 of the paper (for reproduction)

  /// The paper's Theorem 1: ε = min over α > 1 with α(α−1) < s² of
  /// m'α / (2(s² − (α² − α))) + ln(1/δ)/(α − 1). The minimum over α is searched on a fine grid
  /// and refined by golden section; any inaccuracy can only raise ε (a larger bound).
  public static func theorem1Epsilon(delta: Double, noiseScale s: Double, projections mPrime: Int)
    -> Double
  {
    let m = Double(mPrime)
    let logInverseDelta = log(1 / delta)
    let alphaMax = (1 + (1 + 4 * s * s).squareRoot()) / 2
    func value(_ alpha: Double) -> Double {
      let gap = s * s - (alpha * alpha - alpha)
      guard alpha > 1, gap > 0 else { return .infinity }
      return m * alpha / (2 * gap) + logInverseDelta / (alpha - 1)
    }
    return minimumOverOrders(alphaMax: alphaMax, value)
  }

  /// The smallest s (noisier end) with Theorem 1's ε(δ; s) ≤ ε.
  public static func theorem1NoiseScale(epsilon: Double, delta: Double, projections mPrime: Int)
    -> Double
  {
    smallestPassing {
      theorem1Epsilon(delta: delta, noiseScale: $0, projections: mPrime) <= epsilon
    }
  }

  // MARK: Exact RDP with the improved conversion (a third, intermediate analysis)

  /// ε from the exact Rényi divergence of the χ²-mixture: at order α,
  /// RDP(α) = −m'/(2(α−1)) · ln(1 − α(α−1)/s²) (the moment generating function of χ²(m')),
  /// converted by ε = RDP(α) + ln((α−1)/α) − (ln δ + ln α)/(α−1) (Balle et al. 2020), minimised
  /// over α on a fine grid refined by golden section (an imprecise minimum only raises ε).
  public static func rdpEpsilon(delta: Double, noiseScale s: Double, projections mPrime: Int)
    -> Double
  {
    let m = Double(mPrime)
    let alphaMax = (1 + (1 + 4 * s * s).squareRoot()) / 2
    func value(_ alpha: Double) -> Double {
      let inner = 1 - alpha * (alpha - 1) / (s * s)
      guard alpha > 1, inner > 0 else { return .infinity }
      let rdp = -m / (2 * (alpha - 1)) * log(inner)
      return rdp + log((alpha - 1) / alpha) - (log(delta) + log(alpha)) / (alpha - 1)
    }
    return minimumOverOrders(alphaMax: alphaMax, value)
  }

  /// The smallest s (noisier end) with the exact-RDP ε(δ; s) ≤ ε.
  public static func rdpNoiseScale(epsilon: Double, delta: Double, projections mPrime: Int)
    -> Double
  {
    smallestPassing { rdpEpsilon(delta: delta, noiseScale: $0, projections: mPrime) <= epsilon }
  }

  // MARK: Composition with aggregates (Docs/privacy.md, "Marginals beside the projections")

  /// Calibration of a combined release: the largest μ_total (rounded down) such that with
  /// m'/s² = (1 − share)·μ_total² and μ_agg² = share·μ_total² the profile meets (ε, δ).
  /// Returns s (∞ when share = 1) and μ_agg².
  public static func calibrateCombined(
    epsilon: Double, delta target: Double, projections mPrime: Int, aggregateShare share: Double,
    shift: ShiftMargin = .zero
  ) -> (noiseScale: Double, aggregateMuSquared: Double, muTotal: Double) {
    precondition(share >= 0 && share <= 1)
    func parts(_ muTotal: Double) -> (Double, Double) {
      let slicing = (1 - share) * muTotal * muTotal
      let s = slicing > 0 ? (Double(mPrime) / slicing).squareRoot() : .infinity
      return (s, share * muTotal * muTotal)
    }
    let muTotal =
      Bisection.largestPassing { muTotal in
        guard muTotal > 0 else { return true }
        let (s, agg) = parts(muTotal)
        return delta(
          epsilon: epsilon, noiseScale: s, projections: s.isFinite ? mPrime : 0,
          aggregateMuSquared: agg, shift: shift) <= target
      } ?? 0
    precondition(muTotal > 0, "no μ meets the target")
    let (s, agg) = parts(muTotal)
    return (s, agg, muTotal)
  }
}
