// Record update: moves a synthetic table's rows until its marginals agree with a release's
// consistent marginals (after the gradual update method of PrivSyn: Zhang, Wang, Li, He, Chen,
// USENIX Security 2021).
//
// For one released table T over columns (a, b) and the synthetic table's counts C of the same
// cells (T scaled to the synthetic row count): every cell with more rows than T gives up a share
// α of its surplus, each of its rows leaving with probability α·(C − T)/C; each leaving row goes
// to a cell short of rows, drawn in proportion to the deficit still open. The leaving row becomes
// a copy of a random row of that cell (all its columns: the copy keeps the destination's
// associations with every other column), or, when the cell has no row yet, only its values of a
// and b change. A grouped axis (a 2-way table counted on groups of fine bins, PairBins.swift)
// keeps the row's fine bin when it already lies in the destination group, and otherwise draws one
// within the group from the column's 1-way table (the maximum-entropy choice, as MarginalForest
// does). Ten sweeps over every table in random order, α = 1/(1 + sweep), bring all of them close
// at once. Changing only the two values on every move (PrivSyn's other operation) was measured
// and does not converge on Adult: relationship × sex and marital status × relationship pull the
// same rows back and forth (Docs/benchmarks.md, "The record update and the defaults").
//
// When it runs (`Mode.auto`): only a table whose noise is small enough is worth matching row
// for row — matching a noisy table copies its noise into the rows. The expected total-variation
// distance the noise puts on a table, ½·K·σ·√(2/π)/n over K cells, is public (σ, the shape and n);
// tables above `noiseLimit` are no target. And the update runs only when the forest sampler left
// out a measured 2-way table below the limit (the measured pairs closed a cycle): on a forest the
// sampler already agrees with every table in expectation, and moving rows only adds noise.
//
// Reads the synthetic rows and released values only: post-processing, no privacy spent.

import Foundation

/// Moves rows of a synthetic table toward a release's consistent marginals.
public struct RecordUpdate: Sendable {
  /// One released table, in the synthetic table's column indices.
  struct Target: Sendable {
    var columns: [Int]
    /// Per axis, fine bin → axis index.
    var maps: [[Int]]
    var shape: [Int]
    var probabilities: [Double]
    /// Per axis, per axis index: the fine bins and their 1-way weights (BinGroups.members).
    var within: [[(bins: [Int], weights: [Double])]]
  }

  /// When the update runs.
  public enum Mode: String, Codable, Sendable, CaseIterable {
    /// When the forest left out a measured 2-way table whose expected noise is at most
    /// `noiseLimit`; toward every table below the limit.
    case auto
    /// Always, toward every released table.
    case on
    case off
  }

  /// The largest expected total-variation noise of a table that `auto` matches.
  public static let noiseLimit = 0.1
  /// Sweeps over every table; the first sweep's α (then α/(1 + sweep)).
  public static let sweeps = 10
  public static let rate = 1.0

  let targets: [Target]
  /// Number of columns of the table the update works on.
  let columnCount: Int

  /// The tables `mode` moves rows toward, or nil when the update does not run.
  /// - Parameters:
  ///   - leftOut: the columns of the 2-way tables the forest sampler left out.
  ///   - rows: the release's n (public).
  public static func targets(
    _ mode: Mode, marginals: [ReleasedMarginal], leftOut: [[String]], rows: Int
  ) -> [ReleasedMarginal]? {
    switch mode {
    case .off: return nil
    case .on: return marginals
    case .auto:
      let quiet = marginals.filter { expectedNoise($0, rows: rows) <= noiseLimit }
      let left = Set(leftOut)
      return quiet.contains { $0.columns.count == 2 && left.contains($0.columns) } ? quiet : nil
    }
  }

  /// The targets of `marginals` (a release's, consistent) over `columns` (the kept column names,
  /// encoding order).
  public init(columns: [String], marginals: [ReleasedMarginal]) {
    let index = Dictionary(uniqueKeysWithValues: columns.enumerated().map { ($1, $0) })
    let oneWay = columns.map { name in marginals.first { $0.columns == [name] }?.probabilities }
    targets = marginals.map { marginal in
      let cols = marginal.columns.map { index[$0]! }
      let maps = marginal.columns.indices.map {
        marginal.groups(at: $0) ?? BinGroups.identity(marginal.bins[$0].count)
      }
      let within = zip(cols, maps).map { column, map in
        BinGroups.members(map, weights: oneWay[column] ?? map.map { _ in 1 })
      }
      return Target(
        columns: cols, maps: maps, shape: marginal.shape, probabilities: marginal.probabilities,
        within: within)
    }
    columnCount = columns.count
  }

  /// The expected total-variation distance that a table's noise puts between its noisy counts
  /// divided by n and the exact ones: ½·K·σ·√(2/π)/n over K cells (public: σ, shape and n).
  public static func expectedNoise(_ marginal: ReleasedMarginal, rows: Int) -> Double {
    0.5 * Double(marginal.shape.reduce(1, *)) * marginal.sigma * (2 / Double.pi).squareRoot()
      / Double(max(rows, 1))
  }

