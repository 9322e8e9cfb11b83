import Foundation
import Testing
@testable import SliceGen

@Suite("Projection-mean term")
struct ProjectionMeanTests {
  @Test("ō is the column mean of the first rows of O")
  func releasedMean() {
    let o: [Float] = [1, 2, 3, 5, 7, 11, 100, 100]  // 4 rows × 2
    #expect(ProjectionMean.of(o, rows: 3, projections: 2) == [11.0 / 3, 6])
  }

  @Test("the gradient equals finite differences of λ_μ‖ḡU − ō‖²")
  func gradient() {
    let b = 5, d = 4, mPrime = 3
    var rng = TestRNG(seed: 3)
    let output = (0..<(b * d)).map { _ in Float.random(in: -1...1, using: &rng) }
    let u = (0..<(d * mPrime)).map { _ in Float.random(in: -1...1, using: &rng) }
    let released = (0..<mPrime).map { _ in Float.random(in: -1...1, using: &rng) }
    let weight: Float = 2.5
    var analytic = [Float](repeating: 0.25, count: b * d)  // added to, not overwritten
    let value = ProjectionMean.addGradient(
      output: output, batch: b, width: d, u: u, projections: mPrime, released: released,
      weight: weight, outputGradient: &analytic)
    func loss(_ x: [Float]) -> Double {
      var zero = [Float](repeating: 0, count: b * d)
      return ProjectionMean.addGradient(
        output: x, batch: b, width: d, u: u, projections: mPrime, released: released,
        weight: weight, outputGradient: &zero)
    }
    #expect(abs(loss(output) - value) < 1e-12)
    #expect(value > 0)
    for e in 0..<(b * d) {
      var up = output, down = output
      let h: Float = 1e-2
      up[e] += h
      down[e] -= h
      let numeric = (loss(up) - loss(down)) / Double(2 * h)  // exact for a quadratic
      #expect(abs(numeric - Double(analytic[e] - 0.25)) < 1e-4, "entry \(e)")
    }
  }
}
