// Cholesky factorisation A = L·Lᵀ of small dense symmetric positive-definite matrices, and the
// triangular solves that use the factor, in Float and Double. The estimator of the fit loop
// factors one (b × b) kernel matrix K + τI per slice and bandwidth (b = 128 … 512) and solves two
// right-hand sides with each factor; this file is that kernel, written for that size.
//
// It deliberately is not a LAPACK: no pivoting, no blocking for matrices that leave the cache, no
// multi-threading (the caller parallelises over independent matrices), no complex numbers. The
// plain version beside it (`CholeskyReference`) is the ground truth the tests hold this one to.
//
// Storage: row-major, element (i, j) at i·stride + j, stride ≥ n. `factor` reads the lower
// triangle (j ≤ i) only, overwrites it with L, and never touches the strictly upper part.
//
// Algorithm (Cholesky–Banachiewicz, row by row). From A = L·Lᵀ, for j ≤ i:
//   A[i,j] = Σ_{p ≤ j} L[i,p]·L[j,p]
//   ⇒ L[j,j] = sqrt(A[j,j] − Σ_{p<j} L[j,p]²),
//     L[i,j] = (A[i,j] − Σ_{p<j} L[i,p]·L[j,p]) / L[j,j]   (i > j).
// Every sum is a dot product of two contiguous row prefixes, which is what SIMD wants. Rows are
// processed four at a time so that each loaded chunk of row j feeds four dot products.
//
// Failure: the matrix is not numerically positive definite exactly when some pivot
// A[j,j] − Σ L[j,p]² is not a positive finite number. NaN anywhere in the lower triangle reaches
// a pivot (an entry L[i,j] that is NaN enters the pivot of row i), so the check `pivot > 0 &&
// pivot.isFinite` turns NaN inputs into a reported failure instead of a NaN factor.
//
// Solves: L·Lᵀ x = b is y = L⁻¹b (forward: y_i = (b_i − L[i,0..<i]·y[0..<i]) / L[i,i], a row dot
// product) then x = L⁻ᵀy (backward, written as row-wise updates: x_i = y_i / L[i,i], then
// y[0..<i] −= x_i·L[i,0..<i], so it too walks contiguous rows).

#if canImport(Glibc)
  import Glibc  // links libm, which the generic squareRoot() calls into on Linux
#endif

/// A Cholesky factorisation stopped because the matrix is not numerically positive definite.
public struct CholeskyFailure: Error, Equatable, Sendable, CustomStringConvertible {
  /// The row whose pivot failed (0-based).
  public var pivot: Int
  /// The value of the failed pivot A[j,j] − Σ_{p<j} L[j,p]² (≤ 0, infinite or NaN).
  public var value: Double

  public init(pivot: Int, value: Double) {
    self.pivot = pivot
    self.value = value
  }

  public var description: String {
    "matrix is not positive definite: pivot \(pivot) is \(value), must be positive and finite"
  }
}

/// Cholesky factorisation and solves for dense symmetric positive-definite matrices.
///
/// Row-major storage with a row stride; only the lower triangle is read and written.
public enum Cholesky {
  /// Overwrites the lower triangle of `a` (n × n, row stride `stride`) with L, A = L·Lᵀ.
  /// - Throws: `CholeskyFailure` at the first pivot that is not positive and finite (the lower
  ///   triangle is then partly overwritten).
  /// - Complexity: n³/6 multiply–adds.
  public static func factor(
    _ a: UnsafeMutablePointer<Float>, order n: Int, stride: Int
  ) throws(CholeskyFailure) {
    try factorKernel(a, n, stride)
  }

  /// Overwrites the lower triangle of `a` (n × n, row stride `stride`) with L, A = L·Lᵀ.
  /// - Throws: `CholeskyFailure` at the first pivot that is not positive and finite.
  /// - Complexity: n³/6 multiply–adds.
  public static func factor(
    _ a: UnsafeMutablePointer<Double>, order n: Int, stride: Int
  ) throws(CholeskyFailure) {
    try factorKernel(a, n, stride)
  }

