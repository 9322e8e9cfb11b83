// Tests of `Cholesky` against `CholeskyReference` on odd orders, of the solves by their residual,
// of the batched entry points, and of failure reporting (indefinite, NaN and infinite inputs).
// Float against Double accuracy and speed: `slicegen-bench --only cholesky`.

import Foundation
import SliceGenNumerics
import Testing

/// SplitMix64: a small seeded generator so every test matrix is reproducible.
struct SplitMix64: RandomNumberGenerator {
  var state: UInt64
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
  mutating func gaussian() -> Double {
    let u = Double.random(in: Double.ulpOfOne..<1, using: &self)
    let v = Double.random(in: 0..<1, using: &self)
    return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
  }
}

/// A Gaussian kernel matrix of n random points in the plane (bandwidth 1) plus τ on the
/// diagonal: the matrices the estimator factors, condition number up to about (n + τ)/τ.
func kernelMatrix(order n: Int, tau: Double, seed: UInt64) -> [Double] {
  var rng = SplitMix64(state: seed)
  let points = (0..<(2 * n)).map { _ in rng.gaussian() }
  var a = [Double](repeating: 0, count: n * n)
  for i in 0..<n {
    for j in 0..<n {
      let dx = points[2 * i] - points[2 * j], dy = points[2 * i + 1] - points[2 * j + 1]
      a[i * n + j] = exp(-(dx * dx + dy * dy) / 2) + (i == j ? tau : 0)
    }
  }
  return a
}

/// A well-conditioned SPD matrix B·Bᵀ/n + I with Gaussian B.
func wellConditioned(order n: Int, seed: UInt64) -> [Double] {
  var rng = SplitMix64(state: seed)
  let b = (0..<(n * n)).map { _ in rng.gaussian() }
  var a = [Double](repeating: 0, count: n * n)
  for i in 0..<n {
    for j in 0..<n {
      var s = 0.0
      for p in 0..<n { s += b[i * n + p] * b[j * n + p] }
      a[i * n + j] = s / Double(n) + (i == j ? 1 : 0)
    }
  }
  return a
}

/// Largest |x − y| over the lower triangle of two n × n row-major matrices.
private func lowerDistance(_ x: [Double], _ y: [Double], order n: Int) -> Double {
  var worst = 0.0
  for i in 0..<n { for j in 0...i { worst = max(worst, abs(x[i * n + j] - y[i * n + j])) } }
  return worst
}

@Suite("Cholesky")
struct CholeskyTests {
  static let orders = [1, 2, 3, 5, 7, 8, 9, 13, 31, 33, 67]

