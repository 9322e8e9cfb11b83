// Error-feedback clipping (`train-dpsgd --clipping error-feedback`; Docs/dpsgd.md, "Error
// feedback"): the clipping bias is kept and fed back instead of lost. The update rule is DiceSGD's
// (Zhang, Bu, Wu, Hong, ICLR 2024, "Differentially private SGD without clipping bias: an
// error-feedback approach"), the error-feedback SGD that Ma and Zhang (2026, "Differential privacy
// image generation with reconstruction loss and noise injection using an error feedback SGD")
// build on. Per step t, in sum units (the update divides by the public qn afterwards):
//   S_t = Σ_{i∈B_t} clip(g_i, C)          the clipped batch sum, as in fixed clipping
//   R_t = S_t + clip(e_t, C₂) + N(0, σ²Δ²)  released, Δ = C + 2C₂
//   e_{t+1} = e_t + Σ_{i∈B_t} g_i − S_t − clip(e_t, C₂)   private, never released
//
// The privacy analysis implemented here is ours, deliberately simple and sound; it is NOT the
// algorithm-specific analysis of DiceSGD, which we have not checked:
// 1. Fix every Poisson coin (the union bound below does not need them hidden). Under zero-out,
//    D and D' differ in one row z. Given the same past outputs (hence the same parameters) and
//    the same coins, S_t and S'_t differ by z's clipped gradient, norm ≤ C, when z is in B_t;
//    e_t and e'_t may differ by anything (z's past bias sits in e), but their clipped values
//    differ by at most 2C₂. So every step, sampled or not, is a Gaussian mechanism of L2
//    sensitivity Δ = C + 2C₂ (with the rounding of DPSGDCalibration.swift, item 2: C and C₂ are
//    both shrunk by κ, and the extra double addition errs by u·(nC + C₂), so Δ holds).
// 2. T such steps, adaptively composed, are √T/σ-GDP for fixed coins; the coins have the same
//    distribution under D and D' (z's own coin is an extra independent one), and the hockey-stick
//    divergence is jointly convex, so the mixture over coins keeps the bound.
// 3. So the training is accounted as T Gaussian mechanisms WITHOUT amplification by subsampling
//    (the accountant at q = 1: Rényi DP of the Gaussian, composed, improved conversion). This is
//    far more noise than fixed clipping's at the same (ε, δ): the price of the hidden state under
//    an analysis we can prove. Docs/dpsgd.md reports what it measures.

import Foundation

/// The private error state of error-feedback clipping.
struct ErrorFeedback {
  /// κ·C₂, the largest norm of the fed-back error.
  let bound: Double
  /// e_t (sum units), PRIVATE: a function of every past batch's raw gradients.
  private(set) var error: [Double]

  init(parameterCount: Int, bound: Double) {
    precondition(bound > 0 && bound.isFinite)
    self.bound = bound
    error = [Double](repeating: 0, count: parameterCount)
  }

  /// Adds clip(e_t, C₂) to `clippedSum` (turning S_t into R_t before noise) and moves e to
  /// e_t + raw − S_t − clip(e_t, C₂).
  /// - Parameter unclippedSum: Σ g_i over the batch, unclipped.
  mutating func feed(clippedSum: inout [Double], unclippedSum: [Double]) {
    precondition(clippedSum.count == error.count && unclippedSum.count == error.count)
    var norm = 0.0
    for v in error { norm += v * v }
    norm = norm.squareRoot()
    let target = bound * (1 - 0x1p-40)
    let scale = norm.isFinite && norm > target ? target / norm : (norm.isFinite ? 1 : 0)
    for k in error.indices {
      let fed = scale * error[k]
      let bias = unclippedSum[k] - clippedSum[k]
      clippedSum[k] += fed
      error[k] = error[k] - fed + bias
      if !error[k].isFinite { error[k] = 0 }
    }
  }

  /// Δ: the L2 sensitivity of R_t under zero-out, in units of C (noise is σ·Δ).
  static func sensitivity(clippingNorm c: Double, feedbackNorm c2: Double) -> Double {
    c + 2 * c2
  }
}
