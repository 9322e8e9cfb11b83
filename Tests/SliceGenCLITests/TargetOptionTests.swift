import Foundation
import SliceGen
import Testing

/// A small table with a binary class column and its schema (no target declared).
private func classTable(in directory: String) -> (csv: String, schema: String) {
  let csv = directory + "/t.csv"
  let schema = directory + "/t.json"
  var text = "age,colour,label\n"
  for i in 0..<200 {
    text += "\(20 + i % 40),\(["red", "green", "blue"][i % 3]),\(i % 4 == 0 ? "yes" : "no")\n"
  }
  CLI.write(text, to: csv)
  CLI.write(
    """
    {"columns": [
      {"name": "age", "type": "numeric", "lower": 0, "upper": 100, "integer": true},
      {"name": "colour", "type": "categorical", "categories": ["red", "green", "blue"]},
      {"name": "label", "type": "categorical", "categories": ["no", "yes"]}]}
    """, to: schema)
  return (csv, schema)
}

@Suite("--target on release, fit and evaluate")
struct TargetOptionTests {
  @Test(
    "release --target is stored in the release's schema; fit --target overrides it in the model")
  func releaseAndFit() throws {
    let directory = CLI.temporaryDirectory()
    let (csv, schema) = classTable(in: directory)
    let output = directory + "/r.slg"
    let release = try CLI.run([
      "release", csv, "--schema", schema, "--target", "label", "--epsilon", "4", "--delta", "1e-4",
      "--slices", "5", "--output", output, "--quiet",
    ])
    #expect(release.status == 0, "\(release.stderr)")
    let shown = try CLI.run(["inspect", output, "--schema"])
    #expect(shown.stdout.contains("\"target\": \"label\""), "\(shown.stdout)")
    let model = directory + "/m.slgm"
    let fit = try CLI.run([
      "fit", output, "--epochs", "1", "--hidden", "8", "--latent", "4", "--target", "colour",
      "--output", model, "--quiet",
    ])
    #expect(fit.status == 0, "\(fit.stderr)")
    #expect(try Model(contentsOf: model).header.schema.target == "colour")
    let badFit = try CLI.run([
      "fit", output, "--epochs", "1", "--hidden", "8", "--target", "nope",
      "--output", directory + "/bad.slgm", "--quiet",
    ])
    #expect(badFit.status == 64)
    #expect(
      badFit.stderr.contains("target \"nope\" is not a column of the schema"), "\(badFit.stderr)")
  }

  @Test(
    "a --target that names no kept column is refused before anything is read or written",
    arguments: [
      (["--schema"], "--target \"nope\" is not a column of the schema"),
      ([], "--target \"nope\" is not a column of"),
    ])
  func refused(schemaFlag: [String], message: String) throws {
    let directory = CLI.temporaryDirectory()
    let (csv, schema) = classTable(in: directory)
    let result = try CLI.run(
      ["release", csv] + (schemaFlag.isEmpty ? [] : ["--schema", schema])
        + ["--target", "nope", "--epsilon", "1", "--output", directory + "/out.slg"])
    #expect(result.status == 64)
    #expect(result.stderr.contains(message), "\(result.stderr)")
    #expect(!CLI.files(in: directory).contains { $0.hasPrefix("out.slg") })
  }

  @Test("evaluate takes the schema's target unless --target names another")
  func evaluateDefault() throws {
    let directory = CLI.temporaryDirectory()
    let (csv, schema) = classTable(in: directory)
    func f1(_ schemaPath: String, _ extra: [String]) throws -> Double? {
      let result = try CLI.run(
        [
          "evaluate", "--real", csv, "--synthetic", csv, "--schema", schemaPath, "--json",
        ] + extra)
      #expect(result.status == 0, "\(result.stderr)")
      // The top level holds metric objects and lists (`outsideSchema`, `warnings`).
      let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
      return (json?["logisticRegressionF1"] as? [String: Any])?["synthetic"] as? Double
    }
    #expect(try f1(schema, []) == nil)
    #expect(try f1(schema, ["--target", "label"]) != nil)
    let targeted = directory + "/targeted.json"
    let text = try String(contentsOfFile: schema, encoding: .utf8)
    CLI.write(
      text.replacingOccurrences(of: "{\"columns\"", with: "{\"target\": \"label\", \"columns\""),
      to: targeted)
    #expect(try f1(targeted, []) != nil)
    let bad = try CLI.run([
      "evaluate", "--real", csv, "--synthetic", csv, "--schema", schema, "--target", "nope",
    ])
    #expect(bad.status == 64)
    #expect(bad.stderr.contains("target \"nope\" is not a column"), "\(bad.stderr)")
  }
}
