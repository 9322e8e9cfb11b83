// The metrics of SDMetrics 0.32, reimplemented to give the same numbers on the same files
// (Docs/evaluation.md records the definitions read from its source and the cross-check):
//   KSComplement            1 − KS statistic of the two samples (missing values dropped)
//   TVComplement            1 − ½ Σ |f_synthetic − f_real| over the real categories, synthetic-only
//                           categories entering the real counts with weight 1e-6 (as SDMetrics)
//   ContingencySimilarity   1 − ½ Σ |P_real(a, b) − P_synthetic(a, b)| over the union of cells;
//                           a numeric column in a mixed pair is binned by np.digitize on 10
//                           equal-width bins of its own table's range (each table its own edges)
//   CorrelationSimilarity   1 − |ρ_real − ρ_synthetic| / 2, Pearson, rows with a missing value
//                           dropped
// QualityReport thresholds: a numeric pair counts when |ρ_real| > 0.5, any other pair when the
// real table's Cramér's V (no continuity correction) > 0.3.
// Complexity: every metric is a pass over the rows with hashing; no term quadratic in the number
// of categories.

import Foundation
import SliceGenNumerics

enum Metrics {
  /// 1 − sup |F_real − F_synthetic|.
  static func ksComplement(_ real: [Double], _ synthetic: [Double]) -> Double {
    let a = real.filter { !$0.isNaN }.sorted()
    let b = synthetic.filter { !$0.isNaN }.sorted()
    guard !a.isEmpty, !b.isEmpty else { return .nan }
    var i = 0, j = 0, d = 0.0
    while i < a.count || j < b.count {
      let x = Swift.min(i < a.count ? a[i] : .infinity, j < b.count ? b[j] : .infinity)
      while i < a.count && a[i] <= x { i += 1 }
      while j < b.count && b[j] <= x { j += 1 }
      d = Swift.max(d, abs(Double(i) / Double(a.count) - Double(j) / Double(b.count)))
    }
    return 1 - d
  }

  static func tvComplement(_ real: [String?], _ synthetic: [String?]) -> Double {
    var r: [String: Double] = [:], s: [String: Double] = [:]
    for v in real { if let v { r[v, default: 0] += 1 } }
    for v in synthetic { if let v { s[v, default: 0] += 1 } }
    for key in s.keys where r[key] == nil { r[key] = 1e-6 }
    let totalR = r.values.reduce(0, +), totalS = s.values.reduce(0, +)
    guard totalR > 0, totalS > 0 else { return .nan }
    var tv = 0.0
    for (key, count) in r { tv += abs((s[key] ?? 0) / totalS - count / totalR) }
    return 1 - 0.5 * tv
  }

  /// np.histogram_bin_edges(x, 10) then np.digitize(x, edges): codes 0…11 (NaN → 11 + 1).
  static func digitize(_ x: [Double]) -> [Int] {
    let finite = x.filter { !$0.isNaN }
    guard var lo = finite.min(), var hi = finite.max() else { return x.map { _ in 12 } }
    if lo == hi {
      lo -= 0.5
      hi += 0.5
    }
    let edges = (0...10).map { lo + (hi - lo) * Double($0) / 10 }
    return x.map { v in
      if v.isNaN { return 12 }
      // Number of edges ≤ v (np.digitize, right = false).
      var count = 0
      for e in edges where e <= v { count += 1 }
      return count
    }
  }

  /// Codes of a categorical column (nil is its own category).
  static func codes(_ x: [String?], into table: inout [String: Int]) -> [Int] {
    x.map { v in
      let key = v ?? "\u{0}missing"
      if let code = table[key] { return code }
      table[key] = table.count
      return table.count - 1
    }
  }

  static func contingencySimilarity(
    _ ra: [Int], _ rb: [Int], _ sa: [Int], _ sb: [Int]
  ) -> Double {
    var r: [Int: Double] = [:], s: [Int: Double] = [:]
    for i in ra.indices { r[ra[i] << 32 | rb[i], default: 0] += 1 }
    for i in sa.indices { s[sa[i] << 32 | sb[i], default: 0] += 1 }
    let nr = Double(ra.count), ns = Double(sa.count)
    var diff = 0.0
    for (key, count) in r { diff += abs(count / nr - (s[key] ?? 0) / ns) }
    for (key, count) in s where r[key] == nil { diff += count / ns }
    return 1 - diff / 2
  }

