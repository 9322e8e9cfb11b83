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
//      the pick; or, with exponential picks (the default for one round), k picks by the
//      exponential mechanism on the same scores, each μ-GDP (ExponentialSelection.swift);
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
      try options.marginals.pairsToSelect(columns: names.count) != nil
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

    // The rounds as the plan declared them (ReleasePlan.aggregateRounds, checked by
    // Releaser.release before the data): 1-way, then scores and 2-way per selection round.
    let aggregateRounds = try ReleasePlan.aggregateRounds(options: options, columns: names)
    let specs = ReleasePlan.roundSpecs(
      aggregateRounds, rows: n, largestPairCells: pairCounts.largestTable)
    let scoreSensitivity = PairSelectionMechanism.scoreSensitivity(
      rows: n, cells: pairCounts.largestTable)
    // Picks by the exponential mechanism: a tree's next pick joins two components of the
    // picks so far; select:K's may be any pair not yet picked.
    let exponential =
      aggregateRounds[1].isExponential
      ? PairSelectionProtocol.ExponentialPicks(
        sensitivity: scoreSensitivity,
        largestScore: PairSelectionMechanism.largestScore(rows: n),
        eligible: { picked in
          guard mode == .tree else { return { _ in true } }
          var components = Components(count: names.count)
          for p in picked { components.join(pairCounts.pairs[p].0, pairCounts.pairs[p].1) }
          return { p in
            components.root(pairCounts.pairs[p].0) != components.root(pairCounts.pairs[p].1)
          }
        }) : nil
    let adaptive = specs.count > 3
    let plan = MarginalRoundPlan(aggregateMuSquared: aggregateMuSquared, rounds: specs)
    let oneWay = plan.rounds[0]
    let twoWayRounds = stride(from: 2, to: plan.rounds.count, by: 2).map { plan.rounds[$0] }

    // The rounds run in SliceGenPrivacy (PairSelectionProtocol); here only post-processing:
    // p̂ from round 1's noisy counts, summed over the public pair-bin groups so that it lives
    // where the candidate tables do; for later rounds, the forest model of every table released
    // so far (made consistent) and what it implies for each remaining pair; and the pick from
    // the noisy scores.
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
      judge: { released, remaining in
        let measured = released.chosen
        let sigmas =
          Array(repeating: oneWay.sigma, count: attributeSets.count)
          + released.rounds.indices.flatMap { r in
            Array(repeating: twoWayRounds[r].sigma, count: released.rounds[r].chosen.count)
          }
        let model = consistentMarginals(
          tables: attributeSets.map(table) + measured.map(tableSpec),
          counts: released.oneWay + released.twoWay, sigmas: sigmas, names: names, bins: bins,
          rows: n)
        return ForestJudge(
          columns: names, marginals: model, pairBinning: pairBinning
        ).expectedTables(pairs: remaining.map { pairCounts.pairs[$0] })
      },
      pick: { _, noisyScores, count in
        mode == .tree
          ? PairPick.maximumSpanningTree(
            columns: names.count, pairs: pairCounts.pairs, weights: noisyScores)
          : PairPick.largest(count, of: noisyScores)
      }, exponential: exponential, noise: &noise)
    let chosen = outcome.chosen
    let pairTables = chosen.map(tableSpec)
    let oneWaySigmas = Array(repeating: oneWay.sigma, count: attributeSets.count)
    let twoWaySigmas = outcome.rounds.indices.flatMap { r in
      Array(repeating: twoWayRounds[r].sigma, count: outcome.rounds[r].chosen.count)
    }

    let marginals = consistentMarginals(
      tables: attributeSets.map(table) + pairTables, counts: outcome.oneWay + outcome.twoWay,
      sigmas: oneWaySigmas + twoWaySigmas, names: names, bins: bins, rows: n)
    let components = plan.rounds.map { round in
      ReleaseComponent(
        name: round.name.hasPrefix("two-way marginals")
          ? round.name.replacingOccurrences(
            of: "two-way marginals", with: "two-way marginals (\(mode))")
          : round.name,
        sigma: round.sigma, l2Sensitivity: round.l2Sensitivity,
        share: options.aggregateShare * round.fraction, queries: round.queries)
    }
    let pairName: (Int) -> [String] = { p in
      [names[pairCounts.pairs[p].0], names[pairCounts.pairs[p].1]]
    }
    let first = outcome.rounds[0]
    var record = ReleasedPairSelection(
      mode: mode, candidates: pairCounts.pairs.indices.map(pairName), sigma: plan.rounds[1].sigma,
      l2Sensitivity: plan.rounds[1].l2Sensitivity, noisyScores: first.scores,
      chosen: chosen.map(pairName))
    if let exponential {
      record.mechanism = SelectionMechanism.exponential.rawValue
      record.sigma = 0
      record.l2Sensitivity = scoreSensitivity
      record.stepEpsilon = exponential.stepEpsilon(round: plan.rounds[1])
      record.stepMu = plan.rounds[1].l2Sensitivity / plan.rounds[1].sigma
    }
    if adaptive {
      record.rounds = outcome.rounds.enumerated().map { r, round in
        ReleasedSelectionRound(
          sigma: plan.rounds[1 + 2 * r].sigma, l2Sensitivity: plan.rounds[1 + 2 * r].l2Sensitivity,
          noisyScores: round.scores, chosen: round.chosen.map(pairName),
          model: r == 0 ? "independent" : "forest")
      }
    }
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
