// `slicegen plan`: what a release would look like, before spending anything. Reads only the
// schema (public) and the numbers the user types.

import Foundation
import SliceGen

enum PlanCommand: Command {
  /// The options, each declared once: the help shows them in `spec`'s order.
  enum Options {
    static let schema = Option<String>(
      "schema", value: "path",
      help: "The table's schema. Required, unless --columns plans a release without a schema "
        + "(private discovery).")
    static let columns = Option<Int>.wholeNumber(
      "columns", value: "C",
      help: "Plan private discovery (release without --schema) for a table of C columns: the rows "
        + "a category, a numeric range or a target's class needs to pass its threshold with "
        + "probability 95 %, and whether discovery is likely to succeed. The header and n are "
        + "public; nothing is read.", range: DiscoveryPlan.columnsRange)
    static let discoveryBudget = Option<Double>.number(
      "discovery-budget", value: "f",
      help: "With --columns: the fraction of ε and δ discovery would spend.",
      defaultText: "\(Releaser.defaultDiscoveryFraction)")
    static let target = Option<String>(
      "target", value: "column",
      help: "With --columns: a target will be declared (its classes get a larger share; the plan "
        + "shows what a class needs).")
    static let rows = Option<Int>.wholeNumber(
      "rows", value: "n", help: "The number of rows (public). Required.")
    static let epsilon = Option<Double>.number(
      "epsilon", value: "ε", help: "Privacy parameter ε > 0. Required.")
    static let delta = Option<Double>.number(
      "delta", value: "δ", help: "Privacy parameter δ, below 1/n.",
      defaultText: "the largest power of ten at most 1/(10n)")
    // The release's own declarations: plan reads them exactly as release does.
    static let slices = ReleaseCommand.Options.slices
    static let sliceDim = ReleaseCommand.Options.sliceDim
    static let subsample = Option<Double>.number(
      "subsample", value: "q", help: "Poisson subsampling rate q in (0, 1).")
    static let json = Flag("json", help: "Print one JSON object.")
    /// One vocabulary with release, audit, compare and the release header.
    static let mechanismNames =
      ReleaseMethod.allCases.map(\.rawValue) + [DPSGDTraining.mechanismName]
    static let mechanism = Option<String>(
      "mechanism", value: "name",
      help: "slicing or slicing+marginals: a release (the plan shows both); merf: a DP-MERF "
        + "release (σ of its noisy sum for ε, δ and --neighbors; Docs/merf.md); dp-sgd: the ε of "
        + "DP-SGD (train-dpsgd) from --sample-rate, --noise-multiplier and --steps, or its σ from "
        + "--epsilon, with no schema or rows (Docs/dpsgd.md).",
      defaultText: "slicing+marginals",
      rule: "must be one of " + mechanismNames.joined(separator: ", ")
    ) { mechanismNames.contains($0) ? $0 : nil }
    static let features = ReleaseCommand.Options.features
    static let neighbors = Option<NeighbouringRelation>.choice(
      "neighbors",
      help: "With --mechanism merf: the neighbouring relation (the slicing table is stated for "
        + "replace-one, whose σ is the same under zero-out).", defaultText: "replace-one")
    /// The options that plan a MERF release only.
    static let merfOnly: [any OptionDeclaration] = [features, neighbors]
    // DP-SGD's numbers (PlanDPSGD.swift).
    static let sampleRate = Option<Double>.number(
      "sample-rate", value: "q", help: "With --mechanism dp-sgd: the Poisson sampling rate q.")
    static let noiseMultiplier = Option<Double>.number(
      "noise-multiplier", value: "σ",
      help: "With --mechanism dp-sgd: the noise multiplier σ (noise σC on a sum of rows clipped "
        + "to C).")
    static let steps = Option<Int>.wholeNumber(
      "steps", value: "T", help: "With --mechanism dp-sgd: the number of noisy steps.")

    /// The options that plan a release with a schema only.
    static let releaseOnly: [any OptionDeclaration] = [slices, sliceDim, subsample]
    /// The options that plan DP-SGD only.
    static let dpsgdOnly: [any OptionDeclaration] = [sampleRate, noiseMultiplier, steps]
    /// The options that plan discovery only.
    static let discoveryOnly: [any OptionDeclaration] = [discoveryBudget, target]
  }

