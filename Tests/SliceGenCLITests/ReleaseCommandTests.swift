import Foundation
import Testing

/// A tiny valid table and its schema.
private func smallTable(in directory: String) -> (csv: String, schema: String) {
  let csv = directory + "/small.csv"
  let schema = directory + "/small.json"
  var text = "age,colour\n"
  for i in 0..<50 { text += "\(20 + i % 40),\(["red", "green", "blue"][i % 3])\n" }
  CLI.write(text, to: csv)
  CLI.write(
    """
    {"columns": [
      {"name": "age", "type": "numeric", "lower": 0, "upper": 100, "integer": true},
      {"name": "colour", "type": "categorical", "categories": ["red", "green", "blue"]}]}
    """, to: schema)
  return (csv, schema)
}

@Suite("slicegen release")
struct ReleaseCommandTests {
  @Test("the Adult release reports the exact-profile noise scale 53.59 (theorem1: 72.99)")
  func adultNoiseScale() throws {
    let directory = CLI.temporaryDirectory()
    for (accountant, expected) in [("profile", 53.59), ("theorem1", 72.99)] {
      let output = directory + "/r-\(accountant).slg"
      let result = try CLI.run([
        "release", CLI.path("samples/adult/train.csv"), "--schema",
        CLI.path("samples/adult/schema.json"), "--epsilon", "1", "--delta", "1e-5", "--slices",
        "100", "--slice-dim", "2", "--accountant", accountant, "--marginals", "none",
        "--output", output, "--quiet",
      ])
      #expect(result.status == 0, "\(result.stderr)")
      let inspect = try CLI.run(["inspect", output, "--json"])
      #expect(inspect.status == 0)
      let json = try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as! [String: Any]
      let s = json["noiseScale"] as! Double
      #expect(abs(s / expected - 1) < 1e-3, "\(accountant): s = \(s)")
      for key in [
        "epsilon", "delta", "sigma", "noiseScale", "rows", "encodedWidth", "slices",
        "sliceDim", "accountant", "neighbors",
      ] {
        #expect(json[key] != nil, "missing key \(key)")
      }
      #expect(json["rows"] as? Int == 32561)
      #expect(json["encodedWidth"] as? Int == 108)
      #expect(json["accountant"] as? String == accountant)
      #expect(json["neighbors"] as? String == "replace-one")
    }
  }

