// Pictures of sampled images sorted by class (`slicegen sample --png`): one row of the grid per
// category of the label, in the label's order, with `perClass` images each.
//
// A class-conditional generator (`fit --sampler conditional`) is asked for `perClass` images of
// each class (Sampler.conditionalRows): no rejection. Any other model is not class-conditional,
// so its images come by rejection: rows are drawn from the model in its own order (Sampler.generateRows, unchanged, so a forest model works
// too), and each class keeps the first `perClass` rows whose label is that class. Drawing stops
// when every class is full or after `drawCap` rows, 1000 · perClass · classes by default (so a
// class the model draws with probability below about 1/1000 of its share under a uniform label
// is expected to come up short). A class that is short keeps its few images and leaves the rest
// of its row blank; `shortClasses` names it, and the command says so on stderr.
//
// Pixels map linearly from the schema's public bounds to 0…255 grey (ImageGrid.level); a missing
// or unreadable pixel value shows black. Post-processing of the release: no privacy is spent.

import Foundation

/// Sampled images of a labelled image schema, sorted by class.
public struct ClassPictures: Sendable {
  /// The images' layout; its label is not nil.
  public let layout: ImageSchema
  public let perClass: Int
  /// For each category of the label, in order, the pixel values of up to `perClass` images
  /// (row-major, width · height values each).
  public private(set) var images: [[[Double]]]
  /// How many rows were drawn in all.
  public private(set) var drawn: Int

  /// The range of `perClass` (`--per-class`).
  public static let perClassRange = 1...100
  /// Rows drawn at most, per image wanted (see the file header).
  public static let drawsPerImage = 1000

  /// Checks `--per-class`: within `perClassRange`.
  public static func validate(perClass: Int) throws(OptionError) {
    if let error = OptionError.outside("per-class", perClass, perClassRange) { throw error }
  }

  /// The categories with fewer than `perClass` images, in the label's order.
  public var shortClasses: [String] {
    zip(layout.label?.categories ?? [], images).filter { $0.1.count < perClass }.map(\.0)
  }

  /// The default cap on rows drawn: `drawsPerImage` · perClass · classes, at most
  /// `Sampler.maximumRows`.
  public static func defaultCap(perClass: Int, classes: Int) -> Int {
    CheckedSize.product(drawsPerImage, perClass, classes).map { min($0, Sampler.maximumRows) }
      ?? Sampler.maximumRows
  }

  /// The layout of `schema` when it has pixels and a label.
  /// - Throws: `OptionError` for `png` naming what is missing.
  public static func layout(of schema: Schema) throws(OptionError) -> ImageSchema {
    guard let layout = ImageSchema(recognizing: schema) else {
      throw OptionError(
        option: "png", value: nil,
        rule: "needs a model of images: pixel columns px_<row>_<col> with the same bounds, "
          + "then a categorical label (see 'slicegen schema --image'); this model's schema has "
          + "no image layout")
    }
    guard layout.label != nil else { throw missingLabel(layout) }
    return layout
  }

