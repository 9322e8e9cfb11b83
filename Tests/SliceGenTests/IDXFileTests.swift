import Foundation
import Testing

@testable import SliceGen

@Suite("IDX files")
struct IDXFileTests {
  /// Writes `bytes` to a fresh temporary file.
  static func file(_ bytes: [UInt8], _ name: String = "data-idx-ubyte") throws -> String {
    let path = TestPaths.temporary(name)
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
  }

  /// The problem of the `IDXError` that `body` throws, or nil when it throws none (any other
  /// error is a test failure).
  static func problem(_ body: () throws -> Void) -> IDXError.Problem? {
    do {
      try body()
      return nil
    } catch let error as IDXError {
      return error.problem
    } catch {
      Issue.record("not an IDXError: \(error)")
      return nil
    }
  }

  @Test("the header: magic 00 00 08 <dimensions>, then the sizes big-endian, then the values")
  func layout() throws {
    let bytes = IDXFile.encode(dimensions: [2, 1, 3], values: [1, 2, 3, 4, 5, 6])
    #expect(
      bytes == [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6])
    let file = try IDXFile(bytes: bytes, path: "x", dimensionCount: 3)
    #expect(file.dimensions == [2, 1, 3] && file.values == [1, 2, 3, 4, 5, 6])
    let labels = try IDXFile(
      bytes: [0, 0, 8, 1, 0, 0, 1, 0] + [UInt8](repeating: 9, count: 256), path: "y",
      dimensionCount: 1)
    #expect(labels.dimensions == [256] && labels.values.count == 256)
    let empty = try IDXFile(bytes: [0, 0, 8, 1, 0, 0, 0, 0], path: "z", dimensionCount: 1)
    #expect(empty.dimensions == [0] && empty.values.isEmpty)
  }

  @Test("an images file with its labels: sizes, pixels per image, labels")
  func imageSet() throws {
    let pixels = (0..<(3 * 2 * 4)).map { UInt8($0 * 10) }
    let images = try Self.file(IDXFile.encode(dimensions: [3, 2, 4], values: pixels), "i")
    let labels = try Self.file(IDXFile.encode(dimensions: [3], values: [7, 0, 9]), "l")
    let set = try IDXImageSet(images: images, labels: labels)
    #expect(set.count == 3 && set.rows == 2 && set.columns == 4)
    #expect(set.labels == [7, 0, 9])
    #expect(Array(set.image(1)) == Array(pixels[8..<16]))
    let unlabelled = try IDXImageSet(images: images)
    #expect(unlabelled.labels == nil && unlabelled.pixels == pixels)
  }

  @Test("every refusal names the file and what is wrong")
  func refusals() throws {
    let images = IDXFile.encode(dimensions: [2, 2, 2], values: [UInt8](repeating: 1, count: 8))
    let labels = IDXFile.encode(dimensions: [3], values: [1, 2, 3])
    let imagesPath = try Self.file(images, "train-images")
    let labelsPath = try Self.file(labels, "train-labels")
    let gzipPath = try Self.file([0x1F, 0x8B, 8, 0, 1, 2])
    let floatsPath = try Self.file([0, 0, 0x0D, 3])
    let shortMagicPath = try Self.file([0, 0])
    let shortSizesPath = try Self.file(Array(images[..<9]))
    let shortValuesPath = try Self.file(Array(images.dropLast()))
    let longPath = try Self.file(images + [0])
    let hugePath = try Self.file([0, 0, 8, 3] + [UInt8](repeating: 0xFF, count: 12))
    let noPixelsPath = try Self.file(IDXFile.encode(dimensions: [5, 0, 28], values: []))
    let cases: [(String, () throws -> Void, IDXError.Problem, String)] = [
      (
        "gzipped", { _ = try IDXImageSet(images: gzipPath) },
        .gzipped, "gzip-compressed (it starts with 1f 8b); gunzip it first"
      ),
      (
        "labels given as images", { _ = try IDXImageSet(images: labelsPath) },
        .magic(found: 0x801, expected: 0x803),
        "the magic number is 0x00000801, expected 0x00000803 (unsigned bytes in 3 dimensions: "
          + "images)"
      ),
      (
        "images given as labels", { _ = try IDXImageSet(images: imagesPath, labels: imagesPath) },
        .magic(found: 0x803, expected: 0x801), "expected 0x00000801 (unsigned bytes in 1 "
      ),
      (
        "floats", { _ = try IDXImageSet(images: floatsPath) },
        .magic(found: 0xD03, expected: 0x803), "the magic number is 0x00000D03"
      ),
      (
        "cut in the magic number", { _ = try IDXImageSet(images: shortMagicPath) },
        .truncated(part: "the magic number", needed: 4, found: 2), "ends inside the magic number"
      ),
      (
        "cut in the sizes", { _ = try IDXImageSet(images: shortSizesPath) },
        .truncated(part: "the dimensions", needed: 16, found: 9), "needs at least 16 bytes, has 9"
      ),
      (
        "cut in the values", { _ = try IDXImageSet(images: shortValuesPath) },
        .truncated(part: "the values", needed: 24, found: 23), "ends inside the values"
      ),
      (
        "extra bytes", { _ = try IDXImageSet(images: longPath) },
        .trailingBytes(expected: 24, found: 25), "25 bytes, but its header describes 24"
      ),
      (
        "huge sizes",
        {
          _ = try IDXImageSet(images: hugePath)
        },
        .tooLarge(dimensions: [4_294_967_295, 4_294_967_295, 4_294_967_295]),
        "4294967295 × 4294967295 × 4294967295 describe more values"
      ),
      (
        "images without pixels",
        {
          _ = try IDXImageSet(images: noPixelsPath)
        },
        .emptyImage(rows: 0, columns: 28), "images of 0 × 28 pixels"
      ),
      (
        "counts disagree", { _ = try IDXImageSet(images: imagesPath, labels: labelsPath) },
        .countMismatch(images: 2, labels: 3, labelsPath: labelsPath),
        "holds 2 images but \(labelsPath) holds 3 labels"
      ),
    ]
    for (name, body, expected, message) in cases {
      do {
        try body()
        Issue.record("\(name): no error")
      } catch let error as IDXError {
        #expect(error.problem == expected, "\(name)")
        #expect(error.description.contains(message), "\(name): \(error)")
        #expect(error.description.hasPrefix(error.path), "\(name): \(error)")
      } catch {
        Issue.record("\(name): not an IDXError: \(error)")
      }
    }
    let missing = TestPaths.temporary("absent-idx")
    #expect(
      Self.problem { _ = try IDXImageSet(images: missing) }.map {
        if case .unreadable = $0 { true } else { false }
      } == true)
    let directory = (missing as NSString).deletingLastPathComponent
    #expect(Self.problem { _ = try IDXImageSet(images: directory) } != nil)
  }

  @Test("every prefix and every one-byte change of a small file loads or throws, never traps")
  func mutations() throws {
    let images = IDXFile.encode(dimensions: [2, 3, 2], values: (0..<12).map { UInt8($0) })
    for length in 0..<images.count {
      #expect(
        Self.problem {
          _ = try IDXFile(bytes: Array(images[..<length]), path: "p", dimensionCount: 3)
        }
          != nil, "prefix of \(length) bytes")
    }
    var loaded = 0
    for index in 0..<16 {
      for value in [0, 1, 2, 3, 0x7F, 0x80, 0xFE, 0xFF] as [UInt8] {
        var bytes = images
        bytes[index] = value
        if Self.problem({ _ = try IDXFile(bytes: bytes, path: "p", dimensionCount: 3) }) == nil {
          loaded += 1
        }
      }
    }
    // Only rewriting a byte with its own value loads: 15 of the 16 header bytes (all but the type
    // byte 8) hold one of the eight values, and no other size multiplies to the 12 values.
    #expect(loaded == 15)
  }

  static let fashionDirectory = "/usr/share/datasets/fashion-mnist"
  static let fashionAvailable =
    FileManager.default.fileExists(atPath: fashionDirectory + "/t10k-images-idx3-ubyte.gz")
    && FileManager.default.isExecutableFile(atPath: "/bin/gunzip")

  @Test(
    "Fashion-MNIST's test split (Debian's dataset-fashion-mnist), gunzipped: 10,000 images of 28 × 28, 1,000 of each label; the .gz itself is refused",
    .enabled(if: IDXFileTests.fashionAvailable))
  func fashionMNIST() throws {
    var paths: [String] = []
    for name in ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"] {
      let path = TestPaths.temporary(name)
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/bin/gunzip")
      process.arguments = ["-c", "\(Self.fashionDirectory)/\(name).gz"]
      _ = FileManager.default.createFile(atPath: path, contents: nil)
      process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
      try process.run()
      process.waitUntilExit()
      #expect(process.terminationStatus == 0)
      paths.append(path)
    }
    let set = try IDXImageSet(images: paths[0], labels: paths[1])
    #expect(set.count == 10_000 && set.rows == 28 && set.columns == 28)
    var perLabel = [Int](repeating: 0, count: 256)
    for label in set.labels ?? [] { perLabel[Int(label)] += 1 }
    #expect(Array(perLabel[0..<10]) == [Int](repeating: 1000, count: 10))
    #expect(set.pixels.max() == 255 && set.pixels.min() == 0)
    // As a table: the columns of `slicegen schema --image 28x28 … --label label:0..9`.
    let csv = TestPaths.temporary("t10k.csv")
    try set.writeCSV(to: csv, limit: 100)
    var reader = try CSVReader(path: csv)
    let schema = try ImageSchema(
      width: 28, height: 28, pixelLower: 0, pixelUpper: 255,
      label: .init(name: "label", categories: (0...9).map(String.init))
    ).schema()
    #expect(reader.header == schema.columns.map(\.name))
    let first = try reader.nextRecord()?.fields ?? []
    #expect(first == set.image(0).map(String.init) + [String(set.labels![0])])
    let gzipped = Self.problem {
      _ = try IDXImageSet(images: Self.fashionDirectory + "/t10k-images-idx3-ubyte.gz")
    }
    #expect(gzipped == .gzipped)
  }
}

