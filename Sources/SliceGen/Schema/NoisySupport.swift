// Where the mass of a noisy histogram lies, on an ordered line of public cells (the octaves of
// the discovery grid, or one cell per whole number): the bounds of a discovered numeric column.
// Post-processing of counts that are already noisy (DiscoveryMechanism.swift): nothing here
// reads data or draws noise, and no choice here changes what discovery spends.
// Deliberately not here: which cells make the line, and what a bound means for the schema
// (SchemaDiscovery.swift).
//
// The reading, for noisy counts h_i = c_i + N(0, σ²) on cells 0 ..< L:
//  1. Detection. A window is a run of w consecutive cells, w ∈ {1, 2, 4, 8, 16}, starting every
//     max(1, w/2) cells, that does not hold cells on both sides of zero (negative and positive
//     numbers must each show on their own: a window over codes 0…3 must not carry the empty
//     cell [−2, −1) into the bounds); its noisy mass M = Σ h_i has standard deviation σ√w. It is
//     detected when
//     M > τ·σ√w. τ controls false detections over every window of every column of the table
//     (`threshold(columns:)`). Pooling w cells lets a thin tail that no single cell shows (money
//     amounts: 90 % zeros and the rest spread over a dozen octaves) show as a whole.
//  2. Support. The detected single cells span the core (else the detected window with the
//     largest M/(σ√w)); every detected window that lies wholly outside the support so far extends
//     it to cover that window, until none does. A window overlapping the support proves nothing
//     about cells beyond it (its mass may all be inside), so it extends nothing.
//  3. Quantiles. Within the support, read the noisy counts as a CDF and cut the cells at either
//     end whose cumulative noisy mass stays within a share q of the support's (0.5 %): the bounds
//     are the noisy 0.5 % and 99.5 % quantiles of the detected mass, on the cells' edges. A cell
//     adds max(h_i, 0): a negative noisy count is no evidence of an empty cell beyond, and
//     letting it cancel the next cells' mass would cut real values (with σ = 67 and 202 rows a
//     value, the lowest two values of a column were cut in most draws).
// A column of which no window is detected has no support; `bestWindow` says how close it came.

import Foundation
import SliceGenPrivacy

/// The support of a noisy histogram on an ordered line of cells.
public enum NoisySupport {
  /// Window widths, in cells.
  public static let widths = [1, 2, 4, 8, 16]
  /// The share of the support's noisy mass each bound may leave out.
  public static let tailShare = 0.005
  /// The probability of any false detection in a whole table.
  public static let falseDetectionRate = 0.01
  /// Detections tested per column: at most three lines (the fractional grid, and the whole-number
  /// grid or its second look) of at most 256 cells.
  static let linesPerColumn = 3

  /// A window of cells `start ..< end` and its noisy mass.
  public struct Window: Equatable, Sendable {
    public var start: Int
    public var end: Int
    public var mass: Double
    /// M/(σ√w): how many standard deviations of its noise the mass stands.
    public var score: Double
  }

  /// The number of windows on a line of `length` cells.
  public static func windowCount(length: Int) -> Int {
    widths.reduce(0) { total, w in
      let step = max(1, w / 2)
      return total + (length + step - 1) / step
    }
  }

  /// τ for a table of `columns` columns: the smallest τ with
  /// (windows tested in the table)·P(Z > τ) ≤ `falseDetectionRate`, Z standard normal.
  public static func threshold(columns: Int) -> Double {
    precondition(columns > 0)
    let tests = Double(columns * linesPerColumn * windowCount(length: 256))
    let target = falseDetectionRate / tests
    return Bisection.smallestPassing { GaussianMechanism.normalCDF(-$0) <= target } ?? 40
  }

  /// Every window of the line, with its score; with `zero` (the index of the cell {0}), only the
  /// windows that hold no cells on both sides of it.
  /// - Complexity: O(L) windows of O(1) each (prefix sums).
  public static func windows(_ counts: [Double], sigma: Double, zero: Int? = nil) -> [Window] {
    precondition(sigma > 0)
    var prefix = [0.0]
    prefix.reserveCapacity(counts.count + 1)
    for h in counts { prefix.append(prefix.last! + h) }
    var result: [Window] = []
    for w in widths {
      let step = max(1, w / 2)
      var start = 0
      while start < counts.count {
        defer { start += step }
        let end = min(start + w, counts.count)
        if let zero, start < zero, end > zero + 1 { continue }
        let mass = prefix[end] - prefix[start]
        result.append(
          Window(
            start: start, end: end, mass: mass,
            score: mass / (sigma * Double(end - start).squareRoot())))
      }
    }
    return result
  }

  /// The window with the largest score, or nil for an empty line.
  public static func bestWindow(_ counts: [Double], sigma: Double, zero: Int? = nil) -> Window? {
    windows(counts, sigma: sigma, zero: zero).max { $0.score < $1.score }
  }

  /// The cells `lower ..< upper` that hold the detected mass, cut at the noisy quantiles
  /// `tailShare` and 1 − `tailShare`; nil when no window is detected (header of this file).
  /// - Parameter fallback: also accept the best window when its score reaches this, though
  ///   below τ (weak evidence, said so in the schema's summary).
  public static func support(
    _ counts: [Double], sigma: Double, threshold tau: Double, zero: Int? = nil,
    fallback: Double? = nil
  ) -> Range<Int>? {
    let all = windows(counts, sigma: sigma, zero: zero)
    let detected = all.filter { $0.score > tau }
    var lower: Int, upper: Int
    let singles = detected.filter { $0.end - $0.start == 1 }
    if let first = singles.map(\.start).min(), let last = singles.map(\.end).max() {
      (lower, upper) = (first, last)
    } else if let best = detected.max(by: { $0.score < $1.score }) {
      (lower, upper) = (best.start, best.end)
    } else if let fallback, let best = all.max(by: { $0.score < $1.score }),
      best.score >= fallback
    {
      (lower, upper) = (best.start, best.end)
    } else {
      return nil
    }
    var grown = true
    while grown {
      grown = false
      for window in detected where window.end <= lower || window.start >= upper {
        lower = min(lower, window.start)
        upper = max(upper, window.end)
        grown = true
      }
    }
    return trimmed(counts, lower..<upper)
  }

  /// `range` without the cells at either end whose cumulative noisy mass (negative counts read
  /// as 0) is at most `tailShare` of the range's (never empty).
  static func trimmed(_ counts: [Double], _ range: Range<Int>) -> Range<Int> {
    let total = counts[range].reduce(0) { $0 + max($1, 0) }
    guard total > 0 else { return range }
    let allowance = tailShare * total
    var lower = range.lowerBound
    var below = 0.0
    while lower < range.upperBound - 1, below + max(counts[lower], 0) <= allowance {
      below += max(counts[lower], 0)
      lower += 1
    }
    var upper = range.upperBound
    var above = 0.0
    while upper > lower + 1, above + max(counts[upper - 1], 0) <= allowance {
      above += max(counts[upper - 1], 0)
      upper -= 1
    }
    return lower..<upper
  }
}
