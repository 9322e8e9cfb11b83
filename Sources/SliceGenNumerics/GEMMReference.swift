// Plain reference matrix products. Every fast kernel in `GEMM` is tested against these on odd
// shapes; they are deliberately the obvious triple loops (accumulating in Double) and nothing else.
//
// All matrices are row-major and contiguous: an (r × c) matrix has element (i, j) at i*c + j.

/// The obvious triple-loop matrix products, the ground truth for `GEMM`.
public enum GEMMReference {
  /// C (m × n) = A (m × k) · B (k × n), or C += … when `accumulate`.
  /// - Complexity: O(m·n·k).
  public static func nn(
    m: Int, n: Int, k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
    c: UnsafeMutablePointer<Float>, accumulate: Bool = false
  ) {
    for i in 0..<m {
      for j in 0..<n {
        var sum = 0.0
        for p in 0..<k { sum += Double(a[i * k + p]) * Double(b[p * n + j]) }
        c[i * n + j] = Float(sum) + (accumulate ? c[i * n + j] : 0)
      }
    }
  }

  /// C (m × n) = A (m × k) · Bᵀ, B stored (n × k), or C += … when `accumulate`.
  /// - Complexity: O(m·n·k).
  public static func nt(
    m: Int, n: Int, k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
    c: UnsafeMutablePointer<Float>, accumulate: Bool = false
  ) {
    for i in 0..<m {
      for j in 0..<n {
        var sum = 0.0
        for p in 0..<k { sum += Double(a[i * k + p]) * Double(b[j * k + p]) }
        c[i * n + j] = Float(sum) + (accumulate ? c[i * n + j] : 0)
      }
    }
  }

  /// C (m × n) = Aᵀ · B, A stored (k × m), B (k × n), or C += … when `accumulate`.
  /// - Complexity: O(m·n·k).
  public static func tn(
    m: Int, n: Int, k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
    c: UnsafeMutablePointer<Float>, accumulate: Bool = false
  ) {
    for i in 0..<m {
      for j in 0..<n {
        var sum = 0.0
        for p in 0..<k { sum += Double(a[p * m + i]) * Double(b[p * n + j]) }
        c[i * n + j] = Float(sum) + (accumulate ? c[i * n + j] : 0)
      }
    }
  }
}
