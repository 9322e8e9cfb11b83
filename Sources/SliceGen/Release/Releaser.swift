// `release` as a library call: read the private CSV once, encode, hand rows to the slicing
// mechanism, calibrate σ with the accountant, write the release file. The privacy-relevant steps
// (U, noise, subsampling, shuffling, calibration) are calls into SliceGenPrivacy; this file only
// moves data; the options are checked by `ReleaseOptions.validate` (ReleaseOptions.swift).

import Foundation
import SliceGenNumerics

/// A release that could not be made from the user's input.
public struct ReleaseError: Error, CustomStringConvertible, Equatable {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}

/// What a finished release tells the data owner (on the terminal, never in the file).
public struct ReleaseReport: Sendable {
  public var header: ReleaseHeader
  /// Per kept column: values clamped into the declared bounds / mapped to the catch-all.
  public var clamped: [(column: String, count: Int)]
  public var catchAll: [(column: String, count: Int)]
  public var seconds: Double
  /// What the release decided from public facts and the user should know (for example that
  /// `--marginals auto` fell back to 1-way marginals on a very wide table).
  public var notes: [String] = []
}

/// Makes releases.
public enum Releaser {
  /// Reads `csvPath`, releases it with `schema` and `options`, writes `outputPath` atomically.
  /// - Parameter progress: called now and then with the number of rows read.
  public static func release(
    csvPath: String, schema: Schema, options: ReleaseOptions, outputPath: String,
    progress: (Int) -> Void = { _ in }
  ) throws -> ReleaseReport {
    let start = Date()
    try OutputPath.refuse(outputPath, ifAnyOf: [csvPath, options.template?.path])
    if schema.dataDerived && !options.acceptDataDerivedSchema {
      throw ReleaseError(
        "the schema was drafted from the data (\"dataDerived\": true), so its bounds and "
          + "categories are not private. Replace them with public knowledge and set "
          + "\"dataDerived\": false, or pass --accept-data-derived-schema to release anyway "
          + "(the release will state that the domain is not protected)")
    }
    try options.validate()
    let encoding = Encoding(schema: schema)
    let d = encoding.width
    try options.validate(encodedWidth: d)
    var options = options
    // `auto` resolved from the schema alone (public): the pairs' tables on pair bins.
    let publicBins = encoding.publicBins(maximumBins: options.marginalBins)
    let pairBinCounts = PairBinning(bins: publicBins, maximumGroups: options.pairBins).counts
    var candidateCells = 0
    for a in pairBinCounts.indices {
      for b in pairBinCounts.indices where b > a {
        candidateCells += pairBinCounts[a] * pairBinCounts[b]
      }
    }
    var notes: [String] = []
    if options.marginals == .auto,
      let why = MarginalSelection.autoFallback(
        columns: encoding.blocks.count, candidateCells: candidateCells)
    {
      notes.append(why)
    }
    options.marginals = options.marginals.resolved(
      columns: encoding.blocks.count, candidateCells: candidateCells)
    let mPrime = options.slices * options.sliceDim

    // The aggregate rounds as the implementation margin needs them (how many published values
    // one row can move, and by how much), all fixed by the schema and the options.
    let aggregateRounds = try Self.aggregateRounds(
      options: options, columns: encoding.blocks.map(\.name))
    // With δ given, calibrate before reading any data, so that a parameter the accountant
    // refuses fails at once (σ depends on ε, δ, m', d and the declared shares, never on the data).
    func calibrate(delta: Double, directions: [Float]?) throws -> ReleaseCalibration {
      if let template = options.template { return template.calibration }
      let aggregate = !aggregateRounds.isEmpty
      return try ReleaseCalibration.calibrate(
        epsilon: options.epsilon, delta: delta, slices: options.slices,
        sliceDim: options.sliceDim, encodedWidth: d, accountant: options.accountant,
        neighbors: options.neighbors, subsampling: options.subsampling,
        fixedDirections: directions, aggregateShare: aggregate ? options.aggregateShare : 0,
        aggregateRounds: aggregateRounds)
    }
    let early = try options.delta.map { delta in
      try calibrate(
        delta: delta,
        directions: options.projectionSeed.map {
          SlicingMechanism.directions(encodedWidth: d, projectionCount: mPrime, seed: $0)
        })
    }

    var reader = try CSVReader(path: csvPath)
    var encoder = try RowEncoder(encoding: encoding, header: reader.header, path: csvPath)

    // SecureNoise is a value: each mechanism gets its own source, never a copy of another's
    // (a copy would replay the same keystream).
    var noise =
      options.insecureTestNoiseSeed.map(SecureNoise.insecureForTesting(seed:))
      ?? SecureNoise()
    var marginalNoise =
      options.insecureTestNoiseSeed.map { SecureNoise.insecureForTesting(seed: $0 &+ 1) }
      ?? SecureNoise()
    let seedSource = options.projectionSeed == nil ? "secure" : "user"
    let seed = options.template?.seed ?? options.projectionSeed ?? noise.randomSeed()
    var mechanism = SlicingMechanism(
      encodedWidth: d, projectionCount: mPrime, seed: seed, subsampling: options.subsampling,
      noise: noise)

    // Marginals: public bins from the schema, one query per attribute set; 2-way marginals on
    // the pair bins (groups of the fine bins, PairBins.swift).
    let names = encoding.blocks.map(\.name)
    let bins = publicBins
    let pairBinning = PairBinning(bins: bins, maximumGroups: options.pairBins)
    let attributeSets = try options.marginals.queries(columns: names)
    // Each row's codes: its fine bin codes (c), then its pair codes (c). 1-way queries read the
    // former, 2-way queries the latter.
    let c = names.count
    var marginalMechanism = MarginalMechanism(
      queries: attributeSets.map { set in
        set.count == 1
          ? MarginalMechanism.Query(columns: set, shape: [bins[set[0]].count])
          : MarginalMechanism.Query(
            columns: set.map { c + $0 }, shape: set.map { pairBinning.counts[$0] })
      }, codesPerRow: 2 * c)
    // Private pair selection counts every candidate pair in the same pass (limits checked first).
    _ = try options.marginals.pairsToSelect(columns: c)
    var pairCounts = try options.marginals.selectionMode.map { mode in
      try PairCounts(binCounts: pairBinning.counts, mode: mode)
    }

    let chunkRows = 4096
    var chunk = [Float](repeating: 0, count: chunkRows * d)
    var codes = [Int32](repeating: 0, count: chunkRows * 2 * c)
    var filled = 0
    func flush(_ base: UnsafeMutablePointer<Float>) {
      mechanism.append(encoded: base, rows: filled)
      if !attributeSets.isEmpty {
        codes.withUnsafeMutableBufferPointer { buffer in
          let codeBase = buffer.baseAddress!
          for row in 0..<filled {
            let rowCodes = codeBase + row * 2 * c
            encoding.binCodes(base + row * d, bins: bins, into: rowCodes)
            pairBinning.mapCodes(rowCodes, into: rowCodes + c)
          }
          marginalMechanism.add(codes: codeBase, rows: filled)
          pairCounts?.add(codes: codeBase + c, rows: filled, codesPerRow: 2 * c)
        }
      }
      filled = 0
    }
    try chunk.withUnsafeMutableBufferPointer { buffer in
      let base = buffer.baseAddress!
      while try reader.withNextRawRecord({ record in
        try encoder.encode(record, into: base + filled * d)
      }) != nil {
        filled += 1
        if filled == chunkRows {
          flush(base)
          progress(mechanism.rowsSeen)
        }
      }
      flush(base)
    }
    let n = mechanism.rowsSeen
    guard n > 0 else { throw ReleaseError("\(csvPath): the file has a header but no rows") }
    try options.validate(rows: n)
    let delta = options.delta ?? ReleaseOptions.defaultDelta(rows: n)

    let calibration =
      try early
      ?? calibrate(
        delta: delta, directions: options.projectionSeed == nil ? nil : mechanism.directions)

    var components = [
      ReleaseComponent(
        name: "projections", sigma: calibration.sigma, l2Sensitivity: 1,
        share: attributeSets.isEmpty ? 1 : 1 - options.aggregateShare)
    ]
    var releasedMarginals: [ReleasedMarginal] = []
    var pairSelection: ReleasedPairSelection? = nil
    if !attributeSets.isEmpty {
      let aggregates = try releaseAggregates(
        mechanism: &marginalMechanism, attributeSets: attributeSets, pairCounts: pairCounts,
        names: names, bins: bins, pairBinning: pairBinning, rows: n,
        aggregateMuSquared: calibration.aggregateMuSquared, options: options,
        noise: &marginalNoise)
      releasedMarginals = aggregates.marginals
      components += aggregates.components
      pairSelection = aggregates.pairSelection
    }

    var privacy = ReleasePrivacy(
      epsilon: options.epsilon, delta: delta, neighbors: options.neighbors,
      accountant: calibration.accountant, analysis: calibration.analysis,
      spectralNormBound: calibration.spectralNormBound, subsampling: options.subsampling,
      components: components,
      domainProtected: !schema.dataDerived, noiseIsPrivate: mechanism.noiseIsPrivate,
      statement: "", discovery: options.discoverySpend, implementation: calibration.margin)
    if let spend = options.discoverySpend {
      privacy.epsilon = spend.epsilon + spend.releaseEpsilon
      privacy.delta = spend.delta + spend.releaseDelta
    }
    var header = ReleaseHeader(
      toolVersion: SliceGenVersion.current,
      method: releasedMarginals.isEmpty ? .slicing : .slicingAndMarginals, schema: schema,
      rows: mechanism.rows, encodedWidth: d, slices: options.slices, sliceDim: options.sliceDim,
      projections: mPrime, projectionSeed: String(seed), projectionSeedSource: seedSource,
      sigma: calibration.sigma, noiseScale: calibration.sigma * Double(d).squareRoot(),
      privacy: privacy, marginals: releasedMarginals.isEmpty ? nil : releasedMarginals,
      projectionsOffset: 0, releaseOffset: 0, shard: options.template?.shardInfo)
    header.pairSelection = pairSelection
    if !releasedMarginals.isEmpty {
      header.marginalBins = options.marginalBins
      header.pairBins = options.pairBins
    }
    header.privacy.statement = PrivacyText.statement(for: header, populationRows: n)
    // O goes straight from the mechanism (shuffled, noised, segment by segment) into the file:
    // memory stays at XU plus small buffers.
    let sigma = calibration.sigma
    header = try Release.write(
      header: header, projections: mechanism.directions, to: outputPath
    ) { sink in
      try mechanism.finish(sigma: sigma, deliver: sink)
    }

    return ReleaseReport(
      header: header,
      clamped: zip(names, encoder.clampedCounts).filter { $0.1 > 0 }.map { ($0.0, $0.1) },
      catchAll: zip(names, encoder.catchAllCounts).filter { $0.1 > 0 }.map { ($0.0, $0.1) },
      seconds: Date().timeIntervalSince(start), notes: notes)
  }

