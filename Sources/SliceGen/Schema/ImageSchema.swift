// A set of greyscale images as a table, and its schema written without looking at any data
// (`slicegen schema --image 28x28 --pixel-range 0..255 --label label:0..9`). One numeric column
// per pixel, named px_<row>_<col> with rows and columns counted from 0 and listed row by row
// (the layout of the bundled digits), every pixel with the same public bounds, then optionally a
// categorical label column, which becomes the schema's target.
//
// Everything here is a declaration (the image size, the intensity range of the format, the list
// of classes), so the schema is not data-derived, and a release made with it protects the domain.
// Not here: colour images (one column per channel would be the natural extension), and checking a
// CSV against the layout (a release does that: every schema column must be in the CSV header).

/// The table layout of a set of greyscale images.
public struct ImageSchema: Equatable, Sendable {
  /// A categorical label column: its name and categories, in order.
  public struct Label: Equatable, Sendable {
    public var name: String
    public var categories: [String]

    public init(name: String, categories: [String]) {
      self.name = name
      self.categories = categories
    }
  }

  public var width: Int
  public var height: Int
  /// The public bounds of every pixel (0...255 for 8-bit images, 0...16 for the digits).
  public var pixelLower: Double
  public var pixelUpper: Double
  /// Whether pixel values are whole numbers (sampled values are then rounded).
  public var integerPixels: Bool
  public var label: Label?

  public init(
    width: Int, height: Int, pixelLower: Double, pixelUpper: Double, integerPixels: Bool = true,
    label: Label? = nil
  ) {
    self.width = width
    self.height = height
    self.pixelLower = pixelLower
    self.pixelUpper = pixelUpper
    self.integerPixels = integerPixels
    self.label = label
  }

  /// The range of each side, in pixels.
  public static let sideRange = 1...1024
  /// The most pixels (columns) an image may have: 256 × 256.
  public static let maximumPixels = 65_536
  /// The most categories a label may have.
  public static let maximumCategories = 1000

  /// The name of the pixel column at `row` and `column` (from 0): `px_3_7`.
  public static func pixelColumnName(row: Int, column: Int) -> String { "px_\(row)_\(column)" }

  /// The pixel column names, row by row.
  public var pixelColumnNames: [String] {
    (0..<height).flatMap { row in
      (0..<width).map { column in Self.pixelColumnName(row: row, column: column) }
    }
  }

  /// The pixel bounds as `--pixel-range` writes them: `0..255`.
  public var pixelRangeText: String { "\(Schema.format(pixelLower))..\(Schema.format(pixelUpper))" }

  /// Checks every setting, named as the command line spells it.
  /// - Throws: `OptionError` for `image` (a side outside `sideRange`, or more than
  ///   `maximumPixels` pixels), `pixel-range` (not finite, lower not below upper, or not whole
  ///   numbers for integer pixels) or `label` (an empty name, a pixel column's name, no or
  ///   repeated categories, or more than `maximumCategories`).
  public func validate() throws(OptionError) {
    guard Self.sideRange.contains(width), Self.sideRange.contains(height),
      width * height <= Self.maximumPixels
    else {
      throw OptionError(
        option: "image", value: "\(width)x\(height)",
        rule: "each side must be from \(Self.sideRange.lowerBound) to "
          + "\(Self.sideRange.upperBound) pixels, and the image at most \(Self.maximumPixels) "
          + "pixels")
    }
    let range = pixelRangeText
    guard pixelLower.isFinite, pixelUpper.isFinite, pixelLower < pixelUpper else {
      throw OptionError(
        option: "pixel-range", value: range, rule: "must be finite with lower below upper")
    }
    if integerPixels, pixelLower.rounded() != pixelLower || pixelUpper.rounded() != pixelUpper {
      throw OptionError(
        option: "pixel-range", value: range,
        rule: "integer pixels need whole-number bounds (or pass --pixel-type real)")
    }
    guard let label else { return }
    let value = "'\(ValueText.quoted(label.name)):…'"
    guard !label.name.isEmpty else {
      throw OptionError(option: "label", value: value, rule: "the column name is empty")
    }
    if label.name.hasPrefix("px_"), pixelColumnNames.contains(label.name) {
      throw OptionError(option: "label", value: value, rule: "the name is a pixel column's")
    }
    guard (1...Self.maximumCategories).contains(label.categories.count) else {
      throw OptionError(
        option: "label", value: value,
        rule: "must have from 1 to \(Self.maximumCategories) categories, has "
          + "\(label.categories.count)")
    }
    guard Set(label.categories).count == label.categories.count else {
      throw OptionError(option: "label", value: value, rule: "its categories must be distinct")
    }
  }

