// `slicegen train-dpsgd` and `plan --mechanism dp-sgd` end to end: the plan's ε against the
// accountant's documented value, a small training whose model states its mechanism, (ε, δ) and
// relation in `inspect`, `sample` and `evaluate --html`, the NOT PRIVATE diagnostics, and bad
// input refused with no file left behind.

import Foundation
import Testing

@Suite("slicegen train-dpsgd")
struct TrainDPSGDCommandTests {
  /// A small table and its schema in `directory`.
  func makeTable(_ directory: String) -> (csv: String, schema: String) {
    let csv = directory + "/t.csv"
    let schema = directory + "/t.json"
    CLI.write(
      "x,c\n" + (0..<80).map { "\($0 % 30),\($0 % 3 == 0 ? "a" : "b")" }.joined(separator: "\n"),
      to: csv)
    CLI.write(
      #"{"columns": [{"name": "x", "type": "numeric", "lower": 0, "upper": 30}, "#
        + #"{"name": "c", "type": "categorical", "categories": ["a", "b"]}]}"#, to: schema)
    return (csv, schema)
  }

  static let small = [
    "--epochs", "2", "--batch", "10", "--fake-batch", "8", "--latent", "4", "--hidden", "8",
  ]

  @Test("plan --mechanism dp-sgd: ε = 2.1014 at q 0.01, σ 1, T 1000, δ 1e-5; σ back from ε")
  func plan() throws {
    let result = try CLI.run([
      "plan", "--mechanism", "dp-sgd", "--sample-rate", "0.01", "--noise-multiplier", "1.0",
      "--steps", "1000", "--delta", "1e-5",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("ε = 2.1014 at order α = 7.8"), "\(result.stdout)")
    #expect(result.stdout.contains("ε = 2.5380 at order α = 7.9"), "\(result.stdout)")
    #expect(result.stdout.contains("zero-out"))
    let back = try CLI.run([
      "plan", "--mechanism", "dp-sgd", "--sample-rate", "0.01", "--epsilon", "2.1014",
      "--steps", "1000", "--delta", "1e-5", "--json",
    ])
    #expect(back.status == 0, "\(back.stderr)")
    let object = try JSONSerialization.jsonObject(with: Data(back.stdout.utf8)) as! [String: Any]
    let sigma = object["noiseMultiplier"] as! Double
    #expect(abs(sigma - 1) < 1e-4 && (object["epsilon"] as! Double) <= 2.1014)
    for bad in [
      ["--mechanism", "dp-sgd", "--sample-rate", "0.01", "--steps", "10", "--delta", "1e-5"],
      [
        "--mechanism", "dp-sgd", "--sample-rate", "0.01", "--steps", "10", "--delta", "1e-5",
        "--noise-multiplier", "1", "--rows", "100",
      ],
      ["--mechanism", "dpsgd"],
      ["--sample-rate", "0.01", "--rows", "100", "--epsilon", "1", "--schema", "x.json"],
    ] {
      let r = try CLI.run(["plan"] + bad)
      #expect(r.status == 64 && r.stderr.hasPrefix("Error: "), "\(bad): \(r.stderr)")
    }
  }

  @Test("train, inspect, sample and evaluate state dp-sgd, its (ε, δ) and zero-out")
  func endToEnd() throws {
    let directory = CLI.temporaryDirectory()
    let (csv, schema) = makeTable(directory)
    let model = directory + "/m.slgm"
    for clipping in ["fixed", "automatic", "adaptive", "error-feedback"] {
      let train = try CLI.run(
        [
          "train-dpsgd", csv, "--schema", schema, "--epsilon", "4", "--delta", "1e-3", "-o", model,
          "--clipping", clipping,
        ] + Self.small + ["--diagnostics", directory + "/d.csv"])
      #expect(train.status == 0, "\(clipping): \(train.stderr)")
      #expect(train.stderr.contains("NOT PRIVATE"), "the diagnostics warn")
      let diagnostics = try String(contentsOfFile: directory + "/d.csv", encoding: .utf8)
      let lines = diagnostics.split(separator: "\n")
      #expect(lines.first?.hasPrefix("# NOT PRIVATE") == true)
      #expect(lines.count == 4, "a comment, a header and one line per epoch: \(diagnostics)")
      let svg = try String(contentsOfFile: directory + "/d.svg", encoding: .utf8)
      #expect(svg.hasPrefix("<svg") && svg.contains("NOT PRIVATE"))

      let inspect = try CLI.run(["inspect", model, "--json"])
      #expect(inspect.status == 0, "\(inspect.stderr)")
      let object =
        try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as! [String: Any]
      #expect(object["method"] as? String == "dp-sgd")
      #expect(object["neighbors"] as? String == "zero-out")
      #expect(object["clipping"] as? String == clipping)
      #expect(object["formatVersion"] as? Int == (clipping == "error-feedback" ? 6 : 5))
      if clipping == "error-feedback" {
        let statement = try #require(object["statement"] as? String)
        #expect(statement.contains("no amplification by subsampling claimed"), "\(statement)")
      }
      let epsilon = object["epsilon"] as! Double
      #expect(epsilon <= 4 && epsilon > 3.5, "the budget is spent by the last step: \(epsilon)")
      #expect(object["steps"] as? Int == 16, "2 epochs of ⌈80/10⌉ steps")
    }
    // Ma and Zhang's variant: error feedback with the reconstruction term and noise injection.
    let ma = try CLI.run(
      [
        "train-dpsgd", csv, "--schema", schema, "--epsilon", "4", "--delta", "1e-3", "-o", model,
        "--clipping", "error-feedback", "--reconstruction-weight", "0.5", "--encoder-hidden", "8",
        "--noise-injection", "0.1",
      ] + Self.small)
    #expect(ma.status == 0, "\(ma.stderr)")
    let maObject =
      try JSONSerialization.jsonObject(
        with: Data(try CLI.run(["inspect", model, "--json"]).stdout.utf8)) as! [String: Any]
    #expect(maObject["formatVersion"] as? Int == 7)
    let maStatement = try #require(maObject["statement"] as? String)
    #expect(maStatement.contains("reconstruction loss (weight 0.5)"), "\(maStatement)")
    #expect(maStatement.contains("N(0, 0.1²) noise"), "\(maStatement)")
    #expect((maObject["epsilon"] as! Double) <= 4)

    let text = try CLI.run(["inspect", model])
    #expect(text.stdout.contains("dp-sgd") && text.stdout.contains("zero-out"), "\(text.stdout)")

    let synthetic = directory + "/s.csv"
    let sample = try CLI.run(["sample", model, "--rows", "40", "-o", synthetic])
    #expect(sample.status == 0, "\(sample.stderr)")
    #expect(sample.stdout.contains("DP-SGD") || sample.stderr.contains("DP-SGD"))
    #expect(!(sample.stdout + sample.stderr).contains("directly on private rows"))
    let html = directory + "/r.html"
    let evaluate = try CLI.run([
      "evaluate", "--real", csv, "--synthetic", synthetic, "--schema", schema, "--model", model,
      "--html", html,
    ])
    #expect(evaluate.status == 0, "\(evaluate.stderr)")
    let report = try String(contentsOfFile: html, encoding: .utf8)
    #expect(report.contains("dp-sgd"))
  }

  @Test(
    "bad input names the file or value, exits 1 or 64, and leaves no model",
    arguments: [
      (
        ["/nonexistent/p.csv", "--schema", "SCHEMA", "--epsilon", "1", "--delta", "1e-3"],
        Int32(1), "/nonexistent/p.csv"
      ),
      (["CSV", "--epsilon", "1", "--delta", "1e-3"], 64, "--schema is required"),
      (["CSV", "--schema", "SCHEMA", "--delta", "1e-3"], 64, "--epsilon is required"),
      (["CSV", "--schema", "SCHEMA", "--epsilon", "0", "--delta", "1e-3"], 64, "--epsilon"),
      (["CSV", "--schema", "SCHEMA", "--epsilon", "0.02", "--delta", "1e-3"], 1, "epsilon"),
      (
        ["CSV", "--schema", "SCHEMA", "--epsilon", "1", "--delta", "1e-3", "--clipping", "ef"],
        64, "ef"
      ),
      (
        [
          "CSV", "--schema", "SCHEMA", "--epsilon", "1", "--delta", "1e-3", "--clipping", "fixed",
          "--target-quantile",
          "0.3",
        ], 64, "needs --clipping adaptive"
      ),
      (
        [
          "CSV", "--schema", "SCHEMA", "--epsilon", "1", "--delta", "1e-3", "--encoder-hidden", "8",
        ],
        64, "needs --reconstruction-weight"
      ),
      (
        [
          "CSV", "--schema", "SCHEMA", "--epsilon", "1", "--delta", "1e-3",
          "--reconstruction-weight", "-1",
        ], 64, "--reconstruction-weight"
      ),
      (
        [
          "CSV", "--schema", "SCHEMA", "--epsilon", "1", "--delta", "1e-3", "--noise-injection",
          "nan",
        ], 64, "--noise-injection"
      ),
    ])
  func badInput(arguments: [String], status: Int32, evidence: String) throws {
    let directory = CLI.temporaryDirectory()
    let (csv, schema) = makeTable(directory)
    let model = directory + "/m.slgm"
    let given = arguments.map { $0 == "CSV" ? csv : $0 == "SCHEMA" ? schema : $0 }
    let result = try CLI.run(["train-dpsgd"] + given + ["-o", model] + Self.small)
    #expect(result.status == status, "\(result.stderr)")
    #expect(
      result.stderr.contains("Error: ") && result.stderr.contains(evidence), "\(result.stderr)")
    #expect(CLI.files(in: directory) == ["t.csv", "t.json"])
  }
}
