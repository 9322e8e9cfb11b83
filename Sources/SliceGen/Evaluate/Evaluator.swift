// `evaluate` as a library call: SDMetrics' quality-report metrics and a downstream logistic
// regression for a synthetic table, with two references beside it: independent columns (each
// column of the training table shuffled on its own) and the real training rows.

import Foundation

/// Scores of one table against the real holdout.
public struct TableScores: Codable, Sendable {
  public var quality: Double
  public var qualityAll: Double
  public var columnShapes: Double
  public var columnPairTrends: Double
  public var columnPairTrendsAll: Double
  public var ksComplement: Double
  public var tvComplement: Double
  public var contingencySimilarity: Double
  public var correlationSimilarity: Double
  public var logisticRegressionF1: Double?
  public var minorityF1: Double?
  public var rocAuc: Double?
  /// With an image layout: a softmax regression's accuracy on the holdout when trained on this
  /// table's labelled images (SoftmaxRegression.swift).
  public var softmaxAccuracy: Double? = nil
  /// With an image layout: a one-hidden-layer MLP's accuracy on the holdout when trained on this
  /// table's labelled images (MLPClassifier.swift).
  public var mlpAccuracy: Double? = nil
  /// Per column (shape score) and per pair (trend score, and whether the pair counts in
  /// `columnPairTrends`).
  public var columns: [String: Double]
  public var pairs: [PairScore]
  /// Categories of the holdout that this table lacks (feature columns of the logistic
  /// regression): encoded as all zeros, where SDMetrics' OneHotEncoder raises and gives no score.
  public var unseenHoldoutCategories: [UnseenCategories] = []
}

/// Categories of the holdout's column that the table the logistic regression was trained on lacks.
public struct UnseenCategories: Codable, Sendable, Equatable {
  public var column: String
  /// How many distinct categories (a missing value counts as one), and how many holdout rows
  /// hold one of them.
  public var categories: Int
  public var rows: Int
  /// The first such category met in the holdout (at most `ValueText.limit` characters).
  public var first: String
}

/// The trend score of one pair of columns.
public struct PairScore: Codable, Sendable {
  public var first: String
  public var second: String
  public var metric: String
  public var score: Double
  public var meetsThreshold: Bool
}

/// A value for each of the three tables.
public struct Triple: Codable, Sendable {
  public var synthetic: Double?
  public var independent: Double?
  public var real: Double?
}

/// A comparison of the synthetic table with the independent-columns reference that went wrong:
/// the metric row, both numbers and what it means.
public struct EvaluationWarning: Codable, Sendable, Equatable {
  /// The key of the metric row (`columnPairTrends`, `columnPairTrendsAll`, `columnShapes`).
  public var metric: String
  public var synthetic: Double
  public var independent: Double
  public var message: String
}

/// Everything `evaluate` reports.
public struct EvaluationReport: Sendable {
  public var synthetic: TableScores
  public var independent: TableScores?
  public var real: TableScores?
  public var target: String?
  /// The synthetic table's columns with values outside the schema (OutsideSchema.swift).
  public var outsideSchema: [OutsideSchemaCount] = []
  /// The membership inference scores (`evaluate --privacy`, MembershipInference.swift): empirical,
  /// not a privacy guarantee.
  public var privacy: MembershipScores? = nil

  /// How far below the independent-columns reference `columnShapes` may be before a warning.
  public static let columnShapesMargin = 0.02

  /// The metric keys, in the order of the score table.
  public static let keys = [
    "quality", "qualityAll", "columnShapes", "columnPairTrends", "columnPairTrendsAll",
    "ksComplement", "tvComplement", "contingencySimilarity", "correlationSimilarity",
    "logisticRegressionF1", "minorityF1", "rocAuc",
  ]

  /// The keys this report has, in the order of the score table: `keys`, then
  /// `softmaxAccuracy` and `mlpAccuracy` when they were measured (images).
  public var reportKeys: [String] {
    Self.keys + (synthetic.softmaxAccuracy == nil ? [] : ["softmaxAccuracy"])
      + (synthetic.mlpAccuracy == nil ? [] : ["mlpAccuracy"])
  }

