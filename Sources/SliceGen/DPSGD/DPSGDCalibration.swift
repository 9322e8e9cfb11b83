// The noise of DP-SGD for a budget: σ from (ε, δ, q, T) by the RDP accountant of the sampled
// Gaussian mechanism (Sources/SliceGenPrivacy/SampledGaussianRDP.swift, improved conversion, Opacus
// order grid), after setting aside what the floating-point implementation costs. Docs/dpsgd.md,
// "Privacy analysis", has the argument in full; the proof sketch:
//
// Ideal mechanism. T steps; step t draws a Poisson batch (each row with probability q), sums the
// rows' clipped gradients (each of L2 norm ≤ C: the sensitivity of the sum under zero-out is C) and
// adds N(0, σ²C²I). By Mironov, Talwar, Zhang (2019) and RDP composition it is (ε_acc, δ_acc)-DP
// under zero-out, with ε_acc the accountant's value for (q, σ, T, δ_acc).
//
// The implementation differs in three places, each covered here:
// 1. The coin. `SecureNoise.includes(probability:)` compares a 53-bit uniform with q, so a row
//    joins with probability q' ≤ q + 2^−53. RDP is monotone in q, so accounting at
//    q + 2^−53 (`accountedSampleRate`) covers it.
// 2. The sum. Clipped gradients are scaled to norm ≤ C·κ, κ = 1 − 4n²u (u = 2^−53), and summed in
//    double precision. A recursive sum of at most n vectors errs by at most γ_{n−1}·Σ‖g_i‖ ≤
//    (n−1)u/(1 − nu)·n·C·κ in L2 norm (componentwise bound |fl(Σ) − Σ| ≤ γ_{n−1}Σ|g_i|, then the
//    triangle inequality over rows). The two neighbouring sums therefore differ by at most
//    ‖g_i‖ + 2·n²u/(1 − nu)·C ≤ C·κ + 2.01·n²u·C ≤ C: the sensitivity stays C. (n ≤ 2^24 keeps
//    κ ≥ 1/2 and nu tiny.)
// 3. The noise. Each of the P coordinates of each step gets σC·X', X' from `PreciseGaussian`, and
//    the noisy value is snapped to a grid Λ, the power of two with σC/2 < Λ ≤ σC
//    (`SnappedGaussian.snap`): cells of width w = Λ/(σC) ∈ (½, 1] in standard units. Every cell's
//    probability is within a factor 1 ± ρ of the exact Gaussian's, ρ = `relativeCellError(w = ½)`,
//    for cells within τ = 34 standard deviations, and the sampler leaves that range with
//    probability at most p_tail. Over N = T·P snapped values (each conditional on the past, so the
//    factors multiply along the sequence): P_impl(S) ≤ a·P_ideal(S) + N·p_tail and
//    P_ideal(S) ≤ b·P_impl(S) + N·p_tail with a = (1 + ρ)^N, b = (1 − ρ)^−N, hence
//      P_impl(S) ≤ a·b·e^{ε_acc}·P'_impl(S) + a·δ_acc + N·p_tail·(1 + a·e^{ε_acc}).
//    The stated (ε, δ) holds when ε_acc = ε − ln(ab) and δ_acc = (δ − N·p_tail·(1 + a·e^ε))/a
//    (using e^{ε_acc} ≤ e^ε). The snapping itself is post-processing and costs nothing; it also
//    removes the low-order bits of the noisy sums (Mironov, CCS 2012).
// σ is then the smallest value (to 1e-12 relative, rounded toward more noise) whose accountant ε
// after T steps at the accounted q is ≤ ε_acc (`SampledGaussianRDP.noiseMultiplier`).

import Foundation
import SliceGenPrivacy

/// The calibrated noise of one DP-SGD training.
///
/// ## Privacy
/// T steps of the noisy clipped sum at (q, σ, C) as implemented (Poisson coins from `SecureNoise`,
/// double-precision sums of gradients clipped to C·κ, snapped noise) are (ε, δ)-DP under zero-out
/// (add/remove one row, n public). Proof sketch: header of
/// Sources/SliceGen/DPSGD/DPSGDCalibration.swift; tests: Tests/SliceGenTests/DPSGDTests.swift.
public struct DPSGDCalibration: Sendable, Equatable {
  public var epsilon: Double
  public var delta: Double
  /// q as the user asked for it (expected batch / n) and as accounted (+2^−53).
  public var sampleRate: Double
  public var accountedSampleRate: Double
  public var steps: Int
  public var noiseMultiplier: Double
  /// What the accountant states at (q', σ, T) and δ_acc, ≤ ε − implementationEpsilon.
  public var accountantEpsilon: Double
  public var accountantDelta: Double
  /// ln(ab): what the noise's floating-point implementation adds to ε (item 3).
  public var implementationEpsilon: Double