  @Test("Double factor equals the reference on odd orders", arguments: orders)
  func doubleFactorMatchesReference(order n: Int) throws {
    let a = wellConditioned(order: n, seed: UInt64(n))
    var fast = a, reference = a
    try fast.withUnsafeMutableBufferPointer {
      try Cholesky.factor($0.baseAddress!, order: n, stride: n)
    }
    try reference.withUnsafeMutableBufferPointer {
      try CholeskyReference.factor($0.baseAddress!, order: n, stride: n)
    }
    // Entries of L are O(1) here; both are backward stable with error ≈ n·ε·‖A‖.
    #expect(lowerDistance(fast, reference, order: n) < 1e-12 * Double(n + 1))
    // The strictly upper triangle is never touched.
    for i in 0..<n { for j in (i + 1)..<max(n, i + 1) { #expect(fast[i * n + j] == a[i * n + j]) } }
  }

  @Test("Float factor equals the reference on odd orders", arguments: orders)
  func floatFactorMatchesReference(order n: Int) throws {
    let a = wellConditioned(order: n, seed: 100 + UInt64(n))
    var fast = a.map { Float($0) }, reference = a
    try fast.withUnsafeMutableBufferPointer {
      try Cholesky.factor($0.baseAddress!, order: n, stride: n)
    }
    try reference.withUnsafeMutableBufferPointer {
      try CholeskyReference.factor($0.baseAddress!, order: n, stride: n)
    }
    // Float rounding of A alone moves L by about κ(A)·ε_f; κ ≤ ~5 here, ε_f = 6e-8.
    #expect(lowerDistance(fast.map { Double($0) }, reference, order: n) < 2e-6 * Double(n + 1))
  }

  @Test("a row stride larger than the order is honoured")
  func strideIsHonoured() throws {
    let n = 7, stride = 10
    let a = wellConditioned(order: n, seed: 7)
    var padded = [Double](repeating: -99, count: n * stride)
    for i in 0..<n { for j in 0..<n { padded[i * stride + j] = a[i * n + j] } }
    var dense = a
    try padded.withUnsafeMutableBufferPointer {
      try Cholesky.factor($0.baseAddress!, order: n, stride: stride)
    }
    try dense.withUnsafeMutableBufferPointer {
      try Cholesky.factor($0.baseAddress!, order: n, stride: n)
    }
    for i in 0..<n {
      for j in 0...i { #expect(padded[i * stride + j] == dense[i * n + j]) }
      for j in n..<stride { #expect(padded[i * stride + j] == -99) }
    }
  }

  @Test(
    "solve returns x with a small residual, matching the reference", arguments: [1, 4, 9, 33, 67])
  func solveResidual(order n: Int) throws {
    let a = kernelMatrix(order: n, tau: 1e-2, seed: 3 + UInt64(n))
    var rng = SplitMix64(state: 99)
    let b = (0..<n).map { _ in rng.gaussian() }
    var l = a
    try l.withUnsafeMutableBufferPointer {
      try Cholesky.factor($0.baseAddress!, order: n, stride: n)
    }
    var x = b, xr = b
    l.withUnsafeBufferPointer { lp in
      x.withUnsafeMutableBufferPointer {
        Cholesky.solve(factor: lp.baseAddress!, order: n, stride: n, $0.baseAddress!)
      }
      xr.withUnsafeMutableBufferPointer {
        CholeskyReference.solve(factor: lp.baseAddress!, order: n, stride: n, $0.baseAddress!)
      }
    }
    // Residual ‖A x − b‖∞ of a backward-stable solve: ≈ n·ε·‖A‖·‖x‖, with ‖A‖ ≤ n + τ.
    var residual = 0.0, xNorm = 0.0
    for i in 0..<n {
      var s = -b[i]
      for j in 0..<n { s += a[i * n + j] * x[j] }
      residual = max(residual, abs(s))
      xNorm = max(xNorm, abs(x[i]))
    }
    #expect(residual <= 1e-13 * Double(n * n) * max(1, xNorm))
    for i in 0..<n { #expect(abs(x[i] - xr[i]) <= 1e-9 * max(1, xNorm)) }
  }

  @Test("solveLower then solveUpper is solve")
  func twoTriangularSolves() throws {
    let n = 11
    var l = wellConditioned(order: n, seed: 5)
    try l.withUnsafeMutableBufferPointer {
      try Cholesky.factor($0.baseAddress!, order: n, stride: n)
    }
    let b = (0..<n).map { Double($0) - 4.5 }
    var once = b, twice = b
    l.withUnsafeBufferPointer { lp in
      once.withUnsafeMutableBufferPointer {
        Cholesky.solve(factor: lp.baseAddress!, order: n, stride: n, $0.baseAddress!)
      }
      twice.withUnsafeMutableBufferPointer {
        Cholesky.solveLower(factor: lp.baseAddress!, order: n, stride: n, $0.baseAddress!)
        Cholesky.solveUpper(factor: lp.baseAddress!, order: n, stride: n, $0.baseAddress!)
      }
    }
    #expect(once == twice)
    // And L·y = b really holds after solveLower alone.
    var y = b
    l.withUnsafeBufferPointer { lp in
      y.withUnsafeMutableBufferPointer {
        Cholesky.solveLower(factor: lp.baseAddress!, order: n, stride: n, $0.baseAddress!)
      }
    }
    for i in 0..<n {
      var s = 0.0
      for j in 0...i { s += l[i * n + j] * y[j] }
      #expect(abs(s - b[i]) < 1e-12 * 10)
    }
  }

  @Test("batched factor and solve equal one-at-a-time, in Float and Double")
  func batched() throws {
    let n = 5, count = 9
    var all = [Double]()
    for q in 0..<count { all += kernelMatrix(order: n, tau: 0.1, seed: 50 + UInt64(q)) }
    // Make matrix 4 indefinite: the others must still be factored.
    all[4 * n * n + 2 * n + 2] = -3
    var batch = all, batchFloat = all.map { Float($0) }
    let failures = batch.withUnsafeMutableBufferPointer {
      Cholesky.factorBatch($0.baseAddress!, order: n, count: count)
    }
    let failuresFloat = batchFloat.withUnsafeMutableBufferPointer {
      Cholesky.factorBatch($0.baseAddress!, order: n, count: count)
    }
    #expect(failures.map { $0?.pivot } == [nil, nil, nil, nil, 2, nil, nil, nil, nil])
    #expect(failuresFloat.map { $0?.pivot } == failures.map { $0?.pivot })
    var rhs = (0..<(n * count)).map { Double($0 % 7) - 3 }
    var rhsFloat = rhs.map { Float($0) }
    let rhs0 = rhs
    batch.withUnsafeBufferPointer { l in
      rhs.withUnsafeMutableBufferPointer {
        Cholesky.solveBatch(factors: l.baseAddress!, order: n, count: count, $0.baseAddress!)
      }
    }
    batchFloat.withUnsafeBufferPointer { l in
      rhsFloat.withUnsafeMutableBufferPointer {
        Cholesky.solveBatch(factors: l.baseAddress!, order: n, count: count, $0.baseAddress!)
      }
    }
    for q in 0..<count where q != 4 {
      var single = Array(all[(q * n * n)..<((q + 1) * n * n)])
      try single.withUnsafeMutableBufferPointer {
        try CholeskyReference.factor($0.baseAddress!, order: n, stride: n)
      }
      var x = Array(rhs0[(q * n)..<((q + 1) * n)])
      single.withUnsafeBufferPointer { l in
        x.withUnsafeMutableBufferPointer {
          CholeskyReference.solve(factor: l.baseAddress!, order: n, stride: n, $0.baseAddress!)
        }
      }
      for i in 0..<n {
        #expect(abs(rhs[q * n + i] - x[i]) < 1e-10 * max(1, abs(x[i])))
        // κ ≤ (n + τ)/τ = 51: Float solve error ≲ κ·ε_f·‖x‖ ≈ 3e-6·‖x‖, allow 10×.
        #expect(abs(Double(rhsFloat[q * n + i]) - x[i]) < 3e-5 * max(1, abs(x[i])))
      }
    }
  }

  @Test("an indefinite matrix reports the failing pivot instead of returning NaN")
  func indefiniteFails() {
    // [[1, 2], [2, 1]] has eigenvalues 3 and −1: pivot 1 is 1 − 4 = −3.
    var a: [Double] = [1, 2, 2, 1]
    #expect(throws: CholeskyFailure(pivot: 1, value: -3)) {
      try a.withUnsafeMutableBufferPointer {
        try Cholesky.factor($0.baseAddress!, order: 2, stride: 2)
      }
    }
    var f: [Float] = [1, 2, 2, 1]
    #expect(throws: CholeskyFailure(pivot: 1, value: -3)) {
      try f.withUnsafeMutableBufferPointer {
        try Cholesky.factor($0.baseAddress!, order: 2, stride: 2)
      }
    }
    var r: [Double] = [1, 2, 2, 1]
    #expect(throws: CholeskyFailure(pivot: 1, value: -3)) {
      try r.withUnsafeMutableBufferPointer {
        try CholeskyReference.factor($0.baseAddress!, order: 2, stride: 2)
      }
    }
    // A zero matrix fails at pivot 0; so does a negative first entry.
    var zero = [Double](repeating: 0, count: 9)
    #expect(throws: CholeskyFailure(pivot: 0, value: 0)) {
      try zero.withUnsafeMutableBufferPointer {
        try Cholesky.factor($0.baseAddress!, order: 3, stride: 3)
      }
    }
  }

  @Test(
    "NaN or infinity in the lower triangle is reported, on any block path", arguments: [3, 6, 9])
  func nonFiniteFails(order n: Int) {
    for (i, j) in [(n - 1, 0), (n - 1, n - 2), (n / 2, n / 2)] {
      for bad in [Double.nan, Double.infinity] {
        var a = wellConditioned(order: n, seed: 11)
        a[i * n + j] = bad
        var caught: CholeskyFailure? = nil
        do throws(CholeskyFailure) {
          try a.withUnsafeMutableBufferPointer { (p) throws(CholeskyFailure) in
            try Cholesky.factor(p.baseAddress!, order: n, stride: n)
          }
        } catch { caught = error }
        #expect(caught != nil, "entry (\(i), \(j)) = \(bad) went unnoticed")
        if let caught { #expect(caught.pivot >= i && caught.pivot < n) }
      }
    }
  }

  @Test("order 0 is a no-op")
  func emptyMatrix() throws {
    var a = [Double]()
    try a.withUnsafeMutableBufferPointer {
      try Cholesky.factor(
        $0.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!, order: 0, stride: 0)
    }
    #expect(a.isEmpty)
  }
}