@Suite("IDX image set as CSV")
struct IDXImageSetCSVTests {
  @Test("the table: px_<row>_<col> then the label, one row per image, the schema's columns")
  func table() throws {
    let pixels = (0..<(3 * 2 * 3)).map { UInt8($0 * 15) }
    let images = try IDXFileTests.file(IDXFile.encode(dimensions: [3, 2, 3], values: pixels))
    let labels = try IDXFileTests.file(IDXFile.encode(dimensions: [3], values: [4, 0, 9]))
    let set = try IDXImageSet(images: images, labels: labels)
    let path = TestPaths.temporary("images.csv")
    try set.writeCSV(to: path, limit: 2)
    var reader = try CSVReader(path: path)
    let schema = try ImageSchema(
      width: 3, height: 2, pixelLower: 0, pixelUpper: 255,
      label: .init(name: "label", categories: (0...9).map(String.init))
    ).schema()
    #expect(reader.header == schema.columns.map(\.name))
    #expect(try reader.nextRecord()?.fields == ["0", "15", "30", "45", "60", "75", "4"])
    #expect(try reader.nextRecord()?.fields == ["90", "105", "120", "135", "150", "165", "0"])
    #expect(try reader.nextRecord() == nil)
    let unlabelled = TestPaths.temporary("unlabelled.csv")
    try IDXImageSet(images: images).writeCSV(to: unlabelled, labelColumn: "y")
    let text = try String(contentsOfFile: unlabelled, encoding: .utf8)
    #expect(text.split(separator: "\n").count == 4)
    #expect(text.hasPrefix("px_0_0,px_0_1,px_0_2,px_1_0,px_1_1,px_1_2\n0,15,30,45,60,75\n"))
  }
}
