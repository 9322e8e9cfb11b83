// Tests of SeededStream: the key layout its header states (seed in bytes 0–7, stream id in bytes
// 8–15, byte 16 = 0x5A), checked against ChaCha20 built from key words by hand; streams that
// differ from each other and from `ChaCha20(seed:)`; and the stream ids, which seeded outputs
// depend on, spelled as they are.

import SliceGenNumerics
import Testing

@testable import SliceGen

@Suite("Seeded streams")
struct SeededStreamTests {
  static func draws(_ rng: inout some RandomNumberGenerator, _ count: Int = 8) -> [UInt64] {
    (0..<count).map { _ in rng.next() }
  }

  @Test("the key is (seed, stream id, 0x5A, zeros) in little-endian words, nonce and counter 0")
  func keyLayout() {
    for (seed, stream) in [(0, 0), (42, SeededStream.sampling), (.max, SeededStream.evaluation)]
      as [(UInt64, UInt64)]
    {
      var made = SeededStream.make(seed: seed, stream: stream)
      let words = SIMD8<UInt32>(
        UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32),
        UInt32(truncatingIfNeeded: stream), UInt32(truncatingIfNeeded: stream >> 32),
        0x5A, 0, 0, 0)
      var byHand = ChaCha20(keyWords: words, nonceWords: SIMD3(0, 0, 0))
      #expect(Self.draws(&made) == Self.draws(&byHand), "seed \(seed), stream \(stream)")
    }
  }

  @Test("one seed gives different streams per id, and none equals ChaCha20(seed:) (the U stream)")
  func separation() {
    var sampling = SeededStream.make(seed: 7, stream: SeededStream.sampling)
    var evaluation = SeededStream.make(seed: 7, stream: SeededStream.evaluation)
    var independent = SeededStream.make(seed: 7, stream: SeededStream.independentSampling)
    var zero = SeededStream.make(seed: 7, stream: 0)
    var directions = ChaCha20(seed: 7)
    let streams = [
      Self.draws(&sampling), Self.draws(&evaluation), Self.draws(&independent), Self.draws(&zero),
      Self.draws(&directions),
    ]
    #expect(Set(streams).count == 5)
    var again = SeededStream.make(seed: 7, stream: SeededStream.sampling)
    #expect(Self.draws(&again) == streams[0])
  }

  @Test(
    "the stream ids read ZMPL, INDP, EVAL and MLPC in ASCII (changing one changes seeded outputs)")
  func ids() {
    func ascii(_ id: UInt64) -> String {
      String(
        decoding: (0..<4).reversed().map { UInt8(truncatingIfNeeded: id >> (8 * $0)) },
        as: UTF8.self)
    }
    #expect(ascii(SeededStream.sampling) == "ZMPL")
    #expect(ascii(SeededStream.independentSampling) == "INDP")
    #expect(ascii(SeededStream.evaluation) == "EVAL")
    #expect(ascii(SeededStream.mlpClassifier) == "MLPC")
  }
}
