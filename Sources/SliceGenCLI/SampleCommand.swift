// `slicegen sample`: write a synthetic CSV from a model. Post-processing: no privacy is spent.

import Foundation
import SliceGen

enum SampleCommand: Command {
  static let spec = CommandSpec(
    name: "sample",
    abstract: "Write synthetic rows from a trained model as CSV.",
    positionals: [("model", "A model file written by 'slicegen fit'.", true)],
    options: [
      OptionSpec(name: "rows", valueName: "N",
                 help: "How many rows to write, from 1 to \(Sampler.maximumRows). Required."),
      OptionSpec(name: "seed", valueName: "S", help: "Seed of sampling.", defaultText: "0"),
      OptionSpec(name: "output", valueName: "path", help: "The CSV file to write.",
                 defaultText: "synthetic.csv"),
      OptionSpec(name: "quiet", valueName: nil, help: "Print nothing but errors."),
    ])

  static func run(_ arguments: Arguments) throws {
    Console.quiet = arguments.flag("quiet")
    guard let rowsText = arguments.string("rows") else {
      throw UsageError(message: "--rows is required (for example --rows 32561)")
    }
    guard let rows = Int(rowsText) else {
      throw UsageError(message: "--rows is '\(ValueText.quoted(rowsText))', must be a whole "
        + "number from 1 to \(Sampler.maximumRows)")
    }
    guard (1...Sampler.maximumRows).contains(rows) else {
      throw UsageError(message: "--rows is \(rows), must be from 1 to \(Sampler.maximumRows)")
    }
    var seed: UInt64 = 0
    if let text = arguments.string("seed") {
      guard let value = UInt64(text) else {
        throw UsageError(message: "--seed is '\(text)', must be a whole number ≥ 0")
      }
      seed = value
    }
    let output = arguments.string("output") ?? "synthetic.csv"
    try OutputPath.refuse(output, ifAnyOf: [arguments.positional(0)])
    let model = try Model(contentsOf: arguments.positional(0)!)
    let progress = ProgressLine()
    try Sampler.sample(model: model, rows: rows, seed: seed, outputPath: output) { done in
      progress.update("sample: \(done)/\(rows) rows")
    }
    progress.finish()
    Console.info("Wrote \(output): \(rows) rows, \(model.header.schema.keptColumns.count) columns. "
      + "Made from a release with (ε, δ) = (\(model.header.release.privacy.epsilon), "
      + "\(model.header.release.privacy.delta)) under \(model.header.release.privacy.neighbors).")
    for label in model.header.release.privacy.warningLabels { Console.error("WARNING: " + label) }
  }
}
