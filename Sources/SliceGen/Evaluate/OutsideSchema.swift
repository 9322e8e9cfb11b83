// Values of a table that the schema does not allow, counted per column while `evaluate` reads the
// table. It is not a cleaning step: every value is scored as it is written (a number above the
// upper bound as that number, an undeclared category as a category of its own, a non-number as
// missing), and the counts say how much of the table lies outside the declared domain.
//
// The rule (Docs/evaluation.md, "Values outside the schema"), per field of a kept column:
//   numeric      a missing token in a nullable column is inside; otherwise the field must be a
//                finite number (surrounding spaces allowed, as in release) in [lower, upper],
//                and a whole number when the column is `integer`
//   categorical  a declared category is inside (the catch-all is one of them); a missing token
//                in a nullable column is inside; anything else is outside, even with a catch-all
//                (release maps such a value to the catch-all; a sampled table never writes one)
// A missing token in a column that is not nullable is outside. `nonNumeric` policies (how
// release reads a non-number) do not make a non-number inside: the domain is still numbers.

import Foundation

/// How many values of one column lie outside the schema's declared domain, and why.
public struct OutsideSchemaCount: Codable, Sendable, Equatable, CustomStringConvertible {
  /// Why a value is outside the schema.
  public enum Reason: String, Codable, Sendable, CaseIterable {
    case belowLower, aboveUpper, notWhole, notANumber, notACategory, missingButNotNullable
  }

  public var column: String
  /// The number of values outside the schema (the sum of the counts below).
  public var count: Int = 0
  public var belowLower: Int = 0
  public var aboveUpper: Int = 0
  /// A number with a fractional part in an `integer` column.
  public var notWhole: Int = 0
  /// A field of a numeric column that is not a finite number (and not an allowed missing token).
  public var notANumber: Int = 0
  /// A field of a categorical column that is not a declared category.
  public var notACategory: Int = 0
  /// A missing token in a column that is not nullable.
  public var missingButNotNullable: Int = 0
  /// The declared bounds of a numeric column.
  public var lower: Double?
  public var upper: Double?
  /// The smallest number below `lower` and the largest above `upper`.
  public var smallest: Double?
  public var largest: Double?
  /// The CSV line of the first such value, and that value (at most `ValueText.limit`
  /// characters, as in every message).
  public var firstLine: Int = 0
  public var firstValue: String = ""

  public init(column: String, lower: Double? = nil, upper: Double? = nil) {
    self.column = column
    self.lower = lower
    self.upper = upper
  }

  /// Counts one value outside the schema.
  mutating func add(_ reason: Reason, value: String, number: Double?, line: Int) {
    if count == 0 {
      firstLine = line
      firstValue = ValueText.quoted(value)
    }
    count += 1
    switch reason {
    case .belowLower:
      belowLower += 1
      if let number { smallest = Swift.min(smallest ?? number, number) }
    case .aboveUpper:
      aboveUpper += 1
      if let number { largest = Swift.max(largest ?? number, number) }
    case .notWhole: notWhole += 1
    case .notANumber: notANumber += 1
    case .notACategory: notACategory += 1
    case .missingButNotNullable: missingButNotNullable += 1
    }
  }

  /// The count of one reason.
  public subscript(reason: Reason) -> Int {
    switch reason {
    case .belowLower: belowLower
    case .aboveUpper: aboveUpper
    case .notWhole: notWhole
    case .notANumber: notANumber
    case .notACategory: notACategory
    case .missingButNotNullable: missingButNotNullable
    }
  }

  /// The reasons in words, with their counts: `above the upper bound 90: 400, largest 97`.
  public var reasons: String {
    Reason.allCases.compactMap { reason -> String? in
      let n = self[reason]
      guard n > 0 else { return nil }
      switch reason {
      case .belowLower:
        return "below the lower bound \(Self.number(lower)): \(n)"
          + (smallest.map { ", smallest \(Self.number($0))" } ?? "")
      case .aboveUpper:
        return "above the upper bound \(Self.number(upper)): \(n)"
          + (largest.map { ", largest \(Self.number($0))" } ?? "")
      case .notWhole: return "not a whole number in an integer column: \(n)"
      case .notANumber: return "not a number: \(n)"
      case .notACategory: return "not a declared category: \(n)"
      case .missingButNotNullable: return "missing in a column that is not nullable: \(n)"
      }
    }.joined(separator: "; ")
  }

  /// One line for messages: `age 400 (above the upper bound 90: 400, largest 97; first at line
  /// 7: "97")`.
  public var description: String {
    "\(ValueText.quoted(column)) \(count) (\(reasons); first at line \(firstLine): "
      + "\"\(firstValue)\")"
  }

  static func number(_ x: Double?) -> String {
    guard let x else { return "?" }
    return x.rounded() == x && abs(x) < 1e15 ? String(Int64(x)) : "\(x)"
  }
}

/// `evaluate --strict` on a synthetic table with values outside the schema.
public struct OutsideSchemaError: Error, CustomStringConvertible, Equatable {
  public var path: String
  public var columns: [OutsideSchemaCount]

  public init(path: String, columns: [OutsideSchemaCount]) {
    self.path = path
    self.columns = columns
  }

  public var description: String {
    let total = columns.reduce(0) { $0 + $1.count }
    return "\(path): \(total) value\(total == 1 ? "" : "s") outside the schema (--strict): "
      + columns.map(\.description).joined(separator: ", ")
  }
}

/// Classifies fields against one schema column (the rule at the top of this file).
struct OutsideSchemaRule {
  let column: SchemaColumn
  let missing: Set<String>
  let categories: Set<String>

  init(column: SchemaColumn, missingTokens: [String]) {
    self.column = column
    missing = Set(missingTokens)
    if case .categorical(let list, _) = column.domain {
      categories = Set(list)
    } else {
      categories = []
    }
  }

  /// A numeric field: its value for scoring (NaN when missing or not a finite number) and why it
  /// is outside the schema, or nil when it is inside.
  func numeric(_ field: String) -> (value: Double, reason: OutsideSchemaCount.Reason?) {
    guard case .numeric(let lower, let upper, let integer) = column.domain else {
      preconditionFailure("numeric(_:) on a categorical column")
    }
    if missing.contains(field) {
      return (.nan, column.nullable ? nil : .missingButNotNullable)
    }
    // Surrounding spaces are tolerated, as release reads them (RowEncoder).
    let parsed = Double(field) ?? Double(field.trimmingCharacters(in: .whitespaces))
    guard let value = parsed, value.isFinite else { return (.nan, .notANumber) }
    if value < lower { return (value, .belowLower) }
    if value > upper { return (value, .aboveUpper) }
    if integer && value.rounded() != value { return (value, .notWhole) }
    return (value, nil)
  }

  /// A categorical field: its value for scoring (nil when missing in a nullable column) and why it
  /// is outside the schema, or nil when it is inside.
  func categorical(_ field: String) -> (value: String?, reason: OutsideSchemaCount.Reason?) {
    if column.nullable && missing.contains(field) { return (nil, nil) }
    if categories.contains(field) { return (field, nil) }
    return (field, missing.contains(field) ? .missingButNotNullable : .notACategory)
  }
}
