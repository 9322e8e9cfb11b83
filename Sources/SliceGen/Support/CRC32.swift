// CRC-32 as PNG, zlib's `crc32` and gzip compute it (ISO 3309, ITU-T V.42): the reflected
// polynomial 0xEDB88320, initial value 0xFFFFFFFF, final complement. PNG puts one after every
// chunk (over the chunk's type and data). Integrity only, like every CRC: it catches accidental
// corruption, not tampering.
//
// Byte-at-a-time with a 256-entry table: T[n] is the CRC register after shifting the byte n
// through eight rounds of "shift right; if the bit that fell out was 1, xor the polynomial".
// A byte b then updates the register c as c' = T[(c ^ b) & 0xFF] ^ (c >> 8). `referenceChecksum`
// is the same definition bit by bit; CRC32Tests holds the two together.

/// Incremental CRC-32 (the PNG and zlib checksum).
public struct CRC32: Sendable {
  /// The register, before the final complement.
  private var register: UInt32 = 0xFFFF_FFFF

  public init() {}

  /// The 256 register values for one byte (see the file header).
  static let table: [UInt32] = (0..<256).map { byte in
    var c = UInt32(byte)
    for _ in 0..<8 { c = c & 1 == 1 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    return c
  }

  /// Feeds `bytes`.
  /// - Complexity: O(n) in the number of bytes.
  public mutating func update(_ bytes: some Sequence<UInt8>) {
    var c = register
    Self.table.withUnsafeBufferPointer { table in
      for byte in bytes { c = table[Int((c ^ UInt32(byte)) & 0xFF)] ^ (c >> 8) }
    }
    register = c
  }

  /// The checksum of everything fed so far.
  public var value: UInt32 { register ^ 0xFFFF_FFFF }

  /// The checksum of `bytes`.
  public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
    var crc = CRC32()
    crc.update(bytes)
    return crc.value
  }

  /// The same checksum one bit at a time, straight from the definition (for the tests).
  static func referenceChecksum(_ bytes: [UInt8]) -> UInt32 {
    var c: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
      c ^= UInt32(byte)
      for _ in 0..<8 { c = (c >> 1) ^ (c & 1 == 1 ? 0xEDB8_8320 : 0) }
    }
    return c ^ 0xFFFF_FFFF
  }
}
