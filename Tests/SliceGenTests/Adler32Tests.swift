import Testing

@testable import SliceGen

@Suite("Adler-32")
struct Adler32Tests {
  @Test("known values: Wikipedia's example, the empty input, long runs (Python's zlib.adler32)")
  func knownValues() {
    #expect(Adler32.checksum(Array("Wikipedia".utf8)) == 0x11E6_0398)
    #expect(Adler32.checksum([]) == 1)
    #expect(Adler32.checksum([UInt8](repeating: 0x61, count: 1_000_000)) == 0x15D8_70F9)
    // All bytes 255: the worst case for the deferred modulo (the sums grow fastest).
    #expect(Adler32.checksum([UInt8](repeating: 0xFF, count: 100_000)) == 0x149A_302C)
  }

  @Test("the deferred modulo equals a modulo after every byte, whole or in pieces")
  func reference() {
    var rng = TestRNG(seed: 17)
    for length in [1, 5551, 5552, 5553, 11_104, 20_000] {
      let bytes = (0..<length).map { _ in UInt8.random(in: 200...255, using: &rng) }
      var a: UInt32 = 1
      var b: UInt32 = 0
      for byte in bytes {
        a = (a + UInt32(byte)) % 65521
        b = (b + a) % 65521
      }
      #expect(Adler32.checksum(bytes) == b << 16 | a, "length \(length)")
      var adler = Adler32()
      adler.update(Array(bytes[..<(length / 2)]))
      adler.update(Array(bytes[(length / 2)...]))
      #expect(adler.value == b << 16 | a, "length \(length), in two pieces")
    }
  }
}
