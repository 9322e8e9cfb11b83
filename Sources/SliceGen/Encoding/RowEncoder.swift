// Turns CSV records into encoded rows (Docs/design.md, "Encoding"), checking every value against the schema.
// It owns the column mapping (CSV header ↔ schema), the per-column lookup tables and the
// clamping counters. It does not read files or draw noise.
//
// Two paths, one behaviour. `encode(_:line:into:)` takes Strings and is the reference.
// `encode(_: CSVRawRecord, into:)` works on the record's bytes: a numeric field of the plain form
// -?digits[.digits] with at most 15 digits is converted exactly (the integer is below 2^53 and the
// power of ten is exact, so one correctly rounded division gives the correctly rounded value, the
// same Double that `Double(String)`'s strtod gives); a categorical field or missing token is
// matched byte for byte when the field and every candidate are ASCII (for ASCII text, String
// equality is byte equality). Anything else (exponents, spaces, other Unicode, unknown values,
// errors) goes to the reference path with the field as a String, so the results, counters and
// error messages are the same (EncodingTests compares the two on tricky fields).
//
// With public bins (a release with marginals), each record also gets its bin codes, from the value
// as read (clamped), never from the scaled Float written into the row: one code per kept column,
// the category's index, the numeric value's bin, or the missing bin.

import Foundation

/// A value the schema does not allow, with the evidence to find it.
public struct EncodingError: Error, CustomStringConvertible, Equatable {
  public var path: String
  public var line: Int
  public var column: Int
  public var columnName: String
  public var value: String
  public var reason: String

  public var description: String {
    "\(path):\(line):\(column): column \"\(ValueText.quoted(columnName))\": value "
      + "\"\(ValueText.quoted(value))\" \(reason)"
  }
}

/// A mismatch between a CSV header and a schema.
public struct HeaderError: Error, CustomStringConvertible, Equatable {
  public var path: String
  public var message: String
  public var description: String { "\(path):1: \(message)" }
}

/// Encodes records of one CSV file with one schema.
public struct RowEncoder {
  public let encoding: Encoding
  public let path: String
  /// For each encoded block, the CSV field index holding its column.
  let fieldIndex: [Int]
  /// For categorical blocks: category text → index.
  let lookup: [[String: Int]?]
  let catchAllIndex: [Int?]
  let missing: Set<String>
  /// How many values of each block were clamped into the declared bounds.
  public private(set) var clampedCounts: [Int]
  /// How many values of each block were mapped to the catch-all category.
  public private(set) var catchAllCounts: [Int]
  public let expectedFieldCount: Int
  /// Per block, what the byte path needs.
  private let plans: [BlockPlan]
  /// The public bins codes are written on (one per kept column), or nil.
  public let bins: [ColumnBins]?

  private struct BlockPlan {
    var field: Int
    var offset: Int
    var width: Int
    var scale: Float
    /// 0 numeric, 1 nullable numeric, 2 categorical.
    var kind: Int
    var lower: Double
    var upper: Double
    var nullable: Bool
    /// The missing slot within the block (nullable only).
    var missingSlot: Int
    /// Whether the byte path may decide for an ASCII field (every candidate text is ASCII).
    var asciiSafe: Bool
    var categories: ByteTable?
  }

