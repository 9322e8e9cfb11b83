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
    // Stage 1, eight attempts per SIMD8 step: u, v and r = u² + v² (the reference's operations in
    //   the reference's order, so every rounding is the same) and whether 0 < r < 1.
    // Stage 2: the accepted (u, v, r), in order, without branches.
    // Stage 3, per accepted attempt, the reference's scalar expression √(−2 ln r / r) (the same
    //   `log`), then σ·(u·factor) and σ·(v·factor) added to the output.
    withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 256) { wordBuffer in
      withUnsafeTemporaryAllocation(of: Double.self, capacity: 6 * 64) { scratch in
        let w = wordBuffer.baseAddress!
        let us = scratch.baseAddress!     // (64) u
        let vs = us + 64                  // (64) v
        let rs = vs + 64                  // (64) r
        let au = rs + 64                  // (64) accepted u, v, r
        let av = au + 64
        let ar = av + 64
        var i = 0
        var accept = [Bool](repeating: false, count: 64)
        accept.withUnsafeMutableBufferPointer { ok in
          let ok = ok.baseAddress!
          while i < n {
            keystream.fillBlocks(w, count: 16)
            var k = 0
            while k < 64 {
              var a = SIMD8<UInt64>(), b = SIMD8<UInt64>()
              #if _endian(little)
                // Words 4j…4j+3 of attempt j are the 64-bit values 2j (u) and 2j + 1 (v).
                let pair = UnsafeRawPointer(w + 4 &* k).loadUnaligned(as: SIMD16<UInt64>.self)
                a = pair.evenHalf
                b = pair.oddHalf
              #else
                for lane in 0..<8 {
                  let q = w + 4 &* (k &+ lane)
                  a[lane] = UInt64(q[0]) | UInt64(q[1]) << 32
                  b[lane] = UInt64(q[2]) | UInt64(q[3]) << 32
                }
              #endif
              let u = SIMD8<Double>(SIMD8<Int64>(truncatingIfNeeded: a &>> 11)) * 0x1p-52 - 1
              let v = SIMD8<Double>(SIMD8<Int64>(truncatingIfNeeded: b &>> 11)) * 0x1p-52 - 1
              let r = u * u + v * v
              let accepted = (r .> 0) .& (r .< 1)
              UnsafeMutableRawPointer(us + k).storeBytes(of: u, as: SIMD8<Double>.self)
              UnsafeMutableRawPointer(vs + k).storeBytes(of: v, as: SIMD8<Double>.self)
              UnsafeMutableRawPointer(rs + k).storeBytes(of: r, as: SIMD8<Double>.self)
              for lane in 0..<8 { ok[k &+ lane] = accepted[lane] }
              k &+= 8
            }
            var count = 0
            for t in 0..<64 {
              au[count] = us[t]
              av[count] = vs[t]
              ar[count] = rs[t]
              count &+= ok[t] ? 1 : 0
            }
            // Pairs needed: the output may end inside this group (the rest is dropped).
            let pairs = min(count, (n &- i &+ 1) / 2)
            for t in 0..<pairs {
              let r = ar[t]
              let factor = (-2 * log(r) / r).squareRoot()
              o[i] = Float(Double(o[i]) + au[t] * factor * s)
              if i &+ 1 < n { o[i &+ 1] = Float(Double(o[i &+ 1]) + av[t] * factor * s) }
              i &+= 2
            }
          }
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
