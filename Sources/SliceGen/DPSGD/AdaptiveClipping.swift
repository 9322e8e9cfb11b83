// Adaptive (quantile) clipping of Andrew, Thakkar, McMahan, Ramaswamy, "Differentially private
// learning with adaptive clipping", NeurIPS 2021, with its noisy count charged to the budget by
// their effective-noise-multiplier analysis (Docs/dpsgd.md, "Adaptive clipping").
//
// Each step, besides the clipped gradient sum, releases the centred count of rows whose gradient
// was NOT clipped, ĉ = Σ_{i∈batch} (b_i − ½) + N(0, σ_b²) with b_i = 1[‖g_i‖ ≤ C_t], and moves
//   b̄ = ĉ/(qn) + ½,   C_{t+1} = C_t · exp(−η_C (b̄ − γ))
// (geometric update toward the γ-quantile of the norms). C_{t+1} is post-processing of released
// values.
//
// Privacy (their Theorem 1, restated). Per row, the pair of sums moves by (g_i, b_i − ½) with
// ‖g_i‖ ≤ C_t and |b_i − ½| = ½. With noise N(0, z_Δ²C_t²I) on the gradient sum and N(0, σ_b²) on
// the count, divide each coordinate by its noise's standard deviation: the pair is a Gaussian
// mechanism with unit noise whose sensitivity is √(1/z_Δ² + 1/(4σ_b²)) = 1/z when
//   z_Δ = (z^−2 − (2σ_b)^−2)^−1/2,
// i.e. the same as one sampled Gaussian mechanism of noise multiplier z, which the RDP accountant
// prices (same Poisson batch for both sums). This needs 2σ_b > z. Relation: add/remove, stated as
// zero-out with the null row contributing 0 to BOTH sums (as removal does; a null row with a zero
// gradient that counted as "not clipped" would move the count by 1, not ½, and is not what is
// analysed). The count is a sum of ±½, exact in double precision; it is snapped like the
// gradient (one more value per step in the implementation margin).

import Foundation

/// The settings and outcome of quantile clipping, as the model header records them.
public struct AdaptiveClipping: Codable, Equatable, Sendable {
  /// γ, the quantile of the gradient norms C follows.
  public var targetQuantile: Double
  /// η_C, the step of log C.
  public var learningRate: Double
  /// σ_b, the count's noise standard deviation.
  public var countNoise: Double
  /// z_Δ, the gradient's noise multiplier (larger than the accounted z).
  public var gradientNoiseMultiplier: Double
  /// C at the end of training.
  public var finalClippingNorm: Double

  /// z_Δ for the accounted z and σ_b, or nil when 2σ_b ≤ z (the count would need all the budget).
  public static func gradientNoiseMultiplier(accounted z: Double, countNoise sigmaB: Double)
    -> Double?
  {
    let rest = 1 / (z * z) - 1 / (4 * sigmaB * sigmaB)
    guard rest > 0 else { return nil }
    return 1 / rest.squareRoot()
  }

  /// C_{t+1} from C_t and the noisy centred count.
  public static func nextNorm(
    _ c: Double, noisyCentredCount: Double, expectedBatch: Double, targetQuantile: Double,
    learningRate: Double
  ) -> Double {
    let fraction = noisyCentredCount / expectedBatch + 0.5
    return c * exp(-learningRate * (fraction - targetQuantile))
  }
}
