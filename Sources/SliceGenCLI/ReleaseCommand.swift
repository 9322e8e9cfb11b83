// `slicegen release`: the only command that reads private data and spends privacy budget.

import Foundation
import SliceGen

enum ReleaseCommand: Command {
  /// The options, each declared once: the help shows them in `spec`'s order.
  enum Options {
    static let schema = Option<String>(
      "schema", value: "path",
      help: "The table's public domain (JSON, see Docs/schema.md). Without it the domain is "
        + "discovered under differential privacy (see --discovery-budget).")
    static let epsilon = Option<Double>.number(
      "epsilon", value: "ε",
      help: "Privacy parameter ε, in (0, 1000]. Required (except with --like).")
    static let delta = Option<Double>.number(
      "delta", value: "δ", help: "Privacy parameter δ, below 1/n and at least 1e-20.",
      defaultText: "the largest power of ten at most 1/(10n)")
    static let mechanism = Option<ReleaseMethod>.choice(
      "mechanism",
      help: "What to release. slicing+marginals: the noisy projections with Gaussian noisy "
        + "marginals under one exact budget (--marginals picks them); slicing: the paper's "
        + "mechanism alone (the same as --marginals none); merf: DP-MERF (Harder et al. 2021), one "
        + "Gaussian noisy sum of random Fourier features of the encoded rows, class-conditional "
        + "when the schema or --target names a categorical target, and no projections "
        + "(Docs/merf.md; takes --features, not the slicing options).",
      defaultText: "slicing+marginals (slicing with --marginals none)")
    static let features = Option<Int>.wholeNumber(
      "features", value: "D",
      help: "With --mechanism merf: the number D of random frequencies (2D features per class).",
      defaultText: "\(MERFFeatures.defaultFrequencies)", range: MERFFeatures.frequencyRange)
    static let lengthScale = Option<Double>.number(
      "length-scale", value: "ℓ",
      help: "With --mechanism merf: the Gaussian kernel's length scale ℓ, a public choice stored "
        + "in the release (encoded rows lie in the unit ball).",
      defaultText: "from the schema (Docs/merf.md)")
    static let slices = Option<Int>.wholeNumber(
      "slices", value: "m", help: "Number of slices m.", defaultText: "100",
      range: ReleaseOptions.slicesRange)
    static let sliceDim = Option<Int>.wholeNumber(
      "slice-dim", value: "k", help: "Dimension k of each slice.", defaultText: "2",
      range: ReleaseOptions.sliceDimRange)
    static let accountant = Option<SlicingAccountantKind>.choice(
      "accountant",
      help: "profile: the exact privacy profile (tightest); theorem1: the paper's Theorem 1, for "
        + "reproduction.", defaultText: "profile")
    static let neighbors = Option<NeighbouringRelation>.choice(
      "neighbors", help: "The neighbouring relation the guarantee is stated for.",
      defaultText: "replace-one")
    static let subsample = Option<Double>.number(
      "subsample", value: "q",
      help: "Poisson-subsample rows at rate q in (0, 1) before the release.")
    static let projectionSeed = Option<UInt64>.seed(
      "projection-seed",
      help: "Fix the seed of the projections U (for reproduction). U is then known in advance and "
        + "the release is accounted as a Gaussian mechanism with sensitivity ‖U‖₂: more noise for "
        + "the same (ε, δ).")
    static let marginals = Option<MarginalSelection>(
      "marginals", value: "auto|none|one-way|all-pairs|tree|select:K|target|a:b,c:d",
      help: "Also publish Gaussian noisy marginals over public bins: every 1-way marginal, and "
        + "every 2-way one (all-pairs), the listed pairs, the schema's target with every other "
        + "column (target: public, what a classifier of the target needs), or pairs chosen "
        + "privately from noisy scores (tree: a maximum spanning tree; select:K: the K highest). "
        + "auto: target on labelled images (slicegen schema --image), else select:3c for c ≤ 15 "
        + "columns, tree for wider tables, and on a table too wide to score its pairs 1-way plus "
        + "the target's pairs (1-way only without a target); the best measured. They share the "
        + "budget with the projections under one "
        + "exact accountant. none is the paper's mechanism alone, and the only mode --subsample "
        + "supports. Shards (--like) copy the first release's tables. See Docs/pair-selection.md.",
      defaultText: "auto", parse: marginalSelection)
    static let aggregateShare = Option<Double>.number(
      "aggregate-share", value: "fraction",
      help: "Share of the expected μ² given to the marginals (declared in advance, never tuned on "
        + "the private table).", defaultText: "0.9")
    static let pairSelectionSplit = Option<PairSelectionSplit?>(
      "pair-selection-split", value: "auto|a,b,c",
      help: "With --marginals tree or select:K (auto included): the fractions of the marginals' "
        + "μ² given to the 1-way marginals, the selection scores and the chosen 2-way marginals, "
        + "positive and summing to 1 (declared in advance, never tuned on the private table). "
        + "auto: \(split(.standard)), or \(split(.wide)) where the scores' largest noise "
        + "would exceed a tenth of the public number of rows (wide tables of few rows), from "
        + "public facts only. See Docs/pair-selection.md.",
      defaultText: "auto",
      rule: "must be auto or three positive fractions summing to 1, like 0.4,0.1,0.5"
    ) { text in
      if text == "auto" { return .some(nil) }
      let values = text.split(separator: ",", omittingEmptySubsequences: false).map { Double($0) }
      guard values.count == 3, values.allSatisfy({ $0 != nil }) else { return nil }
      let split = PairSelectionSplit(oneWay: values[0]!, selection: values[1]!, twoWay: values[2]!)
      return split.isValid ? .some(split) : nil
    }
    static func split(_ s: PairSelectionSplit) -> String {
      "\(s.oneWay),\(s.selection),\(s.twoWay)"
    }
    static let rounds = Option<Int>.wholeNumber(
      "rounds", value: "R",
      help: "With --marginals select:K (auto's select:3c included): pick the K pairs in R rounds. "
        + "The first scores every pair against the released 1-way marginals; each later round "
        + "scores the pairs not yet measured against the forest model of every table released "
        + "before it, and measures the ones it explains worst (AIM's loop). The selection "
        + "share is split evenly over the rounds; every 2-way table keeps its σ. See "
        + "Docs/pair-selection.md.", defaultText: "1", range: ReleaseOptions.selectionRoundsRange)
    static let selectionMechanism = Option<SelectionMechanism>.choice(
      "selection-mechanism",
      help: "With --marginals tree or select:K (auto included): how the pairs are picked "
        + "privately. gaussian: publish every pair's score with Gaussian noise (L2 sensitivity "
        + "2√P for P candidate pairs) and pick from the noisy scores; exponential: pick the k "
        + "pairs one at a time by the exponential mechanism, each pick accounted as a Gaussian "
        + "mechanism (cost grows with √k, not √P); auto: exponential with one round, gaussian "
        + "with --rounds R > 1. See Docs/pair-selection.md.", defaultText: "auto")
    static let marginalBins = Option<Int>.wholeNumber(
      "marginal-bins", value: "B",
      help: "Public bins of a numeric column in the marginals: one per value for integer columns "
        + "with at most B values, otherwise a bin for the lower bound and B equal-width bins "
        + "(from the schema alone).", defaultText: "\(ReleaseOptions(epsilon: 1).marginalBins)",
      range: ReleaseOptions.marginalBinsRange)
    /// `--pair-bins auto|B`.
    enum PairBins: CustomStringConvertible {
      case auto
      case bins(Int)
      var description: String {
        switch self {
        case .auto: "auto"
        case .bins(let b): "\(b)"
        }
      }
    }
    static let pairBins = Option<PairBins>(
      "pair-bins", value: "auto|B",
      help: "In 2-way marginals, a numeric column with more than B + 1 bins (besides its missing "
        + "bin) is counted on coarser public bins: its lower-bound bin alone, at most B groups of "
        + "its other bins (contiguous, nearly equal widths) and its missing bin. 1-way marginals "
        + "keep every bin. Fewer cells: less noise relative to each table. auto: the largest B "
        + "up to \(ReleaseOptions.defaultPairBins) whose (B + 1)² cells hold on average at least "
        + "twice the 2-way counts' σ (from the public number of rows and the calibration). See "
        + "Docs/pair-selection.md.", defaultText: "auto",
      rule: "must be auto or a whole number"
    ) { text in
      // The range is checked with the other options (`ReleaseOptions.validate`).
      if text == "auto" { return .auto }
      return Int(text).map(PairBins.bins)
    }
    static let target = Option<String>(
      "target", value: "column",
      help: "The column users will predict (a kept column); overrides the schema's \"target\" "
        + "and is stored in the release's schema. Without --schema, discovery gives it a larger "
        + "share of the budget and fails, rather than letting the catch-all category take one of "
        + "its classes.")
    static let discoveryBudget = Option<Double>.number(
      "discovery-budget", value: "f",
      help: "Without --schema: the fraction f in (0, 1) of ε and δ spent discovering the domain "
        + "privately (types, bounds, categories); the release gets the rest. The discovered "
        + "schema is written to <output>.schema.json.",
      defaultText: "\(Releaser.defaultDiscoveryFraction)")
    static let like = Option<String>(
      "like", value: "first.slg",
      help: "Release a shard: U (its seed), schema, σ, slicing, relation and accountant are "
        + "copied from a first release, so shards can be merged ('slicegen merge'). Takes no "
        + "privacy options. See Docs/shards.md.")
    static let template = Option<String>(
      "template", value: "t.json",
      help: "Release on one machine with a release template ('slicegen release-template'): its "
        + "schema, U, σ and every setting, the comparison for a partitioned release. Takes no "
        + "privacy options. See Docs/partitioned-release.md.")
    static let acceptDataDerivedSchema = Flag(
      "accept-data-derived-schema",
      help: "Release with a schema drafted from the data; the release then states that the "
        + "domain is not protected.")
    static let showExactCounts = Flag(
      "show-exact-counts",
      help: "Print, per column, how many values were clamped into the declared bounds or mapped "
        + "to the catch-all category. These counts are exact and NOT private (never in the "
        + "release): for the data owner's eyes only.")
    static let output = Option<String>.output(
      help: "The release file to write.", defaultText: "release.slg")
    static let quiet = Flag.quiet

