import Foundation
import Testing

@testable import SliceGen

/// The logistic regression against SDMetrics 0.32 / scikit-learn 1.9.1 / scipy 1.17.1 on the
/// Adult sample (train → test), measured with `Docs/bench/sdmetrics_check.py` (the metrics) and
/// `Docs/bench/lbfgsb_fixtures.py` section 5 (the fitted vector, nit and nfev).
@Suite("Logistic regression")
struct LogisticRegressionTests {
  static func adult() throws -> (train: EvaluationTable, test: EvaluationTable, target: Int) {
    let schema = try Schema(contentsOf: TestPaths.adultSchema)
    let train = try EvaluationTable(path: TestPaths.adultTrain, schema: schema)
    let test = try EvaluationTable(
      path: TestPaths.repository.appendingPathComponent("samples/adult/test.csv").path,
      schema: schema)
    return (train, test, train.names.firstIndex(of: "income")!)
  }

  @Test("features in SDMetrics' order: numeric columns first, then one-hot blocks, missing last")
  func featureOrder() {
    let table = EvaluationTable(
      names: ["colour", "x", "y", "size"],
      columns: [
        .categorical(["red", nil, "blue"]), .numeric([1, .nan, 5]),
        .categorical(["a", "b", "a"]), .categorical(["S", "L", "S"]),
      ])
    let featurizer = Featurizer(table, excluding: 2)
    // x (mean 3 fills the gap), colour: blue, red, missing; size: L, S.
    #expect(featurizer.width == 1 + 3 + 2)
    #expect(
      featurizer.rawFeatures(table) == [
        1, 0, 1, 0, 0, 1,
        3, 0, 0, 1, 1, 0,
        5, 1, 0, 0, 0, 1,
      ])
    // RobustScaler: x has median 3 and IQR 2; a one-hot column of [0, 1, 0] has median 0 and
    // IQR 0.5; [1, 0, 1] has median 1 and IQR 0.5.
    #expect(featurizer.median == [3, 0, 0, 0, 0, 1])
    #expect(featurizer.scale == [2, 0.5, 0.5, 0.5, 0.5, 0.5])
  }

  @Test("Adult train → test: scikit-learn's 50th iterate (nit 50, nfev 63) and SDMetrics' F1s")
  func adultMatchesSDMetrics() throws {
    let (train, test, target) = try Self.adult()
    guard case .categorical(let labels) = train.columns[target],
      case .categorical(let testLabels) = test.columns[target]
    else {
      Issue.record("income is not categorical")
      return
    }
    let first = testLabels[0]
    let model = LogisticModel.fit(train, target: target, labels: labels.map { $0 == first })
    #expect(model.iterations == 50 && model.evaluations == 63)
    // scikit-learn's intercept and the numeric coefficients (age, capital_gain, capital_loss,
    // hours_per_week), to 1e-4 relative: 50 iterations on an ill-conditioned problem
    // (capital_gain unscaled) let rounding differences grow from 1e-16 to 1e-5 relative in the
    // whole vector (measured: max |difference| 6.4e-6 over the 107 entries).
    let expected = [
      -0.46334654376992424, -0.00042206711210402944, -0.0007912127967452706,
      -0.17389478599242922,
    ]
    for (a, b) in zip(model.weights.prefix(4), expected) {
      #expect(abs(a - b) <= 1e-4 * abs(b), "\(a) vs \(b)")
    }
    #expect(abs(model.bias - 0.5560724996606687) < 1e-4)
    // SDMetrics' BinaryLogisticRegression 0.8458 and, with the same model, minority F1 0.6257
    // and ROC AUC 0.8671 (sdmetrics_check.py, rounded to 4 digits: ±5e-5 plus rounding drift).
    let (f1, minority, auc, _) = Evaluator.utility(test, train, target)
    #expect(abs(f1 - 0.8458) < 1e-4)
    #expect(abs(minority - 0.6257) < 1e-4)
    #expect(abs(auc - 0.8671) < 1e-4)
  }

  @Test("education, sex and relationship alone: lbfgs converges at scipy's nit 47, nfev 50")
  func convergesInTime() throws {
    let (train, test, _) = try Self.adult()
    // Section 6: three one-hot blocks, well conditioned; scipy stops on the gradient test.
    let keep = ["education", "sex", "relationship", "income"].map {
      train.names.firstIndex(of: $0)!
    }
    let few = EvaluationTable(
      names: keep.map { train.names[$0] }, columns: keep.map { train.columns[$0] })
    guard case .categorical(let labels) = few.columns[3],
      case .categorical(let testLabels) = test.columns[keep[3]]
    else {
      Issue.record("income is not categorical")
      return
    }
    let model = LogisticModel.fit(few, target: 3, labels: labels.map { $0 == testLabels[0] })
    #expect(model.iterations == 47 && model.evaluations == 50)
    #expect(abs(model.bias - 0.917632846430327) < 1e-6)
  }

  @Test("the converged solver reports the optimum: Adult F1 0.8643, minority 0.6746, AUC 0.905")
  func converged() throws {
    let (train, test, target) = try Self.adult()
    let (f1, minority, auc, _) = Evaluator.utility(test, train, target, solver: .converged)
    // scikit-learn 1.9.1 with max_iter=1000 (not converged yet): 0.8641, 0.6742, 0.9043.
    #expect(abs(f1 - 0.8643) < 3e-3 && abs(minority - 0.6746) < 3e-3 && abs(auc - 0.905) < 2e-3)
  }

  @Test("Newton's blocked gradient and Hessian equal the plain one-row-at-a-time sums")
  func blockedAccumulation() {
    var rng = TestRNG(seed: 45)
    // 75 rows: two full blocks of 32 and a short one; a third of the values zero, as pixels.
    let n = 75, d = 9
    let x = (0..<(n * d)).map { _ in
      Double.random(in: 0...1, using: &rng) < 0.33 ? 0 : Double.random(in: -2...2, using: &rng)
    }
    let y = (0..<n).map { _ in Bool.random(using: &rng) }
    let w = (0...d).map { _ in Double.random(in: -0.5...0.5, using: &rng) }
    var gradient = [Double](repeating: 0, count: d + 1)
    var hessian = [Double](repeating: 0, count: (d + 1) * (d + 1))
    gradient.withUnsafeMutableBufferPointer { g in
      hessian.withUnsafeMutableBufferPointer { h in
        LogisticModel.accumulate(
          x: x, width: d, labels: y, weights: w, positive: 1.5, negative: 0.75,
          gradient: g.baseAddress!, hessian: h.baseAddress!)
      }
    }
    var plainGradient = [Double](repeating: 0, count: d + 1)
    var plainHessian = [Double](repeating: 0, count: (d + 1) * (d + 1))
    for i in 0..<n {
      let row = Array(x[(i * d)..<((i + 1) * d)]) + [1]
      let z = zip(w, row).map { $0 * $1 }.reduce(0, +)
      let p = 1 / (1 + exp(-z)), s = y[i] ? 1.5 : 0.75
      for j in 0...d {
        plainGradient[j] += s * (p - (y[i] ? 1 : 0)) * row[j]
        for k in j...d { plainHessian[j * (d + 1) + k] += s * p * (1 - p) * row[j] * row[k] }
      }
    }
    for j in 0...d {
      #expect(abs(gradient[j] - plainGradient[j]) < 1e-12)
      for k in 0...d {
        // The upper triangle only; the lower one is left for the caller to mirror.
        let expected = k >= j ? plainHessian[j * (d + 1) + k] : 0
        #expect(abs(hessian[j * (d + 1) + k] - expected) < 1e-12, "H[\(j), \(k)]")
      }
    }
  }

  @Test("damped Newton reaches the optimum on raw 0…255 features with collinear columns")
  func dampedNewton() {
    var rng = TestRNG(seed: 46)
    // 400 rows of 30 "pixels" in 0…255, mostly zero, every column repeated three times (so
    // the Hessian is ill-conditioned); the label follows two of them, with 5 % flipped.
    let n = 400, base = 10, d = 3 * base
    var x = [Double](), y = [Bool]()
    for _ in 0..<n {
      let pixels = (0..<base).map { _ in
        Double.random(in: 0...1, using: &rng) < 0.6
          ? 0 : Double(Int.random(in: 1...255, using: &rng))
      }
      x += pixels + pixels + pixels
      let label = pixels[0] + pixels[1] > 200
      y.append(Double.random(in: 0...1, using: &rng) < 0.05 ? !label : label)
    }
    let positives = Double(y.filter { $0 }.count)
    let (sp, sn) = (Double(n) / (2 * positives), Double(n) / (2 * (Double(n) - positives)))
    let (w, steps) = LogisticModel.newton(x, width: d, labels: y)
    #expect(w.allSatisfy(\.isFinite) && steps > 0 && steps < 50, "\(steps)")
    let zero = [Double](repeating: 0, count: d + 1)
    let atZero = LogisticModel.objective(
      zero, x: x, width: d, labels: y, positive: sp, negative: sn)
    let atOptimum = LogisticModel.objective(
      w, x: x, width: d, labels: y, positive: sp, negative: sn)
    #expect(atOptimum < atZero)
    // The gradient at the result: the regulariser's w plus the rows' terms.
    var gradient = Array(w[0..<d]) + [0]
    var hessian = [Double](repeating: 0, count: (d + 1) * (d + 1))
    gradient.withUnsafeMutableBufferPointer { g in
      hessian.withUnsafeMutableBufferPointer { h in
        LogisticModel.accumulate(
          x: x, width: d, labels: y, weights: w, positive: sp, negative: sn,
          gradient: g.baseAddress!, hessian: h.baseAddress!)
      }
    }
    #expect(gradient.map(abs).max()! < 1e-6, "\(gradient.map(abs).max()!)")
    // Any small move away raises the objective.
    for j in [0, 1, d] {
      var moved = w
      moved[j] += 1e-3
      #expect(
        LogisticModel.objective(moved, x: x, width: d, labels: y, positive: sp, negative: sn)
          > atOptimum)
    }
  }
}
