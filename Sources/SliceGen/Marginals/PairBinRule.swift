// `--pair-bins auto`: how many groups a numeric column gets in 2-way tables, from public facts
// only — the number of rows n (public in this privacy model) and σ of the 2-way counts, which the
// calibration fixes from ε, δ and the declared shares before any value is read.
//
// A numeric × numeric table on B groups per column (plus the lower-bound bin) has (B + 1)² cells
// holding n/(B + 1)² rows on average, each with noise σ. When that is not well above σ the table
// is mostly noise, and non-negativity then biases the consistent estimates of the 1-way tables it
// shares columns with. The rule keeps the average cell at twice σ or more:
//   B = the largest integer in [1, cap] with (B + 1)² ≤ n / (2σ).
// Measured (Docs/benchmarks.md, "The forest sampler"): on digits (n = 1,497, σ ≈ 63) it gives
// B = 2, the best of 2, 4, 8 and 16; on Adult (n = 32,561, σ ≈ 56) it gives 16, the default the
// Adult figures were measured with.

import Foundation

/// The automatic choice of `ReleaseOptions.pairBins`.
public enum PairBinRule {
  /// The average rows per cell of a numeric × numeric table, in units of σ, that the rule keeps.
  public static let rowsPerCellOverSigma = 2.0

  /// B for n rows and 2-way counts of noise σ, at most `cap`.
  public static func bins(rows n: Int, twoWaySigma sigma: Double, cap: Int) -> Int {
    precondition(cap >= 1 && sigma > 0)
    let cells = Double(n) / (rowsPerCellOverSigma * sigma)
    var b = 1
    while b < cap, Double((b + 2) * (b + 2)) <= cells { b += 1 }
    return b
  }
}
