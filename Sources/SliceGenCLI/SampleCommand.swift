// `slicegen sample`: write a synthetic CSV from a model, or with --png a picture of sampled images
// sorted by class (ClassPictures.swift). Post-processing: no privacy is spent.

import Foundation
import SliceGen

enum SampleCommand: Command {
  /// The options, each declared once: the help shows them in `spec`'s order.
  enum Options {
    static let rows = Option<Int>.wholeNumber(
      "rows", value: "N",
      help: "How many rows to write, from 1 to \(Sampler.maximumRows). Required (but not with "
        + "--png).",
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
    static let recordUpdate = Option<RecordUpdate.Mode>.choice(
      "record-update",
      help: "For rows drawn from a release's marginals (--forest, or a model fitted with "
        + "--sampler forest): move rows toward the released tables until the sample agrees with "
        + "them (PrivSyn's record update; whole rows are copied so that each moved row keeps "
        + "its other columns consistent). auto: only when the forest left out a measured "
        + "2-way table (its pairs closed a cycle), toward the tables whose expected noise moves "
        + "at most \(RecordUpdate.noiseLimit) of their mass (public: σ, cells, n); on: toward "
        + "every released table; off: never. Post-processing, no privacy spent. See "
        + "Docs/design.md, \"The record update\".",
      defaultText: RecordUpdate.Mode.auto.rawValue)
    static let png = Option<String>(
      "png", value: "path",
      help: "Write a PNG picture of sampled images instead of a CSV: one row per class of the "
        + "label, in the label's order, pixels from the schema's bounds to black … white. Rows "
        + "are drawn from the model and kept by their label, at most 1000 × per-class × classes "
        + "rows; a class drawn too rarely leaves its row (partly) blank. Needs a model of images "
        + "(pixel columns px_<row>_<col> and a label, see 'slicegen schema --image').")
    static let perClass = Option<Int>.wholeNumber(
      "per-class", value: "N",
      help: "Images per class with --png, from \(ClassPictures.perClassRange.lowerBound) to "
        + "\(ClassPictures.perClassRange.upperBound).",
      defaultText: "10", range: ClassPictures.perClassRange)
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
      Options.recordUpdate, Options.png, Options.perClass, Options.quiet,
    ])

  static func run(_ arguments: Arguments) throws {
    Console.quiet = arguments[Options.quiet]
    if let png = arguments[Options.png] {
      try picture(arguments, path: png)
      return
    }
    if arguments[Options.perClass] != nil {
      throw OptionError(option: "per-class", value: nil, rule: "needs --png", onCommandLine: true)
    }
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
    let recordUpdate = arguments[Options.recordUpdate] ?? .auto
    if independent && arguments[Options.recordUpdate] != nil {
      throw OptionError(
        option: "record-update", value: nil,
        rule: "cannot be combined with --independent (the private floor draws every column on "
          + "its own)", onCommandLine: true)
    }
    if independent || forest {
      let release = try Release(contentsOf: modelPath)
      let drawn = try Sampler.sampleMarginals(
        release: release, model: independent ? .independent : .forest, rows: rows, seed: seed,
        outputPath: output, recordUpdate: recordUpdate
      ) { done in progress.update("sample: \(done)/\(rows) rows") }
      progress.finish()
      let model = drawn.forest
      let p = release.header.privacy
      let what =
        independent
        ? "each column drawn on its own from the release's 1-way marginals (the private floor"
        : "drawn from the maximum-entropy model of the release's 1-way marginals and "
          + "\(model.usedPairs) of its 2-way marginals (\(model.droppedPairs) left out to break "
          + "cycles" + (drawn.update.map { "; " + updateText($0) } ?? "")
      Console.info(
        "Wrote \(output): \(rows) rows, \(what) at (ε, δ) = (\(p.epsilon), \(p.delta)) under "
          + "\(p.neighbors)).")
      for label in p.warningLabels { Console.error("WARNING: " + label) }
      return
    }
    let model = try Model(contentsOf: modelPath)
    if recordUpdate == .on && model.header.forest == nil {
      throw OptionError(
        option: "record-update", value: "on",
        rule: "needs rows drawn from a release's marginals (--forest, or a model fitted with "
          + "--sampler forest); this model samples from its generator", onCommandLine: true)
    }
    let update = try Sampler.sample(
      model: model, rows: rows, seed: seed, outputPath: output, recordUpdate: recordUpdate
    ) { done in
      progress.update("sample: \(done)/\(rows) rows")
    }
    progress.finish()
    if let update { Console.info("Record update: " + updateText(update) + ".") }
    let columns = model.header.schema.keptColumns.count
    if let dpsgd = model.header.dpsgd {
      Console.info(
        "Wrote \(output): \(rows) rows, \(columns) columns. Made by a generator trained by "
          + "DP-SGD with (ε, δ) = (\(dpsgd.epsilon), \(dpsgd.delta)) under \(dpsgd.neighbors).")
      if !dpsgd.noiseIsPrivate { Console.error("WARNING: NOT PRIVATE: reproducible test noise.") }
      return
    }
    guard let release = model.header.release else {
      Console.info(
        "Wrote \(output): \(rows) rows, \(columns) columns, from a generator trained directly "
          + "on private rows.")
      Console.error(notPrivateWarning)
      return
    }
    Console.info(
      "Wrote \(output): \(rows) rows, \(columns) columns. "
        + "Made from a release with (ε, δ) = (\(release.privacy.epsilon), "
        + "\(release.privacy.delta)) under \(release.privacy.neighbors).")
    for label in release.privacy.warningLabels { Console.error("WARNING: " + label) }
  }

