import Foundation
import Testing

@testable import SliceGen

@Suite("image schema")
struct ImageSchemaTests {
  static let digits = ImageSchema(
    width: 8, height: 8, pixelLower: 0, pixelUpper: 16,
    label: .init(name: "target", categories: (0...9).map(String.init)))

  @Test("the digits layout: px_<row>_<col> from 0, row by row, then the target, as digits.csv")
  func digitsLayout() throws {
    let schema = try Self.digits.schema()
    var reader = try CSVReader(
      path: TestPaths.repository.appendingPathComponent("samples/digits/train.csv").path)
    #expect(schema.columns.map(\.name) == reader.header)
    #expect(schema.columns.first?.name == "px_0_0" && schema.columns[7].name == "px_0_7")
    #expect(schema.columns[8].name == "px_1_0" && schema.columns[63].name == "px_7_7")
    #expect(schema.target == "target" && !schema.dataDerived)
    #expect(schema.columns[0].domain == .numeric(lower: 0, upper: 16, integer: true))
    #expect(
      schema.columns[64].domain
        == .categorical(
          categories: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"], catchAll: nil))
    // Every row of the sample fits the declared domain.
    while let record = try reader.nextRecord() {
      for (field, column) in zip(record.fields, schema.columns) {
        switch column.domain {
        case .numeric(let lower, let upper, _):
          #expect((lower...upper).contains(Double(field)!), "line \(record.line)")
        case .categorical(let categories, _):
          #expect(categories.contains(field), "line \(record.line)")
        }
      }
    }
  }

  @Test("width x height: a 3 × 2 image has rows px_0_* and px_1_* of three columns each")
  func rectangular() throws {
    let layout = ImageSchema(
      width: 3, height: 2, pixelLower: 0, pixelUpper: 1, integerPixels: false)
    #expect(
      layout.pixelColumnNames == ["px_0_0", "px_0_1", "px_0_2", "px_1_0", "px_1_1", "px_1_2"])
    let schema = try layout.schema()
    #expect(schema.target == nil && schema.columns.count == 6)
    #expect(schema.columns[5].domain == .numeric(lower: 0, upper: 1, integer: false))
  }

  @Test("the JSON round trip keeps everything, and the layout is recognised back")
  func roundTrip() throws {
    for layout in [
      Self.digits,
      ImageSchema(width: 28, height: 28, pixelLower: 0, pixelUpper: 255),
      ImageSchema(
        width: 5, height: 3, pixelLower: -1, pixelUpper: 1.5, integerPixels: false,
        label: .init(name: "kind", categories: ["cat", "dog"])),
      ImageSchema(width: 1, height: 1, pixelLower: 0, pixelUpper: 1),
    ] {
      let schema = try layout.schema()
      let read = try Schema(jsonData: schema.jsonData())
      #expect(read == schema)
      #expect(ImageSchema(recognizing: read) == layout)
    }
  }

  @Test("tables that are not a full image grid are not recognised")
  func notImages() throws {
    #expect(ImageSchema(recognizing: try Schema(contentsOf: TestPaths.adultSchema)) == nil)
    let schema = try Self.digits.schema()
    var swapped = schema
    swapped.columns.swapAt(0, 1)
    #expect(ImageSchema(recognizing: swapped) == nil)
    var otherBounds = schema
    otherBounds.columns[10].domain = .numeric(lower: 0, upper: 15, integer: true)
    #expect(ImageSchema(recognizing: otherBounds) == nil)
    var missingPixel = schema
    missingPixel.columns.remove(at: 12)
    #expect(ImageSchema(recognizing: missingPixel) == nil)
    var twoLabels = schema
    twoLabels.columns.append(
      SchemaColumn(name: "writer", domain: .categorical(categories: ["a"], catchAll: nil)))
    #expect(ImageSchema(recognizing: twoLabels) == nil)
    var hugeName = schema
    hugeName.columns[63].name = "px_\(Int.max)_\(Int.max)"
    #expect(ImageSchema(recognizing: hugeName) == nil)
  }

