// A streaming reader of release files (Docs/release-format.md) for `merge` and `--like`: the
// header and U come out whole, the rows of O in chunks of raw bytes, and the SHA-256 is checked
// when the last row has been read. Memory: one chunk, whatever n is. `Release(contentsOf:)` is the
// whole-file reader; both check the same things (magic, version, sizes, checksum).

import Foundation

/// Reads one release file front to back.
public final class ReleaseFileReader {
  public let path: String
  public let header: ReleaseHeader
  /// The bytes of the header block (its length, then the padded JSON).
  let headerLength: Int
  private let handle: FileHandle
  private var hasher = SHA256()
  private var rowsLeft: Int
  private var readDirections = false

  /// Opens `path` and reads and checks its header and size.
  public init(path: String) throws {
    self.path = path
    func fail(_ reason: String) -> ReleaseFileError { ReleaseFileError(path: path, reason: reason) }
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory),
      !isDirectory.boolValue
    else { throw fail("no such file") }
    guard let handle = FileHandle(forReadingAtPath: path) else { throw fail("cannot read") }
    self.handle = handle
    let size = try Int(handle.seekToEnd())
    try handle.seek(toOffset: 0)
    let start = handle.readData(ofLength: 16)
    guard size >= 16 + 32, start.count == 16, Array(start.prefix(8)) == Release.magic else {
      throw fail("not a slicegen release file (bad magic)")
    }
    let length = try CheckedSize.headerLength(
      start.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self).littleEndian },
      fileSize: size, fail: fail)
    let json = handle.readData(ofLength: length)
    guard json.count == length else { throw fail("truncated: the header is cut off") }
    let header = try ReleaseHeader.decodeChecked(json, fileSize: size, fail: fail)
    let n = header.rows
    self.header = header
    headerLength = length
    rowsLeft = n
    start.withUnsafeBytes { hasher.update($0) }
    json.withUnsafeBytes { hasher.update($0) }
  }

  deinit { try? handle.close() }

  /// The raw little-endian float32 bytes of U (d × m'); call once, before any rows.
  public func directionBytes() throws -> Data {
    precondition(!readDirections)
    readDirections = true
    let count = 4 * header.encodedWidth * header.projections
    let data = handle.readData(ofLength: count)
    guard data.count == count else {
      throw ReleaseFileError(path: path, reason: "truncated while reading U")
    }
    data.withUnsafeBytes { hasher.update($0) }
    return data
  }

  /// The next at most `rows` rows of O as raw bytes (rows × m' little-endian float32), or nil
  /// after the last row. After the last row the checksum is verified (a mismatch throws).
  public func nextRows(_ rows: Int) throws -> Data? {
    if !readDirections { _ = try directionBytes() }
    guard rowsLeft > 0 else { return nil }
    let take = min(rows, rowsLeft)
    let count = 4 * take * header.projections
    let data = handle.readData(ofLength: count)
    guard data.count == count else {
      throw ReleaseFileError(path: path, reason: "truncated while reading the rows")
    }
    data.withUnsafeBytes { hasher.update($0) }
    rowsLeft -= take
    if rowsLeft == 0 { try verifyChecksum() }
    return data
  }

  /// The file's SHA-256 (hex), known once every row has been read.
  public private(set) var checksum: String? = nil

  /// Reads the rest of the file and verifies its checksum.
  public func skipToEnd() throws {
    if !readDirections { _ = try directionBytes() }
    while try nextRows(16_384) != nil {}
    try verifyChecksum()
  }

  private func verifyChecksum() throws {
    guard checksum == nil else { return }
    let stored = handle.readData(ofLength: 32)
    let computed = hasher.finalize()
    guard stored.count == 32, Array(stored) == computed else {
      throw ReleaseFileError(path: path, reason: "checksum mismatch: the file is corrupted")
    }
    checksum = SHA256.hexText(computed)
  }
}

extension Data {
  /// Little-endian float32 bytes as Floats.
  func littleEndianFloats() -> [Float] {
    withUnsafeBytes { raw in
      (0..<(count / 4)).map {
        Float(
          bitPattern: UInt32(
            littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)))
      }
    }
  }
}
