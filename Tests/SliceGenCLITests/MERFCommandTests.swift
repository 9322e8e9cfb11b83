import Foundation
import Testing

/// `release --mechanism merf` end to end, `plan --mechanism merf`, and the refusals.
@Suite("slicegen release --mechanism merf")
struct MERFCommandTests {
  static let schema = CLI.path("samples/adult/schema.json")
  static let train = CLI.path("samples/adult/train.csv")

  @Test("release --mechanism merf writes a release that fit, sample and inspect accept")
  func endToEnd() throws {
    let directory = CLI.temporaryDirectory()
    let release = directory + "/m.slg"
    let made = try CLI.run([
      "release", Self.train, "--schema", Self.schema, "--epsilon", "1", "--delta", "1e-5",
      "--neighbors", "zero-out", "--mechanism", "merf", "--features", "100", "--length-scale",
      "0.5", "-o", release, "--quiet",
    ])
    #expect(made.status == 0, "\(made.stderr)")
    let inspect = try CLI.run(["inspect", release, "--json"])
    #expect(inspect.status == 0, "\(inspect.stderr)")
    let json = try #require(
      try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as? [String: Any])
    #expect(json["method"] as? String == "merf")
    #expect(json["formatVersion"] as? Double == 6)
    let merf = try #require(json["merf"] as? [String: Any])
    #expect(merf["dimension"] as? Double == Double(2 * 200 + 2))
    #expect(merf["lengthScale"] as? Double == 0.5)
    // σ is what plan says for the same ε, δ and relation.
    let plan = try CLI.run([
      "plan", "--schema", Self.schema, "--rows", String(Int(json["rows"] as! Double)), "--epsilon",
      "1", "--delta", "1e-5", "--neighbors", "zero-out",
      "--mechanism", "merf", "--features", "100", "--json",
    ])
    #expect(plan.status == 0, "\(plan.stderr)")
    let planned = try #require(
      try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [String: Any])
    #expect(planned["sigma"] as? Double == merf["sigma"] as? Double)
    let text = try CLI.run(["inspect", release])
    #expect(text.stdout.contains("DP-MERF"))
    let model = directory + "/m.slgm"
    let fit = try CLI.run(["fit", release, "--epochs", "1", "-o", model])
    #expect(fit.status == 0, "\(fit.stderr)")
    // A MERF release's own defaults where none is given: batch 1,024, the best epoch.
    let said = fit.stdout + fit.stderr
    #expect(
      said.contains("batch 1024, 1 epochs") && said.contains("best validation loss"), "\(said)")
    let given = try CLI.run(
      ["fit", release, "--batch", "64", "--epochs", "1", "--keep", "last", "-o", model])
    #expect(given.status == 0, "\(given.stderr)")
    #expect((given.stdout + given.stderr).contains("batch 64, 1 epochs"))
    let sample = try CLI.run(["sample", model, "--rows", "50", "-o", directory + "/s.csv"])
    #expect(sample.status == 0, "\(sample.stderr)")
    let rows = try String(contentsOfFile: directory + "/s.csv", encoding: .utf8)
      .split(separator: "\n")
    #expect(rows.count == 51)
    // A MERF release has no projections to share: --like and merge refuse it.
    let shard = try CLI.run([
      "release", Self.train, "--like", release, "-o", directory + "/shard.slg",
    ])
    #expect(shard.status != 0 && shard.stderr.contains("merf"))
    #expect(!FileManager.default.fileExists(atPath: directory + "/shard.slg"))
  }

  @Test("contradictory or slicing-only options are usage errors")
  func refusals() throws {
    let directory = CLI.temporaryDirectory()
    let base = ["release", Self.train, "--schema", Self.schema, "--epsilon", "1"]
    for extra in [
      ["--mechanism", "merf", "--slices", "10"],
      ["--mechanism", "merf", "--marginals", "one-way"],
      ["--mechanism", "merf", "--subsample", "0.5"],
      ["--mechanism", "slicing", "--marginals", "one-way"],
      ["--mechanism", "slicing+marginals", "--marginals", "none"],
      ["--features", "10"],
      ["--length-scale", "0.5"],
      ["--mechanism", "merf", "--features", "0"],
      ["--mechanism", "merf", "--length-scale", "0"],
      ["--mechanism", "merf", "--length-scale", "nan"],
      ["--mechanism", "dp-sgd"],
    ] {
      let output = directory + "/r.slg"
      let result = try CLI.run(base + extra + ["-o", output])
      #expect(result.status == 64, "\(extra): \(result.stderr)")
      #expect(!FileManager.default.fileExists(atPath: output))
    }
    let noSchema = try CLI.run([
      "release", Self.train, "--epsilon", "1", "--mechanism", "merf", "-o", directory + "/r.slg",
    ])
    #expect(noSchema.status == 64, "\(noSchema.stderr)")
    let plan = try CLI.run([
      "plan", "--schema", Self.schema, "--rows", "1000", "--epsilon", "1", "--features", "10",
    ])
    #expect(plan.status == 64)
  }

  @Test("--mechanism slicing is --marginals none")
  func slicingIsMarginalsNone() throws {
    let directory = CLI.temporaryDirectory()
    let release = directory + "/s.slg"
    let result = try CLI.run([
      "release", Self.train, "--schema", Self.schema, "--epsilon", "1", "--slices", "10",
      "--mechanism", "slicing", "-o", release, "--quiet",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    let inspect = try CLI.run(["inspect", release, "--json"])
    let json = try #require(
      try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as? [String: Any])
    #expect(json["method"] as? String == "slicing")
  }
}
