// `slicegen sample`: write a synthetic CSV from a model. Post-processing: no privacy is spent.

import Foundation
import SliceGen

enum SampleCommand: Command {
  /// The options, each declared once: the help shows them in `spec`'s order.
  enum Options {
    static let rows = Option<Int>.wholeNumber(
      "rows", value: "N",
      help: "How many rows to write, from 1 to \(Sampler.maximumRows). Required.",
      range: 1...Sampler.maximumRows)
    static let seed = Option<UInt64>.seed("seed", help: "Seed of sampling.", defaultText: "0")
    static let output = Option<String>.output(
      help: "The CSV file to write.", defaultText: "synthetic.csv")
    static let independent = Flag(
      "independent",
      help: "Read a release instead of a model and draw every column on its own from the "
        + "release's 1-way marginals: the private floor, a reference that learns no structure "
        + "between columns at the release's (ε, δ).")
    static let forest = Flag(
      "forest",
      help: "Read a release instead of a model and draw rows from the maximum-entropy model of "
        + "its marginals: the 1-way tables and a forest of its 2-way tables (where the measured "
        + "pairs close a cycle, those of least mutual information are left out). Pairs no "
        + "table measured get no association of their own.")
    static let quiet = Flag.quiet
  }

  static let spec = CommandSpec(
    name: "sample",
    abstract: "Write synthetic rows from a trained model as CSV.",
    positionals: [
      Positional(
        name: "model",
        help: "A model file written by 'slicegen fit' (with --independent or --forest, a release "
          + "file).",
        required: true)
    ],
    options: [
      Options.rows, Options.seed, Options.output, Options.independent, Options.forest,
      Options.quiet,
    ])

  static func run(_ arguments: Arguments) throws {
    Console.quiet = arguments[Options.quiet]
    let rows = try arguments.required(Options.rows, example: "--rows 32561")
    try Sampler.validate(rows: rows)
    let seed = arguments[Options.seed] ?? 0
    let output = arguments[Options.output] ?? "synthetic.csv"
    let modelPath = arguments.positionals[0]
    try OutputPath.refuse(output, ifAnyOf: [modelPath])
    let progress = ProgressLine()
    let independent = arguments[Options.independent], forest = arguments[Options.forest]
    if independent && forest {
      throw OptionError(
        option: "forest", value: nil, rule: "cannot be combined with --independent",
        onCommandLine: true)
    }
    if independent || forest {
      let release = try Release(contentsOf: modelPath)
      let model = try Sampler.sampleMarginals(
        release: release, model: independent ? .independent : .forest, rows: rows, seed: seed,
        outputPath: output
      ) { done in progress.update("sample: \(done)/\(rows) rows") }
      progress.finish()
      let p = release.header.privacy
      let what =
        independent
        ? "each column drawn on its own from the release's 1-way marginals (the private floor"
        : "drawn from the maximum-entropy model of the release's 1-way marginals and "
          + "\(model.usedPairs) of its 2-way marginals (\(model.droppedPairs) left out to break "
          + "cycles"
      Console.info(
        "Wrote \(output): \(rows) rows, \(what) at (ε, δ) = (\(p.epsilon), \(p.delta)) under "
          + "\(p.neighbors)).")
      for label in p.warningLabels { Console.error("WARNING: " + label) }
      return
    }
    let model = try Model(contentsOf: modelPath)
    try Sampler.sample(model: model, rows: rows, seed: seed, outputPath: output) { done in
      progress.update("sample: \(done)/\(rows) rows")
    }
    progress.finish()
    Console.info(
      "Wrote \(output): \(rows) rows, \(model.header.schema.keptColumns.count) columns. "
        + "Made from a release with (ε, δ) = (\(model.header.release.privacy.epsilon), "
        + "\(model.header.release.privacy.delta)) under \(model.header.release.privacy.neighbors).")
    for label in model.header.release.privacy.warningLabels { Console.error("WARNING: " + label) }
  }
}
