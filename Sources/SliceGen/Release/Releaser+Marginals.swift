// The aggregate part of a release (Docs/privacy.md, "Marginals beside the projections"), after the
// pass over the data: noise the counted marginals with the σ the composed accountant allows,
// choose the pairs privately when asked (`tree`, `select:K`: the rounds run in SliceGenPrivacy's
// PairSelectionProtocol), and make the tables consistent. Noise comes from SliceGenPrivacy only.
//
// Fixed sets (one-way, all-pairs, named pairs): one round, μ_agg² split evenly over the J
// count vectors. Private selection: three rounds whose μ² are declared before the data is read
// (PairSelectionSplit), each noised after the previous one is released:
//   1. every 1-way marginal (J₁ = c vectors, Δ = √2);
//   2. the scores of all P candidate pairs against the independent model of round 1's output
//      (one vector, Δ = 2√P plus a floating-point margin; PairSelectionMechanism.swift), then
//      the pick;
//   3. the chosen pairs' 2-way marginals (J₂ = c − 1 or K vectors, Δ = √2).
// Every 2-way table is counted on pair bins: a numeric column's fine bins in public groups
// (PairBins.swift); each row still falls in exactly one cell, so Δ is unchanged.
// Gaussian DP composes adaptively with μ² adding, so the three spend Σ J_r (Δ_r/σ_r)² ≤ μ_agg².

import Foundation
import SliceGenNumerics

extension Releaser {
  struct AggregateRelease {
    var marginals: [ReleasedMarginal]
    var components: [ReleaseComponent]
    var pairSelection: ReleasedPairSelection?
  }

