// A streaming RFC 4180 reader: quoted fields, doubled quotes, embedded commas and line breaks,
// CRLF or LF, UTF-8 with or without BOM, empty fields. It reads fixed-size chunks, so memory does
// not grow with the number of rows; records come out one at a time with their line number, and
// every error names the file, line and column. Deliberately not here: type conversion, schemas.
//
// Choices: a completely empty line is skipped (as pandas does), except inside a quoted field; a
// quote inside an unquoted field, or text after a closing quote, is an error (RFC 4180 §2.5–2.7).
//
// Speed: records are parsed in place in a byte buffer filled by read(2). A record is a list of
// byte spans (unquoted fields point into the buffer; quoted ones are unescaped into a scratch
// buffer), so the fast path (`withNextRawRecord`, used by the release) makes no String at all;
// `nextRecord()` builds Strings from the spans. When a record runs past the buffered bytes the
// buffer is topped up and the record parsed again from its start (parsing has no other state).
// ASCII fields skip UTF-8 validation (ASCII is valid UTF-8); others are validated as before. The
// original byte-at-a-time reader is kept as the reference (CSVReader+Reference.swift, CSVTests).

import Foundation

/// A CSV problem, with where it is.
public struct CSVError: Error, CustomStringConvertible, Equatable {
  public enum Kind: Equatable, Sendable {
    case missingFile
    case unreadable(String)
    case empty
    case emptyHeaderName
    case duplicateHeaderName(String)
    case raggedRow(expected: Int, found: Int)
    case unterminatedQuote
    case quoteInUnquotedField
    case textAfterClosingQuote
    case invalidUTF8
  }

  public var path: String
  public var line: Int
  public var column: Int
  public var kind: Kind

  public init(path: String, line: Int, column: Int, kind: Kind) {
    self.path = path
    self.line = line
    self.column = column
    self.kind = kind
  }

  public var description: String {
    let place = line > 0 ? "\(path):\(line):\(column): " : "\(path): "
    switch kind {
    case .missingFile: return "\(path): no such file"
    case .unreadable(let reason): return "\(path): cannot read (\(reason))"
    case .empty: return "\(path): the file is empty (a header row is required)"
    case .emptyHeaderName: return place + "empty column name in the header"
    case .duplicateHeaderName(let name):
      return place + "column name \"\(ValueText.quoted(name))\" appears twice"
    case .raggedRow(let expected, let found):
      return place + "expected \(expected) fields, found \(found)"
    case .unterminatedQuote: return place + "unterminated quoted field (the quote opens here)"
    case .quoteInUnquotedField: return place + "a quote inside an unquoted field"
    case .textAfterClosingQuote: return place + "text after a closing quote"
    case .invalidUTF8: return place + "invalid UTF-8"
    }
  }
}

/// One record and where it starts.
public struct CSVRecord: Sendable {
  public var fields: [String]
  /// The physical line (1-based) on which the record starts; the header is line 1.
  public var line: Int
}

/// One record's fields as bytes, valid only inside `CSVReader.withNextRawRecord`.
public struct CSVRawRecord {
  fileprivate let spans: UnsafePointer<CSVReader.Span>
  fileprivate let data: UnsafePointer<UInt8>
  fileprivate let scratch: UnsafePointer<UInt8>
  /// Number of fields.
  public let count: Int
  /// The physical line (1-based) on which the record starts.
  public let line: Int
  /// Bit i set: field i (i < 64) is pure ASCII.
  public let asciiMask: UInt64

  /// Field `i`'s bytes (UTF-8, validated; quotes removed and doubled quotes undone).
  @inline(__always)
  public func field(_ i: Int) -> UnsafeBufferPointer<UInt8> {
    let s = spans[i]
    return UnsafeBufferPointer(start: (s.quoted ? scratch : data) + s.start, count: s.count)
  }

  /// Whether field `i` is pure ASCII.
  @inline(__always)
  public func isASCII(_ i: Int) -> Bool {
    i < 64 ? asciiMask & (1 &<< UInt64(i)) != 0 : spans[i].ascii
  }

  /// Field `i` as a String.
  public func string(_ i: Int) -> String { String(decoding: field(i), as: UTF8.self) }
}

/// Reads a CSV file record by record.
public struct CSVReader {
  public let path: String
  public private(set) var header: [String]
  private var storage: Storage
  private var line = 1

  struct Span {
    var start: Int
    var count: Int
    var quoted: Bool
    var ascii: Bool
  }

  /// The byte buffer, field spans and unescaping scratch (a class: it owns raw memory).
  private final class Storage {
    let descriptor: Int32
    let handle: FileHandle
    let chunkSize: Int
    var bytes: UnsafeMutablePointer<UInt8>
    var capacity: Int
    var start = 0
    var end = 0
    var finished = false
    var spans: UnsafeMutablePointer<Span>
    var spanCapacity = 64
    var scratch: UnsafeMutablePointer<UInt8>
    var scratchCapacity = 1024

