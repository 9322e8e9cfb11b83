// A buffered CSV writer on an atomic output file: rows become visible only when `finish()`
// succeeds; on any failure (or if `finish` is never called) the temporary file is removed.
// Fields are quoted only when needed (comma, quote, CR, LF, or leading/trailing space).

import Foundation

/// Writes CSV records to a file, atomically.
public final class CSVWriter {
  private let file: AtomicOutputFile
  private var line: [UInt8] = []

  public init(path: String) throws {
    file = try AtomicOutputFile(path: path)
  }

  /// Appends one record.
  public func writeRecord(_ fields: [String]) throws {
    line.removeAll(keepingCapacity: true)
    for (index, field) in fields.enumerated() {
      if index > 0 { line.append(0x2C) }
      Self.appendField(field, to: &line)
    }
    line.append(0x0A)
    try file.write(line)
  }

  static func appendField(_ field: String, to out: inout [UInt8]) {
    let utf8 = field.utf8
    let needsQuotes =
      utf8.contains { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }
      || utf8.first == 0x20 || utf8.last == 0x20
    guard needsQuotes else {
      out.append(contentsOf: utf8)
      return
    }
    out.append(0x22)
    for byte in utf8 {
      if byte == 0x22 { out.append(0x22) }
      out.append(byte)
    }
    out.append(0x22)
  }

  /// Publishes the file.
  public func finish() throws { try file.commit() }

  /// Drops everything written.
  public func cancel() { file.discard() }
}
