// SDMetrics' BinaryLogisticRegression, reproduced (sdmetrics 0.32, scikit-learn 1.9, scipy 1.17):
//
// Features (`Featurizer`), fitted on the training table, as `sdmetrics.utils.HyperTransformer`
// and the pipeline `SimpleImputer → RobustScaler` build them:
//   - numeric columns first, in table order, missing values replaced by the training mean;
//   - then, for each categorical column in table order, its one-hot block (`OneHotEncoder`:
//     the training table's categories sorted, a missing value its own category, last);
//     HyperTransformer drops each categorical column and appends its block at the end;
//     a category the training table lacks encodes as all zeros (SDMetrics would raise; the
//     report lists them, `unseenCategories`);
//   - every feature then (x − median)/IQR (`RobustScaler`: percentiles 25/50/75 with linear
//     interpolation; an IQR below 10ε becomes 1).
//
// Model: scikit-learn's `LogisticRegression(solver="lbfgs", C=1, class_weight="balanced",
// max_iter=50)`. With labels yᵢ ∈ {0, 1}, the positive class being the holdout's first label
// (SDMetrics' choice), balanced weights sᵢ = n / (2 n_{yᵢ}) and S = Σ sᵢ (= n up to rounding),
// `_logistic_regression_path` minimises through `LinearModelLoss`
//   f(w, b) = (1/S) Σᵢ sᵢ ℓ(yᵢ, zᵢ) + (1/(2 C S)) ‖w‖²,   zᵢ = wᵀxᵢ + b (b not penalised),
//   ℓ(y, z) = log(1 + eᶻ) − y z   (HalfBinomialLoss),
//   ∂f/∂w = (1/S) Σᵢ sᵢ (σ(zᵢ) − yᵢ) xᵢ + w/(C S),   ∂f/∂b = (1/S) Σᵢ sᵢ (σ(zᵢ) − yᵢ),
// with scipy's L-BFGS-B from w = 0, b = 0 and the options scikit-learn passes: maxiter 50,
// maxls 50, gtol = tol = 1e-4, ftol = 64ε, m = 10. On these features (capital_gain keeps its
// dollar scale: its IQR is 0) it does not converge in 50 iterations; the default reports that
// 50th iterate, because it is what SDMetrics reports. `LogisticSolver.converged` instead solves
// the same objective to its optimum by Newton's method (scikit-learn with max_iter = 1000 is
// within 0.001 of it on Adult).

import Foundation
import SliceGenNumerics

/// How the logistic regression of `evaluate` is fitted.
public enum LogisticSolver: Sendable {
  /// scikit-learn's lbfgs path, stopped after 50 iterations as SDMetrics runs it (the default:
  /// its F1 is SDMetrics' BinaryLogisticRegression).
  case scikitLearn
  /// Newton's method to convergence: the optimum of the same objective.
  case converged
}

/// A fitted binary logistic regression on a table's columns.
struct LogisticModel {
  var weights: [Double]
  var bias: Double
  var featurizer: Featurizer
  /// L-BFGS-B's counts (scipy's `nit`, `nfev`); Newton steps and 0 for `.converged`.
  var iterations = 0
  var evaluations = 0

  /// The decision values wᵀx + b for every row of `table` (positive when predicted positive).
  func decisions(_ table: EvaluationTable) -> [Double] {
    let x = featurizer.features(table)  // (rows, d)
    let d = weights.count
    return x.withUnsafeBufferPointer { xp in
      weights.withUnsafeBufferPointer { wp in
        (0..<table.rows).map { i in
          var z = 0.0
          let row = i &* d
          for j in 0..<d { z += xp[row &+ j] * wp[j] }
          return z + bias
        }
      }
    }
  }

  /// Fits on `table` with labels `y` (true = positive); `target` is left out of the features.
  static func fit(
    _ table: EvaluationTable, target: Int, labels y: [Bool], solver: LogisticSolver = .scikitLearn
  ) -> LogisticModel {
    let featurizer = Featurizer(table, excluding: target)
    let x = featurizer.features(table)
    switch solver {
    case .scikitLearn:
      let loss = BalancedLogisticLoss(x: x, width: featurizer.width, labels: y)
      var options = LBFGSB.Options()
      options.maxIterations = 50
      options.maxLineSearchSteps = 50
      options.gradientTolerance = 1e-4
      options.relativeDecreaseTolerance = 64 * 2.220446049250313e-16
      let result = LBFGSB.minimize(
        from: [Double](repeating: 0, count: featurizer.width + 1), options: options
      ) { w, g in loss.value(w, gradient: &g) }
      return LogisticModel(
        weights: Array(result.x[0..<featurizer.width]), bias: result.x[featurizer.width],
        featurizer: featurizer, iterations: result.iterations, evaluations: result.evaluations)
    case .converged:
      let (w, steps) = newton(x, width: featurizer.width, labels: y)
      return LogisticModel(
        weights: Array(w[0..<featurizer.width]), bias: w[featurizer.width],
        featurizer: featurizer, iterations: steps)
    }
  }

