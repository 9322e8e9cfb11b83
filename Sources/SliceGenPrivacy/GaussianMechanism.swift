// The privacy profile of the Gaussian mechanism, the building block of every analysis here.
// A Gaussian mechanism with L2 sensitivity Δ and noise σ is μ-GDP with μ = Δ/σ, and its exact
// (ε, δ) profile is (Balle & Wang 2018, Theorem 8; Dong, Roth, Su 2022)
//   δ_G(ε; μ) = Φ(−ε/μ + μ/2) − e^ε Φ(−ε/μ − μ/2).
// Φ is evaluated through erfc so that both terms keep full relative precision in the tails.

import Foundation

/// The Gaussian mechanism's exact privacy profile and its calibration.
public enum GaussianMechanism {
  /// Φ(x), the standard normal CDF, accurate in the lower tail.
  @inline(__always)
  public static func normalCDF(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

  /// δ_G(ε; μ): the smallest δ for which a μ-GDP mechanism is (ε, δ)-DP.
  public static func delta(epsilon: Double, mu: Double) -> Double {
    guard mu > 0 else { return 0 }
    guard mu.isFinite else { return 1 }
    let a = -epsilon / mu
    let first = normalCDF(a + mu / 2)
    // e^ε Φ(a − μ/2) computed as exp(ε + log Φ) to avoid overflow of e^ε for large ε.
    let tail = normalCDF(a - mu / 2)
    let second = tail > 0 ? exp(epsilon + log(tail)) : 0
    return max(first - second, 0)
  }

  /// The largest μ with δ_G(ε; μ) ≤ δ, rounded toward the smaller μ (more noise).
  public static func largestMu(epsilon: Double, delta target: Double) -> Double {
    // δ_G(ε; μ) → 1 − e^ε·0 as μ → ∞, so some μ fails for every target δ < 1.
    Bisection.largestPassing { delta(epsilon: epsilon, mu: $0) <= target } ?? .infinity
  }

  /// The analytic Gaussian mechanism (Balle & Wang 2018): the smallest σ meeting (ε, δ) for L2
  /// sensitivity Δ, rounded up.
  public static func analyticSigma(epsilon: Double, delta: Double, sensitivity: Double = 1)
    -> Double
  {
    (sensitivity / largestMu(epsilon: epsilon, delta: delta)).nextUp
  }
}
