// A zlib stream (RFC 1950) around deflate's stored blocks (RFC 1951, section 3.2.4): the bytes
// are copied, not compressed. It is what a PNG's IDAT chunks carry, and any inflate reads it
// (Python's `zlib.decompress` in the tests). Deliberately not a compressor: a picture of a few
// hundred thousand pixels costs its size in bytes, which is fine for grids to look at.
//
// Layout: the two header bytes 0x78 0x01 (deflate, 32 KiB window, "fastest"; 0x7801 is a
// multiple of 31 as the header check requires), then blocks of at most 65,535 bytes, each
// [BFINAL/BTYPE byte: 0x01 on the last block, else 0x00][LEN: 2 bytes little-endian][NLEN = ~LEN]
// [LEN bytes], then the Adler-32 of the uncompressed bytes, big-endian. Empty input is one final
// block of length 0.

/// zlib streams made of stored (uncompressed) deflate blocks.
public enum ZlibStream {
  /// The largest stored block: LEN is a 16-bit field.
  public static let maximumBlock = 65_535

  /// `bytes` as a zlib stream of stored blocks.
  /// - Complexity: O(n); the result is n + 6 + 5·⌈n / 65,535⌉ bytes (at least one block).
  public static func stored(_ bytes: [UInt8]) -> [UInt8] {
    let blocks = max(1, (bytes.count + maximumBlock - 1) / maximumBlock)
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count + 6 + 5 * blocks)
    out += [0x78, 0x01]
    for block in 0..<blocks {
      let start = block * maximumBlock
      let end = min(start + maximumBlock, bytes.count)
      let length = UInt16(end - start)
      out.append(block == blocks - 1 ? 0x01 : 0x00)
      out += [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8(~length >> 8)]
      out += bytes[start..<end]
    }
    out += bigEndian(Adler32.checksum(bytes))
    return out
  }

  /// The four bytes of `value`, most significant first.
  static func bigEndian(_ value: UInt32) -> [UInt8] {
    [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
  }
}