    init(handle: FileHandle, chunkSize: Int) {
      self.handle = handle
      descriptor = handle.fileDescriptor
      self.chunkSize = max(1, chunkSize)
      capacity = max(2 * self.chunkSize, 4096)
      bytes = .allocate(capacity: capacity)
      spans = .allocate(capacity: spanCapacity)
      scratch = .allocate(capacity: scratchCapacity)
    }

    deinit {
      bytes.deallocate()
      spans.deallocate()
      scratch.deallocate()
      try? handle.close()
    }

    /// Moves the unparsed bytes to the front and reads up to one chunk more.
    func refill(path: String) throws {
      guard !finished else { return }
      let live = end - start
      if start > 0 {
        if live > 0 { bytes.update(from: bytes + start, count: live) }
        start = 0
        end = live
      }
      if capacity - end < chunkSize {
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: 2 * capacity + chunkSize)
        grown.update(from: bytes, count: end)
        bytes.deallocate()
        bytes = grown
        capacity = 2 * capacity + chunkSize
      }
      while true {
        let got = systemRead(descriptor, bytes + end, chunkSize)
        if got < 0 {
          if errno == EINTR { continue }
          throw CSVError(
            path: path, line: 0, column: 0, kind: .unreadable(String(cString: strerror(errno))))
        }
        if got == 0 { finished = true }
        end += got
        return
      }
    }

    func growSpans() {
      let grown = UnsafeMutablePointer<Span>.allocate(capacity: 2 * spanCapacity)
      grown.update(from: spans, count: spanCapacity)
      spans.deallocate()
      spans = grown
      spanCapacity *= 2
    }

