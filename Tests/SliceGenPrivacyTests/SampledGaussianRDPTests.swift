import Foundation
import Testing

@testable import SliceGenPrivacy

/// The reference values of Tests/Fixtures/sampled-gaussian-rdp.json: an independent implementation
/// of Mironov, Talwar, Zhang 2019, copied unchanged (Tests/Fixtures/README.md says where they come
/// from). Its `about` field names the series and the order grid.
private enum SampledGaussianVectors {
  struct PerStep: Decodable {
    var q: Double
    var sigma: Double
    var alpha: Double
    var signed: Double
    var absSum: Double
  }

  struct EndToEnd: Decodable {
    var q: Double
    var sigma: Double
    var steps: Int
    var delta: Double
    var orders: String
    var classicEpsilon: Double
    var classicAlpha: Double
    var improvedEpsilon: Double
    var improvedAlpha: Double
  }

  struct File: Decodable {
    var about: String
    var perStepRdp: [PerStep]
    var endToEnd: [EndToEnd]
  }

  static let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures/sampled-gaussian-rdp.json")
  static let file: File = {
    guard let data = try? Data(contentsOf: url),
      let file = try? JSONDecoder().decode(File.self, from: data)
    else {
      fatalError("the sampled Gaussian test vectors are missing or unreadable at \(url.path)")
    }
    return file
  }()
}

/// |a/b − 1|: the one approximate comparison of this file (each test states its tolerance).
private func relativeError(_ a: Double, _ b: Double) -> Double { abs(a / b - 1) }

private func accountant(
  _ q: Double, _ sigma: Double, _ series: SampledGaussianRDP.FractionalSeries = .signed
) -> SampledGaussianRDP {
  try! SampledGaussianRDP(sampleRate: q, noiseMultiplier: sigma, series: series)
}

/// A plain reference for A_α: the trapezoid rule on E_{z∼N(0,σ²)}[(1 − q + q·e^{(2z−1)/(2σ²)})^α]
/// over [−40σ, α + 40σ] (the integrand's mass sits near 0 and near α) with step σ/40, summed
/// from the largest log value. For these smooth, Gaussian-tailed integrands the trapezoid error is
/// far below rounding, and the range leaves out less than e^−800 of the mass.
private func referenceRDP(q: Double, sigma: Double, alpha: Double) -> Double {
  let h = sigma / 40
  let low = -40 * sigma
  let count = Int(((alpha + 40 * sigma) - low) / h) + 1
  let logNormal = -log(sigma * (2 * Double.pi).squareRoot())
  var logValues = [Double]()
  logValues.reserveCapacity(count)
  for n in 0..<count {
    let z = low + Double(n) * h
    let u = (2 * z - 1) / (2 * sigma * sigma)
    let a = log1p(-q)
    let b = log(q) + u
    let logRatio = max(a, b) + log1p(exp(-abs(a - b)))  // ln(1 − q + q·e^u)
    logValues.append(-z * z / (2 * sigma * sigma) + logNormal + alpha * logRatio)
  }
  let top = logValues.max()!
  let sum = logValues.reduce(0) { $0 + exp($1 - top) }
  return (top + log(sum * h)) / (alpha - 1)
}

@Suite("Sampled Gaussian RDP accountant")
struct SampledGaussianRDPTests {
  @Test("every per-step vector, signed and absSum, to 1e-8 relative")
  func perStepVectors() {
    let rows = SampledGaussianVectors.file.perStepRdp
    #expect(rows.count == 14)
    var worstSigned = 0.0
    var worstAbsolute = 0.0
    for row in rows {
      let signed = accountant(row.q, row.sigma, .signed).rdp(order: row.alpha)
      let absolute = accountant(row.q, row.sigma, .absSum).rdp(order: row.alpha)
      worstSigned = max(worstSigned, relativeError(signed, row.signed))
      worstAbsolute = max(worstAbsolute, relativeError(absolute, row.absSum))
      #expect(relativeError(signed, row.signed) < 1e-8, "signed \(row): \(signed)")
      #expect(relativeError(absolute, row.absSum) < 1e-8, "absSum \(row): \(absolute)")
    }
    // Observed: 4.6e-9 (signed: the file's series stops at e^−30, this one at full precision;
    // the gap is the file's truncation, checked against mpmath quadrature) and 1e-10 (absSum).
    #expect(worstSigned < 1e-8 && worstAbsolute < 1e-8, "\(worstSigned), \(worstAbsolute)")
  }

