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
    static let quiet = Flag.quiet
  }

  static let spec = CommandSpec(
    name: "sample",
    abstract: "Write synthetic rows from a trained model as CSV.",
    positionals: [
      Positional(name: "model", help: "A model file written by 'slicegen fit'.", required: true)
    ],
    options: [Options.rows, Options.seed, Options.output, Options.quiet])

  static func run(_ arguments: Arguments) throws {
    Console.quiet = arguments[Options.quiet]
    let rows = try arguments.required(Options.rows, example: "--rows 32561")
    try Sampler.validate(rows: rows)
    let seed = arguments[Options.seed] ?? 0
    let output = arguments[Options.output] ?? "synthetic.csv"
    let modelPath = arguments.positionals[0]
    try OutputPath.refuse(output, ifAnyOf: [modelPath])
    let model = try Model(contentsOf: modelPath)
    let progress = ProgressLine()
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