  /// Each key of `reportKeys` with synthetic, independent and real.
  public func summary() -> [String: Triple] {
    func triple(_ key: KeyPath<TableScores, Double>) -> Triple {
      Triple(
        synthetic: synthetic[keyPath: key], independent: independent?[keyPath: key],
        real: real?[keyPath: key])
    }
    func triple(_ key: KeyPath<TableScores, Double?>) -> Triple {
      Triple(
        synthetic: synthetic[keyPath: key], independent: independent?[keyPath: key] ?? nil,
        real: real?[keyPath: key] ?? nil)
    }
    var all = [
      "quality": triple(\.quality), "qualityAll": triple(\.qualityAll),
      "columnShapes": triple(\.columnShapes), "columnPairTrends": triple(\.columnPairTrends),
      "columnPairTrendsAll": triple(\.columnPairTrendsAll),
      "ksComplement": triple(\.ksComplement), "tvComplement": triple(\.tvComplement),
      "contingencySimilarity": triple(\.contingencySimilarity),
      "correlationSimilarity": triple(\.correlationSimilarity),
      "logisticRegressionF1": triple(\.logisticRegressionF1),
      "minorityF1": triple(\.minorityF1), "rocAuc": triple(\.rocAuc),
    ]
    if synthetic.softmaxAccuracy != nil { all["softmaxAccuracy"] = triple(\.softmaxAccuracy) }
    if synthetic.mlpAccuracy != nil { all["mlpAccuracy"] = triple(\.mlpAccuracy) }
    return all
  }

  /// The synthetic table against the independent-columns reference, one warning per metric row
  /// that fails: `columnPairTrends` and `columnPairTrendsAll` each when below the reference,
  /// `columnShapes` when more than `columnShapesMargin` below it. Empty without the reference
  /// (no `--train`) and for undefined (NaN) values.
  public var warnings: [EvaluationWarning] {
    guard let independent else { return [] }
    var warnings: [EvaluationWarning] = []
    let rows: [(String, KeyPath<TableScores, Double>, String)] = [
      (
        "columnPairTrends", \.columnPairTrends,
        "the QualityReport's pairs, those with real association above its thresholds"
      ),
      ("columnPairTrendsAll", \.columnPairTrendsAll, "every pair, no threshold"),
    ]
    for (key, path, pairs) in rows {
      let s = synthetic[keyPath: path], i = independent[keyPath: path]
      guard s < i else { continue }
      let (st, it) = Self.distinct(s, i)
      warnings.append(
        EvaluationWarning(
          metric: key, synthetic: s, independent: i,
          message: "\(key) is \(st) for the synthetic table, below \(it) for independent "
            + "columns (\(pairs)): on these pairs it keeps less of the relationships between "
            + "columns than shuffling each real column on its own."))
    }
    let s = synthetic.columnShapes, i = independent.columnShapes
    if i - s > Self.columnShapesMargin {
      let (st, it) = Self.distinct(s, i)
      // The columns that lose most against the reference, worst first.
      let gaps = synthetic.columns.compactMap { name, score -> (String, Double, Double)? in
        guard let reference = independent.columns[name], !score.isNaN, !reference.isNaN,
          score < reference
        else { return nil }
        return (name, score, reference)
      }.sorted { ($0.2 - $0.1, $1.0) > ($1.2 - $1.1, $0.0) }.prefix(3)
      let worst = gaps.map {
        "\(ValueText.quoted($0.0)) \(Self.format($0.1, 3)) (independent \(Self.format($0.2, 3)))"
      }.joined(separator: ", ")
      warnings.append(
        EvaluationWarning(
          metric: "columnShapes", synthetic: s, independent: i,
          message: "columnShapes is \(st) for the synthetic table, \(Self.format(i - s, 3)) below "
            + "\(it) for independent columns (more than \(Self.columnShapesMargin) below): its "
            + "columns' own distributions are further from the holdout than the real training "
            + "columns'" + (worst.isEmpty ? "." : "; furthest: \(worst).")))
    }
    return warnings
  }