  @Test("every end-to-end vector: classic and improved ε to 1e-5 and their optimal orders")
  func endToEndVectors() throws {
    let rows = SampledGaussianVectors.file.endToEnd
    #expect(rows.count == 3)
    #expect(SampledGaussianVectors.file.about.contains("1.1, 1.2, ..., 10.9 then 12, 13, ..., 63"))
    for row in rows {
      let grid = try #require(SampledGaussianRDP.OrderGrid(rawValue: row.orders))
      let rdp = accountant(row.q, row.sigma)
      let classic = try rdp.epsilon(
        steps: row.steps, delta: row.delta, orders: grid.orders, conversion: .classic)
      let improved = try rdp.epsilon(
        steps: row.steps, delta: row.delta, orders: grid.orders, conversion: .improved)
      #expect(abs(classic.epsilon - row.classicEpsilon) < 1e-5, "classic \(row): \(classic)")
      #expect(classic.order == row.classicAlpha, "classic \(row): \(classic)")
      #expect(abs(improved.epsilon - row.improvedEpsilon) < 1e-5, "improved \(row): \(improved)")
      #expect(improved.order == row.improvedAlpha, "improved \(row): \(improved)")
    }
  }

  @Test("the Opacus grid: 1.1 … 10.9 by tenths, then 12 … 63; the literals are the same Doubles")
  func opacusGrid() {
    let orders = SampledGaussianRDP.OrderGrid.opacus.orders
    #expect(orders.count == 151)
    #expect(orders.first == 1.1 && orders[1] == 1.2 && orders[98] == 10.9 && orders[99] == 12)
    #expect(orders.last == 63)
    #expect(orders.contains(8.1) && orders.contains(7.8) && orders.contains(8.8))
    #expect(zip(orders, orders.dropFirst()).allSatisfy { $0 < $1 })
  }

  @Test("the series agree with direct quadrature of A_α (1e-9 relative)")
  func quadrature() {
    // Cases where A_α − 1 ≥ 1e-5, so both sides keep 1e-10 relative precision.
    let cases: [(q: Double, sigma: Double, alpha: Double)] = [
      (0.01, 1, 1.5), (0.3, 0.7, 1.1), (0.5, 2, 2.5), (0.05, 0.6, 7.3), (0.02, 0.8, 63.5),
      (0.9, 0.5, 10.5), (0.1, 1.3, 7), (0.004, 1.1, 32), (0.2, 3, 1.25),
    ]
    for c in cases {
      let reference = referenceRDP(q: c.q, sigma: c.sigma, alpha: c.alpha)
      let computed = accountant(c.q, c.sigma).rdp(order: c.alpha)
      #expect(relativeError(computed, reference) < 1e-9, "\(c): \(computed) vs \(reference)")
    }
  }

  @Test("q = 0 is 0 and q = 1 is the Gaussian mechanism's α/(2σ²), also approached as q → 1")
  func endpoints() {
    for alpha in [1.1, 1.5, 2, 3.7, 8, 20.5, 63] {
      for sigma in [0.5, 1, 4] {
        for series in SampledGaussianRDP.FractionalSeries.allCases {
          #expect(accountant(0, sigma, series).rdp(order: alpha) == 0)
          let gaussian = alpha / (2 * sigma * sigma)
          #expect(accountant(1, sigma, series).rdp(order: alpha) == gaussian)
          // Through the general path: A_α = e^{(α²−α)/(2σ²)}(1 + O(1 − q)), so within 1e-6.
          let near = accountant(1 - 1e-9, sigma, series).rdp(order: alpha)
          #expect(relativeError(near, gaussian) < 1e-6, "α=\(alpha) σ=\(sigma): \(near)")
        }
      }
    }
  }

