// `slicegen evaluate`: how good a synthetic table is, with SDMetrics' definitions, beside the
// independent-columns and real-data references. Reads real data: the data owner's tool.

import Foundation
import SliceGen

enum EvaluateCommand: Command {
  /// The options, each declared once: the help shows them in `spec`'s order.
  enum Options {
    static let real = Option<String>(
      "real", value: "holdout.csv", help: "Real rows not used for the release. Required.")
    static let synthetic = Option<String>(
      "synthetic", value: "synthetic.csv", help: "The synthetic table. Required.")
    static let schema = Option<String>(
      "schema", value: "path", help: "The schema (which columns, which types). Required.")
    static let train = Option<String>(
      "train", value: "train.csv",
      help: "The real training rows, for the references (independent columns, real).")
    static let target = Option<String>(
      "target", value: "column",
      help: "A binary categorical column: logistic regression trained on each table, tested on "
        + "the holdout.", defaultText: "the schema's \"target\", if any")
    static let convergedLogisticRegression = Flag(
      "converged-logistic-regression",
      help: "Fit the logistic regression to its optimum (Newton) instead of SDMetrics' 50 "
        + "L-BFGS-B iterations.")
    static let privacy = Flag(
      "privacy",
      help: "Also measure membership inference (distance to closest record, a distance attack's "
        + "AUC) for at most 2,000 sampled rows each; needs --train. Empirical, not an epsilon.")
    static let json = Flag(
      "json",
      help: "Print the scores, the values outside the schema and the warnings as one JSON object.")
    static let html = Option<String>(
      "html", value: "report.html", help: "Also write a self-contained HTML report.")
    static let model = Option<String>(
      "model", value: "model.slgm",
      help: "The model the synthetic table came from (adds its privacy statement and loss curve "
        + "to the HTML report).")
    static let diagnostics = Option<String>(
      "diagnostics", value: "file.csv",
      help: "With --html: a train-dpsgd --diagnostics file, plotted in the report (NOT PRIVATE: "
        + "computed from raw per-example gradients; the report says so).")
    static let strict = Flag(
      "strict",
      help: "Exit 1 when the synthetic table has values outside the schema (after printing the "
        + "report), instead of a warning.")
  }

  static let spec = CommandSpec(
    name: "evaluate",
    abstract: "Score a synthetic table against a real holdout (SDMetrics' metrics).",
    options: [
      Options.real, Options.synthetic, Options.schema, Options.train, Options.target,
      Options.convergedLogisticRegression, Options.privacy, Options.json, Options.html,
      Options.model, Options.diagnostics,
      Options.strict,
    ],
    discussion: """
      Evaluation reads real data (the holdout and the training rows): it is outside the privacy
      boundary, for the data owner. Do not publish its output as if it were private.
      logisticRegressionF1, minorityF1 and rocAuc come from scikit-learn's lbfgs stopped after 50
      iterations, as in SDMetrics' BinaryLogisticRegression (unconverged on Adult);
      --converged-logistic-regression reports the optimum of the same objective instead.

      Values of the synthetic table outside the schema (a number outside its bounds or not a
      number, an undeclared category, a missing value in a column that is not nullable) are
      scored as written and counted per column. Warnings name the metric row and both numbers:
      columnPairTrends or columnPairTrendsAll below independent columns, columnShapes more than
      0.02 below them.

      --privacy compares each synthetic row's distance to the closest training row and to the
      closest holdout row (SDMetrics' DCROverfittingProtection), and scores a distance attack
      (members: training rows; non-members: holdout rows). These are empirical measurements of
      one attack on random samples (at most 2,000 rows looked up, 50,000 searched), not a
      privacy guarantee and never an epsilon.
      """)

