// The two arithmetic types of the kernel estimator (Float, Double) and the one operation that
// needs type-specific code: a vectorised exp(−s·x) over a row, x ≥ 0, which is where Gaussian
// kernels spend their time (3·(b²/2 + b²) exponentials per slice at three bandwidths).
// Not a general exp: arguments are ≤ 0, and results below `expUnderflowThreshold` are 0.
// The loop over a row (`negativeExp`) exists once, generic over the type's vector; each type
// supplies only its vector width and its polynomial (`expNonPositive`). `negativeExpReference`
// is the plain version (one libm exp per element) the tests hold the loop to.
//
// exp(y), y ≤ 0 (Cody–Waite range reduction, as in Cephes):
//   n = round(y·log2 e),  ρ = y − n·ln2 (ln2 split in a high part exact in the format and a low
//   correction), |ρ| ≤ ln2/2;  exp(y) = 2ⁿ·exp(ρ), 2ⁿ built from its exponent bits.
//   Float:  exp(ρ) ≈ 1 + ρ + ρ²·P5(ρ), Cephes expf's minimax polynomial, error ≲ 2 ulp.
//   Double: exp(ρ) by its Taylor series to ρ¹³ (Horner), truncation ≤ 0.347¹⁴/14! ≈ 4e-18,
//   i.e. ≲ 2 ulp after rounding: smooth enough for finite-difference gradient checks.
// n is read off the bits of y·log2 e + 1.5·2^23 (Float) or + 1.5·2^52 (Double): adding that
// constant rounds to an integer whose value sits in the low mantissa bits.

import SliceGenNumerics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Float or Double, with the vector exponential the estimator needs.
protocol EstimatorScalar: BinaryFloatingPoint & SIMDScalar & Sendable & Codable {
  /// The vector `negativeExp` works in: 64 bytes of the scalar (SIMD16<Float>, SIMD8<Double>).
  associatedtype Vector: SIMD where Vector.Scalar == Self
  /// The lowest argument `expNonPositive` evaluates: below it the result is 0 (and 2ⁿ stays a
  /// normal number above it).
  static var expUnderflowThreshold: Self { get }
  /// exp(y) lane by lane for y ≤ 0; 0 where y < `expUnderflowThreshold`.
  static func expNonPositive(_ y: Vector) -> Vector
}

extension EstimatorScalar {
  /// dst[p] = exp(−scale·src[p]) for p < count (src ≥ 0), and returns Σ_p dst[p].
  ///
  /// - Complexity: O(count), one `expNonPositive` per vector of the row.
  static func negativeExp(
    _ src: UnsafePointer<Self>, scale: Self, into dst: UnsafeMutablePointer<Self>, count: Int
  ) -> Self {
    let width = Vector.scalarCount
    let s = Vector(repeating: -scale)
    let rs = UnsafeRawPointer(src), rd = UnsafeMutableRawPointer(dst)
    var acc = Vector()
    var p = 0
    while p &+ width <= count {
      let o = p &* MemoryLayout<Self>.stride
      let v = expNonPositive(s * rs.loadUnaligned(fromByteOffset: o, as: Vector.self))
      rd.storeBytes(of: v, toByteOffset: o, as: Vector.self)
      acc += v
      p &+= width
    }
    if p < count {
      // The last count − p < width elements as one more vector through its bytes (setting lanes
      // by subscript costs more than the vectors before it); the unused lanes hold −∞, whose
      // exponential is 0, so the whole vector joins the sum.
      let size = MemoryLayout<Self>.stride
      var y = Vector(repeating: -.infinity)
      withUnsafeMutableBytes(of: &y) { lanes in
        for q in p..<count {
          lanes.storeBytes(of: -scale * src[q], toByteOffset: (q &- p) &* size, as: Self.self)
        }
      }
      let v = expNonPositive(y)
      acc += v
      withUnsafeBytes(of: v) { lanes in
        for q in p..<count { dst[q] = lanes.load(fromByteOffset: (q &- p) &* size, as: Self.self) }
      }
    }
    return acc.sum()
  }

  /// The plain reference of `negativeExp`: the same arguments −scale·src[p] (rounded in Self),
  /// each through libm's exp in Double and rounded to Self, 0 below `expUnderflowThreshold`,
  /// summed in order. For tests; the estimator calls `negativeExp`.
  static func negativeExpReference(
    _ src: UnsafePointer<Self>, scale: Self, into dst: UnsafeMutablePointer<Self>, count: Int
  ) -> Self {
    var sum: Self = 0
    for p in 0..<count {
      let y = -scale * src[p]
      dst[p] = y < expUnderflowThreshold ? 0 : Self(exp(Double(y)))
      sum += dst[p]
    }
    return sum
  }
}

