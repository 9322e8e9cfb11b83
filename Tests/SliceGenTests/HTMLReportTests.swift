// Tests of HTMLReport: text from the data (column names, categories, values outside the schema)
// reaches the page only escaped, so a CSV cannot inject markup into the report its owner opens;
// the escaping itself, ampersand first; and numbers that are missing print as a dash.

import Foundation
import Testing

@testable import SliceGen

@Suite("HTML report")
struct HTMLReportTests {
  @Test("escape: &, <, > and \" become entities, & first so entities in the data stay visible")
  func escaping() {
    #expect(
      HTMLReport.escape(#"<a href="x">&amp;</a>"#)
        == "&lt;a href=&quot;x&quot;&gt;&amp;amp;&lt;/a&gt;")
    #expect(HTMLReport.escape("plain text, 'quoted'") == "plain text, 'quoted'")
  }

  @Test("numbers: three decimals, a dash for nil and NaN")
  func numbers() {
    #expect(HTMLReport.f(0.12345) == "0.123")
    #expect(HTMLReport.f(nil) == "–" && HTMLReport.f(.nan) == "–")
  }

  @Test("markup in column names and categories is escaped everywhere the page shows it")
  func hostileData() throws {
    let name = #"<script>alert("x")</script>"#
    let category = #"<img src=x onerror="y">"#
    var rng = TestRNG(seed: 60)
    func table() -> EvaluationTable {
      let values = (0..<200).map { _ in Double.random(in: 0...1, using: &rng) }
      let colours: [String?] = values.map { $0 < 0.5 ? category : "plain & simple" }
      return EvaluationTable(
        names: [name, "colour\"quote"],
        columns: [.numeric(values), .categorical(colours)])
    }
    let real = table(), synthetic = table()
    let report = try Evaluator.evaluate(real: real, synthetic: synthetic, train: nil, target: nil)
    let path = TestPaths.temporary("report.html")
    try HTMLReport.write(report: report, real: real, synthetic: synthetic, model: nil, to: path)
    let page = try String(contentsOfFile: path, encoding: .utf8)
    #expect(!page.contains("<script"))
    #expect(!page.contains("<img"))
    #expect(!page.contains("colour\"quote"))
    #expect(page.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"))
    #expect(page.contains("colour&quot;quote"))
  }

  @Test(
    "a table of labelled images gets its first images of each class inline, short classes named")
  func imageGrid() throws {
    // 2 × 2 images in 0…4 and a label of three classes; class "c" has 3 rows, fewer than 10.
    let layout = ImageSchema(
      width: 2, height: 2, pixelLower: 0, pixelUpper: 4,
      label: ImageSchema.Label(name: "digit", categories: ["a", "b", "c"]))
    let labels =
      Array(repeating: "a", count: 12) + Array(repeating: "b", count: 10)
      + Array(repeating: "c", count: 3)
    let level: [String: Double] = ["a": 4, "b": 0, "c": 2]
    let pixels = layout.pixelColumnNames.map { _ in
      EvaluationTable.Column.numeric(labels.map { level[$0]! })
    }
    let table = EvaluationTable(
      names: layout.pixelColumnNames + ["digit"], columns: pixels + [.categorical(labels)])
    let report = try Evaluator.evaluate(real: table, synthetic: table, train: nil, target: nil)
    let path = TestPaths.temporary("images.html")
    try HTMLReport.write(
      report: report, real: table, synthetic: table, model: nil, images: layout, to: path)
    let page = try String(contentsOfFile: path, encoding: .utf8)
    let prefix = "data:image/png;base64,"
    let start = try #require(page.range(of: prefix)).upperBound
    let end = try #require(page[start...].firstIndex(of: "\""))
    let png = try #require(Data(base64Encoded: String(page[start..<end])))
    // Exactly the picture ClassPictures makes from the table: one row per class, 10 images each.
    let expected = try ClassPictures(table: table, layout: layout, perClass: 10).picture()
    #expect([UInt8](png) == expected.encoded())
    #expect(expected.width > expected.height)  // 10 images across, 3 classes down
    #expect(page.contains("classes with fewer (their rows end blank): c."))
    // Without a layout, no picture.
    let plain = TestPaths.temporary("plain.html")
    try HTMLReport.write(report: report, real: table, synthetic: table, model: nil, to: plain)
    #expect(!(try String(contentsOfFile: plain, encoding: .utf8)).contains(prefix))
  }
}