    func growScratch(to needed: Int) {
      var size = scratchCapacity
      while size < needed { size *= 2 }
      let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: size)
      grown.update(from: scratch, count: scratchCapacity)
      scratch.deallocate()
      scratch = grown
      scratchCapacity = size
    }
  }

  /// Opens `path` and reads the header.
  public init(path: String) throws {
    try self.init(path: path, chunkSize: 1 << 20)
  }

  /// `chunkSize` is injectable so tests can split input at every byte.
  init(path: String, chunkSize: Int) throws {
    self.path = path
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw CSVError(path: path, line: 0, column: 0, kind: .missingFile)
    }
    guard !isDirectory.boolValue, let handle = FileHandle(forReadingAtPath: path) else {
      throw CSVError(path: path, line: 0, column: 0, kind: .unreadable("not a readable file"))
    }
    storage = Storage(handle: handle, chunkSize: chunkSize)
    header = []
    // Skip a UTF-8 byte order mark (all three bytes or an error).
    while storage.end - storage.start < 3 && !storage.finished { try storage.refill(path: path) }
    let s = storage
    if s.end > s.start, s.bytes[s.start] == 0xEF {
      let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
      var matched = 0
      while matched < 3, s.start + matched < s.end, s.bytes[s.start + matched] == bom[matched] {
        matched += 1
      }
      guard matched == 3 else {
        throw CSVError(path: path, line: 1, column: 1, kind: .invalidUTF8)
      }
      s.start += 3
    }
    guard let first = try readRecord() else {
      throw CSVError(path: path, line: 0, column: 0, kind: .empty)
    }
    var seen = Set<String>()
    for (index, name) in first.fields.enumerated() {
      guard !name.isEmpty else {
        throw CSVError(path: path, line: 1, column: index + 1, kind: .emptyHeaderName)
      }
      guard seen.insert(name).inserted else {
        throw CSVError(path: path, line: 1, column: index + 1, kind: .duplicateHeaderName(name))
      }
    }
    header = first.fields
  }

  /// The next record, checked to have as many fields as the header; nil at the end.
  public mutating func nextRecord() throws -> CSVRecord? {
    let headerCount = header.count
    return try withNextRawRecord(checkingCount: headerCount) { raw in
      CSVRecord(fields: (0..<raw.count).map { raw.string($0) }, line: raw.line)
    }
  }

  /// Parses the next record and hands its fields, as bytes, to `body` (no String is made);
  /// nil at the end. The record is checked to have as many fields as the header. The bytes are
  /// valid only during `body`.
  public mutating func withNextRawRecord<R>(_ body: (CSVRawRecord) throws -> R) throws -> R? {
    try withNextRawRecord(checkingCount: header.count, body)
  }

  private mutating func withNextRawRecord<R>(
    checkingCount expected: Int?, _ body: (CSVRawRecord) throws -> R
  ) throws -> R? {
    guard let raw = try parseRecord() else { return nil }
    if let expected, raw.count != expected {
      throw CSVError(
        path: path, line: raw.line, column: min(raw.count, expected + 1),
        kind: .raggedRow(expected: expected, found: raw.count))
    }
    return try body(raw)
  }

  /// Any number of fields, as Strings (the header).
  private mutating func readRecord() throws -> CSVRecord? {
    try withNextRawRecord(checkingCount: nil) { raw in
      CSVRecord(fields: (0..<raw.count).map { raw.string($0) }, line: raw.line)
    }
  }

  /// Parses one record in the buffer (topping it up and starting over when the record runs
  /// past the buffered bytes); skips empty lines.
  private mutating func parseRecord() throws -> CSVRawRecord? {
    while true {
      if let outcome = try parseBuffered() { return outcome.record }
      try storage.refill(path: path)
    }
  }

  private struct Outcome { var record: CSVRawRecord? }

  /// One attempt on the buffered bytes: nil when more bytes are needed (nothing is consumed).
  private mutating func parseBuffered() throws -> Outcome? {
    let quote: UInt8 = 0x22, comma: UInt8 = 0x2C, cr: UInt8 = 0x0D, lf: UInt8 = 0x0A
    let s = storage
    let bytes = s.bytes
    let end = s.end
    let finished = s.finished
    var p = s.start
    var l = line
    // Skip blank lines.
    while p < end {
      let b = bytes[p]
      if b == lf {
        p &+= 1
        l &+= 1
      } else if b == cr {
        if p &+ 1 == end && !finished { return nil }
        p &+= 1
        if p < end && bytes[p] == lf { p &+= 1 }
        l &+= 1
      } else {
        break
      }
    }
    if p == end {
      if !finished { return nil }
      s.start = p
      line = l
      return Outcome(record: nil)
    }
    let startLine = l
    var fieldCount = 0
    var scratchUsed = 0
    var asciiMask: UInt64 = 0
    while true {
      let column = fieldCount &+ 1
      var span: Span
      var terminator: UInt8 = 0  // 0: end of input
      if bytes[p] == quote {
        p &+= 1
        let quoteLine = l
        let first = scratchUsed
        var high: UInt8 = 0
        while true {
          if p == end {
            if !finished { return nil }
            throw CSVError(path: path, line: quoteLine, column: column, kind: .unterminatedQuote)
          }
          let b = bytes[p]
          p &+= 1
          if b == quote {
            if p == end && !finished { return nil }
            if p < end && bytes[p] == quote {
              p &+= 1
            } else {
              break
            }
          } else if b == lf {
            l &+= 1
          } else if b == cr {
            if p == end && !finished { return nil }
            if !(p < end && bytes[p] == lf) { l &+= 1 }
          }
          high |= b
          if scratchUsed == s.scratchCapacity { s.growScratch(to: scratchUsed &+ 1) }
          s.scratch[scratchUsed] = b
          scratchUsed &+= 1
        }
        if p == end {
          if !finished { return nil }
        } else {
          terminator = bytes[p]
          p &+= 1
          if terminator != comma && terminator != lf && terminator != cr {
            throw CSVError(path: path, line: l, column: column, kind: .textAfterClosingQuote)
          }
        }
        span = Span(start: first, count: scratchUsed &- first, quoted: true, ascii: high < 0x80)
      } else {
        let first = p
        var high: UInt8 = 0
        while p < end {
          let b = bytes[p]
          if b == comma || b == lf || b == cr { break }
          if b == quote {
            throw CSVError(path: path, line: l, column: column, kind: .quoteInUnquotedField)
          }
          high |= b
          p &+= 1
        }
        if p == end {
          if !finished { return nil }
        } else {
          terminator = bytes[p]
        }
        span = Span(start: first, count: p &- first, quoted: false, ascii: high < 0x80)
        if p < end { p &+= 1 }
      }
      if !span.ascii {
        let base = (span.quoted ? UnsafePointer(s.scratch) : UnsafePointer(bytes)) + span.start
        guard
          String(validating: UnsafeBufferPointer(start: base, count: span.count), as: UTF8.self)
            != nil
        else {
          throw CSVError(path: path, line: l, column: column, kind: .invalidUTF8)
        }
      } else if fieldCount < 64 {
        asciiMask |= 1 &<< UInt64(fieldCount)
      }
      if fieldCount == s.spanCapacity { s.growSpans() }
      s.spans[fieldCount] = span
      fieldCount &+= 1
      if terminator == comma {
        if p == end && !finished { return nil }
        if p == end {
          // A trailing comma at the very end: one more, empty field.
          if fieldCount == s.spanCapacity { s.growSpans() }
          s.spans[fieldCount] = Span(start: p, count: 0, quoted: false, ascii: true)
          if fieldCount < 64 { asciiMask |= 1 &<< UInt64(fieldCount) }
          fieldCount &+= 1
          break
        }
        continue
      }
      if terminator == cr {
        if p == end && !finished { return nil }
        if p < end && bytes[p] == lf { p &+= 1 }
        l &+= 1
      } else if terminator == lf {
        l &+= 1
      }
      break
    }
    s.start = p
    line = l
    return Outcome(
      record: CSVRawRecord(
        spans: s.spans, data: bytes, scratch: s.scratch, count: fieldCount, line: startLine,
        asciiMask: asciiMask))
  }
}

#if canImport(Glibc)
  private let systemRead = Glibc.read
#elseif canImport(Darwin)
  private let systemRead = Darwin.read
#endif
