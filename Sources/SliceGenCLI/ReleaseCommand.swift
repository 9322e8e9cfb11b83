// `slicegen release`: the only command that reads private data and spends privacy budget.

import Foundation
import SliceGen

enum ReleaseCommand: Command {
  static let spec = CommandSpec(
    name: "release",
    abstract: "Release noisy random projections of a private CSV (spends the privacy budget).",
    positionals: [("csv", "The private table (CSV with a header row).", true)],
    options: [
      OptionSpec(name: "schema", valueName: "path",
                 help: "The table's public domain (JSON, see Docs/schema.md). Without it the "
                   + "domain is discovered under differential privacy (see --discovery-budget)."),
      OptionSpec(name: "epsilon", valueName: "ε",
                 help: "Privacy parameter ε, in (0, 1000]. Required (except with --like)."),
      OptionSpec(name: "delta", valueName: "δ",
                 help: "Privacy parameter δ, below 1/n and at least 1e-20.",
                 defaultText: "the largest power of ten at most 1/(10n)"),
      OptionSpec(name: "slices", valueName: "m", help: "Number of slices m.", defaultText: "100"),
      OptionSpec(name: "slice-dim", valueName: "k", help: "Dimension k of each slice.",
                 defaultText: "2"),
      OptionSpec(name: "accountant", valueName: "profile|theorem1",
                 help: "profile: the exact privacy profile (tightest); theorem1: the paper's "
                   + "Theorem 1, for reproduction.", defaultText: "profile"),
      OptionSpec(name: "neighbors", valueName: "replace-one|zero-out",
                 help: "The neighbouring relation the guarantee is stated for.",
                 defaultText: "replace-one"),
      OptionSpec(name: "subsample", valueName: "q",
                 help: "Poisson-subsample rows at rate q in (0, 1) before the release."),
      OptionSpec(name: "projection-seed", valueName: "S",
                 help: "Fix the seed of the projections U (for reproduction). U is then known "
                   + "in advance and the release is accounted as a Gaussian mechanism with "
                   + "sensitivity ‖U‖₂: more noise for the same (ε, δ)."),
      OptionSpec(name: "marginals", valueName: "auto|none|one-way|all-pairs|tree|select:K|a:b,c:d",
                 help: "Also publish Gaussian noisy marginals over public bins: every 1-way "
                   + "marginal, and every 2-way one (all-pairs), the listed pairs, or pairs "
                   + "chosen privately from noisy scores (tree: a maximum spanning tree; "
                   + "select:K: the K highest; auto: select:3c for c ≤ 15 columns, tree for "
                   + "wider tables, 1-way only when a table is too wide to score its pairs; the "
                   + "best measured). They share the budget with the projections under one exact "
                   + "accountant. none is the paper's mechanism alone, and the only mode "
                   + "--subsample supports. Shards (--like) copy the first release's tables. "
                   + "See Docs/pair-selection.md.",
                 defaultText: "auto"),
      OptionSpec(name: "aggregate-share", valueName: "fraction",
                 help: "Share of the expected μ² given to the marginals (declared in advance, never "
                   + "tuned on the private table).", defaultText: "0.9"),
      OptionSpec(name: "marginal-bins", valueName: "B",
                 help: "Public bins of a numeric column in the marginals: one per value for "
                   + "integer columns with at most B values, otherwise a bin for the lower bound "
                   + "and B equal-width bins (from the schema alone).",
                 defaultText: "\(ReleaseOptions(epsilon: 1).marginalBins)"),
      OptionSpec(name: "pair-bins", valueName: "B",
                 help: "In 2-way marginals, a numeric column with more than B + 1 bins (besides "
                   + "its missing bin) is counted on coarser public bins: its lower-bound bin "
                   + "alone, at most B groups of its other bins (contiguous, nearly equal widths) "
                   + "and its missing bin. 1-way marginals keep every bin. Fewer cells: less "
                   + "noise relative to each table. See Docs/pair-selection.md.",
                 defaultText: "\(ReleaseOptions.defaultPairBins)"),
      OptionSpec(name: "target", valueName: "column",
                 help: "The column users will predict (a kept column); overrides the schema's "
                   + "\"target\" and is stored in the release's schema. Without --schema, "
                   + "discovery gives it a larger share of the budget and fails, rather than "
                   + "letting the catch-all category take one of its classes."),
      OptionSpec(name: "discovery-budget", valueName: "f",
                 help: "Without --schema: the fraction f in (0, 1) of ε and δ spent discovering "
                   + "the domain privately (types, bounds, categories); the release gets the rest. "
                   + "The discovered schema is written to <output>.schema.json.",
                 defaultText: "\(Releaser.defaultDiscoveryFraction)"),
      OptionSpec(name: "like", valueName: "first.slg",
                 help: "Release a shard: U (its seed), schema, σ, slicing, relation and accountant "
                   + "are copied from a first release, so shards can be merged ('slicegen merge'). "
                   + "Takes no privacy options. See Docs/shards.md."),
      OptionSpec(name: "accept-data-derived-schema", valueName: nil,
                 help: "Release with a schema drafted from the data; the release then states "
                   + "that the domain is not protected."),
      OptionSpec(name: "show-exact-counts", valueName: nil,
                 help: "Print, per column, how many values were clamped into the declared bounds "
                   + "or mapped to the catch-all category. These counts are exact and NOT "
                   + "private (never in the release): for the data owner's eyes only."),
      OptionSpec(name: "output", valueName: "path", help: "The release file to write.",
                 defaultText: "release.slg"),
      OptionSpec(name: "quiet", valueName: nil, help: "Print nothing but errors."),
    ],
    discussion: """
      Example:
        slicegen release samples/adult/train.csv --schema samples/adult/schema.json \\
          --epsilon 1 --delta 1e-5 --output adult.slg
      The release file holds U, the noisy projections O = XU + V, the schema and the privacy
      statement. Everything after it ('fit', 'sample') costs no privacy. See Docs/privacy.md.
      Without --schema, a share of the budget discovers the domain (Docs/privacy.md):
        slicegen release private.csv --epsilon 4 -o r.slg    # also writes r.slg.schema.json
      Shards of a table too large for one machine, or held by several parties:
        slicegen release part1.csv --epsilon 4 --delta 1e-9 -o part1.slg
        slicegen release part2.csv --like part1.slg -o part2.slg
        slicegen merge part1.slg part2.slg -o all.slg
      """)

