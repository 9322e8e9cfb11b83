import Foundation
import SliceGenNumerics
import Testing

@testable import SliceGenPrivacy

/// The reference values of Tests/Fixtures/slicing-privacy.json (computed independently with
/// scipy; a port should match to 1e-3 relative; Tests/Fixtures/README.md says where they come
/// from).
enum TestVectors {
  static let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures/slicing-privacy.json")
  nonisolated(unsafe) static let root: [String: Any] = {
    guard let data = try? Data(contentsOf: url),
      let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    else {
      fatalError("the accountant test vectors are missing or unreadable at \(url.path)")
    }
    return object
  }()
  static func rows(_ key: String) -> [[String: Double]] {
    (root[key] as! [[String: Any]]).map { row in
      row.compactMapValues { ($0 as? NSNumber)?.doubleValue }
    }
  }
}

func relative(_ a: Double, _ b: Double) -> Double { abs(a / b - 1) }

@Suite("Slicing accountant")
struct SlicingAccountantTests {
  @Test("every calibration row: exact profile, exact RDP and Theorem 1 to 1e-3, on the noisy side")
  func calibration() {
    let rows = TestVectors.rows("calibration")
    #expect(rows.count == 60)
    for row in rows {
      let m = Int(row["mPrime"]!)
      let e = row["epsilon"]!
      let d = row["delta"]!
      let s = SlicingAccountant.calibrateNoiseScale(epsilon: e, delta: d, projections: m)
      #expect(relative(s, row["sExactProfile"]!) < 1e-3, "profile m'=\(m) ε=\(e) δ=\(d): \(s)")
      #expect(SlicingAccountant.delta(epsilon: e, noiseScale: s, projections: m) <= d)
      let t = SlicingAccountant.theorem1NoiseScale(epsilon: e, delta: d, projections: m)
      #expect(relative(t, row["sTheorem1"]!) < 1e-3, "theorem1 m'=\(m) ε=\(e) δ=\(d): \(t)")
      #expect(SlicingAccountant.theorem1Epsilon(delta: d, noiseScale: t, projections: m) <= e)
      let r = SlicingAccountant.rdpNoiseScale(epsilon: e, delta: d, projections: m)
      #expect(relative(r, row["sExactRdpImprovedConversion"]!) < 1e-3, "rdp m'=\(m) ε=\(e): \(r)")
      // The ordering of the three analyses: exact profile ≤ exact RDP ≤ Theorem 1.
      #expect(s <= r && r <= t)
    }
  }

  @Test("every profile point: δ(ε; s, m') to 1e-3")
  func profilePoints() {
    for row in TestVectors.rows("profilePoints") {
      let delta = SlicingAccountant.delta(
        epsilon: row["epsilon"]!, noiseScale: row["s"]!, projections: Int(row["mPrime"]!))
      #expect(relative(delta, row["deltaExactProfile"]!) < 1e-3, "\(row): \(delta)")
    }
  }

  @Test("every analytic Gaussian row: σ for unit sensitivity to 1e-3")
  func analyticGaussian() {
    for row in TestVectors.rows("analyticGaussian") {
      let sigma = GaussianMechanism.analyticSigma(epsilon: row["epsilon"]!, delta: row["delta"]!)
      #expect(relative(sigma, row["sigmaForUnitSensitivity"]!) < 1e-3, "\(row): \(sigma)")
    }
  }

  @Test("every combined row: s, μ_agg² and μ_total to 1e-3")
  func combined() {
    for row in TestVectors.rows("combined") {
      let c = SlicingAccountant.calibrateCombined(
        epsilon: row["epsilon"]!, delta: row["delta"]!, projections: Int(row["mPrime"]!),
        aggregateShare: row["aggregateShare"]!)
      #expect(relative(c.muTotal, row["muTotal"]!) < 1e-3, "\(row): \(c)")
      #expect(relative(c.noiseScale, row["s"]!) < 1e-3, "\(row): \(c)")
      #expect(relative(c.aggregateMuSquared, row["muAggregateSquared"]!) < 1e-3, "\(row): \(c)")
    }
  }

  @Test("combined special cases: share 0 is the slicing calibration, share 1 the Gaussian")
  func specialCases() {
    for row in TestVectors.rows("calibration").filter({ $0["delta"] == 1e-5 }).prefix(8) {
      let m = Int(row["mPrime"]!)
      let c = SlicingAccountant.calibrateCombined(
        epsilon: row["epsilon"]!, delta: row["delta"]!, projections: m, aggregateShare: 0)
      #expect(relative(c.noiseScale, row["sExactProfile"]!) < 1e-3)
    }
    for row in TestVectors.rows("analyticGaussian") {
      let c = SlicingAccountant.calibrateCombined(
        epsilon: row["epsilon"]!, delta: row["delta"]!, projections: 200, aggregateShare: 1)
      // μ_total = Δ/σ with Δ = 1; a √2-sensitivity count needs σ = √2/μ_total.
      #expect(relative(1 / c.muTotal, row["sigmaForUnitSensitivity"]!) < 1e-3)
      #expect(c.noiseScale == .infinity)
    }
  }

