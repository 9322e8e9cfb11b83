// A table loaded for evaluation: the schema's kept columns, numeric ones as Double (NaN when
// missing or not a finite number), categorical ones as text (nil when missing), every value as it
// is written, with the values outside the schema counted per column (OutsideSchema.swift).
// Evaluation reads real data: it is the data owner's tool, outside the privacy boundary.

import Foundation

/// Column-oriented data of one CSV file, restricted to a schema's kept columns.
public struct EvaluationTable: Sendable {
  public enum Column: Sendable {
    case numeric([Double])
    case categorical([String?])
  }

  public var names: [String]
  public var columns: [Column]
  public var rows: Int
  /// The columns with values outside the schema (OutsideSchema.swift), in schema order; empty
  /// when every value is inside or the table was not read against a schema.
  public var outsideSchema: [OutsideSchemaCount] = []

  /// Reads `path`; every kept column of `schema` must be in the header (others are ignored).
  /// Values outside the schema are kept as they are written and counted in `outsideSchema`.
  public init(path: String, schema: Schema) throws {
    var reader = try CSVReader(path: path)
    let kept = schema.keptColumns
    var index: [Int] = []
    for column in kept {
      guard let i = reader.header.firstIndex(of: column.name) else {
        throw HeaderError(
          path: path, message: "column \"\(ValueText.quoted(column.name))\" is not in the header")
      }
      index.append(i)
    }
    let rules = kept.map { OutsideSchemaRule(column: $0, missingTokens: schema.missingTokens) }
    var outside = kept.map { column -> OutsideSchemaCount in
      if case .numeric(let lower, let upper, _) = column.domain {
        return OutsideSchemaCount(column: column.name, lower: lower, upper: upper)
      }
      return OutsideSchemaCount(column: column.name)
    }
    var numeric = kept.map { _ in [Double]() }
    var text = kept.map { _ in [String?]() }
    var count = 0
    while let record = try reader.nextRecord() {
      for (c, column) in kept.enumerated() {
        let field = record.fields[index[c]]
        if column.isNumeric {
          let (value, reason) = rules[c].numeric(field)
          numeric[c].append(value)
          if let reason {
            outside[c].add(
              reason, value: field, number: value.isNaN ? nil : value,
              line: record.line)
          }
        } else {
          let (value, reason) = rules[c].categorical(field)
          text[c].append(value)
          if let reason { outside[c].add(reason, value: field, number: nil, line: record.line) }
        }
      }
      count += 1
    }
    names = kept.map(\.name)
    columns = kept.enumerated().map { c, column in
      column.isNumeric ? .numeric(numeric[c]) : .categorical(text[c])
    }
    rows = count
    outsideSchema = outside.filter { $0.count > 0 }
  }

  public init(names: [String], columns: [Column]) {
    self.names = names
    self.columns = columns
    switch columns.first {
    case .numeric(let v)?: rows = v.count
    case .categorical(let v)?: rows = v.count
    case nil: rows = 0
    }
  }

  /// Each column shuffled on its own (the independent-columns reference): exact 1-way
  /// distributions, no dependence between columns.
  public func independentColumns(using rng: inout some RandomNumberGenerator) -> EvaluationTable {
    EvaluationTable(
      names: names,
      columns: columns.map { column in
        switch column {
        case .numeric(let v): return .numeric(v.shuffled(using: &rng))
        case .categorical(let v): return .categorical(v.shuffled(using: &rng))
        }
      })
  }
}
