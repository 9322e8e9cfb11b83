// Plain reference matrix products. Every fast kernel in `GEMM` is tested against these on odd
// shapes; they are deliberately the obvious triple loop (accumulating in Double) and nothing else,
// written once for the three layouts and both precisions (the generator's Double path, used by
// its finite-difference tests, runs on them too).
//
// All matrices are row-major and contiguous: an (r × c) matrix has element (i, j) at i*c + j.

/// The obvious triple-loop matrix products, the ground truth for `GEMM`.
public enum GEMMReference {
  /// Which operand is transposed: C = A·B (`nn`), A·Bᵀ with B stored (n × k) (`nt`), or Aᵀ·B
  /// with A stored (k × m) (`tn`).
  public enum Layout: Sendable { case nn, nt, tn }

  /// C (m × n) = the `layout` product of A and B over k, or C += … when `accumulate`; sums in
  /// Double.
  /// - Complexity: O(m·n·k).
  @inlinable
  public static func product<T: BinaryFloatingPoint>(
    _ layout: Layout, m: Int, n: Int, k: Int, a: UnsafePointer<T>, b: UnsafePointer<T>,
    c: UnsafeMutablePointer<T>, accumulate: Bool = false
  ) {
    for i in 0..<m {
      for j in 0..<n {
        var sum = 0.0
        for p in 0..<k {
          let (x, y): (T, T)
          switch layout {
          case .nn: (x, y) = (a[i * k + p], b[p * n + j])
          case .nt: (x, y) = (a[i * k + p], b[j * k + p])
          case .tn: (x, y) = (a[p * m + i], b[p * n + j])
          }
          sum += Double(x) * Double(y)
        }
        c[i * n + j] = T(sum) + (accumulate ? c[i * n + j] : 0)
      }
    }
  }

  /// C (m × n) = A (m × k) · B (k × n), or C += … when `accumulate`.
  public static func nn(
    m: Int, n: Int, k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
    c: UnsafeMutablePointer<Float>, accumulate: Bool = false
  ) {
    product(.nn, m: m, n: n, k: k, a: a, b: b, c: c, accumulate: accumulate)
  }

  /// C (m × n) = A (m × k) · Bᵀ, B stored (n × k), or C += … when `accumulate`.
  public static func nt(
    m: Int, n: Int, k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
    c: UnsafeMutablePointer<Float>, accumulate: Bool = false
  ) {
    product(.nt, m: m, n: n, k: k, a: a, b: b, c: c, accumulate: accumulate)
  }

  /// C (m × n) = Aᵀ · B, A stored (k × m), B (k × n), or C += … when `accumulate`.
  public static func tn(
    m: Int, n: Int, k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
    c: UnsafeMutablePointer<Float>, accumulate: Bool = false
  ) {
    product(.tn, m: m, n: n, k: k, a: a, b: b, c: c, accumulate: accumulate)
  }
}