  /// Newton's method (IRLS) on ½‖w‖² + C Σᵢ sᵢ ℓ(yᵢ, zᵢ), C = 1: the objective above times
  /// C·S, so the same minimiser. Returns (w with the intercept last, steps taken).
  /// Each step is damped by backtracking: the full Newton step is taken when it does not raise
  /// the objective (beyond rounding, 1e-12 of it), else half of it, and so on. A full step can
  /// overshoot on an ill-conditioned problem (raw pixels of 0…255, many nearly collinear: on
  /// 10,000 Fashion-MNIST images the undamped iteration came within |g| = 25 of the optimum and
  /// then diverged to infinity); where every full step lowers the objective, as on Adult, the
  /// path is the undamped one.
  static func newton(_ x: [Double], width d: Int, labels y: [Bool]) -> ([Double], Int) {
    let n = y.count
    let positives = Double(y.filter { $0 }.count)
    let weightPositive = Double(n) / (2 * positives)
    let weightNegative = Double(n) / (2 * (Double(n) - positives))
    var w = [Double](repeating: 0, count: d + 1)  // last entry: intercept
    var steps = 0
    for _ in 0..<50 {
      var gradient = [Double](repeating: 0, count: d + 1)
      var hessian = [Double](repeating: 0, count: (d + 1) * (d + 1))
      for j in 0..<d {
        gradient[j] = w[j]
        hessian[j * (d + 1) + j] = 1
      }
      x.withUnsafeBufferPointer { xp in
        hessian.withUnsafeMutableBufferPointer { h in
          gradient.withUnsafeMutableBufferPointer { g in
            w.withUnsafeBufferPointer { wp in
              accumulate(
                x: xp.baseAddress!, width: d, labels: y, weights: wp.baseAddress!,
                positive: weightPositive, negative: weightNegative, gradient: g.baseAddress!,
                hessian: h.baseAddress!)
            }
          }
        }
      }
      for j in 0...d { for k in 0..<j { hessian[j * (d + 1) + k] = hessian[k * (d + 1) + j] } }
      guard let step = solve(hessian, gradient, d + 1) else { break }
      let current = objective(
        w, x: x, width: d, labels: y, positive: weightPositive,
        negative: weightNegative)
      var t = 1.0, accepted: [Double]? = nil
      for _ in 0..<40 {
        let candidate = (0...d).map { w[$0] - t * step[$0] }
        let value = objective(
          candidate, x: x, width: d, labels: y, positive: weightPositive,
          negative: weightNegative)
        if value <= current + 1e-12 * abs(current) {
          accepted = candidate
          break
        }
        t /= 2
      }
      guard let next = accepted else { break }
      steps += 1
      var largest = 0.0
      for j in 0...d { largest = max(largest, abs(next[j] - w[j])) }
      w = next
      if largest < 1e-8 { break }
    }
    return (w, steps)
  }

  /// The objective `newton` minimises at `w` (intercept last): ½ Σ_{j<d} w_j² + Σᵢ sᵢ ℓᵢ, with
  /// ℓᵢ = log(1 + e^(−mᵢ)), mᵢ = zᵢ for a positive row and −zᵢ otherwise, computed without
  /// overflow.
  static func objective(
    _ w: [Double], x: [Double], width d: Int, labels y: [Bool], positive: Double,
    negative: Double
  ) -> Double {
    var total = 0.0
    for j in 0..<d { total += w[j] * w[j] / 2 }
    x.withUnsafeBufferPointer { x in
      w.withUnsafeBufferPointer { w in
        for i in 0..<y.count {
          let z = DoubleVector.dot(w.baseAddress!, x.baseAddress! + i * d, count: d) + w[d]
          let m = y[i] ? z : -z
          let loss = m > 0 ? log1p(exp(-m)) : -m + log1p(exp(m))
          total += (y[i] ? positive : negative) * loss
        }
      }
    }
    return total
  }

