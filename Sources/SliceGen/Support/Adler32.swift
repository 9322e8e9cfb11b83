// Adler-32 (RFC 1950, section 8.2): the checksum that ends a zlib stream, over the uncompressed
// bytes. Two sums modulo 65521 (the largest prime below 2^16): a = 1 + the bytes, b = the sum of
// every running a; the checksum is b·2^16 + a.
//
// The modulo is taken once per 5552 bytes rather than per byte: 5552 is the largest n with
// 255·n(n+1)/2 + (n+1)(65521 − 1) < 2^32 (zlib's NMAX), so b cannot overflow a UInt32 in between.

/// Incremental Adler-32 (the zlib checksum).
public struct Adler32: Sendable {
  private var a: UInt32 = 1
  private var b: UInt32 = 0

  static let modulus: UInt32 = 65521
  /// Bytes between two reductions (see the file header).
  static let block = 5552

  public init() {}

  /// Feeds `bytes`.
  /// - Complexity: O(n) in the number of bytes.
  public mutating func update(_ bytes: [UInt8]) {
    var a = self.a
    var b = self.b
    bytes.withUnsafeBufferPointer { buffer in
      var start = 0
      while start < buffer.count {
        let end = min(start + Self.block, buffer.count)
        for index in start..<end {
          a &+= UInt32(buffer[index])
          b &+= a
        }
        a %= Self.modulus
        b %= Self.modulus
        start = end
      }
    }
    self.a = a
    self.b = b
  }

  /// The checksum of everything fed so far.
  public var value: UInt32 { b << 16 | a }

  /// The checksum of `bytes`.
  public static func checksum(_ bytes: [UInt8]) -> UInt32 {
    var adler = Adler32()
    adler.update(bytes)
    return adler.value
  }
}
