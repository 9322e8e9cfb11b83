// `slicegen evaluate`: how good a synthetic table is, with SDMetrics' definitions, beside the
// independent-columns and real-data references. Reads real data: the data owner's tool.

import Foundation
import SliceGen

enum EvaluateCommand: Command {
  static let spec = CommandSpec(
    name: "evaluate",
    abstract: "Score a synthetic table against a real holdout (SDMetrics' metrics).",
    options: [
      OptionSpec(name: "real", valueName: "holdout.csv", help: "Real rows not used for the release. Required."),
      OptionSpec(name: "synthetic", valueName: "synthetic.csv", help: "The synthetic table. Required."),
      OptionSpec(name: "schema", valueName: "path", help: "The schema (which columns, which types). Required."),
      OptionSpec(name: "train", valueName: "train.csv",
                 help: "The real training rows, for the references (independent columns, real)."),
      OptionSpec(name: "target", valueName: "column",
                 help: "A binary categorical column: logistic regression trained on each table, "
                   + "tested on the holdout.", defaultText: "the schema's \"target\", if any"),
      OptionSpec(name: "converged-logistic-regression", valueName: nil,
                 help: "Fit the logistic regression to its optimum (Newton) instead of "
                   + "SDMetrics' 50 L-BFGS-B iterations."),
      OptionSpec(name: "json", valueName: nil, help: "Print the scores as one JSON object."),
      OptionSpec(name: "html", valueName: "report.html", help: "Also write a self-contained HTML report."),
      OptionSpec(name: "model", valueName: "model.slgm",
                 help: "The model the synthetic table came from (adds its privacy statement and "
                   + "loss curve to the HTML report)."),
    ],
    discussion: """
      Evaluation reads real data (the holdout and the training rows): it is outside the privacy
      boundary, for the data owner. Do not publish its output as if it were private.
      logisticRegressionF1, minorityF1 and rocAuc come from scikit-learn's lbfgs stopped after 50
      iterations, as in SDMetrics' BinaryLogisticRegression (unconverged on Adult);
      --converged-logistic-regression reports the optimum of the same objective instead.
      """)

  static func run(_ arguments: Arguments) throws {
    guard let realPath = arguments.string("real"), let syntheticPath = arguments.string("synthetic"),
      let schemaPath = arguments.string("schema")
    else {
      throw UsageError(message: "--real, --synthetic and --schema are required")
    }
    if let html = arguments.string("html") {
      try OutputPath.refuse(html, ifAnyOf: [
        realPath, syntheticPath, schemaPath, arguments.string("train"), arguments.string("model"),
      ])
    }
    let schema = try Schema(contentsOf: schemaPath)
    if let target = arguments.string("target") {
      do { _ = try schema.withTarget(target) } catch let error as SchemaError {
        throw UsageError(message: "--target: \(error)")
      }
    }
    let real = try EvaluationTable(path: realPath, schema: schema)
    let synthetic = try EvaluationTable(path: syntheticPath, schema: schema)
    let train = try arguments.string("train").map { try EvaluationTable(path: $0, schema: schema) }
    let report = try Evaluator.evaluate(
      real: real, synthetic: synthetic, train: train,
      target: arguments.string("target") ?? schema.target,
      solver: arguments.flag("converged-logistic-regression") ? .converged : .scikitLearn)
    let model = try arguments.string("model").map { try Model(contentsOf: $0) }
    if let html = arguments.string("html") {
      try HTMLReport.write(report: report, real: real, synthetic: synthetic, model: model, to: html)
      Console.info("Wrote \(html).")
    }
    if arguments.flag("json") {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
      encoder.nonConformingFloatEncodingStrategy = .convertToString(
        positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
      print(String(decoding: try encoder.encode(report.summary()), as: UTF8.self))
    } else {
      print(ScoreTable.text(report))
    }
    if report.pairTrendsBelowIndependent {
      Console.error("WARNING: the synthetic table scores below independent columns on pair "
        + "trends: it has learned less about relationships between columns than simply "
        + "shuffling each real column on its own would keep.")
    }
  }
}

/// The score table printed by `evaluate` and `demo`.
enum ScoreTable {
  static func text(_ report: EvaluationReport) -> String {
    let summary = report.summary()
    let keys = ["quality", "qualityAll", "columnShapes", "columnPairTrends", "columnPairTrendsAll",
                "ksComplement", "tvComplement", "contingencySimilarity", "correlationSimilarity",
                "logisticRegressionF1", "minorityF1", "rocAuc"]
    func f(_ x: Double?) -> String { x.map { $0.isNaN ? "–" : String(format: "%.3f", $0) } ?? "–" }
    var lines = ["metric                   synthetic  independent  real"]
    for key in keys {
      let t = summary[key]!
      if t.synthetic == nil && t.real == nil { continue }
      lines.append(key.padding(toLength: 24, withPad: " ", startingAt: 0) + " "
        + f(t.synthetic).padding(toLength: 10, withPad: " ", startingAt: 0) + " "
        + f(t.independent).padding(toLength: 12, withPad: " ", startingAt: 0) + " " + f(t.real))
    }
    return lines.joined(separator: "\n")
  }
}
