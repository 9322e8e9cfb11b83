// Plain reference Cholesky factorisation and solves: the ground truth `Cholesky` is tested
// against. Deliberately the textbook loops (column by column, Cholesky–Crout order, sums in
// Double), nothing fast. Same storage and failure rule as `Cholesky` (row-major, row stride,
// lower triangle only; a pivot that is not positive and finite throws).

/// Textbook Cholesky factorisation and triangular solves, accumulating in Double.
public enum CholeskyReference {
  /// Overwrites the lower triangle of `a` with L, A = L·Lᵀ (column by column).
  /// - Complexity: O(n³).
  public static func factor<T: BinaryFloatingPoint>(
    _ a: UnsafeMutablePointer<T>, order n: Int, stride: Int
  ) throws(CholeskyFailure) {
    for j in 0..<n {
      var pivot = Double(a[j * stride + j])
      for p in 0..<j { pivot -= Double(a[j * stride + p]) * Double(a[j * stride + p]) }
      guard pivot > 0, pivot.isFinite else { throw CholeskyFailure(pivot: j, value: pivot) }
      let ljj = pivot.squareRoot()
      a[j * stride + j] = T(ljj)
      for i in (j + 1)..<max(n, j + 1) {
        var s = Double(a[i * stride + j])
        for p in 0..<j { s -= Double(a[i * stride + p]) * Double(a[j * stride + p]) }
        a[i * stride + j] = T(s / ljj)
      }
    }
  }

  /// Solves L·Lᵀ x = b in place.
  /// - Complexity: O(n²).
  public static func solve<T: BinaryFloatingPoint>(
    factor l: UnsafePointer<T>, order n: Int, stride: Int, _ b: UnsafeMutablePointer<T>
  ) {
    var y = [Double](repeating: 0, count: n)
    for i in 0..<n {
      var s = Double(b[i])
      for p in 0..<i { s -= Double(l[i * stride + p]) * y[p] }
      y[i] = s / Double(l[i * stride + i])
    }
    for i in Swift.stride(from: n - 1, through: 0, by: -1) {
      var s = y[i]
      for p in (i + 1)..<max(n, i + 1) { s -= Double(l[p * stride + i]) * y[p] }
      y[i] = s / Double(l[i * stride + i])
    }
    for i in 0..<n { b[i] = T(y[i]) }
  }
}
