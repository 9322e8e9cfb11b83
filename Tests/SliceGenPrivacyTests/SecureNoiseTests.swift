import Foundation
import Testing

@testable import SliceGenPrivacy

@Suite("Secure noise")
struct SecureNoiseTests {
  @Test("two sources keyed by the OS give different noise; test sources are reproducible")
  func keys() {
    var a = SecureNoise(), b = SecureNoise()
    let zeros = [Double](repeating: 0, count: 64)
    let x = a.snappedGaussian(zeros, sigma: 1, grid: SnappedGaussian.grid(sigma: 1))
    let y = b.snappedGaussian(zeros, sigma: 1, grid: SnappedGaussian.grid(sigma: 1))
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

  @Test("noise streams: one number gives the same values, distinct numbers and keys differ")
  func streams() {
    var source = SecureNoise.insecureForTesting(seed: 4)
    var again = SecureNoise.insecureForTesting(seed: 4)
    let a = source.gaussianStreams(), b = again.gaussianStreams()
    let c = source.gaussianStreams()  // the next key from the same source
    #expect(!a.isPrivate)
    var secure = SecureNoise()
    #expect(secure.gaussianStreams().isPrivate)
    func draw(_ s: GaussianNoiseStreams, _ t: UInt64) -> [Float] {
      var x = [Float](repeating: 0, count: 257)
      x.withUnsafeMutableBufferPointer {
        s.addSnappedGaussian(to: $0, sigma: 1, grid: SnappedGaussian.grid(sigma: 1), stream: t)
      }
      return x
    }
    #expect(draw(a, 0) == draw(b, 0))
    #expect(draw(a, 0) != draw(a, 1))
    #expect(draw(a, 1 << 32) != draw(a, 0))
    #expect(draw(a, 0) != draw(c, 0))
    // Stream values are independent N(0, 1): 64 streams × 257 values, variance within 5 SE.
    var sumSquares = 0.0
    for t in 0..<64 as Range<UInt64> { sumSquares += draw(a, t).reduce(0) { $0 + Double($1 * $1) } }
    let count = 64.0 * 257
    #expect(abs(sumSquares / count - 1) < 5 * (2 / count).squareRoot())
  }
}
