// One cell of `slicegen compare`: the method's slicegen commands, each a child process of this
// executable (ChildProcess.swift), then `evaluate --json` on the holdout. The command lines of
// every method are here, in one place.

import Foundation
import SliceGen

struct CellRunner {
  let store: CompareStore
  let acceptDataDerived: Bool
  var executable = ChildProcess.currentExecutable

  /// A step of a method's pipeline: a slicegen command line.
  struct Step {
    var name: String
    var arguments: [String]
  }

  /// The pipeline of `cell`, writing into `work`: its steps, the file whose header carries the
  /// guarantee, and the synthetic table.
  func pipeline(
    _ cell: CompareCell, work: String
  ) -> (steps: [Step], guaranteeFile: String, synthetic: String) {
    let s = store.settings
    let release = work + "/release.slg"
    let model = work + "/model.slgm"
    let synthetic = work + "/synthetic.csv"
    var releaseArguments = [
      "release", s.train, "--schema", s.schema, "--epsilon", "\(cell.epsilon)", "--delta",
      "\(s.delta)", "--neighbors", s.relation, "-o", release, "--quiet",
    ]
    if acceptDataDerived { releaseArguments.append("--accept-data-derived-schema") }
    let seed = "\(cell.seed)"
    var fitArguments = ["fit", release, "-o", model, "--seed", seed, "--quiet"]
    if let epochs = s.epochs { fitArguments += ["--epochs", "\(epochs)"] }
    let sampleArguments = [
      "sample", model, "--rows", "\(s.rows)", "--seed", seed, "-o", synthetic, "--quiet",
    ]
    let steps: [Step]
    switch cell.method {
    case .slicing:
      steps = [
        Step(name: "release", arguments: releaseArguments + ["--marginals", "none"]),
        Step(name: "fit", arguments: fitArguments),
        Step(name: "sample", arguments: sampleArguments),
      ]
    case .slicingAndMarginals:
      steps = [
        Step(name: "release", arguments: releaseArguments),
        Step(name: "fit", arguments: fitArguments),
        Step(name: "sample", arguments: sampleArguments),
      ]
    case .sliceWass:
      steps = [
        Step(
          name: "release",
          arguments: releaseArguments + ["--marginals", "none", "--slice-dim", "1"]),
        Step(name: "fit", arguments: fitArguments + ["--divergence", "sliced-wasserstein"]),
        Step(name: "sample", arguments: sampleArguments),
      ]
    case .merf:
      steps = [
        Step(name: "release", arguments: releaseArguments + ["--mechanism", "merf"]),
        Step(name: "fit", arguments: fitArguments),
        Step(name: "sample", arguments: sampleArguments),
      ]
    case .dpSGD, .dpSGDMaZhang:
      var train = [
        "train-dpsgd", s.train, "--schema", s.schema, "--epsilon", "\(cell.epsilon)", "--delta",
        "\(s.delta)", "--seed", seed, "-o", model, "--quiet",
      ]
      if let epochs = s.epochs { train += ["--epochs", "\(epochs)"] }
      if cell.method == .dpSGDMaZhang { train += CompareMethod.maZhangArguments }
      return (
        [
          Step(name: "train-dpsgd", arguments: train),
          Step(name: "sample", arguments: sampleArguments),
        ], model, synthetic
      )
    case .floor:
      steps = [
        Step(
          name: "release",
          arguments: releaseArguments + [
            "--marginals", "one-way", "--aggregate-share", "\(CompareMethod.floorAggregateShare)",
          ]),
        Step(
          name: "sample",
          arguments: [
            "sample", release, "--independent", "--rows", "\(s.rows)", "--seed", seed, "-o",
            synthetic, "--quiet",
          ]),
      ]
    }
    return (steps, release, synthetic)
  }