  /// Solves L·Lᵀ x = b in place (`b` becomes x), L the output of `factor`.
  /// - Complexity: 2·n²/2 multiply–adds.
  public static func solve(
    factor l: UnsafePointer<Float>, order n: Int, stride: Int, _ b: UnsafeMutablePointer<Float>
  ) {
    forwardKernel(l, n, stride, b)
    backwardKernel(l, n, stride, b)
  }

  /// Solves L·Lᵀ x = b in place (`b` becomes x), L the output of `factor`.
  /// - Complexity: 2·n²/2 multiply–adds.
  public static func solve(
    factor l: UnsafePointer<Double>, order n: Int, stride: Int, _ b: UnsafeMutablePointer<Double>
  ) {
    forwardKernel(l, n, stride, b)
    backwardKernel(l, n, stride, b)
  }

  /// Solves L·y = b in place (forward substitution).
  public static func solveLower(
    factor l: UnsafePointer<Float>, order n: Int, stride: Int, _ b: UnsafeMutablePointer<Float>
  ) {
    forwardKernel(l, n, stride, b)
  }

  /// Solves L·y = b in place (forward substitution).
  public static func solveLower(
    factor l: UnsafePointer<Double>, order n: Int, stride: Int, _ b: UnsafeMutablePointer<Double>
  ) {
    forwardKernel(l, n, stride, b)
  }

  /// Solves Lᵀ·x = y in place (backward substitution).
  public static func solveUpper(
    factor l: UnsafePointer<Float>, order n: Int, stride: Int, _ b: UnsafeMutablePointer<Float>
  ) {
    backwardKernel(l, n, stride, b)
  }

  /// Solves Lᵀ·x = y in place (backward substitution).
  public static func solveUpper(
    factor l: UnsafePointer<Double>, order n: Int, stride: Int, _ b: UnsafeMutablePointer<Double>
  ) {
    backwardKernel(l, n, stride, b)
  }
}

// MARK: - Batched

extension Cholesky {
  /// Factors `count` matrices of order n stored one after another (matrix q starts at
  /// a + q·n·n, row stride n). A failure does not stop the others.
  /// - Returns: one entry per matrix: nil, or the failure of that matrix.
  /// - Complexity: count·n³/6 multiply–adds, on the calling thread.
  public static func factorBatch(
    _ a: UnsafeMutablePointer<Float>, order n: Int, count: Int
  ) -> [CholeskyFailure?] {
    (0..<count).map { q in
      do throws(CholeskyFailure) {
        try factorKernel(a + q * n * n, n, n)
        return nil
      } catch { return error }
    }
  }

  /// Factors `count` matrices of order n stored one after another (matrix q starts at
  /// a + q·n·n, row stride n). A failure does not stop the others.
  /// - Returns: one entry per matrix: nil, or the failure of that matrix.
  public static func factorBatch(
    _ a: UnsafeMutablePointer<Double>, order n: Int, count: Int
  ) -> [CholeskyFailure?] {
    (0..<count).map { q in
      do throws(CholeskyFailure) {
        try factorKernel(a + q * n * n, n, n)
        return nil
      } catch { return error }
    }
  }

  /// Solves L_q·L_qᵀ x_q = b_q in place for `count` factors laid out as `factorBatch` leaves
  /// them; right-hand side q starts at b + q·n.
  public static func solveBatch(
    factors l: UnsafePointer<Float>, order n: Int, count: Int, _ b: UnsafeMutablePointer<Float>
  ) {
    for q in 0..<count { solve(factor: l + q * n * n, order: n, stride: n, b + q * n) }
  }

  /// Solves L_q·L_qᵀ x_q = b_q in place for `count` factors laid out as `factorBatch` leaves
  /// them; right-hand side q starts at b + q·n.
  public static func solveBatch(
    factors l: UnsafePointer<Double>, order n: Int, count: Int, _ b: UnsafeMutablePointer<Double>
  ) {
    for q in 0..<count { solve(factor: l + q * n * n, order: n, stride: n, b + q * n) }
  }
}

// MARK: - Kernels (generic, specialised for Float and Double by the public entry points)