  /// The largest total-variation distance between a released table and the same table counted
  /// on `codes` (rows × columns fine bins, row-major).
  public func largestDistance(codes: [Int32], rows: Int) -> Double {
    distances(codes: codes, rows: rows).max() ?? 0
  }

  func distances(codes: [Int32], rows: Int) -> [Double] {
    targets.map { target in
      let counts = cellCounts(target, codes: codes, rows: rows).counts
      return 0.5
        * zip(counts, target.probabilities).reduce(0.0) {
          $0 + abs(Double($1.0) / Double(max(rows, 1)) - $1.1)
        }
    }
  }

  /// Updates `codes` (rows × columns fine bins, row-major) in place over `sweeps` sweeps of
  /// every table in random order, α = `rate`/(1 + sweep) on each.
  public func update(
    codes: inout [Int32], rows: Int, sweeps: Int = RecordUpdate.sweeps,
    rate: Double = RecordUpdate.rate, using rng: inout some RandomNumberGenerator
  ) {
    precondition(codes.count == rows * columnCount)
    guard rows > 0 else { return }
    for sweep in 0..<sweeps {
      let alpha = rate / Double(1 + sweep)
      for t in targets.indices.shuffled(using: &rng) {
        move(targets[t], alpha: alpha, codes: &codes, rows: rows, using: &rng)
      }
    }
  }

  /// Each row's cell in `target`, and the cells' counts.
  func cellCounts(_ target: Target, codes: [Int32], rows: Int) -> (cells: [Int32], counts: [Int]) {
    var cells = [Int32](repeating: 0, count: rows)
    var counts = [Int](repeating: 0, count: target.probabilities.count)
    let c = columnCount
    for r in 0..<rows {
      var cell = 0
      for (axis, column) in target.columns.enumerated() {
        cell = cell * target.shape[axis] + target.maps[axis][Int(codes[r * c + column])]
      }
      cells[r] = Int32(cell)
      counts[cell] += 1
    }
    return (cells, counts)
  }

  /// One step toward one table.
  func move(
    _ target: Target, alpha: Double, codes: inout [Int32], rows: Int,
    using rng: inout some RandomNumberGenerator
  ) {
    let (cells, counts) = cellCounts(target, codes: codes, rows: rows)
    // The rows of every cell (a counting sort), for copies of whole rows.
    var start = [Int](repeating: 0, count: counts.count + 1)
    for k in counts.indices { start[k + 1] = start[k] + counts[k] }
    var members = [Int32](repeating: 0, count: rows)
    var fill = start
    for r in 0..<rows {
      members[fill[Int(cells[r])]] = Int32(r)
      fill[Int(cells[r])] += 1
    }
    let n = Double(rows)
    var leave = [Double](repeating: 0, count: counts.count)
    var deficit = [Double](repeating: 0, count: counts.count)
    for k in counts.indices {
      let difference = Double(counts[k]) - target.probabilities[k] * n
      if difference > 0 {
        leave[k] = alpha * difference / Double(counts[k])
      } else {
        deficit[k] = -alpha * difference
      }
    }
    var open = deficit.reduce(0, +)
    guard open > 0 else { return }
    let c = columnCount
    var index = [Int](repeating: 0, count: target.columns.count)
    for r in 0..<rows {
      let from = Int(cells[r])
      guard leave[from] > 0, Double.random(in: 0..<1, using: &rng) < leave[from] else { continue }
      // The destination: a cell short of rows, in proportion to its open deficit.
      if open <= 0 {
        deficit = deficit.map { max($0, 0) }
        open = deficit.reduce(0, +)
        guard open > 0 else { return }
      }
      var u = Double.random(in: 0..<1, using: &rng) * open
      var to = deficit.count - 1
      for k in deficit.indices where deficit[k] > 0 {
        u -= deficit[k]
        if u < 0 {
          to = k
          break
        }
      }
      let taken = min(deficit[to], 1)
      deficit[to] -= taken
      open -= taken
      if counts[to] > 0 {
        let source = Int(members[start[to] + Int.random(in: 0..<counts[to], using: &rng)])
        for column in 0..<c { codes[r * c + column] = codes[source * c + column] }
        continue
      }
      var rest = to
      for axis in target.columns.indices.reversed() {
        index[axis] = rest % target.shape[axis]
        rest /= target.shape[axis]
      }
      for (axis, column) in target.columns.enumerated() {
        let slot = r * c + column
        guard target.maps[axis][Int(codes[slot])] != index[axis] else { continue }
        let group = target.within[axis][index[axis]]
        codes[slot] = Int32(group.bins[Sampler.drawIndex(group.weights, using: &rng)])
      }
    }
  }
}
