import Foundation
import Testing

@testable import SliceGen

/// Trial steps from scipy's `DCSRCH` (the Python twin of the C `dcsrch` L-BFGS-B calls), with
/// L-BFGS-B's ftol 1e-3, xtol 0.1, stpmin 0, stpmax 1e10 (`Docs/bench/lbfgsb_fixtures.py`,
/// section 3). The steps are exact in floating point up to the last bits of the interpolation.
@Suite("Moré–Thuente line search")
struct MoreThuenteLineSearchTests {
  /// Runs a search on φ from `step`; returns every trial step and the final verdict.
  static func trials(
    _ phi: (Double) -> (Double, Double), from step: Double, gtol: Double
  ) -> ([Double], MoreThuenteLineSearch.Verdict) {
    let (f0, g0) = phi(0)
    var search = MoreThuenteLineSearch(step: step, value: f0, slope: g0, gtol: gtol, stpmax: 1e10)
    var steps: [Double] = []
    var verdict = MoreThuenteLineSearch.Verdict.evaluate(step)
    while case .evaluate(let next) = verdict, steps.count < 50 {
      steps.append(next)
      let (f, g) = phi(next)
      verdict = search.next(value: f, slope: g)
    }
    return (steps, verdict)
  }

  // Moré & Thuente (1994), functions 1 and 2 (β = 2 and β = 0.004), and a damped sine.
  static func f1(_ a: Double) -> (Double, Double) {
    (-a / (a * a + 2), (a * a - 2) / ((a * a + 2) * (a * a + 2)))
  }
  static func f2(_ a: Double) -> (Double, Double) {
    let b = a + 0.004
    return (pow(b, 5) - 2 * pow(b, 4), 5 * pow(b, 4) - 8 * pow(b, 3))
  }
  static func f3(_ a: Double) -> (Double, Double) {
    (-sin(a) * exp(-a / 2), -cos(a) * exp(-a / 2) + 0.5 * sin(a) * exp(-a / 2))
  }

  static func same(_ a: [Double], _ b: [Double]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-12 * max(1, abs($1)) }
  }

  @Test("extrapolation ×5 until the curvature condition holds (function 1 from 1e-3)")
  func extrapolation() {
    let (steps, verdict) = Self.trials(Self.f1, from: 1e-3, gtol: 0.1)
    #expect(Self.same(steps, [0.001, 0.005, 0.021, 0.085, 0.341, 1.365]))
    #expect(verdict == .converged)
  }

  @Test("a too-long first step: interpolation on the modified function ψ (function 1 from 1000)")
  func modifiedFunction() {
    let (steps, verdict) = Self.trials(Self.f1, from: 1000, gtol: 0.9)
    #expect(Self.same(steps, [1000, 332.83537094698613, 110.78382764820593, 36.88760696396662]))
    #expect(verdict == .converged)
    let (steps3, verdict3) = Self.trials(Self.f3, from: 1000, gtol: 0.1)
    #expect(
      Self.same(
        steps3,
        [
          1000, 332.8337077718858, 110.94456925729527, 36.98152308576509,
          12.32717429564801, 4.1040156973890545, 1.3143541157583298,
          1.1226037351020641,
        ]))
    #expect(verdict3 == .converged)
  }

  @Test("a bracket that shrinks below xtol ends with a warning (function 2 from 10)")
  func bracketWarning() {
    let (steps, verdict) = Self.trials(Self.f2, from: 10, gtol: 0.9)
    #expect(
      Self.same(
        steps,
        [
          10.0, 2.306989958039605, 0.6872867127876888, 1.5661413536177324,
          1.6123738059384738, 1.6123738059384738,
        ]))
    #expect(verdict == .warning)
  }

  @Test("a first step that satisfies both conditions is accepted at once")
  func immediate() {
    let (steps, verdict) = Self.trials(Self.f1, from: 10, gtol: 0.9)
    #expect(steps == [10])
    #expect(verdict == .converged)
  }
}