  /// What `sample` prints to stderr (even with --quiet) for a model trained with no
  /// differential privacy.
  static let notPrivateWarning =
    "WARNING: \(NonPrivateTraining.statement). The model was trained directly on private rows "
    + "('slicegen train-nonprivate'): these rows may reveal them."

  /// What the record update did, for the summary line.
  static func updateText(_ update: Sampler.UpdateSummary) -> String {
    "rows moved toward \(update.tables) released tables: largest total-variation distance "
      + "to one \(String(format: "%.3f", update.before)) before, \(String(format: "%.3f", update.after)) "
      + "after"
  }

  /// `sample --png`: the picture of sampled images, one row per class.
  static func picture(_ arguments: Arguments, path: String) throws {
    for (name, given) in [
      ("rows", arguments[Options.rows] != nil), ("output", arguments[Options.output] != nil),
      ("independent", arguments[Options.independent]), ("forest", arguments[Options.forest]),
      ("record-update", arguments[Options.recordUpdate] != nil),
    ] where given {
      throw OptionError(
        option: name, value: nil,
        rule: "cannot be combined with --png (it reads a model and "
          + "draws as many rows as the picture needs)")
    }
    let perClass = arguments[Options.perClass] ?? 10
    try ClassPictures.validate(perClass: perClass)
    let modelPath = arguments.positionals[0]
    try OutputPath.refuse(path, ifAnyOf: [modelPath])
    let model = try Model(contentsOf: modelPath)
    _ = try ClassPictures.layout(of: model.header.schema)
    let pictures = try ClassPictures(
      model: model, perClass: perClass, seed: arguments[Options.seed] ?? 0)
    let picture = try pictures.picture()
    try picture.write(to: path)
    let classes = pictures.images.count
    let provenance =
      model.header.release.map {
        "Made from a release with (ε, δ) = (\($0.privacy.epsilon), \($0.privacy.delta)) under "
          + "\($0.privacy.neighbors)."
      }
      ?? model.header.dpsgd.map {
        "Made by a generator trained by DP-SGD with (ε, δ) = (\($0.epsilon), \($0.delta)) under "
          + "\($0.neighbors)."
      } ?? "Made by a generator trained directly on private rows."
    Console.info(
      "Wrote \(path): \(picture.width) × \(picture.height) pixels, \(classes) classes × "
        + "\(perClass) images of \(pictures.layout.width) × \(pictures.layout.height) from "
        + "\(pictures.drawn) rows drawn. " + provenance)
    let short = pictures.shortClasses
    if !short.isEmpty {
      let label = pictures.layout.label!
      let counts = short.map { category in
        let k = label.categories.firstIndex(of: category)!
        return "\(category) (\(pictures.images[k].count))"
      }
      Console.error(
        "Short classes of \(label.name), fewer than \(perClass) images in \(pictures.drawn) rows "
          + "drawn (their rows are partly blank): " + counts.joined(separator: ", ") + ".")
    }
    if model.header.nonPrivate != nil { Console.error(notPrivateWarning) }
    for label in model.header.release?.privacy.warningLabels ?? [] {
      Console.error("WARNING: " + label)
    }
  }
}
