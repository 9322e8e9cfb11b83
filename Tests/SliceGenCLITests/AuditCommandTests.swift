import Foundation
import Testing

@Suite("audit command")
struct AuditCommandTests {
  @Test("--json prints one object per mechanism and variant with the bound and its errors")
  func json() throws {
    let result = try CLI.run([
      "audit", "--mechanism", "discovery", "--variants", "shipped,half-noise", "--trials", "2000",
      "--selection-trials", "1000", "--epsilon", "2", "--json", "--quiet",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.isEmpty)
    let array = try #require(
      try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
    #expect(array.count == 2)
    #expect(array.map { $0["mechanism"] as? String } == ["discovery", "discovery"])
    #expect(array[0]["variant"] == nil && array[1]["variant"] as? String == "half-noise")
    for object in array {
      let bound = try #require(object["lowerBound"] as? Double)
      #expect(object["statedEpsilon"] as? Double == 2 && object["trials"] as? Int == 2000)
      #expect(bound >= 0 && bound <= log(2000 / 3.6))
      #expect(abs((object["ratio"] as? Double ?? -1) - bound / 2) < 1e-12)
    }
    // The shipped mechanism cannot show more than it states (2000 trials could show up to 6.2).
    #expect((array[0]["lowerBound"] as? Double ?? 99) <= 2)
  }

  @Test("the table names every column and a verdict; progress and summaries go to stderr")
  func table() throws {
    let result = try CLI.run([
      "audit", "--mechanism", "discovery", "--variants", "shipped", "--trials", "500",
      "--selection-trials", "200",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    let lines = result.stdout.split(separator: "\n")
    #expect(lines.count == 2)
    #expect(lines[0].hasPrefix("mechanism") && lines[0].contains("ε_lb"))
    #expect(lines[1].hasPrefix("discovery") && lines[1].hasSuffix("ok (≤ ε)"))
    #expect(result.stderr.contains("audit 1/1 discovery (shipped): ε_lb = "))
  }

  @Test("unknown mechanisms, variants and too few trials are usage errors (exit 64)")
  func usage() throws {
    for (arguments, message) in [
      (["--mechanism", "dp-sgd2"], "Error: --mechanism is 'dp-sgd2', must be a comma-separated"),
      (
        ["--mechanism", "slicing", "--variants", "no-clipping"],
        "Error: --variants: none of the variants applies"
      ),
      (["--subsample", "0"], "Error: --subsample is 0.0, must be in (0, 1]"),
      (
        ["--mechanism", "merf", "--subsample", "0.5"],
        "Error: --subsample 0.5 does not apply to merf"
      ),
      (["--variants", "shipped,double"], "Error: --variants is 'shipped,double', must be"),
      (["--trials", "10"], "Error: --trials is 10, must be a whole number from 100"),
      (["--epsilon", "0"], "Error: --epsilon is 0.0, must be positive"),
    ] {
      let result = try CLI.run(["audit"] + arguments)
      #expect(result.status == 64, "\(arguments): \(result.stderr)")
      #expect(result.stderr.hasPrefix(message), "\(arguments): \(result.stderr)")
      #expect(result.stdout.isEmpty)
    }
  }
}
