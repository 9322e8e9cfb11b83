// Gaussian samples in bulk from any uniform 64-bit source, by Marsaglia's polar method: draw
// (u, v) uniform in (−1, 1)² until 0 < r = u² + v² < 1, then u·√(−2 ln r / r) and
// v·√(−2 ln r / r) are independent N(0, 1). Uniforms use 53 random bits each; arithmetic is in
// Double, rounded to Float at the end. One log and one square root per pair, no trigonometry;
// about 21 % of pairs are rejected. Exact in distribution up to floating-point rounding.
//
// Used for public or post-processing randomness only (the projection directions U, the
// generator's latent noise, the fit's smoothing noise). The privacy noise of a release is drawn
// by SliceGenPrivacy's `PreciseGaussian` and published through `SnappedGaussian`.

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
