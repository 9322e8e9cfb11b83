// A streaming RFC 4180 reader: quoted fields, doubled quotes, embedded commas and line breaks,
// CRLF or LF, UTF-8 with or without BOM, empty fields. It reads fixed-size chunks, so memory does
// not grow with the number of rows; records come out one at a time with their line number, and
// every error names the file, line and column. Deliberately not here: type conversion, schemas.
//
// Choices: a completely empty line is skipped (as pandas does), except inside a quoted field; a
// quote inside an unquoted field, or text after a closing quote, is an error (RFC 4180 §2.5–2.7).

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
    case .duplicateHeaderName(let name): return place + "column name \"\(name)\" appears twice"
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

/// Reads a CSV file record by record.
public struct CSVReader {
  public let path: String
  public private(set) var header: [String]
  private var source: ChunkSource
  private var line = 1
  private var fieldBytes: [UInt8] = []

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
    source = ChunkSource(handle: handle, chunkSize: chunkSize, path: path)
    header = []
    // Skip a UTF-8 byte order mark.
    if try source.peek() == 0xEF {
      let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
      var matched = true
      for b in bom {
        if try source.peek() == b { _ = try source.next() } else { matched = false; break }
      }
      if !matched {
        throw CSVError(path: path, line: 1, column: 1, kind: .invalidUTF8)
      }
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
    guard let record = try readRecord() else { return nil }
    guard record.fields.count == header.count else {
      throw CSVError(
        path: path, line: record.line, column: min(record.fields.count, header.count + 1),
        kind: .raggedRow(expected: header.count, found: record.fields.count))
    }
    return record
  }

  /// Parses one record (any number of fields); skips empty lines.
  private mutating func readRecord() throws -> CSVRecord? {
    let quote: UInt8 = 0x22, comma: UInt8 = 0x2C, cr: UInt8 = 0x0D, lf: UInt8 = 0x0A
    // Skip blank lines.
    while let b = try source.peek(), (b == lf) || (b == cr) {
      _ = try source.next()
      if b == cr, try source.peek() == lf { _ = try source.next() }
      line += 1
    }
    guard try source.peek() != nil else { return nil }
    let startLine = line
    var fields: [String] = []
    while true {
      // One field.
      fieldBytes.removeAll(keepingCapacity: true)
      let column = fields.count + 1
      var terminator: UInt8? = nil
      if try source.peek() == quote {
        _ = try source.next()
        let quoteLine = line
        while true {
          guard let b = try source.next() else {
            throw CSVError(path: path, line: quoteLine, column: column, kind: .unterminatedQuote)
          }
          if b == quote {
            if try source.peek() == quote {
              _ = try source.next()
              fieldBytes.append(quote)
            } else {
              break
            }
          } else {
            if b == lf {
              line += 1
            } else if b == cr {
              let following = try source.peek()
              if following != lf { line += 1 }
            }
            fieldBytes.append(b)
          }
        }
        terminator = try source.next()
        if let t = terminator, t != comma, t != lf, t != cr {
          throw CSVError(path: path, line: line, column: column, kind: .textAfterClosingQuote)
        }
      } else {
        // Fast scan of an unquoted field.
        while true {
          guard let b = try source.next() else { terminator = nil; break }
          if b == comma || b == lf || b == cr { terminator = b; break }
          if b == quote {
            throw CSVError(path: path, line: line, column: column, kind: .quoteInUnquotedField)
          }
          fieldBytes.append(b)
        }
      }
      guard let text = String(validating: fieldBytes, as: UTF8.self) else {
        throw CSVError(path: path, line: line, column: column, kind: .invalidUTF8)
      }
      fields.append(text)
      switch terminator {
      case comma?:
        continue
      case cr?:
        if try source.peek() == lf { _ = try source.next() }
        line += 1
      case lf?:
        line += 1
      default:
        break
      }
      return CSVRecord(fields: fields, line: startLine)
    }
  }
}

/// Buffered bytes of a file handle.
private struct ChunkSource {
  let handle: FileHandle
  let chunkSize: Int
  let path: String
  var buffer: [UInt8] = []
  var position = 0
  var finished = false

  init(handle: FileHandle, chunkSize: Int, path: String) {
    self.handle = handle
    self.chunkSize = max(1, chunkSize)
    self.path = path
  }

  @inline(__always)
  mutating func peek() throws -> UInt8? {
    if position < buffer.count { return buffer[position] }
    try refill()
    return position < buffer.count ? buffer[position] : nil
  }

  @inline(__always)
  mutating func next() throws -> UInt8? {
    if position < buffer.count {
      defer { position &+= 1 }
      return buffer[position]
    }
    try refill()
    guard position < buffer.count else { return nil }
    defer { position &+= 1 }
    return buffer[position]
  }

  mutating func refill() throws {
    guard !finished else { return }
    let data: Data?
    do {
      data = try handle.read(upToCount: chunkSize)
    } catch {
      throw CSVError(path: path, line: 0, column: 0, kind: .unreadable(error.localizedDescription))
    }
    guard let data, !data.isEmpty else {
      finished = true
      buffer = []
      position = 0
      try? handle.close()
      return
    }
    buffer = [UInt8](data)
    position = 0
  }
}
