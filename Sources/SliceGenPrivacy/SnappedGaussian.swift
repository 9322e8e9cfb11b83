// Gaussian noise as slicegen publishes it: drawn in double precision by a sampler whose distance
// from an exact Gaussian is bounded, added to the query value, and the sum rounded ("snapped") to
// a grid far coarser than the sampler's resolution. Every noisy number a release publishes (the
// projections, the marginal counts, the pair-selection scores, the discovery counts) goes through
// `snap`. Docs/privacy.md ("What is published, bit for bit") has the whole argument; this header
// keeps the facts the code relies on.
//
// Why. A count c plus float noise z printed in full precision gives c away: o − c is exactly
// representable for the true c and often not for c ± 1 (Mironov, CCS 2012, for Laplace noise;
// seen in slicegen's own releases up to format 2). Rounding the noisy value to a grid of spacing Λ
// is post-processing of the ideal mechanism q + Z, Z ~ N(0, σ²) exact, so it costs no privacy;
// what remains is the distance between our sampler and an exact Gaussian, measured on the grid's
// cells, which is what `relativeCellError` bounds.
//
// The sampler (Box–Muller with an exponential accurate in relative terms everywhere).
//   U' ∈ (0, ½): binade k ≥ 1 with probability 2^−k (leading zero bits of fresh words), then 52
//      fresh mantissa bits: U' is a continuous uniform U on (0, ½) rounded down to the double grid,
//      so U' ≤ U < U'(1 + 2^−52).
//   b: a fair coin. E' = −log(U') if b, else −log1p(−U'). The ideal E = −log(U) or −log1p(−U)
//      is exactly Exp(1) (each branch covers (ln 2, ∞) or (0, ln 2) with density 2e^−E).
//   V' = j·2^−53, j uniform: V rounded down to the grid. θ' = fl(2π)·V'.
//   (X', Y') = √(2E')·(cos θ', sin θ'); the ideal (X, Y) = √(2E)·(cos 2πV, sin 2πV) is a pair of
//      independent N(0, 1) values (Box and Muller 1958).
// Coupling error. With log, log1p, sin and cos within 2 ulp (glibc documents 1 ulp for each on
// x86-64 and AArch64; Tests/SliceGenPrivacyTests/SnappedGaussianTests.swift checks the whole sampler against a Float80 reference
// on x86-64): |E' − E| ≤ 2^−49·E, |cos θ' − cos 2πV| ≤ 2^−47, so with R = √(2E) = √(X² + Y²),
//   |X' − X| ≤ 2^−46·R   and   |Y' − Y| ≤ 2^−46·R.
// Snapping (`snap`): y = Λ·(k + round((r + z)/Λ)) with k = ⌊q/Λ⌋, r = q − kΛ, z = σX'; Λ is a power
// of two, so every step but r + z is exact and that one errs by at most 2^−52·(Λ + |z|). In units
// of σ every cell boundary is therefore met within e = 2^−45·(R + 1) of where the ideal meets it.
//
// Relative error of a cell. A published value y is the event X ∈ I for an interval I of width
// w = Λ/σ ≥ 1/128 (in standard units; the grids below guarantee it). For |I| ⊂ [−t, t] the ideal
// probability is at least w·φ(|α| + w) and the boundary strips where the coupling can disagree have
// probability at most 2·E[e]·φ(|α| − e) with E[R | X ∈ I] ≤ |α| + 1 (and |α| + |β| + 2 for the two
// values of one pair); the ratio of densities across I is at most e^{t·w} ≤ 1.2. Together
//   P_sampler(I) / P_exact(I) ∈ [1 − ρ, 1 + ρ],   ρ = 2^−40·(t + 2)/w,
// with a factor of more than 6 to spare. Docs/privacy.md turns ρ into the ε and δ the release adds.

import Foundation

/// A double-precision N(0, 1) sampler with a proven coupling to the exact Gaussian.
///
/// ## Privacy
/// Each pair (X', Y') it returns is within 2^−46·√(X² + Y²) of a pair (X, Y) of independent exact
/// N(0, 1) values (header of this file). Together with `SnappedGaussian.snap` this bounds how far
/// every published cell's probability is from the ideal Gaussian mechanism's
/// (`SnappedGaussian.relativeCellError`). Tests: Tests/SliceGenPrivacyTests/SnappedGaussianTests.swift.
public enum PreciseGaussian {
  /// Binades below this one are never drawn (probability 2^−960 per value, added to the tail term).
  public static let deepestBinade = 960