  /// - Parameters:
  ///   - mechanism: the counted first-round queries (`attributeSets`; 2-way ones on pair bins).
  ///   - pairCounts: every candidate pair's exact counts on pair bins, with private selection
  ///     only.
  ///   - pairBinning: the public groups of the fine bins in 2-way marginals.
  static func releaseAggregates(
    mechanism: inout MarginalMechanism, attributeSets: [[Int]], pairCounts: PairCounts?,
    names: [String], bins: [ColumnBins], pairBinning: PairBinning, rows n: Int,
    aggregateMuSquared: Double, options: ReleaseOptions, noise: inout SecureNoise
  ) throws -> AggregateRelease {
    // The tables as released: 1-way on the fine bins, 2-way on the pair bins.
    func table(_ set: [Int]) -> MarginalSpec {
      set.count == 1
        ? MarginalSpec(columns: set, shape: [bins[set[0]].count], groups: nil)
        : MarginalSpec(
          columns: set, shape: set.map { pairBinning.counts[$0] },
          groups: pairBinning.record(columns: set, fineCounts: set.map { bins[$0].count }))
    }
    let countSensitivity = MarginalMechanism.l2Sensitivity
    // A shard (`--like`) of a release with marginals: the first release's tables, each with the
    // first release's σ, and its components and pair choice as the record of what was declared
    // (ShardSettings checked them). Each row of the shard is in one cell of each table, so each
    // table is the Gaussian mechanism the first release ran on its rows; the shard runs no
    // selection round, so it spends no more than the first release (Docs/shards.md).
    if let template = options.template, let sigmaOf = template.marginalSigmas {
      let sigmas = try attributeSets.map { set -> Double in
        guard let sigma = sigmaOf[set.map { names[$0] }] else {
          throw ReleaseError(
            "--like \(template.path): no σ for the marginal \(set.map { names[$0] })")
        }
        return sigma
      }
      let noisy = mechanism.finish(sigmas: sigmas, noise: &noise)
      let marginals = consistentMarginals(
        tables: attributeSets.map(table), counts: noisy, sigmas: sigmas, names: names,
        bins: bins, rows: n)
      return AggregateRelease(
        marginals: marginals, components: Array(template.header.privacy.components.dropFirst()),
        pairSelection: template.header.pairSelection)
    }
    guard let pairCounts, let mode = options.marginals.selectionMode,
      let picks = try options.marginals.pairsToSelect(columns: names.count)
    else {
      // One round: each marginal gets the same share of μ_agg²: μ_j² = μ_agg²/J, σ_j = Δ/μ_j.
      let plan = MarginalRoundPlan(
        aggregateMuSquared: aggregateMuSquared,
        rounds: [("marginals", attributeSets.count, countSensitivity, 1)])
      let sigma = plan.rounds[0].sigma
      let sigmas = Array(repeating: sigma, count: attributeSets.count)
      let noisy = mechanism.finish(sigmas: sigmas, noise: &noise)
      let marginals = consistentMarginals(
        tables: attributeSets.map(table), counts: noisy, sigmas: sigmas, names: names,
        bins: bins, rows: n)
      let component = ReleaseComponent(
        name: "marginals (\(attributeSets.filter { $0.count == 1 }.count) one-way, "
          + "\(attributeSets.filter { $0.count == 2 }.count) two-way)",
        sigma: sigma, l2Sensitivity: countSensitivity, share: options.aggregateShare,
        queries: attributeSets.count)
      return AggregateRelease(marginals: marginals, components: [component], pairSelection: nil)
    }

    let split = options.pairSelectionSplit  // checked by Releaser.release before the data
    let candidates = pairCounts.pairs.count
    let plan = MarginalRoundPlan(
      aggregateMuSquared: aggregateMuSquared,
      rounds: [
        ("one-way marginals", names.count, countSensitivity, split.oneWay),
        (
          "pair-selection scores", 1,
          PairSelectionMechanism.l2Sensitivity(
            candidates: candidates, rows: n, cells: pairCounts.largestTable),
          split.selection
        ),
        ("two-way marginals", picks, countSensitivity, split.twoWay),
      ])
    let (oneWay, selection, twoWay) = (plan.rounds[0], plan.rounds[1], plan.rounds[2])

    // The rounds run in SliceGenPrivacy (PairSelectionProtocol); here only post-processing:
    // p̂ from round 1's noisy counts, summed over the public pair-bin groups so that it lives
    // where the candidate tables do, and the pick from the noisy scores.
    let denominator = Double(max(n, 1))
    let tableSpec: (Int) -> MarginalSpec = { p in
      table([pairCounts.pairs[p].0, pairCounts.pairs[p].1])
    }
    let outcome = PairSelectionProtocol.run(
      oneWay: &mechanism, candidates: pairCounts.pairs, table: pairCounts.table,
      query: { p in
        let t = tableSpec(p)
        return MarginalMechanism.Query(columns: t.columns, shape: t.shape)
      }, rows: n, plan: plan,
      independentModel: { noisyOneWay in
        zip(noisyOneWay, pairBinning.groups).map { counts, map in
          let fine = MarginalConsistency.projectOntoSimplex(counts.map { $0 / denominator })
          return map.map { BinGroups.sums(fine, map: $0) } ?? fine
        }
      },
      pick: { noisyScores in
        mode == .tree
          ? PairPick.maximumSpanningTree(
            columns: names.count, pairs: pairCounts.pairs, weights: noisyScores)
          : PairPick.largest(picks, of: noisyScores)
      }, noise: &noise)
    let (noisyOneWay, noisyScores, chosen, noisyTwoWay) =
      (outcome.oneWay, outcome.scores, outcome.chosen, outcome.twoWay)
    let pairTables = chosen.map(tableSpec)
    let oneWaySigmas = Array(repeating: oneWay.sigma, count: attributeSets.count)
    let twoWaySigmas = Array(repeating: twoWay.sigma, count: picks)

    let marginals = consistentMarginals(
      tables: attributeSets.map(table) + pairTables, counts: noisyOneWay + noisyTwoWay,
      sigmas: oneWaySigmas + twoWaySigmas, names: names, bins: bins, rows: n)
    let components = plan.rounds.map { round in
      ReleaseComponent(
        name: round.name == "two-way marginals" ? "two-way marginals (\(mode))" : round.name,
        sigma: round.sigma, l2Sensitivity: round.l2Sensitivity,
        share: options.aggregateShare * round.fraction, queries: round.queries)
    }
    let pairName: ((Int, Int)) -> [String] = { [names[$0.0], names[$0.1]] }
    let record = ReleasedPairSelection(
      mode: mode, candidates: pairCounts.pairs.map(pairName), sigma: selection.sigma,
      l2Sensitivity: selection.l2Sensitivity, noisyScores: noisyScores,
      chosen: chosen.map { pairName(pairCounts.pairs[$0]) })
    return AggregateRelease(marginals: marginals, components: components, pairSelection: record)
  }

  /// A released table: its columns (indices of kept columns), shape, and group maps (nil:
  /// every column on its fine bins).
  struct MarginalSpec {
    var columns: [Int]
    var shape: [Int]
    var groups: [[Int]]?
  }

  /// Consistent post-processing of noisy counts, as stored in the header.
  static func consistentMarginals(
    tables specs: [MarginalSpec], counts: [[Double]], sigmas: [Double], names: [String],
    bins: [ColumnBins], rows n: Int
  ) -> [ReleasedMarginal] {
    let tables = MarginalConsistency.consistentTables(
      queries: specs.map { ($0.columns, $0.shape, $0.groups) }, counts: counts, sigmas: sigmas,
      rows: n)
    return specs.indices.map { q in
      let set = specs[q].columns
      return ReleasedMarginal(
        columns: set.map { names[$0] }, bins: set.map { bins[$0] }, shape: specs[q].shape,
        sigma: sigmas[q], l2Sensitivity: MarginalMechanism.l2Sensitivity, noisyCounts: counts[q],
        probabilities: tables[q].probabilities, binGroups: specs[q].groups)
    }
  }
}
