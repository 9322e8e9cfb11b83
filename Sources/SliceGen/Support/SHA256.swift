// SHA-256 (FIPS 180-4), used for the checksums of release and model files. Integrity only: it
// detects truncation and corruption; it is not a signature. Streaming: feed bytes with `update`,
// read the digest with `finalize`. Tested against the FIPS example vectors in SHA256Tests.swift.
//
// Two compression functions: `compressReference`, the FIPS 180-4 text as a loop (64-word schedule,
// rotating a…h by assignment), and `compress(_:blocks:)`, the one in use: many blocks per call with
// the constants and a 16-word ring schedule hoisted, the 64 rounds unrolled in groups of eight
// with the roles of a…h renamed instead of moved. SHA256Tests holds them together.

/// Incremental SHA-256.
public struct SHA256 {
  private var state: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (
    0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab,
    0x5be0_cd19
  )
  private var buffer = [UInt8](repeating: 0, count: 64)
  private var buffered = 0
  private var length: UInt64 = 0

  public init() {}

  private static let k: [UInt32] = [
    0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4,
    0xab1c_5ed5, 0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe,
    0x9bdc_06a7, 0xc19b_f174, 0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f,
    0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da, 0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7,
    0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967, 0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc,
    0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85, 0xa2bf_e8a1, 0xa81a_664b,
    0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070, 0x19a4_c116,
    0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
    0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7,
    0xc671_78f2,
  ]

  /// Adds bytes to the message.
  public mutating func update(_ bytes: UnsafeRawBufferPointer) {
    guard var p = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
    var count = bytes.count
    length &+= UInt64(count)
    if buffered > 0 {
      let take = min(64 - buffered, count)
      for i in 0..<take { buffer[buffered + i] = p[i] }
      buffered += take
      p += take
      count -= take
      guard buffered == 64 else { return }  // all input fit in the partial block
      buffer.withUnsafeBufferPointer { compress($0.baseAddress!, blocks: 1) }
      buffered = 0
    }
    if count >= 64 {
      let blocks = count / 64
      compress(p, blocks: blocks)
      p += 64 * blocks
      count -= 64 * blocks
    }
    for i in 0..<count { buffer[i] = p[i] }
    buffered = count
  }

  public mutating func update(_ bytes: [UInt8]) {
    bytes.withUnsafeBytes { update($0) }
  }