  @Test("--marginals target on the digits: the label's table with each of the 64 pixels")
  func targetStar() throws {
    let directory = CLI.temporaryDirectory()
    let output = directory + "/star.slg"
    let result = try CLI.run([
      "release", CLI.path("samples/digits/train.csv"), "--schema",
      CLI.path("samples/digits/schema.json"), "--epsilon", "1", "--marginals", "target",
      "--output", output, "--quiet",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    let inspect = try CLI.run(["inspect", output, "--json"])
    let json = try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as! [String: Any]
    let tables = (json["marginals"] as! [[String: Any]]).map { $0["columns"] as! [String] }
    let pairs = tables.filter { $0.count == 2 }
    #expect(tables.count == 65 + 64)
    #expect(pairs.allSatisfy { $0.contains("target") })
    #expect(Set(pairs.flatMap { $0 }).count == 65)
  }

  @Test("selection options with nothing to select say so; with a private selection they do not")
  func unusedSelectionOptions() throws {
    let directory = CLI.temporaryDirectory()
    let (csv, schema) = smallTable(in: directory)
    for (marginals, said) in [("one-way", true), ("select:1", false)] {
      let result = try CLI.run([
        "release", csv, "--schema", schema, "--epsilon", "1", "--marginals", marginals,
        "--pair-selection-split", "0.4,0.1,0.5", "--selection-mechanism", "gaussian",
        "--output", directory + "/\(marginals).slg",
      ])
      #expect(result.status == 0, "\(result.stderr)")
      let text = result.stdout + result.stderr
      for option in ["--pair-selection-split", "--selection-mechanism"] {
        #expect(text.contains("\(option) had no effect") == said, "\(marginals): \(text)")
      }
    }
  }

  @Test("a fixed projection seed is accounted with ‖U‖₂ and gets more noise")
  func fixedSeed() throws {
    let directory = CLI.temporaryDirectory()
    let (csv, schema) = smallTable(in: directory)
    var scales: [Double] = []
    for extra in [[], ["--projection-seed", "7"]] {
      let output = directory + "/r\(scales.count).slg"
      let result = try CLI.run(
        [
          "release", csv, "--schema", schema, "--epsilon", "1", "--delta",
          "1e-3", "--slices", "10", "--output", output, "--quiet",
        ] + extra)
      #expect(result.status == 0, "\(result.stderr)")
      let json =
        try JSONSerialization.jsonObject(
          with: Data(try CLI.run(["inspect", output, "--json"]).stdout.utf8)) as! [String: Any]
      scales.append(json["noiseScale"] as! Double)
      if !extra.isEmpty {
        #expect(json["accountant"] as? String == "analytic-gaussian")
        #expect(json["projectionSeedSource"] as? String == "user")
        #expect(json["projectionSeed"] as? String == "7")
      }
    }
    #expect(scales[1] > scales[0])
  }

  @Test(
    "bad input: clear message, exit code, no output file",
    arguments: [
      (["--epsilon", "1"], "no-such.csv", 1, "no such file"),
      (["--epsilon", "0"], "small.csv", 64, "epsilon is 0.0, must be positive"),
      (["--epsilon", "nan"], "small.csv", 64, "epsilon"),
      (["--epsilon", "inf"], "small.csv", 64, "epsilon"),
      (["--epsilon", "-1"], "small.csv", 64, "epsilon"),
      (["--epsilon", "1", "--delta", "1"], "small.csv", 64, "delta"),
      (["--epsilon", "1", "--delta", "0"], "small.csv", 64, "delta"),
      (
        ["--epsilon", "1", "--delta", "0.05"], "small.csv", 64, "--delta is 0.05, must be below 1/n"
      ),
      (["--epsilon", "1", "--slices", "0"], "small.csv", 64, "--slices is 0"),
      (
        ["--epsilon", "1", "--slice-dim", "500"], "small.csv", 64,
        "--slice-dim is 500, must be from 1 to d = "
      ),
      (["--epsilon", "1", "--accountant", "rdp"], "small.csv", 64, "must be one of"),
      (["--epsilon", "1", "--subsample", "1.5"], "small.csv", 64, "--subsample"),
      (["--epsilon", "1", "--bogus"], "small.csv", 64, "unknown option '--bogus'"),
      (
        ["--epsilon", "1", "--marginals", "all-pairs", "--pair-bins", "0"], "small.csv", 64,
        "--pair-bins is 0, must be from 1 to 4096"
      ),
      (
        ["--epsilon", "1", "--marginals", "all-pairs", "--pair-bins", "-3"], "small.csv", 64,
        "--pair-bins is -3, must be from 1 to 4096"
      ),
      (
        ["--epsilon", "1", "--marginals", "all-pairs", "--pair-bins", "few"], "small.csv", 64,
        "--pair-bins is 'few', must be auto or a whole number"
      ),
      (
        ["--epsilon", "1", "--marginals", "all-pairs", "--pair-bins", "2.5"], "small.csv", 64,
        "--pair-bins is '2.5', must be auto or a whole number"
      ),
      ([], "small.csv", 64, "--epsilon is required"),
      (
        ["--epsilon", "1", "--marginals", "target"], "small.csv", 64,
        "--marginals is 'target', needs a schema that names a target"
      ),
    ])
  func badInput(extra: [String], file: String, status: Int32, message: String) throws {
    let directory = CLI.temporaryDirectory()
    let (_, schema) = smallTable(in: directory)
    let output = directory + "/out.slg"
    let result = try CLI.run(
      ["release", directory + "/" + file, "--schema", schema, "--output", output] + extra)
    #expect(result.status == status, "\(result.stderr)")
    #expect(result.stderr.contains(message), "\(result.stderr)")
    #expect(result.stderr.hasPrefix("Error: "))
    #expect(!CLI.files(in: directory).contains { $0.contains("out.slg") })
  }

  @Test(
    "bad CSV content: the message names the file, line and column; nothing is written",
    arguments: [
      ("", "empty"),
      ("age,colour\n20,red\n21\n", ":3:"),
      ("age,colour\n20,red\n21,\"blue\n", "unterminated"),
      ("age,colour\n20,red\nabc,blue\n", ":3:1: column \"age\": value \"abc\" is not a number"),
      ("age,colour\n20,purple\n", ":2:2: column \"colour\": value \"purple\""),
      ("age,colour\nnan,red\n", "not a finite number"),
      ("age\n20\n", "schema column \"colour\" is not in the CSV header"),
      ("age,colour,extra\n20,red,1\n", "column \"extra\" is in the CSV but not in the schema"),
      ("age,colour\n20,r\u{FF}d\n", "UTF-8"),
      ("age,colour\n", "no rows"),
    ])
  func badCSV(text: String, message: String) throws {
    let directory = CLI.temporaryDirectory()
    let (_, schema) = smallTable(in: directory)
    let csv = directory + "/bad.csv"
    if text.contains("\u{FF}") {
      var bytes = Array("age,colour\n20,r".utf8)
      bytes += [0xFF]
      bytes += Array("d\n".utf8)
      try Data(bytes).write(to: URL(fileURLWithPath: csv))
    } else {
      CLI.write(text, to: csv)
    }
    let output = directory + "/out.slg"
    let result = try CLI.run(
      ["release", csv, "--schema", schema, "--epsilon", "1", "--delta", "1e-6", "--output", output])
    #expect(result.status == 1, "\(result.stderr)")
    #expect(result.stderr.contains(message), "\(result.stderr)")
    #expect(!CLI.files(in: directory).contains { $0.contains("out.slg") })
  }

  @Test(
    "no schema: the domain is discovered privately, written beside the release, and inspect lists both spends"
  )
  func noSchemaDiscovers() throws {
    let directory = CLI.temporaryDirectory()
    let output = directory + "/adult.slg"
    let result = try CLI.run(
      [
        "release", CLI.path("samples/adult/train.csv"), "--epsilon", "4", "--slices", "10",
        "--output", output,
      ], environment: ["SLICEGEN_INSECURE_TEST_NOISE_SEED": "3"])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.contains("Discovered the domain under differential privacy"))
    #expect(CLI.files(in: directory) == ["adult.slg", "adult.slg.schema.json"])
    let inspect = try CLI.run(["inspect", output])
    // The default discovery budget is 0.4 of ε = 4 (Docs/discovery.md).
    #expect(inspect.stdout.contains("spend         domain discovery: ε = 1.6"))
    #expect(inspect.stdout.contains("spend         release: ε = 2.4"))
    let json =
      try JSONSerialization.jsonObject(
        with: Data(try CLI.run(["inspect", output, "--json"]).stdout.utf8)) as! [String: Any]
    #expect(
      (json["statement"] as! String).contains(
        "the domain was discovered from this table under differential privacy"))
    let discovery = json["discovery"] as! [String: Any]
    #expect(discovery["fraction"] as? Double == 0.4)
    #expect(
      (discovery["epsilon"] as! Double) + (discovery["releaseEpsilon"] as! Double)
        == json["epsilon"] as! Double)
    // inspect --schema shows the discovered schema; reusing it costs no discovery.
    let shown = try CLI.run(["inspect", output, "--schema"])
    #expect(shown.stdout.contains("\"discovery\": {\"epsilon\": 1.6"))
    let reuse = try CLI.run([
      "release", CLI.path("samples/adult/train.csv"), "--schema", output + ".schema.json",
      "--epsilon", "4", "--slices", "10", "--output", directory + "/again.slg", "--quiet",
    ])
    #expect(reuse.status == 0, "\(reuse.stderr)")
  }

  @Test(
    "discovery and --like: bad options are usage errors, and nothing is written",
    arguments: [
      (
        ["--epsilon", "1", "--discovery-budget", "0"],
        "--discovery-budget is 0.0, must be in (0, 1)"
      ),
      (
        ["--epsilon", "1", "--discovery-budget", "1"],
        "--discovery-budget is 1.0, must be in (0, 1)"
      ),
      (["--epsilon", "1", "--discovery-budget", "nan"], "--discovery-budget is nan"),
      (["--epsilon", "1", "--neighbors", "zero-out"], "zero-out needs a --schema"),
      (["--epsilon", "1", "--like", "first.slg"], "--epsilon cannot be combined with --like"),
      (["--like", "first.slg", "--slices", "3"], "--slices cannot be combined with --like"),
      (["--like", "first.slg", "--pair-bins", "8"], "--pair-bins cannot be combined with --like"),
    ])
  func discoveryUsage(extra: [String], message: String) throws {
    let directory = CLI.temporaryDirectory()
    let (csv, _) = smallTable(in: directory)
    let result = try CLI.run(["release", csv, "--output", directory + "/out.slg"] + extra)
    #expect(result.status == 64, "\(result.stderr)")
    #expect(
      result.stderr.hasPrefix("Error: ") && result.stderr.contains(message), "\(result.stderr)")
    #expect(!CLI.files(in: directory).contains { $0.contains("out.slg") })
  }

  @Test("--discovery-budget with --schema is a usage error (nothing is spent on discovery)")
  func discoveryBudgetWithSchema() throws {
    let directory = CLI.temporaryDirectory()
    let (csv, schema) = smallTable(in: directory)
    let result = try CLI.run([
      "release", csv, "--schema", schema, "--epsilon", "1",
      "--discovery-budget", "0.2",
    ])
    #expect(result.status == 64)
    #expect(result.stderr.contains("applies only without --schema"))
  }

  @Test(
    "a column empty after discovery fails naming it and the spend, writes no release, and keeps the partial schema"
  )
  func emptyAfterDiscovery() throws {
    let directory = CLI.temporaryDirectory()
    let csv = directory + "/t.csv"
    var text = "colour,id\n"
    for i in 0..<3000 { text += "\(["red", "blue"][i % 2]),u\(i)\n" }
    CLI.write(text, to: csv)
    let result = try CLI.run(["release", csv, "--epsilon", "4", "--output", directory + "/out.slg"])
    #expect(result.status == 1, "\(result.stderr)")
    #expect(result.stderr.contains("column \"id\" is categorical"), "\(result.stderr)")
    #expect(result.stderr.contains("This attempt spent ε = 1.6, δ = "), "\(result.stderr)")
    #expect(result.stderr.contains("no budget helps: drop it in a schema"), "\(result.stderr)")
    // The budget is spent: what was discovered is kept (the failed column dropped and noted), and
    // releasing with it needs no new discovery.
    #expect(CLI.files(in: directory) == ["out.slg.schema.json", "t.csv"])
    let schema = directory + "/out.slg.schema.json"
    let written = try String(contentsOfFile: schema, encoding: .utf8)
    #expect(written.contains("\"name\": \"id\"") && written.contains("discovery failed"))
    let reuse = try CLI.run([
      "release", csv, "--schema", schema, "--epsilon", "1", "--slices", "5", "--output",
      directory + "/again.slg", "--quiet",
    ])
    #expect(reuse.status == 0, "\(reuse.stderr)")
  }

  @Test("a data-derived schema is refused unless accepted, and then the release says so")
  func dataDerived() throws {
    let directory = CLI.temporaryDirectory()
    let (csv, _) = smallTable(in: directory)
    let drafted = directory + "/drafted.json"
    let draft = try CLI.run(["schema", csv, "--output", drafted])
    #expect(draft.status == 0)
    #expect(draft.stderr.contains("NOT private"))
    let output = directory + "/r.slg"
    let refused = try CLI.run([
      "release", csv, "--schema", drafted, "--epsilon", "1", "--delta",
      "1e-3", "--output", output,
    ])
    #expect(refused.status == 1)
    #expect(refused.stderr.contains("--accept-data-derived-schema"))
    #expect(!FileManager.default.fileExists(atPath: output))
    let accepted = try CLI.run([
      "release", csv, "--schema", drafted, "--epsilon", "1", "--delta",
      "1e-3", "--output", output, "--accept-data-derived-schema",
    ])
    #expect(accepted.status == 0, "\(accepted.stderr)")
    let inspect = try CLI.run(["inspect", output])
    #expect(inspect.stdout.contains("NOT protected"))
  }

  @Test("--pair-bins: 2-way tables on coarser bins, inspect shows their shapes")
  func pairBins() throws {
    let directory = CLI.temporaryDirectory()
    let (csv, schema) = smallTable(in: directory)
    // age: integers 0…100 (101 values > 100 public bins: a point bin and 100 equal-width bins);
    // in 2-way tables 0 alone and 4 groups: 5 × 3 with colour.
    for (bins, shape) in [(4, [5, 3]), (1000, [101, 3])] {
      let output = directory + "/p\(bins).slg"
      let result = try CLI.run([
        "release", csv, "--schema", schema, "--epsilon", "2", "--delta",
        "1e-3", "--slices", "5", "--marginals", "all-pairs",
        "--pair-bins", "\(bins)", "--output", output, "--quiet",
      ])
      #expect(result.status == 0, "\(result.stderr)")
      let text = try CLI.run(["inspect", output]).stdout
      #expect(
        text.contains(
          "marginals     2 one-way on the fine bins, 1 two-way "
            + "(\(bins == 4 ? 1 : 0) on coarser pair bins); two-way shapes:"), "\(text)")
      #expect(text.contains("age:colour \(shape[0])×\(shape[1])"), "\(text)")
      let json =
        try JSONSerialization.jsonObject(
          with: Data(try CLI.run(["inspect", output, "--json"]).stdout.utf8)) as! [String: Any]
      let marginals = json["marginals"] as! [[String: Any]]
      #expect(marginals.map { $0["shape"] as! [Int] } == [[101], [3], shape])
      #expect(marginals[2]["bins"] as! [Int] == [101, 3])
      #expect(json["formatVersion"] as? Int == 4)  // bins stored once
    }
  }

  @Test("output path not writable")
  func unwritable() throws {
    let directory = CLI.temporaryDirectory()
    let (csv, schema) = smallTable(in: directory)
    let result = try CLI.run([
      "release", csv, "--schema", schema, "--epsilon", "1", "--delta",
      "1e-3", "--output", directory + "/missing-dir/r.slg",
    ])
    #expect(result.status == 1)
    #expect(result.stderr.contains("missing-dir"))
  }
}