  static func run(_ arguments: Arguments) throws {
    Console.quiet = arguments.flag("quiet")
    let csv = arguments.positional(0)!
    if let first = arguments.string("like") {
      try runShard(arguments, csv: csv, first: first)
      return
    }
    let schemaPath = arguments.string("schema")
    var discoveryFraction = Releaser.defaultDiscoveryFraction
    if let f = try arguments.double("discovery-budget") {
      guard schemaPath == nil else {
        throw UsageError(message: "--discovery-budget applies only without --schema (with a "
          + "schema nothing is spent on discovery)")
      }
      guard f.isFinite, f > 0, f < 1 else {
        throw UsageError(message: "--discovery-budget is \(f), must be in (0, 1): the fraction "
          + "of ε and δ spent discovering the domain (the release gets the rest)")
      }
      discoveryFraction = f
    }
    guard let epsilon = try arguments.double("epsilon") else {
      throw UsageError(message: "--epsilon is required (for example --epsilon 1)")
    }
    var options = ReleaseOptions(epsilon: epsilon)
    do {
      try PrivacyValidation.epsilon(epsilon)
      if let delta = try arguments.double("delta") {
        try PrivacyValidation.delta(delta)
        options.delta = delta
      }
    } catch let error as PrivacyParameterError {
      throw UsageError(message: error.description)
    }
    options.slices = try arguments.int("slices", range: 1...100_000) ?? 100
    options.sliceDim = try arguments.int("slice-dim", range: 1...10_000) ?? 2
    if let accountant = try arguments.choice("accountant", ["profile", "theorem1"]) {
      options.accountant = SlicingAccountantKind(rawValue: accountant)!
    }
    if let relation = try arguments.choice("neighbors", ["replace-one", "zero-out"]) {
      options.neighbors = NeighbouringRelation(rawValue: relation)!
    }
    if let q = try arguments.double("subsample") {
      guard q.isFinite, q > 0, q < 1 else {
        throw UsageError(message: "--subsample is \(q), must be in (0, 1)")
      }
      options.subsampling = q
    }
    if let seedText = arguments.string("projection-seed") {
      guard let seed = UInt64(seedText) else {
        throw UsageError(message: "--projection-seed is '\(seedText)', must be a whole number "
          + "from 0 to \(UInt64.max)")
      }
      options.projectionSeed = seed
    }
    options.acceptDataDerivedSchema = arguments.flag("accept-data-derived-schema")
    if let text = arguments.string("marginals") {
      do { options.marginals = try MarginalSelection(parsing: text) } catch let error as ReleaseError {
        throw UsageError(message: error.message)
      }
    }
    if let share = try arguments.double("aggregate-share") {
      guard share > 0, share < 1 else {
        throw UsageError(message: "--aggregate-share is \(share), must be in (0, 1)")
      }
      options.aggregateShare = share
    }
    options.marginalBins = try arguments.int("marginal-bins", range: 2...4096) ?? options.marginalBins
    options.pairBins = try arguments.int("pair-bins", range: 1...4096) ?? options.pairBins
    options.insecureTestNoiseSeed = try insecureTestNoiseSeed()
    let output = arguments.string("output") ?? "release.slg"
    let progress = ProgressLine()
    let update = { (rows: Int) in
      progress.update("release: \(rows) rows read (\(Int(Double(rows) / max(progress.elapsed, 1e-3))) rows/s)")
    }
    let report: ReleaseReport
    let target = arguments.string("target")
    if let schemaPath {
      try OutputPath.refuse(output, ifAnyOf: [csv, schemaPath])
      var schema = try Schema(contentsOf: schemaPath)
      if let target {
        do { schema = try schema.withTarget(target) } catch let error as SchemaError {
          throw UsageError(message: "--target: \(error)")
        }
      }
      report = try Releaser.release(
        csvPath: csv, schema: schema, options: options, outputPath: output, progress: update)
    } else {
      guard options.neighbors == .replaceOne else {
        throw UsageError(message: "--neighbors zero-out needs a --schema: zero-out is a relation "
          + "on encoded rows, and discovery reads raw rows (it is stated under replace-one)")
      }
      guard !options.acceptDataDerivedSchema else {
        throw UsageError(message: "--accept-data-derived-schema applies only with --schema")
      }
      let schemaOutput = output + ".schema.json"
      let result = try Releaser.releaseDiscoveringSchema(
        csvPath: csv, options: options, discoveryFraction: discoveryFraction,
        outputPath: output, schemaOutputPath: schemaOutput, target: target, progress: update)
      report = result.report
      progress.finish()
      let c = result.discovery.calibration
      func g(_ x: Double) -> String { String(format: "%.4g", x) }
      let targetNote = c.target.map { t in
        "; the target \(target ?? "") gets σ₂ = \(g(t.secondRoundSigma)), threshold "
          + "\(Int(t.selectionThreshold.rounded(.up))) rows"
      } ?? ""
      Console.info(
        "Discovered the domain under differential privacy (ε = \(g(c.epsilon)), "
          + "δ = \(String(format: "%.3g", c.delta)), replace-one; σ₁ = \(g(c.firstRoundSigma)), "
          + "σ₂ = \(g(c.secondRoundSigma)); a category needs a noisy count above "
          + "\(Int(c.selectionThreshold.rounded(.up))) rows\(targetNote)). Wrote \(schemaOutput); "
          + "review it, and reuse it with --schema:")
      for column in result.discovery.columns {
        Console.info("  \(column.name): \(column.summary)")
      }
    }
    progress.finish()
    try printReport(
      report, output: output, showExactCounts: arguments.flag("show-exact-counts"))
  }