  static func run(_ arguments: Arguments) throws {
    guard let realPath = arguments[Options.real], let syntheticPath = arguments[Options.synthetic],
      let schemaPath = arguments[Options.schema]
    else {
      throw UsageError(message: "--real, --synthetic and --schema are required")
    }
    let trainPath = arguments[Options.train], modelPath = arguments[Options.model]
    let privacy = arguments[Options.privacy]
    if privacy && trainPath == nil {
      throw UsageError(
        message: "--privacy requires --train (the real training rows that went into the release)")
    }
    let html = arguments[Options.html]
    let diagnosticsPath = arguments[Options.diagnostics]
    if let html {
      try OutputPath.refuse(
        html, ifAnyOf: [realPath, syntheticPath, schemaPath, trainPath, modelPath, diagnosticsPath])
    } else if diagnosticsPath != nil {
      throw UsageError(message: "--diagnostics needs --html (it is plotted in the report)")
    }
    // Read before any table, so that a bad file fails first.
    let diagnostics = try diagnosticsPath.map { path in
      guard let data = FileManager.default.contents(atPath: path) else {
        throw DiagnosticsFileError(message: "\(path): cannot be read")
      }
      return try DPSGDDiagnostics.parse(String(decoding: data, as: UTF8.self), path: path)
    }
    let schema = try Schema(contentsOf: schemaPath)
    // The schema's check of --target, before any table is read.
    let target = try schema.withTarget(arguments[Options.target] ?? schema.target).target
    let real = try EvaluationTable(path: realPath, schema: schema)
    let synthetic = try EvaluationTable(path: syntheticPath, schema: schema)
    let train = try trainPath.map { try EvaluationTable(path: $0, schema: schema) }
    // Images whose label is the target also get the softmax regression's and the MLP's accuracy.
    let images = ImageSchema(recognizing: schema).flatMap { $0.label?.name == target ? $0 : nil }
    let report = try Evaluator.evaluate(
      real: real, synthetic: synthetic, train: train, target: target,
      solver: arguments[Options.convergedLogisticRegression] ? .converged : .scikitLearn,
      images: images, privacyRanges: privacy ? MembershipInference.ranges(schema) : nil)
    let model = try modelPath.map { try Model(contentsOf: $0) }
    if let html {
      try HTMLReport.write(
        report: report, real: real, synthetic: synthetic, model: model,
        images: ImageSchema(recognizing: schema), diagnostics: diagnostics, to: html)
      Console.info("Wrote \(html).")
    }
    let notPrivate = model?.header.nonPrivate != nil
    if arguments[Options.json] {
      print(String(decoding: try report.json(notPrivate: notPrivate), as: UTF8.self))
    } else {
      if notPrivate {
        print(
          NonPrivateTraining.statement + " (the synthetic rows come from a model trained "
            + "directly on private rows; its membership scores are empirical).")
        print("")
      }
      print(ScoreTable.text(report))
      print("")
      print(ScoreTable.outsideSchema(report))
      if let scores = report.privacy {
        print("")
        print(ScoreTable.privacy(scores))
      }
    }
    let strict = arguments[Options.strict]
    ScoreTable.printWarnings(report, outsideSchemaIsError: strict)
    if strict && !report.outsideSchema.isEmpty {
      throw OutsideSchemaError(path: syntheticPath, columns: report.outsideSchema)
    }
  }
}

/// The score table, the values outside the schema and the warnings printed by `evaluate` and
/// `demo`.
enum ScoreTable {
  static func text(_ report: EvaluationReport) -> String {
    let summary = report.summary()
    func f(_ x: Double?) -> String { x.map { $0.isNaN ? "–" : String(format: "%.3f", $0) } ?? "–" }
    var lines = ["metric                   synthetic  independent  real"]
    for key in report.reportKeys {
      let t = summary[key]!
      if t.synthetic == nil && t.real == nil { continue }
      lines.append(
        key.padding(toLength: 24, withPad: " ", startingAt: 0) + " "
          + f(t.synthetic).padding(toLength: 10, withPad: " ", startingAt: 0) + " "
          + f(t.independent).padding(toLength: 12, withPad: " ", startingAt: 0) + " " + f(t.real))
    }
    return lines.joined(separator: "\n")
  }