  /// `x` with `digits` decimals.
  static func format(_ x: Double, _ digits: Int) -> String {
    String(format: "%.\(digits)f", x)
  }

  /// Two different numbers written with 3 decimals, or more until they read differently (at
  /// most 9), so that a message never says "0.823 is below 0.823".
  static func distinct(_ a: Double, _ b: Double) -> (String, String) {
    var digits = 3
    while digits < 9 && format(a, digits) == format(b, digits) { digits += 1 }
    return (format(a, digits), format(b, digits))
  }

  /// The JSON object of `evaluate --json` (keys sorted, NaN as "nan"): every key of `summary()`
  /// with synthetic, independent and real; `outsideSchema`, the synthetic table's columns with
  /// values outside the schema; `warnings`, each with its metric and both numbers; `privacy`,
  /// the membership inference scores, when they were measured; `modelPrivacy`, only for
  /// synthetic rows from a model trained with no differential privacy (`notPrivate`), reads
  /// `NonPrivateTraining.statement`.
  public func json(notPrivate: Bool = false) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return try encoder.encode(
      EvaluationJSON(
        scores: summary(), outsideSchema: outsideSchema, warnings: warnings, privacy: privacy,
        modelPrivacy: notPrivate ? NonPrivateTraining.statement : nil))
  }
}

/// The object `EvaluationReport.json()` writes: the metric keys beside two lists.
private struct EvaluationJSON: Encodable {
  struct Key: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }

  var scores: [String: Triple]
  var outsideSchema: [OutsideSchemaCount]
  var warnings: [EvaluationWarning]
  var privacy: MembershipScores?
  var modelPrivacy: String?

  func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: Key.self)
    for (key, triple) in scores { try container.encode(triple, forKey: Key(key)) }
    try container.encode(outsideSchema, forKey: Key("outsideSchema"))
    try container.encode(warnings, forKey: Key("warnings"))
    if let privacy { try container.encode(privacy, forKey: Key("privacy")) }
    if let modelPrivacy { try container.encode(modelPrivacy, forKey: Key("modelPrivacy")) }
  }
}

/// Computes evaluation reports.
public enum Evaluator {
  /// - Parameters:
  ///   - real: the holdout every table is compared with.
  ///   - train: the real training rows (for the references); nil to skip them.
  ///   - target: the binary target column for the logistic regression; nil to skip it.
  ///   - solver: `.scikitLearn` (default) reproduces SDMetrics' unconverged 50-iteration fit;
  ///     `.converged` reports the optimum of the same objective.
  ///   - images: the layout of image tables whose label is the target; the softmax regression's
  ///     accuracy (`softmaxAccuracy`) and the MLP's (`mlpAccuracy`, its randomness
  ///     `SeededStream.mlpClassifier` under `seed`) are then measured for the synthetic and real
  ///     tables.
  ///   - privacyRanges: with `train`, measure the membership inference scores
  ///     (`MembershipInference.measure`, on samples drawn from the same seeded stream after the
  ///     independent columns) with these column ranges (`MembershipInference.ranges(schema)`);
  ///     nil to skip them.
  public static func evaluate(
    real: EvaluationTable, synthetic: EvaluationTable, train: EvaluationTable?, target: String?,
    solver: LogisticSolver = .scikitLearn, seed: UInt64 = 0, images: ImageSchema? = nil,
    privacyRanges: [Double?]? = nil
  ) throws -> EvaluationReport {
    let targetIndex = try target.map { name -> Int in
      let quoted = "\"\(ValueText.quoted(name))\""
      guard let i = real.names.firstIndex(of: name) else {
        throw OptionError(
          option: "target", value: nil, rule: "\(quoted) is not a column of the schema")
      }
      guard case .categorical = real.columns[i] else {
        throw OptionError(option: "target", value: quoted, rule: "must be a categorical column")
      }
      return i
    }
    var rng = SeededStream.make(seed: seed, stream: SeededStream.evaluation)
    var report = EvaluationReport(
      synthetic: scores(real, synthetic, targetIndex, solver),
      independent: train.map {
        scores(real, $0.independentColumns(using: &rng), targetIndex, solver)
      },
      real: train.map { scores(real, $0, targetIndex, solver) },
      target: target, outsideSchema: synthetic.outsideSchema)
    if let privacyRanges, let train {
      report.privacy = MembershipInference.measure(
        train: train, holdout: real, synthetic: synthetic, ranges: privacyRanges, using: &rng)
    }
    if let images, images.label != nil {
      report.synthetic.softmaxAccuracy = SoftmaxRegression.accuracy(
        train: synthetic, test: real, layout: images)
      report.synthetic.mlpAccuracy = MLPClassifier.accuracy(
        train: synthetic, test: real, layout: images, seed: seed)
      if let train {
        report.real?.softmaxAccuracy = SoftmaxRegression.accuracy(
          train: train, test: real, layout: images)
        report.real?.mlpAccuracy = MLPClassifier.accuracy(
          train: train, test: real, layout: images, seed: seed)
      }
    }
    return report
  }

