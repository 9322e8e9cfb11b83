import Foundation
import Testing

@testable import SliceGen

@Suite("PNG encoder")
struct PNGImageTests {
  /// A PNG decoder in Python's standard library (struct, zlib): checks the signature, the chunk
  /// order IHDR, IDAT…, IEND, every chunk's CRC-32, the IHDR fields and the filter bytes, then
  /// prints "width height colourType" and the pixels in hex.
  static let decoder = """
    import struct, sys, zlib
    data = open(sys.argv[1], "rb").read()
    assert data[:8] == b"\\x89PNG\\r\\n\\x1a\\n", "signature"
    pos, chunks = 8, []
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert crc == zlib.crc32(kind + body), "CRC of " + kind.decode()
        chunks.append((kind, body))
        pos += 12 + length
    kinds = [k for k, _ in chunks]
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND" and set(kinds[1:-1]) == {b"IDAT"}, kinds
    width, height, depth, colour, compression, filt, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert (depth, compression, filt, interlace) == (8, 0, 0, 0)
    channels = {0: 1, 2: 3}[colour]
    raw = zlib.decompress(b"".join(b for k, b in chunks if k == b"IDAT"))
    stride = width * channels
    assert len(raw) == height * (stride + 1), "scanline bytes"
    pixels = b""
    for row in range(height):
        assert raw[row * (stride + 1)] == 0, "filter type"
        pixels += raw[row * (stride + 1) + 1:(row + 1) * (stride + 1)]
    print(width, height, colour)
    print(pixels.hex())
    """

  /// Writes `image` with `write(to:)` and decodes the file in Python: (width height colour, hex).
  static func decodedByPython(_ image: PNGImage) throws -> [String] {
    let path = TestPaths.temporary("image.png")
    try image.write(to: path)
    let result = try PythonRunner.run(decoder, arguments: [path])
    #expect(result.status == 0, "\(result.error)")
    return result.output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
  }

  static func hex(_ bytes: [UInt8]) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
  }

  @Test(
    "Python's standard library decodes greyscale and RGB pictures to exactly our pixels",
    .enabled(if: PythonRunner.available))
  func pythonDecodes() throws {
    var rng = TestRNG(seed: 15948)
    // Odd shapes, one pixel, a single row and column, and one whose scanlines span several
    // stored blocks (300 × 250 RGB: 225,250 bytes of scanlines, four blocks).
    for (width, height) in [(1, 1), (7, 3), (1, 9), (13, 1), (300, 250)] {
      for colour in [PNGImage.ColourType.greyscale, .rgb] {
        let pixels = (0..<(width * height * colour.channels)).map { _ in
          UInt8.random(in: 0...255, using: &rng)
        }
        let image = try PNGImage(width: width, height: height, colourType: colour, pixels: pixels)
        let lines = try Self.decodedByPython(image)
        #expect(lines.first == "\(width) \(height) \(colour.rawValue)", "\(width)x\(height)")
        #expect(lines.count > 1 && lines[1] == Self.hex(pixels), "\(width)x\(height) \(colour)")
      }
    }
  }

  @Test("the bytes of a 2 × 1 greyscale picture, chunk by chunk")
  func bytes() throws {
    let file = try PNGImage(width: 2, height: 1, colourType: .greyscale, pixels: [0, 255])
      .encoded()
    let ihdr: [UInt8] =
      [0, 0, 0, 13] + Array("IHDR".utf8) + [0, 0, 0, 2, 0, 0, 0, 1, 8, 0, 0, 0, 0]
    let idatData = ZlibStream.stored([0, 0, 255])
    #expect(Array(file[0..<8]) == PNGImage.signature)
    #expect(Array(file[8..<29]) == ihdr)
    #expect(Array(file[29..<33]) == ZlibStream.bigEndian(CRC32.checksum(ihdr[4...])))
    #expect(Array(file[33..<37]) == ZlibStream.bigEndian(UInt32(idatData.count)))
    #expect(Array(file[37..<41]) == Array("IDAT".utf8))
    #expect(Array(file[41..<(41 + idatData.count)]) == idatData)
    // IEND: length 0, its type, its fixed CRC.
    #expect(
      Array(file.suffix(12)) == [0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82])
    #expect(file.count == 8 + 25 + 12 + idatData.count + 12)
  }

  @Test("bad sizes and pixel counts are errors, not crashes")
  func refusals() {
    #expect(throws: PNGError.self) {
      try PNGImage(width: 0, height: 3, colourType: .greyscale, pixels: [])
    }
    #expect(throws: PNGError.self) {
      try PNGImage(width: 3, height: -1, colourType: .greyscale, pixels: [])
    }
    #expect(throws: PNGError.self) {
      try PNGImage(width: 2, height: 2, colourType: .rgb, pixels: [UInt8](repeating: 0, count: 4))
    }
    #expect(throws: PNGError.self) {
      try PNGImage(width: Int(Int32.max), height: Int(Int32.max), colourType: .rgb, pixels: [])
    }
    #expect(throws: PNGError.self) {
      try PNGImage(width: Int.max, height: 2, colourType: .greyscale, pixels: [])
    }
  }

  @Test("write(to:) is atomic: an unwritable place leaves nothing and throws")
  func writeFails() throws {
    let image = try PNGImage(width: 1, height: 1, colourType: .greyscale, pixels: [9])
    let path = TestPaths.temporary("missing-directory/x.png")
    #expect(throws: (any Error).self) { try image.write(to: path) }
    let directory = (path as NSString).deletingLastPathComponent
    #expect(!FileManager.default.fileExists(atPath: directory))
  }
}
