// The aggregate part of a release (DESIGN §4b), after the pass over the data: noise the counted
// marginals with the σ the composed accountant allows, choose the pairs privately when asked
// (`tree`, `select:K`), and make the tables consistent. Noise comes from SliceGenPrivacy only.
//
// Fixed sets (one-way, all-pairs, named pairs): one round, μ_agg² split evenly over the J
// count vectors. Private selection: three rounds whose μ² are declared before the data is read
// (PairSelectionSplit), each noised after the previous one is released:
//   1. every 1-way marginal (J₁ = c vectors, Δ = √2);
//   2. the scores of all P candidate pairs against the independent model of round 1's output
//      (one vector, Δ = 2√P; PairScores.swift, PairSelectionMechanism.swift), then the pick;
//   3. the chosen pairs' 2-way marginals (J₂ = c − 1 or K vectors, Δ = √2).
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
  ///   - mechanism: the counted first-round queries (`attributeSets`).
  ///   - pairCounts: every candidate pair's exact counts, with private selection only.
  static func releaseAggregates(
    mechanism: inout MarginalMechanism, attributeSets: [[Int]], pairCounts: PairCounts?,
    names: [String], bins: [ColumnBins], rows n: Int, aggregateMuSquared: Double,
    options: ReleaseOptions, noise: inout SecureNoise
  ) throws -> AggregateRelease {
    let countSensitivity = MarginalMechanism.l2Sensitivity
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
        queries: mechanism.queries, counts: noisy, sigmas: sigmas, names: names, bins: bins,
        rows: n)
      let component = ReleaseComponent(
        name: "marginals (\(attributeSets.filter { $0.count == 1 }.count) one-way, "
          + "\(attributeSets.filter { $0.count == 2 }.count) two-way)",
        sigma: sigma, l2Sensitivity: countSensitivity, share: options.aggregateShare,
        queries: attributeSets.count)
      return AggregateRelease(marginals: marginals, components: [component], pairSelection: nil)
    }

    let split = options.pairSelectionSplit
    guard split.isValid else {
      throw ReleaseError("the pair-selection split is \(split), its fractions must be positive "
        + "and sum to 1")
    }
    let candidates = pairCounts.pairs.count
    let plan = MarginalRoundPlan(
      aggregateMuSquared: aggregateMuSquared,
      rounds: [
        ("one-way marginals", names.count, countSensitivity, split.oneWay),
        ("pair-selection scores", 1, PairSelectionMechanism.l2Sensitivity(candidates: candidates),
         split.selection),
        ("two-way marginals", picks, countSensitivity, split.twoWay),
      ])
    let (oneWay, selection, twoWay) = (plan.rounds[0], plan.rounds[1], plan.rounds[2])

    // Round 1: the 1-way marginals, released; p̂ is post-processing of them.
    let oneWaySigmas = Array(repeating: oneWay.sigma, count: attributeSets.count)
    let noisyOneWay = mechanism.finish(sigmas: oneWaySigmas, noise: &noise)
    let denominator = Double(max(n, 1))
    let independent = noisyOneWay.map { counts in
      MarginalConsistency.projectOntoSimplex(counts.map { $0 / denominator })
    }

    // Round 2: noisy scores of every candidate, then the pick (post-processing).
    let noisyScores = PairSelectionMechanism.noisyScores(
      pairCounts.scores(oneWay: independent, rows: n), sigma: selection.sigma, noise: &noise)
    let chosen = mode == "tree"
      ? PairPick.maximumSpanningTree(
        columns: names.count, pairs: pairCounts.pairs, weights: noisyScores)
      : PairPick.largest(picks, of: noisyScores)
    precondition(chosen.count == picks)

    // Round 3: the chosen pairs' 2-way marginals.
    let pairQueries = chosen.map { p in
      let (a, b) = pairCounts.pairs[p]
      return MarginalMechanism.Query(columns: [a, b], shape: [bins[a].count, bins[b].count])
    }
    var pairMechanism = MarginalMechanism(
      queries: pairQueries, counts: chosen.map(pairCounts.table), rows: n)
    let twoWaySigmas = Array(repeating: twoWay.sigma, count: picks)
    let noisyTwoWay = pairMechanism.finish(sigmas: twoWaySigmas, noise: &noise)

    let marginals = consistentMarginals(
      queries: mechanism.queries + pairQueries, counts: noisyOneWay + noisyTwoWay,
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

  /// Consistent post-processing of noisy counts, as stored in the header.
  static func consistentMarginals(
    queries: [MarginalMechanism.Query], counts: [[Double]], sigmas: [Double], names: [String],
    bins: [ColumnBins], rows n: Int
  ) -> [ReleasedMarginal] {
    let tables = MarginalConsistency.consistentTables(
      queries: queries.map { ($0.columns, $0.shape) }, counts: counts, sigmas: sigmas, rows: n)
    return queries.indices.map { q in
      let set = queries[q].columns
      return ReleasedMarginal(
        columns: set.map { names[$0] }, bins: set.map { bins[$0] }, shape: queries[q].shape,
        sigma: sigmas[q], l2Sensitivity: MarginalMechanism.l2Sensitivity, noisyCounts: counts[q],
        probabilities: tables[q].probabilities)
    }
  }
}
