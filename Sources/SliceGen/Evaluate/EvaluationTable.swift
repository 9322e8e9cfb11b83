// A table loaded for evaluation: the schema's kept columns, numeric ones as Double (NaN when
// missing or not a number), categorical ones as text (nil when missing). Evaluation reads real
// data: it is the data owner's tool, outside the privacy boundary (DESIGN §6).

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

  /// Reads `path`; every kept column of `schema` must be in the header (others are ignored).
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
    let missing = Set(schema.missingTokens)
    var numeric = kept.map { _ in [Double]() }
    var text = kept.map { _ in [String?]() }
    var count = 0
    while let record = try reader.nextRecord() {
      for (c, column) in kept.enumerated() {
        let field = record.fields[index[c]]
        if column.isNumeric {
          numeric[c].append(
            column.nullable && missing.contains(field) ? .nan : Double(field) ?? .nan)
        } else {
          text[c].append(column.nullable && missing.contains(field) ? nil : field)
        }
      }
      count += 1
    }
    names = kept.map(\.name)
    columns = kept.enumerated().map { c, column in
      column.isNumeric ? .numeric(numeric[c]) : .categorical(text[c])
    }
    rows = count
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
    EvaluationTable(names: names, columns: columns.map { column in
      switch column {
      case .numeric(let v): return .numeric(v.shuffled(using: &rng))
      case .categorical(let v): return .categorical(v.shuffled(using: &rng))
      }
    })
  }
}
