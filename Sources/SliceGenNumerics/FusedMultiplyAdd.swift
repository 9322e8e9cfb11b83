// Multiply–add for SIMD vectors: fused (one rounding, one instruction) in the host-tuned build,
// a separate multiply and add in the portable one.
//
// Why both: `addingProduct` asks for a fused multiply–add. Built for the host CPU (the default at
// the root of this package, see Package.swift) it is one `vfmadd` instruction per vector. Built
// for the baseline x86-64 CPU, which has no FMA, the compiler keeps the single rounding by calling
// libm's `fmaf` once per lane: measured 5× slower than a multiply and an add. Results differ in
// the last bit between the two builds; every test compares kernels within a tolerance, and a
// given build is deterministic.

extension SIMD16 where Scalar == Float {
  /// self + a·b: fused in the host-tuned build.
  @inlinable @inline(__always)
  public func adding(product a: Self, _ b: Self) -> Self {
    #if SLICEGEN_HOST_TUNED
      return addingProduct(a, b)
    #else
      return self + a * b
    #endif
  }
}
