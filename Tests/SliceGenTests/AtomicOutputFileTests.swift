import Foundation
import Testing

@testable import SliceGen

@Suite("Atomic output file")
struct AtomicOutputFileTests {
  @Test("small, buffered and large direct writes keep their order, and the digest covers them")
  func order() throws {
    var rng = TestRNG(seed: 12)
    // Sizes around the buffered/direct boundaries (256 KiB direct, 1 MiB buffer).
    let sizes = [0, 1, 100, 300_000, 5, 262_143, 262_144, 70_000, 1 << 20, 3, 2_000_000, 17]
    let pieces = sizes.map { n in (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) } }
    let path = TestPaths.temporary("a.bin")
    let file = try AtomicOutputFile(path: path, hashing: true)
    for piece in pieces { try file.write(piece) }
    let digest = file.digest()
    try file.commit()
    let written = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    let expected = pieces.flatMap { $0 }
    #expect(written == expected)
    var hasher = SHA256()
    hasher.update(expected)
    #expect(digest == hasher.finalize())
  }
}

@Suite("Atomic output file: temporary paths for the signal handler")
struct AtomicOutputFileSignalTests {
  @Test("the temporary path is registered while the file is open, and forgotten after")
  func registry() throws {
    for finish in ["commit", "discard", "drop"] {
      let path = TestPaths.temporary("r.bin")
      var file: AtomicOutputFile? = try AtomicOutputFile(path: path)
      let temporary = file!.temporaryPath
      #expect(TemporaryFileRegistry.registeredPaths.contains(temporary))
      switch finish {
      case "commit": try file!.commit()
      case "discard": file!.discard()
      default: file = nil
      }
      #expect(!TemporaryFileRegistry.registeredPaths.contains(temporary), "\(finish)")
      #expect(!FileManager.default.fileExists(atPath: temporary), "\(finish)")
      _ = file
    }
  }
}
