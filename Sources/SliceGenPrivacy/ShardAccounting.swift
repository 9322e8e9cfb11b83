// The guarantee of shards (`release --like first.slg`) and of their merge (`slicegen merge`).
// Deliberately not here: reading or checking release files (SliceGen/Release/ReleaseMerge.swift).
//
// Setting. A table is split into disjoint shards by a public rule (which machine or which party
// holds a row). The first release draws U from a secure seed after its rows are fixed; every other
// shard is released with the same U, schema and σ, fresh secure noise and its own shuffle.
//
// Parallel composition. Neighbouring unions differ in one row, which sits in one shard k (the
// shard partition is public and replace-one keeps a row's place). Conditional on U, the other
// shards' outputs have the same law under both neighbours and are independent of shard k's output,
// so the hockey-stick divergence of the joint output equals shard k's: every row is protected
// once, by its own shard's mechanism, and the merged release satisfies the largest (ε, δ) of its
// parts. A row of the first shard also paid for the schema's discovery when there was one (the
// other shards' releases use that schema, a DP output, as public input: post-processing).
//
// U is public before a --like shard is released. The χ²-mixture analysis (random U) needs the
// differing row to be independent of U. That holds for rows fixed before U was drawn, or drawn
// independently of it; it fails for a contributor who could choose their row after seeing U
// (published with the first release). For such a row only the fixed-U bound holds: given U, the
// row's output is a Gaussian mechanism with shift (x − x')U, ‖(x − x')U‖ ≤ ‖U‖₂ (‖x − x'‖ ≤ 1), so
// at the same σ it is μ-GDP with μ = ‖U‖₂/σ (with Poisson subsampling at rate q, the amplified
// δ = q·δ_G, as in ReleaseCalibration). `fixedDirectionsEpsilon` gives the ε this means at the
// stated δ, using the certified upper bound of ‖U‖₂.

import SliceGenNumerics

/// Accounting of shards released with the same public U and σ.
public enum ShardAccounting {
  /// The ε at which the fixed-U Gaussian bound meets `delta`: the smallest ε (upper end of a
  /// bisection, so an upper bound) with q·δ_G(ε; ‖U‖₂/σ) ≤ δ.
  ///
  /// ## Privacy
  /// For a contributor who chose a row after U was published, a release with noise σ over U is
  /// (ε, δ)-DP with this ε, under replace-one or zero-out (sensitivity 1 in the encoded space).
  public static func fixedDirectionsEpsilon(
    directions u: [Float], encodedWidth d: Int, projections mPrime: Int, sigma: Double,
    delta: Double, subsampling: Double?
  ) -> (epsilon: Double, spectralNormBound: Double) {
    precondition(sigma > 0 && delta > 0 && delta < 1)
    let (_, upper) = SpectralNorm.bounds(u, rows: d, columns: mPrime)
    let mu = upper / sigma
    let target = delta / (subsampling ?? 1)
    guard target < 1 else { return (0, upper) }
    let epsilon = Bisection.smallestPassing {
      GaussianMechanism.delta(epsilon: $0, mu: mu) <= target
    }
    return (epsilon ?? .infinity, upper)
  }
}
