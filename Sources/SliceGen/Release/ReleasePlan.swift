// What a release will do, fixed from the schema and the options alone before any row is read
// (everything here is public): the encoding, the public bins of the marginals and their pair-bin
// groups, `--marginals auto` resolved, the tables of the first round, the aggregate rounds the
// accountant composes, and σ's calibration. `release` and `plan` both start here, so what `plan`
// predicts is what `release` does.

import Foundation
import SliceGenNumerics

/// The public decisions of a release.
struct ReleasePlan {
  let schema: Schema
  /// The options with `--marginals auto` resolved.
  let options: ReleaseOptions
  let encoding: Encoding
  /// Kept column names, in encoding order.
  let names: [String]
  /// Per kept column: its fine public bins (`--marginal-bins`), and their groups in 2-way tables.
  let bins: [ColumnBins]
  let pairBinning: PairBinning
  /// The first round's tables (indices into `names`); empty without marginals.
  let attributeSets: [[Int]]
  /// The aggregate rounds as the accountant and the implementation margin need them.
  let aggregateRounds: [AggregateRound]
  /// The most cells of one candidate pair's table (the score sensitivity's bound).
  let largestPairCells: Int
  /// What the plan decided that the user should know (`auto` falling back to 1-way tables).
  let notes: [String]

  var projectionCount: Int { options.slices * options.sliceDim }
  var hasMarginals: Bool { !attributeSets.isEmpty }
  /// Whether the release counts 2-way tables (named, all pairs, or chosen privately).
  var hasTwoWayTables: Bool {
    attributeSets.contains { $0.count > 1 } || options.marginals.selectionMode != nil
  }

  init(schema: Schema, options: ReleaseOptions) throws {
    self.schema = schema
    encoding = Encoding(schema: schema)
    names = encoding.blocks.map(\.name)
    bins = encoding.publicBins(maximumBins: options.marginalBins)
    pairBinning = PairBinning(
      bins: bins, maximumGroups: options.pairBins ?? ReleaseOptions.defaultPairBins)
    let counts = pairBinning.counts
    var cells = 0
    var largest = 1
    for a in counts.indices {
      for b in counts.indices where b > a {
        cells += counts[a] * counts[b]
        largest = max(largest, counts[a] * counts[b])
      }
    }
    largestPairCells = largest
    // `auto` on a table too wide to score its pairs measures the target's 2-way table with every
    // other column, when the schema names a kept target (public: fixed by the schema).
    let kept = names
    let target = schema.target.flatMap { kept.contains($0) ? $0 : nil }
    let targetPairs = target.map { t in kept.filter { $0 != t }.map { [t, $0] } }
    // A schema of labelled images whose label is the target: auto measures the label's star.
    let labelledImage =
      target != nil && ImageSchema(recognizing: schema)?.label?.name == target
    var notes: [String] = []
    if options.marginals == .auto, labelledImage, let target {
      notes.append(
        "--marginals auto: a schema of labelled images, so the 1-way marginals and \(target)'s "
          + "2-way table with each of the \(names.count - 1) pixels (--marginals tree for a "
          + "privately chosen tree)")
    } else if options.marginals == .auto,
      let why = MarginalSelection.autoFallback(
        columns: names.count, candidateCells: cells, target: targetPairs == nil ? nil : target)
    {
      notes.append(why)
    }
    self.notes = notes
    if options.marginals == .target, targetPairs == nil || names.count < 2 {
      throw OptionError(
        option: "marginals", value: "'target'",
        rule: schema.target == nil
          ? "needs a schema that names a target (its \"target\" field)"
          : "needs the schema's target \"\(ValueText.quoted(schema.target!))\" to be a released "
            + "column, with at least one other")
    }
    var resolved = options
    resolved.marginals = options.marginals.resolved(
      columns: names.count, candidateCells: cells, targetPairs: targetPairs,
      labelledImage: labelledImage)
    self.options = resolved
    attributeSets = try resolved.marginals.queries(columns: names)
    aggregateRounds = try Self.aggregateRounds(options: resolved, columns: names)
  }

