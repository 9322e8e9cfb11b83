// `slicegen train-nonprivate` end to end: it never prints an ε, its model says NOT PRIVATE and
// `sample`, `inspect`, `evaluate --model` and `fit --resume` treat it so, and bad input gives a
// clear error and leaves no file behind.

import Foundation
import Testing

@Suite("slicegen train-nonprivate")
struct TrainNonPrivateCommandTests {
  static let statement = "NOT PRIVATE: no differential-privacy guarantee"

  /// A small table and its schema in `directory`.
  func makeTable(_ directory: String) -> (csv: String, schema: String) {
    let csv = directory + "/t.csv"
    let schema = directory + "/t.json"
    CLI.write(
      "x,c\n" + (0..<60).map { "\($0 % 30),\($0 % 3 == 0 ? "a" : "b")" }.joined(separator: "\n"),
      to: csv)
    CLI.write(
      #"{"columns": [{"name": "x", "type": "numeric", "lower": 0, "upper": 30}, "#
        + #"{"name": "c", "type": "categorical", "categories": ["a", "b"]}]}"#, to: schema)
    return (csv, schema)
  }

  static let small = [
    "--epochs", "2", "--batch", "16", "--latent", "4", "--hidden", "8", "--slices", "4",
  ]

  /// No privacy number or statement other than NOT PRIVATE.
  func expectNoEpsilon(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
    for word in ["ε", "epsilon", "Epsilon", "δ", "(ε"] {
      #expect(!text.contains(word), "\(text)", sourceLocation: sourceLocation)
    }
  }

  @Test("train, inspect, sample and evaluate all say NOT PRIVATE and never print an ε")
  func endToEnd() throws {
    let directory = CLI.temporaryDirectory()
    let (csv, schema) = makeTable(directory)
    let model = directory + "/m.slgm"
    let train = try CLI.run(
      ["train-nonprivate", csv, "--schema", schema, "-o", model] + Self.small
        + ["--regularisation", "proportional-noise", "--regularisation-weight", "0.01"])
    #expect(train.status == 0, "\(train.stderr)")
    #expect(train.stderr.contains(Self.statement))
    expectNoEpsilon(train.stdout + train.stderr)

    let inspect = try CLI.run(["inspect", model])
    #expect(inspect.status == 0 && inspect.stdout.contains(Self.statement))
    #expect(inspect.stdout.contains("proportional-noise"))
    expectNoEpsilon(inspect.stdout + inspect.stderr)
    let json = try CLI.run(["inspect", model, "--json"])
    #expect(json.stdout.contains("\"private\" : false"))
    expectNoEpsilon(json.stdout)

    let synthetic = directory + "/s.csv"
    for quiet in [false, true] {
      let sample = try CLI.run(
        ["sample", model, "--rows", "50", "-o", synthetic] + (quiet ? ["--quiet"] : []))
      #expect(sample.status == 0, "\(sample.stderr)")
      #expect(sample.stderr.contains("WARNING: " + Self.statement))
      expectNoEpsilon(sample.stdout + sample.stderr)
    }

    let evaluate = ["evaluate", "--real", csv, "--synthetic", synthetic, "--schema", schema]
    let text = try CLI.run(evaluate + ["--model", model])
    #expect(text.status == 0 && text.stdout.hasPrefix(Self.statement), "\(text.stderr)")
    let report = try CLI.run(evaluate + ["--model", model, "--json"])
    #expect(report.stdout.contains("\"modelPrivacy\" : \"\(Self.statement)\""))
    let html = directory + "/r.html"
    _ = try CLI.run(evaluate + ["--model", model, "--html", html])
    let page = try String(contentsOfFile: html, encoding: .utf8)
    #expect(page.contains(Self.statement) && !page.contains("(ε, δ)"))
    let without = try CLI.run(evaluate + ["--json"])
    #expect(!without.stdout.contains("modelPrivacy"))
  }

  @Test("fit refuses to resume a NOT PRIVATE model")
  func noResume() throws {
    let directory = CLI.temporaryDirectory()
    let (csv, schema) = makeTable(directory)
    let model = directory + "/m.slgm"
    let release = directory + "/r.slg"
    #expect(
      try CLI.run(["train-nonprivate", csv, "--schema", schema, "-o", model] + Self.small).status
        == 0)
    #expect(
      try CLI.run([
        "release", csv, "--schema", schema, "--epsilon", "2", "--delta", "1e-3", "--slices", "4",
        "-o", release, "--quiet",
      ]).status == 0)
    let fit = try CLI.run([
      "fit", release, "--sampler", "generator", "--resume", model, "-o", directory + "/f.slgm",
    ])
    #expect(fit.status == 1 && fit.stderr.contains("NOT PRIVATE"), "\(fit.stderr)")
    #expect(!CLI.files(in: directory).contains("f.slgm"))
  }

  @Test(
    "bad input names the file or value, exits 1 or 64, and leaves no model",
    arguments: [
      (["/nonexistent/p.csv", "--schema", "SCHEMA"], Int32(1), "/nonexistent/p.csv"),
      (["CSV", "--schema", "/nonexistent/s.json"], 1, "/nonexistent/s.json"),
      (["CSV"], 64, "--schema is required"),
      (["CSV", "--schema", "SCHEMA", "--regularisation", "dropout"], 64, "dropout"),
      (["CSV", "--schema", "SCHEMA", "--epochs", "0"], 64, "--epochs"),
      (["CSV", "--schema", "SCHEMA", "--regularisation-weight", "0.1"], 64, "proportional-noise"),
      (
        [
          "CSV", "--schema", "SCHEMA", "--regularisation", "proportional-noise",
          "--regularisation-weight", "-1",
        ], 64, "--regularisation-weight is -1.0"
      ),
    ])
  func badInput(arguments: [String], status: Int32, evidence: String) throws {
    let directory = CLI.temporaryDirectory()
    let (csv, schema) = makeTable(directory)
    let model = directory + "/m.slgm"
    let given = arguments.map { $0 == "CSV" ? csv : $0 == "SCHEMA" ? schema : $0 }
    let result = try CLI.run(["train-nonprivate"] + given + ["-o", model] + Self.small)
    #expect(result.status == status, "\(result.stderr)")
    #expect(
      result.stderr.contains("Error: ") && result.stderr.contains(evidence), "\(result.stderr)")
    expectNoEpsilon(result.stdout + result.stderr)
    #expect(CLI.files(in: directory) == ["t.csv", "t.json"])
  }
}
