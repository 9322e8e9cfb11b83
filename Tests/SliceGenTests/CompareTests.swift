// The library side of `slicegen compare`: reading evaluate's scores, the resumable store and its
// refusal of other settings, the mean ± std table, and the privacy–utility plot.

import Foundation
import Testing

@testable import SliceGen

@Suite("compare: store, summary and plot")
struct CompareTests {
  static func result(
    _ method: CompareMethod, _ epsilon: Double, _ seed: Int, quality: Double, seconds: Double = 2
  ) -> CompareCellResult {
    CompareCellResult(
      cell: CompareCell(method: method, epsilon: epsilon, seed: seed), mechanism: "slicing",
      epsilonSpent: epsilon, delta: 1e-5, relation: "zero-out", seconds: seconds,
      peakBytes: seed * 1_048_576, scores: ["quality": quality, "rocAuc": quality / 2],
      shuffled: ["quality": 0.9], real: ["quality": 0.99])
  }

  static func settings(rows: Int = 10) -> CompareSettings {
    CompareSettings(
      train: "/t.csv", trainSHA256: "ab", holdout: "/h.csv", schema: "/s.json", delta: 1e-5,
      relation: "zero-out", rows: rows, epochs: nil, target: nil)
  }

  @Test("evaluate's JSON: every metric with a synthetic value, and its two references")
  func scores() throws {
    let json = """
      {"quality": {"synthetic": 0.8, "independent": 0.9, "real": 0.95},
       "rocAuc": {"synthetic": 0.7, "independent": 0.5, "real": 0.88},
       "outsideSchema": [], "warnings": [{"metric": "quality", "synthetic": 0.8}]}
      """
    let s = try CompareCellResult.scores(fromEvaluateJSON: Data(json.utf8))
    #expect(s.synthetic == ["quality": 0.8, "rocAuc": 0.7])
    #expect(s.shuffled == ["quality": 0.9, "rocAuc": 0.5])
    #expect(s.real == ["quality": 0.95, "rocAuc": 0.88])
    #expect(throws: CompareError.self) {
      try CompareCellResult.scores(fromEvaluateJSON: Data(#"{"warnings": []}"#.utf8))
    }
    #expect(throws: (any Error).self) {
      try CompareCellResult.scores(fromEvaluateJSON: Data("not json".utf8))
    }
  }