    /// The options a shard (`--like`) copies from its first release, so refuses.
    static let copiedByShards: [any OptionDeclaration] = [
      schema, epsilon, delta, mechanism, features, lengthScale, slices, sliceDim, accountant,
      neighbors, subsample, projectionSeed,
      marginals, aggregateShare, pairSelectionSplit, rounds, selectionMechanism, marginalBins,
      pairBins, discoveryBudget,
      target,
      acceptDataDerivedSchema,
    ]

    /// The options only a slicing release takes, refused with `--mechanism merf`.
    static let slicingOnly: [any OptionDeclaration] = [
      slices, sliceDim, accountant, subsample, marginals, aggregateShare, pairSelectionSplit,
      rounds, selectionMechanism, marginalBins, pairBins, discoveryBudget, like,
    ]

    /// `--marginals`: the library's parser, its refusal a usage error.
    @Sendable static func marginalSelection(
      _ text: String
    ) throws(UsageError) -> MarginalSelection {
      do { return try MarginalSelection(parsing: text) } catch {
        throw UsageError(message: error.description)
      }
    }
  }

  static let spec = CommandSpec(
    name: "release",
    abstract: "Release noisy random projections of a private CSV (spends the privacy budget).",
    positionals: [
      Positional(name: "csv", help: "The private table (CSV with a header row).", required: true)
    ],
    options: [
      Options.schema, Options.epsilon, Options.delta, Options.mechanism, Options.features,
      Options.lengthScale, Options.slices, Options.sliceDim,
      Options.accountant, Options.neighbors, Options.subsample, Options.projectionSeed,
      Options.marginals, Options.aggregateShare, Options.pairSelectionSplit, Options.rounds,
      Options.selectionMechanism, Options.marginalBins, Options.pairBins,
      Options.target, Options.discoveryBudget, Options.like, Options.template,
      Options.acceptDataDerivedSchema, Options.showExactCounts, Options.output, Options.quiet,
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

  /// The release options given, checked by the library (`ReleaseOptions.validate()`).
  static func options(_ arguments: Arguments) throws -> ReleaseOptions {
    var options = try slicingOptions(arguments)
    try applyMechanism(arguments, to: &options)
    try options.validate()
    return options
  }

  /// The options of a slicing release (`release`, `release-template`), unchecked: ε and δ, the
  /// slicing, the relation and accountant, and the marginals.
  static func slicingOptions(_ arguments: Arguments) throws -> ReleaseOptions {
    let epsilon = try arguments.required(Options.epsilon, example: "--epsilon 1")
    var options = ReleaseOptions(epsilon: epsilon)
    options.delta = arguments[Options.delta]
    options.slices = arguments[Options.slices] ?? options.slices
    options.sliceDim = arguments[Options.sliceDim] ?? options.sliceDim
    options.accountant = arguments[Options.accountant] ?? options.accountant
    options.neighbors = arguments[Options.neighbors] ?? options.neighbors
    options.subsampling = arguments[Options.subsample]
    options.projectionSeed = arguments[Options.projectionSeed]
    options.acceptDataDerivedSchema = arguments[Options.acceptDataDerivedSchema]
    options.marginals = arguments[Options.marginals] ?? options.marginals
    options.aggregateShare = arguments[Options.aggregateShare] ?? options.aggregateShare
    options.pairSelectionSplit = arguments[Options.pairSelectionSplit] ?? options.pairSelectionSplit
    options.selectionRounds = arguments[Options.rounds] ?? options.selectionRounds
    options.selectionMechanism =
      arguments[Options.selectionMechanism] ?? options.selectionMechanism
    options.marginalBins = arguments[Options.marginalBins] ?? options.marginalBins
    if case .bins(let b) = arguments[Options.pairBins] { options.pairBins = b }
    return options
  }

  /// `--mechanism` and `--features`: merf refuses every slicing option, slicing is
  /// `--marginals none`, and a contradiction between --mechanism and --marginals is a usage error.
  static func applyMechanism(_ arguments: Arguments, to options: inout ReleaseOptions) throws {
    let mechanism = arguments[Options.mechanism]
    for option in [Options.features, Options.lengthScale] as [any OptionDeclaration]
    where mechanism != .merf && arguments.isGiven(option) {
      throw UsageError(message: "--\(option.info.name) applies only with --mechanism merf")
    }
    switch mechanism {
    case nil, .slicingAndMarginals?, .slicing?:
      try applySlicingMechanism(mechanism, arguments, to: &options)
    case .merf?:
      if let given = Options.slicingOnly.first(where: arguments.isGiven) {
        throw UsageError(
          message: "--\(given.info.name) applies only to a slicing release: --mechanism merf "
            + "releases one noisy sum of random Fourier features (options: --features, --length-scale, "
            + "--neighbors, --projection-seed for the frequencies' seed, --target; it needs "
            + "--schema)")
      }
      if !arguments.isGiven(Options.schema) {
        throw UsageError(
          message: "--mechanism merf needs --schema (private discovery of the domain is "
            + "composed with slicing releases only)")
      }
      options.marginals = .none
      options.merfFrequencies = arguments[Options.features] ?? MERFFeatures.defaultFrequencies
      options.merfLengthScale = arguments[Options.lengthScale]
    }
  }

  /// `--mechanism slicing` is `--marginals none`; `slicing+marginals` with `--marginals none`,
  /// and `slicing` with marginals, are usage errors (`release` and `release-template`).
  static func applySlicingMechanism(
    _ mechanism: ReleaseMethod?, _ arguments: Arguments, to options: inout ReleaseOptions
  ) throws {
    switch mechanism {
    case .slicingAndMarginals?:
      if options.marginals == .none {
        throw UsageError(
          message: "--mechanism slicing+marginals releases marginals, but --marginals is none "
            + "(use --mechanism slicing for the projections alone)")
      }
    case .slicing?:
      if arguments.isGiven(Options.marginals), options.marginals != .none {
        throw UsageError(
          message: "--mechanism slicing releases the projections alone, but --marginals is "
            + "\(options.marginals.text) (use --mechanism slicing+marginals)")
      }
      options.marginals = .none
    case nil, .merf?: break
    }
  }

  static func run(_ arguments: Arguments) throws {
    Console.quiet = arguments[Options.quiet]
    let csv = arguments.positionals[0]
    if let first = arguments[Options.like] {
      try runShard(arguments, csv: csv, first: first)
      return
    }
    if let template = arguments[Options.template] {
      try runTemplate(arguments, csv: csv, templatePath: template)
      return
    }
    let schemaPath = arguments[Options.schema]
    if schemaPath != nil, arguments.isGiven(Options.discoveryBudget) {
      throw UsageError(
        message: "--discovery-budget applies only without --schema (with a "
          + "schema nothing is spent on discovery)")
    }
    var options = try options(arguments)
    options.insecureTestNoiseSeed = try insecureTestNoiseSeed()
    let output = arguments[Options.output] ?? "release.slg"
    let progress = ProgressLine()
    let update = { (rows: Int) in
      progress.update(
        "release: \(rows) rows read (\(Int(Double(rows) / max(progress.elapsed, 1e-3))) rows/s)")
    }
    let report: ReleaseReport
    let target = arguments[Options.target]
    if let schemaPath {
      try OutputPath.refuse(output, ifAnyOf: [csv, schemaPath])
      var schema = try Schema(contentsOf: schemaPath)
      if let target { schema = try schema.withTarget(target) }
      report = try Releaser.release(
        csvPath: csv, schema: schema, options: options, outputPath: output, progress: update)
    } else {
      let schemaOutput = output + ".schema.json"
      let result = try Releaser.releaseDiscoveringSchema(
        csvPath: csv, options: options,
        discoveryFraction: arguments[Options.discoveryBudget] ?? Releaser.defaultDiscoveryFraction,
        outputPath: output, schemaOutputPath: schemaOutput, target: target, progress: update)
      report = result.report
      progress.finish()
      let c = result.discovery.calibration
      func g(_ x: Double) -> String { String(format: "%.4g", x) }
      let targetNote =
        c.target.map { t in
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
    try printReport(report, output: output, showExactCounts: arguments[Options.showExactCounts])
    for note in unusedSelectionOptions(arguments, header: report.header) {
      Console.info("Note: " + note)
    }
  }

  /// The options of private pair selection that were given but had nothing to act on: the
  /// release (its resolved `--marginals`) picked no pairs privately.
  static func unusedSelectionOptions(_ arguments: Arguments, header: ReleaseHeader) -> [String] {
    guard header.merf == nil, header.pairSelection == nil else { return [] }
    let options: [any OptionDeclaration] = [Options.pairSelectionSplit, Options.selectionMechanism]
    return options.filter(arguments.isGiven).map { option in
      "--\(option.info.name) had no effect: the release picked no pairs privately (its "
        + "--marginals resolved to fixed tables or none); it applies to --marginals tree and "
        + "select:K"
    }
  }

  /// `release part.csv --like first.slg`: a shard with everything copied from the first release.
  static func runShard(_ arguments: Arguments, csv: String, first: String) throws {
    if let given = Options.copiedByShards.first(where: arguments.isGiven) {
      throw UsageError(
        message: "--\(given.info.name) cannot be combined with --like: a shard "
          + "copies U, the schema, σ and every privacy setting from \(first)")
    }
    let template = try ReleaseTemplate(firstReleaseAt: first)
    var options = template.options
    options.insecureTestNoiseSeed = try insecureTestNoiseSeed()
    let output = arguments[Options.output] ?? "release.slg"
    let progress = ProgressLine()
    let report = try Releaser.release(
      csvPath: csv, schema: template.header.schema, options: options, outputPath: output
    ) { rows in
      progress.update(
        "release: \(rows) rows read (\(Int(Double(rows) / max(progress.elapsed, 1e-3))) rows/s)")
    }
    progress.finish()
    try printReport(report, output: output, showExactCounts: arguments[Options.showExactCounts])
  }

  /// `release data.csv --template t.json`: the single-machine release of a template.
  static func runTemplate(_ arguments: Arguments, csv: String, templatePath: String) throws {
    if let given = (Options.copiedByShards + [Options.like]).first(where: arguments.isGiven) {
      throw UsageError(
        message: "--\(given.info.name) cannot be combined with --template: the release takes "
          + "its schema, U, σ and every privacy setting from \(templatePath)")
    }
    let template = try PartitionTemplate(contentsOf: templatePath)
    let noiseSeed = try insecureTestNoiseSeed()
    let output = arguments[Options.output] ?? "release.slg"
    let progress = ProgressLine()
    let report = try PartitionedRelease.release(
      csvPath: csv, template: template, templatePath: templatePath, outputPath: output,
      insecureTestNoiseSeed: noiseSeed
    ) { rows in
      progress.update(
        "release: \(rows) rows read (\(Int(Double(rows) / max(progress.elapsed, 1e-3))) rows/s)")
    }
    progress.finish()
    try printReport(report, output: output, showExactCounts: arguments[Options.showExactCounts])
  }

  /// SLICEGEN_INSECURE_TEST_NOISE_SEED, when set: a whole number, or a usage error (a value
  /// that is not one must not fall back to secure noise after the warning said otherwise).
  static func insecureTestNoiseSeed() throws -> UInt64? {
    let name = "SLICEGEN_INSECURE_TEST_NOISE_SEED"
    guard let text = ProcessInfo.processInfo.environment[name] else { return nil }
    guard let seed = UInt64(text) else {
      throw UsageError(
        message: "\(name) is '\(ValueText.quoted(text))', must be a whole number "
          + "from 0 to \(UInt64.max) (it makes reproducible test noise: the release is then "
          + "labelled NOT private); unset it for a private release")
    }
    Console.error(
      "WARNING: \(name) is set: reproducible test noise; the release will be "
        + "labelled NOT private.")
    return seed
  }

  static func printReport(
    _ report: ReleaseReport, output: String, showExactCounts: Bool
  ) throws {
    let h = report.header
    if let merf = h.merf {
      Console.info(
        "Wrote \(output): the noisy sum of \(h.rows) rows' random Fourier features "
          + "(\(merf.frequencies) frequencies, \(merf.dimension) values), d = \(h.encodedWidth), "
          + "σ = \(String(format: "%.4g", merf.sigma)), L2 sensitivity "
          + "\(String(format: "%.4g", merf.l2Sensitivity)) in "
          + "\(String(format: "%.2f", report.seconds)) s.")
      Console.info(
        "Method: DP-MERF (release method \"merf\"): one noisy mean embedding, no projections"
          + (merf.classes != nil ? ", class-conditional on \(merf.target ?? "")" : ""))
    } else {
      Console.info(
        "Wrote \(output): \(h.rows) rows × \(h.projections) projections (m = \(h.slices), "
          + "k = \(h.sliceDim)), d = \(h.encodedWidth), σ = \(String(format: "%.4g", h.sigma)), "
          + "s = \(String(format: "%.4g", h.noiseScale)) in \(String(format: "%.2f", report.seconds)) s."
      )
      for note in report.notes { Console.info("Note: " + note) }
      Console.info(
        "Method: "
          + (h.marginals == nil
            ? "the paper's slicing mechanism alone (release method \"slicing\", --marginals none)"
            : "slicing projections plus Gaussian noisy marginals under one exact budget (release "
              + "method \"slicing+marginals\"; --marginals none runs the paper's mechanism alone)"))
    }
    Console.info("Privacy: " + h.privacy.statement)
    // Exact counts of the private table, NOT private: shown only on request. Even which columns
    // had such values depends on the data, so the default says nothing about them.
    guard showExactCounts else {
      Console.info(
        "Counts of values clamped into the bounds or mapped to a catch-all category "
          + "are not shown (exact, NOT private): --show-exact-counts prints them.")
      return
    }
    Console.info("Exact counts, NOT private (for your eyes only; not in the release):")
    Console.info(
      "  clamped into the declared bounds: "
        + (report.clamped.isEmpty
          ? "none"
          : report.clamped.map { "\($0.column) \($0.count)" }.joined(separator: ", ")))
    Console.info(
      "  mapped to the catch-all category: "
        + (report.catchAll.isEmpty
          ? "none"
          : report.catchAll.map { "\($0.column) \($0.count)" }.joined(separator: ", ")))
  }
}
