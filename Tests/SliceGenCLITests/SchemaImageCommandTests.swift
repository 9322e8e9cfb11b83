// `slicegen schema --image`: the schema of a set of images from the options alone. It reads no
// file (each run is in an empty directory), writes one, and refuses bad sizes, ranges and labels
// as usage errors before writing anything.

import Foundation
import SliceGen
import Testing

@Suite("schema --image")
struct SchemaImageCommandTests {
  @Test("the digits schema, byte for byte the bundled samples/digits/schema.json, reading nothing")
  func digits() throws {
    let directory = CLI.temporaryDirectory()
    let result = try CLI.run(
      [
        "schema", "--image", "8x8", "--pixel-range", "0..16", "--label", "target:0..9", "-o",
        "d.json",
      ],
      currentDirectory: directory)
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.isEmpty)
    #expect(
      result.stderr
        == "Wrote d.json: 65 columns, 64 pixels px_0_0 … px_7_7 in 0..16 and the label "
        + "\"target\" (10 categories, the target). No data was read.\n")
    #expect(CLI.files(in: directory) == ["d.json"])
    let written = try Data(contentsOf: URL(fileURLWithPath: directory + "/d.json"))
    let bundled = try Data(contentsOf: URL(fileURLWithPath: CLI.path("samples/digits/schema.json")))
    #expect(written == bundled)
  }

  @Test("28x28 pixels 0..255 with label:0..9: 785 columns, the label last and the target")
  func fashion() throws {
    let directory = CLI.temporaryDirectory()
    let result = try CLI.run(
      ["schema", "--image", "28x28", "--pixel-range", "0..255", "--label", "label:0..9"],
      currentDirectory: directory)
    #expect(result.status == 0, "\(result.stderr)")
    let schema = try Schema(contentsOf: directory + "/schema.json")
    #expect(schema.columns.count == 785 && schema.target == "label" && !schema.dataDerived)
    #expect(schema.columns[783].name == "px_27_27" && schema.columns[784].name == "label")
    #expect(schema.columns[0].domain == .numeric(lower: 0, upper: 255, integer: true))
    #expect(ImageSchema(recognizing: schema)?.width == 28)
  }

  @Test("--pixel-type real declares real-valued pixels; no --label, no target")
  func realPixels() throws {
    let directory = CLI.temporaryDirectory()
    let result = try CLI.run(
      [
        "schema", "--image", "4x2", "--pixel-range", "0..1", "--pixel-type", "real", "-o", "s.json",
      ],
      currentDirectory: directory)
    #expect(result.status == 0, "\(result.stderr)")
    let schema = try Schema(contentsOf: directory + "/s.json")
    #expect(schema.columns.count == 8 && schema.target == nil)
    #expect(schema.columns[7].name == "px_1_3")
    #expect(schema.columns[7].domain == .numeric(lower: 0, upper: 1, integer: false))
  }

  @Test(
    "bad sizes, ranges, labels and combinations: exit 64, message, usage, help; nothing written",
    arguments: [
      (
        ["--image", "0x5", "--pixel-range", "0..255"],
        "--image is 0x5, each side must be from 1 to 1024 pixels, and the image at most 65536 pixels"
      ),
      (
        ["--image", "28y28", "--pixel-range", "0..255"],
        "--image is '28y28', must be <width>x<height>, like 28x28"
      ),
      (["--image", "300x300", "--pixel-range", "0..255"], "--image is 300x300, each side"),
      (["--image", "28x28"], "--pixel-range is required (for example --pixel-range 0..255)"),
      (
        ["--image", "28x28", "--pixel-range", "255..0"],
        "--pixel-range is 255..0, must be finite with lower below upper"
      ),
      (
        ["--image", "28x28", "--pixel-range", "0-255"],
        "--pixel-range is '0-255', must be <lower>..<upper>, like 0..255"
      ),
      (
        ["--image", "28x28", "--pixel-range", "0..0.5"],
        "--pixel-range is 0..0.5, integer pixels need whole-number bounds (or pass --pixel-type real)"
      ),
      (
        ["--image", "28x28", "--pixel-range", "0..255", "--pixel-type", "float"],
        "--pixel-type is 'float', must be one of integer, real"
      ),
      (
        ["--image", "28x28", "--pixel-range", "0..255", "--label", "label"],
        "--label is 'label', must be <name>:<lower>..<upper> (at most 1000 categories) or"
      ),
      (
        ["--image", "28x28", "--pixel-range", "0..255", "--label", "label:9..0"],
        "--label is 'label:9..0', must be"
      ),
      (
        ["--image", "2x2", "--pixel-range", "0..255", "--label", "px_1_1:0..9"],
        "--label is 'px_1_1:…', the name is a pixel column's"
      ),
      (
        ["--image", "2x2", "--pixel-range", "0..255", "--label", "y:a,b,a"],
        "--label is 'y:…', its categories must be distinct"
      ),
      (
        ["x.csv", "--image", "28x28", "--pixel-range", "0..255"],
        "unexpected argument 'x.csv': --image reads no data"
      ),
      (
        ["--image", "28x28", "--pixel-range", "0..255", "--max-categories", "5"],
        "--max-categories applies only to a <csv>, not with --image"
      ),
      (["x.csv", "--pixel-range", "0..255"], "--pixel-range applies only with --image"),
      (["x.csv", "--label", "y:0..1"], "--label applies only with --image"),
      ([], "missing argument <csv> (or --image to write an image schema)"),
      (["--image"], "missing value for '--image <width>x<height>'"),
    ])
  func refused(arguments: [String], message: String) throws {
    let directory = CLI.temporaryDirectory()
    let result = try CLI.run(["schema"] + arguments, currentDirectory: directory)
    #expect(result.status == 64, "\(result.stderr)")
    #expect(result.stderr.hasPrefix("Error: " + message), "\(result.stderr)")
    #expect(result.stderr.contains("\nUsage: slicegen schema [<csv>] [options]\n"))
    #expect(result.stderr.hasSuffix("\nSee 'slicegen schema --help'.\n"), "\(result.stderr)")
    #expect(CLI.files(in: directory).isEmpty)
  }
}
