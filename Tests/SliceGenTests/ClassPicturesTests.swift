import Foundation
import Testing

@testable import SliceGen

@Suite("Class pictures")
struct ClassPicturesTests {
  /// 3 × 2 images, pixels 0...16, label "digit" with categories 0, 1, 2.
  static let layout = ImageSchema(
    width: 3, height: 2, pixelLower: 0, pixelUpper: 16, integerPixels: true,
    label: ImageSchema.Label(name: "digit", categories: ["0", "1", "2"]))
  /// The label column first, then the pixels: the sorter finds columns by name.
  static let columns = ["digit"] + layout.pixelColumnNames
  /// Every pixel of an image of class k: black, mid grey, white.
  static let value: [Double] = [0, 5, 16]

  /// A source of rows of the given labels in turn, every pixel `value[label]` (an unknown label
  /// gets 7); it records how many rows it handed out.
  final class Source {
    let labels: [String]
    var handed = 0
    init(labels: [String]) { self.labels = labels }
    func rows(_ count: Int, _ keep: ([String]) throws -> Bool) throws {
      for i in 0..<count {
        let label = labels[i % labels.count]
        let v = Int(label).map { ClassPicturesTests.value[$0] } ?? 7
        handed += 1
        if try !keep([label] + Array(repeating: Schema.format(v), count: 6)) { return }
      }
    }
  }

