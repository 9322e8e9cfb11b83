// Reading and writing release files (Docs/release-format.md):
//
//   bytes 0 ..< 8     magic "SLICEGEN"
//   bytes 8 ..< 16    L, the header length, UInt64 little-endian
//   bytes 16 ..< 16+L the header, UTF-8 JSON padded with spaces so the matrices start at a
//                     multiple of 64
//   then              U, d × m' float32 little-endian, row-major
//   then              O, n × m' float32 little-endian, row-major
//   last 32 bytes     SHA-256 of every byte before them
//
// Writes are atomic (AtomicOutputFile); reads verify the magic, version, sizes and checksum before
// handing anything out.

import Foundation

/// A release in memory: its header, the public directions U and the noisy projections O.
public struct Release: Sendable {
  public var header: ReleaseHeader
  /// U, (d × m') row-major.
  public var projections: [Float]
  /// O, (n × m') row-major.
  public var released: [Float]
  /// The file it was read from (nil when made in memory): outputs must not replace it.
  public var path: String? = nil
  /// The file's SHA-256 (hex), verified when it was read; nil when made in memory. A model
  /// names the release it was trained on by it.
  public var checksum: String? = nil

  public init(header: ReleaseHeader, projections: [Float], released: [Float]) {
    precondition(projections.count == header.encodedWidth * header.projections)
    precondition(released.count == header.rows * header.projections)
    self.header = header
    self.projections = projections
    self.released = released
  }
}

/// A release file that cannot be read.
public struct ReleaseFileError: Error, CustomStringConvertible, Equatable {
  public var path: String
  public var reason: String
  public var description: String { "\(path): \(reason)" }
}

extension Release {
  static let magic = Array("SLICEGEN".utf8)

  /// The header bytes with offsets filled in (also returned), padded so the payload is 64-byte
  /// aligned.
  static func encodedHeader(_ header: ReleaseHeader) throws -> ([UInt8], ReleaseHeader) {
    var header = header
    header.formatVersion = header.requiredFormatVersion
    // Format 4: the bins once, in the header; the stored marginals name their columns only
    // (the returned header keeps them filled in, as a reader fills them).
    var stored = header
    if header.bins != nil, header.marginals != nil {
      for i in header.marginals!.indices { stored.marginals![i].bins = [] }
    }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
    var length = 0
    // Offsets depend on the header's own length: iterate until stable (two or three rounds).
    for _ in 0..<8 {
      let json = try encoder.encode(stored)
      let padded = (16 + json.count + 1 + 63) / 64 * 64 - 16
      if padded == length { break }
      length = padded
      stored.projectionsOffset = 16 + length
      stored.releaseOffset = 16 + length + 4 * header.encodedWidth * header.projections
    }
    header.projectionsOffset = stored.projectionsOffset
    header.releaseOffset = stored.releaseOffset
    var bytes = Array(try encoder.encode(stored))
    precondition(bytes.count < length)
    bytes.append(0x0A)
    bytes += [UInt8](repeating: 0x20, count: length - bytes.count)
    return (bytes, header)
  }

  /// Writes the release to `path` atomically; returns the header as written (offsets filled in).
  @discardableResult
  public func write(to path: String) throws -> ReleaseHeader {
    try released.withUnsafeBufferPointer { o in
      try Self.write(header: header, projections: projections, to: path) { sink in try sink(o) }
    }
  }

  /// Writes a release whose O (n × m', `header.rows` rows) is produced in row order by
  /// `produce`, which hands consecutive blocks to the sink it is given; O is never held here.
  /// Atomic like `write(to:)`; returns the header as written.
  @discardableResult
  public static func write(
    header: ReleaseHeader, projections: [Float], to path: String,
    released produce: (_ sink: (UnsafeBufferPointer<Float>) throws -> Void) throws -> Void
  ) throws -> ReleaseHeader {
    precondition(projections.count == header.encodedWidth * header.projections)
    let (headerBytes, written) = try encodedHeader(header)
    let file = try AtomicOutputFile(path: path, hashing: true)
    try file.write(magic)
    var length = UInt64(headerBytes.count).littleEndian
    try withUnsafeBytes(of: &length) { try file.write($0) }
    try file.write(headerBytes)
    try projections.withUnsafeBufferPointer { try file.write(floats: $0) }
    var count = 0
    try produce { block in
      count += block.count
      try file.write(floats: block)
    }
    precondition(count == header.rows * header.projections, "O has the wrong size")
    try file.write(file.digest())
    try file.commit()
    return written
  }