  /// Maps `header` to the schema: every schema column must be in the CSV and vice versa.
  /// - Parameter bins: one per kept column when records should also get bin codes.
  public init(
    encoding: Encoding, header: [String], path: String, bins: [ColumnBins]? = nil
  ) throws {
    precondition(bins == nil || bins!.count == encoding.blocks.count)
    self.encoding = encoding
    self.path = path
    self.bins = bins
    let schema = encoding.schema
    var position: [String: Int] = [:]
    for (index, name) in header.enumerated() { position[name] = index }
    let declared = Set(schema.columns.map(\.name))
    if let extra = header.first(where: { !declared.contains($0) }) {
      throw HeaderError(
        path: path,
        message: "column \"\(ValueText.quoted(extra))\" is in the CSV but not in the schema "
          + "(declare it, with \"drop\": true to leave it out of the release)")
    }
    if let absent = schema.columns.first(where: { position[$0.name] == nil }) {
      throw HeaderError(
        path: path,
        message: "schema column \"\(ValueText.quoted(absent.name))\" is not in the CSV header")
    }
    fieldIndex = encoding.blocks.map { position[$0.name]! }
    lookup = encoding.blocks.map { block in
      guard case .categorical(let categories, _) = block.kind else { return nil }
      var table: [String: Int] = [:]
      for (index, category) in categories.enumerated() { table[category] = index }
      return table
    }
    catchAllIndex = encoding.blocks.map { block in
      guard
        case .categorical(let categories, catchAll: let catchAll?) =
          schema.columns[block.schemaIndex].domain
      else { return nil }
      return categories.firstIndex(of: catchAll)
    }
    missing = Set(schema.missingTokens)
    clampedCounts = Array(repeating: 0, count: encoding.blocks.count)
    catchAllCounts = Array(repeating: 0, count: encoding.blocks.count)
    expectedFieldCount = header.count
    let missingASCII = schema.missingTokens.allSatisfy { $0.utf8.allSatisfy { $0 < 0x80 } }
    let missingBytes = schema.missingTokens.map { Array($0.utf8) }
    var plans: [BlockPlan] = []
    for (index, block) in encoding.blocks.enumerated() {
      let nullable = schema.columns[block.schemaIndex].nullable
      var plan = BlockPlan(
        field: fieldIndex[index], offset: block.offset, width: block.width, scale: block.scale,
        kind: 0, lower: 0, upper: 1, nullable: nullable, missingSlot: 0,
        asciiSafe: !nullable || missingASCII, categories: nil)
      switch block.kind {
      case .numeric(let lower, let upper, _):
        (plan.lower, plan.upper) = (lower, upper)
      case .nullableNumeric(let lower, let upper, _):
        (plan.kind, plan.lower, plan.upper, plan.missingSlot) = (1, lower, upper, 1)
      case .categorical(let categories, let missingIndex):
        plan.kind = 2
        plan.missingSlot = missingIndex ?? 0
        if nullable && missingIndex == nil { plan.asciiSafe = false }
        if !categories.allSatisfy({ $0.utf8.allSatisfy { $0 < 0x80 } }) { plan.asciiSafe = false }
        // The String table's own answers, keyed by bytes.
        let table = lookup[index]!
        plan.categories = ByteTable(categories.map { (Array($0.utf8), table[$0]!) })
      }
      plans.append(plan)
    }
    self.plans = plans
    self.missingBytes = missingBytes
  }

  private let missingBytes: [[UInt8]]

  /// Encodes one raw record into `row` (encoding.width entries, overwritten): the byte path
  /// where it applies, the String path otherwise; the same results either way.
  /// - Parameter codes: with `bins`, one bin code per kept column (overwritten).
  public mutating func encode(
    _ record: CSVRawRecord, into row: UnsafeMutablePointer<Float>,
    codes: UnsafeMutablePointer<Int32>? = nil
  ) throws {
    precondition(codes == nil || bins != nil, "bin codes need the encoder's bins")
    try plans.withUnsafeBufferPointer { plans in
      for blockIndex in 0..<plans.count {
        let plan = plans[blockIndex]
        if plan.asciiSafe && record.isASCII(plan.field)
          && encodeBytes(
            record.field(plan.field), plan: plan, blockIndex: blockIndex, row: row, codes: codes)
        {
          continue
        }
        try encodeBlock(
          blockIndex, text: record.string(plan.field), line: record.line, row: row, codes: codes)
      }
    }
  }

  /// The bin code of a numeric block's value (already clamped), or of its missing bin (nil).
  @inline(__always)
  private func code(block: Int, value: Double?) -> Int32 {
    let columnBins = bins![block]
    guard let value else { return Int32(columnBins.missingBin!) }
    return Int32(columnBins.bin(of: value))
  }

