// Drafts a schema by reading the data (`slicegen schema`). Convenient and NOT private: the bounds
// it writes are the observed minimum and maximum and the categories are every value seen, rare ones
// included, so publishing a release made with it can reveal, e.g., the one person with a capital
// gain of 99,999. The draft is therefore marked `dataDerived`, and `release` refuses it unless the
// user accepts that the domain is not protected.

import Foundation

/// Accumulates per-column observations and turns them into a schema draft.
public struct SchemaDrafter {
  public let header: [String]
  let missingTokens: Set<String>
  var minimum: [Double]
  var maximum: [Double]
  var allNumeric: [Bool]
  var allInteger: [Bool]
  var sawMissing: [Bool]
  var categories: [Set<String>]
  /// More distinct values than this and a non-numeric column is still drafted, but flagged.
  public let categoryLimit: Int

  /// The default of `categoryLimit` (`schema --max-categories`).
  public static let defaultCategoryLimit = 1000
  /// The category limits a draft takes.
  public static let categoryLimitRange = 1...1_000_000

  /// Checks a category limit (`--max-categories`).
  public static func validate(categoryLimit: Int) throws(OptionError) {
    if let error = OptionError.outside("max-categories", categoryLimit, categoryLimitRange) {
      throw error
    }
  }

  public init(
    header: [String], missingTokens: [String] = ["", "?", "NA", "NaN", "null"],
    categoryLimit: Int = SchemaDrafter.defaultCategoryLimit
  ) {
    self.header = header
    self.missingTokens = Set(missingTokens)
    self.categoryLimit = categoryLimit
    let n = header.count
    minimum = Array(repeating: .infinity, count: n)
    maximum = Array(repeating: -.infinity, count: n)
    allNumeric = Array(repeating: true, count: n)
    allInteger = Array(repeating: true, count: n)
    sawMissing = Array(repeating: false, count: n)
    categories = Array(repeating: [], count: n)
  }

  /// Observes one record.
  public mutating func observe(_ fields: [String]) {
    for (index, text) in fields.enumerated() where index < header.count {
      if categories[index].count <= categoryLimit { categories[index].insert(text) }
      if missingTokens.contains(text) {
        sawMissing[index] = true
        continue
      }
      if allNumeric[index] {
        if let value = Double(text.trimmingCharacters(in: .whitespaces)), value.isFinite {
          minimum[index] = min(minimum[index], value)
          maximum[index] = max(maximum[index], value)
          if value.rounded() != value { allInteger[index] = false }
        } else {
          allNumeric[index] = false
        }
      }
    }
  }

  /// The draft. Numeric columns get the observed range (widened by one unit when constant);
  /// other columns list every distinct value, sorted, with missing tokens kept as categories.
  public func schema() throws -> Schema {
    var columns: [SchemaColumn] = []
    var usedMissing = Set<String>()
    for (index, name) in header.enumerated() {
      if allNumeric[index], minimum[index] <= maximum[index] {
        var lower = minimum[index]
        var upper = maximum[index]
        if lower == upper { upper = lower + 1 }
        if allInteger[index] {
          lower = lower.rounded(.down)
          upper = upper.rounded(.up)
        }
        if sawMissing[index] {
          for token in categories[index] where missingTokens.contains(token) {
            usedMissing.insert(token)
          }
        }
        columns.append(
          SchemaColumn(
            name: name, domain: .numeric(lower: lower, upper: upper, integer: allInteger[index]),
            nullable: sawMissing[index]))
      } else {
        let values = categories[index].sorted()
        columns.append(
          SchemaColumn(
            name: name, domain: .categorical(categories: values, catchAll: nil), nullable: false,
            drop: categories[index].count > categoryLimit))
      }
    }
    let tokens = usedMissing.isEmpty ? [""] : usedMissing.sorted()
    return try Schema(
      columns: columns, missingTokens: tokens, dataDerived: true,
      source: "drafted from the data by `slicegen schema`: NOT private; review before use")
  }

  /// Columns dropped because they had too many distinct values to be categories.
  public var overfullColumns: [String] {
    header.indices.filter { !allNumeric[$0] && categories[$0].count > categoryLimit }
      .map { header[$0] }
  }
}
