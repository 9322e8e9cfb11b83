// `release` without a schema: private domain discovery (SchemaDiscovery) on a declared share of
// the budget, then the ordinary release on the rest, with the discovered schema.
//
// Composition. Discovery is (ε_d, δ_d)-DP under replace-one (DiscoveryMechanism.swift); the
// release, given any schema, is (ε_r, δ_r)-DP under replace-one (its encoded rows differ by at
// most 1 whatever the schema). The release is chosen from discovery's output (its schema, d, σ),
// and basic sequential composition holds adaptively (Dwork, Roth 2014, Thm. 3.16), so the pair
// is (ε_d + ε_r, δ_d + δ_r)-DP. With a fraction f: ε_d = f·ε, δ_d = f·δ, and ε_r, δ_r are the rest,
// rounded down so that ε_d + ε_r ≤ ε and δ_d + δ_r ≤ δ in floating point.

import Foundation
import SliceGenPrivacy

extension Releaser {
  /// The default share f of ε and δ spent on discovery: measured at ε = 1 on Adult and Caravan
  /// (Docs/discovery.md), where 0.4 came within 0.03 of a given schema's quality on both and
  /// 0.1 lost whole columns to the catch-all and the clamp.
  public static let defaultDiscoveryFraction = 0.4

  /// The largest x with `spent + x ≤ total` in floating point.
  static func remainder(of total: Double, after spent: Double) -> Double {
    var rest = total - spent
    while spent + rest > total { rest = rest.nextDown }
    return rest
  }

  /// Discovers the schema of `csvPath` privately, then releases with it. The schema is written
  /// to `schemaOutputPath` when the release succeeds (both files appear, or neither); when
  /// discovery itself fails (`SchemaDiscoveryError`, its budget spent), the columns it did
  /// discover are written there, the failed ones dropped and noted, and no release.
  ///
  /// ## Privacy
  /// The pair (schema, release) satisfies (options.epsilon, δ)-DP under replace-one, δ the given
  /// or default δ; the header lists both spends. Tests: SchemaDiscoveryTests, ReleaseCommandTests.
  public static func releaseDiscoveringSchema(
    csvPath: String, options: ReleaseOptions, discoveryFraction f: Double, outputPath: String,
    schemaOutputPath: String, target: String? = nil, progress: (Int) -> Void = { _ in }
  ) throws -> (report: ReleaseReport, discovery: SchemaDiscoveryResult) {
    try OutputPath.refuse(outputPath, ifAnyOf: [csvPath])
    try OutputPath.refuse(schemaOutputPath, ifAnyOf: [csvPath, outputPath])
    try ReleaseOptions.validate(discoveryFraction: f)
    try options.validate()
    guard options.neighbors == .replaceOne else {
      throw OptionError(
        option: "neighbors", value: nil,
        rule: "zero-out needs a --schema: zero-out is a relation on encoded rows, and discovery "
          + "reads raw rows (it is stated under replace-one)")
    }
    guard !options.acceptDataDerivedSchema else {
      throw OptionError(
        option: "accept-data-derived-schema", value: nil,
        rule: "applies only "
          + "with --schema (a discovered domain is private; no schema is drafted from the data)")
    }
    precondition(options.template == nil, "a shard copies its schema; it never discovers one")
    // Open the schema output first, so a path that cannot be written fails before any spend.
    let schemaFile = try AtomicOutputFile(path: schemaOutputPath)
    var totalDelta = 0.0
    let discovery: SchemaDiscoveryResult
    do {
      discovery = try SchemaDiscovery.discover(
        csvPath: csvPath,
        budget: { n in
          totalDelta = options.delta ?? ReleaseOptions.defaultDelta(rows: n)
          try options.validate(rows: n)
          return (f * options.epsilon, f * totalDelta)
        }, fraction: f, target: target, insecureTestNoiseSeed: options.insecureTestNoiseSeed,
        progress: progress)
    } catch var error as SchemaDiscoveryError {
      // The budget is spent: keep what was discovered, so that a schema finished by hand can be
      // released without a new discovery.
      if let partial = error.partialSchema {
        try schemaFile.write(Array(partial.jsonData()))
        try schemaFile.commit()
        error.partialSchemaPath = schemaOutputPath
      }
      throw error
    }
    let c = discovery.calibration
    var releaseOptions = options
    releaseOptions.epsilon = remainder(of: options.epsilon, after: c.epsilon)
    releaseOptions.delta = remainder(of: totalDelta, after: c.delta)
    releaseOptions.discoverySpend = DiscoverySpend(
      fraction: f, epsilon: c.epsilon, delta: c.delta, spentDelta: c.spentDelta(epsilon: c.epsilon),
      releaseEpsilon: releaseOptions.epsilon, releaseDelta: releaseOptions.delta!,
      typeSigma: c.firstRoundSigma, valueSigma: c.secondRoundSigma,
      selectionThreshold: c.selectionThreshold, columns: c.columns, target: target,
      targetValueSigma: c.target?.secondRoundSigma,
      targetSelectionThreshold: c.target?.selectionThreshold)
    let report = try release(
      csvPath: csvPath, schema: discovery.schema, options: releaseOptions, outputPath: outputPath,
      progress: progress)
    try schemaFile.write(Array(discovery.schema.jsonData()))
    try schemaFile.commit()
    return (report, discovery)
  }
}
