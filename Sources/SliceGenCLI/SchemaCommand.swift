// `slicegen schema`: drafts a schema from a CSV. Convenient, and not private: it says so loudly.

import Foundation
import SliceGen

enum SchemaCommand: Command {
  /// The options, each declared once: the help shows them in `spec`'s order.
  enum Options {
    static let output = Option<String>.output(
      help: "Where to write the schema JSON.", defaultText: "schema.json")
    static let maxCategories = Option<Int>.wholeNumber(
      "max-categories", value: "n",
      help: "Columns with more distinct non-numeric values than this are marked \"drop\".",
      defaultText: "\(SchemaDrafter.defaultCategoryLimit)", range: SchemaDrafter.categoryLimitRange)
  }

  static let spec = CommandSpec(
    name: "schema",
    abstract: "Draft a schema from a CSV file (reads the data: NOT private; review it).",
    positionals: [Positional(name: "csv", help: "The CSV file to read.", required: true)],
    options: [Options.output, Options.maxCategories],
    discussion: """
      The draft takes bounds and categories from the data itself, so it is marked
      "dataDerived": true and 'slicegen release' refuses it unless you pass
      --accept-data-derived-schema (the release then states that the domain is not protected).
      To protect the domain, replace the bounds and category lists with public knowledge (a code
      book, the survey documentation, regulations), then set "dataDerived": false. See
      Docs/schema.md.
      """)

  static func run(_ arguments: Arguments) throws {
    let input = arguments.positionals[0]
    let output = arguments[Options.output] ?? "schema.json"
    let limit = arguments[Options.maxCategories] ?? SchemaDrafter.defaultCategoryLimit
    try SchemaDrafter.validate(categoryLimit: limit)
    try OutputPath.refuse(output, ifAnyOf: [input])
    var reader = try CSVReader(path: input)
    var drafter = SchemaDrafter(header: reader.header, categoryLimit: limit)
    while let record = try reader.nextRecord() {
      guard record.fields.count == reader.header.count else {
        throw CSVError(
          path: input, line: record.line, column: min(record.fields.count, reader.header.count) + 1,
          kind: .raggedRow(expected: reader.header.count, found: record.fields.count))
      }
      drafter.observe(record.fields)
    }
    let schema = try drafter.schema()
    try AtomicOutputFile.write(schema.jsonData(), to: output)
    Console.info(
      "Wrote \(output): \(schema.columns.count) columns "
        + "(\(schema.columns.filter(\.isNumeric).count) numeric).")
    for name in drafter.overfullColumns {
      Console.info("Column \"\(name)\" has more than \(limit) distinct values: marked \"drop\".")
    }
    Console.error(
      """
      WARNING: this schema was read from the data, so it is NOT private. Its bounds are the observed
      minimum and maximum and its categories are every value seen, rare ones included: a release
      made with it can reveal, for example, that someone has the largest value or a one-off
      category. Replace bounds and categories with public knowledge (code book, documentation),
      then set "dataDerived": false. To release with it anyway, pass
      --accept-data-derived-schema to 'slicegen release'; the release will state that the domain
      is not protected.
      """)
  }
}