/// Dot product of two contiguous vectors, 4 SIMD8 accumulators then a scalar tail.
@inline(__always)
func choleskyDot<T: BinaryFloatingPoint & SIMDScalar>(
  _ x: UnsafePointer<T>, _ y: UnsafePointer<T>, _ count: Int
) -> T {
  let rx = UnsafeRawPointer(x)
  let ry = UnsafeRawPointer(y)
  let width = MemoryLayout<SIMD8<T>>.stride
  var a0 = SIMD8<T>(), a1 = SIMD8<T>(), a2 = SIMD8<T>(), a3 = SIMD8<T>()
  var p = 0
  while p &+ 32 <= count {
    let o = p &* MemoryLayout<T>.stride
    a0.addProduct(
      rx.loadUnaligned(fromByteOffset: o, as: SIMD8<T>.self),
      ry.loadUnaligned(fromByteOffset: o, as: SIMD8<T>.self))
    a1.addProduct(
      rx.loadUnaligned(fromByteOffset: o &+ width, as: SIMD8<T>.self),
      ry.loadUnaligned(fromByteOffset: o &+ width, as: SIMD8<T>.self))
    a2.addProduct(
      rx.loadUnaligned(fromByteOffset: o &+ 2 &* width, as: SIMD8<T>.self),
      ry.loadUnaligned(fromByteOffset: o &+ 2 &* width, as: SIMD8<T>.self))
    a3.addProduct(
      rx.loadUnaligned(fromByteOffset: o &+ 3 &* width, as: SIMD8<T>.self),
      ry.loadUnaligned(fromByteOffset: o &+ 3 &* width, as: SIMD8<T>.self))
    p &+= 32
  }
  while p &+ 8 <= count {
    let o = p &* MemoryLayout<T>.stride
    a0.addProduct(
      rx.loadUnaligned(fromByteOffset: o, as: SIMD8<T>.self),
      ry.loadUnaligned(fromByteOffset: o, as: SIMD8<T>.self))
    p &+= 8
  }
  var sum = ((a0 + a1) + (a2 + a3)).sum()
  while p < count {
    sum += x[p] * y[p]
    p &+= 1
  }
  return sum
}

extension SIMD8 where Scalar: FloatingPoint {
  /// self += x·y as a separate multiply and add: `addingProduct` asks for a fused multiply–add,
  /// which a build for the baseline x86-64 CPU (no FMA) turns into one libm call per lane.
  @inline(__always)
  mutating func addProduct(_ x: SIMD8<Scalar>, _ y: SIMD8<Scalar>) {
    self += x * y
  }
}

/// Four dot products x_r · y (r = 0…3) sharing the loads of y.
@inline(__always)
func choleskyDot4<T: BinaryFloatingPoint & SIMDScalar>(
  _ x0: UnsafePointer<T>, _ x1: UnsafePointer<T>, _ x2: UnsafePointer<T>,
  _ x3: UnsafePointer<T>, _ y: UnsafePointer<T>, _ count: Int
) -> (T, T, T, T) {
  let r0 = UnsafeRawPointer(x0), r1 = UnsafeRawPointer(x1)
  let r2 = UnsafeRawPointer(x2), r3 = UnsafeRawPointer(x3)
  let ry = UnsafeRawPointer(y)
  var a0 = SIMD8<T>(), a1 = SIMD8<T>(), a2 = SIMD8<T>(), a3 = SIMD8<T>()
  var p = 0
  while p &+ 8 <= count {
    let o = p &* MemoryLayout<T>.stride
    let v = ry.loadUnaligned(fromByteOffset: o, as: SIMD8<T>.self)
    a0.addProduct(r0.loadUnaligned(fromByteOffset: o, as: SIMD8<T>.self), v)
    a1.addProduct(r1.loadUnaligned(fromByteOffset: o, as: SIMD8<T>.self), v)
    a2.addProduct(r2.loadUnaligned(fromByteOffset: o, as: SIMD8<T>.self), v)
    a3.addProduct(r3.loadUnaligned(fromByteOffset: o, as: SIMD8<T>.self), v)
    p &+= 8
  }
  var s0 = a0.sum(), s1 = a1.sum(), s2 = a2.sum(), s3 = a3.sum()
  while p < count {
    let v = y[p]
    s0 += x0[p] * v
    s1 += x1[p] * v
    s2 += x2[p] * v
    s3 += x3[p] * v
    p &+= 1
  }
  return (s0, s1, s2, s3)
}

