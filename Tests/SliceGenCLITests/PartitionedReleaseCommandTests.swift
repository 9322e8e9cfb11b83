import Foundation
import Testing

@Suite("slicegen release-template, release-partition, release-merge")
struct PartitionedReleaseCommandTests {
  @Test(
    "template → partitions (one from standard input) → merge: a release like release --template")
  func flow() throws {
    let directory = CLI.temporaryDirectory()
    let lines = try String(contentsOfFile: CLI.path("samples/adult/train.csv"), encoding: .utf8)
      .split(separator: "\n", omittingEmptySubsequences: true)
    let header = lines[0]
    let rows = lines.dropFirst()
    let template = directory + "/t.json"
    let made = try CLI.run([
      "release-template", "--schema", CLI.path("samples/adult/schema.json"),
      "--rows", "\(rows.count)", "--partitions", "2", "--epsilon", "4", "--delta", "1e-7",
      "--slices", "10", "-o", template,
    ])
    #expect(made.status == 0, "\(made.stderr)")
    #expect(made.stderr.contains("keep it inside the cluster"))
    var parts = ["", ""]
    for (i, line) in rows.enumerated() { parts[i % 2] += line + "\n" }
    let part0 = directory + "/p0.csv"
    CLI.write(header + "\n" + parts[0], to: part0)
    let first = try CLI.run([
      "release-partition", part0, "--template", template, "--partition", "0",
      "-o", directory + "/0.partial",
    ])
    #expect(first.status == 0, "\(first.stderr)")
    #expect(first.stderr.contains("PRIVATE"))
    let second = try CLI.run(
      [
        "release-partition", "-", "--template", template, "--partition", "1",
        "-o", directory + "/1.partial", "--quiet",
      ], standardInput: header + "\n" + parts[1])
    #expect(second.status == 0, "\(second.stderr)")
    let merged = try CLI.run([
      "release-merge", "--template", template, directory + "/1.partial", directory + "/0.partial",
      "-o", directory + "/merged.slg",
    ])
    #expect(merged.status == 0, "\(merged.stderr)")
    let single = try CLI.run([
      "release", CLI.path("samples/adult/train.csv"), "--template", template,
      "-o", directory + "/single.slg", "--quiet",
    ])
    #expect(single.status == 0, "\(single.stderr)")
    func inspect(_ path: String) throws -> [String: Any] {
      try JSONSerialization.jsonObject(
        with: Data(try CLI.run(["inspect", path, "--json"]).stdout.utf8)) as! [String: Any]
    }
    let a = try inspect(directory + "/single.slg")
    let b = try inspect(directory + "/merged.slg")
    #expect(b["rows"] as? Int == rows.count)
    for key in ["sigma", "epsilon", "delta", "statement", "projectionSeed", "method"] {
      #expect("\(a[key] ?? "nil")" == "\(b[key] ?? "nil")", "\(key)")
    }
    #expect(b["merged"] == nil && b["shard"] == nil)
    // Fit reads it like any release.
    let fit = try CLI.run([
      "fit", directory + "/merged.slg", "--epochs", "1", "-o", directory + "/m.slgm", "--quiet",
    ])
    #expect(fit.status == 0, "\(fit.stderr)")
  }

  @Test("refusals: a missing partition, a privacy option beside --template; no output file")
  func refusals() throws {
    let directory = CLI.temporaryDirectory()
    let template = directory + "/t.json"
    let made = try CLI.run([
      "release-template", "--schema", CLI.path("samples/adult/schema.json"),
      "--rows", "32561", "--partitions", "3", "--epsilon", "1", "-o", template, "--quiet",
    ])
    #expect(made.status == 0, "\(made.stderr)")
    let partition = try CLI.run([
      "release-partition", CLI.path("samples/adult/train.csv"), "--template", template,
      "--partition", "0", "-o", directory + "/0.partial", "--quiet",
    ])
    #expect(partition.status == 0, "\(partition.stderr)")
    let merge = try CLI.run([
      "release-merge", "--template", template, directory + "/0.partial",
      "-o", directory + "/r.slg",
    ])
    #expect(merge.status == 1)
    #expect(merge.stderr.contains("partitions \"1\", \"2\" of the template are missing"))
    #expect(!FileManager.default.fileExists(atPath: directory + "/r.slg"))
    let both = try CLI.run([
      "release", CLI.path("samples/adult/train.csv"), "--template", template, "--epsilon", "2",
      "-o", directory + "/r.slg",
    ])
    #expect(both.status == 64)
    #expect(both.stderr.contains("--epsilon cannot be combined with --template"))
    let merf = try CLI.run([
      "release-template", "--schema", CLI.path("samples/adult/schema.json"), "--rows", "10",
      "--partitions", "2", "--epsilon", "1", "--mechanism", "merf", "-o", directory + "/m.json",
    ])
    #expect(merf.status == 64 && merf.stderr.contains("a partitioned DP-MERF release is not built"))
    #expect(!FileManager.default.fileExists(atPath: directory + "/m.json"))
  }
}