  /// κ: clipped gradients have norm at most κ·C so that the double-precision sum of at most n of
  /// them has sensitivity C (item 2).
  public static func clippingFactor(rows n: Int) -> Double {
    precondition(n >= 1 && n <= 1 << 24)
    return 1 - 4 * Double(n) * Double(n) * 0x1p-53
  }

  /// The snapping grid of noise N(0, (σC)²): the power of two in (σC/2, σC] (item 3).
  public static func grid(noiseStandardDeviation s: Double) -> Double {
    precondition(s > 0 && s.isFinite)
    return Double(sign: .plus, exponent: s.exponent, significand: 1)
  }

  /// ρ for the grid's narrowest cells (width ½ standard deviation).
  public static let relativeCellError = SnappedGaussian.relativeCellError(cellWidth: 0.5)

  /// σ for (ε, δ) after `steps` steps at rate q, with `values` = T·P snapped noisy values.
  /// - Throws: `DPSGDTrainingError` or `PrivacyParameterError` when the budget cannot be met (ε at or below what the
  ///   conversion and the implementation margin leave).
  public static func calibrate(
    epsilon: Double, delta: Double, sampleRate q: Double, steps: Int, parameterCount: Int
  ) throws -> DPSGDCalibration {
    try PrivacyValidation.epsilon(epsilon)
    try PrivacyValidation.delta(delta)
    guard q.isFinite, q > 0, q <= 1 else {
      throw DPSGDTrainingError("sample rate is \(q), must be in (0, 1]")
    }
    guard steps >= 1, parameterCount >= 1 else {
      throw DPSGDTrainingError("steps is \(steps), must be at least 1")
    }
    let n = Double(steps) * Double(parameterCount)
    let rho = relativeCellError
    let logA = n * log1p(rho)
    let logB = -n * log1p(-rho)
    let implementationEpsilon = logA + logB
    let tail = n * SnappedGaussian.tailProbability(beyond: SnappedGaussian.tailCut)
    // exp(logA + ε) overflows past ε ≈ 700: the δ adjustment is then infinite and refused below.
    let accountantDelta = (delta - tail * (1 + exp(logA + epsilon))) / exp(logA)
    let accountantTarget = epsilon - implementationEpsilon
    guard accountantDelta > 0 else {
      throw DPSGDTrainingError(
        "epsilon is \(epsilon): the implementation's tail term N·p·e^ε (DPSGDCalibration.swift, "
          + "item 3) exceeds delta \(delta); use a smaller epsilon")
    }
    guard accountantTarget > 0 else {
      throw DPSGDTrainingError(
        "epsilon is \(epsilon), must exceed the implementation margin "
          + "\(implementationEpsilon) of \(steps) steps × \(parameterCount) parameters")
    }
    let floor = SampledGaussianRDP.epsilonFloor(delta: accountantDelta)
    guard accountantTarget > floor else {
      throw DPSGDTrainingError(
        "epsilon is \(epsilon), must be above \(floor + implementationEpsilon): the least the RDP "
          + "conversion states at delta \(delta) whatever the noise (\(floor)), plus the "
          + "implementation margin \(implementationEpsilon)")
    }
    let accountedQ = min(1, q + 0x1p-53)
    let sigma = try SampledGaussianRDP.noiseMultiplier(
      epsilon: accountantTarget, delta: accountantDelta, sampleRate: accountedQ, steps: steps)
    let spent = try SampledGaussianRDP(sampleRate: accountedQ, noiseMultiplier: sigma)
      .epsilon(steps: steps, delta: accountantDelta).epsilon
    precondition(spent <= accountantTarget, "calibrated σ \(sigma) misses its target")
    return DPSGDCalibration(
      epsilon: epsilon, delta: delta, sampleRate: q, accountedSampleRate: accountedQ,
      steps: steps, noiseMultiplier: sigma, accountantEpsilon: spent,
      accountantDelta: accountantDelta, implementationEpsilon: implementationEpsilon)
  }

  /// The ε spent after the first `steps` steps (accountant at δ_acc, plus the implementation
  /// margin of those steps' values): what the diagnostics and the progress line show.
  public func epsilonSpent(afterSteps t: Int, parameterCount: Int) -> Double {
    guard t > 0 else { return 0 }
    let accountant = try! SampledGaussianRDP(
      sampleRate: accountedSampleRate, noiseMultiplier: noiseMultiplier)
    let e = (try? accountant.epsilon(steps: t, delta: accountantDelta).epsilon) ?? .infinity
    let n = Double(t) * Double(parameterCount)
    return e + n * (log1p(Self.relativeCellError) - log1p(-Self.relativeCellError))
  }
}