  /// One pair of independent N(0, 1) values (three 64-bit words, rarely more).
  @inlinable
  public static func pair(using rng: inout some RandomNumberGenerator) -> (Double, Double) {
    // Binade k ≥ 1 of U' ∈ [2^(−k−1), 2^−k): 1 + the number of leading zero bits.
    var k = 1
    var word = rng.next()
    while word == 0 && k < deepestBinade {
      k &+= 64
      word = rng.next()
    }
    k = min(k &+ word.leadingZeroBitCount, deepestBinade)
    let bits = rng.next()
    let mantissa = bits >> 12  // 52 bits
    let lowerBranch = bits & 1 == 0
    // (1 + mantissa·2^−52)·2^(−k−1), assembled from its bits (k ≤ 960: a normal double).
    let u = Double(bitPattern: UInt64(1023 &- 1 &- k) << 52 | mantissa)
    let e = lowerBranch ? -log1p(-u) : -log(u)
    let v = Double(rng.next() >> 11) * 0x1p-53
    let theta = 2 * Double.pi * v
    let radius = (2 * e).squareRoot()
    return (radius * cos(theta), radius * sin(theta))
  }
}

/// The grids published noisy values are rounded to, and the snap itself.
///
/// ## Privacy
/// `snap(q, noise: σX', grid: Λ)` publishes the ideal mechanism's output q + σX rounded to the
/// grid ΛZ (post-processing), up to the sampler's coupling error; the law of each published value
/// is within a factor 1 ± `relativeCellError(cellWidth: Λ/σ)` of the ideal's for noise values up
/// to `tailCut`·σ. Docs/privacy.md, "What is published, bit for bit". Tests: SnappedGaussianTests.
public enum SnappedGaussian {
  /// t: the relative cell error is stated for noise values within t·σ; beyond, a tail term.
  public static let tailCut = 34.0

  /// The grid of continuous values (projections, scores): the power of two Λ with
  /// σ/128 < Λ ≤ σ/64. Rounding adds variance Λ²/12 ≤ σ²/49152 (0.002 % of the noise).
  public static func grid(sigma: Double) -> Double {
    precondition(sigma > 0 && sigma.isFinite)
    return Double(sign: .plus, exponent: (sigma / 64).exponent, significand: 1)
  }

  /// The grid of counts: integers, or the grid of `grid(sigma:)` when that is coarser.
  public static func countGrid(sigma: Double) -> Double { max(1, grid(sigma: sigma)) }

  /// The smallest cell width, in units of σ, that either grid gives: 1/128.
  public static let smallestCellWidth = 1.0 / 128

  /// ρ: every published cell's probability is within a factor 1 ± ρ of the ideal's, for cells of
  /// width at least w (standard units) within `tailCut` (header of this file).
  public static func relativeCellError(cellWidth w: Double = smallestCellWidth) -> Double {
    precondition(w > 0)
    return 0x1p-40 * (tailCut + 2) / w
  }

  /// P(|X'| > τ) for the sampler: at most P(|X| > τ − 2^−40) (coupling, R ≤ 39), doubled.
  public static func tailProbability(beyond tau: Double) -> Double {
    guard tau > 0 else { return 1 }
    return min(1, 2 * 2 * GaussianMechanism.normalCDF(-(tau - 0x1p-40)) + 0x1p-900)
  }

  /// q + z rounded to the grid Λ (a power of two): Λ·(⌊q/Λ⌋ + round((q − ⌊q/Λ⌋Λ + z)/Λ)), exact
  /// but for the one addition r + z (header of this file).
  @inlinable @inline(__always)
  public static func snap(_ q: Double, noise z: Double, grid: Double) -> Double {
    // Division by a power of two is a multiplication by its exact inverse.
    let inverse = 1 / grid
    let k = (q * inverse).rounded(.down)
    let r = q - k * grid
    return (k + ((r + z) * inverse).rounded(.toNearestOrEven)) * grid
  }
}
