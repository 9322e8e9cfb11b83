// ChaCha20 (RFC 8439, 20 rounds) as a random number generator. slicegen uses it twice:
// keyed from the operating system for privacy noise (SecureNoise, in SliceGenPrivacy), and keyed
// from a public seed for things that must be reproducible (the projection directions U, training).
// Tested against the RFC 8439 §2.3.2 block vector. Not a cipher API: no encryption here.
//
// Two block functions, held together by RandomTests: `nextBlock()`, the plain one (one block in
// sixteen scalar words), and `fillBlocks(_:count:)`, which computes sixteen consecutive blocks at
// once with block j of a group in lane j of sixteen `SIMD16<UInt32>` state words (the counter
// differs per lane, everything else is shared), then transposes them into keystream order. Bulk
// consumers (the release noise) use the second; `next()` uses the first.

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
  /// A generator from key and nonce words (little-endian words of the byte forms above).
  public init(keyWords: SIMD8<UInt32>, nonceWords: SIMD3<UInt32>, counter: UInt32 = 0) {
    key0 = keyWords.lowHalf
    key1 = keyWords.highHalf
    counterNonce = SIMD4(counter, nonceWords[0], nonceWords[1], nonceWords[2])
  }

  public init(key: [UInt8], nonce: [UInt8] = [UInt8](repeating: 0, count: 12), counter: UInt32 = 0)
  {
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
    a = a &+ b
    d ^= a
    d = rotl(d, 16)
    c = c &+ d
    b ^= c
    b = rotl(b, 12)
    a = a &+ b
    d ^= a
    d = rotl(d, 8)
    c = c &+ d
    b ^= c
    b = rotl(b, 7)
  }

  /// The next 64-byte block (16 words) of keystream; advances the counter.
  public mutating func nextBlock() -> SIMD16<UInt32> {
    let k = Self.constants
    var x0 = k[0], x1 = k[1], x2 = k[2], x3 = k[3]
    var x4 = key0[0], x5 = key0[1], x6 = key0[2], x7 = key0[3]
    var x8 = key1[0], x9 = key1[1], x10 = key1[2], x11 = key1[3]
    var x12 = counterNonce[0], x13 = counterNonce[1], x14 = counterNonce[2], x15 = counterNonce[3]
    for _ in 0..<10 {
      Self.quarter(&x0, &x4, &x8, &x12)  // columns
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

  /// The next `count` blocks of keystream in keystream order (16·count words) into `out`; the
  /// counter advances by `count`. Exactly the words of `count` calls of `nextBlock()`, computed
  /// sixteen blocks at a time. Independent of `next()`'s partly used block: do not interleave
  /// the two on one generator unless that is what you mean.
  /// - Complexity: O(count); about 1 KiB of keystream per group of sixteen blocks.
  public mutating func fillBlocks(_ out: UnsafeMutablePointer<UInt32>, count: Int) {
    precondition(count >= 0)
    var done = 0
    while count &- done >= 16 {
      sixteenBlocks(into: out + done &* 16)
      counterNonce[0] &+= 16
      done &+= 16
    }
    while done < count {
      let b = nextBlock()
      for i in 0..<16 { out[done &* 16 &+ i] = b[i] }
      done &+= 1
    }
  }

  @inline(__always)
  private static func rotl(_ x: SIMD16<UInt32>, _ n: UInt32) -> SIMD16<UInt32> {
    (x &<< n) | (x &>> (32 &- n))
  }

  @inline(__always)
  private static func quarter(
    _ a: inout SIMD16<UInt32>, _ b: inout SIMD16<UInt32>, _ c: inout SIMD16<UInt32>,
    _ d: inout SIMD16<UInt32>
  ) {
    a &+= b
    d ^= a
    d = rotl(d, 16)
    c &+= d
    b ^= c
    b = rotl(b, 12)
    a &+= b
    d ^= a
    d = rotl(d, 8)
    c &+= d
    b ^= c
    b = rotl(b, 7)
  }

  /// Sixteen blocks with counters counter ..< counter + 16 (wrapping, as `nextBlock()` does).
  private func sixteenBlocks(into out: UnsafeMutablePointer<UInt32>) {
    let k = Self.constants
    let lanes = SIMD16<UInt32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
    // Initial state word i, broadcast (lane j = block j).
    let s0 = SIMD16(repeating: k[0]), s1 = SIMD16(repeating: k[1])
    let s2 = SIMD16(repeating: k[2]), s3 = SIMD16(repeating: k[3])
    let s4 = SIMD16(repeating: key0[0]), s5 = SIMD16(repeating: key0[1])
    let s6 = SIMD16(repeating: key0[2]), s7 = SIMD16(repeating: key0[3])
    let s8 = SIMD16(repeating: key1[0]), s9 = SIMD16(repeating: key1[1])
    let s10 = SIMD16(repeating: key1[2]), s11 = SIMD16(repeating: key1[3])
    let s12 = SIMD16(repeating: counterNonce[0]) &+ lanes
    let s13 = SIMD16(repeating: counterNonce[1]), s14 = SIMD16(repeating: counterNonce[2])
    let s15 = SIMD16(repeating: counterNonce[3])
    var x0 = s0, x1 = s1, x2 = s2, x3 = s3, x4 = s4, x5 = s5, x6 = s6, x7 = s7
    var x8 = s8, x9 = s9, x10 = s10, x11 = s11, x12 = s12, x13 = s13, x14 = s14, x15 = s15
    for _ in 0..<10 {
      Self.quarter(&x0, &x4, &x8, &x12)  // columns
      Self.quarter(&x1, &x5, &x9, &x13)
      Self.quarter(&x2, &x6, &x10, &x14)
      Self.quarter(&x3, &x7, &x11, &x15)
      Self.quarter(&x0, &x5, &x10, &x15)  // diagonals
      Self.quarter(&x1, &x6, &x11, &x12)
      Self.quarter(&x2, &x7, &x8, &x13)
      Self.quarter(&x3, &x4, &x9, &x14)
    }
    // Transpose: word i of block j is lane j of x_i.
    @inline(__always) func put(_ x: SIMD16<UInt32>, _ i: Int) {
      for j in 0..<16 { out[j &* 16 &+ i] = x[j] }
    }
    put(x0 &+ s0, 0)
    put(x1 &+ s1, 1)
    put(x2 &+ s2, 2)
    put(x3 &+ s3, 3)
    put(x4 &+ s4, 4)
    put(x5 &+ s5, 5)
    put(x6 &+ s6, 6)
    put(x7 &+ s7, 7)
    put(x8 &+ s8, 8)
    put(x9 &+ s9, 9)
    put(x10 &+ s10, 10)
    put(x11 &+ s11, 11)
    put(x12 &+ s12, 12)
    put(x13 &+ s13, 13)
    put(x14 &+ s14, 14)
    put(x15 &+ s15, 15)
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

/// A ChaCha20 keystream read sixteen blocks at a time (`ChaCha20.fillBlocks`): the same 64-bit
/// values, in the same order, as `next()` on the generator it was made from (RandomTests holds
/// them together), at the bulk kernel's speed.
public struct BufferedChaCha20: RandomNumberGenerator {
  private var generator: ChaCha20
  private var words: [UInt32]
  private var index: Int

  /// Reads the keystream of `generator`, which must not have handed out any value yet.
  public init(_ generator: ChaCha20) {
    self.generator = generator
    words = [UInt32](repeating: 0, count: 256)
    index = 256
  }

  @inline(__always)
  public mutating func next() -> UInt64 {
    if index == 256 {
      words.withUnsafeMutableBufferPointer { generator.fillBlocks($0.baseAddress!, count: 16) }
      index = 0
    }
    let value = UInt64(words[index]) | UInt64(words[index &+ 1]) << 32
    index &+= 2
    return value
  }
}
