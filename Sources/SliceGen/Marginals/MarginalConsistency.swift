// Post-processing of noisy marginals (no privacy cost): turn noisy counts into probability tables
// that are non-negative, sum to one, and agree with each other (a 1-way table equals the
// marginal of every 2-way table that contains its column, at the 2-way table's resolution).
//
// A column may appear at two resolutions: its fine bins (the 1-way table) and public groups of
// them (the pair bins of 2-way tables, PairBins.swift). Per column, every table either keeps the
// fine bins or uses the column's one group map; the combined estimate lives at the coarser of the
// resolutions present.
//
// Method (after Qardaji, Yang, Li, "PriView", SIGMOD 2014, mutual consistency):
//  1. every table is divided by n (public);
//  2. each column's distribution is the inverse-variance weighted average, cell by cell, of its
//     direct 1-way measurement (variance σ²/n² per cell) and of the marginals of the 2-way tables
//     that contain it (variance K_other·σ_j²/n² per cell: a sum of K_other noisy cells); when the
//     2-way tables group the column, the fine table enters through its group sums, variance
//     |g|·K_other·σ²/n² for a group of |g| fine bins (a sum of |g|·K_other noisy cells);
//  3. each table at the combined resolution is shifted additively, spreading the difference
//     evenly over the other column's cells, so its marginal equals the combined estimate; a fine
//     table under a grouped estimate is shifted so that its group sums equal it, each group's
//     difference spread evenly over the group's fine cells (and the other column's cells); both
//     keep the total at 1;
//  4. negative cells are cut by projecting onto the probability simplex, then 2–4 repeat a few
//     rounds; the last round ends with the projection, so the output is exactly non-negative and
//     sums to one, and the disagreement left is reported (`maximumDisagreement`).
// With no groups, every step is the ungrouped algorithm, operation for operation.

import Foundation

/// A probability table over the public bins of one or two columns.
public struct MarginalTable: Codable, Equatable, Sendable {
  /// Indices of the columns (into the release's kept columns, block order).
  public var columns: [Int]
  public var shape: [Int]
  /// Row-major over `shape`.
  public var probabilities: [Double]
  /// Per column, the map fine bin → index along this table's axis; nil: the fine bins.
  public var groups: [[Int]]? = nil

  /// The group map of the column at `position`, nil when the axis is the fine bins.
  func axisGroups(_ position: Int) -> [Int]? {
    guard let map = groups?[position], !BinGroups.isIdentity(map) else { return nil }
    return map
  }
}

/// Makes noisy marginals consistent.
public enum MarginalConsistency {
  /// Tables on fine bins only.
  /// - Parameters:
  ///   - counts: noisy counts per query (row-major over its shape).
  ///   - sigmas: the noise σ of each query.
  ///   - rows: n, public.
  public static func consistentTables(
    queries: [(columns: [Int], shape: [Int])], counts: [[Double]], sigmas: [Double], rows: Int,
    rounds: Int = 8
  ) -> [MarginalTable] {
    consistentTables(
      queries: queries.map { ($0.columns, $0.shape, nil) }, counts: counts, sigmas: sigmas,
      rows: rows, rounds: rounds)
  }

