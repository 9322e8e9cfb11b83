import Foundation
import Testing

@testable import SliceGen

@Suite("image grid")
struct ImageGridTests {
  static let digitsTrain = TestPaths.repository.appendingPathComponent("samples/digits/train.csv")
    .path

  @Test("grey levels: linear on the range, rounded to nearest, clamped, NaN black")
  func levels() {
    #expect(ImageGrid.level(0.0, on: 0.0...16.0) == 0)
    #expect(ImageGrid.level(16.0, on: 0.0...16.0) == 255)
    #expect(ImageGrid.level(8.0, on: 0.0...16.0) == 128)  // 127.5 rounds away from zero
    #expect(ImageGrid.level(1.0, on: 0.0...16.0) == 16)  // 15.94
    #expect(ImageGrid.level(Float(0.5), on: 0...1) == 128)
    #expect(ImageGrid.level(-5.0, on: 0.0...255.0) == 0)
    #expect(ImageGrid.level(300.0, on: 0.0...255.0) == 255)
    #expect(ImageGrid.level(Double.infinity, on: 0.0...1.0) == 255)
    #expect(ImageGrid.level(-Double.infinity, on: 0.0...1.0) == 0)
    #expect(ImageGrid.level(Double.nan, on: 0.0...1.0) == 0)
    #expect(ImageGrid.level(200.0, on: 0.0...255.0) == 200)
  }

  @Test("a 1 × 2 grid with a gap, pixel by pixel; an empty cell stays at the gap level")
  func layout() throws {
    let grid = ImageGrid(imageWidth: 2, imageHeight: 1, rows: 1, columns: 3, gap: 1)
    let picture = try grid.picture(of: [[0.0, 1.0], [0.5, .nan]], valueRange: 0...1)
    #expect(picture.width == 10 && picture.height == 3)
    let g: UInt8 = 128
    let edge = [UInt8](repeating: g, count: 10)
    #expect(picture.pixels == edge + [g, 0, 255, g, 128, 0, g, g, g, g] + edge)
  }

  @Test("scale enlarges each pixel to a block; cells go row by row; the gap level is set")
  func scaleAndOrder() throws {
    let grid = ImageGrid(
      imageWidth: 2, imageHeight: 3, rows: 2, columns: 2, gap: 2, scale: 3, gapLevel: 7)
    // Image i's pixel (y, x) has value 10·i + 3·y + x (on 0...255: level = value).
    let images: [[Double]] = (0..<4).map { (i: Int) -> [Double] in
      (0..<6).map { (p: Int) -> Double in Double(10 * i + 3 * (p / 2) + p % 2) }
    }
    let picture = try grid.picture(of: images, valueRange: 0...255)
    #expect(picture.width == 18 && picture.height == 24)
    for py in 0..<picture.height {
      for px in 0..<picture.width {
        // The cell (cy, cx) and the position (iy, ix) inside it, or the gap: cells start after
        // the 2-pixel edge, every 9 + 2 rows and 6 + 2 columns.
        let cy = (py - 2) / 11
        let iy = (py - 2) % 11
        let cx = (px - 2) / 8
        let ix = (px - 2) % 8
        let inImage = py >= 2 && px >= 2 && iy < 9 && ix < 6
        let value: Int = 10 * (2 * cy + cx) + 3 * (iy / 3) + ix / 3
        let expected: UInt8 = inImage ? UInt8(value) : 7
        #expect(picture.pixels[py * picture.width + px] == expected, "(\(py), \(px))")
      }
    }
  }

  @Test("bad layouts, too many images, wrong image sizes and empty ranges are errors")
  func refusals() {
    let grid = ImageGrid(imageWidth: 2, imageHeight: 2, rows: 1, columns: 2)
    let image = [0.0, 1, 2, 3]
    #expect(throws: PNGError.self) {
      try grid.picture(of: [image, image, image], valueRange: 0...3)
    }
    #expect(throws: PNGError.self) { try grid.picture(of: [[0.0, 1, 2]], valueRange: 0...3) }
    #expect(throws: PNGError.self) { try grid.picture(of: [image], valueRange: 1...1) }
    #expect(throws: PNGError.self) {
      try grid.picture(of: [image], valueRange: 0...Double.infinity)
    }
    for bad in [
      ImageGrid(imageWidth: 0, imageHeight: 2, rows: 1, columns: 1),
      ImageGrid(imageWidth: 2, imageHeight: 2, rows: 0, columns: 1),
      ImageGrid(imageWidth: 2, imageHeight: 2, rows: 1, columns: 1, gap: -1),
      ImageGrid(imageWidth: 2, imageHeight: 2, rows: 1, columns: 1, scale: 0),
      ImageGrid(imageWidth: 2, imageHeight: 2, rows: 1, columns: 1, scale: 65),
      ImageGrid(imageWidth: Int.max, imageHeight: 2, rows: 1, columns: 1),
      ImageGrid(imageWidth: 1, imageHeight: 1, rows: Int.max, columns: 1),
      ImageGrid(imageWidth: 1, imageHeight: 1, rows: 1, columns: Int.max, gap: Int.max),
      ImageGrid(imageWidth: 28, imageHeight: 28, rows: 2000, columns: 2000, scale: 8),
    ] {
      #expect(throws: PNGError.self) { try bad.pictureSize() }
      #expect(throws: PNGError.self) { try bad.picture(of: [[Double]](), valueRange: 0...1) }
    }
    #expect(throws: Never.self) {
      try ImageGrid(imageWidth: 2, imageHeight: 2, rows: 1, columns: 1, gap: 0).pictureSize()
    }
  }

  @Test(
    "a grid of the bundled digits, 4x enlarged, decodes in Python to the same pixels",
    .enabled(if: PythonRunner.available))
  func digits() throws {
    var reader = try CSVReader(path: Self.digitsTrain)
    var images: [[Double]] = []
    while images.count < 20, let record = try reader.nextRecord() {
      images.append(record.fields.prefix(64).map { Double($0)! })
    }
    let grid = ImageGrid(imageWidth: 8, imageHeight: 8, rows: 2, columns: 10, scale: 4)
    let picture = try grid.picture(of: images, valueRange: 0...16)
    #expect(picture.width == 10 * 32 + 11 && picture.height == 2 * 32 + 3)
    let lines = try PNGImageTests.decodedByPython(picture)
    #expect(lines.first == "331 67 0")
    #expect(lines.count > 1 && lines[1] == PNGImageTests.hex(picture.pixels))
  }
}
