import Foundation
import Testing

@testable import SliceGen
@testable import SliceGenPrivacy

/// Standard normal draws from a seeded generator (Box–Muller), for noisy lines in tests.
private struct Normals {
  var rng: SplitMix
  mutating func next() -> Double {
    let u = max(Double(rng.next() >> 11) * 0x1p-53, 0x1p-60)
    let v = Double(rng.next() >> 11) * 0x1p-53
    return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
  }
}

private struct SplitMix: RandomNumberGenerator {
  var state: UInt64
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

@Suite("Noisy support")
struct NoisySupportTests {
  @Test("without noise: the detected cells, cut at the 0.5 % quantiles")
  func exact() {
    // 1000 rows on cells 3…6 and 4 rows (0.4 % of the mass) on cell 9: a window holding cell 9
    // alone is detected (σ tiny), then cut by the quantile at the top.
    var line = [Double](repeating: 0, count: 12)
    line[3] = 100
    line[4] = 400
    line[5] = 400
    line[6] = 100
    line[9] = 4
    #expect(NoisySupport.support(line, sigma: 0.01, threshold: 5) == 3..<7)
    line[9] = 40  // 3.8 %: kept
    #expect(NoisySupport.support(line, sigma: 0.01, threshold: 5) == 3..<10)
    // Nothing detected.
    #expect(NoisySupport.support([Double](repeating: 0, count: 12), sigma: 1, threshold: 5) == nil)
  }

  @Test("a thin tail that no single cell shows is found by a wider window")
  func pooledTail() {
    // σ = 100, τ = 5: a cell needs 500. The tail spreads 1,600 rows over 8 cells (200 each):
    // no cell passes, the 8-cell window has 1,600 > 5·100·√8 = 1,414.
    var line = [Double](repeating: 0, count: 40)
    line[10] = 20_000
    for i in 20..<28 { line[i] = 200 }
    let support = NoisySupport.support(line, sigma: 100, threshold: 5)
    #expect(support == 10..<28)
    // A window that overlaps the core proves nothing beyond it: with the tail gone, the core's
    // own wide windows do not widen the support.
    for i in 20..<28 { line[i] = 0 }
    #expect(NoisySupport.support(line, sigma: 100, threshold: 5) == 10..<11)
  }

  @Test("windows never hold cells on both sides of zero")
  func zeroSplit() {
    let line: [Double] = [0, 0, 0, 300, 300, 300, 0, 0]  // zero at index 3
    for window in NoisySupport.windows(line, sigma: 1, zero: 3) {
      #expect(!(window.start < 3 && window.end > 4), "\(window)")
    }
    #expect(NoisySupport.windows(line, sigma: 1).contains { $0.start < 3 && $0.end > 4 })
  }

  @Test("pure noise gives a false support rarely: τ(C = 1) over 300 noisy lines of 256 cells")
  func falseDetections() {
    // τ is set so that a table of C columns (3 lines of 256 cells each) sees a false detection
    // with probability ≤ 1 %; one line with C = 1 has probability ≤ 1/3 %, so 300 lines expect
    // ≤ 1 false support; P(≥ 5 | mean 1) < 0.4 %.
    let tau = NoisySupport.threshold(columns: 1)
    #expect(tau > 3.5 && tau < 4.5, "\(tau)")
    var normals = Normals(rng: SplitMix(state: 7))
    var falseSupports = 0
    for _ in 0..<300 {
      let line = (0..<256).map { _ in normals.next() }
      if NoisySupport.support(line, sigma: 1, threshold: tau) != nil { falseSupports += 1 }
    }
    #expect(falseSupports < 5)
  }

  @Test("the threshold grows with the number of columns (Bonferroni over windows)")
  func thresholdGrows() {
    let a = NoisySupport.threshold(columns: 15)
    let b = NoisySupport.threshold(columns: 86)
    #expect(a < b && b < 6)
    let tests = Double(86 * 3 * NoisySupport.windowCount(length: 256))
    #expect(GaussianMechanism.normalCDF(-b) * tests <= NoisySupport.falseDetectionRate * (1 + 1e-9))
  }
}
