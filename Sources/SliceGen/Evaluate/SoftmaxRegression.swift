// Multinomial (softmax) logistic regression for `evaluate` on images: trained on labelled rows
// (synthetic, or the real training split), its accuracy measured on the real holdout.
//
// Features and labels: `ImageFeatures` (ImageFeatures.swift), the pixels scaled to [0, 1] by the
// schema's public bounds and the label's category index, shared with MLPClassifier.swift.
//
// Model: K classes, weights W (K, d) and biases b (K), zᵢ = W xᵢ + b, pᵢ = softmax(zᵢ). The
// objective, with L2 regularisation λ = `lambda` on W (not on b):
//   f(W, b) = (1/n) Σᵢ [logsumexp(zᵢ) − zᵢ,yᵢ] + (λ/2) ‖W‖²,
//   ∂f/∂Wₖ = (1/n) Σᵢ (pᵢₖ − [yᵢ = k]) xᵢ + λ Wₖ,   ∂f/∂bₖ = (1/n) Σᵢ (pᵢₖ − [yᵢ = k]).
// It is strictly convex in W for λ > 0 (and convex in b), so the full-batch deterministic
// optimiser (LBFGSB.swift, from zero, to max |gᵢ| ≤ 1e-6) reaches the same optimum as any other
// solver of the same objective: the tests compare with scipy's. Not here: feature scaling other
// than the public bounds, class weights, stochastic training.

import Foundation
import SliceGenNumerics

/// A fitted softmax regression: K classes on d features.
struct SoftmaxRegression {
  /// (K, d + 1): each class's weights, then its bias.
  var parameters: [Double]
  var classes: Int
  var width: Int
  /// L-BFGS-B's iterations.
  var iterations = 0

  /// The L2 weight λ used by `evaluate` (on features in [0, 1]).
  static let lambda = 1e-3

  /// The objective and its gradient at `w` ((K, d + 1) as `parameters`) on `x` (n, d) and
  /// labels `y` (each in 0..<K).
  static func loss(
    _ w: [Double], gradient: inout [Double], x: [Double], labels y: [Int], classes k: Int,
    width d: Int, lambda: Double
  ) -> Double {
    let n = y.count
    for j in gradient.indices { gradient[j] = 0 }
    var total = 0.0
    var z = [Double](repeating: 0, count: k)
    w.withUnsafeBufferPointer { w in
      x.withUnsafeBufferPointer { x in
        gradient.withUnsafeMutableBufferPointer { g in
          let w = w.baseAddress!, x = x.baseAddress!, g = g.baseAddress!
          for i in 0..<n {
            let row = x + i * d
            for c in 0..<k {
              let base = c * (d + 1)
              z[c] = w[base + d] + DoubleVector.dot(w + base, row, count: d)
            }
            // logsumexp with the maximum taken out, so that no exp overflows.
            let top = z.max()!
            var sum = 0.0
            for c in 0..<k { sum += exp(z[c] - top) }
            total += top + log(sum) - z[y[i]]
            for c in 0..<k {
              let residual = exp(z[c] - top) / sum - (c == y[i] ? 1 : 0)
              let base = c * (d + 1)
              DoubleVector.axpy(residual, row, g + base, count: d)
              g[base + d] += residual
            }
          }
        }
      }
    }
    var penalty = 0.0
    for c in 0..<k {
      for j in 0..<d {
        let index = c * (d + 1) + j
        gradient[index] = gradient[index] / Double(n) + lambda * w[index]
        penalty += w[index] * w[index]
      }
      gradient[c * (d + 1) + d] /= Double(n)
    }
    return total / Double(n) + lambda / 2 * penalty
  }

  /// Fits on `x` (n, d) and labels `y` in 0..<`classes`, from zero.
  /// - Complexity: O(n · K · d) per evaluation, a few hundred evaluations.
  static func fit(
    x: [Double], labels y: [Int], classes k: Int, width d: Int, lambda: Double = lambda
  ) -> SoftmaxRegression {
    var options = LBFGSB.Options()
    options.maxIterations = 1000
    options.gradientTolerance = 1e-6
    options.relativeDecreaseTolerance = 0
    let result = LBFGSB.minimize(from: [Double](repeating: 0, count: k * (d + 1)), options: options)
    { w, g in
      loss(w, gradient: &g, x: x, labels: y, classes: k, width: d, lambda: lambda)
    }
    return SoftmaxRegression(
      parameters: result.x, classes: k, width: d, iterations: result.iterations)
  }

  /// The predicted class of each row of `x` (n, d): the largest z (the first on a tie).
  func predict(_ x: [Double]) -> [Int] {
    let d = width
    return (0..<(x.count / max(d, 1))).map { i in
      var best = 0, bestZ = -Double.infinity
      for c in 0..<classes {
        var s = parameters[c * (d + 1) + d]
        for j in 0..<d { s += parameters[c * (d + 1) + j] * x[i * d + j] }
        if s > bestZ { (best, bestZ) = (c, s) }
      }
      return best
    }
  }

  /// Trained on `train`'s image rows, the accuracy on `test`'s; NaN when either has none.
  static func accuracy(train: EvaluationTable, test: EvaluationTable, layout: ImageSchema) -> Double
  {
    let training = ImageFeatures(train, layout: layout)
    let testing = ImageFeatures(test, layout: layout)
    guard training.classes > 0, training.rows > 0, testing.rows > 0 else { return .nan }
    let model = fit(
      x: training.x, labels: training.y, classes: training.classes, width: training.width)
    return testing.accuracy(of: model.predict(testing.x))
  }
}
