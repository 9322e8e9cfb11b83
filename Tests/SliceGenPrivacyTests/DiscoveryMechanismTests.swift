import Foundation
import Testing

@testable import SliceGenPrivacy

@Suite("Discovery mechanism")
struct DiscoveryMechanismTests {
  @Test(
    "the calibration spends at most its δ, and nearly all of it, with or without a target",
    arguments: [
      (0.1, 1e-7, 15, nil), (0.4, 1e-9, 15, 14), (1.0, 1e-6, 2, 0),
      (5.0, 1e-5, 100, nil), (0.3, 3e-6, 86, 85),
    ])
  func spend(epsilon: Double, delta: Double, columns: Int, target: Int?) throws {
    let c = try DiscoveryCalibration.calibrate(
      epsilon: epsilon, delta: delta, columns: columns, targetColumn: target)
    let spent = c.spentDelta(epsilon: epsilon)
    #expect(spent <= delta)
    // Rounding only ever lowers the spend; the bisections are tight to 1e-10 relative, so the
    // spend is within a percent of the budget.
    #expect(spent >= 0.99 * delta, "spent \(spent) of \(delta)")
    // μ² splits as declared between the rounds, and among the columns by weight: every
    // column's σ comes from its share, Σ_c 2/σ₁,c² = ρ₁μ².
    let firstRound = (0..<columns).reduce(0.0) {
      $0 + 2 / (c.firstRoundSigma(column: $1) * c.firstRoundSigma(column: $1))
    }
    #expect(abs(firstRound / (c.mu * c.mu) - DiscoveryCalibration.defaultFirstRoundShare) < 1e-9)
    if let target {
      // The target's weight w: its σ is the ordinary σ/√w in both rounds.
      let w = DiscoveryCalibration.defaultTargetWeight
      #expect(
        abs(c.secondRoundSigma(column: target) * w.squareRoot() / c.secondRoundSigma - 1)
          < 1e-12)
      #expect(
        abs(c.firstRoundSigma(column: target) * w.squareRoot() / c.firstRoundSigma - 1)
          < 1e-12)
      #expect(c.selectionThreshold(column: target) < c.selectionThreshold)
    }
    // The selection term alone is at most half of δ.
    let selection =
      (1 + exp(epsilon))
      * (0..<columns).reduce(0.0) {
        $0
          + GaussianMechanism.normalCDF(
            -c.selectionThreshold(column: $1) / c.secondRoundSigma(column: $1))
      }
    #expect(selection <= delta / 2)
    // The combined σ of a column is the inverse-variance average of its two rounds.
    let a = c.firstRoundSigma, b = c.secondRoundSigma
    #expect(
      abs(
        c.combinedSigma(column: 0) * c.combinedSigma(column: 0) * (1 / (a * a) + 1 / (b * b))
          - 1) < 1e-12 || target == 0)
  }

  @Test(
    "invalid budgets are refused with the parameter's name",
    arguments: [
      (0.0, 1e-6), (-1.0, 1e-6), (Double.nan, 1e-6), (Double.infinity, 1e-6), (1.0, 0.0),
      (1.0, 1.0), (1.0, Double.nan),
    ])
  func invalid(epsilon: Double, delta: Double) {
    #expect(throws: PrivacyParameterError.self) {
      try DiscoveryCalibration.calibrate(epsilon: epsilon, delta: delta, columns: 3)
    }
  }

  @Test("a value held by one row is never selected; a common one always is (300 test seeds)")
  func rareValue() throws {
    // ε = 0.5, δ = 1e-7, 3 columns: σ₂ ≈ 21, T ≈ 135. P(select | count 1) = Φ((1 − T)/σ₂)
    // ≈ 1e-10 per run, so 300 runs select it with probability ≈ 3e-8; the common value (5000
    // rows, 230σ₂ above T) is selected in every run.
    let c = try DiscoveryCalibration.calibrate(epsilon: 0.5, delta: 1e-7, columns: 3)
    for seed in 0..<300 {
      var m = DiscoveryMechanism(calibration: c, noise: .insecureForTesting(seed: UInt64(seed)))
      let kept = m.selectedValues(
        ["common": 5000, "rare": 1, "other rare": 1, "pair": 2], column: 1)
      #expect(kept.map(\.value) == ["common"])
    }
    // And with the OS-seeded generator.
    for _ in 0..<20 {
      var m = DiscoveryMechanism(calibration: c, noise: SecureNoise())
      #expect(m.selectedValues(["common": 5000, "rare": 1], column: 2).map(\.value) == ["common"])
    }
  }

  @Test("noisy counts are centred on the truth with σ₂ (10,000 draws)")
  func noiseLevel() throws {
    let c = try DiscoveryCalibration.calibrate(epsilon: 1, delta: 1e-6, columns: 4)
    var m = DiscoveryMechanism(calibration: c, noise: .insecureForTesting(seed: 9))
    let noisy = m.noisySecondRound([Int](repeating: 100, count: 10_000), column: 3)
    let residuals = noisy.map { $0 - 100 }
    let mean = residuals.reduce(0, +) / 10_000
    let sd = (residuals.map { $0 * $0 }.reduce(0, +) / 10_000).squareRoot()
    // Relative SE of the SD √(1/(2·10⁴)) = 0.7 %; 5 SE = 3.5 %. Mean SE σ/100; 5 SE.
    #expect(abs(sd / c.secondRoundSigma - 1) < 0.035)
    #expect(abs(mean) < 5 * c.secondRoundSigma / 100)
  }

  @Test("the fixed-U bound: ε grows with ‖U‖₂/σ and meets δ")
  func fixedDirections() {
    let u = SlicingMechanism.directions(encodedWidth: 20, projectionCount: 40, seed: 3)
    let a = ShardAccounting.fixedDirectionsEpsilon(
      directions: u, encodedWidth: 20, projections: 40, sigma: 2, delta: 1e-6, subsampling: nil)
    let b = ShardAccounting.fixedDirectionsEpsilon(
      directions: u, encodedWidth: 20, projections: 40, sigma: 1, delta: 1e-6, subsampling: nil)
    #expect(b.epsilon > a.epsilon)
    let mu = a.spectralNormBound / 2
    #expect(GaussianMechanism.delta(epsilon: a.epsilon, mu: mu) <= 1e-6)
    #expect(GaussianMechanism.delta(epsilon: a.epsilon * 0.999, mu: mu) > 1e-6)
    // ‖U‖₂ ≈ 1 + √(m'/d) = 2.41 for N(0, 1/d) entries.
    #expect(a.spectralNormBound > 2 && a.spectralNormBound < 3)
  }
}
