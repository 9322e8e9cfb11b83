// The public domain of a table: which columns exist, their types and bounds, category lists,
// weights and missing-value tokens. Everything the encoding needs comes from here and never from
// the data (Docs/privacy.md, "The guarantee"). This file is the value type and its validation; JSON reading and writing
// live in Schema+JSON.swift, drafting from data in Schema+Draft.swift.

import Foundation

/// The declared domain of one column.
public enum ColumnDomain: Equatable, Sendable {
  /// A number in [lower, upper]; `integer` rounds decoded values.
  case numeric(lower: Double, upper: Double, integer: Bool)
  /// One of a fixed list of categories. `catchAll`, when set, is a member of `categories` that
  /// receives every value outside the list (otherwise such a value is an error).
  case categorical(categories: [String], catchAll: String?)
}

/// What a numeric column does with a field that is not a finite number.
public enum NonNumericPolicy: String, Equatable, Sendable, CaseIterable {
  /// The field is an error naming file, line, column and value (the default).
  case error
  /// The field is read as missing (the column must be nullable).
  case missing
  /// The field is read as the lower bound, like a clamped value.
  case lower
}

/// One column of a schema.
public struct SchemaColumn: Equatable, Sendable {
  public var name: String
  public var domain: ColumnDomain
  /// Whether a missing value (one of the schema's missing tokens) is allowed.
  public var nullable: Bool
  /// Relative weight w_c of the column in the encoding (Docs/schema.md); default 1.
  public var weight: Double
  /// A dropped column is read (it must exist in the CSV) but never encoded or released.
  public var drop: Bool
  /// Numeric columns only: what a field that is not a finite number becomes. Schemas discovered
  /// under privacy use `.missing` (nullable columns) or `.lower`, so every row encodes.
  public var nonNumeric: NonNumericPolicy
  /// Free text for the reader (ignored by slicegen): where a bound comes from, what to review.
  public var note: String?

  public init(
    name: String, domain: ColumnDomain, nullable: Bool = false, weight: Double = 1,
    drop: Bool = false, nonNumeric: NonNumericPolicy = .error, note: String? = nil
  ) {
    self.name = name
    self.domain = domain
    self.nullable = nullable
    self.weight = weight
    self.drop = drop
    self.nonNumeric = nonNumeric
    self.note = note
  }

  public var isNumeric: Bool {
    if case .numeric = domain { return true }
    return false
  }
}

/// A table's public domain.
///
/// ## Privacy
/// A schema is public input: the release reads bounds, categories and weights from it, never from
/// the data. A schema drafted from the data (`slicegen schema`) carries `dataDerived = true`, and
/// a release made with it states that the domain itself is not protected.
public struct Schema: Equatable, Sendable {
  public var columns: [SchemaColumn]
  /// Field texts that mean "missing" in nullable columns; the first is written when sampling.
  public var missingTokens: [String]
  /// True when the schema was drafted from the data rather than from public knowledge.
  public var dataDerived: Bool
  /// Free text: where the domain comes from (documentation, code book, …).
  public var source: String?
  /// Set when the schema was discovered from the data under differential privacy
  /// (`slicegen release` without `--schema`): the spend it cost that table.
  public var discovery: SchemaDiscoveryRecord?
  /// The column users will predict (a kept column), or nil. Public, like the rest of the schema;
  /// `release`, `fit` and `evaluate` read it and `--target` overrides it.
  public var target: String?

  public init(
    columns: [SchemaColumn], missingTokens: [String] = [""], dataDerived: Bool = false,
    source: String? = nil, discovery: SchemaDiscoveryRecord? = nil, target: String? = nil
  ) throws {
    self.columns = columns
    self.missingTokens = missingTokens
    self.dataDerived = dataDerived
    self.source = source
    self.discovery = discovery
    self.target = target
    try validate()
  }

  /// The same schema with another target (nil: none), as `--target` names it.
  /// - Throws: `OptionError` for `--target` when `name` is not a kept column.
  public func withTarget(_ name: String?) throws(OptionError) -> Schema {
    var copy = self
    copy.target = name
    if let rule = copy.targetRule() { throw OptionError(option: "target", value: nil, rule: rule) }
    return copy
  }

  /// Checks that the target, when set, names a kept column.
  public func validateTarget() throws {
    if let rule = targetRule() { throw SchemaError.invalid("target " + rule) }
  }

