// The plain reference for CSVReader's fast path: the original byte-at-a-time RFC 4180 reader
// (peek/next over buffered chunks, one String per field). CSVTests hold the fast reader to it on
// tricky inputs at every chunk size; nothing else uses it.

import Foundation

/// The reference CSV reader (tests only): the same records, lines and errors as `CSVReader`.
struct ReferenceCSVReader {
  let path: String
  private(set) var header: [String]
  private var source: ReferenceChunkSource
  private var line = 1
  private var fieldBytes: [UInt8] = []

  /// Opens `path` and reads the header.
  init(path: String) throws {
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
    source = ReferenceChunkSource(handle: handle, chunkSize: chunkSize, path: path)
    header = []
    // Skip a UTF-8 byte order mark.
    if try source.peek() == 0xEF {
      let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
      var matched = true
      for b in bom {
        if try source.peek() == b {
          _ = try source.next()
        } else {
          matched = false
          break
        }
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
  mutating func nextRecord() throws -> CSVRecord? {
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
          guard let b = try source.next() else {
            terminator = nil
            break
          }
          if b == comma || b == lf || b == cr {
            terminator = b
            break
          }
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
private struct ReferenceChunkSource {
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
