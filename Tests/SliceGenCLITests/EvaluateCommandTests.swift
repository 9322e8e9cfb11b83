import Foundation
import Testing

@Suite("slicegen evaluate")
struct EvaluateCommandTests {
  @Test("JSON has every key with synthetic, independent and real; HTML is self-contained")
  func json() throws {
    let directory = CLI.temporaryDirectory()
    let html = directory + "/report.html"
    let result = try CLI.run([
      "evaluate", "--real", CLI.path("samples/adult/test.csv"), "--synthetic",
      CLI.path("samples/adult/test.csv"), "--schema", CLI.path("samples/adult/schema.json"),
      "--train", CLI.path("samples/adult/train.csv"), "--target", "income", "--json",
      "--html", html,
    ])
    #expect(result.status == 0, "\(result.stderr)")
    let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
    // The metric keys hold {synthetic, independent, real}; outsideSchema and warnings are lists.
    let json = (object ?? [:]).compactMapValues { $0 as? [String: Any] }
    #expect(object?["outsideSchema"] as? [Any] != nil && object?["warnings"] as? [Any] != nil)
    for key in [
      "quality", "qualityAll", "columnShapes", "columnPairTrends", "columnPairTrendsAll",
      "ksComplement", "tvComplement", "contingencySimilarity", "correlationSimilarity",
      "logisticRegressionF1", "minorityF1", "rocAuc",
    ] {
      #expect(json[key]?["synthetic"] != nil, "\(key)")
      #expect(json[key]?["independent"] != nil, "\(key)")
      #expect(json[key]?["real"] != nil, "\(key)")
    }
    #expect(json["quality"]?["synthetic"] as? Double == 1)
    let page = try String(contentsOfFile: html, encoding: .utf8)
    #expect(page.contains("<svg"))
    #expect(!page.contains("<script"))
    #expect(!page.contains("http://") || !page.contains("src=\"http"))
  }

  @Test("the default logistic regression is SDMetrics' 50-iteration fit; the flag converges it")
  func logisticRegressionSolver() throws {
    // Adult train as the table: SDMetrics 0.32 reports F1 0.8458 (Docs/evaluation.md); the
    // optimum of the same objective gives 0.8643.
    let arguments = [
      "evaluate", "--real", CLI.path("samples/adult/test.csv"), "--synthetic",
      CLI.path("samples/adult/train.csv"), "--schema", CLI.path("samples/adult/schema.json"),
      "--target", "income", "--json",
    ]
    func f1(_ extra: [String]) throws -> Double? {
      let result = try CLI.run(arguments + extra)
      #expect(result.status == 0, "\(result.stderr)")
      let json =
        try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
        as? [String: Any]
      return (json?["logisticRegressionF1"] as? [String: Any])?["synthetic"] as? Double
    }
    #expect(try f1([]).map { abs($0 - 0.8458) < 1e-4 } == true)
    #expect(try f1(["--converged-logistic-regression"]).map { abs($0 - 0.8643) < 1e-3 } == true)
  }

  static let header =
    "age,workclass,education,marital_status,occupation,relationship,race,sex,"
    + "capital_gain,capital_loss,hours_per_week,native_country,income"

  /// Runs evaluate on Adult's test split as the holdout and train as the references.
  static func evaluate(_ synthetic: String, _ extra: [String] = []) throws -> CLIResult {
    try CLI.run(
      [
        "evaluate", "--real", CLI.path("samples/adult/test.csv"), "--synthetic", synthetic,
        "--schema", CLI.path("samples/adult/schema.json"), "--train",
        CLI.path("samples/adult/train.csv"),
      ] + extra)
  }