  /// The byte path for one block; false when the String path must decide.
  @inline(__always)
  private mutating func encodeBytes(
    _ field: UnsafeBufferPointer<UInt8>, plan: BlockPlan, blockIndex: Int,
    row: UnsafeMutablePointer<Float>, codes: UnsafeMutablePointer<Int32>?
  ) -> Bool {
    let out = row + plan.offset
    if plan.nullable {
      for token in missingBytes where token.count == field.count {
        if token.withUnsafeBufferPointer({ $0.elementsEqual(field) }) {
          for j in 0..<plan.width { out[j] = 0 }
          out[plan.missingSlot] = plan.scale
          codes?[blockIndex] =
            plan.kind == 2 ? Int32(plan.missingSlot) : code(block: blockIndex, value: nil)
          return true
        }
      }
    }
    if plan.kind == 2 {
      guard let index = plan.categories!.index(of: field) else { return false }
      for j in 0..<plan.width { out[j] = 0 }
      out[index] = plan.scale
      codes?[blockIndex] = Int32(index)
      return true
    }
    guard let value = Self.simpleDecimal(field) else { return false }
    for j in 0..<plan.width { out[j] = 0 }
    var clamped = value
    if value < plan.lower || value > plan.upper {
      clamped = min(max(value, plan.lower), plan.upper)
      clampedCounts[blockIndex] += 1
    }
    let unit = (clamped - plan.lower) / (plan.upper - plan.lower)
    out[0] = Float(unit) * plan.scale
    codes?[blockIndex] = code(block: blockIndex, value: clamped)
    return true
  }

  /// Exact powers of ten 10^0 … 10^15 (all exactly representable).
  private static let powersOfTen: [Double] = (0...15).map { k in
    var p = 1.0
    for _ in 0..<k { p *= 10 }
    return p
  }

  /// -?digits[.digits] with 1 to 15 digits in all, as the correctly rounded Double; nil for
  /// anything else (the String path decides).
  @inline(__always)
  static func simpleDecimal(_ f: UnsafeBufferPointer<UInt8>) -> Double? {
    let n = f.count
    guard n > 0, n <= 17 else { return nil }
    var i = 0
    let negative = f[0] == 0x2D
    if negative { i = 1 }
    var mantissa: UInt64 = 0
    var digits = 0
    while i < n {
      let d = f[i] &- 0x30
      guard d < 10 else { break }
      mantissa = mantissa &* 10 &+ UInt64(d)
      digits &+= 1
      i &+= 1
    }
    guard digits > 0 else { return nil }
    var fraction = 0
    if i < n && f[i] == 0x2E {
      i &+= 1
      while i < n {
        let d = f[i] &- 0x30
        guard d < 10 else { return nil }
        mantissa = mantissa &* 10 &+ UInt64(d)
        fraction &+= 1
        i &+= 1
      }
      guard fraction > 0 else { return nil }
    }
    guard i == n, digits &+ fraction <= 15 else { return nil }
    var value = Double(mantissa)
    if fraction > 0 { value /= powersOfTen[fraction] }
    return negative ? -value : value
  }

  /// Encodes one record into `row` (encoding.width entries, overwritten).
  /// - Parameter line: the record's line in the file, for error messages.
  public mutating func encode(
    _ fields: [String], line: Int, into row: UnsafeMutablePointer<Float>,
    codes: UnsafeMutablePointer<Int32>? = nil
  ) throws {
    precondition(codes == nil || bins != nil, "bin codes need the encoder's bins")
    for blockIndex in encoding.blocks.indices {
      try encodeBlock(
        blockIndex, text: fields[fieldIndex[blockIndex]], line: line, row: row, codes: codes)
    }
  }

