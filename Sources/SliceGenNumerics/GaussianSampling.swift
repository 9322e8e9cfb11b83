// Gaussian samples in bulk from any uniform 64-bit source, by Marsaglia's polar method: draw
// (u, v) uniform in (−1, 1)² until 0 < r = u² + v² < 1, then u·√(−2 ln r / r) and
// v·√(−2 ln r / r) are independent N(0, 1). Uniforms use 53 random bits each; arithmetic is in
// Double, rounded to Float at the end. One log and one square root per pair, no trigonometry;
// about 21 % of pairs are rejected. Exact in distribution up to floating-point rounding (see the
// threat model in SliceGenPrivacy/SecureNoise.swift for what that means for privacy).
//
// Two forms of the same sampler. `addNoise(to:standardDeviation:using:)` is the plain reference:
// any generator, one `next()` per uniform. `addNoise(to:standardDeviation:keystream:)` is the bulk
// form for ChaCha20: it takes keystream sixteen blocks at a time (`ChaCha20.fillBlocks`) and runs
// the identical arithmetic on the identical 64-bit words, so its output is bit for bit the
// reference's on a fresh generator with the same key, nonce and counter (RandomTests checks it on
// odd lengths). Same values, hence the same distribution: nothing about exactness changes.

import Foundation

/// Bulk standard normal sampling.
public enum GaussianSampling {
  /// One pair of independent N(0, 1) values.
  @inlinable @inline(__always)
  public static func pair(using rng: inout some RandomNumberGenerator) -> (Double, Double) {
    while true {
      // 53-bit uniform in [0, 1), mapped to (−1, 1).
      let u = Double(rng.next() >> 11) * 0x1p-52 - 1
      let v = Double(rng.next() >> 11) * 0x1p-52 - 1
      let r = u * u + v * v
      if r > 0 && r < 1 {
        let factor = (-2 * log(r) / r).squareRoot()
        return (u * factor, v * factor)
      }
    }
  }

  /// Fills `out` with N(0, σ²) values (the same draws as adding noise to zeros).
  @inlinable
  public static func fill(
    _ out: UnsafeMutableBufferPointer<Float>, standardDeviation sigma: Float,
    using rng: inout some RandomNumberGenerator
  ) {
    out.update(repeating: 0)
    addNoise(to: out, standardDeviation: sigma, using: &rng)
  }

  /// Adds N(0, σ²) values to `out` in place.
  @inlinable
  public static func addNoise(
    to out: UnsafeMutableBufferPointer<Float>, standardDeviation sigma: Float,
    using rng: inout some RandomNumberGenerator
  ) {
    let s = Double(sigma)
    var i = 0
    let n = out.count
    while i < n {
      let (a, b) = pair(using: &rng)
      out[i] = Float(Double(out[i]) + a * s)
      if i + 1 < n { out[i + 1] = Float(Double(out[i + 1]) + b * s) }
      i &+= 2
    }
  }