  /// The aggregate rounds of `options.marginals` (resolved) over the kept `columns`, as the
  /// implementation margin needs them; empty without marginals.
  static func aggregateRounds(options: ReleaseOptions, columns names: [String]) throws
    -> [AggregateRound]
  {
    let c = names.count
    if let picks = try options.marginals.pairsToSelect(columns: c) {
      let split = options.pairSelectionSplit
      guard split.isValid else {
        throw ReleaseError(
          "the pair-selection split is \(split), its fractions must be positive "
            + "and sum to 1")
      }
      return [
        .counts(tables: c, fraction: split.oneWay),
        .scores(candidates: c * (c - 1) / 2, fraction: split.selection),
        .counts(tables: picks, fraction: split.twoWay),
      ]
    }
    let tables = try options.marginals.queries(columns: names).count
    return tables > 0 ? [.counts(tables: tables, fraction: 1)] : []
  }

  /// What `release` would do with `options` on a table of `schema` and n rows (public facts
  /// only, nothing is read): the resolved marginals and the calibration, for `slicegen plan`.
  public static func plan(schema: Schema, options: ReleaseOptions, rows n: Int, delta: Double)
    throws -> (
      marginals: MarginalSelection, calibration: ReleaseCalibration,
      rounds: [(name: String, queries: Int, sigma: Double)]
    )
  {
    let encoding = Encoding(schema: schema)
    let names = encoding.blocks.map(\.name)
    let pairCounts = PairBinning(
      bins: encoding.publicBins(maximumBins: options.marginalBins),
      maximumGroups: options.pairBins
    ).counts
    var cells = 0
    var largest = 1
    for a in pairCounts.indices {
      for b in pairCounts.indices where b > a {
        cells += pairCounts[a] * pairCounts[b]
        largest = max(largest, pairCounts[a] * pairCounts[b])
      }
    }
    var options = options
    options.marginals = options.marginals.resolved(columns: names.count, candidateCells: cells)
    let rounds = try aggregateRounds(options: options, columns: names)
    let calibration = try ReleaseCalibration.calibrate(
      epsilon: options.epsilon, delta: delta, slices: options.slices, sliceDim: options.sliceDim,
      encodedWidth: encoding.width, accountant: options.accountant, neighbors: options.neighbors,
      subsampling: options.subsampling, fixedDirections: nil,
      aggregateShare: rounds.isEmpty ? 0 : options.aggregateShare, aggregateRounds: rounds)
    guard !rounds.isEmpty else { return (options.marginals, calibration, []) }
    let names3 =
      rounds.count == 3
      ? ["one-way marginals", "pair-selection scores", "two-way marginals"] : ["marginals"]
    let plan = MarginalRoundPlan(
      aggregateMuSquared: calibration.aggregateMuSquared,
      rounds: zip(rounds, names3).map { round, name in
        let delta =
          round.affectedValuesPerQuery == 2
          ? MarginalMechanism.l2Sensitivity
          : PairSelectionMechanism.l2Sensitivity(
            candidates: round.affectedValuesPerQuery, rows: n, cells: largest)
        return (name, round.queries, delta, round.fraction)
      })
    return (options.marginals, calibration, plan.rounds.map { ($0.name, $0.queries, $0.sigma) })
  }
}
