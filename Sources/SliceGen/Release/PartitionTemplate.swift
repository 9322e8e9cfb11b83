// A release template (`slicegen release-template`, Docs/partitioned-release.md): every public
// decision of a release, fixed before any row is read: the schema, the options with their
// row-dependent rules resolved, U's seed, δ, the public n, σ and the names of the partitions.
// `release --template` on one machine, and `release-partition` on each partition followed by
// `release-merge`, then run the same mechanism (PartitionedRelease.swift).
//
// The template holds no data, but it holds U's seed: it stays inside the data owner's cluster
// until the merged release is published. The random-U analysis needs rows fixed independently of
// U; a contributor who could choose rows after seeing U gets only the fixed-U guarantee
// (Docs/shards.md, "Rows chosen after U").
//
// Nothing is taken on trust. The file carries no MAC, so loading re-plans from the stored
// settings, re-calibrates σ exactly as `release` does, and refuses a stored σ that is not the
// re-derived one (a modified file, or another slicegen version). Partitions and the merge name
// the template by the SHA-256 of its bytes, so parts made from different templates never merge.

import Foundation
import SliceGenPrivacy

/// The public plan of a partitioned release.
public struct PartitionTemplate {
  public static let formatName = "slicegen-release-template"
  /// The most partitions one template lists (each is a file the merge opens).
  public static let partitionRange = 1...100_000

  public let schema: Schema
  /// The release options, row-dependent rules (`--pair-bins auto`, the selection split)
  /// resolved for the declared n; `projectionSeed` is set only when the user fixed U.
  public let options: ReleaseOptions
  /// U's seed (drawn by the secure generator unless the user fixed it).
  public let seed: UInt64
  public let delta: Double
  /// The public number of rows n of the whole table.
  public let rows: Int
  /// The partitions' names, in order: "0" … "K−1".
  public let partitions: [String]
  /// SHA-256 of the template file's bytes (hex): how partials and the merge name it.
  public let checksum: String
  /// The template's bytes, as written and read.
  public let data: Data
  let plan: ReleasePlan
  let calibration: ReleaseCalibration

  public var sigma: Double { calibration.sigma }

  /// What the file stores.
  struct Stored: Codable {
    var format: String
    var formatVersion: Int
    var notice: String
    var toolVersion: String
    var schema: Schema
    var rows: Int
    var partitions: [String]
    var epsilon: Double
    var delta: Double
    var slices: Int
    var sliceDim: Int
    var accountant: String
    var neighbors: String
    var subsampling: Double?
    var marginals: String
    var aggregateShare: Double
    var marginalBins: Int
    var pairBins: Int?
    var pairSelectionSplit: [Double]?
    var rounds: Int
    /// `--selection-mechanism` as given; absent in templates written before it (read as
    /// gaussian, what they ran).
    var selectionMechanism: String? = nil
    var acceptDataDerivedSchema: Bool
    var projectionSeed: String
    var projectionSeedSource: String
    var sigma: Double
  }

  static let notice =
    "A slicegen release template. It holds no data, but it holds the seed of U: keep it inside "
    + "the data owner's cluster until the merged release is published (rows chosen after seeing "
    + "U get only the fixed-U guarantee). Partitions must be assigned by row number or at "
    + "random, never by a column's value."

  /// Plans a partitioned release of `rows` rows in `partitions` parts. Reads no data.
  /// - Throws: `OptionError` or `ReleaseError` for options a release would refuse, and for
  ///   what a template cannot do (MERF, shards, discovery).
  public static func make(
    schema: Schema, options given: ReleaseOptions, rows n: Int, partitions k: Int
  ) throws -> PartitionTemplate {
    guard partitionRange.contains(k) else {
      throw OptionError(
        option: "partitions", value: "\(k)",
        rule: "must be from \(partitionRange.lowerBound) to \(partitionRange.upperBound)")
    }
    guard given.merfFrequencies == nil else {
      throw OptionError(
        option: "mechanism", value: "merf",
        rule: "a release template makes a slicing release (slicing or slicing+marginals); "
          + "partitioned DP-MERF is not built")
    }
    precondition(given.template == nil && given.discoverySpend == nil)
    try Releaser.checkSettings(schema: schema, options: given)
    guard n >= 1 else {
      throw OptionError(option: "rows", value: "\(n)", rule: "must be at least 1")
    }
    try given.validate(rows: n)
    var options = try Releaser.resolveRowRules(schema: schema, options: given, rows: n)
    options.pairBins = options.pairBins ?? ReleaseOptions.defaultPairBins
    options.insecureTestNoiseSeed = nil
    var noise = SecureNoise()
    let seed = given.projectionSeed ?? noise.randomSeed()
    let delta = given.delta ?? ReleaseOptions.defaultDelta(rows: n)
    var withDelta = options
    withDelta.delta = delta
    let plan = try ReleasePlan(schema: schema, options: withDelta)
    let calibration = try calibrate(plan: plan, delta: delta, seed: seed)
    let stored = Stored(
      format: formatName, formatVersion: FormatVersions.template, notice: notice,
      toolVersion: SliceGenVersion.current, schema: schema, rows: n,
      partitions: (0..<k).map(String.init), epsilon: withDelta.epsilon, delta: delta,
      slices: withDelta.slices, sliceDim: withDelta.sliceDim,
      accountant: withDelta.accountant.rawValue, neighbors: withDelta.neighbors.rawValue,
      subsampling: withDelta.subsampling, marginals: given.marginals.text,
      aggregateShare: withDelta.aggregateShare, marginalBins: withDelta.marginalBins,
      pairBins: withDelta.pairBins,
      pairSelectionSplit: withDelta.pairSelectionSplit.map {
        [$0.oneWay, $0.selection, $0.twoWay]
      }, rounds: withDelta.selectionRounds,
      selectionMechanism: withDelta.selectionMechanism.rawValue,
      acceptDataDerivedSchema: withDelta.acceptDataDerivedSchema, projectionSeed: String(seed),
      projectionSeedSource: given.projectionSeed == nil ? "secure" : "user",
      sigma: calibration.sigma)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
    return try PartitionTemplate(data: encoder.encode(stored) + Data([0x0A]), file: "template")
  }