  static func scores(
    _ real: EvaluationTable, _ table: EvaluationTable, _ target: Int?,
    _ solver: LogisticSolver = .scikitLearn
  ) -> TableScores {
    var columnScores: [String: Double] = [:]
    var ks: [Double] = [], tv: [Double] = []
    for c in real.names.indices {
      switch (real.columns[c], table.columns[c]) {
      case (.numeric(let a), .numeric(let b)):
        let s = Metrics.ksComplement(a, b)
        ks.append(s)
        columnScores[real.names[c]] = s
      case (.categorical(let a), .categorical(let b)):
        let s = Metrics.tvComplement(a, b)
        tv.append(s)
        columnScores[real.names[c]] = s
      default: break
      }
    }
    // Discrete views: categorical codes (shared table), numeric digitized per table.
    var codeTables = real.names.map { _ in [String: Int]() }
    var realDiscrete: [[Int]] = [], tableDiscrete: [[Int]] = []
    for c in real.names.indices {
      switch (real.columns[c], table.columns[c]) {
      case (.numeric(let a), .numeric(let b)):
        realDiscrete.append(Metrics.digitize(a))
        tableDiscrete.append(Metrics.digitize(b))
      case (.categorical(let a), .categorical(let b)):
        realDiscrete.append(Metrics.codes(a, into: &codeTables[c]))
        tableDiscrete.append(Metrics.codes(b, into: &codeTables[c]))
      default:
        realDiscrete.append([])
        tableDiscrete.append([])
      }
    }
    var pairs: [PairScore] = []
    var contingency: [Double] = [], correlation: [Double] = []
    let realCentered = Metrics.CenteredColumns(real.columns)
    let tableCentered = Metrics.CenteredColumns(table.columns)
    for i in real.names.indices {
      for j in (i + 1)..<real.names.count {
        if case .numeric(let ra) = real.columns[i], case .numeric(let rb) = real.columns[j],
          case .numeric(let sa) = table.columns[i], case .numeric(let sb) = table.columns[j]
        {
          let rho = realCentered.pearson(i, j) ?? Metrics.pearson(ra, rb)
          let score = 1 - abs(rho - (tableCentered.pearson(i, j) ?? Metrics.pearson(sa, sb))) / 2
          correlation.append(score)
          pairs.append(
            PairScore(
              first: real.names[i], second: real.names[j],
              metric: "CorrelationSimilarity", score: score,
              meetsThreshold: !rho.isNaN && abs(rho) > 0.5))
        } else {
          let score = Metrics.contingencySimilarity(
            realDiscrete[i], realDiscrete[j], tableDiscrete[i], tableDiscrete[j])
          let v = Metrics.cramersV(realDiscrete[i], realDiscrete[j])
          contingency.append(score)
          pairs.append(
            PairScore(
              first: real.names[i], second: real.names[j],
              metric: "ContingencySimilarity", score: score,
              meetsThreshold: !v.isNaN && v > 0.3))
        }
      }
    }
    func mean(_ x: [Double]) -> Double {
      let f = x.filter { !$0.isNaN }
      return f.isEmpty ? .nan : f.reduce(0, +) / Double(f.count)
    }
    let shapes = mean(Array(columnScores.values))
    let trends = mean(pairs.filter(\.meetsThreshold).map(\.score))
    let trendsAll = mean(pairs.map(\.score))
    var f1: Double? = nil, minority: Double? = nil, auc: Double? = nil
    var unseen: [UnseenCategories] = []
    if let target { (f1, minority, auc, unseen) = utility(real, table, target, solver: solver) }
    return TableScores(
      quality: (shapes + trends) / 2, qualityAll: (shapes + trendsAll) / 2, columnShapes: shapes,
      columnPairTrends: trends, columnPairTrendsAll: trendsAll, ksComplement: mean(ks),
      tvComplement: mean(tv), contingencySimilarity: mean(contingency),
      correlationSimilarity: mean(correlation), logisticRegressionF1: f1, minorityF1: minority,
      rocAuc: auc, columns: columnScores, pairs: pairs, unseenHoldoutCategories: unseen)
  }

