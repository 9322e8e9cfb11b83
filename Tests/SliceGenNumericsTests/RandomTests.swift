import Foundation
import SliceGenNumerics
import Testing

@Suite("ChaCha20 and Gaussian sampling")
struct RandomTests {
  @Test("RFC 8439 §2.3.2 block test vector")
  func rfcVector() {
    var rng = ChaCha20(
      key: Array(0..<32), nonce: [0, 0, 0, 9, 0, 0, 0, 0x4a, 0, 0, 0, 0], counter: 1)
    let block = rng.nextBlock()
    var bytes: [UInt8] = []
    for i in 0..<16 {
      for s in [0, 8, 16, 24] as [UInt32] { bytes.append(UInt8(truncatingIfNeeded: block[i] >> s)) }
    }
    let hex = bytes.map { String(format: "%02x", $0) }.joined()
    #expect(
      hex == "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e"
        + "d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e")
  }

  @Test("a seeded generator matches an independent ChaCha20 (Python cryptography) keystream")
  func seeded() {
    // key = 7 as 8 little-endian bytes + 24 zeros, nonce 0, counter 0; first 32 bytes.
    var rng = ChaCha20(seed: 7)
    var bytes: [UInt8] = []
    for _ in 0..<4 {
      let v = rng.next()
      for s in stride(from: 0, to: 64, by: 8) {
        bytes.append(UInt8(truncatingIfNeeded: v >> UInt64(s)))
      }
    }
    #expect(
      bytes.map { String(format: "%02x", $0) }.joined()
        == "f19ee3b965429844e496af300ed6cb0ddf11e75412e4252c931663e75593c729")
    var a = ChaCha20(seed: 1), b = ChaCha20(seed: 1), c = ChaCha20(seed: 2)
    let xs = (0..<10).map { _ in a.next() }
    #expect(xs == (0..<10).map { _ in b.next() })
    #expect(xs != (0..<10).map { _ in c.next() })
  }

  @Test("Gaussian moments and a Kolmogorov–Smirnov test")
  func gaussian() {
    let n = 200_000
    var rng = ChaCha20(seed: 42)
    var x = [Float](repeating: 0, count: n)
    x.withUnsafeMutableBufferPointer {
      GaussianSampling.fill($0, standardDeviation: 2, using: &rng)
    }
    let z = x.map { Double($0) / 2 }
    let mean = z.reduce(0, +) / Double(n)
    let variance = z.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)
    let kurtosis = z.reduce(0) { $0 + pow($1 - mean, 4) } / Double(n) / (variance * variance)
    // Standard errors for N(0, 1): mean 1/√n = 0.0022, variance √(2/n) = 0.0032,
    // kurtosis √(24/n) = 0.011. Tolerance 5 standard errors each.
    #expect(abs(mean) < 5 / Double(n).squareRoot())
    #expect(abs(variance - 1) < 5 * (2 / Double(n)).squareRoot())
    #expect(abs(kurtosis - 3) < 5 * (24 / Double(n)).squareRoot())
    // KS: D_n > c/√n with c = √(−ln(α/2)/2); α = 1e-6 gives c = 2.63.
    let sorted = z.sorted()
    var d = 0.0
    for (i, v) in sorted.enumerated() {
      let cdf = 0.5 * erfc(-v / 2.0.squareRoot())
      d = max(d, abs(cdf - Double(i) / Double(n)), abs(cdf - Double(i + 1) / Double(n)))
    }
    #expect(d < 2.63 / Double(n).squareRoot(), "KS statistic \(d)")
  }

  @Test("adding noise in place has the stated σ around the original values")
  func addNoise() {
    var rng = ChaCha20(seed: 5)
    var x = [Float](repeating: 3, count: 100_000)
    x.withUnsafeMutableBufferPointer {
      GaussianSampling.addNoise(to: $0, standardDeviation: 0.5, using: &rng)
    }
    let residual = x.map { Double($0) - 3 }
    let sd = (residual.reduce(0) { $0 + $1 * $1 } / Double(x.count)).squareRoot()
    // Relative SE of a standard deviation: 1/√(2n) = 0.22 %; 5 SE.
    #expect(abs(sd / 0.5 - 1) < 5 / (2 * Double(x.count)).squareRoot())
  }

  @Test("sixteen-lane ChaCha20 blocks equal scalar blocks across group boundaries and counter wrap")
  func multiBlock() {
    let key: [UInt8] = (0..<32).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
    let nonce: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
    for start in [0, 1, 0xFFFF_FFF5] as [UInt32] {
      for count in [0, 1, 15, 16, 17, 31, 32, 33, 47, 50] {
        var scalar = ChaCha20(key: key, nonce: nonce, counter: start)
        var bulk = scalar
        var expected: [UInt32] = []
        for _ in 0..<count {
          let b = scalar.nextBlock()
          for i in 0..<16 { expected.append(b[i]) }
        }
        var got = [UInt32](repeating: 0, count: 16 * count + 1)
        got.withUnsafeMutableBufferPointer { bulk.fillBlocks($0.baseAddress!, count: count) }
        #expect(Array(got.prefix(16 * count)) == expected, "start \(start), count \(count)")
        #expect(got[16 * count] == 0, "wrote past the end")
        // Both generators are now at the same counter.
        #expect(bulk.nextBlock() == scalar.nextBlock())
      }
    }
  }

  @Test("sixteen-lane ChaCha20 reproduces the RFC 8439 §2.3.2 block in every lane position")
  func multiBlockRFC() {
    let nonce: [UInt8] = [0, 0, 0, 9, 0, 0, 0, 0x4a, 0, 0, 0, 0]
    for lane in [0, 5, 15] {
      // Start `lane` blocks early so that the RFC's block (counter 1) falls in that lane.
      var rng = ChaCha20(key: Array(0..<32), nonce: nonce, counter: 1 &- UInt32(lane))
      var words = [UInt32](repeating: 0, count: 16 * 16)
      words.withUnsafeMutableBufferPointer { rng.fillBlocks($0.baseAddress!, count: 16) }
      var bytes: [UInt8] = []
      for i in 0..<16 {
        for s in [0, 8, 16, 24] as [UInt32] {
          bytes.append(UInt8(truncatingIfNeeded: words[16 * lane + i] >> s))
        }
      }
      #expect(
        bytes.map { String(format: "%02x", $0) }.joined()
          == "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e"
          + "d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e")
    }
  }

  @Test("the buffered keystream hands out next()'s values in next()'s order")
  func buffered() {
    for seed in [0, 1, 77] as [UInt64] {
      var plain = ChaCha20(seed: seed)
      var buffered = BufferedChaCha20(ChaCha20(seed: seed))
      let a = (0..<1001).map { _ in plain.next() }
      let b = (0..<1001).map { _ in buffered.next() }
      #expect(a == b, "seed \(seed)")
    }
  }
}