  @Test("monotone: non-decreasing in q, in 1/σ and in α; never above the Gaussian")
  func monotone() {
    let orders = [1.1, 1.5, 2, 2.5, 3.7, 8, 10.9, 20.5, 32, 63]
    let rates = [1e-4, 1e-3, 0.003, 0.01, 0.03, 0.1, 0.3, 0.6, 0.9, 0.999, 1]
    let sigmas = [0.4, 0.6, 0.8, 1, 1.5, 2, 4, 10]
    for alpha in orders {
      for sigma in sigmas {
        let values = rates.map { accountant($0, sigma).rdp(order: alpha) }
        #expect(zip(values, values.dropFirst()).allSatisfy { $0 <= $1 }, "α=\(alpha) σ=\(sigma)")
        #expect(values.allSatisfy { $0 >= 0 && $0 <= alpha / (2 * sigma * sigma) * (1 + 1e-12) })
      }
      for q in rates {
        let values = sigmas.map { accountant(q, $0).rdp(order: alpha) }
        #expect(zip(values, values.dropFirst()).allSatisfy { $0 >= $1 }, "α=\(alpha) q=\(q)")
      }
    }
    // Rényi divergences grow with the order (to rounding: 1e-12 relative).
    for (q, sigma) in [(0.01, 1.0), (0.004, 1.1), (0.1, 0.7), (0.02, 4.0)] {
      let values = SampledGaussianRDP.OrderGrid.opacus.orders.map {
        accountant(q, sigma).rdp(order: $0)
      }
      #expect(zip(values, values.dropFirst()).allSatisfy { $0 <= $1 * (1 + 1e-12) })
    }
  }

  @Test("absSum never falls below signed, and both agree at integer orders")
  func absSumBound() {
    for (q, sigma) in [(0.01, 1.0), (0.3, 0.7), (0.05, 2.0), (1e-4, 0.8)] {
      for alpha in SampledGaussianRDP.OrderGrid.opacus.orders {
        let signed = accountant(q, sigma, .signed).rdp(order: alpha)
        let absolute = accountant(q, sigma, .absSum).rdp(order: alpha)
        if alpha == alpha.rounded() {
          #expect(absolute == signed)
        } else {
          #expect(absolute >= signed, "q=\(q) σ=\(sigma) α=\(alpha)")
        }
      }
    }
  }

  @Test("no overflow or NaN at extreme parameters (α = 63, tiny and huge σ, q near 0 and 1)")
  func extremes() {
    for q in [1e-9, 1e-4, 0.5, 1 - 1e-6] {
      for sigma in [0.05, 0.3, 1, 1e3, 1e6] {
        for alpha in [1.1, 2, 10.5, 62.5, 63] {
          let value = accountant(q, sigma).rdp(order: alpha)
          #expect(value.isFinite && value >= 0, "q=\(q) σ=\(sigma) α=\(alpha): \(value)")
          // ln A_α carries an absolute error of a few 2^−53 (the file's "Numerics"), so at
          // σ = 1e6, where ε(α) ≈ 5e-13, the comparison needs an absolute slack: 1e-14.
          #expect(value <= alpha / (2 * sigma * sigma) * (1 + 1e-12) + 1e-14)
        }
      }
    }
    // At α = 63, σ = 0.3 the integer sum reaches e^{(63² − 63)/(2·0.09)} ≈ e^21700.
    let big = accountant(0.5, 0.3).rdp(order: 63)
    #expect(big > 300 && big.isFinite)
  }