  /// Tables whose columns are on fine bins or on groups of them.
  /// - Parameters:
  ///   - queries: columns, shape, and per column the group map (fine bin → axis index) or nil
  ///     for all-fine; a column must have one group map wherever it is grouped.
  ///   - counts: noisy counts per query (row-major over its shape).
  ///   - sigmas: the noise σ of each query.
  ///   - rows: n, public.
  public static func consistentTables(
    queries: [(columns: [Int], shape: [Int], groups: [[Int]]?)], counts: [[Double]],
    sigmas: [Double], rows: Int, rounds: Int = 8
  ) -> [MarginalTable] {
    let n = Double(max(rows, 1))
    var tables = zip(queries, counts).map { query, c in
      MarginalTable(
        columns: query.columns, shape: query.shape, probabilities: c.map { $0 / n },
        groups: query.groups)
    }
    for index in tables.indices {
      tables[index].probabilities = projectOntoSimplex(tables[index].probabilities)
    }
    var columns = Set<Int>()
    for t in tables { columns.formUnion(t.columns) }
    // Per column, the group map of the combined estimate (nil: the fine bins).
    var level: [Int: [Int]] = [:]
    for t in tables {
      precondition(t.groups == nil || t.groups!.count == t.columns.count, "one map per column")
      for (position, column) in t.columns.enumerated() {
        guard let map = t.axisGroups(position) else { continue }
        precondition(t.shape[position] == BinGroups.count(map), "shape and group map disagree")
        if let existing = level[column] {
          precondition(existing == map, "a column is grouped in two ways")
        } else {
          level[column] = map
        }
      }
    }
    let sizes = level.mapValues(BinGroups.sizes)
    for _ in 0..<rounds {
      for column in columns.sorted() {
        let coarse = level[column]
        // 2. Combine every estimate of this column's distribution.
        var numerator: [Double]? = nil
        var precision: [Double] = []
        for (index, table) in tables.enumerated() {
          guard let position = table.columns.firstIndex(of: column) else { continue }
          let others = table.cellCount / table.shape[position]
          let variance = Double(others) * pow(sigmas[index] / n, 2)
          var estimate = marginal(of: table, position: position)
          var weights: [Double]
          if let coarse, table.axisGroups(position) == nil {
            // A fine table under a grouped estimate: its group sums, |g| times the variance.
            precondition(estimate.count == coarse.count, "shape and group map disagree")
            estimate = BinGroups.sums(estimate, map: coarse)
            weights = sizes[column]!.map { 1 / max(Double($0) * variance, 1e-300) }
          } else {
            weights = [Double](repeating: 1 / max(variance, 1e-300), count: estimate.count)
          }
          if numerator == nil {
            numerator = [Double](repeating: 0, count: estimate.count)
            precision = [Double](repeating: 0, count: estimate.count)
          }
          for i in estimate.indices {
            numerator![i] += weights[i] * estimate[i]
            precision[i] += weights[i]
          }
        }
        guard let numerator else { continue }
        let combined = projectOntoSimplex(numerator.indices.map { numerator[$0] / precision[$0] })
        // 3. Shift every table containing the column to agree with it.
        for index in tables.indices {
          guard let position = tables[index].columns.firstIndex(of: column) else { continue }
          if let coarse, tables[index].axisGroups(position) == nil {
            shift(
              &tables[index], position: position, groups: coarse, sizes: sizes[column]!,
              to: combined)
          } else {
            shift(&tables[index], position: position, to: combined)
          }
        }
      }
      // 4. Non-negativity.
      for index in tables.indices {
        tables[index].probabilities = projectOntoSimplex(tables[index].probabilities)
      }
    }
    return tables
  }

  /// The largest |1-way − marginal of a 2-way| over all shared columns, compared at the coarser
  /// of the two resolutions (group sums of the fine table when the 2-way table groups the column).
  public static func maximumDisagreement(_ tables: [MarginalTable]) -> Double {
    var worst = 0.0
    for a in tables where a.columns.count == 1 {
      for b in tables where b.columns.count > 1 {
        guard let position = b.columns.firstIndex(of: a.columns[0]) else { continue }
        var m = marginal(of: b, position: position)
        var one = a.probabilities
        switch (a.axisGroups(0), b.axisGroups(position)) {
        case (nil, let map?): one = BinGroups.sums(one, map: map)
        case (let map?, nil): m = BinGroups.sums(m, map: map)
        default: break
        }
        precondition(m.count == one.count, "a column is grouped in two ways")
        for i in m.indices { worst = max(worst, abs(m[i] - one[i])) }
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

  /// Shifts a table whose column at `position` is on fine bins so that the column's group sums
  /// equal `target` (one value per group): each group's difference is spread evenly over its
  /// |g| fine bins and the other column's cells.
  static func shift(
    _ table: inout MarginalTable, position: Int, groups map: [Int], sizes: [Int],
    to target: [Double]
  ) {
    let current = BinGroups.sums(marginal(of: table, position: position), map: map)
    let others = Double(table.cellCount / table.shape[position])
    var t = table
    forEachCell(table.shape) { cell, index in
      let g = map[index[position]]
      t.probabilities[cell] += (target[g] - current[g]) / (Double(sizes[g]) * others)
    }
    table = t
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
