// Float32 matrix products used by the release (X·U) and by the generator (forward: NN/NT,
// weight gradient: TN). Row-major, contiguous, same shapes and argument order as
// `GEMMReference`, against which tests hold every path.
//
// This file is the dispatcher; it currently forwards to the reference. Fast paths replace
// the bodies without changing the signatures.

/// Float32 matrix products: the entry points the rest of slicegen calls.
public enum GEMM {
  /// C (m × n) = A (m × k) · B (k × n), or C += … when `accumulate`.
  public static func nn(
    m: Int, n: Int, k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
    c: UnsafeMutablePointer<Float>, accumulate: Bool = false
  ) {
    GEMMReference.nn(m: m, n: n, k: k, a: a, b: b, c: c, accumulate: accumulate)
  }

  /// C (m × n) = A (m × k) · Bᵀ, B stored (n × k), or C += … when `accumulate`.
  public static func nt(
    m: Int, n: Int, k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
    c: UnsafeMutablePointer<Float>, accumulate: Bool = false
  ) {
    GEMMReference.nt(m: m, n: n, k: k, a: a, b: b, c: c, accumulate: accumulate)
  }

  /// C (m × n) = Aᵀ · B, A stored (k × m), B (k × n), or C += … when `accumulate`.
  public static func tn(
    m: Int, n: Int, k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
    c: UnsafeMutablePointer<Float>, accumulate: Bool = false
  ) {
    GEMMReference.tn(m: m, n: n, k: k, a: a, b: b, c: c, accumulate: accumulate)
  }
}