  @Test("cell names are unique and file-name safe; ε reads as written")
  func names() {
    #expect(
      CompareCell(method: .slicingAndMarginals, epsilon: 1, seed: 2).name
        == "slicing+marginals-eps1-seed2")
    #expect(CompareCell(method: .floor, epsilon: 0.5, seed: 1).name == "floor-eps0.5-seed1")
    #expect(CompareCell.text(10) == "10" && CompareCell.text(2.5) == "2.5")
  }

  @Test("the store keeps finished cells, and refuses a directory made with other settings")
  func store() throws {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("compare-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let store = try CompareStore(directory: directory, settings: Self.settings())
    let cell = CompareCell(method: .slicing, epsilon: 1, seed: 1)
    #expect(try store.result(cell) == nil)
    let result = Self.result(.slicing, 1, 1, quality: 0.5)
    try store.save(result)
    // A second sitting with the same settings sees the finished cell.
    let again = try CompareStore(directory: directory, settings: Self.settings())
    #expect(try again.result(cell) == result)
    #expect(try again.result(CompareCell(method: .slicing, epsilon: 1, seed: 2)) == nil)
    // Other settings: refused, naming the setting and both values.
    do {
      _ = try CompareStore(directory: directory, settings: Self.settings(rows: 20))
      Issue.record("other settings were accepted")
    } catch let error as CompareError {
      #expect(error.message.contains("rows: 10 → 20"), "\(error.message)")
    }
    // A damaged result file is named, not silently re-run or trusted.
    try Data("{".utf8).write(to: URL(fileURLWithPath: store.resultPath(cell)))
    do {
      _ = try again.result(cell)
      Issue.record("a damaged result was read")
    } catch let error as CompareError {
      #expect(error.message.contains(store.resultPath(cell)))
    }
    // A result saved under another cell's name is refused too.
    let other = Self.result(.slicing, 4, 1, quality: 0.5)
    try Data(try CompareStore.encode(other)).write(to: URL(fileURLWithPath: store.resultPath(cell)))
    #expect(throws: CompareError.self) { try again.result(cell) }
  }

  @Test("the summary: mean ± sample std over seeds, per method and ε, references beside")
  func summary() throws {
    let results = [
      Self.result(.slicing, 1, 1, quality: 0.5, seconds: 1),
      Self.result(.slicing, 1, 2, quality: 0.7, seconds: 3),
      Self.result(.slicing, 10, 1, quality: 0.8),
      Self.result(.floor, 1, 1, quality: 0.6),
    ]
    let summary = CompareSummary(results: results, methods: [.floor, .slicing])
    #expect(summary.rows.map(\.method) == [.floor, .slicing, .slicing])
    #expect(summary.rows.map(\.epsilon) == [1, 1, 10])
    let row = summary.rows[1]
    #expect(abs(row.scores["quality"]!.mean - 0.6) < 1e-12)
    // Sample standard deviation of 0.5 and 0.7: √(2·0.01/1) = 0.1414…
    #expect(abs(row.scores["quality"]!.std - 0.02.squareRoot()) < 1e-12)
    #expect(row.seconds.mean == 2 && row.peakBytes == 2 * 1_048_576)
    #expect(summary.metrics == ["quality", "rocAuc"])
    #expect(summary.shuffled["quality"] == 0.9 && summary.real["quality"] == 0.99)
    let markdown = summary.markdown
    #expect(markdown.contains("| slicing | 1 | 2 | 0.600 ± 0.141 | 0.300 ± 0.071 |"), "\(markdown)")
    #expect(markdown.contains("| floor | 1 | 1 | 0.600 | 0.300 |"), "\(markdown)")
    #expect(markdown.contains("| shuffled real columns | – | – | 0.900 | – |"), "\(markdown)")
    let csv = summary.csv.split(separator: "\n")
    #expect(csv[0].hasPrefix("method,epsilon,seeds,quality,quality_std,rocAuc,rocAuc_std,"))
    #expect(csv.count == 1 + 3 + 2)
  }

  @Test(
    "the plot is well-formed SVG with one line per method and the references",
    .enabled(if: PythonRunner.available))
  func plot() throws {
    let results = [
      Self.result(.slicing, 1, 1, quality: 0.5), Self.result(.slicing, 4, 1, quality: 0.6),
      Self.result(.slicing, 10, 1, quality: 0.7), Self.result(.slicing, 10, 2, quality: 0.8),
      Self.result(.floor, 1, 1, quality: 0.6), Self.result(.floor, 10, 1, quality: 0.65),
      Self.result(.sliceWass, 4, 1, quality: 0.4),
    ]
    let summary = CompareSummary(results: results, methods: [.slicing, .floor, .sliceWass])
    let svg = PrivacyUtilityPlot.svg(summary, metric: "quality")
    let python = """
      import sys, xml.etree.ElementTree as ET
      root = ET.parse(sys.argv[1]).getroot()
      ns = '{http://www.w3.org/2000/svg}'
      lines = root.findall(ns + 'polyline')
      dots = root.findall(ns + 'circle')
      texts = [t.text for t in root.findall(ns + 'text')]
      print(len(lines), len(dots), 'log scale' in ' '.join(texts),
            'shuffled real columns' in texts, 'slicewass' in texts)
      """
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("plot-\(UUID().uuidString).svg").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    try Data(svg.utf8).write(to: URL(fileURLWithPath: path))
    let run = try PythonRunner.run(python, arguments: [path])
    #expect(run.status == 0, "\(run.error)")
    // Two methods with more than one ε draw a line; every (method, ε) a dot: 3 + 2 + 1.
    #expect(run.output == "2 6 True True True\n", "\(run.output)")
  }
}
