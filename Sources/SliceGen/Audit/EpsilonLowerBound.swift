// From a distinguishing test's errors to a lower bound on ε (Docs/audit.md, "From errors to ε").
// A test sees one output and guesses which of two neighbouring tables D, D' produced it; its
// score is the privacy loss ln p_{D'}(o)/p_D(o) (or any function of o), and it guesses D' when the
// score exceeds a threshold τ. Deliberately not here: running the mechanism (PrivacyAudit.swift).
//
// Derivation. If M is (ε, δ)-DP, every event S satisfies P_{D'}(S) ≤ e^ε P_D(S) + δ and
// P_D(S) ≤ e^ε P_{D'}(S) + δ. Take S = {score > τ}: P_D(S) = FPR (guessed D' under D) and
// P_{D'}(S) = 1 − FNR, so 1 − FNR ≤ e^ε·FPR + δ, i.e. ε ≥ ln((1 − δ − FNR)/FPR); the complement
// S^c gives ε ≥ ln((1 − δ − FPR)/FNR) (the two orders). The rates are unknown: with FPR ≤ FPR⁺
// and FNR ≤ FNR⁺ (Clopper–Pearson upper ends, each failing with probability at most 2.5 %), both
// orders hold at once with probability at least 95 %, so
//   ε_lb = max(ln((1 − δ − FNR⁺)/FPR⁺), ln((1 − δ − FPR⁺)/FNR⁺), 0)
// is a lower bound on the true ε of M at δ with 95 % confidence (Jagielski et al. 2020; Nasr et
// al. 2021). This needs τ fixed before the counted trials are seen: `choose` picks it on separate
// selection trials, `evaluate` counts the errors on fresh ones.

import Foundation

/// A threshold test on the privacy-loss score: guess D' when score > `threshold`.
public struct DistinguishingTest: Codable, Sendable, Equatable {
  public var threshold: Double
  public init(threshold: Double) { self.threshold = threshold }
}

/// The errors of a test on counted trials and the ε lower bound they give.
public struct EpsilonLowerBound: Codable, Sendable, Equatable {
  /// Trials per table.
  public var trials: Int
  /// D's outputs guessed D' / D''s outputs guessed D.
  public var falsePositives: Int
  public var falseNegatives: Int
  /// Clopper–Pearson upper ends of the two rates (95 % two-sided intervals).
  public var falsePositiveRateUpper: Double
  public var falseNegativeRateUpper: Double
  /// max over the two orders, and 0.
  public var epsilon: Double

  /// The bound from error counts (header).
  public init(falsePositives: Int, falseNegatives: Int, trials: Int, delta: Double) {
    self.trials = trials
    self.falsePositives = falsePositives
    self.falseNegatives = falseNegatives
    let fpr = ClopperPearson.upper(successes: falsePositives, trials: trials)
    let fnr = ClopperPearson.upper(successes: falseNegatives, trials: trials)
    falsePositiveRateUpper = fpr
    falseNegativeRateUpper = fnr
    epsilon = Self.epsilon(fprUpper: fpr, fnrUpper: fnr, delta: delta)
  }

  /// max(ln((1 − δ − FNR⁺)/FPR⁺), ln((1 − δ − FPR⁺)/FNR⁺), 0).
  static func epsilon(fprUpper: Double, fnrUpper: Double, delta: Double) -> Double {
    func order(_ miss: Double, _ falseAlarm: Double) -> Double {
      let numerator = 1 - delta - miss
      guard numerator > 0, falseAlarm > 0 else { return 0 }
      return log(numerator / falseAlarm)
    }
    return max(order(fnrUpper, fprUpper), order(fprUpper, fnrUpper), 0)
  }

  /// The errors of `test` on scores from D and from D' (any order), and the bound.
  public static func evaluate(
    _ test: DistinguishingTest, scoresD: [Double], scoresDPrime: [Double], delta: Double
  ) -> EpsilonLowerBound {
    precondition(scoresD.count == scoresDPrime.count && !scoresD.isEmpty)
    let fp = scoresD.reduce(0) { $0 + ($1 > test.threshold ? 1 : 0) }
    let fn = scoresDPrime.reduce(0) { $0 + ($1 > test.threshold ? 0 : 1) }
    return EpsilonLowerBound(
      falsePositives: fp, falseNegatives: fn, trials: scoresD.count, delta: delta)
  }

  /// The threshold whose bound is largest on the selection scores themselves: candidates are
  /// D's scores at ranks 1, 2, …, 20 and then every 5 % further from the top (where false
  /// positives are rare) and D''s scores likewise from the bottom; each is judged by the
  /// Clopper–Pearson bound of its errors on the selection trials. (Extrapolating the selection
  /// counts to the counted trials instead picks thresholds far in the tails, where a count of 0
  /// or 2 among S trials says little about the rate, and the counted bound then collapses.)
  public static func choose(
    scoresD: [Double], scoresDPrime: [Double], delta: Double
  ) -> DistinguishingTest {
    precondition(!scoresD.isEmpty && scoresD.count == scoresDPrime.count)
    let d = scoresD.sorted(), dPrime = scoresDPrime.sorted()
    // #{s > τ} in a sorted array, by binary search.
    func countAbove(_ s: [Double], _ tau: Double) -> Int {
      var lo = 0, hi = s.count
      while lo < hi {
        let mid = (lo + hi) / 2
        if s[mid] > tau { hi = mid } else { lo = mid + 1 }
      }
      return s.count - lo
    }
    var ranks: [Int] = Array(1...20)
    var r = 20.0
    while Int(r) < d.count {
      r *= 1.05
      ranks.append(Int(r))
    }
    var candidates: [Double] = []
    for k in ranks where k <= d.count {
      candidates.append(d[d.count - k])
      candidates.append(dPrime[k - 1])
    }
    var best = DistinguishingTest(threshold: candidates[0])
    var bestEpsilon = -1.0
    for tau in candidates {
      let e = EpsilonLowerBound(
        falsePositives: countAbove(d, tau), falseNegatives: d.count - countAbove(dPrime, tau),
        trials: d.count, delta: delta
      ).epsilon
      if e > bestEpsilon {
        bestEpsilon = e
        best = DistinguishingTest(threshold: tau)
      }
    }
    return best
  }
}
