import Foundation
import Testing

@testable import SliceGen

@Suite("SHA-256")
struct SHA256Tests {
  @Test("FIPS 180-4 example vectors")
  func vectors() {
    #expect(SHA256.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    #expect(
      SHA256.hex(Array("abc".utf8))
        == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    #expect(
      SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
        == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    #expect(
      SHA256.hex([UInt8](repeating: 0x61, count: 1_000_000))
        == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
  }

  @Test("feeding in pieces gives the same digest as one piece")
  func incremental() {
    let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
    for split in [0, 1, 55, 56, 63, 64, 65, 500, 1000] {
      var hasher = SHA256()
      hasher.update(Array(bytes[..<split]))
      hasher.update(Array(bytes[split...]))
      #expect(hasher.finalize().map { String(format: "%02x", $0) }.joined() == SHA256.hex(bytes))
    }
  }

  @Test("the unrolled compression equals the plain FIPS loop, one block and many")
  func compression() {
    var rng = TestRNG(seed: 256)
    let bytes = (0..<(64 * 37)).map { _ in UInt8.random(in: 0...255, using: &rng) }
    for blocks in [1, 2, 3, 17, 37] {
      var fast = SHA256(), plain = SHA256()
      bytes.withUnsafeBufferPointer { p in
        fast.compress(p.baseAddress!, blocks: blocks)
        for b in 0..<blocks { plain.compressReference(p.baseAddress! + 64 * b) }
      }
      #expect(fast.stateWords == plain.stateWords, "\(blocks) blocks")
    }
  }
}