  @Test(
    "one row per class in the label's order, decoded by Python: the size and each cell's grey",
    .enabled(if: PythonRunner.available))
  func sortedByClass() throws {
    // Classes out of order, and a label outside the categories that must be skipped.
    let source = Source(labels: ["2", "x", "0", "2", "1", "0", "0", "2", "1", "1", "0", "2", "1"])
    let pictures = try ClassPictures(
      layout: Self.layout, columns: Self.columns, perClass: 4, source: source.rows)
    #expect(pictures.shortClasses.isEmpty)
    // The last class to fill is "1", at the 13th row: drawing stops there.
    #expect(pictures.drawn == 13 && source.handed == 13)
    for k in 0..<3 {
      #expect(
        pictures.images[k] == Array(repeating: Array(repeating: Self.value[k], count: 6), count: 4))
    }
    let lines = try PNGImageTests.decodedByPython(try pictures.picture())
    // Scale 56 / 3 = 18: cells 54 × 36, gaps of 2 around and between 4 columns and 3 rows.
    let width = 4 * 54 + 5 * 2, height = 3 * 36 + 4 * 2
    #expect(lines[0] == "\(width) \(height) 0")
    let pixels = stride(from: 0, to: lines[1].count, by: 2).map { offset -> UInt8 in
      let start = lines[1].index(lines[1].startIndex, offsetBy: offset)
      return UInt8(lines[1][start..<lines[1].index(start, offsetBy: 2)], radix: 16)!
    }
    #expect(pixels.count == width * height)
    let levels: [UInt8] = [0, 80, 255]  // round(255 · v / 16)
    for row in 0..<3 {
      for column in 0..<4 {
        let top = 2 + row * 38, left = 2 + column * 56
        let cell = (top..<(top + 36)).flatMap { y in
          (left..<(left + 54)).map { pixels[y * width + $0] }
        }
        #expect(cell.allSatisfy { $0 == levels[row] }, "cell \(row), \(column)")
      }
    }
    // The gap between the first two rows of cells is grey.
    #expect((0..<width).allSatisfy { pixels[(2 + 36) * width + $0] == 128 })
  }

  @Test("a class never drawn: rows drawn up to the cap, the class named short, its row blank")
  func shortClass() throws {
    // Class 2 never comes; class 1 only once in every three rows.
    let source = Source(labels: ["0", "0", "1"])
    let pictures = try ClassPictures(
      layout: Self.layout, columns: Self.columns, perClass: 5, drawCap: 30, source: source.rows)
    #expect(pictures.drawn == 30 && source.handed == 30)
    #expect(pictures.images.map(\.count) == [5, 5, 0])
    #expect(pictures.shortClasses == ["2"])
    let picture = try pictures.picture()
    // The third row of cells is all gap grey, the first all black.
    let third = (2 + 2 * 38)..<(2 + 2 * 38 + 36), first = 2..<38
    #expect(
      third.allSatisfy { y in
        (0..<picture.width).allSatisfy { picture.pixels[y * picture.width + $0] == 128 }
      })
    #expect(
      first.allSatisfy { y in (2..<56).allSatisfy { picture.pixels[y * picture.width + $0] == 0 } })

    // One image short: class 1 gets 2 of 3 in 6 rows, its third cell blank.
    let few = try ClassPictures(
      layout: Self.layout, columns: Self.columns, perClass: 3, drawCap: 6,
      source: Source(labels: ["0", "0", "1"]).rows)
    #expect(few.images.map(\.count) == [3, 2, 0] && few.shortClasses == ["1", "2"])
    #expect(
      ClassPictures.defaultCap(perClass: 10, classes: 10) == 100_000
        && ClassPictures.defaultCap(perClass: 100, classes: 1000) == 100_000_000)
  }

  @Test("refusals: per-class out of range, no label, a schema that is not images, a missing column")
  func refusals() throws {
    #expect(throws: OptionError(option: "per-class", value: "0", rule: "must be from 1 to 100")) {
      try ClassPictures(layout: Self.layout, columns: Self.columns, perClass: 0) { _, _ in }
    }
    var unlabelled = Self.layout
    unlabelled.label = nil
    #expect(throws: OptionError.self) {
      try ClassPictures(layout: unlabelled, columns: Self.columns, perClass: 1) { _, _ in }
    }
    #expect(throws: SchemaError.self) {
      try ClassPictures(layout: Self.layout, columns: ["digit"], perClass: 1) { _, _ in }
    }
    let adult = try Schema(contentsOf: TestPaths.adultSchema)
    let unlabelledSchema = try unlabelled.schema()
    do {
      _ = try ClassPictures.layout(of: adult)
      Issue.record("Adult is not images")
    } catch {
      #expect(error.option == "png" && error.rule.contains("no image layout"))
    }
    do {
      _ = try ClassPictures.layout(of: unlabelledSchema)
      Issue.record("images without a label")
    } catch {
      #expect(error.option == "png" && error.rule.contains("3x2 images have none"))
    }
  }

  @Test(
    "from a forest model of the digits: the first 10 rows of each label, as generateRows draws them"
  )
  func digitsModel() throws {
    var options = ReleaseOptions(epsilon: 10)
    options.projectionSeed = 2
    options.insecureTestNoiseSeed = 3
    let releasePath = TestPaths.temporary("digits.slg")
    let schema = try Schema(
      contentsOf: TestPaths.repository.appendingPathComponent("samples/digits/schema.json").path)
    _ = try Releaser.release(
      csvPath: TestPaths.repository.appendingPathComponent("samples/digits/train.csv").path,
      schema: schema, options: options, outputPath: releasePath)
    var fit = FitOptions()
    fit.sampler = .forest
    let model = try Trainer.fit(
      release: try Release(contentsOf: releasePath), options: fit,
      outputPath: TestPaths.temporary("digits.slgm"))
    let pictures = try ClassPictures(model: model, perClass: 10, seed: 5)
    #expect(pictures.layout.width == 8 && pictures.layout.height == 8)
    #expect(pictures.shortClasses.isEmpty && pictures.images.allSatisfy { $0.count == 10 })
    // The same rows by hand: the stream of generateRows with the same seed, kept by label.
    let names = Encoding(schema: model.header.schema).blocks.map(\.name)
    var expected = [[[Double]]](repeating: [], count: 10)
    var count = 0
    var filledAt: Int? = nil
    try Sampler.generateRows(model: model, rows: pictures.drawn, seed: 5) { fields in
      count += 1
      let k = Int(fields[names.firstIndex(of: "target")!])!
      if expected[k].count < 10 { expected[k].append(Array(fields[0..<64]).map { Double($0)! }) }
      if filledAt == nil && expected.allSatisfy({ $0.count == 10 }) { filledAt = count }
    }
    #expect(expected == pictures.images)
    // Drawing stopped at the row that filled the last class.
    #expect(filledAt == pictures.drawn)
    #expect(
      pictures.images.joined().joined().allSatisfy { (0...16).contains($0) && $0 == $0.rounded() })
    #expect(try pictures.picture().width == 582)
  }
}
