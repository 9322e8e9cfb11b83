import Testing

@testable import SliceGen

@Suite("CRC-32")
struct CRC32Tests {
  @Test("the standard check value and other known values")
  func knownValues() {
    // "123456789" is the check value of the CRC catalogues (CRC-32/ISO-HDLC).
    #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
    #expect(CRC32.checksum([UInt8]()) == 0)
    #expect(
      CRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
    // Every PNG ends with the IEND chunk, whose CRC (over its type alone) is AE 42 60 82.
    #expect(CRC32.checksum(Array("IEND".utf8)) == 0xAE42_6082)
    // Python's zlib.crc32(bytes(range(256)) * 40).
    #expect(CRC32.checksum(Array((0..<10_240).map { UInt8($0 & 0xFF) })) == 0xBBCE_3B9D)
  }

  @Test("the table-driven checksum equals the bit-by-bit definition, fed whole or in pieces")
  func reference() {
    var rng = TestRNG(seed: 32)
    for length in [0, 1, 2, 3, 7, 64, 255, 1000] {
      let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
      #expect(CRC32.checksum(bytes) == CRC32.referenceChecksum(bytes), "length \(length)")
      for split in [0, length / 3, length] {
        var crc = CRC32()
        crc.update(bytes[..<split])
        crc.update(bytes[split...])
        #expect(crc.value == CRC32.checksum(bytes), "length \(length), split \(split)")
      }
    }
  }
}
