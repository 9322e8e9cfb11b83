// The partial file of one partition (`slicegen release-partition`; Docs/partitioned-release.md):
// what the merge needs from a partition, and nothing it does not. It is PRIVATE: besides the
// partition's noisy projections (already private) it holds the partition's EXACT counts (every
// marginal the template's first round counts, and every candidate pair's table when pairs are
// chosen privately), its exact number of rows, and the exact clamping counts. Only
// `release-merge` reads it; it must stay inside the data owner's cluster.
//
// Layout (little-endian): "SLGPART1", the header length L (UInt64), L bytes of JSON header, then
// the rows of O (rows × m' float32, noised and snapped), the marginal counts (Σ cells float64,
// whole numbers), the candidate pairs' counts (UInt32), and the SHA-256 of everything before it.

import Foundation

/// The header of a partial file.
struct PartitionHeader: Codable, Equatable {
  static let formatName = "slicegen-release-partial"
  static let notice =
    "PRIVATE: exact counts of one partition's rows. Only 'slicegen release-merge' reads this "
    + "file; keep it inside the data owner's cluster and delete it after the merge."
  var format = formatName
  var formatVersion = FormatVersions.partial
  var notice = notice
  /// The template's SHA-256 (hex).
  var template: String
  var partition: String
  /// Rows read, and rows kept after Poisson subsampling (the rows of O).
  var rowsSeen: Int
  var rows: Int
  var projections: Int
  /// Cells of each first-round marginal, in the plan's order.
  var marginalCells: [Int]
  /// Cells of all candidate pairs' tables (0 without private selection).
  var pairCells: Int
  /// Whether the projections' noise came from the OS-seeded secure generator.
  var noiseIsPrivate: Bool
  /// Per kept column: values clamped into the bounds / mapped to the catch-all (exact).
  var clamped: [Int]
  var catchAll: [Int]
}

/// A partial file, read front to back: its rows of O streamed to the caller, its counts kept.
struct PartitionFile {
  static let magic = Array("SLGPART1".utf8)

  var header: PartitionHeader
  var marginalCounts: [[Double]]
  var pairCounts: [UInt32]

