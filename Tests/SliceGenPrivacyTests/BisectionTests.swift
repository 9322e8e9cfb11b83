// Tests of Bisection, the root finder of every calibration: it must return the end that passes
// (the privacy side), within `relativeTolerance` of the threshold, over thresholds from 1e-9 to
// 2^90; report nil when no bracket up to 2^100 exists; and only ever ask about x ≥ 0.

import Testing

@testable import SliceGenPrivacy

@Suite("Bisection")
struct BisectionTests {
  static let thresholds: [Double] = [1e-9, 0.37, 0.5, 1, 3, 1e6, 0x1p90, 1.0.nextUp]

  @Test("smallestPassing returns a passing x at most a relative 1e-12 above the threshold")
  func smallest() throws {
    for t in Self.thresholds {
      var asked: [Double] = []
      let x = try #require(
        Bisection.smallestPassing {
          asked.append($0)
          return $0 >= t
        })
      #expect(x >= t, "threshold \(t): \(x) fails")
      #expect(x - t <= Bisection.relativeTolerance * x, "threshold \(t): \(x) too far")
      #expect(asked.allSatisfy { $0 >= 0 && $0.isFinite })
      #expect(asked.count <= 101 + 400)
    }
  }

  @Test("largestPassing returns a passing x at most a relative 1e-12 below the threshold")
  func largest() throws {
    for t in Self.thresholds {
      var asked: [Double] = []
      let x = try #require(
        Bisection.largestPassing {
          asked.append($0)
          return $0 <= t
        })
      #expect(x <= t, "threshold \(t): \(x) fails")
      // The final bracket [x, high) holds t and has width ≤ tol·high, so t − x ≤ tol·t/(1 − tol).
      let tolerance = Bisection.relativeTolerance
      #expect(t - x <= tolerance * t / (1 - tolerance), "threshold \(t): \(x) too far")
      #expect(asked.allSatisfy { $0 >= 0 && $0.isFinite })
    }
  }

  @Test("the ends: only 0 passes, everything passes, nothing passes up to 2^100")
  func ends() {
    #expect(Bisection.largestPassing { $0 <= 0 } == 0)
    #expect(Bisection.largestPassing { _ in true } == nil)
    #expect(Bisection.largestPassing { $0 <= 0x1p101 } == nil)
    #expect(Bisection.smallestPassing { _ in false } == nil)
    #expect(Bisection.smallestPassing { $0 >= 0x1p101 } == nil)
    // Everything above 0 passes: a tiny positive x, and it passes.
    let tiny = Bisection.smallestPassing { $0 > 0 }
    #expect(tiny.map { $0 > 0 && $0 < 1e-100 } == true)
  }

  @Test("a condition evaluated with rounding noise near its threshold still yields a passing x")
  func noisyCondition() throws {
    // passes(x) = (x·(1 + 1e-15 wiggle) ≥ π): not exactly monotone within a few ulp of π.
    var calls = 0
    func passes(_ x: Double) -> Bool {
      calls += 1
      let wiggle = calls % 2 == 0 ? 1e-15 : -1e-15
      return x * (1 + wiggle) >= Double.pi
    }
    let x = try #require(Bisection.smallestPassing(passes))
    // The returned end passed when it was asked; it is within the tolerance of π.
    #expect(abs(x - .pi) <= 2 * Bisection.relativeTolerance * x)
    #expect(x * (1 - 1e-15) >= Double.pi * (1 - 2e-15))
  }
}
