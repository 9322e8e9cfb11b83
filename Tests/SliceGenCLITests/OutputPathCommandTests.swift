import Foundation
import Testing

@Suite("Outputs never replace inputs (CLI)")
struct OutputPathCommandTests {
  /// Runs `arguments`, expects exit 1 with a message naming `output` and `input`, and `input`
  /// byte for byte as before.
  func expectRefused(
    _ arguments: [String], output: String, input: String,
    sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    let before = try Data(contentsOf: URL(fileURLWithPath: input))
    let result = try CLI.run(arguments)
    #expect(result.status == 1, "\(result.stderr)", sourceLocation: sourceLocation)
    #expect(
      result.stderr.contains("refusing to write \(output)"), "\(result.stderr)",
      sourceLocation: sourceLocation)
    #expect(result.stderr.contains(input), sourceLocation: sourceLocation)
    let after = try Data(contentsOf: URL(fileURLWithPath: input))
    #expect(after == before, "\(input) was modified", sourceLocation: sourceLocation)
  }

  @Test("release, schema, fit, sample, merge and evaluate refuse an output that is an input")
  func everyCommand() throws {
    let directory = CLI.temporaryDirectory()
    let csv = directory + "/data.csv"
    let schema = directory + "/schema.json"
    var text = "age,colour\n"
    for i in 0..<60 { text += "\(20 + i % 40),\(["red", "green", "blue"][i % 3])\n" }
    CLI.write(text, to: csv)
    CLI.write(
      """
      {"columns": [
        {"name": "age", "type": "numeric", "lower": 0, "upper": 100, "integer": true},
        {"name": "colour", "type": "categorical", "categories": ["red", "green", "blue"]}]}
      """, to: schema)
    let release = [
      "release", csv, "--schema", schema, "--epsilon", "2", "--delta", "1e-4",
      "--slices", "4", "--quiet",
    ]
    try expectRefused(release + ["-o", csv], output: csv, input: csv)
    try expectRefused(release + ["-o", schema], output: schema, input: schema)
    // Through another spelling of the same path.
    let other = directory + "/../" + URL(fileURLWithPath: directory).lastPathComponent + "/data.csv"
    try expectRefused(release + ["-o", other], output: other, input: csv)
    try expectRefused(["schema", csv, "-o", csv], output: csv, input: csv)
    // Discovery's side file <output>.schema.json onto the private table.
    let sideInput = directory + "/d.slg.schema.json"
    try FileManager.default.copyItem(atPath: csv, toPath: sideInput)
    try expectRefused(
      ["release", sideInput, "--epsilon", "2", "--delta", "1e-4", "-o", directory + "/d.slg"],
      output: sideInput, input: sideInput)

    let seed = ["SLICEGEN_INSECURE_TEST_NOISE_SEED": "5"]
    let first = directory + "/r.slg"
    #expect(try CLI.run(release + ["-o", first], environment: seed).status == 0)
    try expectRefused(["release", csv, "--like", first, "-o", first], output: first, input: first)
    try expectRefused(["fit", first, "-o", first], output: first, input: first)
    let second = directory + "/r2.slg"
    #expect(
      try CLI.run(
        ["release", csv, "--like", first, "-o", second, "--quiet"],
        environment: seed
      ).status == 0)
    try expectRefused(["merge", first, second, "-o", first], output: first, input: first)
    let model = directory + "/m.slgm"
    let fit = try CLI.run([
      "fit", first, "--epochs", "1", "--batch", "16", "--latent", "4",
      "--hidden", "8", "-o", model, "--quiet",
    ])
    #expect(fit.status == 0, "\(fit.stderr)")
    try expectRefused(["sample", model, "--rows", "5", "-o", model], output: model, input: model)
    try expectRefused(
      ["evaluate", "--real", csv, "--synthetic", csv, "--schema", schema, "--html", csv],
      output: csv, input: csv)
  }
}