  /// Pads, finishes and returns the 32-byte digest.
  public mutating func finalize() -> [UInt8] {
    let bitLength = length &* 8
    var padding: [UInt8] = [0x80]
    let afterOne = (Int(length % 64) + 1) % 64
    let zeros = afterOne <= 56 ? 56 - afterOne : 120 - afterOne
    padding += [UInt8](repeating: 0, count: zeros)
    for shift in stride(from: 56, through: 0, by: -8) {
      padding.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift)))
    }
    let savedLength = length
    update(padding)
    length = savedLength
    precondition(buffered == 0)
    var out: [UInt8] = []
    out.reserveCapacity(32)
    for word in [state.0, state.1, state.2, state.3, state.4, state.5, state.6, state.7] {
      out += [
        UInt8(word >> 24), UInt8(truncatingIfNeeded: word >> 16),
        UInt8(truncatingIfNeeded: word >> 8), UInt8(truncatingIfNeeded: word),
      ]
    }
    return out
  }

  /// The hex digest of `bytes`.
  public static func hex(_ bytes: [UInt8]) -> String {
    var hasher = SHA256()
    hasher.update(bytes)
    return hexText(hasher.finalize())
  }

  /// A digest (or any bytes) as lowercase hex text, two digits per byte.
  public static func hexText(_ digest: [UInt8]) -> String {
    digest.map { String(format: "%02x", $0) }.joined()
  }

  @inline(__always)
  private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 &- n)) }

  /// The plain FIPS 180-4 compression of one block (the reference for `compress(_:blocks:)`).
  mutating func compressReference(_ block: UnsafePointer<UInt8>) {
    var state = self.state
    withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
      Self.k.withUnsafeBufferPointer { k in
        for t in 0..<16 {
          let b = block + 4 * t
          w[t] = UInt32(b[0]) << 24 | UInt32(b[1]) << 16 | UInt32(b[2]) << 8 | UInt32(b[3])
        }
        for t in 16..<64 {
          let s0 = Self.rotr(w[t - 15], 7) ^ Self.rotr(w[t - 15], 18) ^ (w[t - 15] >> 3)
          let s1 = Self.rotr(w[t - 2], 17) ^ Self.rotr(w[t - 2], 19) ^ (w[t - 2] >> 10)
          w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
        }
        var (a, b, c, d, e, f, g, h) = state
        for t in 0..<64 {
          let s1 = Self.rotr(e, 6) ^ Self.rotr(e, 11) ^ Self.rotr(e, 25)
          let ch = (e & f) ^ (~e & g)
          let t1 = h &+ s1 &+ ch &+ k[t] &+ w[t]
          let s0 = Self.rotr(a, 2) ^ Self.rotr(a, 13) ^ Self.rotr(a, 22)
          let maj = (a & b) ^ (a & c) ^ (b & c)
          let t2 = s0 &+ maj
          h = g
          g = f
          f = e
          e = d &+ t1
          d = c
          c = b
          b = a
          a = t1 &+ t2
        }
        state = (
          state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d,
          state.4 &+ e, state.5 &+ f, state.6 &+ g, state.7 &+ h
        )
      }
    }
    self.state = state
  }

  /// Test access: the state words, to compare the two compression functions.
  var stateWords: [UInt32] {
    [state.0, state.1, state.2, state.3, state.4, state.5, state.6, state.7]
  }

  @inline(__always)
  private static func round(
    _ a: UInt32, _ b: UInt32, _ c: UInt32, _ d: inout UInt32, _ e: UInt32, _ f: UInt32,
    _ g: UInt32, _ h: inout UInt32, _ kw: UInt32
  ) {
    let s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)
    let ch = (e & f) ^ (~e & g)
    let t1 = h &+ s1 &+ ch &+ kw
    let s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)
    let maj = (a & b) ^ (a & c) ^ (b & c)
    d = d &+ t1
    h = t1 &+ s0 &+ maj
  }

  /// Compresses `blocks` consecutive 64-byte blocks.
  mutating func compress(_ data: UnsafePointer<UInt8>, blocks: Int) {
    var (a0, b0, c0, d0, e0, f0, g0, h0) = state
    Self.k.withUnsafeBufferPointer { kBuffer in
      withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 16) { wBuffer in
        let k = kBuffer.baseAddress!
        let w = wBuffer.baseAddress!
        var block = data
        for _ in 0..<blocks {
          for t in 0..<16 {
            let q = block + 4 &* t
            w[t] = UInt32(q[0]) << 24 | UInt32(q[1]) << 16 | UInt32(q[2]) << 8 | UInt32(q[3])
          }
          var a = a0, b = b0, c = c0, d = d0, e = e0, f = f0, g = g0, h = h0
          for group in 0..<4 {
            let kt = k + 16 &* group
            if group > 0 {
              // w[t] for t = 16·group …: the ring holds w[t − 16 … t − 1].
              for j in 0..<16 {
                let w15 = w[(j &+ 1) & 15], w2 = w[(j &+ 14) & 15]
                let s0 = Self.rotr(w15, 7) ^ Self.rotr(w15, 18) ^ (w15 >> 3)
                let s1 = Self.rotr(w2, 17) ^ Self.rotr(w2, 19) ^ (w2 >> 10)
                w[j] = w[j] &+ s0 &+ w[(j &+ 9) & 15] &+ s1
              }
            }
            Self.round(a, b, c, &d, e, f, g, &h, kt[0] &+ w[0])
            Self.round(h, a, b, &c, d, e, f, &g, kt[1] &+ w[1])
            Self.round(g, h, a, &b, c, d, e, &f, kt[2] &+ w[2])
            Self.round(f, g, h, &a, b, c, d, &e, kt[3] &+ w[3])
            Self.round(e, f, g, &h, a, b, c, &d, kt[4] &+ w[4])
            Self.round(d, e, f, &g, h, a, b, &c, kt[5] &+ w[5])
            Self.round(c, d, e, &f, g, h, a, &b, kt[6] &+ w[6])
            Self.round(b, c, d, &e, f, g, h, &a, kt[7] &+ w[7])
            Self.round(a, b, c, &d, e, f, g, &h, kt[8] &+ w[8])
            Self.round(h, a, b, &c, d, e, f, &g, kt[9] &+ w[9])
            Self.round(g, h, a, &b, c, d, e, &f, kt[10] &+ w[10])
            Self.round(f, g, h, &a, b, c, d, &e, kt[11] &+ w[11])
            Self.round(e, f, g, &h, a, b, c, &d, kt[12] &+ w[12])
            Self.round(d, e, f, &g, h, a, b, &c, kt[13] &+ w[13])
            Self.round(c, d, e, &f, g, h, a, &b, kt[14] &+ w[14])
            Self.round(b, c, d, &e, f, g, h, &a, kt[15] &+ w[15])
          }
          a0 = a0 &+ a
          b0 = b0 &+ b
          c0 = c0 &+ c
          d0 = d0 &+ d
          e0 = e0 &+ e
          f0 = f0 &+ f
          g0 = g0 &+ g
          h0 = h0 &+ h
          block += 64
        }
      }
    }
    state = (a0, b0, c0, d0, e0, f0, g0, h0)
  }
}
