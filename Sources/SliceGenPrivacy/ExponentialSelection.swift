// Private choice of one candidate by the exponential mechanism, accounted as a Gaussian
// mechanism, so that it composes with every other part of a release with μ² adding
// (Docs/privacy.md, "Pair selection by the exponential mechanism").
//
// The mechanism. Scores s_1…s_P, each moving by at most Δ when one row is replaced (for a fixed
// history of earlier released output). Pick j with probability ∝ exp(ε₀·s_j/(2Δ)).
//
// Bounded range (Durfee & Rogers 2019). For two neighbouring tables the privacy loss of output j
// is L(j) = ε₀(s_j − s'_j)/(2Δ) − ln(Z/Z'); the first term lies in [−ε₀/2, ε₀/2], so over all j
// the loss lies in an interval of width ε₀. Since both laws are distributions, sup L ≥ 0 ≥ inf L,
// so L ∈ [t − ε₀, t] for some t ∈ [0, ε₀].
//
// From bounded range to Gaussian DP. Any pair of laws (P, Q) whose likelihood ratio lies in
// [e^{t−ε₀}, e^t] is a garbling of the binary pair P_t = (p, 1 − p), Q_t = (q, 1 − q) with
// p/q = e^t and (1 − p)/(1 − q) = e^{t−ε₀} (the kernel K(y|0) = (P(y)(1−q) − Q(y)(1−p))/(p − q),
// K(y|1) = (Q(y)p − P(y)q)/(p − q) is non-negative exactly when the ratio is in that interval),
// so its tradeoff function is at least the binary pair's (Dong, Roth, Su 2022, post-processing).
// That one is piecewise linear through (0, 1), (1 − p, q), (1, 0); the Gaussian tradeoff G_μ is
// convex and symmetric, so G_μ lies below it as soon as G_μ(1 − p) ≤ q, that is for
// μ ≥ m(t) = Φ⁻¹(p) − Φ⁻¹(q). m is symmetric in t ↔ ε₀ − t and largest at t = ε₀/2 (randomized
// response with ε₀/2). Proof (Docs/privacy.md, "Why the middle is the worst case"): with
// u = Φ⁻¹(1 − q), v = Φ⁻¹(p), m = u + v subject to ℓ(u) + ℓ(v) = ε₀, ℓ the log-odds of Φ, which
// is odd and convex on [0, ∞), so its inverse is concave there and u + v ≤ 2ℓ⁻¹(ε₀/2). At the middle,
//   μ(ε₀) = 2Φ⁻¹(e^{ε₀/2}/(1 + e^{ε₀/2})),   about 0.627·ε₀ for small ε₀.
// So one pick is μ(ε₀)-GDP for every history, and k adaptive picks compose to √k·μ(ε₀)-GDP
// (Dong, Roth, Su 2022, Corollary 3.3), which adds to the release's μ² like any Gaussian count.
// (Releasing the whole vector of P scores with Gaussian noise instead costs √P in sensitivity;
// k picks cost √k: on 65 columns, 64 picks against 2,080 scores.)
//
// Bit for bit. The computed mechanism differs from the real-valued one in three places:
//  1. x_j = fl(fl(s_j − s_max)·c), c = fl(ε₀/(2Δ)): each x_j is within |c(s_j − s_max)|·2^−51 of
//     the real value. The "ideal" mechanism of the analysis picks ∝ exp(x_j) for these computed
//     x_j; with scores in [0, S] its loss range widens to at most
//     `computedWidth` = ε₀(1 + 2^−51) + 4cS·2^−51, the width the accountant uses.
//  2. w_j = exp(x_j) ≤ 1 (x_max = 0, exp(0) = 1 exactly), within a relative 2^−50 of e^{x_j}
//     (glibc's exp is within 1 ulp = 2^−52; 4 ulps are assumed, and ExponentialSelectionTests
//     checks them against the 80-bit exp on x86 Linux), or within 2^−1074 when it underflows.
//  3. ω_j = max(1, ⌈w_j·2^b⌉) as 128-bit integers (w_j·2^b is exact: a power-of-two scaling),
//     b = 126 − ⌈log₂ P⌉ so that Σω ≤ P·(2^b + 1) < 2^128, and an exactly uniform integer R in
//     [0, Σω) picks the first j whose running sum exceeds R: the computed law is ω_j/Σω, exactly.
// Rounding up (and at least 1, where exp underflows and the ideal weight is below 2^−b too)
// keeps every ω_j ≥ (1 − 2^−50)·e^{x_j}·2^b, while ω_j ≤ (1 + 2^−50)·e^{x_j}·2^b + 1. With
// W = Σe^{x_j} ≥ 1 (the top score's weight is 1), the computed probability of every j is
//   at least (1 − ρ)·p*_j   and at most (1 + ρ)·p*_j + 2^{1−b},
// ρ = `relativeError` ≥ (1 + 2^−50)/(1 − 2^−50) − 1 and ≥ 1 − (1 − 2^−50)/(1 + 2^−50 + P·2^−b).
// So for every event S, P(S) ≤ (1 + ρ)P*(S) + A and P*(S) ≤ P(S)/(1 − ρ) with
// A = P·2^{1−b} (`additiveError`): for neighbours, P(S) ≤ ((1 + ρ)/(1 − ρ))·e^ε·P'(S) +
// (1 + ρ)δ + A. ImplementationMargin counts each pick as one published value with that ρ (ρ is
// below the snapped sampler's) and adds 2·Σ A (≥ Σ A·Π(1 + ρ)) to the δ set aside for tails.

