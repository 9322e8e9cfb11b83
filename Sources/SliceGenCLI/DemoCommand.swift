// `slicegen demo`: the whole job on the bundled sample (UCI Adult), in one command — release at a
// stated ε, fit with the defaults, sample, evaluate against the Adult test split, print the
// privacy statement and the score table, write the HTML report.

import Foundation
import SliceGen

enum DemoCommand: Command {
  /// The options, each declared once: the help shows them in `spec`'s order.
  enum Options {
    static let epsilon = Option<Double>.number(
      "epsilon", value: "ε", help: "Privacy parameter of the release.", defaultText: "4")
    static let epochs = Option<Int>.wholeNumber(
      "epochs", value: "N",
      help: "Training epochs of the generator, which the demo trains when the release has no "
        + "2-way marginals (--marginals none or one-way); with them, the model samples from "
        + "their maximum-entropy forest and nothing is trained (fit --sampler auto).",
      defaultText: "\(FitOptions().epochs)",
      range: FitOptions.epochsRange)
    static let marginals = Option<MarginalSelection>(
      "marginals", value: "auto|none|one-way|all-pairs|tree|select:K|target|a:b,…",
      help: "Noisy marginals beside the projections (as for release); none runs the paper's "
        + "mechanism alone. auto is select:3c for c ≤ 15 columns (select:39 on Adult), tree for "
        + "wider tables, the label's star on labelled images: the best measured "
        + "(Docs/pair-selection.md).",
      defaultText: "auto", parse: ReleaseCommand.Options.marginalSelection)
    static let data = Option<String>(
      "data", value: "folder",
      help: "Folder with train.csv, test.csv and schema.json. Without it: samples/adult in the "
        + "current directory, else in the package the binary was built from (found above the "
        + "executable or at its build path).")
    static let output = Option<String>.output(
      value: "folder", help: "Where to write the files.", defaultText: "demo-output")
  }

  static let spec = CommandSpec(
    name: "demo",
    abstract: "Release, fit, sample and evaluate the bundled Adult sample in one go.",
    options: [Options.epsilon, Options.epochs, Options.marginals, Options.data, Options.output])

  static func run(_ arguments: Arguments) throws {
    var options = ReleaseOptions(epsilon: arguments[Options.epsilon] ?? 4)
    options.delta = 1e-5
    // Default: `auto` (select:3c for c ≤ 15 kept columns, tree beyond, the label's star on
    // labelled images), from the public schema.
    options.marginals = arguments[Options.marginals] ?? .auto
    try options.validate()
    let epsilon = options.epsilon
    var fit = FitOptions()
    fit.epochs = arguments[Options.epochs] ?? fit.epochs
    try fit.validate()
    // The options are checked first: a usage error never waits for the data.
    let data = try dataFolder(arguments[Options.data])
    Console.info("Data: \(data)")
    let out = arguments[Options.output] ?? "demo-output"
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory),
      !isDirectory.boolValue
    {
      throw DemoError(message: "--output \(out) is a file, not a folder")
    }
    try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
    let schema = try Schema(contentsOf: data + "/schema.json")
    let releasePath = out + "/adult.slg", modelPath = out + "/adult.slgm"
    let syntheticPath = out + "/synthetic.csv", reportPath = out + "/report.html"

    let resolved = options.marginals.resolved(columns: schema.keptColumns.count).selectionMode
    let shown =
      options.marginals == .auto
      ? "auto (\(resolved?.description ?? "one-way"))" : options.marginals.text
    Console.info(
      "1/4 release: \(data)/train.csv at ε = \(epsilon), δ = 1e-5 (replace-one), "
        + "m = 100 slices of k = 2, marginals: \(shown) …")
    let report = try Releaser.release(
      csvPath: data + "/train.csv", schema: schema, options: options, outputPath: releasePath)
    Console.info(
      "    \(report.header.rows) rows released, σ = \(String(format: "%.4g", report.header.sigma)) "
        + "in \(String(format: "%.1f", report.seconds)) s → \(releasePath)")

