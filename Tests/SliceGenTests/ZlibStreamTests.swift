import Foundation
import Testing

@testable import SliceGen

@Suite("zlib stream of stored blocks")
struct ZlibStreamTests {
  @Test("layout: header 78 01, one block per 65,535 bytes with LEN and NLEN, Adler-32 last")
  func layout() {
    #expect(ZlibStream.stored([]) == [0x78, 0x01, 0x01, 0, 0, 0xFF, 0xFF, 0, 0, 0, 1])
    let abc = ZlibStream.stored(Array("abc".utf8))
    #expect(abc == [0x78, 0x01, 0x01, 3, 0, 0xFC, 0xFF, 0x61, 0x62, 0x63, 0x02, 0x4D, 0x01, 0x27])
    for count in [65_535, 65_536, 131_070, 131_071] {
      let stream = ZlibStream.stored([UInt8](repeating: 7, count: count))
      let blocks = (count + 65_534) / 65_535
      #expect(stream.count == count + 6 + 5 * blocks, "\(count) bytes")
      // The first block is final only when it is the only one.
      #expect(stream[2] == (blocks == 1 ? 1 : 0))
      #expect(Array(stream[3..<7]) == [0xFF, 0xFF, 0, 0])
    }
  }

  @Test(
    "Python's zlib.decompress reads every stream back, across block boundaries",
    .enabled(if: PythonRunner.available))
  func pythonDecodes() throws {
    var rng = TestRNG(seed: 1950)
    var paths: [String] = []
    var hashes: [String] = []
    for count in [0, 1, 65_534, 65_535, 65_536, 200_001] {
      let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
      let path = TestPaths.temporary("z\(count).bin")
      try Data(ZlibStream.stored(bytes)).write(to: URL(fileURLWithPath: path))
      paths.append(path)
      hashes.append(SHA256.hex(bytes))
    }
    let script = """
      import hashlib, sys, zlib
      for path in sys.argv[1:]:
          print(hashlib.sha256(zlib.decompress(open(path, "rb").read())).hexdigest())
      """
    let result = try PythonRunner.run(script, arguments: paths)
    #expect(result.status == 0, "\(result.error)")
    #expect(result.output.split(separator: "\n").map(String.init) == hashes)
  }
}
