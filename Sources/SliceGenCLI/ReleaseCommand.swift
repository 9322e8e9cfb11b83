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
                 help: "The table's public domain (JSON, see Docs/schema.md). Required."),
      OptionSpec(name: "epsilon", valueName: "ε", help: "Privacy parameter ε > 0. Required."),
      OptionSpec(name: "delta", valueName: "δ",
                 help: "Privacy parameter δ, below 1/n.",
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
      OptionSpec(name: "marginals", valueName: "none|one-way|all-pairs|tree|select:K|a:b,c:d",
                 help: "Also publish Gaussian noisy marginals over public bins: every 1-way "
                   + "marginal, and every 2-way one (all-pairs), the listed pairs, or pairs "
                   + "chosen privately from noisy scores (tree: a maximum spanning tree; "
                   + "select:K: the K highest). They share the budget with the projections "
                   + "under one exact accountant. See Docs/pair-selection.md.",
                 defaultText: "none"),
      OptionSpec(name: "aggregate-share", valueName: "fraction",
                 help: "Share of the expected μ² given to the marginals (declared in advance, never "
                   + "tuned on the private table).", defaultText: "0.9"),
      OptionSpec(name: "accept-data-derived-schema", valueName: nil,
                 help: "Release with a schema drafted from the data; the release then states "
                   + "that the domain is not protected."),
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
      """)

  static func run(_ arguments: Arguments) throws {
    Console.quiet = arguments.flag("quiet")
    let csv = arguments.positional(0)!
    guard let schemaPath = arguments.string("schema") else {
      throw UsageError(message: """
        --schema is required: slicegen reads bounds and categories from a schema, never from the \
        private data. Either write one from public knowledge (Docs/schema.md; \
        samples/adult/schema.json is an example), or draft one with \
        'slicegen schema \(csv) --output schema.json', review it, and pass --schema schema.json \
        (a drafted schema needs --accept-data-derived-schema, because it is read from the data)
        """)
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
    if let testSeed = ProcessInfo.processInfo.environment["SLICEGEN_INSECURE_TEST_NOISE_SEED"] {
      options.insecureTestNoiseSeed = UInt64(testSeed)
      Console.error("WARNING: SLICEGEN_INSECURE_TEST_NOISE_SEED is set: reproducible test noise; "
        + "the release will be labelled NOT private.")
    }
    let output = arguments.string("output") ?? "release.slg"
    let schema = try Schema(contentsOf: schemaPath)

    let progress = ProgressLine()
    let report = try Releaser.release(
      csvPath: csv, schema: schema, options: options, outputPath: output
    ) { rows in
      progress.update("release: \(rows) rows read (\(Int(Double(rows) / max(progress.elapsed, 1e-3))) rows/s)")
    }
    progress.finish()
    let h = report.header
    Console.info(
      "Wrote \(output): \(h.rows) rows × \(h.projections) projections (m = \(h.slices), "
        + "k = \(h.sliceDim)), d = \(h.encodedWidth), σ = \(String(format: "%.4g", h.sigma)), "
        + "s = \(String(format: "%.4g", h.noiseScale)) in \(String(format: "%.2f", report.seconds)) s.")
    Console.info("Privacy: " + h.privacy.statement)
    if !report.clamped.isEmpty {
      Console.info("Clamped into the declared bounds (for your eyes only; not in the release): "
        + report.clamped.map { "\($0.column) \($0.count)" }.joined(separator: ", "))
    }
    if !report.catchAll.isEmpty {
      Console.info("Mapped to the catch-all category (not in the release): "
        + report.catchAll.map { "\($0.column) \($0.count)" }.joined(separator: ", "))
    }
  }
}
