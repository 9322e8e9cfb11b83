// Tests of GaussianMechanism's privacy profile against its definition: δ(ε) of N(0, 1) against
// N(μ, 1) is the hockey-stick divergence ∫ max(0, p(x) − e^ε q(x)) dx, integrated here
// numerically, independently of the closed form; its special values; its monotonicity; and the
// calibration rounding toward more noise.

import Foundation
import Testing

@testable import SliceGenPrivacy

@Suite("Gaussian mechanism")
struct GaussianMechanismTests {
  /// ∫ max(0, φ(x − μ) − e^ε φ(x)) dx by Simpson's rule on [−40, 40 + μ] with 400,000 panels:
  /// the integrand is smooth except at the one crossing x* = ε/μ + μ/2, so the crossing is made a
  /// node of the grid (integrate the two sides separately).
  static func hockeyStick(epsilon: Double, mu: Double) -> Double {
    func f(_ x: Double) -> Double {
      let p = exp(-(x - mu) * (x - mu) / 2), q = exp(epsilon - x * x / 2)
      return max(0, p - q) / (2 * Double.pi).squareRoot()
    }
    func simpson(_ a: Double, _ b: Double, _ panels: Int) -> Double {
      guard b > a else { return 0 }
      let h = (b - a) / Double(panels)
      var sum = f(a) + f(b)
      for i in 1..<panels { sum += f(a + Double(i) * h) * (i % 2 == 1 ? 4 : 2) }
      return sum * h / 3
    }
    let crossing = epsilon / mu + mu / 2
    let low = -40.0, high = 40 + mu
    return simpson(low, min(crossing, high), 200_000) + simpson(max(crossing, low), high, 200_000)
  }

  @Test(
    "δ(ε; μ) equals the hockey-stick divergence of N(μ, 1) from N(0, 1), integrated",
    arguments: [(0.0, 0.5), (0.5, 1), (1, 0.3), (1, 2), (3, 2), (2, 5), (8, 3), (710, 40)])
  func againstIntegral(epsilon: Double, mu: Double) {
    let closed = GaussianMechanism.delta(epsilon: epsilon, mu: mu)
    let integral = Self.hockeyStick(epsilon: epsilon, mu: mu)
    // (710, 40): e^ε is beyond Double's range, and Φ(−ε/μ − μ/2) ≈ 1e-312 is subnormal (38
    // significant bits, 4e-12 relative): the closed form must neither overflow nor lose δ.
    // Simpson's error with h = 2e-4 on a smooth integrand is far below 1e-12 absolute; the
    // closed form is otherwise accurate to about 1e-15 relative.
    #expect(abs(closed - integral) <= 1e-9 * integral + 1e-14, "ε \(epsilon), μ \(mu)")
  }

  @Test("special values: ε = 0 gives the total variation 2Φ(μ/2) − 1; μ = 0 gives 0; μ = ∞ gives 1")
  func specialValues() {
    for mu in [0.1, 1, 4] {
      let tv = 2 * GaussianMechanism.normalCDF(mu / 2) - 1
      #expect(abs(GaussianMechanism.delta(epsilon: 0, mu: mu) - tv) < 1e-15)
    }
    #expect(GaussianMechanism.delta(epsilon: 1, mu: 0) == 0)
    #expect(GaussianMechanism.delta(epsilon: 1, mu: .infinity) == 1)
  }

  @Test("δ falls as ε grows and rises as μ grows")
  func monotone() {
    let epsilons = stride(from: 0.0, through: 6, by: 0.25).map { $0 }
    let deltas = epsilons.map { GaussianMechanism.delta(epsilon: $0, mu: 1.5) }
    #expect(zip(deltas, deltas.dropFirst()).allSatisfy { $0 > $1 })
    let mus = stride(from: 0.25, through: 6, by: 0.25).map { $0 }
    let byMu = mus.map { GaussianMechanism.delta(epsilon: 1, mu: $0) }
    #expect(zip(byMu, byMu.dropFirst()).allSatisfy { $0 < $1 })
  }

  @Test("calibration rounds toward privacy: the μ found meets δ, the σ found is above Δ/μ")
  func calibration() {
    for (epsilon, delta) in [(0.5, 1e-6), (1, 1e-5), (4, 1e-9)] {
      let mu = GaussianMechanism.largestMu(epsilon: epsilon, delta: delta)
      #expect(GaussianMechanism.delta(epsilon: epsilon, mu: mu) <= delta)
      #expect(GaussianMechanism.delta(epsilon: epsilon, mu: mu * (1 + 1e-9)) > delta)
      let sigma = GaussianMechanism.analyticSigma(epsilon: epsilon, delta: delta, sensitivity: 3)
      #expect(sigma > 3 / mu)
      #expect(GaussianMechanism.delta(epsilon: epsilon, mu: 3 / sigma) <= delta)
    }
  }
}
