// The audit of DP-SGD (Docs/audit.md, "DP-SGD: one noisy clipped step"): ONE step, the mechanism
// the accountant composes T times, not a whole training. σ from the real calibration
// (`DPSGDCalibration.calibrate` for steps = 1 at the audited sampling rate q, P parameters: the
// RDP accountant of the sampled Gaussian and the implementation margin, exactly as
// `train-dpsgd` calls it), and the step's real code path (DPSGDTrainer.swift, steps 1, 3, 4): the
// Poisson batch (`DPSGDTrainer.poissonBatch`, the secure coins), each batch row's gradient
// clipped to κC by `DPSGDClipper.accumulate` (fixed clipping, the clip adaptive clipping also
// applies at its step's C) and summed in double precision, then `DPSGDTrainer.noisySum`: N(0,
// σ²C²) per coordinate from a fresh OS-keyed `SecureNoise`, snapped. The gradients are given
// vectors: the audit tests the mechanism that turns per-example gradients into a released noisy
// sum, whatever model produced them (the training's guarantee holds for every gradient function).
//
// Worst-case neighbours (zero-out, the relation DP-SGD states: one row replaced by a null row
// whose gradient is 0, n public). n = 3 rows of P-dimensional gradients:
//   row 0, the canary: 2C·e₀ in D (clipped to κC·e₀, the largest contribution a row can make),
//          the null row's 0 in D';
//   rows 1, 2: fixed gradients 0.5C·e₁ and 3C·e₂ (one inside the bound, one clipped), the same
//          in D and D'.
// Only the canary's coordinate differs, and the others are orthogonal to it: given the batch
// coin of the canary, the output's e₀ coordinate is κC·[canary in batch] + σC·Z and every other
// coordinate has the same distribution under D and D', independent of it (isotropic noise, the
// other rows' coins independent of the canary's). So the likelihood ratio of the whole output is
// that of its e₀ coordinate z (in units of σC), μ = κ/σ:
//   q = 1   L(z) = ln φ(z)/φ(z − μ) = −μz + μ²/2                (the Gaussian mechanism),
//   q < 1   L(z) = −ln(1 − q + q·exp(μz − μ²/2))               (the sampled Gaussian),
// both decreasing in z; thresholding L is the Neyman–Pearson test. The published values are
// snapped to a grid, the power of two in (σC/2, σC]: the score reads them as they are, which can
// only weaken the test.
//
// Why one step with q = 1 is the Gaussian mechanism of sensitivity C under zero-out: the step
// outputs Σ_{i∈B} clip(g_i) + N(0, σ²C²I). With q = 1 the batch is every row; D and D' differ in
// one row, whose clipped gradient (norm ≤ κC ≤ C) is in the sum for D and is 0 for D'. So the two
// sums differ by a vector of norm ≤ C, and the output is the Gaussian mechanism with L2
// sensitivity C and noise σC: μ = 1/σ-GDP, (ε, δ_G(ε; 1/σ))-DP, exactly attained by the canary
// above (up to κ = 1 − 4n²2^−53). With q < 1 the canary's term is present with probability q: the
// sampled Gaussian mechanism, whose exact profile under add/remove is `sampledGaussianDelta`.

import Foundation
import SliceGenPrivacy

