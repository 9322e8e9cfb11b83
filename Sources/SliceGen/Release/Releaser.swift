// `release` as a library call, in four steps: plan (ReleasePlan.swift: every public decision,
// before any row is read), one pass over the rows (CountingPass.swift: encode, project, count),
// calibrate σ with the accountant and noise the counts (Releaser+Marginals.swift), write the file
// (the projections noised and shuffled as they stream out). The privacy-relevant steps (U,
// noise, subsampling, shuffling, calibration) are calls into SliceGenPrivacy; this file only
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
    try checkInputs(csvPath: csvPath, schema: schema, options: options, outputPath: outputPath)
    if options.merfFrequencies != nil {
      return try releaseMERF(
        csvPath: csvPath, schema: schema, options: options, outputPath: outputPath,
        progress: progress)
    }
    var given = options
    if given.pairBins == nil || given.pairSelectionSplit == nil, given.template == nil,
      try ReleasePlan(schema: schema, options: given).hasTwoWayTables
    {
      // n is public: counting the rows first reads no value (`PairBinRule`,
      // `PairSelectionSplit.automatic`).
      var reader = try CSVReader(path: csvPath)
      var n = 0
      while try reader.withNextRawRecord({ _ in true }) != nil { n += 1 }
      given = try resolveRowRules(schema: schema, options: given, rows: n)
    }
    let plan = try ReleasePlan(schema: schema, options: given)
    let options = plan.options
    let d = plan.encoding.width
    let mPrime = plan.projectionCount
    // With δ given, calibrate before reading any data, so that a parameter the accountant
    // refuses fails at once (σ depends on ε, δ, m', d and the declared shares, never on the data).
    let early = try options.delta.map { delta in
      try plan.calibrate(
        delta: delta,
        directions: options.projectionSeed.map {
          SlicingMechanism.directions(encodedWidth: d, projectionCount: mPrime, seed: $0)
        })
    }

    // SecureNoise is a value: each mechanism gets its own source, never a copy of another's
    // (a copy would replay the same keystream).
    var noise =
      options.insecureTestNoiseSeed.map(SecureNoise.insecureForTesting(seed:))
      ?? SecureNoise()
    var marginalNoise =
      options.insecureTestNoiseSeed.map { SecureNoise.insecureForTesting(seed: $0 &+ 1) }
      ?? SecureNoise()
    let seed = options.template?.seed ?? options.projectionSeed ?? noise.randomSeed()
    var pass = try CountingPass(
      csvPath: csvPath, plan: plan,
      mechanism: SlicingMechanism(
        encodedWidth: d, projectionCount: mPrime, seed: seed, subsampling: options.subsampling,
        noise: noise),
      progress: progress)

    let n = pass.mechanism.rowsSeen
    guard n > 0 else { throw ReleaseError("\(csvPath): the file has a header but no rows") }
    try options.validate(rows: n)
    let delta = options.delta ?? ReleaseOptions.defaultDelta(rows: n)
    let calibration =
      try early
      ?? plan.calibrate(
        delta: delta, directions: options.projectionSeed == nil ? nil : pass.mechanism.directions)

    let sigma = calibration.sigma
    var marginals = pass.marginals
    let header = try publish(
      plan: plan, calibration: calibration, delta: delta, seed: seed, populationRows: n,
      rows: pass.mechanism.rows, marginals: &marginals, pairCounts: pass.pairCounts,
      noiseIsPrivate: pass.mechanism.noiseIsPrivate, marginalNoise: &marginalNoise,
      outputPath: outputPath
    ) { sink in
      // O goes straight from the mechanism (shuffled, noised, segment by segment) into the
      // file: memory stays at XU plus small buffers.
      try pass.mechanism.finish(sigma: sigma, deliver: sink)
    }

    return ReleaseReport(
      header: header, clamped: named(pass.clamped, plan.names),
      catchAll: named(pass.catchAll, plan.names),
      seconds: Date().timeIntervalSince(start), notes: plan.notes)
  }

  /// Per kept column with a nonzero count: its name and the count (for the owner's terminal).
  static func named(_ counts: [Int], _ names: [String]) -> [(column: String, count: Int)] {
    zip(names, counts).filter { $0.1 > 0 }.map { ($0.0, $0.1) }
  }

  /// The steps after the pass over the rows, shared by `release` and `release-merge`
  /// (PartitionedRelease.swift), so that the two cannot differ: the aggregate rounds on the exact
  /// counts (noise added here, once), the header and its statement, and the file, whose rows of O
  /// `produce` hands out already noised and in a random order.
  /// - Parameters:
  ///   - populationRows: n, the rows read (public); `rows`: the rows of O (after subsampling).
  static func publish(
    plan: ReleasePlan, calibration: ReleaseCalibration, delta: Double, seed: UInt64,
    populationRows n: Int, rows: Int, marginals: inout MarginalMechanism, pairCounts: PairCounts?,
    noiseIsPrivate: Bool, marginalNoise: inout SecureNoise, outputPath: String,
    projections produce: (_ sink: (UnsafeBufferPointer<Float>) throws -> Void) throws -> Void
  ) throws -> ReleaseHeader {
    var aggregates = AggregateRelease(marginals: [], components: [], pairSelection: nil)
    if plan.hasMarginals {
      aggregates = try releaseAggregates(
        mechanism: &marginals, attributeSets: plan.attributeSets, pairCounts: pairCounts,
        names: plan.names, bins: plan.bins, pairBinning: plan.pairBinning, rows: n,
        aggregateMuSquared: calibration.aggregateMuSquared, options: plan.options,
        noise: &marginalNoise)
    }
    var header = makeHeader(
      plan: plan, calibration: calibration, delta: delta, aggregates: aggregates, seed: seed,
      rows: rows, noiseIsPrivate: noiseIsPrivate)
    header.privacy.statement = PrivacyText.statement(for: header, populationRows: n)
    return try Release.write(
      header: header,
      projections: SlicingMechanism.directions(
        encodedWidth: plan.encoding.width, projectionCount: plan.projectionCount, seed: seed),
      to: outputPath, released: produce)
  }

  /// What must hold before anything is planned or read: the output replaces no input, a schema
  /// drafted from the data is accepted explicitly, the options are valid for this schema.
  static func checkInputs(
    csvPath: String, schema: Schema, options: ReleaseOptions, outputPath: String
  ) throws {
    try OutputPath.refuse(outputPath, ifAnyOf: [csvPath, options.template?.path])
    try checkSettings(schema: schema, options: options)
  }

  /// The checks of `checkInputs` that need no file: a schema drafted from the data is accepted
  /// explicitly, the options are valid for this schema (a release template makes them too).
  static func checkSettings(schema: Schema, options: ReleaseOptions) throws {
    if schema.dataDerived && !options.acceptDataDerivedSchema {
      throw ReleaseError(
        "the schema was drafted from the data (\"dataDerived\": true), so its bounds and "
          + "categories are not private. Replace them with public knowledge and set "
          + "\"dataDerived\": false, or pass --accept-data-derived-schema to release anyway "
          + "(the release will state that the domain is not protected)")
    }
    try options.validate()
    try options.validate(encodedWidth: Encoding(schema: schema).width)
  }

  /// The header of a release (public facts, σ and the released aggregates); its statement and
  /// offsets are filled in afterwards.
  static func makeHeader(
    plan: ReleasePlan, calibration: ReleaseCalibration, delta: Double,
    aggregates: AggregateRelease, seed: UInt64, rows: Int, noiseIsPrivate: Bool
  ) -> ReleaseHeader {
    let options = plan.options
    let marginals = aggregates.marginals
    let components =
      [
        ReleaseComponent(
          name: "projections", sigma: calibration.sigma, l2Sensitivity: 1,
          share: marginals.isEmpty ? 1 : 1 - options.aggregateShare)
      ] + aggregates.components
    var privacy = ReleasePrivacy(
      epsilon: options.epsilon, delta: delta, neighbors: options.neighbors,
      accountant: calibration.accountant, analysis: calibration.analysis,
      spectralNormBound: calibration.spectralNormBound, subsampling: options.subsampling,
      components: components, domainProtected: !plan.schema.dataDerived,
      noiseIsPrivate: noiseIsPrivate, statement: "", discovery: options.discoverySpend,
      implementation: calibration.margin)
    if let spend = options.discoverySpend {
      privacy.epsilon = spend.epsilon + spend.releaseEpsilon
      privacy.delta = spend.delta + spend.releaseDelta
    }
    var header = ReleaseHeader(
      toolVersion: SliceGenVersion.current,
      method: marginals.isEmpty ? .slicing : .slicingAndMarginals, schema: plan.schema,
      rows: rows, encodedWidth: plan.encoding.width, slices: options.slices,
      sliceDim: options.sliceDim, projections: plan.projectionCount,
      projectionSeed: String(seed),
      projectionSeedSource: options.projectionSeed == nil ? "secure" : "user",
      sigma: calibration.sigma,
      noiseScale: calibration.sigma * Double(plan.encoding.width).squareRoot(),
      privacy: privacy, marginals: marginals.isEmpty ? nil : marginals, projectionsOffset: 0,
      releaseOffset: 0, shard: options.template?.shardInfo)
    header.pairSelection = aggregates.pairSelection
    if !marginals.isEmpty {
      header.marginalBins = options.marginalBins
      header.pairBins = options.pairBins ?? ReleaseOptions.defaultPairBins  // what the plan used
      header.bins = plan.bins
    }
    return header
  }

  /// The rules that need the public number of rows, in order: the selection split
  /// (`--pair-selection-split auto`), then the pair bins (`--pair-bins auto`), whose rule reads
  /// the 2-way σ the split gives.
  public static func resolveRowRules(schema: Schema, options: ReleaseOptions, rows n: Int) throws
    -> ReleaseOptions
  {
    try resolvePairBins(
      schema: schema, options: try resolveSelectionSplit(schema: schema, options: options, rows: n),
      rows: n)
  }

  /// `--pair-selection-split auto` made concrete: `PairSelectionSplit.automatic` from the first
  /// score round's σ under the standard split, the number of candidates and n (all public).
  /// Returned unchanged when the split is given or the release selects no pairs.
  public static func resolveSelectionSplit(schema: Schema, options: ReleaseOptions, rows n: Int)
    throws -> ReleaseOptions
  {
    guard options.pairSelectionSplit == nil, n >= 1 else { return options }
    var trial = options
    trial.pairSelectionSplit = .standard
    // The rule reads the Gaussian score vector's σ, whichever mechanism then picks.
    trial.selectionMechanism = .gaussian
    trial.pairBins = options.pairBins ?? ReleaseOptions.defaultPairBins
    let plan = try ReleasePlan(schema: schema, options: trial)
    guard plan.options.marginals.selectionMode != nil else { return options }
    let delta = options.delta ?? ReleaseOptions.defaultDelta(rows: n)
    let scoreSigma = try self.plan(schema: schema, options: trial, rows: n, delta: delta)
      .rounds[1].sigma
    let c = plan.names.count
    var resolved = options
    resolved.pairSelectionSplit = PairSelectionSplit.automatic(
      scoreSigma: scoreSigma, candidates: c * (c - 1) / 2, rows: n)
    return resolved
  }

  /// `options` with `--pair-bins auto` made concrete for n rows (`PairBinRule`): at most
  /// `ReleaseOptions.defaultPairBins`, fewer when the 2-way counts' σ, calibrated from the
  /// public settings, would drown their cells. Returned unchanged when B is given or the release
  /// has no 2-way tables.
  public static func resolvePairBins(schema: Schema, options: ReleaseOptions, rows n: Int) throws
    -> ReleaseOptions
  {
    guard options.pairBins == nil, n >= 1 else { return options }
    var resolved = options
    resolved.pairBins = ReleaseOptions.defaultPairBins
    guard try ReleasePlan(schema: schema, options: resolved).hasTwoWayTables else {
      return resolved
    }
    let delta = options.delta ?? ReleaseOptions.defaultDelta(rows: n)
    // The 2-way counts are the last round (the only one with fixed tables); their σ does not
    // depend on the pair bins.
    let sigma = try plan(schema: schema, options: resolved, rows: n, delta: delta).rounds.last!
      .sigma
    resolved.pairBins = PairBinRule.bins(
      rows: n, twoWaySigma: sigma, cap: ReleaseOptions.defaultPairBins)
    return resolved
  }

  /// What `release` would do with `options` on a table of `schema` and n rows (public facts
  /// only, nothing is read): the resolved marginals and the calibration, for `slicegen plan`.
  public static func plan(schema: Schema, options: ReleaseOptions, rows n: Int, delta: Double)
    throws -> (
      marginals: MarginalSelection, calibration: ReleaseCalibration,
      rounds: [(name: String, queries: Int, sigma: Double, pickEpsilon: Double?)]
    )
  {
    var options = options
    options.template = nil
    let plan = try ReleasePlan(schema: schema, options: options)
    let calibration = try plan.calibrate(delta: delta, directions: nil)
    let rounds = plan.aggregateRounds
    guard !rounds.isEmpty else { return (plan.options.marginals, calibration, []) }
    let marginalPlan = MarginalRoundPlan(
      aggregateMuSquared: calibration.aggregateMuSquared,
      rounds: ReleasePlan.roundSpecs(rounds, rows: n, largestPairCells: plan.largestPairCells))
    // ε₀ of an exponential-mechanism round's picks, as the release computes it.
    let sensitivity = PairSelectionMechanism.scoreSensitivity(
      rows: n, cells: plan.largestPairCells)
    return (
      plan.options.marginals, calibration,
      zip(rounds, marginalPlan.rounds).map { aggregate, round in
        (
          round.name, round.queries, round.sigma,
          aggregate.isExponential
            ? ExponentialSelection.epsilon(
              forMu: round.l2Sensitivity / round.sigma, sensitivity: sensitivity,
              largestScore: PairSelectionMechanism.largestScore(rows: n)) : nil
        )
      }
    )
  }
}
