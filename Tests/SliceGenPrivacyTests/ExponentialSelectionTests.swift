import Foundation
import Testing

@testable import SliceGenPrivacy

/// Φ⁻¹ by bisection on Φ (the tests' own, independent of the code under test).
private func normalQuantile(_ p: Double) -> Double {
  var (low, high) = (-40.0, 40.0)
  for _ in 0..<200 {
    let middle = 0.5 * (low + high)
    if GaussianMechanism.normalCDF(middle) < p { low = middle } else { high = middle }
  }
  return 0.5 * (low + high)
}

@Suite("Exponential-mechanism selection")
struct ExponentialSelectionTests {
  @Test("an ε-bounded-range pick is μ-GDP with μ = 2Φ⁻¹(1/(1 + e^{−ε/2})), rounded up")
  func gaussianMuValues() {
    // Reference values: scipy.stats.norm.ppf, 2·ppf(1/(1 + exp(−ε/2))).
    for (epsilon, mu) in [
      (0.01, 0.006266567884877819), (0.1, 0.0626629055410031), (1.0, 0.6238925920985081),
    ] {
      let computed = ExponentialSelection.gaussianMu(boundedRange: epsilon)
      #expect(computed >= mu)
      #expect(computed / mu - 1 < 1e-9, "ε = \(epsilon): \(computed) against \(mu)")
    }
  }

  @Test("every binary pair with loss in [t − ε, t] is dominated by that μ (sweep over t)")
  func worstPairIsTheMiddle() {
    // The pair P = (p, 1 − p), Q = (q, 1 − q) with p/q = e^t and (1 − p)/(1 − q) = e^{t−ε}
    // needs μ ≥ Φ⁻¹(p) − Φ⁻¹(q) (ExponentialSelection.swift); the largest is at t = ε/2.
    for epsilon in [0.001, 0.02, 0.1, 0.5, 1, 2, 4] {
      let mu = ExponentialSelection.gaussianMu(boundedRange: epsilon)
      var worst = 0.0
      for i in 1..<1000 {
        let t = epsilon * Double(i) / 1000
        let q = (1 - exp(t - epsilon)) / (exp(t) * (1 - exp(-epsilon)))
        let p = exp(t) * q
        worst = max(worst, normalQuantile(p) - normalQuantile(q))
      }
      #expect(worst <= mu * (1 + 1e-9), "ε = \(epsilon): \(worst) > \(mu)")
      #expect(worst > mu * (1 - 1e-6), "ε = \(epsilon): the middle is the worst case")
    }
  }

