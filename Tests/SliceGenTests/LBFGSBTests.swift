import Foundation
import Testing

@testable import SliceGen

/// Reference values from scipy 1.17.1 (`Docs/bench/lbfgsb_fixtures.py`, section by section).
/// The two-loop recursion and scipy's compact form apply the same matrix in a different order
/// of operations: the first six Rosenbrock iterates come out bit for bit, later ones differ in
/// the last bits, which the valley amplifies to at most 1.4e-10 relative (measured) by
/// iteration 30; 1e-9 leaves room for another libm.
@Suite("L-BFGS-B")
struct LBFGSBTests {
  static func rosenbrock(_ x: [Double], _ g: inout [Double]) -> Double {
    let a = x[1] - x[0] * x[0]
    g[0] = -400 * x[0] * a - 2 * (1 - x[0])
    g[1] = 200 * a
    return 100 * a * a + (1 - x[0]) * (1 - x[0])
  }

  static func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-9) -> Bool {
    abs(a - b) <= tolerance * max(1, abs(b))
  }

  @Test("Rosenbrock from (-1.2, 1): scipy's 36 iterates, nit 36, nfev 44, stop on ftol")
  func rosenbrock() {
    // Section 1: every iterate scipy reports to its callback (first ten, then the last three).
    let expected: [Int: [Double]] = [
      1: [-1.0174097957038217, 1.0745266139984402], 2: [-1.0270197526043319, 1.068358702632824],
      3: [-1.0285358469293884, 1.065342136730525], 4: [-1.0280683234018906, 1.0619380604952937],
      5: [-1.021385160033696, 1.0392943881350645], 6: [-1.0020293558365005, 0.988607963382702],
      7: [-0.9493671678671748, 0.8669746872519424], 8: [-0.8876359561098071, 0.7417730301128318],
      9: [-0.7872592106533363, 0.5671494560363027], 10: [-0.6778321515223973, 0.42585440520596285],
      20: [0.37017471386502127, 0.13229321286746182],
      34: [0.9994357901789012, 0.9988271084066626], 35: [1.0000043179991038, 1.0000063750194106],
      36: [0.999998945349282, 0.9999980209057328],
    ]
    var seen: [Int: [Double]] = [:]
    let result = LBFGSB.minimize(
      from: [-1.2, 1], onIteration: { k, x, _ in seen[k] = x },
      Self.rosenbrock)
    #expect(result.iterations == 36)
    #expect(result.evaluations == 44)
    #expect(result.stop == .relativeDecrease)
    for (k, x) in expected {
      #expect(
        seen[k].map { zip($0, x).allSatisfy { Self.close($0, $1) } } == true,
        "iterate \(k): \(seen[k] ?? []) vs \(x)")
    }
    #expect(seen[6] == expected[6])
    #expect(abs(result.value - 2.8076498487712216e-12) < 1e-13)
  }

  @Test("scikit-learn's options, 5 iterations: scipy's x, nit 5, nfev 7, stop on maxiter")
  func iterationLimit() {
    // Section 2: maxiter 5, maxls 50, gtol 1e-4, ftol 64ε.
    var options = LBFGSB.Options()
    options.maxIterations = 5
    options.maxLineSearchSteps = 50
    options.gradientTolerance = 1e-4
    options.relativeDecreaseTolerance = 64 * Double.ulpOfOne
    let result = LBFGSB.minimize(from: [-1.2, 1], options: options, Self.rosenbrock)
    #expect(result.iterations == 5 && result.evaluations == 7)
    #expect(result.stop == .iterationLimit)
    #expect(Self.close(result.x[0], -1.021385160033696))
    #expect(Self.close(result.x[1], 1.0392943881350645))
    #expect(Self.close(result.value, 4.087545016268825))
  }

  @Test("failed line searches: maxls 1 ends abnormally at x₀, maxls 2 resets and converges")
  func lineSearchFailures() {
    // Section 2b. With maxls 1 the first search fails with no pairs stored: ABNORMAL after two
    // evaluations, x restored to x₀ (scipy's `fun` then shows the trial value, a quirk of its
    // Python driver; slicegen returns f(x₀)). With maxls 2 some searches fail later, the memory
    // is dropped and the run goes on: nit 38, nfev 45, stop on the gradient test.
    var options = LBFGSB.Options()
    options.maxLineSearchSteps = 1
    let one = LBFGSB.minimize(from: [-1.2, 1], options: options, Self.rosenbrock)
    #expect(one.stop == .abnormal && one.iterations == 0 && one.evaluations == 2)
    #expect(one.x == [-1.2, 1] && one.value == 24.199999999999996)
    options.maxLineSearchSteps = 2
    let two = LBFGSB.minimize(from: [-1.2, 1], options: options, Self.rosenbrock)
    #expect(two.stop == .gradientTolerance && two.iterations == 38 && two.evaluations == 45)
    #expect(Self.close(two.x[0], 1.0000000103554045) && Self.close(two.x[1], 1.0000000203728248))
  }

  @Test("a start at the minimum stops at once; a non-finite start stops abnormally")
  func specialValues() {
    let atMinimum = LBFGSB.minimize(from: [1, 1], Self.rosenbrock)
    #expect(atMinimum.iterations == 0 && atMinimum.evaluations == 1)
    #expect(atMinimum.stop == .gradientTolerance && atMinimum.x == [1, 1])
    let nan = LBFGSB.minimize(from: [.nan, 1], Self.rosenbrock)
    #expect(nan.stop == .abnormal && nan.iterations == 0)
    // A quadratic: the first step from the Cauchy point of B = I is exact for f = ½‖x‖².
    let quadratic = LBFGSB.minimize(from: [3, -4]) { x, g in
      g = x
      return 0.5 * (x[0] * x[0] + x[1] * x[1])
    }
    #expect(quadratic.stop == .gradientTolerance)
    #expect(abs(quadratic.x[0]) < 1e-5 && abs(quadratic.x[1]) < 1e-5)
  }

  @Test("balanced logistic loss: the gradient matches central finite differences")
  func lossGradient() {
    let x: [Double] = [0.5, 1, 1.5, -0.5, -1, 2, 2, 0, 0, 0.5]  // (5, 2)
    let loss = BalancedLogisticLoss(x: x, width: 2, labels: [true, true, false, true, false])
    // Weights 5/(2·3) and 5/(2·2); their sum is 5.
    #expect(abs(loss.weightSum - 5) < 1e-12)
    let w: [Double] = [0.3, -0.7, 0.2]
    var g = [Double](repeating: 0, count: 3)
    _ = loss.value(w, gradient: &g)
    // Central differences: error O(h²·f''') ≈ 1e-10 at h = 1e-5, rounding ε/h ≈ 1e-11.
    for j in 0..<3 {
      var plus = w, minus = w, scratch = g
      plus[j] += 1e-5
      minus[j] -= 1e-5
      let numeric =
        (loss.value(plus, gradient: &scratch) - loss.value(minus, gradient: &scratch))
        / 2e-5
      #expect(abs(numeric - g[j]) < 1e-8, "component \(j)")
    }
    // Far in the tails the loss stays finite and the slope saturates at ±1 (times weights).
    #expect(BalancedLogisticLoss.lossAndSlope(1, -800) == (800, -1))
    #expect(BalancedLogisticLoss.lossAndSlope(0, 800).1 == 1)
  }

  @Test("tiny logistic regression, 3 iterations: scikit-learn's coefficients, nit 3, nfev 4")
  func tinyLogisticRegression() {
    // Section 4: LogisticRegression(lbfgs, C=1, class_weight="balanced", max_iter=3) on 12 rows.
    let x: [Double] = [
      0.5, 1.0, 1.5, -0.5, -1.0, 2.0, 2.0, 0.0, 0.0, 0.5, -0.5, -1.5,
      1.0, 1.0, 3.0, -1.0, -2.0, 0.5, 0.5, -0.5, 1.5, 2.5, -1.5, -0.5,
    ]
    let y = [1, 1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0].map { $0 == 1 }
    let loss = BalancedLogisticLoss(x: x, width: 2, labels: y)
    var options = LBFGSB.Options()
    options.maxIterations = 3
    options.maxLineSearchSteps = 50
    options.gradientTolerance = 1e-4
    options.relativeDecreaseTolerance = 64 * Double.ulpOfOne
    let result = LBFGSB.minimize(from: [0, 0, 0], options: options) { w, g in
      loss.value(w, gradient: &g)
    }
    #expect(result.iterations == 3 && result.evaluations == 4)
    #expect(Self.close(result.x[0], 1.1452252724787422))
    #expect(Self.close(result.x[1], -0.012658676032396031))
    #expect(Self.close(result.x[2], -0.22359347538888213))
  }
}