    let release = try Release(contentsOf: releasePath)
    let names = schema.keptColumns.map(\.name)
    let forest =
      fit.sampler.resolved(marginals: release.header.marginals, columns: names) == .forest
    Console.info(
      forest
        ? "2/4 fit: the maximum-entropy forest of the release's marginals, nothing to train "
          + "(no privacy cost) …"
        : "2/4 fit: \(fit.epochs) epochs, batch \(fit.batch), generator \(fit.hidden) "
          + "(no privacy cost) …")
    let progress = ProgressLine()
    let model = try Trainer.fit(
      release: release, options: fit, outputPath: modelPath,
      progress: { p in
        progress.update(
          String(
            format: "    epoch %d/%d  step %d/%d  %.1f steps/s  ETA %.0f s",
            p.epoch, p.epochs, p.step, p.stepsPerEpoch, p.stepsPerSecond,
            p.secondsRemaining))
      })
    progress.finish()
    if let marginals = model.header.forest {
      let tree = MarginalForest(columns: names, marginals: marginals)
      Console.info(
        "    a forest of \(tree.usedPairs) of the \(tree.usedPairs + tree.droppedPairs) 2-way "
          + "marginals → \(modelPath)")
    } else {
      let seconds = model.header.history.reduce(0) { $0 + $1.seconds }
      Console.info(
        "    \(String(format: "%.0f", seconds)) s, kept epoch \(model.header.bestEpoch) → "
          + modelPath)
    }

    Console.info("3/4 sample: \(report.header.rows) rows …")
    let update = try Sampler.sample(
      model: model, rows: report.header.rows, seed: 0, outputPath: syntheticPath)
    if let update {
      Console.info("    record update: " + SampleCommand.updateText(update))
    }

    Console.info("4/4 evaluate against \(data)/test.csv (reads real data: for the data owner) …")
    let real = try EvaluationTable(path: data + "/test.csv", schema: schema)
    let synthetic = try EvaluationTable(path: syntheticPath, schema: schema)
    let train = try EvaluationTable(path: data + "/train.csv", schema: schema)
    let evaluation = try Evaluator.evaluate(
      real: real, synthetic: synthetic, train: train, target: "income")
    try HTMLReport.write(
      report: evaluation, real: real, synthetic: synthetic, model: model,
      to: reportPath)
    print("Privacy: " + report.header.privacy.statement)
    print(
      report.header.method == .slicing
        ? "Method: the paper's slicing mechanism alone (release method \"slicing\")."
        : "Method: slicing projections plus Gaussian noisy marginals under one exact budget "
          + "(release method \"\(report.header.method)\"; --marginals none runs the paper's "
          + "mechanism alone).")
    print("")
    print(ScoreTable.text(evaluation))
    print("")
    print(ScoreTable.outsideSchema(evaluation))
    print("")
    print("Files: \(releasePath), \(modelPath), \(syntheticPath), \(reportPath)")
    ScoreTable.printWarnings(evaluation, outsideSchemaIsError: false)
    if report.header.method == .slicing,
      evaluation.warnings.contains(where: { $0.metric.hasPrefix("columnPairTrends") })
    {
      Console.error(
        "(Pair trends below independent columns are a known limit of the paper's "
          + "per-row slicing release on a table of this size; see Docs/benchmarks.md.)")
    }
  }

  /// `--data`, or the bundled sample found by `BundledSamples`.
  static func dataFolder(_ given: String?) throws -> String {
    if let given {
      guard FileManager.default.fileExists(atPath: given + "/schema.json") else {
        throw DemoError(
          message: "--data \(given): no schema.json there (the folder needs "
            + "train.csv, test.csv and schema.json)")
      }
      return given
    }
    if let found = BundledSamples.locate() { return found }
    throw DemoError(
      message: BundledSamples.notFoundMessage(
        currentDirectory: FileManager.default.currentDirectoryPath,
        executable: BundledSamples.executablePath()))
  }
}

/// A failure of `demo` before it starts (exit 1).
struct DemoError: Error, CustomStringConvertible {
  var message: String
  var description: String { message }
}