  /// What is wrong with the target (`"x" is a dropped column: …`), or nil when it is none or a
  /// kept column.
  private func targetRule() -> String? {
    guard let target else { return nil }
    let name = ValueText.quoted(target)
    guard let column = columns.first(where: { $0.name == target }) else {
      let kept = keptColumns.map { ValueText.quoted($0.name) }
      return "\"\(name)\" is not a column of the schema (its kept columns: "
        + "\(kept.prefix(20).joined(separator: ", "))\(kept.count > 20 ? ", …" : ""))"
    }
    guard !column.drop else {
      return "\"\(name)\" is a dropped column: the target must be released (remove "
        + "\"drop\": true, or name another column)"
    }
    return nil
  }

  /// The columns that are encoded and released, in order.
  public var keptColumns: [SchemaColumn] { columns.filter { !$0.drop } }

  /// Checks every rule of Docs/schema.md; throws the first violation.
  public func validate() throws {
    guard !columns.isEmpty else { throw SchemaError.invalid("the schema has no columns") }
    var seen = Set<String>()
    for column in columns {
      // Shown in messages, cut to ValueText.limit characters (a drafted schema holds data).
      let name = ValueText.quoted(column.name)
      guard !column.name.isEmpty else { throw SchemaError.invalid("a column has an empty name") }
      guard seen.insert(column.name).inserted else {
        throw SchemaError.invalid("column \"\(name)\" is declared twice")
      }
      guard column.weight.isFinite, column.weight > 0 else {
        throw SchemaError.invalid(
          "column \"\(name)\": weight is \(column.weight), must be positive and finite")
      }
      switch column.domain {
      case .numeric(let lower, let upper, let integer):
        guard lower.isFinite, upper.isFinite else {
          throw SchemaError.invalid("column \"\(name)\": bounds must be finite numbers")
        }
        guard lower < upper else {
          throw SchemaError.invalid(
            "column \"\(name)\": lower (\(lower)) must be below upper (\(upper))")
        }
        if integer, lower.rounded() != lower || upper.rounded() != upper {
          throw SchemaError.invalid("column \"\(name)\": an integer column needs integer bounds")
        }
        if column.nonNumeric == .missing, !column.nullable {
          throw SchemaError.invalid(
            "column \"\(name)\": \"nonNumeric\": \"missing\" needs \"nullable\": true")
        }
      case .categorical(let categories, let catchAll):
        guard !categories.isEmpty else {
          throw SchemaError.invalid("column \"\(name)\": a categorical column needs categories")
        }
        guard Set(categories).count == categories.count else {
          throw SchemaError.invalid("column \"\(name)\": categories must be distinct")
        }
        if let catchAll, !categories.contains(catchAll) {
          throw SchemaError.invalid(
            "column \"\(name)\": catchAll \"\(ValueText.quoted(catchAll))\" is not one of its "
              + "categories")
        }
        if column.nullable, categories.contains(where: { missingTokens.contains($0) }) {
          throw SchemaError.invalid(
            "column \"\(name)\": a nullable column cannot have a missing token as a category")
        }
      }
    }
    guard columns.contains(where: { !$0.drop }) else {
      throw SchemaError.invalid("every column is dropped: nothing to release")
    }
    try validateTarget()
  }
}

/// The privacy spend of a schema discovered from a table (Docs/privacy.md, "Private domain discovery"): reusing the schema on the
/// same table adds this spend to the new release's.
public struct SchemaDiscoveryRecord: Codable, Equatable, Sendable {
  public var epsilon: Double
  public var delta: Double
  /// Always replace-one: discovery reads raw rows, where zero-out is not defined.
  public var neighbors: NeighbouringRelation
  /// n of the table it was discovered from (public in slicegen's privacy model).
  public var rows: Int

  public init(
    epsilon: Double, delta: Double, neighbors: NeighbouringRelation = .replaceOne, rows: Int
  ) {
    self.epsilon = epsilon
    self.delta = delta
    self.neighbors = neighbors
    self.rows = rows
  }
}

/// A schema that cannot be read or is inconsistent.
public enum SchemaError: Error, CustomStringConvertible, Equatable {
  case invalid(String)
  case unreadable(path: String, reason: String)

  public var description: String {
    switch self {
    case .invalid(let message): return "invalid schema: \(message)"
    case .unreadable(let path, let reason): return "\(path): \(reason)"
    }
  }
}
