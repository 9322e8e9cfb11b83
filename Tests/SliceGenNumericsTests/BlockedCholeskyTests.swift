// Tests of `BlockedCholesky` (the estimator's fast Float kernel) against `CholeskyReference`:
// the factor and the solves on orders around the block width 16, a workspace reused for
// different orders, and failures (indefinite and NaN inputs) reported at the right pivot.

import Foundation
import SliceGenNumerics
import Testing

/// Fills the workspace's upper triangle with a (n × n, row-major) and factors it.
private func factorBlocked(_ a: [Double], order n: Int, into w: BlockedCholesky)
  throws(CholeskyFailure)
{
  for i in 0..<n { for j in i..<n { w.matrix[i * w.stride + j] = Float(a[i * n + j]) } }
  try w.factor(order: n)
}

@Suite("Blocked Cholesky")
struct BlockedCholeskyTests {
  static let orders = [1, 2, 5, 15, 16, 17, 31, 32, 33, 47, 64, 100, 128, 130]

  @Test("factor equals the reference on orders around the block width", arguments: orders)
  func factorMatchesReference(order n: Int) throws {
    let a = wellConditioned(order: n, seed: 500 + UInt64(n))
    var reference = a
    try reference.withUnsafeMutableBufferPointer {
      try CholeskyReference.factor($0.baseAddress!, order: n, stride: n)
    }
    let w = BlockedCholesky(capacity: n + 3)  // capacity above the order, stride padded
    try factorBlocked(a, order: n, into: w)
    // Float rounding of A alone moves L by about κ(A)·ε_f; κ ≤ ~5 here, ε_f = 6e-8; the
    // inverted 16 × 16 diagonal blocks add a few more roundings per entry.
    var worst = 0.0
    for i in 0..<n {
      for j in 0...i {
        worst = max(worst, abs(Double(w.factorEntry(row: i, column: j)) - reference[i * n + j]))
      }
      for j in (i + 1)..<n { #expect(w.factorEntry(row: i, column: j) == 0) }
    }
    #expect(worst < 2e-6 * Double(n + 1))
  }

  @Test(
    "solve matches the reference solve on kernel matrices",
    arguments: [1, 3, 16, 17, 40, 64, 127, 128, 129])
  func solveMatchesReference(order n: Int) throws {
    // The estimator's matrices: Gaussian kernel + τI, κ up to about (n + τ)/τ.
    let a = kernelMatrix(order: n, tau: 1e-2, seed: 40 + UInt64(n))
    var rng = SplitMix64(state: 7 + UInt64(n))
    let b = (0..<n).map { _ in rng.gaussian() }
    var l = a
    try l.withUnsafeMutableBufferPointer {
      try CholeskyReference.factor($0.baseAddress!, order: n, stride: n)
    }
    var reference = b
    l.withUnsafeBufferPointer { lp in
      reference.withUnsafeMutableBufferPointer {
        CholeskyReference.solve(factor: lp.baseAddress!, order: n, stride: n, $0.baseAddress!)
      }
    }
    let w = BlockedCholesky(capacity: 130)
    try factorBlocked(a, order: n, into: w)
    var x = b.map { Float($0) }
    x.withUnsafeMutableBufferPointer { w.solve($0.baseAddress!) }
    // Relative error of a Float solve: about κ·ε_f ≈ (n/τ)·6e-8 ≤ 1e-3 for n ≤ 130, τ = 1e-2.
    let scale = reference.map(abs).max()!
    let worst = zip(x, reference).map { abs(Double($0) - $1) }.max()!
    #expect(worst <= 1e-3 * max(1, scale) * Double(n) / 100 + 1e-5 * max(1, scale))
    // The residual is the better-conditioned check: ‖A x − b‖∞ ≲ n·ε_f·‖A‖·‖x‖.
    var residual = 0.0
    for i in 0..<n {
      var s = -b[i]
      for j in 0..<n { s += a[i * n + j] * Double(x[j]) }
      residual = max(residual, abs(s))
    }
    #expect(residual <= 1e-6 * Double(n * n) * max(1, scale))
  }

  @Test("one workspace reused for different orders gives the same factors as fresh ones")
  func reuseAcrossOrders() throws {
    let shared = BlockedCholesky(capacity: 70)
    for n in [70, 9, 33, 70, 1, 48] {
      let a = kernelMatrix(order: n, tau: 1e-2, seed: UInt64(n))
      try factorBlocked(a, order: n, into: shared)
      let fresh = BlockedCholesky(capacity: 70)
      try factorBlocked(a, order: n, into: fresh)
      for i in 0..<n {
        for j in 0...i {
          #expect(shared.factorEntry(row: i, column: j) == fresh.factorEntry(row: i, column: j))
        }
      }
      var x = (0..<n).map { Float($0 % 5) - 2 }, y = x
      x.withUnsafeMutableBufferPointer { shared.solve($0.baseAddress!) }
      y.withUnsafeMutableBufferPointer { fresh.solve($0.baseAddress!) }
      #expect(x == y)
    }
  }

  @Test("an indefinite matrix fails at the pivot the reference names", arguments: [3, 16, 20, 37])
  func indefiniteFails(order n: Int) throws {
    var a = wellConditioned(order: n, seed: 9)
    let bad = n - 2
    a[bad * n + bad] = -50  // row `bad` cannot have a positive pivot
    var reference = a
    var referencePivot = -1
    do {
      try reference.withUnsafeMutableBufferPointer {
        try CholeskyReference.factor($0.baseAddress!, order: n, stride: n)
      }
    } catch let failure as CholeskyFailure { referencePivot = failure.pivot }
    let w = BlockedCholesky(capacity: n)
    var pivot = -1
    do { try factorBlocked(a, order: n, into: w) } catch { pivot = error.pivot }
    #expect(referencePivot == bad)
    #expect(pivot == bad)
  }

  @Test("NaN in the matrix is reported, not returned as a factor")
  func nanIsReported() throws {
    let n = 40
    var a = wellConditioned(order: n, seed: 11)
    a[3 * n + 35] = .nan  // upper triangle: what the workspace reads
    let w = BlockedCholesky(capacity: n)
    #expect(throws: CholeskyFailure.self) { try factorBlocked(a, order: n, into: w) }
  }
}