  @Test("each warning names its metric row and both numbers, as the table prints them")
  func warning() throws {
    let directory = CLI.temporaryDirectory()
    // Synthetic: every row identical → no pair structure at all, and poor column shapes.
    let row =
      "39,Private,HS-grad,Married-civ-spouse,Craft-repair,Husband,White,Male,0,0,40,United-States,<=50K"
    CLI.write(
      Self.header + "\n" + Array(repeating: row, count: 200).joined(separator: "\n") + "\n",
      to: directory + "/s.csv")
    let result = try Self.evaluate(directory + "/s.csv")
    #expect(result.status == 0, "\(result.stderr)")
    // The printed rows: "columnPairTrends  0.282  0.803  0.986".
    func printed(_ key: String) -> [String] {
      let line = result.stdout.split(separator: "\n").first { $0.hasPrefix(key + " ") }
      return line.map { $0.split(separator: " ").dropFirst().map(String.init) } ?? []
    }
    for key in ["columnPairTrends", "columnPairTrendsAll"] {
      let numbers = printed(key)
      #expect(numbers.count == 3)
      guard numbers.count == 3 else { continue }
      #expect(
        result.stderr.contains(
          "WARNING: \(key) is \(numbers[0]) for the synthetic table, "
            + "below \(numbers[1]) for independent columns"), "\(result.stderr)")
    }
    let shapes = printed("columnShapes")
    #expect(shapes.count == 3)
    if shapes.count == 3 {
      #expect(
        result.stderr.contains(
          "WARNING: columnShapes is \(shapes[0]) for the synthetic "
            + "table"))
      #expect(
        result.stderr.contains(
          "below \(shapes[1]) for independent columns (more than 0.02 "
            + "below)"))
    }
    #expect(!result.stderr.contains("outside the schema"))
    #expect(result.stdout.contains("Values outside the schema (synthetic table): none"))
  }

  /// Adult's test split with values outside the schema written into it: ages 95–101 (the
  /// domain stops at 90), an undeclared education, a non-number in hours_per_week.
  static func tamperedTable() throws -> String {
    let lines = try String(contentsOfFile: CLI.path("samples/adult/test.csv"), encoding: .utf8)
      .split(separator: "\n").prefix(1001).map(String.init)
    let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    let age = header.firstIndex(of: "age")!, education = header.firstIndex(of: "education")!
    let hours = header.firstIndex(of: "hours_per_week")!
    var out = [lines[0]]
    for (i, line) in lines.dropFirst().enumerated() {
      var fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
      if i % 100 == 0 { fields[age] = String(95 + i / 100 % 7) }  // 10 ages, lines 2, 102, …
      if i % 250 == 1 { fields[education] = "Grade-13" }  // 4
      if i % 500 == 2 { fields[hours] = "abc" }  // 2
      out.append(fields.joined(separator: ","))
    }
    let path = CLI.temporaryDirectory() + "/s.csv"
    CLI.write(out.joined(separator: "\n") + "\n", to: path)
    return path
  }

  @Test("values outside the schema: counted per column in text, JSON and HTML; a warning")
  func outsideSchema() throws {
    let synthetic = try Self.tamperedTable()
    let html = CLI.temporaryDirectory() + "/report.html"
    let text = try Self.evaluate(synthetic, ["--html", html])
    #expect(text.status == 0, "\(text.stderr)")
    #expect(
      text.stdout.contains(
        """
        Values outside the schema (synthetic table): 16 in 3 columns (scored as written)
          age 10 (above the upper bound 90: 10, largest 101; first at line 2: "95")
          education 4 (not a declared category: 4; first at line 3: "Grade-13")
          hours_per_week 2 (not a number: 2; first at line 4: "abc")
        """), "\(text.stdout)")
    #expect(
      text.stderr.contains(
        "WARNING: the synthetic table has 16 values outside the schema "
          + "(age 10, education 4, hours_per_week 2)"))
    let page = try String(contentsOfFile: html, encoding: .utf8)
    #expect(page.contains("<h2>Values outside the schema (synthetic table)</h2>"))
    #expect(page.contains("<tr><td>education</td><td>4</td><td>not a declared category: 4</td>"))

    let json = try Self.evaluate(synthetic, ["--json"])
    #expect(json.status == 0, "\(json.stderr)")
    let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
    let columns = object?["outsideSchema"] as? [[String: Any]] ?? []
    #expect(columns.map { $0["column"] as? String } == ["age", "education", "hours_per_week"])
    #expect(columns.map { $0["count"] as? Int } == [10, 4, 2])
    #expect(columns.first?["largest"] as? Double == 101)
    #expect(object?["warnings"] is [Any])
  }

  @Test("--strict: values outside the schema exit 1 with the columns and counts, after the report")
  func strict() throws {
    let synthetic = try Self.tamperedTable()
    let result = try Self.evaluate(synthetic, ["--strict"])
    #expect(result.status == 1)
    #expect(result.stdout.contains("metric                   synthetic"))
    #expect(
      result.stderr.contains(
        "Error: \(synthetic): 16 values outside the schema (--strict): "
          + "age 10 (above the upper bound 90: 10, largest 101; first at line 2: \"95\"), "
          + "education 4 (not a declared category: 4; first at line 3: \"Grade-13\"), "
          + "hours_per_week 2 (not a number: 2; first at line 4: \"abc\")"), "\(result.stderr)")
    #expect(!result.stderr.contains("WARNING: the synthetic table has"))
    // A table inside the schema passes --strict.
    let clean = try Self.evaluate(CLI.path("samples/adult/test.csv"), ["--strict", "--json"])
    #expect(clean.status == 0, "\(clean.stderr)")
  }

  @Test("a holdout category the synthetic table lacks is noted (SDMetrics raises on it)")
  func unseenCategoryNote() throws {
    // The first 300 rows of the test split lack some of the holdout's categories.
    let lines = try String(contentsOfFile: CLI.path("samples/adult/test.csv"), encoding: .utf8)
      .split(separator: "\n").prefix(301)
    let path = CLI.temporaryDirectory() + "/s.csv"
    CLI.write(lines.joined(separator: "\n") + "\n", to: path)
    let result = try CLI.run([
      "evaluate", "--real", CLI.path("samples/adult/test.csv"), "--synthetic", path,
      "--schema", CLI.path("samples/adult/schema.json"), "--target", "income",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(
      result.stderr.contains(
        "Note: the synthetic table's logistic regression met "
          + "categories only in the holdout, encoded as zeros (SDMetrics raises and gives no score): "
      ))
    #expect(result.stderr.contains("native_country "))
  }

  @Test("--diagnostics: DP-SGD's diagnostics plotted in the report, marked NOT PRIVATE")
  func diagnosticsInReport() throws {
    let directory = CLI.temporaryDirectory()
    let csv = directory + "/d.csv"
    CLI.write(
      "# NOT PRIVATE: …\nepoch,epsilon,clipped_fraction,clipping_bias,cosine,noise_to_signal\n"
        + "1,0.5,0.9,0.12,0.8,3.5\n2,1.0,0.7,0.08,0.9,2.5\n", to: csv)
    let base = [
      "evaluate", "--real", CLI.path("samples/digits/holdout.csv"), "--synthetic",
      CLI.path("samples/digits/holdout.csv"), "--schema", CLI.path("samples/digits/schema.json"),
    ]
    let html = directory + "/r.html"
    let result = try CLI.run(base + ["--html", html, "--diagnostics", csv])
    #expect(result.status == 0, "\(result.stderr)")
    let page = try String(contentsOfFile: html, encoding: .utf8)
    #expect(page.contains("DP-SGD training diagnostics"))
    #expect(page.contains("NOT PRIVATE: computed from raw per-example gradients"))
    #expect(page.components(separatedBy: "<svg").count >= 2)
    // Without --html it is a usage error; a damaged file names its line, column and value.
    let alone = try CLI.run(base + ["--diagnostics", csv])
    #expect(alone.status == 64 && alone.stderr.contains("--diagnostics needs --html"))
    CLI.write(
      "epoch,epsilon,clipped_fraction,clipping_bias,cosine,noise_to_signal\n1,0.5,x,0,0,0\n",
      to: csv)
    let bad = try CLI.run(base + ["--html", directory + "/s.html", "--diagnostics", csv])
    #expect(bad.status == 1, "\(bad.stderr)")
    #expect(
      bad.stderr.contains("d.csv, line 2, column 3 (clipped_fraction): \"x\""), "\(bad.stderr)")
    #expect(!FileManager.default.fileExists(atPath: directory + "/s.html"))
  }

  @Test("--privacy without --train is a usage error that names --privacy")
  func privacyNeedsTrain() throws {
    let result = try CLI.run([
      "evaluate", "--real", CLI.path("samples/adult/test.csv"), "--synthetic",
      CLI.path("samples/adult/test.csv"), "--schema", CLI.path("samples/adult/schema.json"),
      "--privacy",
    ])
    #expect(result.status == 64, "\(result.stderr)")
    #expect(result.stderr.contains("--privacy requires --train"), "\(result.stderr)")
    #expect(result.stdout.isEmpty)
  }

  @Test("--privacy: the JSON has the privacy key, the text and HTML say it is not an epsilon")
  func privacy() throws {
    // The training rows as the synthetic table: the worst case, every row a copy.
    let arguments = [
      "evaluate", "--real", CLI.path("samples/adult/test.csv"), "--synthetic",
      CLI.path("samples/adult/train.csv"), "--schema", CLI.path("samples/adult/schema.json"),
      "--train", CLI.path("samples/adult/train.csv"), "--privacy",
    ]
    let result = try CLI.run(arguments + ["--json"])
    #expect(result.status == 0, "\(result.stderr)")
    let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
    let privacy = object?["privacy"] as? [String: Any]
    // 2,000 synthetic rows against the 16,281 holdout rows and as many training rows; the
    // attack's 2,000 members and 2,000 non-members against all 32,561 synthetic rows.
    #expect(privacy?["syntheticRows"] as? Int == 2_000)
    #expect(privacy?["trainRows"] as? Int == 16_281 && privacy?["holdoutRows"] as? Int == 16_281)
    #expect(privacy?["attackMembers"] as? Int == 2_000)
    #expect(privacy?["attackSyntheticRows"] as? Int == 32_561)
    // Every member has its copy among the synthetic rows (distance 0): AUC well above 0.5.
    let auc = privacy?["distanceAttackAUC"] as? Double
    #expect(auc.map { $0 > 0.8 } == true, "\(String(describing: privacy))")
    #expect((privacy?["note"] as? String)?.contains("not a privacy guarantee") == true)
    let html = CLI.temporaryDirectory() + "/report.html"
    let text = try CLI.run(arguments + ["--html", html])
    #expect(text.status == 0, "\(text.stderr)")
    #expect(text.stdout.contains("Membership inference (empirical, not a privacy guarantee"))
    #expect(text.stdout.contains("distance attack AUC"))
    let page = try String(contentsOfFile: html, encoding: .utf8)
    #expect(page.contains("Membership inference (empirical, not a privacy guarantee)"))
  }
}
