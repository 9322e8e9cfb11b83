// The model a later adaptive selection round scores the remaining pairs against (`--rounds`,
// Docs/pair-selection.md, "Adaptive rounds"): the forest sampler's maximum-entropy model of every
// table released so far (MarginalForest.swift), and the joint it implies for each pair no table
// measured, summed onto the pair's public pair bins so that it lives where the pair's counts do.
// It is the default sampler's model, so a pair scores high exactly when the synthetic rows would
// get it wrong; the record update (RecordUpdate.swift), which also corrects measured tables the
// forest leaves out, is not simulated (it would need a sample, and moves unmeasured pairs little).
//
// Everything here reads released values only: post-processing, no privacy spent. Deliberately
// not here: the score and its noise (SliceGenPrivacy), the pick (PairSelection.swift).

/// The forest model of released marginals, as a judge of unmeasured pairs.
struct ForestJudge {
  let forest: MarginalForest
  let pairBinning: PairBinning

  /// - Parameters:
  ///   - columns: the kept column names, encoding order.
  ///   - marginals: consistent released tables: every 1-way one, and the 2-way ones so far.
  init(columns: [String], marginals: [ReleasedMarginal], pairBinning: PairBinning) {
    forest = MarginalForest(columns: columns, marginals: marginals)
    self.pairBinning = pairBinning
  }

  /// The model's probabilities of each of `pairs` (a < b, none of them measured) on its pair
  /// bins, row-major (a's groups by b's): the fine joint summed over the public groups,
  ///   E[g, h] = Σ_{x ∈ g, y ∈ h} P(a = x, b = y).
  /// - Complexity: the forest's implied joints of every unmeasured pair
  ///   (MarginalForest.impliedJoints), then one pass over each requested joint.
  func expectedTables(pairs: [(Int, Int)]) -> [[Double]] {
    let wanted = Set(pairs.map { [$0.0, $0.1] })
    let columns = pairBinning.counts.count
    var measured = Set<[Int]>()
    for a in 0..<columns {
      for b in (a + 1)..<columns where !wanted.contains([a, b]) { measured.insert([a, b]) }
    }
    var joints: [[Int]: [Double]] = [:]
    for (a, b, joint) in forest.impliedJoints(excluding: measured) { joints[[a, b]] = joint }
    return pairs.map { a, b in
      let fine = joints[[a, b]]!
      let (ka, kb) = (forest.oneWay[a].count, forest.oneWay[b].count)
      let mapA = pairBinning.groups[a] ?? BinGroups.identity(ka)
      let mapB = pairBinning.groups[b] ?? BinGroups.identity(kb)
      let gb = pairBinning.counts[b]
      var grouped = [Double](repeating: 0, count: pairBinning.counts[a] * gb)
      for x in 0..<ka {
        for y in 0..<kb { grouped[mapA[x] * gb + mapB[y]] += fine[x * kb + y] }
      }
      return grouped
    }
  }
}