  /// Adds N(0, σ²) values to `out` in place, from a ChaCha20 keystream in bulk.
  ///
  /// Bit-identical to `addNoise(to:standardDeviation:using:)` called with a fresh copy of
  /// `keystream` (one whose `next()` has not been used). Afterwards `keystream` has advanced by
  /// whole groups of sixteen blocks (the unused tail of the last group is dropped, never reused).
  /// - Complexity: O(out.count); about 10 bytes of keystream and one logarithm per value.
  public static func addNoise(
    to out: UnsafeMutableBufferPointer<Float>, standardDeviation sigma: Float,
    keystream: inout ChaCha20
  ) {
    let n = out.count
    guard n > 0, let o = out.baseAddress else { return }
    let s = Double(sigma)
    // Per refill: 16 blocks = 256 words = 128 uniforms = 64 attempts (u from an even 64-bit word,
    // v from the following odd one, as two `next()` calls give them).
    // Stage 1, eight attempts per SIMD8 step: u, v, r = u² + v² (the reference's operations in
    //   the reference's order, so every rounding is the same), then log r (the same scalar `log`),
    //   then the factor √(−2 ln r / r) and the pair (u·factor, v·factor).
    // Stage 2: the accepted pairs, in order, without branches.
    // Stage 3: add σ·z to the output.
    withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 256) { wordBuffer in
      withUnsafeTemporaryAllocation(of: Double.self, capacity: 4 * 64 + 128) { scratch in
        let w = wordBuffer.baseAddress!
        let rs = scratch.baseAddress!     // (64) r, then ln r
        let zu = rs + 64                  // (64) u·factor
        let zv = zu + 64                  // (64) v·factor
        let ok = zv + 64                  // (64) 1 where 0 < r < 1
        let z = ok + 64                   // (128) accepted values in order
        var i = 0
        while i < n {
          keystream.fillBlocks(w, count: 16)
          var k = 0
          while k < 64 {
            var a = SIMD8<UInt64>(), b = SIMD8<UInt64>()
            for lane in 0..<8 {
              let q = w + 4 &* (k &+ lane)
              a[lane] = UInt64(q[0]) | UInt64(q[1]) << 32
              b[lane] = UInt64(q[2]) | UInt64(q[3]) << 32
            }
            let u = SIMD8<Double>(SIMD8<Int64>(truncatingIfNeeded: a &>> 11)) * 0x1p-52 - 1
            let v = SIMD8<Double>(SIMD8<Int64>(truncatingIfNeeded: b &>> 11)) * 0x1p-52 - 1
            let r = u * u + v * v
            let accepted = (r .> 0) .& (r .< 1)
            let one = SIMD8<Double>(repeating: 1), zero = SIMD8<Double>()
            UnsafeMutableRawPointer(ok + k).storeBytes(
              of: zero.replacing(with: one, where: accepted), as: SIMD8<Double>.self)
            UnsafeMutableRawPointer(rs + k).storeBytes(of: r, as: SIMD8<Double>.self)
            UnsafeMutableRawPointer(zu + k).storeBytes(of: u, as: SIMD8<Double>.self)
            UnsafeMutableRawPointer(zv + k).storeBytes(of: v, as: SIMD8<Double>.self)
            k &+= 8
          }
          // ln r for every attempt (rejected ones give a value that is never used).
          for t in 0..<64 { rs[t] = log(rs[t]) }
          k = 0
          while k < 64 {
            // r again: recompute from u and v (the same operations, the same value).
            let u = UnsafeRawPointer(zu + k).loadUnaligned(as: SIMD8<Double>.self)
            let v = UnsafeRawPointer(zv + k).loadUnaligned(as: SIMD8<Double>.self)
            let r = u * u + v * v
            let lr = UnsafeRawPointer(rs + k).loadUnaligned(as: SIMD8<Double>.self)
            let factor = (-2 * lr / r).squareRoot()
            UnsafeMutableRawPointer(zu + k).storeBytes(of: u * factor, as: SIMD8<Double>.self)
            UnsafeMutableRawPointer(zv + k).storeBytes(of: v * factor, as: SIMD8<Double>.self)
            k &+= 8
          }
          var count = 0
          for t in 0..<64 {
            z[count] = zu[t]
            z[count &+ 1] = zv[t]
            count &+= ok[t] != 0 ? 2 : 0
          }
          let take = min(count, n &- i)
          let base = o + i
          for t in 0..<take { base[t] = Float(Double(base[t]) + z[t] * s) }
          i &+= take
        }
      }
    }
  }

  /// Fills a Double buffer with N(0, σ²) values.
  @inlinable
  public static func fill(
    _ out: UnsafeMutableBufferPointer<Double>, standardDeviation sigma: Double,
    using rng: inout some RandomNumberGenerator
  ) {
    var i = 0
    while i < out.count {
      let (a, b) = pair(using: &rng)
      out[i] = a * sigma
      if i + 1 < out.count { out[i + 1] = b * sigma }
      i &+= 2
    }
  }
}
