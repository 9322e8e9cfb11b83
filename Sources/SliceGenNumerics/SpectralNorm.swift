// A certified upper bound on the spectral norm ‖U‖₂ of a (d × m') matrix, for the accounting of a
// release whose projection directions were fixed by the user (a Gaussian mechanism with L2
// sensitivity ‖U‖₂, since ‖(x − x')U‖ ≤ ‖x − x'‖·‖U‖₂ ≤ ‖U‖₂).
//
// Bound. For the PSD Gram matrix A = UᵀU (or UUᵀ, the smaller), λ_max(A) ≤ (tr A^p)^{1/p} for
// every p ≥ 1, since tr A^p = Σ λ_i^p ≥ λ_max^p; and (tr A^p)^{1/p} ≤ r^{1/p} λ_max (r = rank).
// With p = 2^12 by repeated squaring (rescaled by the trace each time, logs accumulated) the
// overestimate is at most r^{1/4096} − 1 ≤ 0.17 % for r ≤ 1000. Floating point: each squaring of
// a normalised PSD matrix in Double has relative error about n·2^-53 per entry; after 12 rounds the
// relative error of the p-th root is far below 1e-9; a margin of 1e-6 relative is added.
// A power-iteration lower bound is returned too, so the certified gap can be reported.

import Foundation

/// Bounds on the largest singular value of a matrix.
public enum SpectralNorm {
  /// (lower, upper) bounds on ‖U‖₂ for U (rows × columns) row-major Float.
  public static func bounds(_ u: [Float], rows: Int, columns: Int) -> (lower: Double, upper: Double)
  {
    precondition(u.count == rows * columns && rows > 0 && columns > 0)
    // Gram matrix of the smaller side, in Double.
    let n = min(rows, columns)
    var a = [Double](repeating: 0, count: n * n)
    for i in 0..<n {
      for j in i..<n {
        var sum = 0.0
        if columns <= rows {  // UᵀU: columns × columns
          for r in 0..<rows { sum += Double(u[r * columns + i]) * Double(u[r * columns + j]) }
        } else {  // UUᵀ: rows × rows
          for c in 0..<columns { sum += Double(u[i * columns + c]) * Double(u[j * columns + c]) }
        }
        a[i * n + j] = sum
        a[j * n + i] = sum
      }
    }
    // Lower bound: Rayleigh quotient after power iteration.
    var v = [Double](repeating: 1 / Double(n).squareRoot(), count: n)
    var rayleigh = 0.0
    for _ in 0..<200 {
      var w = [Double](repeating: 0, count: n)
      for i in 0..<n { for j in 0..<n { w[i] += a[i * n + j] * v[j] } }
      rayleigh = zip(w, v).reduce(0) { $0 + $1.0 * $1.1 }
      let norm = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
      guard norm > 0 else { break }
      v = w.map { $0 / norm }
    }
    // Upper bound: (tr A^p)^{1/p}, p = 2^12, with trace normalisation each round.
    var logScale = 0.0  // A_original^(2^k) = exp(logScale) · current
    var power = 1.0
    var current = a
    for _ in 0..<12 {
      let trace = (0..<n).reduce(0.0) { $0 + current[$1 * n + $1] }
      guard trace > 0 else { return (0, 0) }
      for i in current.indices { current[i] /= trace }
      logScale += log(trace)
      // current ← current²
      var next = [Double](repeating: 0, count: n * n)
      for i in 0..<n {
        for k in 0..<n {
          let c = current[i * n + k]
          if c == 0 { continue }
          for j in 0..<n { next[i * n + j] += c * current[k * n + j] }
        }
      }
      current = next
      logScale *= 2
      power *= 2
    }
    let trace = (0..<n).reduce(0.0) { $0 + current[$1 * n + $1] }
    let logTracePower = logScale + log(trace)
    let lambdaUpper = exp(logTracePower / power) * (1 + 1e-6)
    return (max(rayleigh, 0).squareRoot(), lambdaUpper.squareRoot())
  }
}
