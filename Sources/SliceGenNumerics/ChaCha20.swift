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
  private static func rotate(_ x: SIMD4<UInt32>, _ n: UInt32) -> SIMD4<UInt32> {
    (x &<< n) | (x &>> (32 &- n))
  }

  /// One quarter round on four columns at once (rows a, b, c, d).
  @inline(__always)
  private static func quarter(
    _ a: inout SIMD4<UInt32>, _ b: inout SIMD4<UInt32>, _ c: inout SIMD4<UInt32>,
    _ d: inout SIMD4<UInt32>
  ) {
    a &+= b; d ^= a; d = rotate(d, 16)
    c &+= d; b ^= c; b = rotate(b, 12)
    a &+= b; d ^= a; d = rotate(d, 8)
    c &+= d; b ^= c; b = rotate(b, 7)
  }

  /// The next 64-byte block (16 words) of keystream; advances the counter.
  public mutating func nextBlock() -> SIMD16<UInt32> {
    var a = Self.constants, b = key0, c = key1, d = counterNonce
    for _ in 0..<10 {
      Self.quarter(&a, &b, &c, &d)  // column round
      // Diagonal round: rotate rows b, c, d left by 1, 2, 3 lanes, do columns, rotate back.
      b = SIMD4(b[1], b[2], b[3], b[0])
      c = SIMD4(c[2], c[3], c[0], c[1])
      d = SIMD4(d[3], d[0], d[1], d[2])
      Self.quarter(&a, &b, &c, &d)
      b = SIMD4(b[3], b[0], b[1], b[2])
      c = SIMD4(c[2], c[3], c[0], c[1])
      d = SIMD4(d[1], d[2], d[3], d[0])
    }
    a &+= Self.constants
    b &+= key0
    c &+= key1
    d &+= counterNonce
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