  /// Writes a partial atomically: the header, the rows `produce` hands out, then the counts.
  static func write(
    header: PartitionHeader, marginalCounts: [[Double]], pairCounts: [UInt32], to path: String,
    projections produce: (_ sink: (UnsafeBufferPointer<Float>) throws -> Void) throws -> Void
  ) throws {
    precondition(marginalCounts.map(\.count) == header.marginalCells)
    precondition(pairCounts.count == header.pairCells)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let json = Array(try encoder.encode(header))
    let file = try AtomicOutputFile(path: path, hashing: true)
    try file.write(magic)
    try file.write(withUnsafeBytes(of: UInt64(json.count).littleEndian, Array.init))
    try file.write(json)
    var floats = 0
    try produce { block in
      floats += block.count
      try file.write(floats: block)
    }
    precondition(floats == header.rows * header.projections, "O has the wrong size")
    for counts in marginalCounts {
      try file.write(counts.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) })
    }
    try file.write(pairCounts.flatMap { withUnsafeBytes(of: $0.littleEndian, Array.init) })
    try file.write(file.digest())
    try file.commit()
  }

  /// The header of the partial at `path`, unverified (the merge checks names and templates
  /// before it reads whole files; `init(contentsOf:rows:)` verifies).
  static func header(at path: String) throws -> PartitionHeader {
    try PartitionFile(contentsOf: path, rows: { _ in }, headerOnly: true).header
  }

  /// Reads and verifies the partial at `path`, handing its rows of O to `rows` in blocks of whole
  /// rows (the checksum is verified at the end: a caller must not publish before this returns).
  /// - Throws: `ReleaseError` naming the file when it is not a partial, is cut off or corrupted.
  init(
    contentsOf path: String, rows: (UnsafeBufferPointer<Float>) throws -> Void,
    headerOnly: Bool = false
  ) throws {
    func fail(_ reason: String) -> ReleaseError { ReleaseError("\(path): \(reason)") }
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory),
      !isDirectory.boolValue, let handle = FileHandle(forReadingAtPath: path)
    else { throw fail("no such file (a partial of release-partition)") }
    defer { try? handle.close() }
    let size = try Int(handle.seekToEnd())
    try handle.seek(toOffset: 0)
    var hasher = SHA256()
    func read(_ count: Int, _ what: String) throws -> Data {
      let data = handle.readData(ofLength: count)
      guard data.count == count else { throw fail("truncated while reading \(what)") }
      data.withUnsafeBytes { hasher.update($0) }
      return data
    }
    let start = try read(16, "the header")
    guard size >= 16 + 32, Array(start.prefix(8)) == Self.magic else {
      throw fail("not a slicegen partial file (made by release-partition)")
    }
    let length = start.withUnsafeBytes {
      UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
    }
    guard length <= 1 << 30, Int(length) <= size - 16 - 32 else {
      throw fail("its header length \(length) does not fit the file's \(size) bytes")
    }
    let header: PartitionHeader
    do {
      header = try JSONDecoder().decode(
        PartitionHeader.self, from: try read(Int(length), "the header"))
    } catch let error as ReleaseError {
      throw error
    } catch {
      throw fail("the header is not a partial header (\(error))")
    }
    guard header.format == PartitionHeader.formatName,
      header.formatVersion == FormatVersions.partial
    else {
      throw fail(
        "format \(header.format) version \(header.formatVersion); this slicegen reads "
          + "\(PartitionHeader.formatName) version \(FormatVersions.partial)")
    }
    if headerOnly {
      self.header = header
      marginalCounts = []
      pairCounts = []
      return
    }
    let marginalCells = header.marginalCells.reduce(0) { $0 + max($1, 0) }
    guard header.rows >= 0, header.rowsSeen >= header.rows, header.projections >= 1,
      header.pairCells >= 0, header.marginalCells.allSatisfy({ $0 >= 1 }),
      let body = CheckedSize.sum(
        CheckedSize.product(4, header.rows, header.projections),
        CheckedSize.product(8, marginalCells), CheckedSize.product(4, header.pairCells)),
      16 + Int(length) + body + 32 == size
    else {
      throw fail("its sizes (rows, projections, cells) do not match the file's \(size) bytes")
    }
    // Whole rows at a time, about 1 MiB per block.
    let blockRows = max(1, (1 << 18) / header.projections)
    var left = header.rows
    var block = [Float](repeating: 0, count: blockRows * header.projections)
    while left > 0 {
      let take = min(blockRows, left)
      let bytes = try read(4 * take * header.projections, "the projections")
      block.withUnsafeMutableBytes { floats in
        _ = bytes.copyBytes(to: floats)
        #if !_endian(little)
          let f = floats.bindMemory(to: UInt32.self)
          for k in 0..<(take * header.projections) { f[k] = UInt32(littleEndian: f[k]) }
        #endif
      }
      try block.withUnsafeBufferPointer {
        try rows(UnsafeBufferPointer(rebasing: $0[0..<(take * header.projections)]))
      }
      left -= take
    }
    var marginals: [[Double]] = []
    for cells in header.marginalCells {
      marginals.append(
        try read(8 * cells, "the marginal counts").withUnsafeBytes { raw in
          (0..<cells).map {
            Double(
              bitPattern: UInt64(
                littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self)))
          }
        })
    }
    let pairs = try read(4 * header.pairCells, "the pair counts").withUnsafeBytes { raw in
      (0..<header.pairCells).map {
        UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))
      }
    }
    let stored = handle.readData(ofLength: 32)
    guard Array(stored) == hasher.finalize() else {
      throw fail("checksum mismatch: the file is corrupted")
    }
    self.header = header
    marginalCounts = marginals
    pairCounts = pairs
  }
}
