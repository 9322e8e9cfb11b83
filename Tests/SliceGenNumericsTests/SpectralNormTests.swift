// Tests of SpectralNorm.bounds against a plain reference: the largest eigenvalue of the Gram
// matrix by cyclic Jacobi rotations (a different algorithm from the bound's power of traces), on
// tall, wide, square, rank-one and zero matrices. The upper bound must never fall below the
// reference (it certifies a privacy calibration) and must stay within the stated overestimate
// r^(1/4096)·(1 + 1e-6) of it; a matrix and its transpose get the same bounds.

import Foundation
import SliceGenNumerics
import Testing

/// The largest eigenvalue of the symmetric n × n matrix `a` (row-major), by cyclic Jacobi
/// rotations until the off-diagonal mass is below 1e-30 of the total.
private func largestEigenvalue(_ a: [Double], order n: Int) -> Double {
  var a = a
  for _ in 0..<100 {
    var off = 0.0, total = 0.0
    for i in 0..<n {
      for j in 0..<n {
        total += a[i * n + j] * a[i * n + j]
        if i != j { off += a[i * n + j] * a[i * n + j] }
      }
    }
    if off <= 1e-30 * total { break }
    for p in 0..<n {
      for q in (p + 1)..<n where a[p * n + q] != 0 {
        // Rotation in the (p, q) plane that zeroes a_pq (Golub & Van Loan, §8.5.2).
        let theta = (a[q * n + q] - a[p * n + p]) / (2 * a[p * n + q])
        let t = (theta >= 0 ? 1 : -1) / (abs(theta) + (theta * theta + 1).squareRoot())
        let c = 1 / (t * t + 1).squareRoot(), s = t * c
        for k in 0..<n {  // A ← A·J
          let akp = a[k * n + p], akq = a[k * n + q]
          a[k * n + p] = c * akp - s * akq
          a[k * n + q] = s * akp + c * akq
        }
        for k in 0..<n {  // A ← Jᵀ·A
          let apk = a[p * n + k], aqk = a[q * n + k]
          a[p * n + k] = c * apk - s * aqk
          a[q * n + k] = s * apk + c * aqk
        }
      }
    }
  }
  return (0..<n).map { a[$0 * n + $0] }.max()!
}

/// ‖U‖₂ of a row-major Float matrix by the reference: √λ_max of UᵀU in Double.
private func referenceNorm(_ u: [Float], rows: Int, columns: Int) -> Double {
  var gram = [Double](repeating: 0, count: columns * columns)
  for i in 0..<columns {
    for j in 0..<columns {
      for r in 0..<rows {
        gram[i * columns + j] += Double(u[r * columns + i]) * Double(u[r * columns + j])
      }
    }
  }
  return largestEigenvalue(gram, order: columns).squareRoot()
}

@Suite("Spectral norm bounds")
struct SpectralNormTests {
  @Test(
    "the upper bound is certified and tight, the lower bound below it",
    arguments: [(4, 3), (3, 4), (20, 7), (7, 20), (12, 12), (1, 9), (9, 1)])
  func againstReference(rows: Int, columns: Int) {
    var rng = ChaCha20(seed: UInt64(rows * 100 + columns))
    var u = [Float](repeating: 0, count: rows * columns)
    u.withUnsafeMutableBufferPointer {
      GaussianSampling.fill($0, standardDeviation: 1, using: &rng)
    }
    let norm = referenceNorm(u, rows: rows, columns: columns)
    let (lower, upper) = SpectralNorm.bounds(u, rows: rows, columns: columns)
    // Reference: Jacobi converges to about 1e-15 relative; allow 1e-12.
    #expect(upper >= norm * (1 - 1e-12), "\(rows)×\(columns): upper \(upper) < ‖U‖ \(norm)")
    let rank = Double(min(rows, columns))
    let stated = (pow(rank, 1.0 / 4096) * (1 + 1e-6)).squareRoot()
    #expect(upper <= norm * stated * (1 + 1e-12), "\(rows)×\(columns): \(upper / norm)")
    #expect(lower <= norm * (1 + 1e-12) && lower <= upper)
    #expect(lower >= 0.9 * norm, "power iteration: \(lower) against \(norm)")
  }

  @Test("a matrix and its transpose get the same bounds")
  func transpose() {
    var rng = ChaCha20(seed: 5)
    let rows = 9, columns = 4
    var u = [Float](repeating: 0, count: rows * columns)
    u.withUnsafeMutableBufferPointer {
      GaussianSampling.fill($0, standardDeviation: 1, using: &rng)
    }
    var t = [Float](repeating: 0, count: rows * columns)
    for r in 0..<rows { for c in 0..<columns { t[c * rows + r] = u[r * columns + c] } }
    let a = SpectralNorm.bounds(u, rows: rows, columns: columns)
    let b = SpectralNorm.bounds(t, rows: columns, columns: rows)
    #expect(a.lower == b.lower && a.upper == b.upper)
  }

  @Test("rank one: the bound is within 1e-6 of ‖x‖·‖y‖; the zero matrix gets (0, 0)")
  func rankOneAndZero() {
    let x: [Float] = [1, -2, 0.5, 3], y: [Float] = [0.25, 4, -1]
    let u = x.flatMap { a in y.map { a * $0 } }  // exact in Float: few significant bits
    let norm =
      x.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
      * y.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
    let (lower, upper) = SpectralNorm.bounds(u, rows: 4, columns: 3)
    #expect(upper >= norm && upper <= norm * (1 + 1e-6))
    #expect(abs(lower - norm) <= 1e-9 * norm)
    let zero = SpectralNorm.bounds([Float](repeating: 0, count: 6), rows: 2, columns: 3)
    #expect(zero.lower == 0 && zero.upper == 0)
  }
}
