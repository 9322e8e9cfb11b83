// The IDX format of MNIST and Fashion-MNIST (LeCun et al., "THE MNIST DATABASE of handwritten
// digits"): a 4-byte magic number, then one 4-byte big-endian size per dimension, then the values,
// last dimension fastest. The magic number is [0x00][0x00][type][number of dimensions]; this
// reader takes type 0x08 (unsigned bytes) only, which is what both data sets use: images are
// 0x00000803 (count, rows, columns), labels 0x00000801 (count).
//
// Plain files only. The data sets ship gzipped (`*-ubyte.gz`); there is no inflate here, so a
// script gunzips them first (`gunzip -k`), and a gzipped file is refused with that advice.
//
// Every size comes from the file, so each is overflow-checked and compared with the file's actual
// length before anything is allocated (CheckedSize.swift); a bad file is an `IDXError` naming the
// file and what is wrong, never a crash. IDXImageSet.swift pairs an images file with its labels.

import Foundation

/// One IDX file of unsigned bytes: its dimensions and its values.
public struct IDXFile: Equatable, Sendable {
  /// The sizes of the dimensions, outermost first (images: count, rows, columns).
  public let dimensions: [Int]
  /// All values, last dimension fastest.
  public let values: [UInt8]

  /// The type byte of unsigned 8-bit values.
  public static let unsignedByte: UInt8 = 0x08

  /// Reads the IDX file at `path`, which must hold unsigned bytes in `dimensionCount` dimensions
  /// (magic 0x00000800 + `dimensionCount`).
  /// - Throws: `IDXError` naming the file when it cannot be read, is gzipped, has another magic
  ///   number, is shorter or longer than its header says.
  public init(contentsOf path: String, dimensionCount: Int) throws(IDXError) {
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
    } catch {
      throw IDXError(path: path, problem: .unreadable(error.localizedDescription))
    }
    try self.init(bytes: [UInt8](data), path: path, dimensionCount: dimensionCount)
  }

  /// Parses IDX bytes; `path` is only for the messages.
  /// - Throws: `IDXError`, as `init(contentsOf:dimensionCount:)`.
  public init(bytes: [UInt8], path: String, dimensionCount: Int) throws(IDXError) {
    precondition((1...255).contains(dimensionCount), "IDX has 1 to 255 dimensions")
    func fail(_ problem: IDXError.Problem) -> IDXError { IDXError(path: path, problem: problem) }
    if bytes.count >= 2, bytes[0] == 0x1F, bytes[1] == 0x8B { throw fail(.gzipped) }
    let expected = UInt32(Self.unsignedByte) << 8 | UInt32(dimensionCount)
    guard bytes.count >= 4 else {
      throw fail(.truncated(part: "the magic number", needed: 4, found: bytes.count))
    }
    let magic = Self.bigEndian(bytes, at: 0)
    guard magic == expected else {
      throw fail(.magic(found: magic, expected: expected))
    }
    let headerLength = 4 + 4 * dimensionCount
    guard bytes.count >= headerLength else {
      throw fail(.truncated(part: "the dimensions", needed: headerLength, found: bytes.count))
    }
    let dimensions = (0..<dimensionCount).map { Int(Self.bigEndian(bytes, at: 4 + 4 * $0)) }
    // At most 255 factors below 2^32 each: the product may overflow Int; CheckedSize says so.
    var count: Int? = 1
    for size in dimensions { count = count.flatMap { CheckedSize.product($0, size) } }
    guard let count, let total = CheckedSize.sum(headerLength, count) else {
      throw fail(.tooLarge(dimensions: dimensions))
    }
    guard bytes.count >= total else {
      throw fail(.truncated(part: "the values", needed: total, found: bytes.count))
    }
    guard bytes.count == total else {
      throw fail(.trailingBytes(expected: total, found: bytes.count))
    }
    self.dimensions = dimensions
    self.values = Array(bytes[headerLength...])
  }

  /// The big-endian UInt32 at `offset` (the caller checked that four bytes are there).
  static func bigEndian(_ bytes: [UInt8], at offset: Int) -> UInt32 {
    UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8
      | UInt32(bytes[offset + 3])
  }

  /// The bytes of an IDX file of unsigned bytes with these dimensions and values (for tests and
  /// for writing subsets).
  public static func encode(dimensions: [Int], values: [UInt8]) -> [UInt8] {
    precondition((1...255).contains(dimensions.count), "IDX has 1 to 255 dimensions")
    precondition(dimensions.allSatisfy { (0...Int(UInt32.max)).contains($0) })
    precondition(dimensions.reduce(1, *) == values.count, "the values fill the dimensions")
    var bytes: [UInt8] = [0, 0, unsignedByte, UInt8(dimensions.count)]
    for size in dimensions { bytes += ZlibStream.bigEndian(UInt32(size)) }
    return bytes + values
  }
}

/// An IDX file that cannot be used: the file and what is wrong with it.
public struct IDXError: Error, Equatable, CustomStringConvertible {
  public enum Problem: Equatable, Sendable {
    /// The file could not be read (missing, a directory, no permission).
    case unreadable(String)
    /// It starts with gzip's magic bytes 1f 8b.
    case gzipped
    /// Another magic number than the one expected.
    case magic(found: UInt32, expected: UInt32)
    /// The file ends inside `part`.
    case truncated(part: String, needed: Int, found: Int)
    /// Bytes after the last value.
    case trailingBytes(expected: Int, found: Int)
    /// The dimensions multiply to more values than any file holds.
    case tooLarge(dimensions: [Int])
    /// An image of zero rows or columns.
    case emptyImage(rows: Int, columns: Int)
    /// An images file and a labels file of different lengths.
    case countMismatch(images: Int, labels: Int, labelsPath: String)
  }

  public var path: String
  public var problem: Problem

  public init(path: String, problem: Problem) {
    self.path = path
    self.problem = problem
  }

  public var description: String {
    let hex = { (value: UInt32) in "0x" + String(format: "%08X", value) }
    switch problem {
    case .unreadable(let reason):
      return "\(path): cannot read the IDX file (\(reason))"
    case .gzipped:
      return "\(path): gzip-compressed (it starts with 1f 8b); gunzip it first (gunzip -k)"
    case .magic(let found, let expected):
      let count = expected & 0xFF
      let kind = count == 3 ? ": images" : count == 1 ? ": labels" : ""
      return "\(path): not the expected IDX file: the magic number is \(hex(found)), expected "
        + "\(hex(expected)) (unsigned bytes in \(count) dimension\(count == 1 ? "" : "s")\(kind))"
    case .truncated(let part, let needed, let found):
      return "\(path): truncated: the file ends inside \(part) (needs at least \(needed) bytes, "
        + "has \(found))"
    case .trailingBytes(let expected, let found):
      return "\(path): \(found) bytes, but its header describes \(expected): extra bytes after "
        + "the values"
    case .tooLarge(let dimensions):
      return "\(path): corrupted: the dimensions "
        + "\(dimensions.map(String.init).joined(separator: " × ")) describe more values than a "
        + "file can hold"
    case .emptyImage(let rows, let columns):
      return "\(path): images of \(rows) × \(columns) pixels: rows and columns must be at least 1"
    case .countMismatch(let images, let labels, let labelsPath):
      return "\(path) holds \(images) images but \(labelsPath) holds \(labels) labels"
    }
  }
}
