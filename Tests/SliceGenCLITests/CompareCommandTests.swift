// `slicegen compare` end to end on a small table: the quick grid runs every method through the
// real commands and writes the table and plot; a rerun resumes (finished cells are not run
// again, a removed one is); other settings are refused; a failing cell is reported and retried.

import Foundation
import Testing

@Suite("slicegen compare")
struct CompareCommandTests {
  /// A small table with two associated columns, its holdout and schema, in `directory`.
  func makeTables(_ directory: String) -> (train: String, holdout: String, schema: String) {
    func rows(_ n: Int, offset: Int) -> String {
      "x,c,y\n"
        + (0..<n).map { i in
          let x = (i * 7 + offset) % 20
          return "\(x),\(x < 10 ? "a" : "b"),\(x % 3 == 0 ? "yes" : "no")"
        }.joined(separator: "\n")
    }
    let paths = (directory + "/train.csv", directory + "/holdout.csv", directory + "/s.json")
    CLI.write(rows(160, offset: 0), to: paths.0)
    CLI.write(rows(80, offset: 3), to: paths.1)
    CLI.write(
      #"{"columns": [{"name": "x", "type": "numeric", "lower": 0, "upper": 20}, "#
        + #"{"name": "c", "type": "categorical", "categories": ["a", "b"]}, "#
        + #"{"name": "y", "type": "categorical", "categories": ["no", "yes"]}], "#
        + #""target": "y"}"#, to: paths.2)
    return paths
  }

  @Test("the quick grid runs every method, writes the table and plot, and resumes")
  func quickGridResumes() throws {
    let directory = CLI.temporaryDirectory()
    let (train, holdout, schema) = makeTables(directory)
    let out = directory + "/cmp"
    let arguments = [
      "compare", train, "--holdout", holdout, "--schema", schema, "--quick", "-o", out,
    ]
    let first = try CLI.run(arguments)
    #expect(first.status == 0, "\(first.stderr)")
    let cells = CLI.files(in: out + "/cells")
    #expect(cells.count == 14, "\(cells)")  // 7 methods × ε 1, 10 × 1 seed
    #expect(cells.contains("slicing+marginals-eps10-seed1.json"))
    for file in ["results.md", "results.csv", "plot.svg", "settings.json"] {
      #expect(FileManager.default.fileExists(atPath: out + "/" + file), "\(file)")
    }
    #expect(CLI.files(in: out + "/work").isEmpty)  // working files removed
    #expect(CLI.files(in: out + "/pictures").isEmpty)  // not an image table
    // The floor gives the 1-way marginals all but a thousandth of the budget.
    let floorLog = try String(contentsOfFile: out + "/logs/floor-eps1-seed1.log", encoding: .utf8)
    #expect(floorLog.contains("--marginals one-way --aggregate-share 0.999"), "\(floorLog)")
    // The printed table: every method at both ε, the references, what each release was.
    for line in [
      "| slicing | 1 | 1 |", "| slicing+marginals | 10 | 1 |", "| slicewass | 1 | 1 |",
      "| floor | 10 | 1 |", "| merf | 1 | 1 |", "| dp-sgd | 10 | 1 |",
      "| dp-sgd-ma-zhang | 1 | 1 |",
      "| shuffled real columns |",
      "| real rows |",
    ] {
      #expect(first.stdout.contains(line), "\(line)\n\(first.stdout)")
    }
    let result =
      try JSONSerialization.jsonObject(
        with: try Data(contentsOf: URL(fileURLWithPath: out + "/cells/slicewass-eps1-seed1.json")))
      as! [String: Any]
    #expect(result["mechanism"] as? String == "slicing")
    #expect(result["relation"] as? String == "zero-out")
    #expect(result["epsilonSpent"] as? Double == 1)
    #expect((result["peakBytes"] as? Int ?? 0) > 1_000_000)
    let merf =
      try JSONSerialization.jsonObject(
        with: try Data(contentsOf: URL(fileURLWithPath: out + "/cells/merf-eps10-seed1.json")))
      as! [String: Any]
    #expect(merf["mechanism"] as? String == "merf" && merf["epsilonSpent"] as? Double == 10)
    let dpsgd =
      try JSONSerialization.jsonObject(
        with: try Data(contentsOf: URL(fileURLWithPath: out + "/cells/dp-sgd-eps1-seed1.json")))
      as! [String: Any]
    // DP-SGD states the ε its steps spent, at most the ε asked for.
    let spent = dpsgd["epsilonSpent"] as? Double ?? 0
    #expect(dpsgd["mechanism"] as? String == "dp-sgd" && spent <= 1 && spent > 0.5, "\(spent)")
    // Ma and Zhang's variant runs train-dpsgd with their options and states its own guarantee.
    let maZhangLog = try String(
      contentsOfFile: out + "/logs/dp-sgd-ma-zhang-eps1-seed1.log", encoding: .utf8)
    #expect(
      maZhangLog.contains(
        "--clipping error-feedback --reconstruction-weight 10 --noise-injection 0.1"),
      "\(maZhangLog)")
    let maZhang =
      try JSONSerialization.jsonObject(
        with: try Data(
          contentsOf: URL(fileURLWithPath: out + "/cells/dp-sgd-ma-zhang-eps10-seed1.json")))
      as! [String: Any]
    #expect(maZhang["mechanism"] as? String == "dp-sgd")

    // A rerun runs nothing; after removing one cell it runs exactly that one.
    let again = try CLI.run(arguments)
    #expect(again.status == 0 && again.stderr.contains("14 finished earlier"), "\(again.stderr)")
    #expect(!again.stderr.contains("release…"))
    #expect(again.stdout == first.stdout)
    try FileManager.default.removeItem(atPath: out + "/cells/floor-eps1-seed1.json")
    let resumed = try CLI.run(arguments)
    #expect(resumed.status == 0 && resumed.stderr.contains("13 finished earlier"))
    #expect(resumed.stderr.contains("[13/14] floor-eps1-seed1: release…"), "\(resumed.stderr)")
    #expect(!resumed.stderr.contains("[1/14] slicing-eps1-seed1: release…"))

    // The same directory with other settings is refused before anything runs.
    let other = try CLI.run(arguments + ["--delta", "1e-6"])
    #expect(other.status == 1 && other.stderr.contains("delta: 1e-05 → 1e-06"), "\(other.stderr)")
  }

