// The projection-mean term of the fit: post-processing of the release, no privacy cost.
//
// The release is O = XU + V with V iid N(0, σ²). Its mean row ō = (1/n) Σ_i o_i estimates the
// population's mean projection x̄U without bias, with error σ/√n per coordinate: on Adult at
// ε = 4, 0.008 against a signal of about 0.1, where one batch of 128 rows (what the kernel
// estimator sees in a step) carries σ/√128 ≈ 0.13. Each step adds
//   L_μ = λ_μ · ‖ḡU − ō‖²,   ḡ = (1/b) Σ_j G(z_j)   (no smoothing noise: its mean is zero),
// with ∂L_μ/∂G(z_j) = (2λ_μ/b) · U(ḡU − ō) for every row j. ō is computed once, over the
// training rows of the release (the held-out rows stay out of training).

import Foundation
import SliceGenNumerics

enum ProjectionMean {
  /// ō over the first `rows` rows of O (row-major, rows × m'), accumulated in Double.
  static func of(_ released: [Float], rows: Int, projections mPrime: Int) -> [Float] {
    var sum = [Double](repeating: 0, count: mPrime)
    released.withUnsafeBufferPointer { o in
      for i in 0..<rows {
        let row = o.baseAddress! + i * mPrime
        for t in 0..<mPrime { sum[t] += Double(row[t]) }
      }
    }
    return sum.map { Float($0 / Double(max(rows, 1))) }
  }

  /// The term's value; adds its gradient to every row of `outputGradient` (b × d).
  /// - Parameters: output: G(Z), b × d; u: U, d × m' (row-major).
  static func addGradient(
    output: [Float], batch b: Int, width d: Int, u: [Float], projections mPrime: Int,
    released: [Float], weight: Float, outputGradient: inout [Float]
  ) -> Double {
    var mean = [Double](repeating: 0, count: d)
    for i in 0..<b { for c in 0..<d { mean[c] += Double(output[i * d + c]) } }
    for c in 0..<d { mean[c] /= Double(b) }
    var residual = [Double](repeating: 0, count: mPrime)  // ḡU − ō
    for c in 0..<d where mean[c] != 0 {
      for t in 0..<mPrime { residual[t] += mean[c] * Double(u[c * mPrime + t]) }
    }
    var value = 0.0
    for t in 0..<mPrime {
      residual[t] -= Double(released[t])
      value += residual[t] * residual[t]
    }
    let scale = 2 * Double(weight) / Double(b)
    var rowGradient = [Float](repeating: 0, count: d)  // (2λ_μ/b)·U(ḡU − ō)
    for c in 0..<d {
      var g = 0.0
      for t in 0..<mPrime { g += Double(u[c * mPrime + t]) * residual[t] }
      rowGradient[c] = Float(scale * g)
    }
    for i in 0..<b { for c in 0..<d { outputGradient[i * d + c] += rowGradient[c] } }
    return Double(weight) * value
  }
}