  /// Reads and verifies a release file.
  public init(contentsOf path: String) throws {
    func fail(_ reason: String) -> ReleaseFileError { ReleaseFileError(path: path, reason: reason) }
    guard FileManager.default.fileExists(atPath: path) else { throw fail("no such file") }
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
    } catch {
      throw fail("cannot read (\(error.localizedDescription))")
    }
    var checksum = ""
    let (header, projections, released) = try data.withUnsafeBytes {
      raw -> (ReleaseHeader, [Float], [Float]) in
      guard raw.count >= 16 + 32, Array(raw[0..<8]) == Self.magic else {
        throw fail("not a slicegen release file (bad magic)")
      }
      let length = try CheckedSize.headerLength(
        raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self).littleEndian, fileSize: raw.count,
        fail: fail)
      let header = try ReleaseHeader.decodeChecked(
        Data(raw[16..<(16 + length)]), fileSize: raw.count, fail: fail)
      let expected = raw.count
      let d = header.encodedWidth, mPrime = header.projections, n = header.rows
      var hasher = SHA256()
      hasher.update(UnsafeRawBufferPointer(rebasing: raw[0..<(expected - 32)]))
      let digest = hasher.finalize()
      guard digest == Array(raw[(expected - 32)..<expected]) else {
        throw fail("checksum mismatch: the file is corrupted")
      }
      checksum = SHA256.hexText(digest)
      let start = 16 + length
      func floats(_ offset: Int, _ count: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
          let source = UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + 4 * count)])
          UnsafeMutableRawBufferPointer(buffer).copyMemory(from: source)
          for i in 0..<count {
            buffer[i] = Float(bitPattern: UInt32(littleEndian: buffer[i].bitPattern))
          }
          initialized = count
        }
      }
      return (header, floats(start, d * mPrime), floats(start + 4 * d * mPrime, n * mPrime))
    }
    self.init(header: header, projections: projections, released: released)
    self.path = path
    self.checksum = checksum
  }
}

extension Release {
  /// The hex SHA-256 stored at the end of a release file, unverified (`merge` uses it to refuse
  /// a part given twice before streaming them, and verifies each part as it streams it).
  static func storedChecksum(ofFileAt path: String) throws -> String {
    guard let handle = FileHandle(forReadingAtPath: path) else {
      throw ReleaseFileError(path: path, reason: "cannot read")
    }
    defer { try? handle.close() }
    let size = try handle.seekToEnd()
    guard size >= 32 else { throw ReleaseFileError(path: path, reason: "truncated") }
    try handle.seek(toOffset: size - 32)
    return SHA256.hexText(Array(handle.readData(ofLength: 32)))
  }

  /// The release's identity: the checksum it was read with, or for a release made in memory the
  /// SHA-256 its file would end with (the same bytes `write(to:)` hashes).
  public func identity() throws -> String {
    if let checksum { return checksum }
    let (headerBytes, _) = try Self.encodedHeader(header)
    var hasher = SHA256()
    hasher.update(Self.magic)
    var length = UInt64(headerBytes.count).littleEndian
    withUnsafeBytes(of: &length) { hasher.update($0) }
    hasher.update(headerBytes)
    for floats in [projections, released] {
      let littleEndian = floats.map { $0.bitPattern.littleEndian }
      littleEndian.withUnsafeBytes { hasher.update($0) }
    }
    return SHA256.hexText(hasher.finalize())
  }
}

