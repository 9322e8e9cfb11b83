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
}
