import Foundation
import Testing

@testable import SliceGen

@Suite("Evaluate")
struct EvaluateTests {
  @Test("ROC AUC by ranks equals the pairwise definition; logistic regression separates")
  func utility() throws {
    var rng = TestRNG(seed: 3)
    let scores = (0..<60).map { _ in Double.random(in: 0...1, using: &rng).rounded(toPlaces: 1) }
    let labels = (0..<60).map { _ in Bool.random(using: &rng) }
    var pairs = 0.0, wins = 0.0
    for i in scores.indices where labels[i] {
      for j in scores.indices where !labels[j] {
        pairs += 1
        wins += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0
      }
    }
    #expect(abs(Evaluator.rocAuc(scores, labels) - wins / pairs) < 1e-12)
    // y = "yes" exactly when x > 0.5 and colour is red: a linear model does well.
    var x: [Double] = [], colour: [String?] = [], y: [String?] = []
    for _ in 0..<400 {
      let v = Double.random(in: 0...1, using: &rng)
      let c = Bool.random(using: &rng) ? "red" : "blue"
      x.append(v)
      colour.append(c)
      y.append(v > 0.5 && c == "red" ? "yes" : "no")
    }
    let table = EvaluationTable(
      names: ["x", "colour", "y"], columns: [.numeric(x), .categorical(colour), .categorical(y)])
    let (f1, minority, auc, _) = Evaluator.utility(table, table, 2)
    #expect(auc > 0.95 && minority > 0.8 && f1 > 0.9)
  }

  @Test("identical tables score 1; independent columns keep 1-way shapes exactly")
  func references() throws {
    let schema = try Schema(contentsOf: TestPaths.adultSchema)
    let test = try EvaluationTable(
      path: TestPaths.repository.appendingPathComponent("samples/adult/test.csv").path,
      schema: schema)
    let report = try Evaluator.evaluate(real: test, synthetic: test, train: test, target: "income")
    #expect(report.synthetic.quality == 1)
    #expect(report.independent!.columnShapes == 1)
    #expect(report.independent!.columnPairTrendsAll < 0.95)
    #expect(report.warnings.isEmpty)
  }

  /// Scores with the given shape and trend values (everything else 1).
  static func scores(
    shapes: Double, trends: Double, trendsAll: Double, columns: [String: Double] = [:]
  ) -> TableScores {
    TableScores(
      quality: 1, qualityAll: 1, columnShapes: shapes, columnPairTrends: trends,
      columnPairTrendsAll: trendsAll, ksComplement: 1, tvComplement: 1, contingencySimilarity: 1,
      correlationSimilarity: 1, logisticRegressionF1: nil, minorityF1: nil, rocAuc: nil,
      columns: columns, pairs: [])
  }