import Foundation

/// The exponential mechanism over computed scores, accounted in Gaussian DP.
///
/// ## Privacy
/// One `pick` with parameter ε₀ on scores of sensitivity Δ (for a fixed history) is
/// `gaussianMu(boundedRange: computedWidth(…))`-GDP under the relation Δ is stated for; the
/// computed law is within the `relativeError` factor and `additiveError` of that ideal
/// mechanism (header: below it by at most the factor, above it by the factor plus A).
/// Tests: ExponentialSelectionTests.
public enum ExponentialSelection {
  /// μ with which an ε-bounded-range mechanism is μ-GDP: 2Φ⁻¹(1/(1 + e^{−ε/2})), rounded up
  /// (the smallest μ passing erf(μ/(2√2)) ≥ tanh(ε/4)·(1 + 1e−12), both sides accurate to a
  /// relative 1e−15).
  public static func gaussianMu(boundedRange epsilon: Double) -> Double {
    precondition(epsilon > 0 && epsilon.isFinite)
    let target = tanh(epsilon / 4) * (1 + 1e-12)
    guard target < 1 else { return .infinity }
    return Bisection.smallestPassing { erf($0 / (2 * 2.0.squareRoot())) >= target } ?? .infinity
  }

  /// The loss range of the computed mechanism with parameter ε₀, sensitivity Δ and scores in
  /// [0, `largestScore`] (header, item 1).
  public static func computedWidth(epsilon: Double, sensitivity: Double, largestScore: Double)
    -> Double
  {
    precondition(epsilon > 0 && sensitivity > 0 && largestScore >= 0)
    let c = epsilon / (2 * sensitivity) * (1 + 0x1p-52)
    return epsilon * (1 + 0x1p-51) + 4 * c * largestScore * 0x1p-51
  }

  /// The largest ε₀ (to the bisection's tolerance, rounded down) whose computed mechanism is
  /// μ-GDP with μ ≤ `mu`.
  public static func epsilon(forMu mu: Double, sensitivity: Double, largestScore: Double)
    -> Double
  {
    precondition(mu > 0 && mu.isFinite)
    return Bisection.largestPassing { e in
      e <= 0
        || gaussianMu(
          boundedRange: computedWidth(
            epsilon: e, sensitivity: sensitivity, largestScore: largestScore)) <= mu
    } ?? 0
  }

  /// The scale exponent b of the integer weights for P candidates: Σ ω_j ≤ P·2^b < 2^128.
  static func weightExponent(candidates p: Int) -> Int {
    precondition(p > 0)
    let bits = Int.bitWidth - (p - 1).leadingZeroBitCount  // ⌈log₂ P⌉
    return 126 - bits
  }

  /// ρ of one pick among at most P candidates (header, item 3).
  public static func relativeError(candidates p: Int) -> Double {
    let u = 0x1p-50
    let ceilingShare = Double(p) * exp2(Double(-weightExponent(candidates: p)))
    return max((1 + u) / (1 - u) - 1, 1 - (1 - u) / (1 + u + ceilingShare)) * (1 + 1e-9)
  }

  /// A: what one pick among at most P candidates may add to an event's probability on top of
  /// the factor 1 + ρ (header, item 3).
  public static func additiveError(candidates p: Int) -> Double {
    Double(p) * exp2(Double(1 - weightExponent(candidates: p)))
  }

  /// The computed weights ω_j = max(1, ⌈exp(x_j)·2^b⌉) of `scores` (header).
  static func weights(scores: [Double], epsilon: Double, sensitivity: Double) -> [UInt128] {
    precondition(!scores.isEmpty && scores.allSatisfy(\.isFinite))
    let top = scores.max()!
    let c = epsilon / (2 * sensitivity)
    let scale = exp2(Double(weightExponent(candidates: scores.count)))
    return scores.map { s in
      let w = min(1, exp((s - top) * c))
      return max(1, UInt128((w * scale).rounded(.up)))
    }
  }

  /// One candidate's index, drawn with probability ∝ exp(ε₀·s_j/(2Δ)) from the computed
  /// weights, exactly (header).
  public static func pick(
    scores: [Double], epsilon: Double, sensitivity: Double, noise: inout SecureNoise
  ) -> Int {
    precondition(epsilon > 0 && sensitivity > 0)
    let omega = weights(scores: scores, epsilon: epsilon, sensitivity: sensitivity)
    let total = omega.reduce(0, +)
    precondition(total > 0)  // the largest score's weight is 2^b
    let r = noise.uniformWide(below: total)
    var running: UInt128 = 0
    for (j, w) in omega.enumerated() {
      running += w
      if r < running { return j }
    }
    preconditionFailure("R < Σω")
  }
}