@inline(__always)
func choleskyPivot<T: BinaryFloatingPoint>(_ value: T, row: Int) throws(CholeskyFailure) -> T {
  guard value > 0, value.isFinite else {
    throw CholeskyFailure(pivot: row, value: Double(value))
  }
  return value.squareRoot()
}

func factorKernel<T: BinaryFloatingPoint & SIMDScalar>(
  _ a: UnsafeMutablePointer<T>, _ n: Int, _ stride: Int
) throws(CholeskyFailure) {
  precondition(n >= 0 && stride >= n, "Cholesky: order \(n), stride \(stride)")
  var i0 = 0
  // Blocks of four rows i0..<i0+4: first every column j < i0 (four dot products sharing row j),
  // then the 4 × 4 diagonal block one entry at a time.
  while i0 &+ 4 <= n {
    let row0 = a + i0 &* stride, row1 = row0 + stride
    let row2 = row1 + stride, row3 = row2 + stride
    for j in 0..<i0 {
      let rowJ = a + j &* stride
      let (d0, d1, d2, d3) = choleskyDot4(row0, row1, row2, row3, rowJ, j)
      let inv = 1 / rowJ[j]
      row0[j] = (row0[j] - d0) * inv
      row1[j] = (row1[j] - d1) * inv
      row2[j] = (row2[j] - d2) * inv
      row3[j] = (row3[j] - d3) * inv
    }
    for i in i0..<(i0 &+ 4) {
      let rowI = a + i &* stride
      for j in i0..<i {
        let rowJ = a + j &* stride
        rowI[j] = (rowI[j] - choleskyDot(rowI, rowJ, j)) / rowJ[j]
      }
      rowI[i] = try choleskyPivot(rowI[i] - choleskyDot(rowI, rowI, i), row: i)
    }
    i0 &+= 4
  }
  // The last n mod 4 rows, one at a time.
  for i in i0..<n {
    let rowI = a + i &* stride
    for j in 0..<i {
      let rowJ = a + j &* stride
      rowI[j] = (rowI[j] - choleskyDot(rowI, rowJ, j)) / rowJ[j]
    }
    rowI[i] = try choleskyPivot(rowI[i] - choleskyDot(rowI, rowI, i), row: i)
  }
}

func forwardKernel<T: BinaryFloatingPoint & SIMDScalar>(
  _ l: UnsafePointer<T>, _ n: Int, _ stride: Int, _ b: UnsafeMutablePointer<T>
) {
  for i in 0..<n {
    let rowI = l + i &* stride
    b[i] = (b[i] - choleskyDot(rowI, b, i)) / rowI[i]
  }
}

func backwardKernel<T: BinaryFloatingPoint & SIMDScalar>(
  _ l: UnsafePointer<T>, _ n: Int, _ stride: Int, _ b: UnsafeMutablePointer<T>
) {
  var i = n &- 1
  while i >= 0 {
    let rowI = l + i &* stride
    let x = b[i] / rowI[i]
    b[i] = x
    // b[0..<i] −= x · L[i, 0..<i]
    let rb = UnsafeMutableRawPointer(b)
    let rl = UnsafeRawPointer(rowI)
    let xv = SIMD8<T>(repeating: x)
    var p = 0
    while p &+ 8 <= i {
      let o = p &* MemoryLayout<T>.stride
      let v = rb.loadUnaligned(fromByteOffset: o, as: SIMD8<T>.self)
      let w = rl.loadUnaligned(fromByteOffset: o, as: SIMD8<T>.self)
      rb.storeBytes(of: v - xv * w, toByteOffset: o, as: SIMD8<T>.self)
      p &+= 8
    }
    while p < i {
      b[p] -= x * rowI[p]
      p &+= 1
    }
    i &-= 1
  }
}