  @Test("pairs above but all pairs below: the warning names columnPairTrendsAll and both numbers")
  func warningNamesTheRow() {
    // The case of issue 14: columnPairTrends 0.823 against 0.687 (above), the all-pairs row below.
    let report = EvaluationReport(
      synthetic: Self.scores(shapes: 0.99, trends: 0.823, trendsAll: 0.801),
      independent: Self.scores(shapes: 0.99, trends: 0.687, trendsAll: 0.921), real: nil,
      target: nil)
    #expect(report.warnings.map(\.metric) == ["columnPairTrendsAll"])
    let warning = report.warnings[0]
    #expect(warning.synthetic == 0.801 && warning.independent == 0.921)
    #expect(
      warning.message.hasPrefix(
        "columnPairTrendsAll is 0.801 for the synthetic table, below 0.921 for independent columns")
    )
    // Both rows below: two warnings, each with its own numbers.
    let both = EvaluationReport(
      synthetic: Self.scores(shapes: 0.99, trends: 0.6, trendsAll: 0.8),
      independent: Self.scores(shapes: 0.99, trends: 0.687, trendsAll: 0.921), real: nil,
      target: nil)
    #expect(both.warnings.map(\.metric) == ["columnPairTrends", "columnPairTrendsAll"])
    #expect(
      both.warnings[0].message.hasPrefix(
        "columnPairTrends is 0.600 for the synthetic "
          + "table, below 0.687 for independent columns"))
  }

  @Test("numbers that round alike are written with more digits")
  func distinctDigits() {
    #expect(EvaluationReport.distinct(0.82341, 0.82344) == ("0.82341", "0.82344"))
    #expect(EvaluationReport.distinct(0.5, 0.7) == ("0.500", "0.700"))
  }

  @Test("column shapes more than 0.02 below independent columns get their own warning")
  func shapesWarning() {
    let independent = Self.scores(
      shapes: 0.994, trends: 0.5, trendsAll: 0.5, columns: ["age": 0.996, "sex": 0.992])
    func report(_ shapes: Double, _ columns: [String: Double]) -> EvaluationReport {
      EvaluationReport(
        synthetic: Self.scores(shapes: shapes, trends: 0.9, trendsAll: 0.9, columns: columns),
        independent: independent, real: nil, target: nil)
    }
    // 0.019 below: within the margin.
    #expect(report(0.975, ["age": 0.96, "sex": 0.99]).warnings.isEmpty)
    let warnings = report(0.951, ["age": 0.91, "sex": 0.992]).warnings
    #expect(warnings.map(\.metric) == ["columnShapes"])
    #expect(
      warnings.first?.message == "columnShapes is 0.951 for the synthetic table, 0.043 "
        + "below 0.994 for independent columns (more than 0.02 below): its columns' own "
        + "distributions are further from the holdout than the real training columns'; furthest: "
        + "age 0.910 (independent 0.996).")
    // Without the reference (no --train), nothing to compare with.
    let alone = EvaluationReport(
      synthetic: Self.scores(shapes: 0.5, trends: 0.1, trendsAll: 0.1), independent: nil,
      real: nil, target: nil)
    #expect(alone.warnings.isEmpty)
  }

  @Test("holdout categories the table lacks are listed (SDMetrics would raise on them)")
  func unseenCategories() {
    let train = EvaluationTable(
      names: ["x", "colour", "y"],
      columns: [
        .numeric([1, 2, 3, 4]), .categorical(["red", "blue", "red", "blue"]),
        .categorical(["yes", "no", "yes", "no"]),
      ])
    let test = EvaluationTable(
      names: ["x", "colour", "y"],
      columns: [
        .numeric([1, 2, 3, 4]), .categorical(["red", "green", nil, "green"]),
        .categorical(["yes", "no", "yes", "no"]),
      ])
    let (_, _, _, unseen) = Evaluator.utility(test, train, 2)
    #expect(unseen == [UnseenCategories(column: "colour", categories: 2, rows: 3, first: "green")])
    let (_, _, _, none) = Evaluator.utility(train, train, 2)
    #expect(none.isEmpty)
  }

  @Test("high cardinality: 5,000 categories, hashed counts give exact scores")
  func highCardinality() {
    let n = 50_000
    let a = (0..<n).map { Optional("c\($0 % 5000)") }
    let b = (0..<n).map { Optional("c\(($0 * 7) % 5000)") }
    var table: [String: Int] = [:]
    let ca = Metrics.codes(a, into: &table), cb = Metrics.codes(b, into: &table)
    #expect(Metrics.contingencySimilarity(ca, cb, ca, cb) == 1)
    // b is a permutation of the same 5,000 equally frequent categories: 1-way TV is exact.
    #expect(abs(Metrics.tvComplement(a, b) - 1) < 1e-12)
    // (x, 7x mod 5000) is a bijection on categories: perfect association.
    #expect(abs(Metrics.cramersV(ca, cb) - 1) < 1e-9)
  }
}

extension Double {
  func rounded(toPlaces places: Int) -> Double {
    let p = pow(10.0, Double(places))
    return (self * p).rounded() / p
  }
}
