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
  /// Per column (shape score) and per pair (trend score, and whether the pair counts in
  /// `columnPairTrends`).
  public var columns: [String: Double]
  public var pairs: [PairScore]
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

/// Everything `evaluate` reports.
public struct EvaluationReport: Sendable {
  public var synthetic: TableScores
  public var independent: TableScores?
  public var real: TableScores?
  public var target: String?

  /// The JSON of `evaluate --json`: each key with synthetic, independent and real.
  public func summary() -> [String: Triple] {
    func triple(_ key: KeyPath<TableScores, Double>) -> Triple {
      Triple(synthetic: synthetic[keyPath: key], independent: independent?[keyPath: key],
             real: real?[keyPath: key])
    }
    func triple(_ key: KeyPath<TableScores, Double?>) -> Triple {
      Triple(synthetic: synthetic[keyPath: key], independent: independent?[keyPath: key] ?? nil,
             real: real?[keyPath: key] ?? nil)
    }
    return [
      "quality": triple(\.quality), "qualityAll": triple(\.qualityAll),
      "columnShapes": triple(\.columnShapes), "columnPairTrends": triple(\.columnPairTrends),
      "columnPairTrendsAll": triple(\.columnPairTrendsAll),
      "ksComplement": triple(\.ksComplement), "tvComplement": triple(\.tvComplement),
      "contingencySimilarity": triple(\.contingencySimilarity),
      "correlationSimilarity": triple(\.correlationSimilarity),
      "logisticRegressionF1": triple(\.logisticRegressionF1),
      "minorityF1": triple(\.minorityF1), "rocAuc": triple(\.rocAuc),
    ]
  }

  /// True when the synthetic table's pair trends are below the independent-columns reference.
  public var pairTrendsBelowIndependent: Bool {
    guard let independent else { return false }
    return synthetic.columnPairTrendsAll < independent.columnPairTrendsAll
      || synthetic.columnPairTrends < independent.columnPairTrends
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
  public static func evaluate(
    real: EvaluationTable, synthetic: EvaluationTable, train: EvaluationTable?, target: String?,
    solver: LogisticSolver = .scikitLearn, seed: UInt64 = 0
  ) throws -> EvaluationReport {
    let targetIndex = try target.map { name -> Int in
      guard let i = real.names.firstIndex(of: name) else {
        throw FitError(message: "--target \(name) is not a column of the schema")
      }
      guard case .categorical = real.columns[i] else {
        throw FitError(message: "--target \(name) must be a categorical column")
      }
      return i
    }
    var rng = Trainer.trainingStream(seed: seed, stream: 0x4556_414C)  // "EVAL"
    let report = EvaluationReport(
      synthetic: scores(real, synthetic, targetIndex, solver),
      independent: train.map {
        scores(real, $0.independentColumns(using: &rng), targetIndex, solver)
      },
      real: train.map { scores(real, $0, targetIndex, solver) },
      target: target)
    return report
  }

  static func scores(
    _ real: EvaluationTable, _ table: EvaluationTable, _ target: Int?,
    _ solver: LogisticSolver = .scikitLearn
  ) -> TableScores
  {
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
    for i in real.names.indices {
      for j in (i + 1)..<real.names.count {
        if case .numeric(let ra) = real.columns[i], case .numeric(let rb) = real.columns[j],
          case .numeric(let sa) = table.columns[i], case .numeric(let sb) = table.columns[j]
        {
          let rho = Metrics.pearson(ra, rb)
          let score = 1 - abs(rho - Metrics.pearson(sa, sb)) / 2
          correlation.append(score)
          pairs.append(PairScore(first: real.names[i], second: real.names[j],
                                 metric: "CorrelationSimilarity", score: score,
                                 meetsThreshold: !rho.isNaN && abs(rho) > 0.5))
        } else {
          let score = Metrics.contingencySimilarity(
            realDiscrete[i], realDiscrete[j], tableDiscrete[i], tableDiscrete[j])
          let v = Metrics.cramersV(realDiscrete[i], realDiscrete[j])
          contingency.append(score)
          pairs.append(PairScore(first: real.names[i], second: real.names[j],
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
    if let target { (f1, minority, auc) = utility(real, table, target, solver: solver) }
    return TableScores(
      quality: (shapes + trends) / 2, qualityAll: (shapes + trendsAll) / 2, columnShapes: shapes,
      columnPairTrends: trends, columnPairTrendsAll: trendsAll, ksComplement: mean(ks),
      tvComplement: mean(tv), contingencySimilarity: mean(contingency),
      correlationSimilarity: mean(correlation), logisticRegressionF1: f1, minorityF1: minority,
      rocAuc: auc, columns: columnScores, pairs: pairs)
  }

  /// F1 as SDMetrics computes it (the first label of the holdout's target is positive), F1 of
  /// the holdout's minority class, and ROC AUC of σ(wᵀx + b) (scikit-learn's predict_proba).
  /// A row is predicted positive when wᵀx + b > 0 (scikit-learn's predict).
  static func utility(
    _ test: EvaluationTable, _ train: EvaluationTable, _ target: Int,
    solver: LogisticSolver = .scikitLearn
  ) -> (Double, Double, Double) {
    guard case .categorical(let testTarget) = test.columns[target],
      case .categorical(let trainTarget) = train.columns[target]
    else { return (.nan, .nan, .nan) }
    let first = testTarget.first ?? nil
    let yTest = testTarget.map { $0 == first }
    let yTrain = trainTarget.map { $0 == first }
    let probability: [Double], predicted: [Bool]
    if Set(yTrain).count < 2 {
      // One label in training: SDMetrics predicts it for every row.
      probability = yTest.map { _ in yTrain.first == true ? 1 : 0 }
      predicted = probability.map { $0 > 0.5 }
    } else {
      let model = LogisticModel.fit(train, target: target, labels: yTrain, solver: solver)
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
    return (f1(true), f1(!firstIsMajority), rocAuc(probability, yTest))
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
