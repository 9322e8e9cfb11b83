// Exact 2-way counts of every candidate pair of columns, and the selection score of each pair
// (Docs/privacy.md, "Private pair selection": `--marginals tree` and `select:K`). Everything here is private: the scores leave
// this file only through PairSelectionMechanism (Gaussian noise, SliceGenPrivacy), and the chosen
// pairs' tables only through MarginalMechanism. Outside the module, `PairCounts` is visible only
// to `@_spi(Benchmarks)` importers: slicegen-bench's pair-selection proxy, which needs the exact
// tables of public sample data to score a release against them.
//
// Score of a pair p = (a, b), from the noisy 1-way marginals p̂ released in the first round:
//   s_p = ‖C_p − n · p̂_a ⊗ p̂_b‖₁,
// the L1 distance between the exact counts and the counts the independent model predicts, both
// over the pair bins: C_p counts each row once, in the cell of its pair codes (the public group
// of its fine bin in each column, PairBins.swift), and p̂_a is the released fine 1-way marginal
// summed over the same groups. For a fixed earlier output n·p̂_a ⊗ p̂_b is a constant and the
// groups are public, so |s_p − s'_p| ≤ ‖C_p − C'_p‖₁ ≤ 2 under replace-one (the replaced row
// leaves one cell and the new one enters one) and the vector of P scores has L2 sensitivity 2√P
// (PairSelectionMechanism.swift; PairSelectionTests brute-forces it, with groups too).
//
// Limits. All candidate tables are counted in one pass (n · P cell increments) and held as 32-bit
// counts: at most `maximumCandidates` = 10,000 pairs (141 columns) and `maximumCells` = 2^24 cells
// (64 MiB). Adult (13 columns, 78 pairs, 40,000 cells) and digits (65 columns, 2,080 pairs,
// 600,000 cells) are far inside; a wider table names its pairs or drops columns.

import Foundation
import SliceGenPrivacy

/// The exact 2-way counts of every pair a < b of kept columns over their pair bins (the groups
/// of their public bins, PairBins.swift; the fine bins for columns that are not grouped).
@_spi(Benchmarks)
public struct PairCounts {
  static let maximumCandidates = 10_000
  static let maximumCells = 1 << 24

  /// Every pair (a, b), a < b, in the order (0,1), (0,2), …, (1,2), …: the order of the scores.
  public let pairs: [(Int, Int)]
  /// Pair-bin counts of every kept column.
  let binCounts: [Int]
  /// Start of each pair's table in `counts` (row-major over (bins of a) × (bins of b)).
  let offsets: [Int]
  private(set) var counts: [UInt32]

  /// - Throws: `OptionError` for `--marginals` when the candidates exceed the limits (the
  ///   message says why).
  public init(binCounts: [Int], mode: PairSelectionMode) throws {
    let c = binCounts.count
    guard c >= 2 else {
      throw OptionError(
        option: "marginals", value: nil,
        rule: "\(mode) chooses pairs of columns, but the schema releases \(c) "
          + "column\(c == 1 ? "" : "s")")
    }
    let candidates = c * (c - 1) / 2
    guard candidates <= Self.maximumCandidates else {
      throw OptionError(
        option: "marginals", value: nil,
        rule: "\(mode) scores every pair of columns: \(c) columns give \(candidates) candidate "
          + "pairs, above the limit of \(Self.maximumCandidates) (141 columns). Name the pairs "
          + "instead (--marginals a:b,c:d), use --marginals one-way, or drop columns")
    }
    var pairs: [(Int, Int)] = []
    var offsets: [Int] = []
    var cells = 0
    for a in 0..<c {
      for b in (a + 1)..<c {
        pairs.append((a, b))
        offsets.append(cells)
        cells += binCounts[a] * binCounts[b]
      }
    }
    guard cells <= Self.maximumCells else {
      throw OptionError(
        option: "marginals", value: nil,
        rule: "\(mode) counts the 2-way table of every pair of columns: \(cells) cells, above "
          + "the limit of \(Self.maximumCells) (64 MiB). Name the pairs instead (--marginals "
          + "a:b,c:d), use fewer public bins, or drop columns")
    }
    self.pairs = pairs
    self.binCounts = binCounts
    self.offsets = offsets
    counts = [UInt32](repeating: 0, count: cells)
  }

  /// Adds rows given as bin codes, one per column, rows `codesPerRow` apart (default: the
  /// number of columns, codes packed row-major).
  /// - Complexity: O(rows · P).
  public mutating func add(codes: UnsafePointer<Int32>, rows: Int, codesPerRow: Int? = nil) {
    let stride = codesPerRow ?? binCounts.count
    let pairs = pairs, offsets = offsets, binCounts = binCounts
    counts.withUnsafeMutableBufferPointer { cells in
      let base = cells.baseAddress!
      for row in 0..<rows {
        let code = codes + row &* stride
        for (p, (a, b)) in pairs.enumerated() {
          let cell = offsets[p] &+ Int(code[a]) &* binCounts[b] &+ Int(code[b])
          base[cell] &+= 1
        }
      }
    }
  }

  /// Every candidate table's exact counts, concatenated (private: a partition hands them to
  /// its merge, PartitionedRelease.swift).
  var exactCounts: [UInt32] { counts }

  /// Adds another part's exact counts of the same candidates, cell by cell.
  /// - Returns: false, adding nothing, if the sizes differ or a cell would pass 2^32 − 1.
  mutating func add(exactCounts other: UnsafeBufferPointer<UInt32>) -> Bool {
    guard other.count == counts.count else { return false }
    for i in counts.indices where counts[i].addingReportingOverflow(other[i]).overflow {
      return false
    }
    for i in counts.indices { counts[i] &+= other[i] }
    return true
  }

  /// The exact counts of pair `p` (private).
  public func table(_ p: Int) -> [Double] {
    let (a, b) = pairs[p]
    return counts[offsets[p]..<(offsets[p] + binCounts[a] * binCounts[b])].map(Double.init)
  }

  /// The score of every pair against the independent model of the released 1-way marginals.
  /// - Parameters:
  ///   - oneWay: p̂_c for every kept column over its pair bins, probabilities (from released
  ///     output only: the released fine 1-way marginals summed over the public groups).
  ///   - rows: n, public.
  public func scores(oneWay: [[Double]], rows n: Int) -> [Double] {
    pairs.indices.map { p in
      let (a, b) = pairs[p]
      return PairSelectionMechanism.score(
        counts: table(p), a: oneWay[a], b: oneWay[b], rows: n)
    }
  }

  /// The largest table of any candidate pair, in cells.
  var largestTable: Int {
    pairs.map { binCounts[$0.0] * binCounts[$0.1] }.max() ?? 0
  }
}
