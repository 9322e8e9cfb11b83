// Post-processing of noisy marginals (no privacy cost): turn noisy counts into probability tables
// that are non-negative, sum to one, and agree with each other (a 1-way table equals the
// marginal of every 2-way table that contains its column).
//
// Method (after Qardaji, Yang, Li, "PriView", SIGMOD 2014, mutual consistency):
//  1. every table is divided by n (public);
//  2. each column's 1-way distribution is the inverse-variance weighted average of its direct
//     1-way measurement (variance σ²/n² per cell) and of the marginals of the 2-way tables that
//     contain it (variance K_other·σ_j²/n² per cell: a sum of K_other noisy cells);
//  3. each 2-way table is shifted additively, spreading the difference evenly over the other
//     column's cells, so its marginals equal the combined 1-ways (this keeps the total at 1);
//  4. negative cells are cut by projecting onto the probability simplex, then 2–4 repeat a few
//     rounds; the last round ends with the projection, so the output is exactly non-negative and
//     sums to one, and the 1-way/2-way disagreement left is reported (`maximumDisagreement`).

import Foundation

/// A probability table over the public bins of one or two columns.
public struct MarginalTable: Codable, Equatable, Sendable {
  /// Indices of the columns (into the release's kept columns, block order).
  public var columns: [Int]
  public var shape: [Int]
  /// Row-major over `shape`.
  public var probabilities: [Double]
}

/// Makes noisy marginals consistent.
public enum MarginalConsistency {
  /// - Parameters:
  ///   - counts: noisy counts per query (row-major over its shape).
  ///   - sigmas: the noise σ of each query.
  ///   - rows: n, public.
  public static func consistentTables(
    queries: [(columns: [Int], shape: [Int])], counts: [[Double]], sigmas: [Double], rows: Int,
    rounds: Int = 8
  ) -> [MarginalTable] {
    let n = Double(max(rows, 1))
    var tables = zip(queries, counts).map { query, c in
      MarginalTable(columns: query.columns, shape: query.shape, probabilities: c.map { $0 / n })
    }
    for index in tables.indices { tables[index].probabilities = projectOntoSimplex(tables[index].probabilities) }
    var columns = Set<Int>()
    for t in tables { columns.formUnion(t.columns) }
    for _ in 0..<rounds {
      for column in columns.sorted() {
        // 2. Combine every estimate of this column's distribution.
        var numerator: [Double]? = nil
        var precision = 0.0
        for (index, table) in tables.enumerated() {
          guard let position = table.columns.firstIndex(of: column) else { continue }
          let estimate = marginal(of: table, position: position)
          let others = table.cellCount / table.shape[position]
          let variance = Double(others) * pow(sigmas[index] / n, 2)
          let w = 1 / max(variance, 1e-300)
          if numerator == nil { numerator = [Double](repeating: 0, count: estimate.count) }
          for i in estimate.indices { numerator![i] += w * estimate[i] }
          precision += w
        }
        guard let numerator else { continue }
        let combined = projectOntoSimplex(numerator.map { $0 / precision })
        // 3. Shift every table containing the column to agree with it.
        for index in tables.indices {
          guard let position = tables[index].columns.firstIndex(of: column) else { continue }
          shift(&tables[index], position: position, to: combined)
        }
      }
      // 4. Non-negativity.
      for index in tables.indices {
        tables[index].probabilities = projectOntoSimplex(tables[index].probabilities)
      }
    }
    return tables
  }

  /// The largest |1-way − marginal of a 2-way| over all shared columns.
  public static func maximumDisagreement(_ tables: [MarginalTable]) -> Double {
    var worst = 0.0
    for a in tables where a.columns.count == 1 {
      for b in tables where b.columns.count > 1 {
        guard let position = b.columns.firstIndex(of: a.columns[0]) else { continue }
        let m = marginal(of: b, position: position)
        for i in m.indices { worst = max(worst, abs(m[i] - a.probabilities[i])) }
      }
    }
    return worst
  }

  /// The marginal of a table over the column at `position`.
  public static func marginal(of table: MarginalTable, position: Int) -> [Double] {
    var out = [Double](repeating: 0, count: table.shape[position])
    forEachCell(table.shape) { cell, index in out[index[position]] += table.probabilities[cell] }
    return out
  }

  static func shift(_ table: inout MarginalTable, position: Int, to target: [Double]) {
    let current = marginal(of: table, position: position)
    let others = Double(table.cellCount / table.shape[position])
    var t = table
    forEachCell(table.shape) { cell, index in
      let i = index[position]
      t.probabilities[cell] += (target[i] - current[i]) / others
    }
    table = t
  }

  /// Calls `body(cell, multi-index)` for every cell, row-major.
  static func forEachCell(_ shape: [Int], _ body: (Int, [Int]) -> Void) {
    var index = [Int](repeating: 0, count: shape.count)
    let total = shape.reduce(1, *)
    for cell in 0..<total {
      body(cell, index)
      var p = shape.count - 1
      while p >= 0 {
        index[p] += 1
        if index[p] < shape[p] { break }
        index[p] = 0
        p -= 1
      }
    }
  }

  /// Euclidean projection onto {x ≥ 0, Σx = 1} (sort-based; Duchi et al., ICML 2008).
  /// - Complexity: O(K log K).
  public static func projectOntoSimplex(_ v: [Double]) -> [Double] {
    guard !v.isEmpty else { return v }
    let sorted = v.sorted(by: >)
    var cumulative = 0.0
    var theta = 0.0
    for (j, value) in sorted.enumerated() {
      cumulative += value
      let t = (cumulative - 1) / Double(j + 1)
      if value - t > 0 { theta = t }
    }
    return v.map { max($0 - theta, 0) }
  }
}

extension MarginalTable {
  public var cellCount: Int { shape.reduce(1, *) }
}