  @Test("parsing the command line's texts")
  func parsing() {
    #expect(ImageSchema.size(parsing: "28x28")! == (28, 28))
    #expect(ImageSchema.size(parsing: "32x8")! == (32, 8))
    for bad in ["28y28", "28X28", "x28", "28x", "28x28x3", " 28x28", "28", "", "1.5x2"] {
      #expect(ImageSchema.size(parsing: bad) == nil, "\(bad)")
    }
    #expect(ImageSchema.range(parsing: "0..255")! == (0, 255))
    #expect(ImageSchema.range(parsing: "-1..1")! == (-1, 1))
    #expect(ImageSchema.range(parsing: "0.5..1e2")! == (0.5, 100))
    for bad in ["0...255", "0..", "..5", "0-255", "a..b", "0..1..2", "0.", "0. ..1"] {
      #expect(ImageSchema.range(parsing: bad) == nil, "\(bad)")
    }
    #expect(
      ImageSchema.label(parsing: "label:0..9")
        == .init(name: "label", categories: (0...9).map(String.init)))
    #expect(
      ImageSchema.label(parsing: "y:-1..1") == .init(name: "y", categories: ["-1", "0", "1"]))
    #expect(
      ImageSchema.label(parsing: "y:cat,dog") == .init(name: "y", categories: ["cat", "dog"]))
    #expect(ImageSchema.label(parsing: "y:7") == .init(name: "y", categories: ["7"]))
    #expect(
      ImageSchema.label(parsing: ":0..9") == .init(name: "", categories: (0...9).map(String.init)))
    for bad in [
      "label", "label:", "label:9..0", "label:0..1000", "label:a,,b", "label:0..x",
      "label:\(Int.min)..\(Int.max)",
    ] {
      #expect(ImageSchema.label(parsing: bad) == nil, "\(bad)")
    }
  }

  @Test("each rule names the option, the value and the rule")
  func validation() throws {
    func rule(_ layout: ImageSchema) -> String? {
      do {
        try layout.validate()
        return nil
      } catch {
        return error.description
      }
    }
    let base = ImageSchema(width: 28, height: 28, pixelLower: 0, pixelUpper: 255)
    #expect(rule(base) == nil)
    #expect(rule(ImageSchema(width: 256, height: 256, pixelLower: 0, pixelUpper: 255)) == nil)
    var layout = base
    layout.width = 0
    #expect(
      rule(layout)
        == "--image is 0x28, each side must be from 1 to 1024 pixels, and the image at most 65536 "
        + "pixels")
    layout.width = 1025
    layout.height = 1
    #expect(rule(layout)?.hasPrefix("--image is 1025x1,") == true)
    layout.width = 300
    layout.height = 300
    #expect(rule(layout)?.hasPrefix("--image is 300x300,") == true)
    layout = base
    layout.pixelUpper = 0
    #expect(rule(layout) == "--pixel-range is 0..0, must be finite with lower below upper")
    layout.pixelUpper = .infinity
    #expect(rule(layout)?.hasPrefix("--pixel-range is 0..inf,") == true)
    layout = base
    layout.pixelUpper = 1.5
    #expect(
      rule(layout)
        == "--pixel-range is 0..1.5, integer pixels need whole-number bounds (or pass "
        + "--pixel-type real)")
    layout.integerPixels = false
    #expect(rule(layout) == nil)
    layout = base
    layout.label = .init(name: "", categories: ["a"])
    #expect(rule(layout) == "--label is ':…', the column name is empty")
    layout.label = .init(name: "px_27_27", categories: ["a"])
    #expect(rule(layout) == "--label is 'px_27_27:…', the name is a pixel column's")
    layout.label = .init(name: "px_28_0", categories: ["a"])
    #expect(rule(layout) == nil)
    layout.label = .init(name: "y", categories: ["a", "b", "a"])
    #expect(rule(layout) == "--label is 'y:…', its categories must be distinct")
    layout.label = .init(name: "y", categories: [])
    #expect(rule(layout) == "--label is 'y:…', must have from 1 to 1000 categories, has 0")
    #expect(throws: OptionError.self) { try layout.schema() }
  }
}