extension AuditScenario {
  /// One DP-SGD step as `train-dpsgd` takes it, on the canary table of the header.
  static func dpsgd(_ settings: AuditSettings, _ variant: BrokenVariant?) throws -> Built {
    let q = settings.subsample
    let p = settings.dpsgdParameters
    precondition(p >= 3, "the canary table needs 3 coordinates")
    let calibration = try DPSGDCalibration.calibrate(
      epsilon: settings.epsilon, delta: settings.delta, sampleRate: q, steps: 1,
      parameterCount: p)
    let c = DPSGDOptions(epsilon: settings.epsilon, delta: settings.delta).clippingNorm
    let rows = 3
    let kappa = DPSGDCalibration.clippingFactor(rows: rows)
    // The planted bugs (BrokenVariant.swift): σ halved; the clip at √2·κC where the accountant
    // assumes κC; no clip at all (the canary's 2C passes whole).
    let noiseSD = calibration.noiseMultiplier * c * (variant?.projectionSigmaFactor ?? 1)
    let clipper = DPSGDClipper(
      mode: .fixed, bound: c * kappa * Double(variant?.rowDistanceFactor ?? 1))
    let skipClipping = variant == .clippingSkipped
    func gradient(_ i: Int, norm: Double) -> [Float] {
      var g = [Float](repeating: 0, count: p)
      g[i] = Float(norm)
      return g
    }
    let gradients = [
      gradient(0, norm: 2 * c), gradient(1, norm: 0.5 * c), gradient(2, norm: 3 * c),
    ]
    let nullRow = [Float](repeating: 0, count: p)
    // The canary's contribution to coordinate 0 as the trials add it, in units of σC.
    let shift = skipClipping ? Double(gradients[0][0]) : clipper.clipped(gradients[0])[0]
    let mu = shift / noiseSD
    let trial: @Sendable (Bool) -> Double = { neighbour in
      var noise = SecureNoise()
      let batch = DPSGDTrainer.poissonBatch(rows: rows, sampleRate: q, noise: &noise)
      var sum = [Double](repeating: 0, count: p)
      for i in batch {
        let g = neighbour && i == 0 ? nullRow : gradients[i]
        if skipClipping {
          for k in g.indices { sum[k] += Double(g[k]) }
        } else {
          clipper.accumulate(g, into: &sum)
        }
      }
      let o = DPSGDTrainer.noisySum(sum, noiseStandardDeviation: noiseSD, noise: &noise)
      return sampledGaussianLoss(z: o[0] / noiseSD, mu: mu, sampleRate: q)
    }
    let exact =
      Bisection.smallestPassing {
        sampledGaussianDelta(epsilon: $0, mu: mu, sampleRate: q) <= settings.delta
      } ?? .infinity
    return (noiseSD, [], exact, trial)
  }

  /// L(z) = ln p_{D'}(z)/p_D(z) for D's z ~ (1 − q)·N(0, 1) + q·N(μ, 1), D''s z ~ N(0, 1):
  /// −ln(1 − q + q·e^x), x = μz − μ²/2, by log-sum-exp (exactly −x when q = 1).
  static func sampledGaussianLoss(z: Double, mu: Double, sampleRate q: Double) -> Double {
    let x = mu * z - mu * mu / 2
    guard q < 1 else { return -x }
    let a = log1p(-q)
    let b = log(q) + x
    let m = max(a, b)
    return -(m + log(exp(a - m) + exp(b - m)))
  }

  /// The exact δ(ε) of the sampled Gaussian mechanism under add/remove, P = (1 − q)N(0, 1) +
  /// qN(μ, 1) (the row present) against Q = N(0, 1), the larger of the two orders:
  ///   δ(P‖Q) = ∫(p − e^ε q)₊ = q·Φ(μ − z₁) − (e^ε − 1 + q)·Φ(−z₁),
  ///            z₁ = (ln((e^ε − 1 + q)/q) + μ²/2)/μ, where p > e^ε·q for z > z₁;
  ///   δ(Q‖P) = ∫(q − e^ε p)₊ = A·Φ(z₂) − e^ε q·Φ(z₂ − μ), A = 1 − e^ε(1 − q) (0 when A ≤ 0),
  ///            z₂ = (ln(A/(e^ε q)) + μ²/2)/μ, where q > e^ε·p for z < z₂.
  /// At q = 1 both are the Gaussian mechanism's δ_G(ε; μ) (`GaussianMechanism.delta`).
  static func sampledGaussianDelta(epsilon: Double, mu: Double, sampleRate q: Double) -> Double {
    let phi = GaussianMechanism.normalCDF
    let grow = expm1(epsilon) + q
    let z1 = (log(grow / q) + mu * mu / 2) / mu
    let first = q * phi(mu - z1) - grow * phi(-z1)
    let a = 1 - exp(epsilon) * (1 - q)
    var second = 0.0
    if a > 0 {
      let z2 = (log(a / (exp(epsilon) * q)) + mu * mu / 2) / mu
      second = a * phi(z2) - exp(epsilon) * q * phi(z2 - mu)
    }
    return max(first, second, 0)
  }
}
