// `release` as a library call: read the private CSV once, encode, hand rows to the slicing
// mechanism, calibrate σ with the accountant, write the release file. The privacy-relevant steps
// (U, noise, subsampling, shuffling, calibration) are calls into SliceGenPrivacy; this file only
// moves data and checks user input.

import Foundation
import SliceGenNumerics

/// What a user asks of a release.
public struct ReleaseOptions: Sendable {
  public var epsilon: Double
  /// nil: the default, the largest power of ten at most 1/(10·n) (n is public).
  public var delta: Double?
  public var slices: Int = 100
  public var sliceDim: Int = 2
  public var accountant: SlicingAccountantKind = .profile
  public var neighbors: NeighbouringRelation = .replaceOne
  /// Poisson subsampling rate in (0, 1), or nil.
  public var subsampling: Double? = nil
  /// A user-chosen projection seed (U known in advance: accounted as a Gaussian mechanism with
  /// sensitivity ‖U‖₂). nil: drawn by the secure generator.
  public var projectionSeed: UInt64? = nil
  public var acceptDataDerivedSchema = false
  /// Tests only: reproducible noise. The release is labelled NOT private.
  public var insecureTestNoiseSeed: UInt64? = nil
  /// Noisy marginals published beside the projections (Docs/privacy.md).
  public var marginals: MarginalSelection = .auto
  /// Share of the expected μ² given to the marginals, declared in advance (Docs/privacy.md).
  public var aggregateShare: Double = 0.9
  /// Equal-width bins of numeric columns in marginals (plus a point bin for the lower bound);
  /// an integer column of at most this many values gets one bin per value instead. 128 covers
  /// an age or hours a week, and the [0, 127] that discovery gives such a column.
  public var marginalBins: Int = 128
  /// In 2-way marginals, a numeric column with more than B + 1 bins is counted on at most B
  /// groups of them, plus its lower-bound bin (and missing bin): `--pair-bins` (PairBins.swift).
  public var pairBins: Int = ReleaseOptions.defaultPairBins
  /// A shard (`--like`): U's seed, σ and the calibration come from a first release.
  public var template: ReleaseTemplate? = nil
  /// Set by `releaseDiscoveringSchema`: what discovery already spent (stated with the release).
  public var discoverySpend: DiscoverySpend? = nil
  /// With `--marginals tree` or `select:K`: the fractions of the aggregate μ² given to the 1-way
  /// marginals, the selection scores and the chosen 2-way marginals (declared in advance).
  public var pairSelectionSplit: PairSelectionSplit = .standard

  public init(epsilon: Double) { self.epsilon = epsilon }

  /// The default of `pairBins` (`--pair-bins`), written only here.
  public static let defaultPairBins = 16

  /// The default δ for n rows: the largest power of ten at most 1/(10n).
  public static func defaultDelta(rows n: Int) -> Double {
    pow(10, (log10(1 / (10 * Double(max(n, 1))))).rounded(.down))
  }
}

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
    try PrivacyValidation.epsilon(options.epsilon)
    if let delta = options.delta { try PrivacyValidation.delta(delta) }
    if let q = options.subsampling {
      guard q.isFinite, q > 0, q < 1 else {
        throw ReleaseError("subsample is \(q), must be in (0, 1)")
      }
    }
    let encoding = Encoding(schema: schema)
    let d = encoding.width
    var options = options
    guard options.pairBins >= 1 else {
      throw ReleaseError("pair-bins is \(options.pairBins), must be at least 1")
    }
    // `auto` resolved from the schema alone (public): the pairs' tables on pair bins.
    let publicBins = encoding.publicBins(maximumBins: options.marginalBins)
    let pairBinCounts = PairBinning(bins: publicBins, maximumGroups: options.pairBins).counts
    var candidateCells = 0
    for a in pairBinCounts.indices {
      for b in pairBinCounts.indices where b > a { candidateCells += pairBinCounts[a] * pairBinCounts[b] }
    }
    var notes: [String] = []
    if options.marginals == .auto, let why = MarginalSelection.autoFallback(
      columns: encoding.blocks.count, candidateCells: candidateCells)
    {
      notes.append(why)
    }
    options.marginals = options.marginals.resolved(
      columns: encoding.blocks.count, candidateCells: candidateCells)
    guard (1...100_000).contains(options.slices) else {
      throw ReleaseError("slices is \(options.slices), must be from 1 to 100000")
    }
    guard (1...d).contains(options.sliceDim) else {
      throw ReleaseError("slice-dim is \(options.sliceDim), must be from 1 to d = \(d)")
    }
    let mPrime = options.slices * options.sliceDim
    guard mPrime <= 1_000_000 else {
      throw ReleaseError("slices × slice-dim is \(mPrime), must be at most 1000000")
    }

    if options.marginals.isEnabled {
      guard options.subsampling == nil else {
        throw ReleaseError(
          "--subsample cannot be combined with marginals (the default is --marginals auto): the "
            + "marginals compose exactly with the projections but subsampling's amplification "
            + "does not carry over to them. Add --marginals none to release the paper's "
            + "subsampled mechanism, or drop --subsample (the combined release is the better "
            + "one on every table measured, Docs/benchmarks.md)")
      }
      guard options.aggregateShare > 0, options.aggregateShare < 1 else {
        throw ReleaseError("aggregate-share is \(options.aggregateShare), must be in (0, 1)")
      }
    }

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
    var noise = options.insecureTestNoiseSeed.map(SecureNoise.insecureForTesting(seed:))
      ?? SecureNoise()
    var marginalNoise = options.insecureTestNoiseSeed.map { SecureNoise.insecureForTesting(seed: $0 &+ 1) }
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
    let delta = options.delta ?? ReleaseOptions.defaultDelta(rows: n)
    guard delta < 1 / Double(n) else {
      throw ReleaseError(
        "delta is \(delta), must be below 1/n = \(1 / Double(n)) for n = \(n) rows (a δ of 1/n "
          + "allows publishing one row in the clear; the default is at most 1/(10n))")
    }

    let calibration = try early ?? calibrate(
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
      epsilon: options.epsilon, delta: delta, neighbors: options.neighbors.rawValue,
      accountant: calibration.accountantName, analysis: calibration.analysis,
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
      method: releasedMarginals.isEmpty ? "slicing" : "slicing+marginals", schema: schema,
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
        throw ReleaseError("the pair-selection split is \(split), its fractions must be positive "
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
    throws -> (marginals: MarginalSelection, calibration: ReleaseCalibration,
               rounds: [(name: String, queries: Int, sigma: Double)])
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
    let names3 = rounds.count == 3
      ? ["one-way marginals", "pair-selection scores", "two-way marginals"] : ["marginals"]
    let plan = MarginalRoundPlan(
      aggregateMuSquared: calibration.aggregateMuSquared,
      rounds: zip(rounds, names3).map { round, name in
        let delta = round.affectedValuesPerQuery == 2
          ? MarginalMechanism.l2Sensitivity
          : PairSelectionMechanism.l2Sensitivity(
            candidates: round.affectedValuesPerQuery, rows: n, cells: largest)
        return (name, round.queries, delta, round.fraction)
      })
    return (options.marginals, calibration, plan.rounds.map { ($0.name, $0.queries, $0.sigma) })
  }
}