  @Test("composition: T steps are T times one step, and ε grows with T")
  func composition() throws {
    let rdp = accountant(0.01, 1.1)
    let orders = SampledGaussianRDP.OrderGrid.opacus.orders
    let one = rdp.rdp(orders: orders, steps: 1)
    let many = rdp.rdp(orders: orders, steps: 250)
    #expect(zip(one, many).allSatisfy { $1 == 250 * $0 })
    var previous = 0.0
    for steps in [1, 10, 100, 1000, 10_000] {
      let e = try rdp.epsilon(steps: steps, delta: 1e-5).epsilon
      #expect(e > previous)
      previous = e
    }
    // Composing two curves by adding them is the same as doubling the steps.
    let sum = zip(many, many).map { $0 + $1 }
    let composed = SampledGaussianRDP.epsilon(rdp: sum, orders: orders, delta: 1e-5)
    let doubled = try rdp.epsilon(steps: 500, delta: 1e-5)
    #expect(composed.epsilon == doubled.epsilon && composed.order == doubled.order)
  }

  @Test("nothing released: q = 0 or no step gives ε = 0 with no order")
  func nothingReleased() throws {
    let zero = try accountant(0, 1).epsilon(steps: 1000, delta: 1e-5)
    #expect(zero.epsilon == 0 && zero.order == nil)
    let none = try accountant(0.01, 1).epsilon(steps: 0, delta: 1e-5)
    #expect(none.epsilon == 0 && none.order == nil)
    #expect(try accountant(0, 1).maximumSteps(epsilon: 1, delta: 1e-5) == Int.max)
  }

  @Test("the improved conversion never states more than the classic one")
  func conversions() throws {
    for alpha in SampledGaussianRDP.OrderGrid.opacus.orders {
      for rho in [0, 1e-3, 0.5, 10] {
        let classic = SampledGaussianRDP.Conversion.classic.epsilon(
          rdp: rho, order: alpha, delta: 1e-5)
        let improved = SampledGaussianRDP.Conversion.improved.epsilon(
          rdp: rho, order: alpha, delta: 1e-5)
        #expect(improved < classic)
      }
    }
    // A large δ can push the improved value below 0; the statement is then ε = 0.
    let loose = SampledGaussianRDP.epsilon(rdp: [1e-9], orders: [63], delta: 0.5)
    #expect(loose.epsilon == 0 && loose.order == 63)
  }

  @Test("σ for a target ε round-trips the vectors and rounds toward more noise")
  func noiseMultiplierInverse() throws {
    for row in SampledGaussianVectors.file.endToEnd {
      for conversion in SampledGaussianRDP.Conversion.allCases {
        let target = conversion == .classic ? row.classicEpsilon : row.improvedEpsilon
        let sigma = try SampledGaussianRDP.noiseMultiplier(
          epsilon: target, delta: row.delta, sampleRate: row.q, steps: row.steps,
          conversion: conversion)
        // The vector's ε is rounded to 1e-6 and dε/dσ is about −1 to −3 here: σ within 1e-5.
        #expect(relativeError(sigma, row.sigma) < 1e-5, "\(row) \(conversion): σ = \(sigma)")
        let met = try accountant(row.q, sigma).epsilon(
          steps: row.steps, delta: row.delta, conversion: conversion)
        #expect(met.epsilon <= target)
        // The bisection stops within 1e-12 of the threshold, on the noisy side: 1e-9 less noise
        // already misses the target.
        let less = try accountant(row.q, sigma * (1 - 1e-9)).epsilon(
          steps: row.steps, delta: row.delta, conversion: conversion)
        #expect(less.epsilon > target)
      }
    }
    // Every σ passes, from the plain Gaussian (q = 1) to tiny rates.
    for (q, steps) in [(1.0, 1), (0.1, 50), (1e-4, 100_000)] {
      let sigma = try SampledGaussianRDP.noiseMultiplier(
        epsilon: 1, delta: 1e-6, sampleRate: q, steps: steps)
      #expect(try accountant(q, sigma).epsilon(steps: steps, delta: 1e-6).epsilon <= 1)
    }
  }