  /// Sorts rows from `source` by class. `source(count, body)` must hand at most `count` rows
  /// (fields named by `columns`) to `body`, and stop when `body` returns false.
  /// - Throws: `OptionError` for `per-class` outside `perClassRange` or a layout without a label;
  ///   `SchemaError` when `columns` lacks a pixel or the label; whatever `source` throws.
  public init(
    layout: ImageSchema, columns: [String], perClass: Int, drawCap: Int? = nil,
    source: (Int, ([String]) throws -> Bool) throws -> Void
  ) throws {
    try Self.validate(perClass: perClass)
    guard let label = layout.label else { throw Self.missingLabel(layout) }
    let pixelIndices = try layout.pixelColumnNames.map { name in
      guard let i = columns.firstIndex(of: name) else {
        throw SchemaError.invalid("the sampled rows have no column \(name)")
      }
      return i
    }
    guard let labelIndex = columns.firstIndex(of: label.name) else {
      throw SchemaError.invalid("the sampled rows have no label column \(label.name)")
    }
    let classOf = Dictionary(
      label.categories.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    self.layout = layout
    self.perClass = perClass
    var images = [[[Double]]](repeating: [], count: label.categories.count)
    var full = 0
    var drawn = 0
    let cap = drawCap ?? Self.defaultCap(perClass: perClass, classes: label.categories.count)
    try source(cap) { fields in
      drawn += 1
      if let k = classOf[fields[labelIndex]], images[k].count < perClass {
        images[k].append(pixelIndices.map { Double(fields[$0]) ?? .nan })
        if images[k].count == perClass { full += 1 }
      }
      return full < images.count
    }
    self.images = images
    self.drawn = drawn
  }

  /// Draws rows from `model` (Sampler.conditionalRows for a class-conditional model, else
  /// Sampler.generateRows, with `seed`) and sorts them by class.
  /// - Throws: `OptionError` for `png` when the model's schema has no labelled image layout, or
  ///   `per-class` out of range; what sampling throws.
  public init(model: Model, perClass: Int, seed: UInt64) throws {
    let layout = try Self.layout(of: model.header.schema)
    let columns = Encoding(schema: model.header.schema).blocks.map(\.name)
    if model.header.architecture.condition != nil {
      try Self.validate(perClass: perClass)
      try self.init(layout: layout, columns: columns, perClass: perClass) { _, keep in
        struct Enough: Error {}
        do {
          try Sampler.conditionalRows(model: model, perClass: perClass, seed: seed) { fields in
            if try !keep(fields) { throw Enough() }
          }
        } catch is Enough {}
      }
      return
    }
    try self.init(layout: layout, columns: columns, perClass: perClass) { cap, keep in
      // generateRows has no way to stop early but an error; this one means "enough".
      struct Enough: Error {}
      do {
        try Sampler.generateRows(model: model, rows: cap, seed: seed) { fields in
          if try !keep(fields) { throw Enough() }
        }
      } catch is Enough {}
    }
  }

  /// The first `perClass` rows of each class of an evaluated table (the synthetic images the
  /// HTML report shows), in the table's order; numeric cells written as numbers.
  public init(table: EvaluationTable, layout: ImageSchema, perClass: Int) throws {
    try self.init(
      layout: layout, columns: table.names, perClass: perClass, drawCap: table.rows
    ) { cap, keep in
      var fields = [String](repeating: "", count: table.names.count)
      for row in 0..<min(cap, table.rows) {
        for (c, column) in table.columns.enumerated() {
          switch column {
          case .numeric(let values): fields[c] = values[row].isNaN ? "" : "\(values[row])"
          case .categorical(let values): fields[c] = values[row] ?? ""
          }
        }
        if try !keep(fields) { return }
      }
    }
  }

  /// `--png` refused for images without a label.
  static func missingLabel(_ layout: ImageSchema) -> OptionError {
    OptionError(
      option: "png", value: nil,
      rule: "needs a categorical label after the pixel columns, to put one class per row; "
        + "this model's \(layout.width)x\(layout.height) images have none")
  }

  /// The grid: one row per class, `perClass` cells each, every image enlarged to about 56
  /// pixels a side (8 × 8 digits 7 times, 28 × 28 images twice), grey gaps of 2 pixels.
  /// - Throws: `PNGError` when the picture would be too large.
  public func picture() throws(PNGError) -> PNGImage {
    let scale = max(1, min(ImageGrid.maximumScale, 56 / max(layout.width, layout.height)))
    let grid = ImageGrid(
      imageWidth: layout.width, imageHeight: layout.height, rows: images.count,
      columns: perClass, gap: 2, scale: scale, gapLevel: 128)
    var cells: [[Double]?] = []
    for row in images {
      cells += row.map(Optional.some)
      cells += [[Double]?](repeating: nil, count: perClass - row.count)
    }
    return try grid.picture(ofCells: cells, valueRange: layout.pixelLower...layout.pixelUpper)
  }
}