  /// `release part.csv --like first.slg`: a shard with everything copied from the first release.
  static func runShard(_ arguments: Arguments, csv: String, first: String) throws {
    let copied = ["schema", "epsilon", "delta", "slices", "slice-dim", "accountant", "neighbors",
                  "subsample", "projection-seed", "marginals", "aggregate-share",
                  "marginal-bins", "pair-bins", "discovery-budget", "target"]
    if let given = copied.first(where: { arguments.string($0) != nil }) {
      throw UsageError(message: "--\(given) cannot be combined with --like: a shard copies U, "
        + "the schema, σ and every privacy setting from \(first)")
    }
    if arguments.flag("accept-data-derived-schema") {
      throw UsageError(message: "--accept-data-derived-schema cannot be combined with --like")
    }
    let template = try ReleaseTemplate(firstReleaseAt: first)
    var options = template.options
    options.insecureTestNoiseSeed = try insecureTestNoiseSeed()
    let output = arguments.string("output") ?? "release.slg"
    let progress = ProgressLine()
    let report = try Releaser.release(
      csvPath: csv, schema: template.header.schema, options: options, outputPath: output
    ) { rows in
      progress.update("release: \(rows) rows read (\(Int(Double(rows) / max(progress.elapsed, 1e-3))) rows/s)")
    }
    progress.finish()
    try printReport(
      report, output: output, showExactCounts: arguments.flag("show-exact-counts"))
  }

