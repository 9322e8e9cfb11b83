// Public pair bins: the coarser resolution of a numeric column in every 2-way marginal, as groups
// of its fine 1-way public bins (PublicBins.swift). Computed from the bins alone, so from the
// schema and `--pair-bins B` alone, never from the data.
//
// Why: a 2-way table over two 100-bin numeric columns has ~10,000 cells, and the Gaussian noise of
// each cell does not shrink with the cell count, so the table drowns (Docs/pair-selection.md).
// The 1-way marginals keep their fine bins (they give the column shapes); the 2-way marginals
// count each numeric column on at most B + 1 groups (+ missing).
//
// Rule, for a numeric column with more than B + 1 present (non-missing) fine bins:
//   group 0        the fine bin of the lower bound alone (values pile up there: capital gain 0);
//   groups 1 … B   the other fine bins 1 … F, in order: fine bin j goes to group 1 + ⌊(j − 1)·B/F⌋,
//                  so the groups are contiguous and hold ⌊F/B⌋ or ⌈F/B⌉ fine bins each; the fine
//                  bins of a column have equal widths in value (equal-width bins, or one integer
//                  value each), so the groups have nearly equal widths too;
//   group B + 1    the missing bin, alone (nullable columns).
// Categorical columns and numeric columns with at most B + 1 present bins keep their fine bins
// (the identity map).
//
// Privacy: a map fixed before the data is read turns each row's fine code into exactly one coarse
// code, so each row still adds 1 to exactly one cell of every 2-way table: the L2 sensitivity of a
// count vector stays √2 under replace-one, and the selection scores keep theirs (Docs/privacy.md).
// Tables counted this way are nested in the 1-way bins by construction.

import Foundation

extension ColumnBins {
  /// The group of every fine bin in 2-way marginals (fine bin index → group index), or nil when
  /// the column keeps its fine bins.
  /// - Parameter maximumGroups: B ≥ 1, groups of the bins above the lower bound.
  public func pairGroups(maximumGroups b: Int) -> [Int]? {
    precondition(b >= 1, "pair bins must be at least 1")
    guard kind != .categorical else { return nil }
    let present = count - (missingBin == nil ? 0 : 1)
    guard present > b + 1 else { return nil }
    // The point bin is fine bin 0 in both numeric kinds; the missing bin, when any, is last.
    let f = present - 1
    var map = [Int](repeating: 0, count: count)
    for j in 1..<present { map[j] = 1 + (j - 1) * b / f }
    if let missing = missingBin {
      precondition(missing == present, "the missing bin is the last bin")
      map[missing] = b + 1
    }
    return map
  }
}

/// Operations on a group map (fine bin → group), as stored in `ReleasedMarginal.binGroups`.
public enum BinGroups {
  /// The number of groups of a map (its largest group + 1).
  public static func count(_ map: [Int]) -> Int { (map.max() ?? -1) + 1 }

  /// The number of fine bins in each group.
  public static func sizes(_ map: [Int]) -> [Int] {
    var sizes = [Int](repeating: 0, count: count(map))
    for g in map { sizes[g] += 1 }
    return sizes
  }

  /// Sums of a fine vector over each group.
  public static func sums(_ fine: [Double], map: [Int]) -> [Double] {
    precondition(fine.count == map.count)
    var out = [Double](repeating: 0, count: count(map))
    for (x, g) in map.enumerated() { out[g] += fine[x] }
    return out
  }

  /// Per group, its fine bins and their weights in `fine` (all 1 when the group's weights sum to
  /// zero): what a sampler that knows a row's group draws its fine bin from.
  public static func members(_ map: [Int], weights fine: [Double]) -> [(
    bins: [Int], weights: [Double]
  )] {
    precondition(fine.count == map.count)
    var bins = [[Int]](repeating: [], count: count(map))
    for (x, g) in map.enumerated() { bins[g].append(x) }
    return bins.map { group in
      let weights = group.map { fine[$0] }
      return (group, weights.reduce(0, +) > 0 ? weights : group.map { _ in 1 })
    }
  }

  /// True when the map keeps every fine bin in its own group, in order.
  public static func isIdentity(_ map: [Int]) -> Bool {
    map.indices.allSatisfy { map[$0] == $0 }
  }

  public static func identity(_ count: Int) -> [Int] { Array(0..<count) }

  /// Why `map` is not a grouping of `fineBins` bins into `groups` non-empty groups, or nil.
  static func problem(_ map: [Int], fineBins: Int, groups: Int) -> String? {
    guard map.count == fineBins else {
      return "its group map has \(map.count) entries for \(fineBins) bins"
    }
    guard map.allSatisfy({ (0..<groups).contains($0) }) else {
      return "its group map points outside its \(groups) groups"
    }
    guard Set(map).count == groups else { return "its group map leaves a group empty" }
    return nil
  }
}

/// The pair bins of every kept column of a release: the group maps, and the row codes the
/// 2-way marginals are counted on.
struct PairBinning {
  /// Per kept column: its group map, or nil (the fine bins).
  let groups: [[Int]?]
  /// Per kept column: the number of bins in 2-way marginals.
  let counts: [Int]
  /// Every column's map (identity when not grouped), concatenated, and where each starts.
  private let table: [Int32]
  private let offsets: [Int]

  init(bins: [ColumnBins], maximumGroups b: Int) {
    groups = bins.map { $0.pairGroups(maximumGroups: b) }
    counts = zip(bins, groups).map { bins, map in map.map(BinGroups.count) ?? bins.count }
    var table: [Int32] = [], offsets: [Int] = []
    for (column, map) in zip(bins, groups) {
      offsets.append(table.count)
      table += (map ?? BinGroups.identity(column.count)).map(Int32.init)
    }
    self.table = table
    self.offsets = offsets
  }

  /// The `binGroups` record of a marginal over `columns`: nil when no column is grouped,
  /// otherwise one map per column (identity maps written out).
  func record(columns: [Int], fineCounts: [Int]) -> [[Int]]? {
    guard columns.contains(where: { groups[$0] != nil }) else { return nil }
    return zip(columns, fineCounts).map { c, k in groups[c] ?? BinGroups.identity(k) }
  }

  /// Maps one row's fine codes (one per kept column) to its pair codes.
  func mapCodes(_ fine: UnsafePointer<Int32>, into pair: UnsafeMutablePointer<Int32>) {
    table.withUnsafeBufferPointer { t in
      offsets.withUnsafeBufferPointer { o in
        for column in 0..<o.count { pair[column] = t[o[column] &+ Int(fine[column])] }
      }
    }
  }
}
