// Tests of Metrics, the SDMetrics definitions reimplemented: small cases by hand, then each
// metric against its definition written out plainly (quadratic loops, full r × c tables) on
// seeded random data with ties and missing values, and the special cases (empty, constant).

import Foundation
import Testing

@testable import SliceGen

@Suite("Metrics")
struct MetricsTests {
  @Test("KSComplement of two small samples, by hand")
  func ks() {
    // F_a jumps at 1, 2, 3; F_b at 2, 3, 4: largest gap 1/3 (at x = 1 and x = 3).
    #expect(abs(Metrics.ksComplement([1, 2, 3], [2, 3, 4]) - (1 - 1.0 / 3)) < 1e-12)
    #expect(Metrics.ksComplement([1, 2, 3], [1, 2, 3]) == 1)
    #expect(Metrics.ksComplement([0, 0], [5, 5]) == 0)
  }

  @Test("TVComplement, by hand")
  func tv() {
    // real a: 1/2, b: 1/2; synthetic a: 3/4, b: 1/4 → TV = ½(1/4 + 1/4) = 1/4.
    #expect(abs(Metrics.tvComplement(["a", "b"], ["a", "a", "a", "b"]) - 0.75) < 1e-12)
    #expect(Metrics.tvComplement(["a", "b"], ["b", "a"]) == 1)
  }

  @Test("ContingencySimilarity and Cramér's V, by hand")
  func contingency() {
    // Perfectly associated real pair vs independent synthetic pair.
    let ra = [0, 0, 1, 1], rb = [0, 0, 1, 1]
    let sa = [0, 0, 1, 1], sb = [0, 1, 0, 1]
    // Real cells (0,0) ½, (1,1) ½; synthetic ¼ each: ½(¼ + ¼ + ¼ + ¼) = ½.
    #expect(abs(Metrics.contingencySimilarity(ra, rb, sa, sb) - 0.5) < 1e-12)
    #expect(abs(Metrics.cramersV(ra, rb) - 1) < 1e-12)
    #expect(abs(Metrics.cramersV(sa, sb)) < 1e-12)
  }

  @Test("digitize matches np.histogram_bin_edges + np.digitize")
  func digitize() {
    // Edges 0, 1, …, 10: value v → number of edges ≤ v; the maximum lands in 11.
    #expect(Metrics.digitize([0, 0.5, 1, 9.99, 10]) == [1, 1, 2, 10, 11])
  }

  @Test("KSComplement equals 1 − sup |F_a − F_b| evaluated at every sample point, NaN dropped")
  func ksAgainstDefinition() {
    var rng = TestRNG(seed: 40)
    for trial in 0..<20 {
      // Values on a coarse grid so that ties within and across samples are common.
      func sample(_ n: Int) -> [Double] {
        (0..<n).map { _ in
          Double.random(in: 0..<1, using: &rng) < 0.1
            ? .nan : Double(Int.random(in: 0..<12, using: &rng)) / 4
        }
      }
      let a = sample(5 + trial), b = sample(30 - trial)
      let fa = a.filter { !$0.isNaN }, fb = b.filter { !$0.isNaN }
      func cdf(_ x: [Double], _ t: Double) -> Double {
        Double(x.filter { $0 <= t }.count) / Double(x.count)
      }
      // The supremum of a difference of step functions is reached at a jump.
      let gap = (fa + fb).map { abs(cdf(fa, $0) - cdf(fb, $0)) }.max()!
      #expect(abs(Metrics.ksComplement(a, b) - (1 - gap)) < 1e-12, "trial \(trial)")
    }
    #expect(Metrics.ksComplement([], [1]).isNaN)
    #expect(Metrics.ksComplement([.nan, .nan], [1]).isNaN)
  }

  @Test("TVComplement: synthetic-only categories weigh 1e-6 in the real counts; nil is skipped")
  func tvEdgeCases() {
    // real a: 1, b: 1 (nil dropped); synthetic a: 1, c: 1. c enters the real counts as 1e-6:
    // real a 1/(2 + 1e-6), b 1/(2 + 1e-6), c 1e-6/(2 + 1e-6); synthetic a ½, b 0, c ½.
    let total = 2 + 1e-6
    let tv = abs(0.5 - 1 / total) + abs(0 - 1 / total) + abs(0.5 - 1e-6 / total)
    #expect(abs(Metrics.tvComplement(["a", nil, "b"], ["a", "c"]) - (1 - tv / 2)) < 1e-12)
    // An empty synthetic column has no frequencies: NaN, not a score.
    #expect(Metrics.tvComplement(["a"], []).isNaN)
  }

  @Test("ContingencySimilarity equals 1 − ½ Σ |P_real − P_synthetic| over the union of cells")
  func contingencyAgainstDefinition() {
    var rng = TestRNG(seed: 41)
    for _ in 0..<10 {
      let nr = Int.random(in: 5...40, using: &rng), ns = Int.random(in: 5...40, using: &rng)
      let ra = (0..<nr).map { _ in Int.random(in: 0..<3, using: &rng) }
      let rb = (0..<nr).map { _ in Int.random(in: 0..<4, using: &rng) }
      let sa = (0..<ns).map { _ in Int.random(in: 0..<4, using: &rng) }  // a category real lacks
      let sb = (0..<ns).map { _ in Int.random(in: 0..<4, using: &rng) }
      var total = 0.0
      for a in 0..<4 {
        for b in 0..<4 {
          let pr = Double(ra.indices.filter { ra[$0] == a && rb[$0] == b }.count) / Double(nr)
          let ps = Double(sa.indices.filter { sa[$0] == a && sb[$0] == b }.count) / Double(ns)
          total += abs(pr - ps)
        }
      }
      #expect(abs(Metrics.contingencySimilarity(ra, rb, sa, sb) - (1 - total / 2)) < 1e-12)
    }
  }