  /// Reads and checks the template at `path`.
  public init(contentsOf path: String) throws {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory),
      !isDirectory.boolValue, let data = FileManager.default.contents(atPath: path)
    else { throw ReleaseError("\(path): no such file (the release template)") }
    try self.init(data: data, file: path)
  }

  /// Decodes `data`, re-plans, re-calibrates, and checks σ; `file` names it in errors.
  init(data: Data, file: String) throws {
    func refuse(_ reason: String) -> ReleaseError { ReleaseError("\(file): \(reason)") }
    let s: Stored
    do {
      s = try JSONDecoder().decode(Stored.self, from: data)
    } catch {
      throw refuse("not a slicegen release template (\(error))")
    }
    guard s.format == Self.formatName else {
      throw refuse("format is \"\(s.format)\", expected \"\(Self.formatName)\"")
    }
    guard s.formatVersion == FormatVersions.template else {
      throw refuse(
        "template format version \(s.formatVersion); this slicegen reads version "
          + "\(FormatVersions.template)")
    }
    guard Self.partitionRange.contains(s.partitions.count),
      s.partitions == (0..<s.partitions.count).map(String.init)
    else {
      throw refuse("partitions must be \"0\" … \"K−1\" for K from 1 to 100000")
    }
    guard s.rows >= 1 else { throw refuse("rows is \(s.rows), must be at least 1") }
    guard let seed = UInt64(s.projectionSeed), ["secure", "user"].contains(s.projectionSeedSource)
    else { throw refuse("projectionSeed must be a whole number, its source secure or user") }
    guard let accountant = SlicingAccountantKind(rawValue: s.accountant) else {
      throw refuse("accountant is \"\(s.accountant)\", must be profile or theorem1")
    }
    guard let neighbors = NeighbouringRelation(rawValue: s.neighbors) else {
      throw refuse("neighbors is \"\(s.neighbors)\", must be replace-one or zero-out")
    }
    var options = ReleaseOptions(epsilon: s.epsilon)
    options.delta = s.delta
    options.slices = s.slices
    options.sliceDim = s.sliceDim
    options.accountant = accountant
    options.neighbors = neighbors
    options.subsampling = s.subsampling
    options.projectionSeed = s.projectionSeedSource == "user" ? seed : nil
    options.acceptDataDerivedSchema = s.acceptDataDerivedSchema
    options.marginals = try MarginalSelection(parsing: s.marginals)
    options.aggregateShare = s.aggregateShare
    options.marginalBins = s.marginalBins
    options.pairBins = s.pairBins
    if let split = s.pairSelectionSplit {
      guard split.count == 3 else { throw refuse("pairSelectionSplit must hold 3 fractions") }
      options.pairSelectionSplit = PairSelectionSplit(
        oneWay: split[0], selection: split[1], twoWay: split[2])
    }
    options.selectionRounds = s.rounds
    guard
      let mechanism = SelectionMechanism(
        rawValue: s.selectionMechanism ?? SelectionMechanism.gaussian.rawValue)
    else {
      throw refuse("selectionMechanism must be auto, gaussian or exponential")
    }
    options.selectionMechanism = mechanism
    do {
      try options.validate()
      try options.validate(encodedWidth: Encoding(schema: s.schema).width)
      try options.validate(rows: s.rows)
    } catch {
      throw refuse("\(error)")
    }
    if s.schema.dataDerived && !s.acceptDataDerivedSchema {
      throw refuse("its schema was drafted from the data and acceptDataDerivedSchema is false")
    }
    let plan = try ReleasePlan(schema: s.schema, options: options)
    let calibration = try Self.calibrate(plan: plan, delta: s.delta, seed: seed)
    // σ re-derived must be the stored σ to the root finder's precision (ShardSettings.swift
    // explains the tolerance); a smaller stored σ would be a weaker release than stated.
    guard s.sigma.isFinite,
      abs(s.sigma - calibration.sigma) <= ShardSettings.sigmaTolerance * calibration.sigma
    else {
      throw refuse(
        "sigma is \(s.sigma), but its settings calibrate σ = \(calibration.sigma) (a modified "
          + "file, or a template from another slicegen version: make it again)")
    }
    schema = s.schema
    self.options = options
    self.seed = seed
    delta = s.delta
    rows = s.rows
    partitions = s.partitions
    self.data = data
    var hasher = SHA256()
    data.withUnsafeBytes { hasher.update($0) }
    checksum = SHA256.hexText(hasher.finalize())
    self.plan = plan
    self.calibration = calibration
  }

  /// σ as `release` calibrates it: from the settings alone, with U itself when the user fixed
  /// its seed (the analytic Gaussian bound needs ‖U‖₂).
  static func calibrate(plan: ReleasePlan, delta: Double, seed: UInt64) throws
    -> ReleaseCalibration
  {
    try plan.calibrate(
      delta: delta,
      directions: plan.options.projectionSeed.map { _ in
        SlicingMechanism.directions(
          encodedWidth: plan.encoding.width, projectionCount: plan.projectionCount, seed: seed)
      })
  }

  /// Writes the template atomically.
  public func write(to path: String) throws {
    let file = try AtomicOutputFile(path: path)
    try data.withUnsafeBytes { try file.write($0) }
    try file.commit()
  }

}