extension Float: EstimatorScalar {
  typealias Vector = SIMD16<Float>

  static var expUnderflowThreshold: Float { -87.33654 }  // ln(FLT_MIN)

  @inline(__always)
  static func expNonPositive(_ y: SIMD16<Float>) -> SIMD16<Float> {
    typealias V = SIMD16<Float>
    let low = expUnderflowThreshold
    let x = y.replacing(with: low, where: y .< low)
    // 12,582,912 = 1.5·2^23
    let shifted = V(repeating: 12_582_912).adding(product: x, V(repeating: 1.442_695_04))
    let nf = shifted - 12_582_912
    let n = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- 0x4B40_0000
    var r = x.adding(product: nf, V(repeating: -0.693_359_375))
    r = r.adding(product: nf, V(repeating: 2.121_944_4e-4))
    var p = V(repeating: 1.398_199_950_7e-3).adding(product: V(repeating: 1.987_569_15e-4), r)
    p = V(repeating: 8.333_451_907_3e-3).adding(product: p, r)
    p = V(repeating: 4.166_579_589_4e-2).adding(product: p, r)
    p = V(repeating: 1.666_666_545_9e-1).adding(product: p, r)
    p = V(repeating: 5.000_000_120_1e-1).adding(product: p, r)
    let e = (r + 1).adding(product: p, r * r)
    let scale = unsafeBitCast((n &+ 127) &<< 23, to: V.self)
    return (e * scale).replacing(with: 0, where: y .< low)
  }
}

extension Float {
  /// dst[p] = src[p]⁴ (two squarings) for p < count, and returns Σ_p dst[p]: exp(−4γx) from
  /// exp(−γx) (SlicedLoss+Kernel.swift, kernelSources). Relative error ≤ 4·(that of src) + 2 ulp.
  static func fourthPower(
    _ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, count: Int
  ) -> Float {
    let rs = UnsafeRawPointer(src), rd = UnsafeMutableRawPointer(dst)
    var acc = SIMD16<Float>()
    var p = 0
    while p &+ 16 <= count {
      let o = p &* 4
      let v = rs.loadUnaligned(fromByteOffset: o, as: SIMD16<Float>.self)
      let square = v * v
      let fourth = square * square
      rd.storeBytes(of: fourth, toByteOffset: o, as: SIMD16<Float>.self)
      acc += fourth
      p &+= 16
    }
    var tail: Float = 0
    while p < count {
      let square = src[p] * src[p]
      dst[p] = square * square
      tail += dst[p]
      p &+= 1
    }
    return acc.sum() + tail
  }
}

extension Double: EstimatorScalar {
  typealias Vector = SIMD8<Double>

  static var expUnderflowThreshold: Double { -708.0 }  // above ln(DBL_MIN) ≈ −708.396

  @inline(__always)
  static func expNonPositive(_ y: SIMD8<Double>) -> SIMD8<Double> {
    let low = expUnderflowThreshold
    let x = y.replacing(with: low, where: y .< low)
    let shifted = x * 1.442_695_040_888_963_4 + 6_755_399_441_055_744  // 1.5·2^52
    let nf = shifted - 6_755_399_441_055_744
    let n = unsafeBitCast(shifted, to: SIMD8<Int64>.self) &- 0x4338_0000_0000_0000
    var r = x - nf * 6.931_471_803_691_238_164_90e-01
    r = r - nf * 1.908_214_929_270_587_700_02e-10
    // Taylor series of exp(ρ) to ρ¹³, Horner from the top.
    var p = SIMD8<Double>(repeating: 1.0 / 6_227_020_800)  // 1/13!
    p = p * r + 1.0 / 479_001_600
    p = p * r + 1.0 / 39_916_800
    p = p * r + 1.0 / 3_628_800
    p = p * r + 1.0 / 362_880
    p = p * r + 1.0 / 40_320
    p = p * r + 1.0 / 5_040
    p = p * r + 1.0 / 720
    p = p * r + 1.0 / 120
    p = p * r + 1.0 / 24
    p = p * r + 1.0 / 6
    p = p * r + 0.5
    let e = p * (r * r) + r + 1
    let scale = unsafeBitCast((n &+ 1023) &<< 52, to: SIMD8<Double>.self)
    return (e * scale).replacing(with: 0, where: y .< low)
  }
}