  @Test("Cramér's V equals √(χ²/(n·(k − 1))) from the full r × c table, empty cells included")
  func cramersAgainstDefinition() {
    var rng = TestRNG(seed: 42)
    for _ in 0..<10 {
      let n = Int.random(in: 8...60, using: &rng)
      // Column b leans on column a, and some (a, b) cells stay empty.
      let a = (0..<n).map { _ in Int.random(in: 0..<3, using: &rng) }
      let b = a.map { x in Bool.random(using: &rng) ? x : Int.random(in: 0..<5, using: &rng) }
      let rowsA = Set(a).sorted(), rowsB = Set(b).sorted()
      var chi2 = 0.0
      for x in rowsA {
        for y in rowsB {
          let observed = Double(a.indices.filter { a[$0] == x && b[$0] == y }.count)
          let expected =
            Double(a.filter { $0 == x }.count) * Double(b.filter { $0 == y }.count) / Double(n)
          chi2 += (observed - expected) * (observed - expected) / expected
        }
      }
      let k = min(rowsA.count, rowsB.count)
      let v = (chi2 / (Double(n) * Double(k - 1))).squareRoot()
      #expect(abs(Metrics.cramersV(a, b) - v) < 1e-9)
    }
    #expect(Metrics.cramersV([0, 0, 0], [0, 1, 2]).isNaN, "one category: V is undefined")
  }

  @Test("Pearson ρ: rows with a missing value dropped; NaN when a column is constant")
  func pearson() {
    var rng = TestRNG(seed: 43)
    var x = (0..<50).map { _ in Double.random(in: -1...1, using: &rng) }
    var y = x.map { 2 * $0 + Double.random(in: -0.5...0.5, using: &rng) }
    x[3] = .nan
    y[7] = .nan
    let kept = x.indices.filter { !x[$0].isNaN && !y[$0].isNaN }
    let mx = kept.map { x[$0] }.reduce(0, +) / Double(kept.count)
    let my = kept.map { y[$0] }.reduce(0, +) / Double(kept.count)
    let sxy = kept.map { (x[$0] - mx) * (y[$0] - my) }.reduce(0, +)
    let sxx = kept.map { (x[$0] - mx) * (x[$0] - mx) }.reduce(0, +)
    let syy = kept.map { (y[$0] - my) * (y[$0] - my) }.reduce(0, +)
    #expect(abs(Metrics.pearson(x, y) - sxy / (sxx * syy).squareRoot()) < 1e-12)
    #expect(abs(Metrics.pearson(x, x.map { -3 * $0 + 1 }) + 1) < 1e-12)
    #expect(Metrics.pearson([1, 1, 1], [1, 2, 3]).isNaN)
    #expect(Metrics.pearson([1, .nan], [2, 3]).isNaN, "one complete row")
  }

  @Test("CenteredColumns: the plain Pearson ρ for complete columns, nil where a value is missing")
  func centeredColumns() {
    var rng = TestRNG(seed: 44)
    let n = 203
    let x = (0..<n).map { _ in Double.random(in: 0...255, using: &rng) }
    let y = x.map { 0.3 * $0 + Double.random(in: -40...40, using: &rng) }
    var missing = y
    missing[5] = .nan
    let columns: [EvaluationTable.Column] = [
      .numeric(x), .numeric(y), .numeric(missing), .numeric([Double](repeating: 7, count: n)),
      .categorical((0..<n).map { "\($0 % 3)" }),
    ]
    let centered = Metrics.CenteredColumns(columns)
    let fast = centered.pearson(0, 1)
    #expect(fast != nil)
    #expect(abs(fast! - Metrics.pearson(x, y)) < 1e-13)
    #expect(abs(centered.pearson(0, 0)! - 1) < 1e-13)
    #expect(centered.pearson(0, 2) == nil, "a missing value: the plain pearson drops rows pairwise")
    #expect(centered.pearson(0, 3)!.isNaN, "a constant column, as the plain pearson")
    #expect(Metrics.pearson(x, [Double](repeating: 7, count: n)).isNaN)
    #expect(centered.pearson(0, 4) == nil, "not numeric")
    #expect(Metrics.CenteredColumns([.numeric([1])]).pearson(0, 0) == nil, "one row")
  }

  @Test("digitize: a constant column gets edges ±0.5 around it; NaN gets code 12")
  func digitizeEdgeCases() {
    // lo = 4.5, hi = 5.5, edges 4.5, 4.6, …, 5.5: 5 has the six edges 4.5…5.0 at or below it.
    #expect(Metrics.digitize([5, 5, .nan]) == [6, 6, 12])
    #expect(Metrics.digitize([.nan]) == [12])
  }

  @Test("categorical codes: first appearance order, nil its own category, shared across calls")
  func codes() {
    var table: [String: Int] = [:]
    #expect(Metrics.codes(["b", nil, "a", "b"], into: &table) == [0, 1, 2, 0])
    #expect(Metrics.codes(["a", "c", nil], into: &table) == [2, 3, 1])
  }
}