  @Test("the step budget: ε(T) ≤ target < ε(T + 1), rounded toward fewer steps")
  func stepBudget() throws {
    for row in SampledGaussianVectors.file.endToEnd {
      let rdp = accountant(row.q, row.sigma)
      let spent = try rdp.epsilon(steps: row.steps, delta: row.delta).epsilon
      let steps = try rdp.maximumSteps(epsilon: spent, delta: row.delta)
      #expect(steps >= row.steps)
      #expect(try rdp.epsilon(steps: steps, delta: row.delta).epsilon <= spent)
      #expect(try rdp.epsilon(steps: steps + 1, delta: row.delta).epsilon > spent)
    }
    // One step already over budget: none allowed.
    #expect(try accountant(1, 0.5).maximumSteps(epsilon: 0.5, delta: 1e-5) == 0)
  }

  @Test("a target no noise can reach is refused with the floor in the message")
  func unreachable() {
    let floor = SampledGaussianRDP.epsilonFloor(delta: 1e-5)
    #expect(floor > 0.09 && floor < 0.11)
    #expect(throws: PrivacyParameterError.self) {
      try SampledGaussianRDP.noiseMultiplier(
        epsilon: floor, delta: 1e-5, sampleRate: 0.01, steps: 100)
    }
    do {
      _ = try SampledGaussianRDP.noiseMultiplier(
        epsilon: 0.05, delta: 1e-5, sampleRate: 0.01, steps: 100)
      Issue.record("ε = 0.05 at δ = 1e-5 should be out of reach")
    } catch {
      #expect("\(error)".contains("must be above 0.1"))
    }
  }

  @Test("parameters are validated, NaN and infinity included, with messages naming the rule")
  func validation() {
    for bad in [-0.1, 1.5, .nan, .infinity] {
      #expect(throws: PrivacyParameterError.self) {
        try SampledGaussianRDP(sampleRate: bad, noiseMultiplier: 1)
      }
    }
    for bad in [0, -1, .nan, .infinity] as [Double] {
      #expect(throws: PrivacyParameterError.self) {
        try SampledGaussianRDP(sampleRate: 0.01, noiseMultiplier: bad)
      }
    }
    #expect(throws: PrivacyParameterError(message: "sample rate is 1.5, must be in [0, 1]")) {
      try SampledGaussianRDP(sampleRate: 1.5, noiseMultiplier: 1)
    }
    let rdp = accountant(0.01, 1)
    #expect(throws: PrivacyParameterError(message: "steps is -1, must be at least 0")) {
      try rdp.epsilon(steps: -1, delta: 1e-5)
    }
    for bad in [0, 1, .nan] as [Double] {
      #expect(throws: PrivacyParameterError.self) { try rdp.epsilon(steps: 10, delta: bad) }
      #expect(throws: PrivacyParameterError.self) {
        try rdp.maximumSteps(epsilon: bad == 1 ? -1 : bad, delta: 1e-5)
      }
    }
    #expect(throws: PrivacyParameterError.self) {
      try SampledGaussianRDP.noiseMultiplier(epsilon: 1, delta: 1e-5, sampleRate: 0, steps: 10)
    }
    #expect(throws: PrivacyParameterError.self) {
      try SampledGaussianRDP.noiseMultiplier(epsilon: 1, delta: 1e-5, sampleRate: 0.1, steps: 0)
    }
    #expect(SampledGaussianRDP.relation == .zeroOut)
  }

  @Test("ln erfc against mpmath, across the switch to the asymptotic series at 20")
  func logErfc() {
    // mpmath.log(mpmath.erfc(x)) at 30 digits.
    let reference: [(Double, Double)] = [
      (-3, 0.693_136_135_250_446_81), (0.5, -0.735_011_129_837_084_40),
      (5, -27.200_889_545_537_434), (19.9, -399.574_343_308_274_99),
      (20, -403.569_343_334_104_23), (20.1, -407.584_318_545_200_41),
      (26.5, -706.100_220_410_148_09), (30, -903.974_117_110_643_88),
      (100, -10_005.177_585_122_664), (1e4, -100_000_009.782_705_32),
    ]
    for (x, expected) in reference {
      let value = SampledGaussianRDP.logErfc(x)
      #expect(relativeError(value, expected) < 1e-13, "ln erfc(\(x)) = \(value)")
    }
    #expect(SampledGaussianRDP.logErfc(.infinity) == -.infinity)
  }
}