  @Test("on a labelled image table every cell, the floor's too, leaves a picture of its images")
  func pictures() throws {
    let directory = CLI.temporaryDirectory()
    let schema = directory + "/images.json"
    let made = try CLI.run([
      "schema", "--image", "3x2", "--pixel-range", "0..4", "--label", "label:0..1", "-o", schema,
    ])
    #expect(made.status == 0, "\(made.stderr)")
    func rows(_ n: Int) -> String {
      "px_0_0,px_0_1,px_0_2,px_1_0,px_1_1,px_1_2,label\n"
        + (0..<n).map { i in
          let label = i % 2, pixel = label == 0 ? 0 : 4
          return "\(pixel),\(4 - pixel),\(i % 5),\(pixel),\(4 - pixel),\(i % 3),\(label)"
        }.joined(separator: "\n")
    }
    CLI.write(rows(120), to: directory + "/train.csv")
    CLI.write(rows(60), to: directory + "/holdout.csv")
    let out = directory + "/cmp"
    let run = try CLI.run([
      "compare", directory + "/train.csv", "--holdout", directory + "/holdout.csv", "--schema",
      schema, "--quick", "--methods", "floor,slicing+marginals", "--epsilon", "10", "-o", out,
    ])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(
      CLI.files(in: out + "/pictures") == [
        "floor-eps10-seed1.png", "slicing+marginals-eps10-seed1.png",
      ])
    for name in CLI.files(in: out + "/pictures") {
      let png = try Data(contentsOf: URL(fileURLWithPath: out + "/pictures/" + name))
      #expect(png.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]), "\(name)")
      // IHDR: two rows of images (one per class) under ten columns, so wider than high.
      let number = { (at: Int) in png[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
      #expect(number(16) > number(20) && number(20) > 0, "\(name)")
    }
  }

  @Test("a failing cell is reported with its log, the grid goes on, and a rerun retries it")
  func failingCell() throws {
    let directory = CLI.temporaryDirectory()
    let (train, holdout, schema) = makeTables(directory)
    // A schema drafted from the data: release refuses it without the flag.
    let drafted = directory + "/drafted.json"
    let text = try String(contentsOfFile: schema, encoding: .utf8)
    CLI.write(
      text.replacingOccurrences(of: #""target""#, with: #""dataDerived": true, "target""#),
      to: drafted)
    let out = directory + "/cmp"
    let arguments = [
      "compare", train, "--holdout", holdout, "--schema", drafted, "--quick", "--methods",
      "slicing,floor", "--epsilon", "1", "-o", out,
    ]
    let failed = try CLI.run(arguments)
    #expect(failed.status == 1, "\(failed.stderr)")
    #expect(failed.stderr.contains("2 cell(s) failed"), "\(failed.stderr)")
    #expect(
      failed.stderr.contains("release exited with 1; see \(out)/logs/slicing-eps1-seed1.log"))
    #expect(CLI.files(in: out + "/cells").isEmpty)
    let log = try String(contentsOfFile: out + "/logs/floor-eps1-seed1.log", encoding: .utf8)
    #expect(log.contains("data-derived"), "\(log)")
    // With the flag the same grid (same settings) finishes.
    let fixed = try CLI.run(arguments + ["--accept-data-derived-schema"])
    #expect(fixed.status == 0, "\(fixed.stderr)")
    #expect(CLI.files(in: out + "/cells").count == 2)
  }

  @Test("bad input: a missing holdout, a table without the schema's columns, a bad list")
  func badInput() throws {
    let directory = CLI.temporaryDirectory()
    let (train, holdout, schema) = makeTables(directory)
    let noHoldout = try CLI.run(["compare", train, "--schema", schema, "-o", directory + "/a"])
    #expect(noHoldout.status == 64 && noHoldout.stderr.contains("--holdout is required"))
    CLI.write("x,c\n1,a\n", to: directory + "/narrow.csv")
    let narrow = try CLI.run([
      "compare", train, "--holdout", directory + "/narrow.csv", "--schema", schema, "-o",
      directory + "/b",
    ])
    #expect(narrow.status == 1, "\(narrow.stderr)")
    #expect(narrow.stderr.contains("narrow.csv, line 1: the header has no column \"y\""))
    #expect(!FileManager.default.fileExists(atPath: directory + "/b"))
    let badList = try CLI.run([
      "compare", train, "--holdout", holdout, "--schema", schema, "--methods", "slicing,gan",
    ])
    #expect(badList.status == 64 && badList.stderr.contains("--methods"), "\(badList.stderr)")
    let badEpsilon = try CLI.run([
      "compare", train, "--holdout", holdout, "--schema", schema, "--epsilon", "1,-2",
    ])
    #expect(badEpsilon.status == 64 && badEpsilon.stderr.contains("--epsilon"))
    // DP-SGD states no guarantee under replace-one: refused when asked for, left out by default.
    let replaceOne = try CLI.run([
      "compare", train, "--holdout", holdout, "--schema", schema, "--methods", "dp-sgd",
      "--neighbors", "replace-one", "-o", directory + "/c",
    ])
    #expect(replaceOne.status == 64 && replaceOne.stderr.contains("dp-sgd"), "\(replaceOne.stderr)")
  }
}
