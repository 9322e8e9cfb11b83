import Foundation
import Testing
@testable import SliceGenPrivacy

@Suite("Secure noise")
struct SecureNoiseTests {
  @Test("two sources keyed by the OS give different noise; test sources are reproducible")
  func keys() {
    var a = SecureNoise(), b = SecureNoise()
    var x = [Float](repeating: 0, count: 64), y = [Float](repeating: 0, count: 64)
    x.withUnsafeMutableBufferPointer { a.addGaussian(to: $0, sigma: 1) }
    y.withUnsafeMutableBufferPointer { b.addGaussian(to: $0, sigma: 1) }
    #expect(x != y)
    #expect(a.isPrivate && b.isPrivate)
    var t1 = SecureNoise.insecureForTesting(seed: 9), t2 = SecureNoise.insecureForTesting(seed: 9)
    #expect(!t1.isPrivate)
    #expect((0..<8).map { _ in t1.randomSeed() } == (0..<8).map { _ in t2.randomSeed() })
  }

  @Test("bounded integers are uniform (χ² over 10 cells)")
  func uniform() {
    var noise = SecureNoise.insecureForTesting(seed: 1)
    var counts = [Int](repeating: 0, count: 10)
    let n = 100_000
    for _ in 0..<n { counts[noise.uniformInt(below: 10)] += 1 }
    let expected = Double(n) / 10
    let chi2 = counts.reduce(0.0) { $0 + pow(Double($1) - expected, 2) / expected }
    // χ²(9): P(X > 33.7) ≈ 1e-4.
    #expect(chi2 < 33.7)
  }

  @Test("coins have the stated probability")
  func coins() {
    var noise = SecureNoise.insecureForTesting(seed: 2)
    let n = 100_000
    let hits = (0..<n).filter { _ in noise.includes(probability: 0.25) }.count
    // Binomial SE √(n·q(1−q)) = 137; 5 SE.
    #expect(abs(Double(hits) - 25_000) < 5 * 137)
  }
}
