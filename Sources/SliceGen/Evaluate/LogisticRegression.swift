// SDMetrics' BinaryLogisticRegression, reproduced: one-hot categorical columns (categories seen in
// training; unseen ones encode as all zeros), mean-impute numeric columns, scale every feature by
// scikit-learn's RobustScaler ((x − median)/IQR, IQR 0 → 1), then L2-regularised logistic
// regression with C = 1, class_weight = "balanced" and an unpenalised intercept:
//   minimise ½‖w‖² + C Σ_i s_i ℓ(y_i, wᵀx_i + b),  s_i = n / (2·n_{y_i}).
// scikit-learn stops lbfgs after 50 iterations; we solve the same objective to convergence by
// Newton's method (IRLS), which reaches the optimum lbfgs approaches (Docs/evaluation.md).

import Foundation

/// A fitted binary logistic regression on a table's columns.
struct LogisticModel {
  var weights: [Double]
  var bias: Double
  var featurizer: Featurizer

  /// P(positive | row) for every row of `table`.
  func probabilities(_ table: EvaluationTable, excluding target: Int) -> [Double] {
    let x = featurizer.features(table, excluding: target)
    let d = weights.count
    return (0..<table.rows).map { i in
      var z = bias
      for j in 0..<d { z += weights[j] * x[i * d + j] }
      return 1 / (1 + exp(-z))
    }
  }

  /// Fits on `table` with labels `y` (true = positive).
  static func fit(_ table: EvaluationTable, target: Int, labels y: [Bool]) -> LogisticModel {
    let featurizer = Featurizer(table, excluding: target)
    let x = featurizer.features(table, excluding: target)
    let n = table.rows
    let d = featurizer.width
    let positives = Double(y.filter { $0 }.count)
    let weightPositive = Double(n) / (2 * positives)
    let weightNegative = Double(n) / (2 * (Double(n) - positives))
    var w = [Double](repeating: 0, count: d + 1)  // last entry: intercept
    for _ in 0..<50 {
      var gradient = [Double](repeating: 0, count: d + 1)
      var hessian = [Double](repeating: 0, count: (d + 1) * (d + 1))
      for j in 0..<d { gradient[j] = w[j]; hessian[j * (d + 1) + j] = 1 }
      x.withUnsafeBufferPointer { xp in
        hessian.withUnsafeMutableBufferPointer { h in
          var row = [Double](repeating: 1, count: d + 1)
          for i in 0..<n {
            for j in 0..<d { row[j] = xp[i * d + j] }
            var z = 0.0
            for j in 0...d { z += w[j] * row[j] }
            let p = 1 / (1 + exp(-z))
            let s = y[i] ? weightPositive : weightNegative
            let residual = s * (p - (y[i] ? 1 : 0))
            let curvature = s * p * (1 - p)
            for j in 0...d {
              gradient[j] += residual * row[j]
              let c = curvature * row[j]
              if c == 0 { continue }
              for k in j...d { h[j * (d + 1) + k] += c * row[k] }
            }
          }
        }
      }
      for j in 0...d { for k in 0..<j { hessian[j * (d + 1) + k] = hessian[k * (d + 1) + j] } }
      guard let step = solve(hessian, gradient, d + 1) else { break }
      var largest = 0.0
      for j in 0...d { w[j] -= step[j]; largest = max(largest, abs(step[j])) }
      if largest < 1e-8 { break }
    }
    return LogisticModel(weights: Array(w[0..<d]), bias: w[d], featurizer: featurizer)
  }

  /// Solves A x = b (symmetric positive definite) by Cholesky; nil if not positive definite.
  static func solve(_ a: [Double], _ b: [Double], _ n: Int) -> [Double]? {
    var l = a
    for j in 0..<n {
      var sum = l[j * n + j]
      for k in 0..<j { sum -= l[j * n + k] * l[j * n + k] }
      guard sum > 0 else { return nil }
      let diagonal = sum.squareRoot()
      l[j * n + j] = diagonal
      for i in (j + 1)..<max(n, j + 1) {
        var s = l[i * n + j]
        for k in 0..<j { s -= l[i * n + k] * l[j * n + k] }
        l[i * n + j] = s / diagonal
      }
    }
    var y = b
    for i in 0..<n {
      for k in 0..<i { y[i] -= l[i * n + k] * y[k] }
      y[i] /= l[i * n + i]
    }
    for i in stride(from: n - 1, through: 0, by: -1) {
      for k in (i + 1)..<max(n, i + 1) { y[i] -= l[k * n + i] * y[k] }
      y[i] /= l[i * n + i]
    }
    return y
  }
}

/// Features as SDMetrics builds them, fitted on the training table.
struct Featurizer {
  enum Part { case numeric(mean: Double), oneHot([String: Int]) }
  var parts: [Part?]
  var median: [Double] = []
  var scale: [Double] = []
  var width: Int

  init(_ table: EvaluationTable, excluding target: Int) {
    var parts: [Part?] = []
    var width = 0
    for (c, column) in table.columns.enumerated() {
      guard c != target else { parts.append(nil); continue }
      switch column {
      case .numeric(let v):
        let finite = v.filter { !$0.isNaN }
        parts.append(.numeric(mean: finite.isEmpty ? 0 : finite.reduce(0, +) / Double(finite.count)))
        width += 1
      case .categorical(let v):
        // OneHotEncoder orders categories sorted; missing is its own category.
        let categories = Set(v.map { $0 ?? "\u{0}missing" }).sorted()
        var index: [String: Int] = [:]
        for (i, category) in categories.enumerated() { index[category] = i }
        parts.append(.oneHot(index))
        width += categories.count
      }
    }
    self.parts = parts
    self.width = width
    // RobustScaler on the training features.
    let x = rawFeatures(table)
    let n = table.rows
    for j in 0..<width {
      let column = (0..<n).map { x[$0 * width + j] }.sorted()
      func percentile(_ q: Double) -> Double {
        let position = q * Double(n - 1)
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, n - 1)
        return column[lower] + (column[upper] - column[lower]) * (position - Double(lower))
      }
      median.append(percentile(0.5))
      let iqr = percentile(0.75) - percentile(0.25)
      scale.append(iqr == 0 ? 1 : iqr)
    }
  }

  func rawFeatures(_ table: EvaluationTable) -> [Double] {
    var x = [Double](repeating: 0, count: table.rows * width)
    var offset = 0
    for (c, part) in parts.enumerated() {
      guard let part else { continue }
      switch (part, table.columns[c]) {
      case (.numeric(let mean), .numeric(let v)):
        for i in 0..<table.rows { x[i * width + offset] = v[i].isNaN ? mean : v[i] }
        offset += 1
      case (.oneHot(let index), .categorical(let v)):
        for i in 0..<table.rows {
          if let k = index[v[i] ?? "\u{0}missing"] { x[i * width + offset + k] = 1 }
        }
        offset += index.count
      default:
        preconditionFailure("column kinds differ between tables")
      }
    }
    return x
  }

  func features(_ table: EvaluationTable, excluding target: Int) -> [Double] {
    var x = rawFeatures(table)
    for i in 0..<table.rows {
      for j in 0..<width { x[i * width + j] = (x[i * width + j] - median[j]) / scale[j] }
    }
    return x
  }
}
