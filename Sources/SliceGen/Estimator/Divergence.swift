// The divergences the fit loop can minimise, and the function g of the estimated density ratio
// that turns each into an average over the real points. This file is the one place that says
// which direction each divergence runs; it does not estimate anything itself.
//
// Notation. p: density of the smoothed real projections of a slice (the release's o_{i,t}, which
// already carry N(0, σ²) noise); q: density of the smoothed synthetic projections (G(z)·θ_t plus
// fresh N(0, σ²)). For an f-divergence, D_f(A‖B) = E_B[f(dA/dB)].
//
// What the kernel estimator sees. Kernel mean matching (Huang et al. 2006) looks for weights β on
// the b_r real points R_i that make the weighted real sample look like the synthetic one:
//   min_β ‖(1/b_r) Σ_i β_i φ(R_i) − (1/b_s) Σ_j φ(S_j)‖² + (τ/b_r)‖β‖²
//   ⇔ (1/b_r²)(K_rr β) − (1/(b_r b_s)) K_rs 1 + (τ/b_r²) β = 0
//   ⇔ β = (K_rr + τI)⁻¹ (b_r/b_s) K_rs 1.
// Reweighting draws from p by β reproduces q, so β_i ≈ q(R_i)/p(R_i): the estimator gives
//   r_i ≈ q(R_i)/p(R_i)  (synthetic over real, evaluated at the REAL points),
// and r ≈ 1 when the two samples come from one distribution (K_rs 1 · b_r/b_s ≈ K_rr 1).
// Docs/design.md ("The fit") writes r = (K_rr + τI)⁻¹ K_rs 1; that is this with b_r = b_s.
//
// Averages over the real points are expectations under p, so the loss (1/b_r) Σ_i g(r_i)
// estimates E_p[g(q/p)] = D_g(Q‖P). To get a named divergence, pick g:
//   KL(Q‖P)   = E_q[log(q/p)]           = E_p[r log r]                     g(t) = t log t
//   KL(P‖Q)   = E_p[log(p/q)]           = E_p[−log r]                      g(t) = −log t
//   JS(P, Q)  = ½KL(P‖M) + ½KL(Q‖M), M = (P+Q)/2
//             = E_p[½ log(2/(1+r)) + ½ r log(2r/(1+r))]
//                                       g(t) = ½[t log t − (1+t) log((1+t)/2)]
//   χ²(Q‖P)   = ∫ (q − p)²/p            = E_p[(r − 1)²]                    g(t) = (t − 1)²
// Derivatives: log t + 1; −1/t; ½ log(2t/(1+t)); 2(t − 1). Every g has g(1) = 0.
//
// Which one is "KL". Docs/design.md (and, as far as its formula shows, the paper) applies
// f(t) = t log t to this r and calls it KL: that is KL(synthetic‖real), the mode-seeking
// direction. `Divergence.kl` is exactly that, so the default reproduces the design and the
// measurements of Docs/benchmarks.md. `Divergence.reverseKL` is KL(real‖synthetic), the
// maximum-likelihood, mass-covering direction, g(t) = −log t. Measured caution: the kernel
// ratio estimates are noisy (at b = 128 about a tenth of them fall below 0 and are clipped),
// and g′(t) = −1/t makes the reverseKL gradient hinge on the few estimates just above the
// floor (float and double gradients differ by ~20% there, against 0.3% for kl).
// The sliced-Wasserstein option does not use a ratio at all (see SlicedLoss+Wasserstein.swift).

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The discrepancy between the smoothed real and smoothed synthetic projections that the fit
/// loop minimises. Real = the release's noisy projections; synthetic = G(z)·θ plus fresh noise.
public enum Divergence: String, Codable, CaseIterable, Sendable {
  /// KL(synthetic‖real) = E_syn[log(p_syn/p_real)] (mode-seeking), the design's default
  /// f(t) = t log t: the mean over real points of r log r, r the kernel estimate of
  /// p_syn/p_real.
  case kl
  /// KL(real‖synthetic) = E_real[log(p_real/p_syn)] (mass-covering, maximum likelihood): the
  /// mean over real points of −log r. Its gradient is dominated by ratio estimates near the
  /// floor; see the notes at the top of Divergence.swift.
  case reverseKL = "reverse-kl"
  /// Jensen–Shannon divergence (natural log, at most log 2).
  case js
  /// Pearson χ²(synthetic‖real) = ∫(p_syn − p_real)²/p_real, the mean of (r − 1)².
  case chi2
  /// Sliced 2-Wasserstein (the paper's "SliceWass" baseline): each released column is a 1-D
  /// slice; sorted real against sorted synthetic values. Needs equal batch sizes.
  case slicedWasserstein = "sliced-wasserstein"

  /// g(t): the loss contribution of a real point whose ratio estimate p_syn/p_real is t > 0.
  func ratioLoss(_ t: Double) -> Double {
    switch self {
    case .kl: return t * log(t)
    case .reverseKL: return -log(t)
    case .js: return 0.5 * (t * log(t) - (1 + t) * log((1 + t) / 2))
    case .chi2: return (t - 1) * (t - 1)
    case .slicedWasserstein: preconditionFailure("sliced Wasserstein has no ratio loss")
    }
  }

  /// g′(t).
  func ratioLossDerivative(_ t: Double) -> Double {
    switch self {
    case .kl: return log(t) + 1
    case .reverseKL: return -1 / t
    case .js: return 0.5 * log(2 * t / (1 + t))
    case .chi2: return 2 * (t - 1)
    case .slicedWasserstein: preconditionFailure("sliced Wasserstein has no ratio loss")
    }
  }
}