  @Test("Monte Carlo check of a mixed case (m' = 200, ε = 1, share 0.5)")
  func monteCarlo() {
    // δ(ε) = E_Q[δ_G(ε; √(Q/s² + μ_agg²))]: sample Q ~ χ²(200) as a sum of squared normals and
    // average δ_G. δ_G ≤ 1e-3 here, and its standard deviation over Q is below its mean's
    // scale (about 2e-5); with 20,000 draws the standard error is below 2e-7, so 5 % of
    // 1e-5 (5e-7) is more than 2.5 standard errors; the reference's own MC gave 1.02e-5.
    let c = SlicingAccountant.calibrateCombined(
      epsilon: 1, delta: 1e-5, projections: 200, aggregateShare: 0.5)
    var rng = ChaCha20(seed: 11)
    var normals = [Float](repeating: 0, count: 200)
    var sum = 0.0
    let draws = 20_000
    for _ in 0..<draws {
      normals.withUnsafeMutableBufferPointer {
        GaussianSampling.fill($0, standardDeviation: 1, using: &rng)
      }
      let q = normals.reduce(0.0) { $0 + Double($1) * Double($1) }
      let mu = (q / (c.noiseScale * c.noiseScale) + c.aggregateMuSquared).squareRoot()
      sum += GaussianMechanism.delta(epsilon: 1, mu: mu)
    }
    let estimate = sum / Double(draws)
    #expect(abs(estimate / 1e-5 - 1) < 0.05, "Monte Carlo δ = \(estimate)")
  }

  @Test("parameters are validated, NaN and infinity included")
  func validation() {
    for bad in [0, -1, .nan, .infinity] as [Double] {
      #expect(throws: PrivacyParameterError.self) { try PrivacyValidation.epsilon(bad) }
    }
    for bad in [0, 1, 2, -1e-5, .nan, .infinity] as [Double] {
      #expect(throws: PrivacyParameterError.self) { try PrivacyValidation.delta(bad) }
    }
    #expect(throws: Never.self) { try PrivacyValidation.epsilon(0.5) }
    #expect(throws: Never.self) { try PrivacyValidation.delta(1e-5) }
  }

  @Test("exact profile is tighter than Theorem 1 (1.86x less variance at m' = 200, ε = 1)")
  func tighter() {
    let profile = SlicingAccountant.calibrateNoiseScale(epsilon: 1, delta: 1e-5, projections: 200)
    let theorem = SlicingAccountant.theorem1NoiseScale(epsilon: 1, delta: 1e-5, projections: 200)
    #expect(abs(pow(theorem / profile, 2) - 1.86) < 0.01)
  }
}

@Suite("Release calibration")
struct ReleaseCalibrationTests {
  @Test("a fixed projection seed gets more noise than a secure one, and its bound is certified")
  func fixedSeed() throws {
    let d = 50, m = 40
    var rng = ChaCha20(seed: 3)
    var u = [Float](repeating: 0, count: d * m)
    u.withUnsafeMutableBufferPointer {
      GaussianSampling.fill($0, standardDeviation: Float(1 / Double(d).squareRoot()), using: &rng)
    }
    let random = try ReleaseCalibration.calibrate(
      epsilon: 1, delta: 1e-5, slices: m, sliceDim: 1, encodedWidth: d, accountant: .profile,
      neighbors: .replaceOne, subsampling: nil, fixedDirections: nil)
    let fixed = try ReleaseCalibration.calibrate(
      epsilon: 1, delta: 1e-5, slices: m, sliceDim: 1, encodedWidth: d, accountant: .profile,
      neighbors: .replaceOne, subsampling: nil, fixedDirections: u)
    #expect(fixed.sigma > random.sigma)
    #expect(fixed.accountant == .analyticGaussian)
    let upper = fixed.spectralNormBound!
    let lower = fixed.spectralNormLowerBound!
    #expect(lower <= upper)
    #expect(upper / lower < 1.005)  // the certified gap is small
    // Marchenko–Pastur: ‖U‖₂ ≈ (1 + √(m/d)) for N(0, 1/d) entries, here ≈ 1.89.
    #expect(abs(upper - (1 + (Double(m) / Double(d)).squareRoot())) < 0.3)
  }

  @Test("spectral bounds on a matrix with a known norm")
  func knownNorm() {
    // diag(3, 1, 0.5) padded: ‖U‖₂ = 3.
    var u = [Float](repeating: 0, count: 4 * 3)
    u[0] = 3
    u[4] = 1
    u[8] = 0.5
    let (lower, upper) = SpectralNorm.bounds(u, rows: 4, columns: 3)
    #expect(lower <= 3 + 1e-9 && upper >= 3)
    #expect(upper < 3 * 1.001)
  }

  @Test("subsampling calibrates the base mechanism for δ/q")
  func subsampling() throws {
    let full = try ReleaseCalibration.calibrate(
      epsilon: 1, delta: 1e-5, slices: 100, sliceDim: 2, encodedWidth: 108, accountant: .profile,
      neighbors: .replaceOne, subsampling: nil, fixedDirections: nil)
    let sub = try ReleaseCalibration.calibrate(
      epsilon: 1, delta: 1e-5, slices: 100, sliceDim: 2, encodedWidth: 108, accountant: .profile,
      neighbors: .replaceOne, subsampling: 0.25, fixedDirections: nil)
    // The base mechanism's δ is δ/q⁺ with q⁺ = q + 2^-53 (the coin's resolution), less the
    // implementation margin (ImplementationMargin.swift).
    let baseDelta = 1e-5 / (0.25 + 0x1p-53)
    let shift = ShiftMargin.randomDirections(encodedWidth: 108, projections: 200)
    let margin = ImplementationMargin(affectedValues: 200, delta: baseDelta, shift: shift)
    let s = SlicingAccountant.calibrateNoiseScale(
      epsilon: try margin.idealEpsilon(1), delta: margin.idealDelta(baseDelta), projections: 200,
      shift: shift)
    #expect(relative(sub.sigma * 108.0.squareRoot(), s) < 1e-9)
    #expect(
      relative(
        s,
        SlicingAccountant.calibrateNoiseScale(
          epsilon: 1, delta: 4e-5, projections: 200)) < 1e-3)
    #expect(sub.sigma < full.sigma)
  }
}