  static let spec = CommandSpec(
    name: "plan",
    abstract: "Show the noise a release would get, for each accountant (reads no data).",
    options: [
      Options.schema, Options.columns, Options.discoveryBudget, Options.target, Options.rows,
      Options.epsilon, Options.delta, Options.slices, Options.sliceDim, Options.subsample,
      Options.mechanism, Options.features, Options.neighbors, Options.sampleRate,
      Options.noiseMultiplier, Options.steps, Options.json,
    ],
    discussion: """
      The noise-to-signal ratio of one projection of one row x is σ/(‖x‖/√d) = s/‖x‖ (U has
      N(0, 1/d) entries); shown for a row of norm 1 (the largest possible) and for the schema's
      "middle" row (numeric columns at the centre of their range). A mean over n rows has noise
      σ/√n per projection.
      Without a schema, `release` discovers the domain privately; `plan --columns C` shows what
      that discovery can see at this n and ε before anything is spent (Docs/discovery.md):
        slicegen plan --columns 15 --rows 32561 --epsilon 1
      """)

  static func run(_ arguments: Arguments) throws {
    if arguments[Options.mechanism] == DPSGDTraining.mechanismName {
      return try runDPSGD(arguments)
    }
    if let given = Options.dpsgdOnly.first(where: arguments.isGiven) {
      throw UsageError(message: "--\(given.info.name) applies only with --mechanism dp-sgd")
    }
    let columns = arguments[Options.columns]
    let schemaPath = arguments[Options.schema]
    if columns != nil, schemaPath != nil {
      throw UsageError(
        message: "--columns plans discovery, which runs without a schema: give "
          + "--schema or --columns, not both")
    }
    if columns == nil, schemaPath == nil {
      throw UsageError(
        message: "--schema is required (or --columns C to plan a release without "
          + "a schema)")
    }
    let n = try arguments.required(Options.rows)
    let epsilon = try arguments.required(Options.epsilon)
    if let columns {
      if let given = Options.releaseOnly.first(where: arguments.isGiven) {
        throw UsageError(
          message: "--\(given.info.name) applies only with --schema (a plan of a "
            + "release)")
      }
      try runDiscovery(arguments, rows: n, epsilon: epsilon, columns: columns)
      return
    }
    if let given = Options.discoveryOnly.first(where: arguments.isGiven) {
      throw UsageError(
        message: "--\(given.info.name) applies only with --columns (a plan of "
          + "discovery)")
    }
    if arguments[Options.mechanism] == ReleaseMethod.merf.rawValue {
      try runMERF(arguments, schemaPath: schemaPath!, rows: n, epsilon: epsilon)
      return
    }
    if let given = Options.merfOnly.first(where: arguments.isGiven) {
      throw UsageError(message: "--\(given.info.name) applies only with --mechanism merf")
    }
    var options = ReleaseOptions(epsilon: epsilon)
    options.slices = arguments[Options.slices] ?? options.slices
    options.sliceDim = arguments[Options.sliceDim] ?? options.sliceDim
    let q = arguments[Options.subsample]
    options.subsampling = q
    // Subsampling takes the paper's mechanism alone: with --subsample the plan shows no marginals.
    if q != nil { options.marginals = .none }
    let delta = arguments[Options.delta] ?? ReleaseOptions.defaultDelta(rows: max(n, 1))
    options.delta = delta
    try options.validate()
    try options.validate(rows: n)
    let m = options.slices, k = options.sliceDim
    let schema = try Schema(contentsOf: schemaPath!)
    let encoding = Encoding(schema: schema)
    let d = encoding.width
    try options.validate(encodedWidth: d)
    let middleNorm = encoding.middleRowNorm

    var rows: [(String, ReleaseCalibration)] = []
    for accountant in [SlicingAccountantKind.profile, .theorem1] {
      rows.append(
        (
          accountant.rawValue,
          try ReleaseCalibration.calibrate(
            epsilon: epsilon, delta: delta, slices: m, sliceDim: k, encodedWidth: d,
            accountant: accountant, neighbors: .replaceOne, subsampling: q, fixedDirections: nil)
        ))
    }
    // The default release: projections plus `--marginals auto`, as `release` would calibrate it
    // (subsampling refuses the default, so with --subsample only the paper's mechanism is shown).
    var rounds: [(name: String, queries: Int, sigma: Double, pickEpsilon: Double?)] = []
    var mode = ""
    var pairBins: Int? = nil
    var split: PairSelectionSplit? = nil
    if q == nil {
      let resolved = try Releaser.resolveRowRules(schema: schema, options: options, rows: n)
      pairBins = resolved.pairBins
      split = resolved.pairSelectionSplit
      let planned = try Releaser.plan(schema: schema, options: resolved, rows: n, delta: delta)
      rows.insert(("default", planned.calibration), at: 0)
      rounds = planned.rounds
      mode = planned.marginals.selectionMode?.description ?? "fixed tables"
    }
    // A user-fixed projection seed: the same computation the release would do, on a typical U.
    let u = SlicingMechanism.directions(encodedWidth: d, projectionCount: m * k, seed: 1)
    rows.append(
      (
        "fixed seed",
        try ReleaseCalibration.calibrate(
          epsilon: epsilon, delta: delta, slices: m, sliceDim: k, encodedWidth: d,
          accountant: .profile, neighbors: .replaceOne, subsampling: q, fixedDirections: u)
      ))

    if arguments[Options.json] {
      var object: [String: JSONValue] = [
        "rows": .number(Double(n)), "epsilon": .number(epsilon), "delta": .number(delta),
        "encodedWidth": .number(Double(d)), "slices": .number(Double(m)),
        "sliceDim": .number(Double(k)), "middleRowNorm": .number(middleNorm),
      ]
      for (name, c) in rows {
        let s = c.sigma * Double(d).squareRoot()
        object[name] = .object([
          "sigma": .number(c.sigma), "noiseScale": .number(s),
          "noiseToSignalUnitRow": .number(s), "noiseToSignalMiddleRow": .number(s / middleNorm),
          "meanNoise": .number(c.sigma / Double(n).squareRoot()),
        ])
      }
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
      print(String(decoding: try encoder.encode(JSONValue.object(object)), as: UTF8.self))
      return
    }
    print(
      "Plan: n = \(n) rows, d = \(d), m = \(m) slices × k = \(k) (m' = \(m * k)), "
        + "(ε, δ) = (\(epsilon), \(delta)), replace-one\(q.map { ", subsampling q = \($0)" } ?? "")"
    )
    print("")
    print(
      "  analysis       σ           s = σ√d     noise/signal (‖x‖=1)  (middle row)  mean noise σ/√n"
    )
    for (name, c) in rows {
      let s = c.sigma * Double(d).squareRoot()
      print(
        "  " + name.padding(toLength: 13, withPad: " ", startingAt: 0)
          + String(
            format: "  %-10.5g  %-10.5g  %-20.4g  %-12.4g  %.3g", c.sigma, s, s, s / middleNorm,
            c.sigma / Double(n).squareRoot()))
    }
    for round in rounds {
      if let epsilon = round.pickEpsilon {
        print(
          "    marginals: " + String(format: "ε₀ = %-9.5g", epsilon)
            + " \(round.name) (\(round.queries) picks, each μ = "
            + String(format: "%.5g", 1 / round.sigma) + ", \(mode))")
        continue
      }
      print(
        "    marginals: " + String(format: "σ = %-10.5g", round.sigma)
          + " \(round.name) (\(round.queries) vector\(round.queries == 1 ? "" : "s"), \(mode))")
    }
    if let pairBins, !rounds.isEmpty {
      print(
        "    pair bins: \(pairBins) (--pair-bins auto: numeric columns in 2-way tables on at "
          + "most \(pairBins) groups)")
    }
    if let split, rounds.count > 1 {
      print(
        "    selection split: \(split.oneWay),\(split.selection),\(split.twoWay) "
          + "(--pair-selection-split auto: \(split == .wide ? "wide" : "standard"); "
          + "Docs/pair-selection.md)")
    }
    print("")
    print(
      (rounds.isEmpty
        ? ""
        : "default is what `release` does: the projections with Gaussian "
          + "noisy marginals (--marginals auto), the rounds' σ below it; ")
        + "profile and theorem1 are the paper's mechanism alone (--marginals none) under the exact "
        + "χ²-mixture profile over a random U and the paper's bound; 'fixed seed' is what "
        + "--projection-seed costs (U known in advance).")
  }