  /// The reference encoding of one block from its field's text.
  private mutating func encodeBlock(
    _ blockIndex: Int, text: String, line: Int, row: UnsafeMutablePointer<Float>,
    codes: UnsafeMutablePointer<Int32>?
  ) throws {
    let schema = encoding.schema
    let block = encoding.blocks[blockIndex]
    let field = fieldIndex[blockIndex]
    let out = row + block.offset
    for j in 0..<block.width { out[j] = 0 }
    let nullable = schema.columns[block.schemaIndex].nullable
    if nullable, missing.contains(text) {
      switch block.kind {
      case .nullableNumeric:
        out[1] = block.scale
        codes?[blockIndex] = code(block: blockIndex, value: nil)
      case .categorical(_, let missingIndex?):
        out[missingIndex] = block.scale
        codes?[blockIndex] = Int32(missingIndex)
      default: preconditionFailure("nullable column without a missing slot")
      }
      return
    }
    switch block.kind {
    case .numeric(let lower, let upper, _), .nullableNumeric(let lower, let upper, _):
      // Fast path first; surrounding spaces (as in the original UCI files) are tolerated.
      let parsed = Double(text) ?? Double(text.trimmingCharacters(in: .whitespaces))
      let policy = schema.columns[block.schemaIndex].nonNumeric
      if policy != .error, !(parsed?.isFinite ?? false) {
        // A declared policy for fields that are not finite numbers (schemas discovered under
        // privacy): read as missing, or as the lower bound (all zeros; counted as clamped).
        if policy == .missing, case .nullableNumeric = block.kind {
          out[1] = block.scale
          codes?[blockIndex] = code(block: blockIndex, value: nil)
        } else {
          clampedCounts[blockIndex] += 1
          codes?[blockIndex] = code(block: blockIndex, value: lower)
        }
        return
      }
      guard let value = parsed else {
        let reason =
          missing.contains(text)
          ? "is missing, but the column is not nullable"
          : "is not a number"
        throw error(line: line, field: field, block: block, value: text, reason: reason)
      }
      guard value.isFinite else {
        throw error(
          line: line, field: field, block: block, value: text, reason: "is not a finite number")
      }
      var clamped = value
      if value < lower || value > upper {
        clamped = min(max(value, lower), upper)
        clampedCounts[blockIndex] += 1
      }
      let unit = (clamped - lower) / (upper - lower)
      out[0] = Float(unit) * block.scale
      codes?[blockIndex] = code(block: blockIndex, value: clamped)
    case .categorical(let categories, _):
      if let index = lookup[blockIndex]![text] {
        out[index] = block.scale
        codes?[blockIndex] = Int32(index)
      } else if let index = catchAllIndex[blockIndex] {
        out[index] = block.scale
        codes?[blockIndex] = Int32(index)
        catchAllCounts[blockIndex] += 1
      } else {
        let reason =
          missing.contains(text) && !nullable
          ? "is missing, but the column is not nullable"
          : "is not a declared category (\(categories.count) declared; add it to the schema "
            + "or declare a \"catchAll\" category)"
        throw error(line: line, field: field, block: block, value: text, reason: reason)
      }
    }
  }

  private func error(
    line: Int, field: Int, block: EncodedBlock, value: String, reason: String
  ) -> EncodingError {
    EncodingError(
      path: path, line: line, column: field + 1, columnName: block.name, value: value,
      reason: reason)
  }
}

/// Byte strings → indices, by open addressing on an FNV-1a hash (for categories).
private struct ByteTable {
  private var keys: [UInt8] = []
  private var slots: [(start: Int32, count: Int32, value: Int32)]
  private let mask: Int

  init(_ entries: [([UInt8], Int)]) {
    var size = 8
    while size < 2 * entries.count { size *= 2 }
    mask = size - 1
    slots = Array(repeating: (-1, 0, 0), count: size)
    for (key, value) in entries {
      let start = keys.count
      var h = Self.hash(key.withUnsafeBufferPointer { $0 }) & mask
      // First entry wins for duplicate byte strings (the String table has one answer for both).
      var duplicate = false
      while slots[h].start >= 0 {
        let s = slots[h]
        if Int(s.count) == key.count && Array(keys[Int(s.start)..<Int(s.start + s.count)]) == key {
          duplicate = true
          break
        }
        h = (h + 1) & mask
      }
      if duplicate { continue }
      keys += key
      slots[h] = (Int32(start), Int32(key.count), Int32(value))
    }
  }

  @inline(__always)
  static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
    return Int(truncatingIfNeeded: h ^ (h >> 29))
  }

  @inline(__always)
  func index(of field: UnsafeBufferPointer<UInt8>) -> Int? {
    var h = Self.hash(field) & mask
    return keys.withUnsafeBufferPointer { keys in
      slots.withUnsafeBufferPointer { slots in
        while true {
          let s = slots[h]
          if s.start < 0 { return nil }
          if Int(s.count) == field.count
            && memcmp(keys.baseAddress! + Int(s.start), field.baseAddress!, field.count) == 0
          {
            return Int(s.value)
          }
          h = (h &+ 1) & mask
        }
      }
    }
  }
}
