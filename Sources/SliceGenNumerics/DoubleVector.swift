// Double-precision dot product and axpy for `evaluate`'s classifiers and pair metrics, where a
// plain `for j { s += a[j] * b[j] }` is one dependent add per element (the compiler may not
// reorder floating-point sums) and runs at the adder's latency, not its throughput.
//
// `dot` keeps four SIMD8 partial sums (32 independent lanes), adds them at the end, then the
// tail in order: a fixed order, so the result is deterministic, but not the left-to-right sum
// of the plain loop (it differs in the last bits; the tests hold it to the plain sum within
// n·ε·Σ|aⱼbⱼ|). `axpy` has no reduction and matches the plain loop exactly when the build does
// not fuse the multiply–add.

extension SIMD8 where Scalar == Double {
  /// self + a·b: fused in the host-tuned build (FusedMultiplyAdd.swift gives the reason).
  @inlinable @inline(__always)
  func adding(product a: Self, _ b: Self) -> Self {
    #if SLICEGEN_HOST_TUNED
      return addingProduct(a, b)
    #else
      return self + a * b
    #endif
  }
}

/// Double-precision vector kernels on raw pointers.
public enum DoubleVector {
  /// Σⱼ a[j]·b[j] over `count` elements.
  @inlinable
  public static func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, count: Int)
    -> Double
  {
    var s0 = SIMD8<Double>(), s1 = SIMD8<Double>(), s2 = SIMD8<Double>(), s3 = SIMD8<Double>()
    var j = 0
    let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
    let stride = MemoryLayout<Double>.stride
    while j + 32 <= count {
      s0 = s0.adding(
        product: ra.loadUnaligned(fromByteOffset: j * stride, as: SIMD8<Double>.self),
        rb.loadUnaligned(fromByteOffset: j * stride, as: SIMD8<Double>.self))
      s1 = s1.adding(
        product: ra.loadUnaligned(fromByteOffset: (j + 8) * stride, as: SIMD8<Double>.self),
        rb.loadUnaligned(fromByteOffset: (j + 8) * stride, as: SIMD8<Double>.self))
      s2 = s2.adding(
        product: ra.loadUnaligned(fromByteOffset: (j + 16) * stride, as: SIMD8<Double>.self),
        rb.loadUnaligned(fromByteOffset: (j + 16) * stride, as: SIMD8<Double>.self))
      s3 = s3.adding(
        product: ra.loadUnaligned(fromByteOffset: (j + 24) * stride, as: SIMD8<Double>.self),
        rb.loadUnaligned(fromByteOffset: (j + 24) * stride, as: SIMD8<Double>.self))
      j += 32
    }
    while j + 8 <= count {
      s0 = s0.adding(
        product: ra.loadUnaligned(fromByteOffset: j * stride, as: SIMD8<Double>.self),
        rb.loadUnaligned(fromByteOffset: j * stride, as: SIMD8<Double>.self))
      j += 8
    }
    var sum = ((s0 + s1) + (s2 + s3)).sum()
    while j < count {
      sum += a[j] * b[j]
      j += 1
    }
    return sum
  }

  /// y[j] += α·x[j] for j in 0..<count.
  @inlinable
  public static func axpy(
    _ alpha: Double, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, count: Int
  ) {
    for j in 0..<count { y[j] += alpha * x[j] }
  }
}