  /// Rows taken together by `accumulate`: a block of 32 rows of 8 KB fits in L2 while each
  /// row of the Hessian (at most a few KB) stays in L1 across the block.
  static let hessianBlock = 32

  /// Adds each row's term of the gradient (residual · row) and of the upper triangle of the
  /// Hessian (curvature · row rowᵀ) for the weighted logistic loss at `w`; a row is x's d values
  /// then 1 (the intercept). Rows go in blocks of `hessianBlock`, and within a block every
  /// Hessian row takes the block's rows in order, so each entry is summed over the rows in the
  /// same order as one row at a time, with the cache traffic of one pass per block.
  static func accumulate(
    x: UnsafePointer<Double>, width d: Int, labels y: [Bool], weights w: UnsafePointer<Double>,
    positive weightPositive: Double, negative weightNegative: Double,
    gradient: UnsafeMutablePointer<Double>, hessian h: UnsafeMutablePointer<Double>
  ) {
    let n = y.count, stride = d + 1
    var rows = [Double](repeating: 1, count: hessianBlock * stride)
    var curvatures = [Double](repeating: 0, count: hessianBlock)
    rows.withUnsafeMutableBufferPointer { rows in
      let rows = rows.baseAddress!
      for start in Swift.stride(from: 0, to: n, by: hessianBlock) {
        let count = min(hessianBlock, n - start)
        for b in 0..<count {
          let i = start + b, row = rows + b * stride
          row.update(from: x + i * d, count: d)
          let z = DoubleVector.dot(w, row, count: stride)
          let p = 1 / (1 + exp(-z))
          let s = y[i] ? weightPositive : weightNegative
          DoubleVector.axpy(s * (p - (y[i] ? 1 : 0)), row, gradient, count: stride)
          curvatures[b] = s * p * (1 - p)
        }
        for j in 0..<stride {
          for b in 0..<count {
            let row = rows + b * stride
            let c = curvatures[b] * row[j]
            if c == 0 { continue }
            DoubleVector.axpy(c, row + j, h + j * stride + j, count: stride - j)
          }
        }
      }
    }
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

/// scikit-learn's `LinearModelLoss(HalfBinomialLoss)` with balanced class weights and
/// l2_reg_strength = 1/(C·S), C = 1: value and gradient in one pass over the rows.
struct BalancedLogisticLoss {
  let x: [Double]  // (n, d), row-major
  let d: Int
  let target: [Double]  // yᵢ ∈ {0, 1}
  let weight: [Double]  // sᵢ
  let weightSum: Double  // S
  let l2: Double  // 1/(C·S)

  init(x: [Double], width: Int, labels: [Bool]) {
    self.x = x
    d = width
    target = labels.map { $0 ? 1 : 0 }
    // compute_class_weight("balanced"): n / (n_classes · count of the class).
    let n = labels.count
    let positives = labels.filter { $0 }.count
    let positiveWeight = Double(n) / (2 * Double(positives))
    let negativeWeight = Double(n) / (2 * Double(n - positives))
    weight = labels.map { $0 ? positiveWeight : negativeWeight }
    weightSum = weight.reduce(0, +)
    l2 = 1 / weightSum
  }

  /// ℓ(y, z) and ∂ℓ/∂z = σ(z) − y with the branches of scikit-learn's
  /// `closs_grad_half_binomial`: log(1 + eᶻ) is eᶻ below −37, log1p(eᶻ) up to −2,
  /// z + log1p(e⁻ᶻ) up to 18 and z + e⁻ᶻ above; σ(z) − y is formed without overflow.
  @inline(__always)
  static func lossAndSlope(_ y: Double, _ z: Double) -> (Double, Double) {
    if z <= -37 {
      let e = exp(z)
      return (e - y * z, e - y)
    } else if z <= -2 {
      let e = exp(z)
      return (log1p(e) - y * z, ((1 - y) * e - y) / (1 + e))
    } else if z <= 18 {
      let e = exp(-z)
      return (log1p(e) + (1 - y) * z, ((1 - y) - y * e) / (1 + e))
    } else {
      let e = exp(-z)
      return (e + (1 - y) * z, ((1 - y) - y * e) / (1 + e))
    }
  }

  /// f(w) and ∇f(w) for w = (weights, intercept).
  func value(_ w: [Double], gradient g: inout [Double]) -> Double {
    let n = target.count
    var loss = 0.0
    for j in 0...d { g[j] = 0 }
    x.withUnsafeBufferPointer { xp in
      w.withUnsafeBufferPointer { wp in
        g.withUnsafeMutableBufferPointer { gp in
          let b = wp[d]
          for i in 0..<n {
            let row = i &* d
            // Two accumulators for wᵀxᵢ.
            var z0 = 0.0, z1 = 0.0
            var j = 0
            while j &+ 1 < d {
              z0 += xp[row &+ j] * wp[j]
              z1 += xp[row &+ j &+ 1] * wp[j &+ 1]
              j &+= 2
            }
            if j < d { z0 += xp[row &+ j] * wp[j] }
            let (l, slope) = Self.lossAndSlope(target[i], z0 + z1 + b)
            loss += weight[i] * l
            let r = weight[i] * slope / weightSum
            for k in 0..<d { gp[k] += r * xp[row &+ k] }
            gp[d] += r
          }
        }
      }
    }
    var norm = 0.0
    for j in 0..<d {
      norm += w[j] * w[j]
      g[j] += l2 * w[j]
    }
    return loss / weightSum + 0.5 * l2 * norm
  }
}

/// Features as SDMetrics builds them, fitted on the training table.
struct Featurizer {
  enum Part {
    case numeric(column: Int, mean: Double)
    case oneHot(column: Int, [String?: Int])
  }
  /// In feature order: numeric columns, then one-hot blocks.
  var parts: [Part]
  var median: [Double] = []
  var scale: [Double] = []
  var width: Int

  init(_ table: EvaluationTable, excluding target: Int) {
    var numeric: [Part] = [], oneHot: [Part] = []
    var width = 0
    for (c, column) in table.columns.enumerated() where c != target {
      switch column {
      case .numeric(let v):
        let finite = v.filter { !$0.isNaN }
        numeric.append(
          .numeric(
            column: c, mean: finite.isEmpty ? 0 : finite.reduce(0, +) / Double(finite.count)))
        width += 1
      case .categorical(let v):
        // OneHotEncoder: sorted categories, missing (nil) last.
        let present = Set(v.compactMap { $0 }).sorted()
        var index: [String?: Int] = [:]
        for (i, category) in present.enumerated() { index[category] = i }
        if v.contains(where: { $0 == nil }) { index[nil] = present.count }
        oneHot.append(.oneHot(column: c, index))
        width += index.count
      }
    }
    parts = numeric + oneHot
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
      scale.append(iqr < 10 * Double.ulpOfOne ? 1 : iqr)
    }
  }

  /// Imputed and one-hot features before scaling: (rows, width), row-major.
  func rawFeatures(_ table: EvaluationTable) -> [Double] {
    var x = [Double](repeating: 0, count: table.rows * width)
    var offset = 0
    for part in parts {
      switch part {
      case .numeric(let c, let mean):
        guard case .numeric(let v) = table.columns[c] else {
          preconditionFailure("column kinds differ between tables")
        }
        for i in 0..<table.rows { x[i * width + offset] = v[i].isNaN ? mean : v[i] }
        offset += 1
      case .oneHot(let c, let index):
        guard case .categorical(let v) = table.columns[c] else {
          preconditionFailure("column kinds differ between tables")
        }
        for i in 0..<table.rows {
          if let k = index[v[i]] { x[i * width + offset + k] = 1 }
        }
        offset += index.count
      }
    }
    return x
  }

  /// The categories of `table` (the holdout) outside the one-hot blocks fitted on the training
  /// table, per column in feature order: `rawFeatures` encodes them as all zeros, where
  /// scikit-learn's OneHotEncoder (handle_unknown="error", as SDMetrics builds it) raises.
  func unseenCategories(_ table: EvaluationTable) -> [UnseenCategories] {
    var result: [UnseenCategories] = []
    for part in parts {
      guard case .oneHot(let c, let index) = part, case .categorical(let v) = table.columns[c]
      else { continue }
      var categories = Set<String?>(), rows = 0, first: String?? = nil
      for value in v where index[value] == nil {
        rows += 1
        categories.insert(value)
        if first == nil { first = .some(value) }
      }
      if let first {
        result.append(
          UnseenCategories(
            column: table.names[c], categories: categories.count, rows: rows,
            first: first.map(ValueText.quoted) ?? "(missing)"))
      }
    }
    return result
  }

  /// Scaled features: (rows, width), row-major.
  func features(_ table: EvaluationTable) -> [Double] {
    var x = rawFeatures(table)
    for i in 0..<table.rows {
      for j in 0..<width { x[i * width + j] = (x[i * width + j] - median[j]) / scale[j] }
    }
    return x
  }
}