  /// `plan --columns C`: what private discovery would see (a public computation).
  static func runDiscovery(_ arguments: Arguments, rows n: Int, epsilon: Double, columns: Int)
    throws
  {
    let f = arguments[Options.discoveryBudget] ?? Releaser.defaultDiscoveryFraction
    let delta = arguments[Options.delta] ?? ReleaseOptions.defaultDelta(rows: max(n, 1))
    let plan = try DiscoveryPlan(
      rows: n, epsilon: epsilon, delta: delta, columns: columns, fraction: f,
      target: arguments.isGiven(Options.target))
    let c = plan.calibration
    let better = plan.likely ? nil : plan.smallestLikelyFraction()
    if arguments[Options.json] {
      var object: [String: JSONValue] = [
        "rows": .number(Double(n)), "columns": .number(Double(columns)),
        "epsilon": .number(epsilon), "delta": .number(delta), "discoveryBudget": .number(f),
        "discoveryEpsilon": .number(c.epsilon), "discoveryDelta": .number(c.delta),
        "firstRoundSigma": .number(c.firstRoundSigma),
        "secondRoundSigma": .number(c.secondRoundSigma),
        "selectionThreshold": .number(c.selectionThreshold),
        "detectionThreshold": .number(plan.detectionThreshold),
        "categoryRows": .number(plan.category), "codeRows": .number(plan.code),
        "numericRangeRows1": .number(plan.numericRange(octaves: 1)),
        "numericRangeRows4": .number(plan.numericRange(octaves: 4)),
        "textColumnRows": .number(plan.textColumn), "likely": .bool(plan.likely),
      ]
      if let target = plan.targetClass { object["targetClassRows"] = .number(target) }
      if let better { object["likelyFrom"] = .number(better) }
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
      print(String(decoding: try encoder.encode(JSONValue.object(object)), as: UTF8.self))
      return
    }
    func rows(_ x: Double) -> String {
      String(format: "%8.0f rows  (%5.2f %% of n)", x.rounded(.up), 100 * x / Double(n))
    }
    print(
      "Discovery plan: n = \(n) rows, C = \(columns) columns, (ε, δ) = (\(epsilon), \(delta)), "
        + "--discovery-budget \(f): discovery spends (ε, δ) = (\(String(format: "%.4g", c.epsilon)), "
        + "\(String(format: "%.3g", c.delta))), the release the rest.")
    print(
      "Noise: σ₁ = \(String(format: "%.4g", c.firstRoundSigma)), σ₂ = "
        + "\(String(format: "%.4g", c.secondRoundSigma)) rows a cell; a text value is kept above "
        + "T = \(Int(c.selectionThreshold.rounded(.up))) rows; a range shows above τ = "
        + "\(String(format: "%.2f", plan.detectionThreshold)) noise σ.")
    print("")
    print("  passes with probability 95 % when it holds at least")
    print("  a category (a text value)          " + rows(plan.category))
    if let target = plan.targetClass {
      print("  a class of the target              " + rows(target))
    }
    print("  a value of an integer code list    " + rows(plan.code))
    print("  a numeric range of one octave      " + rows(plan.numericRange(octaves: 1)))
    print("  a numeric range of four octaves    " + rows(plan.numericRange(octaves: 4)))
    print("  a text column (non-missing rows)   " + rows(plan.textColumn))
    print("")
    print(
      "Values held by fewer rows go to the catch-all category (other); numbers outside the "
        + "ranges that show are clamped.")
    if plan.likely {
      print(
        "Likely to succeed: a categorical column whose most common value holds a fifth of "
          + "the rows, and a numeric column with half its rows within four octaves, pass"
          + (plan.targetClass != nil ? " (and a target class of a tenth of the rows)" : "") + ".")
    } else {
      print(
        "Unlikely to succeed on a typical table: a categorical column whose most common value "
          + "holds a fifth of the rows, or a numeric column with half its rows within four "
          + "octaves, may fail. "
          + (better.map { "With --discovery-budget \(String(format: "%.2f", $0)) it is likely; " }
            ?? "No --discovery-budget up to 0.9 makes it likely; ")
          + "a schema from public knowledge costs nothing (Docs/schema.md).")
    }
  }
}
