import Foundation
import Testing

@Suite("slicegen merge")
struct MergeCommandTests {
  /// Two shards of the Adult sample: the first discovers its schema, the second is --like it.
  func adultShards(in directory: String) throws -> [String] {
    let lines = try String(contentsOfFile: CLI.path("samples/adult/train.csv"), encoding: .utf8)
      .split(separator: "\n", omittingEmptySubsequences: true)
    let header = lines[0]
    let half = lines.count / 2
    CLI.write(([header] + lines[1..<half]).joined(separator: "\n") + "\n", to: directory + "/a.csv")
    CLI.write(([header] + lines[half...]).joined(separator: "\n") + "\n", to: directory + "/b.csv")
    let first = try CLI.run([
      "release", directory + "/a.csv", "--epsilon", "8", "--delta", "1e-7",
      "--slices", "10", "-o", directory + "/a.slg", "--quiet",
    ])
    #expect(first.status == 0, "\(first.stderr)")
    let second = try CLI.run([
      "release", directory + "/b.csv", "--like", directory + "/a.slg",
      "-o", directory + "/b.slg", "--quiet",
    ])
    #expect(second.status == 0, "\(second.stderr)")
    return [directory + "/a.slg", directory + "/b.slg"]
  }

  @Test("release --like, then merge: one release of all rows whose statement says how it composes")
  func merge() throws {
    let directory = CLI.temporaryDirectory()
    let parts = try adultShards(in: directory)
    let result = try CLI.run(["merge"] + parts + ["-o", directory + "/all.slg"])
    #expect(result.status == 0, "\(result.stderr)")
    let json =
      try JSONSerialization.jsonObject(
        with: Data(try CLI.run(["inspect", directory + "/all.slg", "--json"]).stdout.utf8))
      as! [String: Any]
    #expect(json["rows"] as? Int == 32561)
    #expect(json["epsilon"] as? Double == 8)
    let merged = json["merged"] as! [String: Any]
    #expect((merged["parts"] as! [Any]).count == 2)
    #expect((json["statement"] as! String).contains("parallel composition"))
    #expect(json["discovery"] != nil)
    let text = try CLI.run(["inspect", directory + "/all.slg"]).stdout
    #expect(text.contains("merged        2 shards"))
  }

  @Test("merge refusals: exit 1, the difference named, no output; one file is a usage error")
  func refusals() throws {
    let directory = CLI.temporaryDirectory()
    let parts = try adultShards(in: directory)
    let other = try CLI.run([
      "release", directory + "/b.csv", "--epsilon", "8", "--delta", "1e-7",
      "--slices", "10", "-o", directory + "/c.slg", "--quiet",
    ])
    #expect(other.status == 0)
    let result = try CLI.run(["merge", parts[0], directory + "/c.slg", "-o", directory + "/x.slg"])
    #expect(result.status == 1)
    #expect(
      result.stderr.hasPrefix("Error: ") && result.stderr.contains("differ in the projection seed"))
    #expect(!FileManager.default.fileExists(atPath: directory + "/x.slg"))
    let one = try CLI.run(["merge", parts[0], "-o", directory + "/x.slg"])
    #expect(one.status == 64)
    #expect(one.stderr.contains("missing argument <release>"))
    #expect(one.stderr.contains("Usage: slicegen merge <first> <release> ... [options]"))
  }
}
