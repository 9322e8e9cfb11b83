// Tests of Divergence, the one place that says which direction each divergence runs: on discrete
// distributions p (real) and q (synthetic), the mean over p of g(q/p) must equal the named
// divergence computed from its own definition; each g vanishes at 1, is convex, and its stated
// derivative matches central finite differences.

import Foundation
import Testing

@testable import SliceGen

@Suite("Divergences")
struct DivergenceTests {
  static let ratioDivergences: [Divergence] = [.kl, .reverseKL, .js, .chi2]

  /// A random distribution on `n` points, every probability at least 0.01 / n.
  static func distribution(_ n: Int, _ rng: inout TestRNG) -> [Double] {
    let w = (0..<n).map { _ in Double.random(in: 0.01...1, using: &rng) }
    return w.map { $0 / w.reduce(0, +) }
  }

  @Test("E_p[g(q/p)] is KL(q‖p), KL(p‖q), JS(p, q) and χ²(q‖p), each from its definition")
  func directions() {
    var rng = TestRNG(seed: 50)
    for _ in 0..<20 {
      let p = Self.distribution(6, &rng), q = Self.distribution(6, &rng)
      let m = zip(p, q).map { ($0 + $1) / 2 }
      func mean(_ d: Divergence) -> Double {
        zip(p, q).reduce(0) { $0 + $1.0 * d.ratioLoss($1.1 / $1.0) }
      }
      func kl(_ a: [Double], _ b: [Double]) -> Double {
        zip(a, b).reduce(0) { $0 + $1.0 * log($1.0 / $1.1) }
      }
      let chi2 = zip(p, q).reduce(0) { $0 + ($1.1 - $1.0) * ($1.1 - $1.0) / $1.0 }
      let expected: [(Divergence, Double)] = [
        (.kl, kl(q, p)), (.reverseKL, kl(p, q)), (.js, 0.5 * kl(p, m) + 0.5 * kl(q, m)),
        (.chi2, chi2),
      ]
      for (d, value) in expected {
        #expect(abs(mean(d) - value) <= 1e-12 * max(1, abs(value)), "\(d)")
      }
    }
  }

  @Test("JS is symmetric and at most log 2, even for nearly disjoint distributions")
  func jensenShannonBounds() {
    let p = [0.999_999, 1e-6 / 2, 1e-6 / 2], q = [1e-6, 0.5, 0.5 - 1e-6]
    let forward = zip(p, q).reduce(0) { $0 + $1.0 * Divergence.js.ratioLoss($1.1 / $1.0) }
    let backward = zip(q, p).reduce(0) { $0 + $1.0 * Divergence.js.ratioLoss($1.1 / $1.0) }
    #expect(abs(forward - backward) < 1e-12)
    #expect(forward <= log(2) && forward > 0.99 * log(2))
  }

  @Test("g(1) = 0, g is convex, and g′ matches central finite differences")
  func shapes() {
    let points = [0.05, 0.3, 0.9, 1, 1.7, 4, 20]
    for d in Self.ratioDivergences {
      #expect(abs(d.ratioLoss(1)) < 1e-15, "\(d): g(1) = \(d.ratioLoss(1))")
      for t in points {
        // Central difference: error h²·g‴/6; with h = 1e-5·t, well below 1e-6 relative.
        let h = 1e-5 * t
        let numeric = (d.ratioLoss(t + h) - d.ratioLoss(t - h)) / (2 * h)
        let stated = d.ratioLossDerivative(t)
        #expect(abs(numeric - stated) <= 1e-6 * max(1, abs(stated)), "\(d) at \(t)")
        for s in points where s != t {
          let middle = d.ratioLoss((s + t) / 2)
          #expect(middle <= (d.ratioLoss(s) + d.ratioLoss(t)) / 2 + 1e-12, "\(d): \(s), \(t)")
        }
      }
    }
  }
}