  /// The aggregate rounds of `options.marginals` (resolved) over the kept `columns`: 1 + 2R for
  /// private pair selection (1-way, then scores and 2-way per selection round), one for fixed
  /// tables, none without marginals.
  static func aggregateRounds(options: ReleaseOptions, columns names: [String]) throws
    -> [AggregateRound]
  {
    let c = names.count
    try options.validateSelectionRounds(marginals: options.marginals)
    if let picks = try options.marginals.pairsToSelect(columns: c) {
      let split = options.split
      guard split.isValid else {
        throw ReleaseError(
          "the pair-selection split is \(split), its fractions must be positive "
            + "and sum to 1")
      }
      // R selection rounds: the scores' share split evenly, the 2-way share by pairs picked
      // (so every 2-way table gets the same μ² whatever R); each round scores the candidates
      // not measured before it.
      let perRound = ReleaseOptions.pairsPerRound(pairs: picks, rounds: options.selectionRounds)
      var rounds: [AggregateRound] = [.counts(tables: c, fraction: split.oneWay)]
      var remaining = c * (c - 1) / 2
      if options.selectionMechanism.resolved(rounds: options.selectionRounds) == .exponential {
        // One round: `picks` picks by the exponential mechanism among at most P candidates.
        return rounds + [
          .exponential(steps: picks, candidates: remaining, fraction: split.selection),
          .counts(tables: picks, fraction: split.twoWay),
        ]
      }
      for k in perRound {
        rounds.append(
          .scores(
            candidates: remaining, fraction: split.selection / Double(perRound.count)))
        rounds.append(
          .counts(tables: k, fraction: split.twoWay * Double(k) / Double(picks)))
        remaining -= k
      }
      return rounds
    }
    let tables = try options.marginals.queries(columns: names).count
    return tables > 0 ? [.counts(tables: tables, fraction: 1)] : []
  }

  /// The rounds as `MarginalRoundPlan` takes them: a name, the vectors, their L2 sensitivity
  /// (√2 for a count table; the score vector's (2 + 6n·γ_K)√P, K the largest candidate table)
  /// and the fraction. With selection the rounds alternate after the first: scores at odd
  /// positions, 2-way tables at even ones (R > 1 labels each pair "round r of R").
  static func roundSpecs(_ rounds: [AggregateRound], rows n: Int, largestPairCells: Int)
    -> [(name: String, queries: Int, l2Sensitivity: Double, fraction: Double)]
  {
    guard rounds.count > 1 else {
      return rounds.map { ("marginals", $0.queries, MarginalMechanism.l2Sensitivity, $0.fraction) }
    }
    let selectionRounds = (rounds.count - 1) / 2
    return rounds.enumerated().map { r, round in
      guard r > 0 else {
        return ("one-way marginals", round.queries, MarginalMechanism.l2Sensitivity, round.fraction)
      }
      let label = selectionRounds > 1 ? " (round \((r + 1) / 2) of \(selectionRounds))" : ""
      if round.isExponential {
        // k picks, each μ-GDP with μ = 1/σ: "sensitivity" 1 in the plan's units.
        return ("pair selection (exponential mechanism)", round.queries, 1, round.fraction)
      }
      return r % 2 == 1
        ? (
          "pair-selection scores" + label, round.queries,
          PairSelectionMechanism.l2Sensitivity(
            candidates: round.affectedValuesPerQuery, rows: n, cells: largestPairCells),
          round.fraction
        )
        : (
          "two-way marginals" + label, round.queries, MarginalMechanism.l2Sensitivity,
          round.fraction
        )
    }
  }

  /// σ for this plan at δ: a shard's copy of its template's, else calibrated from ε, δ, m', d,
  /// the relation, the accountant and the declared aggregate shares — never from the data.
  /// - Parameter directions: U when the user fixed its seed (the analytic Gaussian bound).
  func calibrate(delta: Double, directions: [Float]?) throws -> ReleaseCalibration {
    if let template = options.template { return template.calibration }
    return try ReleaseCalibration.calibrate(
      epsilon: options.epsilon, delta: delta, slices: options.slices,
      sliceDim: options.sliceDim, encodedWidth: encoding.width, accountant: options.accountant,
      neighbors: options.neighbors, subsampling: options.subsampling,
      fixedDirections: directions, aggregateShare: hasMarginals ? options.aggregateShare : 0,
      aggregateRounds: aggregateRounds)
  }

  /// The first round's counting queries over a row's codes: its fine bin codes (c), then its
  /// pair codes (c); 1-way tables read the former, 2-way tables the latter.
  func marginalMechanism() -> MarginalMechanism {
    let c = names.count
    return MarginalMechanism(
      queries: attributeSets.map { set in
        set.count == 1
          ? MarginalMechanism.Query(columns: set, shape: [bins[set[0]].count])
          : MarginalMechanism.Query(
            columns: set.map { c + $0 }, shape: set.map { pairBinning.counts[$0] })
      }, codesPerRow: 2 * c)
  }
}
