// Tests of Adam: each step against Kingma & Ba's algorithm written out in Double (in the
// efficient order of their section 2, which the implementation uses: the bias corrections folded
// into the step size, which against the textbook θ − η·m̂/(√v̂ + ε̂) means ε̂ = ε/√(1 − β₂ᵗ)),
// resuming from a saved state, and convergence on a quadratic.

import Foundation
import Testing

@testable import SliceGen

@Suite("Adam")
struct AdamTests {
  @Test("Adam minimises a quadratic")
  func adam() {
    var adam = Adam(parameterCount: 3)
    var x: [Float] = [3, -2, 1]
    for _ in 0..<2000 {
      let g = x.map { 2 * $0 }
      adam.step(parameters: &x, gradients: g, learningRate: 0.05)
    }
    #expect(x.allSatisfy { abs($0) < 1e-2 })
  }

  @Test("each step equals the algorithm written out in Double, to Float accuracy")
  func againstAlgorithm() {
    var rng = TestRNG(seed: 70)
    let n = 7
    var adam = Adam(parameterCount: n)
    var x = (0..<n).map { _ in Float.random(in: -1...1, using: &rng) }
    var xd = x.map(Double.init)
    var m = [Double](repeating: 0, count: n), v = m
    let (b1, b2, eps, rate) = (0.9, 0.999, 1e-8, 0.01)
    for t in 1...30 {
      // Gradients of mixed sizes, one of them 0 on even steps.
      let g = (0..<n).map { i -> Float in
        i == 3 && t % 2 == 0 ? 0 : Float.random(in: -1...1, using: &rng) * Float(i + 1)
      }
      adam.step(parameters: &x, gradients: g, learningRate: Float(rate))
      let step = rate * (1 - pow(b2, Double(t))).squareRoot() / (1 - pow(b1, Double(t)))
      for i in 0..<n {
        m[i] = b1 * m[i] + (1 - b1) * Double(g[i])
        v[i] = b2 * v[i] + (1 - b2) * Double(g[i]) * Double(g[i])
        xd[i] -= step * m[i] / (v[i].squareRoot() + eps)
      }
      // Each step moves a parameter by at most about the rate; Float rounds each of the 30
      // updates at 6e-8 relative: 1e-5 absolute is a generous bound.
      for i in 0..<n { #expect(abs(Double(x[i]) - xd[i]) < 1e-5, "step \(t), parameter \(i)") }
    }
    #expect(adam.steps == 30)
  }

  @Test("a restored state continues exactly as the uninterrupted optimiser")
  func restore() {
    var rng = TestRNG(seed: 71)
    let gradients = (0..<20).map { _ in (0..<5).map { _ in Float.random(in: -2...2, using: &rng) } }
    var whole = Adam(parameterCount: 5)
    var x = [Float](repeating: 0.5, count: 5)
    for g in gradients.prefix(10) { whole.step(parameters: &x, gradients: g, learningRate: 0.02) }
    var resumed = Adam(parameterCount: 5)
    resumed.restore(
      firstMoment: whole.firstMoment, secondMoment: whole.secondMoment, steps: whole.steps)
    var y = x
    for g in gradients.suffix(10) {
      whole.step(parameters: &x, gradients: g, learningRate: 0.02)
      resumed.step(parameters: &y, gradients: g, learningRate: 0.02)
    }
    #expect(x == y)
    #expect(resumed.steps == 20)
  }
}
