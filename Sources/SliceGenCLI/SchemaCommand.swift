// `slicegen schema`: drafts a schema from a CSV (convenient, and not private: it says so loudly),
// or, with --image, writes the schema of a set of greyscale images without reading any data
// (ImageSchema.swift).

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
    static let image = Option<(width: Int, height: Int)>(
      "image", value: "width>x<height",
      help: "Write the schema of greyscale images of this size (like 28x28) without reading any "
        + "data; give no <csv>.",
      rule: "must be <width>x<height>, like 28x28", read: ImageSchema.size(parsing:))
    static let pixelRange = Option<(lower: Double, upper: Double)>(
      "pixel-range", value: "lower..upper",
      help: "With --image (required there): the public bounds of every pixel, like 0..255.",
      rule: "must be <lower>..<upper>, like 0..255", read: ImageSchema.range(parsing:))
    static let pixelType = Option<PixelType>.choice(
      "pixel-type", help: "With --image: whether pixel values are whole numbers.",
      defaultText: PixelType.integer.rawValue)
    static let label = Option<ImageSchema.Label>(
      "label", value: "name:categories",
      help: "With --image: a categorical label column, the schema's target: its name and "
        + "categories, a range of whole numbers (label:0..9) or a list (label:cat,dog).",
      rule: "must be <name>:<lower>..<upper> (at most \(ImageSchema.maximumCategories) "
        + "categories) or <name>:<a>,<b>,…, like label:0..9",
      read: ImageSchema.label(parsing:))
  }

  /// `--pixel-type`: whole-number pixels (8-bit images, the digits) or real ones (0..1).
  enum PixelType: String, CaseIterable, Sendable {
    case integer
    case real
  }

  static let spec = CommandSpec(
    name: "schema",
    abstract:
      "Draft a schema from a CSV (reads the data: NOT private), or declare an image schema.",
    positionals: [
      Positional(name: "csv", help: "The CSV file to read (none with --image).", required: false)
    ],
    options: [
      Options.output, Options.maxCategories, Options.image, Options.pixelRange, Options.pixelType,
      Options.label,
    ],
    discussion: """
      The draft takes bounds and categories from the data itself, so it is marked
      "dataDerived": true and 'slicegen release' refuses it unless you pass
      --accept-data-derived-schema (the release then states that the domain is not protected).
      To protect the domain, replace the bounds and category lists with public knowledge (a code
      book, the survey documentation, regulations), then set "dataDerived": false. See
      Docs/schema.md.

      With --image, no data is read: the schema has one numeric column per pixel, named
      px_<row>_<col> (counted from 0, row by row) with the bounds of --pixel-range, then the
      --label column, marked as the schema's "target". Every bound and category is declared,
      so the schema is not data-derived. For example, the bundled digits:
        slicegen schema --image 8x8 --pixel-range 0..16 --label target:0..9 -o schema.json
      See Docs/images.md.
      """)

  static func run(_ arguments: Arguments) throws {
    if arguments.isGiven(Options.image) { return try runImage(arguments) }
    for option in [Options.pixelRange, Options.pixelType, Options.label] as [any OptionDeclaration]
    where arguments.isGiven(option) {
      throw UsageError(message: "--\(option.info.name) applies only with --image")
    }
    guard let input = arguments.positionals.first else {
      throw UsageError(message: "missing argument <csv> (or --image to write an image schema)")
    }
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

  /// `--image`: the schema of a set of images, from the options alone.
  static func runImage(_ arguments: Arguments) throws {
    if let csv = arguments.positionals.first {
      throw UsageError(
        message: "unexpected argument '\(ValueText.quoted(csv))': --image reads no data")
    }
    if arguments.isGiven(Options.maxCategories) {
      throw UsageError(message: "--max-categories applies only to a <csv>, not with --image")
    }
    let size = try arguments.required(Options.image)
    let range = try arguments.required(Options.pixelRange, example: "--pixel-range 0..255")
    let layout = ImageSchema(
      width: size.width, height: size.height, pixelLower: range.lower, pixelUpper: range.upper,
      integerPixels: (arguments[Options.pixelType] ?? .integer) == .integer,
      label: arguments[Options.label])
    try layout.validate()
    let output = arguments[Options.output] ?? "schema.json"
    let schema = try layout.schema()
    try AtomicOutputFile.write(schema.jsonData(), to: output)
    var summary =
      "Wrote \(output): \(schema.columns.count) columns, \(layout.width * layout.height) pixels "
      + "px_0_0 … px_\(layout.height - 1)_\(layout.width - 1) in \(layout.pixelRangeText)"
    if let label = layout.label {
      summary +=
        " and the label \"\(ValueText.quoted(label.name))\" (\(label.categories.count) "
        + "categories, the target)"
    }
    Console.info(summary + ". No data was read.")
  }
}