  /// F1 as SDMetrics computes it (the first label of the holdout's target is positive), F1 of
  /// the holdout's minority class, and ROC AUC of σ(wᵀx + b) (scikit-learn's predict_proba).
  /// A row is predicted positive when wᵀx + b > 0 (scikit-learn's predict). Last, the
  /// holdout's categories that `train` lacks (encoded as zeros; SDMetrics raises on them).
  static func utility(
    _ test: EvaluationTable, _ train: EvaluationTable, _ target: Int,
    solver: LogisticSolver = .scikitLearn
  ) -> (Double, Double, Double, [UnseenCategories]) {
    guard case .categorical(let testTarget) = test.columns[target],
      case .categorical(let trainTarget) = train.columns[target]
    else { return (.nan, .nan, .nan, []) }
    let first = testTarget.first ?? nil
    let yTest = testTarget.map { $0 == first }
    let yTrain = trainTarget.map { $0 == first }
    let probability: [Double], predicted: [Bool]
    var unseen: [UnseenCategories] = []
    if Set(yTrain).count < 2 {
      // One label in training: SDMetrics predicts it for every row.
      probability = yTest.map { _ in yTrain.first == true ? 1 : 0 }
      predicted = probability.map { $0 > 0.5 }
    } else {
      let model = LogisticModel.fit(train, target: target, labels: yTrain, solver: solver)
      unseen = model.featurizer.unseenCategories(test)
      let decision = model.decisions(test)
      probability = decision.map { 1 / (1 + exp(-$0)) }
      predicted = decision.map { $0 > 0 }
    }
    func f1(_ positive: Bool) -> Double {
      var tp = 0.0, fp = 0.0, fn = 0.0
      for i in yTest.indices {
        if predicted[i] == positive && yTest[i] == positive { tp += 1 }
        if predicted[i] == positive && yTest[i] != positive { fp += 1 }
        if predicted[i] != positive && yTest[i] == positive { fn += 1 }
      }
      return tp == 0 ? 0 : 2 * tp / (2 * tp + fp + fn)
    }
    let firstIsMajority = yTest.filter { $0 }.count * 2 >= yTest.count
    return (f1(true), f1(!firstIsMajority), rocAuc(probability, yTest), unseen)
  }

  /// Area under the ROC curve by ranks (ties share their average rank).
  static func rocAuc(_ score: [Double], _ label: [Bool]) -> Double {
    let order = score.indices.sorted { score[$0] < score[$1] }
    var ranks = [Double](repeating: 0, count: score.count)
    var i = 0
    while i < order.count {
      var j = i
      while j + 1 < order.count && score[order[j + 1]] == score[order[i]] { j += 1 }
      let average = Double(i + j) / 2 + 1
      for k in i...j { ranks[order[k]] = average }
      i = j + 1
    }
    let positives = Double(label.filter { $0 }.count)
    let negatives = Double(label.count) - positives
    guard positives > 0, negatives > 0 else { return .nan }
    let sum = zip(ranks, label).filter { $0.1 }.reduce(0) { $0 + $1.0 }
    return (sum - positives * (positives + 1) / 2) / (positives * negatives)
  }
}
