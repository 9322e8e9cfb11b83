import Foundation
import Testing

/// A small table with one value above its bounds, and its schema (`dataDerived` as given).
private func table(
  in directory: String, dataDerived: Bool = false
) -> (csv: String, schema: String) {
  let csv = directory + "/t.csv"
  let schema = directory + "/t.json"
  var text = "age,colour\n"
  for i in 0..<60 { text += "\(i == 7 ? 150 : 20 + i % 40),\(["red", "green", "blue"][i % 3])\n" }
  CLI.write(text, to: csv)
  CLI.write(
    """
    {"dataDerived": \(dataDerived), "columns": [
      {"name": "age", "type": "numeric", "lower": 0, "upper": 100, "integer": true},
      {"name": "colour", "type": "categorical", "categories": ["red", "green", "blue"]}]}
    """, to: schema)
  return (csv, schema)
}

@Suite("Messages, labels and limits of the CLI")
struct MessagesAndLabelsTests {
  @Test("a non-numeric SLICEGEN_INSECURE_TEST_NOISE_SEED is a usage error, not secure noise")
  func nonNumericTestSeed() throws {
    let directory = CLI.temporaryDirectory()
    let (csv, schema) = table(in: directory)
    let output = directory + "/r.slg"
    let result = try CLI.run(
      ["release", csv, "--schema", schema, "--epsilon", "1", "--delta", "1e-4", "-o", output],
      environment: ["SLICEGEN_INSECURE_TEST_NOISE_SEED": "abc"])
    #expect(result.status == 64)
    #expect(
      result.stderr.contains("SLICEGEN_INSECURE_TEST_NOISE_SEED is 'abc'"), "\(result.stderr)")
    #expect(!FileManager.default.fileExists(atPath: output))
    // The same for a shard.
    let first = directory + "/first.slg"
    #expect(
      try CLI.run([
        "release", csv, "--schema", schema, "--epsilon", "1", "--delta", "1e-4",
        "-o", first, "--quiet",
      ]).status == 0)
    let shard = try CLI.run(
      ["release", csv, "--like", first, "-o", directory + "/s.slg"],
      environment: ["SLICEGEN_INSECURE_TEST_NOISE_SEED": "-1"])
    #expect(shard.status == 64)
    #expect(shard.stderr.contains("SLICEGEN_INSECURE_TEST_NOISE_SEED is '-1'"))
  }

  @Test("exact clamped counts are printed only with --show-exact-counts")
  func exactCountsOptIn() throws {
    let directory = CLI.temporaryDirectory()
    let (csv, schema) = table(in: directory)
    let base = ["release", csv, "--schema", schema, "--epsilon", "1", "--delta", "1e-4"]
    let quietDefault = try CLI.run(base + ["-o", directory + "/a.slg"])
    #expect(quietDefault.status == 0)
    #expect(!quietDefault.stderr.contains("age 1"), "\(quietDefault.stderr)")
    #expect(!quietDefault.stderr.contains("clamped into the declared bounds:"))
    #expect(quietDefault.stderr.contains("--show-exact-counts"))
    let shown = try CLI.run(base + ["-o", directory + "/b.slg", "--show-exact-counts"])
    #expect(shown.status == 0)
    #expect(shown.stderr.contains("NOT private"))
    #expect(shown.stderr.contains("clamped into the declared bounds: age 1"), "\(shown.stderr)")
    #expect(shown.stderr.contains("mapped to the catch-all category: none"))
  }

  @Test("a 2 MiB CSV field is quoted in 40 characters")
  func longFieldInMessage() throws {
    let directory = CLI.temporaryDirectory()
    let (_, schema) = table(in: directory)
    let csv = directory + "/long.csv"
    CLI.write("age,colour\n" + String(repeating: "x", count: 2 << 20) + ",red\n", to: csv)
    let result = try CLI.run([
      "release", csv, "--schema", schema, "--epsilon", "1", "--delta",
      "1e-4", "-o", directory + "/r.slg",
    ])
    #expect(result.status == 1)
    #expect(result.stderr.utf8.count < 600, "\(result.stderr.utf8.count) bytes of stderr")
    #expect(result.stderr.contains(String(repeating: "x", count: 40) + "… (2097152 bytes in all)"))
  }

  @Test("fit, sample and inspect of a model carry the release's NOT PRIVATE and domain labels")
  func labelsSurvive() throws {
    let directory = CLI.temporaryDirectory()
    let (csv, schema) = table(in: directory, dataDerived: true)
    let release = directory + "/r.slg"
    let made = try CLI.run(
      [
        "release", csv, "--schema", schema, "--epsilon", "1", "--delta", "1e-4", "--slices", "4",
        "--accept-data-derived-schema", "-o", release, "--quiet",
      ],
      environment: ["SLICEGEN_INSECURE_TEST_NOISE_SEED": "3"])
    #expect(made.status == 0, "\(made.stderr)")
    let model = directory + "/m.slgm"
    // --quiet silences progress, never these warnings.
    let fit = try CLI.run([
      "fit", release, "--epochs", "1", "--batch", "16", "--latent", "2",
      "--hidden", "4", "-o", model, "--quiet",
    ])
    let sample = try CLI.run([
      "sample", model, "--rows", "5", "-o", directory + "/s.csv",
      "--quiet",
    ])
    let inspect = try CLI.run(["inspect", model])
    for (name, result, text) in [
      ("fit", fit, fit.stderr), ("sample", sample, sample.stderr),
      ("inspect", inspect, inspect.stdout),
    ] {
      #expect(result.status == 0, "\(name): \(result.stderr)")
      #expect(text.contains("NOT PRIVATE"), "\(name): \(text)")
      #expect(text.contains("domain NOT protected"), "\(name): \(text)")
    }
    let json =
      try JSONSerialization.jsonObject(
        with: Data(try CLI.run(["inspect", model, "--json"]).stdout.utf8)) as! [String: Any]
    #expect(json["noiseIsPrivate"] as? Bool == false)
    #expect(json["domainProtected"] as? Bool == false)
    #expect((json["warnings"] as? [String])?.count == 2)
  }

  @Test(
    "sample --rows must be from 1 to 10^9",
    arguments: [
      ("0", "--rows is 0, must be from 1 to 1000000000"),
      ("-5", "--rows is -5, must be from 1 to 1000000000"),
      ("1000000001", "--rows is 1000000001, must be from 1 to 1000000000"),
      ("1e9", "--rows is '1e9', must be a whole number from 1 to 1000000000"),
      ("x", "--rows is 'x', must be a whole number from 1 to 1000000000"),
    ])
  func sampleRowsBounds(rows: String, message: String) throws {
    let result = try CLI.run(["sample", "no-such.slgm", "--rows", rows])
    #expect(result.status == 64)
    #expect(result.stderr.contains(message), "\(result.stderr)")
  }
}
