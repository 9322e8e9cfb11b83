// Exact (Clopper–Pearson) confidence intervals for a binomial proportion, the statistics behind
// the ε lower bound of `slicegen audit` (Docs/audit.md). Deliberately not here: what the counts
// mean (EpsilonLowerBound.swift) or how they were gathered (PrivacyAudit.swift).
//
// Clopper and Pearson (1934): with k successes in n trials, the two-sided interval at confidence
// 1 − α is [B(α/2; k, n − k + 1), B(1 − α/2; k + 1, n − k)], B(q; a, b) the q-quantile of the
// Beta(a, b) distribution (lower end 0 when k = 0, upper end 1 when k = n). It is exact in the
// sense that P(p > upper) ≤ α/2 for every true p, whatever n: no normal approximation.
//
// The Beta CDF is the regularised incomplete beta function
//   I_x(a, b) = x^a (1 − x)^b / (a·B(a, b)) · CF(a, b, x)   for x < (a + 1)/(a + b + 2),
// CF the continued fraction of Numerical Recipes §6.4 evaluated by the modified Lentz method,
// and I_x(a, b) = 1 − I_{1−x}(b, a) otherwise (where the fraction converges fast). The quantile
// inverts the CDF by bisection on x (monotone in x); the upper end is returned as the upper end
// of the final bracket, the lower end as its lower end, so an inexact inversion only widens the
// interval.

import Foundation

/// Clopper–Pearson intervals for a binomial proportion.
public enum ClopperPearson {
  /// I_x(a, b), the Beta(a, b) CDF at x (a, b > 0).
  public static func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
    precondition(a > 0 && b > 0)
    if x <= 0 { return 0 }
    if x >= 1 { return 1 }
    // log of x^a (1 − x)^b / B(a, b)
    let logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x)
    if x < (a + 1) / (a + b + 2) {
      return exp(logFront) * continuedFraction(x, a: a, b: b) / a
    }
    return 1 - exp(logFront) * continuedFraction(1 - x, a: b, b: a) / b
  }

  /// The continued fraction of I_x(a, b) (modified Lentz; converges for x < (a + 1)/(a + b + 2)
  /// in O(√max(a, b)) terms).
  static func continuedFraction(_ x: Double, a: Double, b: Double) -> Double {
    let tiny = 1e-300
    let qab = a + b, qap = a + 1, qam = a - 1
    var c = 1.0
    var d = 1 - qab * x / qap
    if abs(d) < tiny { d = tiny }
    d = 1 / d
    var h = d
    for m in 1...100_000 {
      let m = Double(m)
      let m2 = 2 * m
      // Even step.
      var aa = m * (b - m) * x / ((qam + m2) * (a + m2))
      d = 1 + aa * d
      if abs(d) < tiny { d = tiny }
      c = 1 + aa / c
      if abs(c) < tiny { c = tiny }
      d = 1 / d
      h *= d * c
      // Odd step.
      aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
      d = 1 + aa * d
      if abs(d) < tiny { d = tiny }
      c = 1 + aa / c
      if abs(c) < tiny { c = tiny }
      d = 1 / d
      let delta = d * c
      h *= delta
      if abs(delta - 1) < 1e-15 { break }
    }
    return h
  }

  /// The q-quantile of Beta(a, b): the bracket [lo, hi] with I_lo < q ≤ I_hi after 200 halvings
  /// (or until the bracket stops shrinking); returns hi when `upper`, else lo.
  static func betaQuantile(_ q: Double, a: Double, b: Double, upper: Bool) -> Double {
    var lo = 0.0, hi = 1.0
    for _ in 0..<200 {
      let mid = lo + (hi - lo) / 2
      guard mid > lo && mid < hi else { break }
      if regularizedIncompleteBeta(mid, a: a, b: b) < q { lo = mid } else { hi = mid }
    }
    return upper ? hi : lo
  }

  /// The upper end of the two-sided interval at confidence `confidence`: P(p > upper) ≤
  /// (1 − confidence)/2 whatever the true p.
  public static func upper(successes k: Int, trials n: Int, confidence: Double = 0.95) -> Double {
    precondition(n > 0 && k >= 0 && k <= n && confidence > 0 && confidence < 1)
    if k == n { return 1 }
    let tail = (1 - confidence) / 2
    return betaQuantile(1 - tail, a: Double(k + 1), b: Double(n - k), upper: true)
  }

  /// The lower end of the two-sided interval at confidence `confidence`.
  public static func lower(successes k: Int, trials n: Int, confidence: Double = 0.95) -> Double {
    precondition(n > 0 && k >= 0 && k <= n && confidence > 0 && confidence < 1)
    if k == 0 { return 0 }
    let tail = (1 - confidence) / 2
    return betaQuantile(tail, a: Double(k), b: Double(n - k + 1), upper: false)
  }
}
