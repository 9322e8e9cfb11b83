import Foundation
import Testing

@testable import SliceGen

@Suite("Softmax regression")
struct SoftmaxRegressionTests {
  @Test("the gradient agrees with central finite differences on a random problem")
  func gradientCheck() {
    var rng = TestRNG(seed: 7)
    let n = 9, d = 4, k = 3
    let x = (0..<(n * d)).map { _ in Double.random(in: 0...1, using: &rng) }
    let y = (0..<n).map { $0 % k }
    let w = (0..<(k * (d + 1))).map { _ in Double.random(in: -2...2, using: &rng) }
    var g = [Double](repeating: 0, count: w.count)
    _ = SoftmaxRegression.loss(
      w, gradient: &g, x: x, labels: y, classes: k, width: d, lambda: 0.1)
    var scratch = g
    let numeric = centralDifferences(w) {
      SoftmaxRegression.loss(
        $0, gradient: &scratch, x: x, labels: y, classes: k, width: d, lambda: 0.1)
    }
    for j in w.indices {
      // Central differences are exact to O(h²) ≈ 1e-12 here; 1e-7 allows for rounding in f.
      #expect(abs(numeric[j] - g[j]) < 1e-7, "parameter \(j): \(numeric[j]) vs \(g[j])")
    }
  }

  @Test("three separable clusters are classified without error, on training and new points")
  func separable() {
    var rng = TestRNG(seed: 3)
    let centres: [[Double]] = [[0.1, 0.1], [0.9, 0.1], [0.5, 0.9]]
    func points(_ count: Int) -> ([Double], [Int]) {
      var x: [Double] = [], y: [Int] = []
      for i in 0..<count {
        let k = i % 3
        x += centres[k].map { $0 + Double.random(in: -0.08...0.08, using: &rng) }
        y.append(k)
      }
      return (x, y)
    }
    let (x, y) = points(60)
    let model = SoftmaxRegression.fit(x: x, labels: y, classes: 3, width: 2)
    #expect(model.predict(x) == y)
    let (xNew, yNew) = points(30)
    #expect(model.predict(xNew) == yNew)
  }

  @Test(
    "digits, real train → holdout: the same accuracy as scipy's L-BFGS-B on the same objective",
    .enabled(if: PythonRunner.available && SoftmaxRegressionTests.scipyAvailable))
  func digitsAgainstScipy() throws {
    let schema = try Schema(
      contentsOf: TestPaths.repository.appendingPathComponent("samples/digits/schema.json").path)
    let layout = try #require(ImageSchema(recognizing: schema))
    let trainPath = TestPaths.repository.appendingPathComponent("samples/digits/train.csv").path
    let holdoutPath = TestPaths.repository.appendingPathComponent("samples/digits/holdout.csv")
      .path
    let train = try EvaluationTable(path: trainPath, schema: schema)
    let holdout = try EvaluationTable(path: holdoutPath, schema: schema)
    let accuracy = SoftmaxRegression.accuracy(train: train, test: holdout, layout: layout)
    let script = """
      import sys, numpy as np
      from scipy.optimize import minimize
      from scipy.special import logsumexp
      def load(path):
          a = np.loadtxt(path, delimiter=",", skiprows=1)
          return a[:, :64] / 16.0, a[:, 64].astype(int)
      x, y = load(sys.argv[1]); xt, yt = load(sys.argv[2])
      n, d, k, lam = len(y), 64, 10, float(sys.argv[3])
      Y = np.eye(k)[y]
      def f(p):
          W = p.reshape(k, d + 1)
          z = x @ W[:, :d].T + W[:, d]
          lse = logsumexp(z, axis=1)
          P = np.exp(z - lse[:, None])
          G = np.zeros_like(W)
          G[:, :d] = (P - Y).T @ x / n + lam * W[:, :d]
          G[:, d] = (P - Y).sum(0) / n
          return (lse - z[np.arange(n), y]).mean() + lam / 2 * (W[:, :d] ** 2).sum(), G.ravel()
      r = minimize(f, np.zeros(k * (d + 1)), jac=True, method="L-BFGS-B",
                   options=dict(maxiter=5000, gtol=1e-9, ftol=0))
      W = r.x.reshape(k, d + 1)
      print((np.argmax(xt @ W[:, :d].T + W[:, d], axis=1) == yt).mean())
      """
    let result = try PythonRunner.run(
      script, arguments: [trainPath, holdoutPath, "\(SoftmaxRegression.lambda)"])
    #expect(result.status == 0, "\(result.error)")
    let scipy = try #require(Double(result.output.trimmingCharacters(in: .whitespacesAndNewlines)))
    // Both solve the same strictly convex problem to a small gradient, so they may differ only
    // on holdout rows whose two largest scores nearly tie: at most one row of 300.
    #expect(abs(accuracy - scipy) <= 1.0 / 300 + 1e-12, "ours \(accuracy), scipy \(scipy)")
    // The digits are nearly linearly separable: a linear model gets well above 90 %.
    #expect(accuracy > 0.9)
  }

  static let scipyAvailable: Bool = {
    (try? PythonRunner.run("import scipy, numpy; print('ok')", arguments: []))?.output == "ok\n"
  }()
}