  /// Cramér's V of the real table's pair (scipy.stats.contingency.association, no correction).
  static func cramersV(_ a: [Int], _ b: [Int]) -> Double {
    var cells: [Int: Double] = [:], rowsA: [Int: Double] = [:], rowsB: [Int: Double] = [:]
    for i in a.indices {
      cells[a[i] << 32 | b[i], default: 0] += 1
      rowsA[a[i], default: 0] += 1
      rowsB[b[i], default: 0] += 1
    }
    let n = Double(a.count)
    let k = Swift.min(rowsA.count, rowsB.count)
    guard k >= 2 else { return .nan }
    // χ² = Σ_cells (O − E)²/E over all r × c cells; with O = 0 cells: Σ E = n − Σ_{O>0} E.
    var chi2 = 0.0
    var expectedObserved = 0.0
    for (key, observed) in cells {
      let expected = rowsA[key >> 32]! * rowsB[key & 0xFFFF_FFFF]! / n
      chi2 += (observed - expected) * (observed - expected) / expected
      expectedObserved += expected
    }
    chi2 += n - expectedObserved  // empty cells contribute E each
    return (chi2 / (n * Double(k - 1))).squareRoot()
  }

  /// The numeric columns of one table made ready for many Pearson correlations: each column with
  /// no missing value centred on its mean, with its sum of squares, so that the correlation of
  /// two of them is one dot product (`DoubleVector.dot`); O(n) a pair with no second pass. A
  /// column with a missing value (NaN) is left out (nil), and its pairs go to the plain
  /// `pearson(_:_:)`, which drops rows pairwise and is this one's reference.
  struct CenteredColumns {
    private var centered: [[Double]?]
    private var squares: [Double]

    /// One entry per column of `columns`; categorical columns are left out.
    init(_ columns: [EvaluationTable.Column]) {
      centered = columns.map { column -> [Double]? in
        guard case .numeric(let x) = column, x.count > 1, !x.contains(where: \.isNaN) else {
          return nil
        }
        let mean = x.reduce(0, +) / Double(x.count)
        return x.map { $0 - mean }
      }
      squares = centered.map { c in
        c.map { x in
          x.withUnsafeBufferPointer {
            DoubleVector.dot($0.baseAddress!, $0.baseAddress!, count: x.count)
          }
        }
          ?? .nan
      }
    }

    /// Pearson's ρ of columns `i` and `j` (NaN when either is constant); nil when either has a
    /// missing value or is not numeric.
    func pearson(_ i: Int, _ j: Int) -> Double? {
      guard let x = centered[i], let y = centered[j] else { return nil }
      guard squares[i] > 0, squares[j] > 0 else { return .nan }
      let cross = x.withUnsafeBufferPointer { a in
        y.withUnsafeBufferPointer { b in
          DoubleVector.dot(a.baseAddress!, b.baseAddress!, count: a.count)
        }
      }
      return cross / (squares[i] * squares[j]).squareRoot()
    }
  }

  static func pearson(_ x: [Double], _ y: [Double]) -> Double {
    var n = 0.0, sx = 0.0, sy = 0.0
    for i in x.indices where !x[i].isNaN && !y[i].isNaN {
      n += 1
      sx += x[i]
      sy += y[i]
    }
    guard n > 1 else { return .nan }
    let mx = sx / n, my = sy / n
    var cxy = 0.0, cxx = 0.0, cyy = 0.0
    for i in x.indices where !x[i].isNaN && !y[i].isNaN {
      cxy += (x[i] - mx) * (y[i] - my)
      cxx += (x[i] - mx) * (x[i] - mx)
      cyy += (y[i] - my) * (y[i] - my)
    }
    guard cxx > 0, cyy > 0 else { return .nan }
    return cxy / (cxx * cyy).squareRoot()
  }
}
