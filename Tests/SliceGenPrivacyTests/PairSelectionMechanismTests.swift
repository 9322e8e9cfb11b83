import Foundation
import Testing

@testable import SliceGenPrivacy

@Suite("Pair selection mechanism")
struct PairSelectionMechanismTests {
  @Test("the round plan gives each round its declared fraction of μ_agg², σ rounded up")
  func roundPlan() {
    let plan = MarginalRoundPlan(
      aggregateMuSquared: 0.05,
      rounds: [
        ("one-way", 13, 2.0.squareRoot(), 0.2),
        ("scores", 1, 2 * 78.0.squareRoot(), 0.1),
        ("two-way", 12, 2.0.squareRoot(), 0.7),
      ])
    for (round, fraction) in zip(plan.rounds, [0.2, 0.1, 0.7]) {
      #expect(round.muSquared <= fraction * 0.05)
      #expect(round.muSquared > fraction * 0.05 * (1 - 1e-12))
    }
    #expect(plan.muSquared <= 0.05)
    // σ of the score vector: 2√78 / √(0.1 · 0.05).
    let expected: Double = 2 * 78.0.squareRoot() / 0.005.squareRoot()
    #expect(abs(plan.rounds[1].sigma / expected - 1) < 1e-12)
  }

  @Test("noisy scores: unbiased, with the stated σ (seeded test noise)")
  func noisyScores() {
    // 20,000 draws of σ = 10: the sample mean's standard error is 0.07, the sample variance's
    // relative standard error √(2/20000) = 1 %; tolerances are 5 standard errors.
    var noise = SecureNoise.insecureForTesting(seed: 12)
    let scores = [Double](repeating: 100, count: 20_000)
    let noisy = PairSelectionMechanism.noisyScores(scores, sigma: 10, noise: &noise)
    let mean = noisy.reduce(0, +) / Double(noisy.count)
    let variance = noisy.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(noisy.count - 1)
    #expect(abs(mean - 100) < 0.35)
    #expect(abs(variance / 100 - 1) < 0.05)
  }
}