  @Test("the lemma behind the middle: the log-odds of Φ is convex on [0, ∞) (Docs/privacy.md)")
  func logOddsOfPhiIsConvex() {
    // m(z) = φ(z)/Φ(−z), the inverse Mills ratio; m′ = m(m − z).
    func density(_ z: Double) -> Double { exp(-0.5 * z * z) / (2 * Double.pi).squareRoot() }
    func m(_ z: Double) -> Double { density(z) / GaussianMechanism.normalCDF(-z) }
    func slope(_ z: Double) -> Double { m(z) * (m(z) - z) }
    // The constants the proof uses on [0, 1].
    #expect(abs(slope(0) - 2 / Double.pi) < 1e-12)
    #expect(abs(slope(-1) - 0.37031) < 1e-5)
    #expect(slope(0) + slope(-1) - 1 > 0.006)
    // m′ increasing on [−1, 1] (the proof takes it from Sampford 1953).
    for i in 0..<2000 {
      let z = -1 + Double(i) / 1000
      #expect(slope(z + 0.001) > slope(z), "m′ not increasing at \(z)")
    }
    // k(z) = m(z) − m(−z) − z ≥ 0, and Sampford's bound where the proof uses it (z ≥ 1).
    for i in 1...3000 {
      let z = Double(i) / 100
      #expect(m(z) - m(-z) - z >= 0, "k(\(z)) < 0")
      if z >= 1 {
        #expect(m(z) > (3 * z + (z * z + 8).squareRoot()) / 4, "Sampford's bound at \(z)")
      }
    }
    #expect(
      2 * GaussianMechanism.normalCDF(1) * (2 * Double.pi).squareRoot() * exp(0.5) > 6.95)
  }

  @Test("calibration rounds ε₀ down: its computed width meets μ, a hair more does not")
  func calibrationRoundsDown() {
    for mu in [0.0174, 0.05, 0.5] {
      let epsilon = ExponentialSelection.epsilon(forMu: mu, sensitivity: 2, largestScore: 3e6)
      func muOf(_ e: Double) -> Double {
        ExponentialSelection.gaussianMu(
          boundedRange: ExponentialSelection.computedWidth(
            epsilon: e, sensitivity: 2, largestScore: 3e6))
      }
      #expect(muOf(epsilon) <= mu)
      #expect(muOf(epsilon * (1 + 1e-9)) > mu)
      // The width's floating-point terms are tiny: ε₀ is within 1e-6 of the real-valued answer.
      #expect(abs(ExponentialSelection.gaussianMu(boundedRange: epsilon) / mu - 1) < 1e-6)
    }
  }

  @Test("the computed law: loss range within the width, within 1 ± ρ of the ideal law")
  func computedLaw() {
    // Random score vectors and neighbours moving each score by at most Δ: the log-ratio of the
    // two computed laws (exact, from the integer weights) spans at most the computed width, and
    // each computed probability is within the factor 1 ± ρ of the real-valued exponential law
    // plus the additive error.
    var rng = SystemRandomNumberGenerator()
    let delta = 2.0
    for trial in 0..<200 {
      let p = Int.random(in: 1...40, using: &rng)
      let epsilon = [0.01, 0.3, 3, 30][trial % 4]
      let scores = (0..<p).map { _ in Double.random(in: 0...3000, using: &rng) }
      let moved = scores.map { max(0, $0 + Double.random(in: -delta...delta, using: &rng)) }
      func law(_ s: [Double]) -> [Double] {
        let w = ExponentialSelection.weights(scores: s, epsilon: epsilon, sensitivity: delta)
        let total = Double(w.reduce(0, +))
        return w.map { Double($0) / total }
      }
      let (a, b) = (law(scores), law(moved))
      // Where the floor's quantum is negligible (weights of at least 2^80: relative 2^−80),
      // the factor 1 ± ρ holds alone; tinier outputs are the additive error's.
      let bigEnough = ExponentialSelection.weights(
        scores: scores, epsilon: epsilon, sensitivity: delta
      ).map { $0 >= (1 << 80) }
      let losses = zip(zip(a, b), bigEnough).compactMap { pair, big in
        big && pair.1 > 0 ? log(pair.0 / pair.1) : nil
      }
      let width = ExponentialSelection.computedWidth(
        epsilon: epsilon, sensitivity: delta, largestScore: 3000)
      if let low = losses.min(), let high = losses.max() {
        #expect(high - low <= width + 4 * 0x1p-40, "trial \(trial)")
      }
      // The ideal law (its normalisation in Double is accurate to ~1e-15).
      let top = scores.max()!
      // (x_j as the code computes them: the ideal law of the analysis is exp of those.)
      let c = epsilon / (2 * delta)
      let ideal = scores.map { exp(($0 - top) * c) }
      let z = ideal.reduce(0, +)
      let rho = ExponentialSelection.relativeError(candidates: p)
      let additive = ExponentialSelection.additiveError(candidates: p)
      for (computed, w) in zip(a, ideal) {
        let exact = w / z
        // Above by the factor plus A; below by the factor alone (the weights round up).
        #expect(computed <= exact * (1 + rho) + additive + 1e-14 * exact)
        #expect(computed >= exact * (1 - rho) - 1e-14 * exact)
      }
    }
  }

  #if arch(x86_64) && os(Linux)
    @Test("the platform's exp is within the 4 ulps the margin assumes (against 80-bit exp)")
    func expAccuracy() {
      // The margin takes every computed weight exp(x_j) within a relative 2^−50 (4 ulps) of
      // e^{x_j} (ExponentialSelection.swift); x86's 80-bit exp has 11 more bits.
      var rng = SystemRandomNumberGenerator()
      var worst = 0.0
      for i in 0..<100_000 {
        let x = i < 1000 ? -Double(i) * 0.7 : -Double.random(in: 0...708, using: &rng)
        let computed = exp(x)
        let reference = exp(Float80(x))
        let error = Double(abs(Float80(computed) - reference) / reference)
        worst = max(worst, error)
      }
      #expect(worst <= 0x1p-50, "worst relative error \(worst)")
      #expect(worst <= 0x1p-52, "glibc documents less than one ulp: \(worst)")
    }
  #endif

  @Test("ρ of a pick is below the snapped sampler's, and the weights cannot overflow")
  func marginBounds() {
    for p in [1, 2, 3, 1000, 2080, 307_720, 1 << 30, 1 << 40] {
      #expect(
        ExponentialSelection.relativeError(candidates: p)
          <= SnappedGaussian.relativeCellError())
      let b = ExponentialSelection.weightExponent(candidates: p)
      // P weights of at most 2^b each sum below 2^128.
      #expect(log2(Double(p)) + Double(b) < 128)
      // P·2^{1−b} ≤ 2^{2⌈log₂ P⌉ − 125}: below 1e-20 up to a million candidates.
      let additive = ExponentialSelection.additiveError(candidates: p)
      #expect(additive <= Double(p) * Double(p) * 0x1p-121)
      if p <= 1 << 20 { #expect(additive < 1e-20) }
    }
  }

  @Test("picks follow exp(ε₀·s/(2Δ)) (100,000 draws, each frequency within 5 standard errors)")
  func frequencies() {
    var noise = SecureNoise.insecureForTesting(seed: 5)
    let scores = [0.0, 2, 4, 8, 1, 3]
    let (epsilon, delta) = (0.8, 2.0)
    let weights = scores.map { exp(epsilon * $0 / (2 * delta)) }
    let expected = weights.map { $0 / weights.reduce(0, +) }
    var counts = [Int](repeating: 0, count: scores.count)
    let draws = 100_000
    for _ in 0..<draws {
      counts[
        ExponentialSelection.pick(
          scores: scores, epsilon: epsilon, sensitivity: delta, noise: &noise)] += 1
    }
    for (count, p) in zip(counts, expected) {
      let error = (p * (1 - p) / Double(draws)).squareRoot()
      #expect(abs(Double(count) / Double(draws) - p) < 5 * error, "\(counts) against \(expected)")
    }
  }

  @Test("a round of picks enters the implementation margin: one value each, and its δ term")
  func marginRound() throws {
    let round = AggregateRound.exponential(steps: 64, candidates: 2080, fraction: 0.27)
    #expect(round.affectedValues == 64)
    #expect(round.valueShift(aggregateMu: 1) == 0)
    #expect(round.additiveError == 64 * ExponentialSelection.additiveError(candidates: 2080))
    #expect(round.isExponential)
    let calibration = try ReleaseCalibration.calibrate(
      epsilon: 1, delta: 1e-5, slices: 10, sliceDim: 2, encodedWidth: 10, accountant: .profile,
      neighbors: .replaceOne, subsampling: nil, fixedDirections: nil, aggregateShare: 0.9,
      aggregateRounds: [
        .counts(tables: 65, fraction: 0.4), round, .counts(tables: 64, fraction: 0.33),
      ])
    let margin = try #require(calibration.margin)
    #expect(margin.affectedValues == 20 + 130 + 64 + 128)
    #expect(margin.tailDelta >= 2 * round.additiveError)
  }
}
