import Foundation
import Testing

@testable import SliceGenPrivacy

@Suite("Implementation margin")
struct ImplementationMarginTests {
  @Test("the margin on an Adult-sized release is tiny, and the stated δ is met")
  func adultSized() throws {
    // d = 108, m' = 200, 13 columns, select:39 (as `--marginals auto` on Adult).
    let rounds: [AggregateRound] = [
      .counts(tables: 13, fraction: 0.4), .scores(candidates: 78, fraction: 0.1),
      .counts(tables: 39, fraction: 0.5),
    ]
    for epsilon in [0.3, 1.0, 4.0, 10.0] {
      let c = try ReleaseCalibration.calibrate(
        epsilon: epsilon, delta: 1e-6, slices: 100, sliceDim: 2, encodedWidth: 108,
        accountant: .profile, neighbors: .replaceOne, subsampling: nil, fixedDirections: nil,
        aggregateShare: 0.9, aggregateRounds: rounds)
      let margin = try #require(c.margin)
      #expect(margin.affectedValues == 200 + 2 * 13 + 78 + 2 * 39)
      #expect(margin.epsilon < 1e-5 && margin.deltaFactor - 1 < 1e-5)
      #expect(margin.tailDelta <= margin.deltaReserve)
      // The ideal mechanism's calibration, for comparison: the margin costs little noise.
      let ideal = SlicingAccountant.calibrateCombined(
        epsilon: epsilon, delta: 1e-6, projections: 200, aggregateShare: 0.9)
      let sigmaIdeal = ideal.noiseScale / 108.0.squareRoot()
      #expect(c.sigma >= sigmaIdeal)
      #expect(c.sigma / sigmaIdeal - 1 < 2e-3, "ε = \(epsilon): \(c.sigma) vs \(sigmaIdeal)")
      // The stated δ, recomputed from the pieces.
      let stated = margin.statedDelta(
        ideal: SlicingAccountant.delta(
          epsilon: epsilon - margin.epsilon, noiseScale: c.sigma * 108.0.squareRoot(),
          projections: 200, aggregateMuSquared: c.aggregateMuSquared, shift: margin.shift))
      #expect(stated <= 1e-6)
      print(
        "ε = \(epsilon): σ \(c.sigma) vs ideal \(sigmaIdeal) (+\((c.sigma / sigmaIdeal - 1) * 100) %), margin ε \(margin.epsilon), δ factor − 1 \(margin.deltaFactor - 1), tails \(margin.tailDelta)"
      )
    }
  }

  @Test("the shift margin widens μ: more noise for the same (ε, δ), zero margin is the ideal")
  func shift() {
    let zero = SlicingAccountant.calibrateNoiseScale(epsilon: 1, delta: 1e-5, projections: 200)
    let same = SlicingAccountant.calibrateNoiseScale(
      epsilon: 1, delta: 1e-5, projections: 200, shift: .zero)
    #expect(zero == same)
    let wide = SlicingAccountant.calibrateNoiseScale(
      epsilon: 1, delta: 1e-5, projections: 200, shift: ShiftMargin(relative: 0.01, absolute: 0.1))
    #expect(wide > zero * 1.01)
  }

  @Test("tails that do not fit the reserve are refused, with the reason")
  func tails() {
    var margin = ImplementationMargin(affectedValues: 1000, delta: 1e-6, shift: .zero)
    #expect(throws: PrivacyParameterError.self) {
      try margin.checkTails(maximumShift: 30, couplingFailure: 0)
    }
    #expect(throws: Never.self) { try margin.checkTails(maximumShift: 5, couplingFailure: 0) }
    #expect(margin.tailDelta < 1e-20)
  }

  @Test("an ε below the margin itself is refused")
  func tinyEpsilon() {
    let margin = ImplementationMargin(affectedValues: 1_000_000, delta: 1e-6, shift: .zero)
    #expect(throws: PrivacyParameterError.self) { try margin.idealEpsilon(1e-4) }
  }
}