extension ReleaseHeader {
  /// Decodes a release header and checks what the whole file must then be: the format and its
  /// version, consistent sizes, and a file of exactly 16 + header + 4·(d·m′ + n·m′) + 32 bytes.
  /// Shared by the in-memory `Release` loader and the streaming `ReleaseFileReader`.
  static func decodeChecked(
    _ json: Data, fileSize: Int, fail: (String) -> Error
  ) throws -> ReleaseHeader {
    var header: ReleaseHeader
    do {
      header = try JSONDecoder().decode(ReleaseHeader.self, from: json)
    } catch DecodingError.dataCorrupted(let context) where !context.codingPath.isEmpty {
      // A field of a known type with a value it cannot take (StoredChoice names the choices).
      let field = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
      throw fail(
        "header field \(field.joined(separator: ".")) \(context.debugDescription)")
    } catch {
      throw fail("the header is not a valid release header (\(error))")
    }
    guard header.format == ReleaseHeader.formatName else {
      throw fail("format is \"\(header.format)\", expected \"\(ReleaseHeader.formatName)\"")
    }
    let readable = ReleaseHeader.readableVersions
    guard readable.contains(header.formatVersion) else {
      throw fail(
        "format version \(header.formatVersion); this slicegen reads versions "
          + "\(readable.lowerBound) to \(readable.upperBound)")
    }
    guard header.formatVersion >= header.requiredFormatVersion else {
      throw fail(
        "format version \(header.formatVersion), but its contents (binGroups, snapped "
          + "noise or the header's bins) need version \(header.requiredFormatVersion)")
    }
    if let why = header.fillMarginalBins() { throw fail("inconsistent marginal bins: " + why) }
    if let why = header.marginalsProblem() { throw fail(why) }
    if let why = header.sizeProblem() { throw fail("inconsistent sizes in the header: " + why) }
    if let why = header.privacyProblem() { throw fail("invalid privacy fields: " + why) }
    let d = header.encodedWidth
    let mPrime = header.projections
    let n = header.rows
    // Checked: the counts come from the file (a crafted header can make these products overflow).
    guard
      let expected = CheckedSize.sum(
        16, json.count, CheckedSize.product(4, d, mPrime), CheckedSize.product(4, n, mPrime), 32)
    else {
      throw fail(
        "inconsistent sizes in the header: rows \(n) × projections \(mPrime) × 4 bytes "
          + "is more than any file can hold")
    }
    guard fileSize == expected else {
      throw fail(
        fileSize < expected
          ? "truncated: \(fileSize) bytes, expected \(expected)"
          : "\(fileSize - expected) unexpected trailing bytes")
    }
    return header
  }

  /// Why the header's sizes cannot describe a release, or nil: counts in range, m' = m·k without
  /// overflow, and d the width of the schema's encoding.
  func sizeProblem() -> String? {
    guard rows >= 0 else { return "rows is \(rows), must be at least 0" }
    guard encodedWidth >= 1 else { return "encodedWidth is \(encodedWidth), must be at least 1" }
    if method == .merf || merf != nil {
      // A MERF release has no projections (format 6).
      guard method == .merf, let merf else {
        return "method is \(method.rawValue) but the header \(merf == nil ? "lacks" : "has") merf"
      }
      guard slices == 0, sliceDim == 0, projections == 0 else {
        return "a merf release has no projections, but slices × sliceDim is \(slices) × \(sliceDim)"
      }
      if let why = merf.problem(in: self) { return why }
      let width = Encoding(schema: schema).width
      guard width == encodedWidth else {
        return "encodedWidth is \(encodedWidth), but the schema encodes to \(width)"
      }
      return nil
    }
    guard slices >= 1 else { return "slices is \(slices), must be at least 1" }
    guard sliceDim >= 1 else { return "sliceDim is \(sliceDim), must be at least 1" }
    guard let product = CheckedSize.product(slices, sliceDim), product == projections else {
      return "projections is \(projections), but slices × sliceDim is \(slices) × \(sliceDim)"
    }
    let width = Encoding(schema: schema).width
    guard width == encodedWidth else {
      return "encodedWidth is \(encodedWidth), but the schema encodes to \(width)"
    }
    return nil
  }

  /// Why the header's privacy numbers cannot be used (the accountants' preconditions), or nil:
  /// σ finite and positive, ε finite and positive, δ in (0, 1), a subsampling rate in (0, 1),
  /// and the same for a discovery's split of the budget.
  func privacyProblem() -> String? {
    func positive(_ name: String, _ x: Double) -> String? {
      x.isFinite && x > 0 ? nil : "\(name) is \(x), must be finite and positive"
    }
    func unit(_ name: String, _ x: Double) -> String? {
      x > 0 && x < 1 ? nil : "\(name) is \(x), must be in (0, 1)"
    }
    let p = privacy
    var problems = [
      positive("sigma", sigma), positive("noiseScale", noiseScale),
      positive("epsilon", p.epsilon), unit("delta", p.delta),
      p.subsampling.flatMap { unit("subsampling", $0) },
    ]
    if let spend = p.discovery {
      problems += [
        positive("discovery epsilon", spend.epsilon), unit("discovery delta", spend.delta),
        positive("discovery releaseEpsilon", spend.releaseEpsilon),
        unit("discovery releaseDelta", spend.releaseDelta),
      ]
    }
    return problems.compactMap { $0 }.first
  }
}