  /// The membership inference block of `evaluate --privacy`: the sample sizes, each figure with
  /// what it would be without a membership signal, and the words "not an epsilon".
  static func privacy(_ scores: MembershipScores) -> String {
    func f(_ x: Double) -> String { x.isNaN ? "–" : String(format: "%.3f", x) }
    let rows = [
      ("closer to train (share; about 0.5 is ideal)", f(scores.closerToTrain)),
      ("tied (as close to both; not closer)", f(scores.tied)),
      ("DCR overfitting protection (1 is best)", f(scores.dcrOverfittingProtection)),
      ("median DCR to train", f(scores.medianDCRToTrain)),
      ("median DCR to holdout", f(scores.medianDCRToHoldout)),
      ("distance attack AUC (0.5: no signal)", f(scores.distanceAttackAUC)),
    ]
    return
      ([
        "Membership inference (empirical, not a privacy guarantee; never an epsilon), on "
          + "random samples:",
        "  distance to closest record: \(scores.syntheticRows) synthetic rows against "
          + "\(scores.trainRows) training and \(scores.holdoutRows) holdout rows",
        "  attack: \(scores.attackMembers) members and \(scores.attackNonMembers) non-members "
          + "against \(scores.attackSyntheticRows) synthetic rows",
      ] + rows.map { "  " + $0.0.padding(toLength: 46, withPad: " ", startingAt: 0) + $0.1 })
      .joined(separator: "\n")
  }

  /// `Values outside the schema (synthetic table): none`, or the total and one line per column.
  static func outsideSchema(_ report: EvaluationReport) -> String {
    let columns = report.outsideSchema
    guard !columns.isEmpty else { return "Values outside the schema (synthetic table): none" }
    let total = columns.reduce(0) { $0 + $1.count }
    return
      ([
        "Values outside the schema (synthetic table): \(total) in \(columns.count) "
          + "column\(columns.count == 1 ? "" : "s") (scored as written)"
      ]
      + columns.map { "  " + $0.description }).joined(separator: "\n")
  }

  /// The warnings on stderr: each metric row against independent columns, the values outside
  /// the schema (unless `--strict` turns them into the error), and the holdout categories the
  /// logistic regression met only in the holdout.
  static func printWarnings(_ report: EvaluationReport, outsideSchemaIsError: Bool) {
    for warning in report.warnings {
      Console.error("WARNING: " + warning.message)
    }
    if !report.outsideSchema.isEmpty && !outsideSchemaIsError {
      let total = report.outsideSchema.reduce(0) { $0 + $1.count }
      Console.error(
        "WARNING: the synthetic table has \(total) value\(total == 1 ? "" : "s") "
          + "outside the schema ("
          + report.outsideSchema.map { "\(ValueText.quoted($0.column)) \($0.count)" }
          .joined(separator: ", ")
          + "), scored as written; --strict makes this an error (exit 1).")
    }
    let tables = [
      ("synthetic", report.synthetic), ("independent", report.independent),
      ("real", report.real),
    ]
    for (name, scores) in tables {
      guard let unseen = scores?.unseenHoldoutCategories, !unseen.isEmpty else { continue }
      Console.error(
        "Note: the \(name) table's logistic regression met categories only in the "
          + "holdout, encoded as zeros (SDMetrics raises and gives no score): "
          + unseen.map { u in
            let categories = "\(u.categories) categor\(u.categories == 1 ? "y" : "ies")"
            let rows = "\(u.rows) row\(u.rows == 1 ? "" : "s")"
            return "\(ValueText.quoted(u.column)) \(categories), \(rows) (first \"\(u.first)\")"
          }.joined(separator: "; ") + ".")
    }
  }
}
