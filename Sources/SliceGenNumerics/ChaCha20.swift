// ChaCha20 (RFC 8439, 20 rounds) as a random number generator. slicegen uses it twice:
// keyed from the operating system for privacy noise (SecureNoise, in SliceGenPrivacy), and keyed
// from a public seed for things that must be reproducible (the projection directions U, training).
// Tested against the RFC 8439 §2.3.2 block vector. Not a cipher API: no encryption here.

/// The ChaCha20 keystream as 64-bit words.
public struct ChaCha20: RandomNumberGenerator, Sendable {
  // Rows of the 4×4 state: constants, key (two rows), counter+nonce.
  private var key0: SIMD4<UInt32>
  private var key1: SIMD4<UInt32>
  private var counterNonce: SIMD4<UInt32>
  private var block = SIMD16<UInt32>()
  private var index = 16

  private static let constants = SIMD4<UInt32>(0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574)

  /// - Parameters:
  ///   - key: 32 bytes.
  ///   - nonce: 12 bytes.
  ///   - counter: the first block counter.
  public init(key: [UInt8], nonce: [UInt8] = [UInt8](repeating: 0, count: 12), counter: UInt32 = 0) {
    precondition(key.count == 32, "ChaCha20 needs a 32-byte key")
    precondition(nonce.count == 12, "ChaCha20 needs a 12-byte nonce")
    func word(_ bytes: [UInt8], _ i: Int) -> UInt32 {
      UInt32(bytes[4 * i]) | UInt32(bytes[4 * i + 1]) << 8 | UInt32(bytes[4 * i + 2]) << 16
        | UInt32(bytes[4 * i + 3]) << 24
    }
    key0 = SIMD4(word(key, 0), word(key, 1), word(key, 2), word(key, 3))
    key1 = SIMD4(word(key, 4), word(key, 5), word(key, 6), word(key, 7))
    counterNonce = SIMD4(counter, word(nonce, 0), word(nonce, 1), word(nonce, 2))
  }

  /// A generator for a public seed: key = the seed's 8 little-endian bytes then 24 zero bytes,
  /// nonce 0, counter 0. Used for U (reproducible from the seed recorded in the release).
  public init(seed: UInt64) {
    var key = [UInt8](repeating: 0, count: 32)
    for i in 0..<8 { key[i] = UInt8(truncatingIfNeeded: seed >> (8 * UInt64(i))) }
    self.init(key: key)
  }

  @inline(__always)
  private static func rotl(_ x: UInt32, _ n: UInt32) -> UInt32 { (x &<< n) | (x &>> (32 &- n)) }

  @inline(__always)
  private static func quarter(
    _ a: inout UInt32, _ b: inout UInt32, _ c: inout UInt32, _ d: inout UInt32
  ) {
    a = a &+ b; d ^= a; d = rotl(d, 16)
    c = c &+ d; b ^= c; b = rotl(b, 12)
    a = a &+ b; d ^= a; d = rotl(d, 8)
    c = c &+ d; b ^= c; b = rotl(b, 7)
  }

  /// The next 64-byte block (16 words) of keystream; advances the counter.
  public mutating func nextBlock() -> SIMD16<UInt32> {
    let k = Self.constants
    var x0 = k[0], x1 = k[1], x2 = k[2], x3 = k[3]
    var x4 = key0[0], x5 = key0[1], x6 = key0[2], x7 = key0[3]
    var x8 = key1[0], x9 = key1[1], x10 = key1[2], x11 = key1[3]
    var x12 = counterNonce[0], x13 = counterNonce[1], x14 = counterNonce[2], x15 = counterNonce[3]
    for _ in 0..<10 {
      Self.quarter(&x0, &x4, &x8, &x12)   // columns
      Self.quarter(&x1, &x5, &x9, &x13)
      Self.quarter(&x2, &x6, &x10, &x14)
      Self.quarter(&x3, &x7, &x11, &x15)
      Self.quarter(&x0, &x5, &x10, &x15)  // diagonals
      Self.quarter(&x1, &x6, &x11, &x12)
      Self.quarter(&x2, &x7, &x8, &x13)
      Self.quarter(&x3, &x4, &x9, &x14)
    }
    let a = SIMD4(x0, x1, x2, x3) &+ k
    let b = SIMD4(x4, x5, x6, x7) &+ key0
    let c = SIMD4(x8, x9, x10, x11) &+ key1
    let d = SIMD4(x12, x13, x14, x15) &+ counterNonce
    counterNonce[0] &+= 1
    return SIMD16(lowHalf: SIMD8(lowHalf: a, highHalf: b), highHalf: SIMD8(lowHalf: c, highHalf: d))
  }

  /// 64 bits of keystream (two consecutive little-endian words).
  @inline(__always)
  public mutating func next() -> UInt64 {
    if index > 14 {
      block = nextBlock()
      index = 0
    }
    let value = UInt64(block[index]) | UInt64(block[index &+ 1]) << 32
    index &+= 2
    return value
  }
}