  /// Runs `cell` from the start and returns what it measured; its working files are removed
  /// afterwards, its log is kept.
  func run(_ cell: CompareCell, progress: (String) -> Void) throws -> CompareCellResult {
    let files = FileManager.default
    let work = store.workPath(cell)
    let log = store.logPath(cell)
    try? files.removeItem(atPath: work)
    try files.createDirectory(atPath: work, withIntermediateDirectories: true)
    defer { try? files.removeItem(atPath: work) }
    try Data().write(to: URL(fileURLWithPath: log))

    let (steps, guaranteeFile, synthetic) = pipeline(cell, work: work)
    var seconds = 0.0
    var peak = 0
    for step in steps {
      progress(step.name)
      let outcome = try execute(step.arguments, log: log, stdout: log)
      guard outcome.status == 0 else {
        throw CompareError(
          message: "\(step.name) exited with \(outcome.status); see \(log)")
      }
      seconds += outcome.seconds
      peak = max(peak, outcome.peakBytes)
    }
    // What ran, as the file that carries the guarantee states it.
    let statement: (mechanism: String, epsilon: Double, delta: Double, relation: String)
    if cell.method.isDPSGD {
      guard let dpsgd = try Model(contentsOf: guaranteeFile).header.dpsgd else {
        throw CompareError(message: "\(guaranteeFile) is not a DP-SGD model")
      }
      statement = (dpsgd.mechanism, dpsgd.epsilon, dpsgd.delta, dpsgd.neighbors.rawValue)
    } else {
      let privacy = try ReleaseFileReader(path: guaranteeFile).header
      statement = (
        privacy.method.rawValue, privacy.privacy.epsilon, privacy.privacy.delta,
        privacy.privacy.neighbors.rawValue
      )
    }

    let s = store.settings
    try picture(cell, synthetic: synthetic, schema: s.schema, progress: progress)

    progress("evaluate")
    let scoresPath = work + "/scores.json"
    var evaluate = [
      "evaluate", "--real", s.holdout, "--synthetic", synthetic, "--train", s.train, "--schema",
      s.schema, "--converged-logistic-regression", "--json",
    ]
    if let target = s.target { evaluate += ["--target", target] }
    let outcome = try execute(evaluate, log: log, stdout: scoresPath)
    guard outcome.status == 0, let data = files.contents(atPath: scoresPath) else {
      throw CompareError(message: "evaluate exited with \(outcome.status); see \(log)")
    }
    let scores = try CompareCellResult.scores(fromEvaluateJSON: data)
    return CompareCellResult(
      cell: cell, mechanism: statement.mechanism, epsilonSpent: statement.epsilon,
      delta: statement.delta, relation: statement.relation, seconds: seconds,
      peakBytes: peak, scores: scores.synthetic, shuffled: scores.shuffled, real: scores.real)
  }

  /// On a labelled image table (`ImageSchema(recognizing:)`), the first
  /// `picturesPerClass` synthetic images of each class as a PNG grid, one row per class
  /// (`ClassPictures`), at `store.picturePath(cell)`; not timed. Nothing on other tables.
  func picture(
    _ cell: CompareCell, synthetic: String, schema path: String, progress: (String) -> Void
  ) throws {
    let schema = try Schema(contentsOf: path)
    guard let layout = ImageSchema(recognizing: schema), layout.label != nil else { return }
    progress("picture")
    try FileManager.default.createDirectory(
      atPath: store.picturesDirectory, withIntermediateDirectories: true)
    let table = try EvaluationTable(path: synthetic, schema: schema)
    try ClassPictures(table: table, layout: layout, perClass: Self.picturesPerClass).picture()
      .write(to: store.picturePath(cell))
  }

  /// Images per class in a cell's picture.
  static let picturesPerClass = 10

  func execute(_ arguments: [String], log: String, stdout: String) throws -> ChildProcess.Outcome {
    let line = "$ slicegen " + arguments.joined(separator: " ") + "\n"
    if let handle = FileHandle(forWritingAtPath: log) {
      handle.seekToEndOfFile()
      handle.write(Data(line.utf8))
      try? handle.close()
    }
    return try ChildProcess.run(executable, arguments, stdout: stdout, stderr: log)
  }
}
