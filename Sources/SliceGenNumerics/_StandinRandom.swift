// TEMPORARY stand-in until the noise helper's ChaCha20/GaussianSampling land. Not for commit.
import Foundation

public struct ChaCha20: RandomNumberGenerator {
  var key: [UInt32]
  var nonce: [UInt32]
  var counter: UInt32
  var block = [UInt32](repeating: 0, count: 16)
  var index = 16

  public init(key: [UInt8], nonce: [UInt8] = [UInt8](repeating: 0, count: 12), counter: UInt32 = 0) {
    precondition(key.count == 32 && nonce.count == 12)
    self.key = (0..<8).map { i in (0..<4).reduce(UInt32(0)) { $0 | UInt32(key[4 * i + $1]) << (8 * UInt32($1)) } }
    self.nonce = (0..<3).map { i in (0..<4).reduce(UInt32(0)) { $0 | UInt32(nonce[4 * i + $1]) << (8 * UInt32($1)) } }
    self.counter = counter
  }

  public init(seed: UInt64) {
    var key = [UInt8](repeating: 0, count: 32)
    for i in 0..<8 { key[i] = UInt8(truncatingIfNeeded: seed >> (8 * UInt64(i))) }
    self.init(key: key)
  }

  mutating func refill() {
    var s: [UInt32] = [0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574] + key + [counter] + nonce
    let initial = s
    @inline(__always) func qr(_ s: inout [UInt32], _ a: Int, _ b: Int, _ c: Int, _ d: Int) {
      s[a] &+= s[b]; s[d] ^= s[a]; s[d] = (s[d] << 16) | (s[d] >> 16)
      s[c] &+= s[d]; s[b] ^= s[c]; s[b] = (s[b] << 12) | (s[b] >> 20)
      s[a] &+= s[b]; s[d] ^= s[a]; s[d] = (s[d] << 8) | (s[d] >> 24)
      s[c] &+= s[d]; s[b] ^= s[c]; s[b] = (s[b] << 7) | (s[b] >> 25)
    }
    for _ in 0..<10 {
      qr(&s, 0, 4, 8, 12); qr(&s, 1, 5, 9, 13); qr(&s, 2, 6, 10, 14); qr(&s, 3, 7, 11, 15)
      qr(&s, 0, 5, 10, 15); qr(&s, 1, 6, 11, 12); qr(&s, 2, 7, 8, 13); qr(&s, 3, 4, 9, 14)
    }
    for i in 0..<16 { block[i] = s[i] &+ initial[i] }
    counter &+= 1
    index = 0
  }

  public mutating func next() -> UInt64 {
    if index > 14 { refill() }
    let v = UInt64(block[index]) | UInt64(block[index + 1]) << 32
    index += 2
    return v
  }
}

public enum GaussianSampling {
  public static func fill(_ out: UnsafeMutableBufferPointer<Float>, standardDeviation: Float,
                          using rng: inout some RandomNumberGenerator) {
    var i = 0
    while i < out.count {
      let u1 = (Double(rng.next() >> 11) + 0.5) * 0x1p-53
      let u2 = Double(rng.next() >> 11) * 0x1p-53
      let r = (-2 * log(u1)).squareRoot()
      out[i] = Float(r * cos(2 * .pi * u2)) * standardDeviation
      if i + 1 < out.count { out[i + 1] = Float(r * sin(2 * .pi * u2)) * standardDeviation }
      i += 2
    }
  }
  public static func addNoise(to out: UnsafeMutableBufferPointer<Float>, standardDeviation: Float,
                              using rng: inout some RandomNumberGenerator) {
    var i = 0
    while i < out.count {
      let u1 = (Double(rng.next() >> 11) + 0.5) * 0x1p-53
      let u2 = Double(rng.next() >> 11) * 0x1p-53
      let r = (-2 * log(u1)).squareRoot()
      out[i] += Float(r * cos(2 * .pi * u2)) * standardDeviation
      if i + 1 < out.count { out[i + 1] += Float(r * sin(2 * .pi * u2)) * standardDeviation }
      i += 2
    }
  }
}
