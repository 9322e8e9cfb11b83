// Sizes computed from numbers a file states about itself (header lengths, row counts, widths):
// a crafted or corrupted file can make any of them huge or negative, and plain `+` and `*` trap
// on overflow. The loaders compute every such size here, compare it with the file's actual size,
// and throw a message naming the field before they allocate, read or checksum anything.

/// Overflow-checked arithmetic on sizes read from files.
enum CheckedSize {
  /// The product of `factors`, or nil when one is negative or the product overflows `Int`.
  static func product(_ factors: Int...) -> Int? {
    var result = 1
    for factor in factors {
      guard factor >= 0 else { return nil }
      let (value, overflow) = result.multipliedReportingOverflow(by: factor)
      guard !overflow else { return nil }
      result = value
    }
    return result
  }

  /// The sum of `terms`, or nil when one is negative or the sum overflows `Int`.
  static func sum(_ terms: Int?...) -> Int? {
    var result = 0
    for term in terms {
      guard let term, term >= 0 else { return nil }
      let (value, overflow) = result.addingReportingOverflow(term)
      guard !overflow else { return nil }
      result = value
    }
    return result
  }

  /// The header length stored in bytes 8..<16 of a release or model file (UInt64 little-endian),
  /// checked against the file's size (16 bytes before the header, a 32-byte checksum after it).
  static func headerLength(
    _ field: UInt64, fileSize: Int, fail: (String) -> Error
  ) throws -> Int {
    let room = max(fileSize - 16 - 32, 0)
    guard field > 0, field <= UInt64(room) else {
      throw fail(
        "truncated or corrupted: the header length field (bytes 8 to 15) is \(field), "
          + "but the file of \(fileSize) bytes has room for a header of at most \(room) bytes")
    }
    return Int(field)
  }
}