  /// The schema: the pixel columns row by row, then the label (the target), not data-derived.
  /// - Throws: `OptionError` from `validate()`.
  public func schema() throws -> Schema {
    try validate()
    let pixel = ColumnDomain.numeric(lower: pixelLower, upper: pixelUpper, integer: integerPixels)
    var columns = pixelColumnNames.map { SchemaColumn(name: $0, domain: pixel) }
    var source =
      "Greyscale images of \(width) x \(height) pixels, declared with 'slicegen schema --image': "
      + "every pixel in [\(Schema.format(pixelLower)), \(Schema.format(pixelUpper))]"
    if let label {
      columns.append(
        SchemaColumn(
          name: label.name, domain: .categorical(categories: label.categories, catchAll: nil)))
      source += ", label \"\(label.name)\" with \(label.categories.count) categories"
    }
    source += ". Declared, not read from any data."
    return try Schema(columns: columns, source: source, target: label?.name)
  }

  /// The layout of `schema` when it is one: pixel columns px_<row>_<col> for every row and column
  /// of a rectangle, row by row, all numeric with the same bounds, followed by at most one
  /// categorical column (the label). Nil otherwise.
  public init?(recognizing schema: Schema) {
    let kept = schema.keptColumns
    guard let first = kept.first, case .numeric(let lower, let upper, let integer) = first.domain
    else { return nil }
    let pixels = kept.prefix { $0.name.hasPrefix("px_") }.count
    var label: Label? = nil
    if pixels == kept.count - 1, case .categorical(let categories, _) = kept[pixels].domain {
      label = Label(name: kept[pixels].name, categories: categories)
    } else if pixels != kept.count {
      return nil
    }
    // The last pixel column names the size: px_<height − 1>_<width − 1>.
    let parts = kept[pixels - 1].name.split(separator: "_", omittingEmptySubsequences: false)
    guard parts.count == 3, let lastRow = Int(parts[1]), let lastColumn = Int(parts[2]),
      (0..<Self.sideRange.upperBound).contains(lastRow),
      (0..<Self.sideRange.upperBound).contains(lastColumn),
      (lastRow + 1) * (lastColumn + 1) == pixels
    else { return nil }
    self.init(
      width: lastColumn + 1, height: lastRow + 1, pixelLower: lower, pixelUpper: upper,
      integerPixels: integer, label: label)
    guard kept.prefix(pixels).map(\.name) == pixelColumnNames,
      kept.prefix(pixels).allSatisfy({ $0.domain == first.domain })
    else { return nil }
  }
}

extension ImageSchema {
  /// Reads `28x28` (width x height) as (28, 28); nil when the text is not two whole numbers
  /// joined by `x`.
  public static func size(parsing text: String) -> (width: Int, height: Int)? {
    let parts = text.split(separator: "x", omittingEmptySubsequences: false)
    guard parts.count == 2, let width = Int(parts[0]), let height = Int(parts[1]) else {
      return nil
    }
    return (width, height)
  }

  /// Reads `0..255` as (0, 255); nil unless the text is two numbers joined by `..`. A bound may
  /// not start or end with a point, so `0...255` is refused rather than read as 0 to 0.255.
  public static func range(parsing text: String) -> (lower: Double, upper: Double)? {
    let parts = text.components(separatedBy: "..")
    guard parts.count == 2,
      parts.allSatisfy({ !$0.isEmpty && !$0.hasPrefix(".") && !$0.hasSuffix(".") }),
      let lower = Double(parts[0]), let upper = Double(parts[1])
    else { return nil }
    return (lower, upper)
  }

  /// Reads `label:0..9` (the categories "0" to "9") or `label:cat,dog` (the categories listed);
  /// the name ends at the first colon. Nil when there is no colon, or after it neither a range
  /// of whole numbers (lower not above upper, at most `maximumCategories`) nor a list.
  public static func label(parsing text: String) -> Label? {
    guard let colon = text.firstIndex(of: ":") else { return nil }
    let name = String(text[..<colon])
    let rest = String(text[text.index(after: colon)...])
    if rest.contains("..") {
      let parts = rest.components(separatedBy: "..")
      guard parts.count == 2, let lower = Int(parts[0]), let upper = Int(parts[1]),
        lower <= upper, upper.subtractingReportingOverflow(lower).partialValue < maximumCategories,
        !upper.subtractingReportingOverflow(lower).overflow
      else { return nil }
      return Label(name: name, categories: (lower...upper).map(String.init))
    }
    let categories = rest.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    guard !categories.contains(where: \.isEmpty) else { return nil }
    return Label(name: name, categories: categories)
  }
}