  /// SLICEGEN_INSECURE_TEST_NOISE_SEED, when set: a whole number, or a usage error (a value
  /// that is not one must not fall back to secure noise after the warning said otherwise).
  static func insecureTestNoiseSeed() throws -> UInt64? {
    let name = "SLICEGEN_INSECURE_TEST_NOISE_SEED"
    guard let text = ProcessInfo.processInfo.environment[name] else { return nil }
    guard let seed = UInt64(text) else {
      throw UsageError(message: "\(name) is '\(ValueText.quoted(text))', must be a whole number "
        + "from 0 to \(UInt64.max) (it makes reproducible test noise: the release is then "
        + "labelled NOT private); unset it for a private release")
    }
    Console.error("WARNING: \(name) is set: reproducible test noise; the release will be "
      + "labelled NOT private.")
    return seed
  }

  static func printReport(
    _ report: ReleaseReport, output: String, showExactCounts: Bool
  ) throws {
    let h = report.header
    Console.info(
      "Wrote \(output): \(h.rows) rows × \(h.projections) projections (m = \(h.slices), "
        + "k = \(h.sliceDim)), d = \(h.encodedWidth), σ = \(String(format: "%.4g", h.sigma)), "
        + "s = \(String(format: "%.4g", h.noiseScale)) in \(String(format: "%.2f", report.seconds)) s.")
    for note in report.notes { Console.info("Note: " + note) }
    Console.info("Method: " + (h.marginals == nil
      ? "the paper's slicing mechanism alone (release method \"slicing\", --marginals none)"
      : "slicing projections plus Gaussian noisy marginals under one exact budget (release "
        + "method \"slicing+marginals\"; --marginals none runs the paper's mechanism alone)"))
    Console.info("Privacy: " + h.privacy.statement)
    // Exact counts of the private table, NOT private: shown only on request. Even which columns
    // had such values depends on the data, so the default says nothing about them.
    guard showExactCounts else {
      Console.info("Counts of values clamped into the bounds or mapped to a catch-all category "
        + "are not shown (exact, NOT private): --show-exact-counts prints them.")
      return
    }
    Console.info("Exact counts, NOT private (for your eyes only; not in the release):")
    Console.info("  clamped into the declared bounds: "
      + (report.clamped.isEmpty ? "none"
        : report.clamped.map { "\($0.column) \($0.count)" }.joined(separator: ", ")))
    Console.info("  mapped to the catch-all category: "
      + (report.catchAll.isEmpty ? "none"
        : report.catchAll.map { "\($0.column) \($0.count)" }.joined(separator: ", ")))
  }
}
