// Turns CSV records into encoded rows (DESIGN §2), checking every value against the schema.
// It owns the column mapping (CSV header ↔ schema), the per-column lookup tables and the
// clamping counters. It does not read files or draw noise.

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
    "\(path):\(line):\(column): column \"\(columnName)\": value \"\(value)\" \(reason)"
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

  /// Maps `header` to the schema: every schema column must be in the CSV and vice versa.
  public init(encoding: Encoding, header: [String], path: String) throws {
    self.encoding = encoding
    self.path = path
    let schema = encoding.schema
    var position: [String: Int] = [:]
    for (index, name) in header.enumerated() { position[name] = index }
    let declared = Set(schema.columns.map(\.name))
    if let extra = header.first(where: { !declared.contains($0) }) {
      throw HeaderError(
        path: path,
        message: "column \"\(extra)\" is in the CSV but not in the schema "
          + "(declare it, with \"drop\": true to leave it out of the release)")
    }
    if let absent = schema.columns.first(where: { position[$0.name] == nil }) {
      throw HeaderError(
        path: path, message: "schema column \"\(absent.name)\" is not in the CSV header")
    }
    fieldIndex = encoding.blocks.map { position[$0.name]! }
    lookup = encoding.blocks.map { block in
      guard case .categorical(let categories, _) = block.kind else { return nil }
      var table: [String: Int] = [:]
      for (index, category) in categories.enumerated() { table[category] = index }
      return table
    }
    catchAllIndex = encoding.blocks.map { block in
      guard case .categorical(let categories, catchAll: let catchAll?) =
        schema.columns[block.schemaIndex].domain
      else { return nil }
      return categories.firstIndex(of: catchAll)
    }
    missing = Set(schema.missingTokens)
    clampedCounts = Array(repeating: 0, count: encoding.blocks.count)
    catchAllCounts = Array(repeating: 0, count: encoding.blocks.count)
    expectedFieldCount = header.count
  }

  /// Encodes one record into `row` (encoding.width entries, overwritten).
  /// - Parameter line: the record's line in the file, for error messages.
  public mutating func encode(
    _ fields: [String], line: Int, into row: UnsafeMutablePointer<Float>
  ) throws {
    let schema = encoding.schema
    for blockIndex in encoding.blocks.indices {
      let block = encoding.blocks[blockIndex]
      let field = fieldIndex[blockIndex]
      let text = fields[field]
      let out = row + block.offset
      for j in 0..<block.width { out[j] = 0 }
      let nullable = schema.columns[block.schemaIndex].nullable
      if nullable, missing.contains(text) {
        switch block.kind {
        case .nullableNumeric: out[1] = block.scale
        case .categorical(_, let missingIndex?): out[missingIndex] = block.scale
        default: preconditionFailure("nullable column without a missing slot")
        }
        continue
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
          } else {
            clampedCounts[blockIndex] += 1
          }
          continue
        }
        guard let value = parsed else {
          let reason = missing.contains(text)
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
      case .categorical(let categories, _):
        if let index = lookup[blockIndex]![text] {
          out[index] = block.scale
        } else if let index = catchAllIndex[blockIndex] {
          out[index] = block.scale
          catchAllCounts[blockIndex] += 1
        } else {
          let reason = missing.contains(text) && !nullable
            ? "is missing, but the column is not nullable"
            : "is not a declared category (\(categories.count) declared; add it to the schema "
              + "or declare a \"catchAll\" category)"
          throw error(line: line, field: field, block: block, value: text, reason: reason)
        }
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
