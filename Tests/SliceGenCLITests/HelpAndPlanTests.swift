import Foundation
import Testing

@Suite("help and plan")
struct HelpAndPlanTests {
  static let commands = [
    "schema", "plan", "release", "merge", "release-template", "release-partition", "release-merge",
    "inspect", "fit", "sample", "evaluate", "audit", "demo",
    "train-nonprivate", "train-dpsgd", "compare",
  ]

  static func golden(_ name: String) throws -> String {
    try String(
      contentsOfFile: CLI.path("Tests/SliceGenCLITests/Golden/\(name)-help.txt"), encoding: .utf8)
  }

  @Test(
    "'slicegen help X', 'slicegen X --help' and 'slicegen X -h' print the golden text, exit 0",
    arguments: commands)
  func help(command: String) throws {
    let golden = try Self.golden(command)
    for arguments in [["help", command], [command, "--help"], [command, "-h"]] {
      let result = try CLI.run(arguments)
      #expect(result.status == 0, "\(arguments)")
      #expect(result.stdout == golden, "\(arguments)")
      #expect(result.stderr.isEmpty, "\(arguments)")
    }
    #expect(golden.hasPrefix("OVERVIEW: "))
    #expect(golden.contains("Usage: slicegen \(command)"))
    #expect(golden.contains("  -h, --help                  Show this help.\n"))
  }

  @Test("help wins over anything else given before '--', and is a positional after it")
  func helpWins() throws {
    let golden = try Self.golden("release")
    let bad = try CLI.run(["release", "--bogus", "--schema", "-h"])
    #expect(bad.status == 0 && bad.stdout == golden, "\(bad.stderr)")
    let after = try CLI.run(["release", "--", "--help"])
    #expect(after.status == 64)
    #expect(after.stderr.hasPrefix("Error: --epsilon is required"), "\(after.stderr)")
  }

  @Test("the top-level help, byte for byte, from 'slicegen', '--help', '-h' and 'help'")
  func topLevelHelp() throws {
    let golden = try Self.golden("slicegen")
    for arguments in [[], ["--help"], ["-h"], ["help"], ["help", "--help"]] {
      let result = try CLI.run(arguments)
      #expect(result.status == 0, "\(arguments)")
      #expect(result.stdout == golden, "\(arguments)")
    }
    for command in Self.commands { #expect(golden.contains("\n  \(command) ")) }
  }

  @Test("an unknown command is a usage error, pointing at the top-level help")
  func unknown() throws {
    for arguments in [["frobnicate"], ["help", "frobnicate"]] {
      let result = try CLI.run(arguments)
      #expect(result.status == 64)
      #expect(
        result.stderr == """
          Error: unknown command 'frobnicate'
          Usage: slicegen <command> [options]
          See 'slicegen --help'.

          """)
    }
    let option = try CLI.run(["--bogus"])
    #expect(option.status == 64)
    #expect(option.stderr.hasPrefix("Error: unknown option '--bogus'\n"))
  }

  @Test("plan prints σ and s for each accountant without reading data")
  func plan() throws {
    let result = try CLI.run([
      "plan", "--schema", CLI.path("samples/adult/schema.json"), "--rows",
      "32561", "--epsilon", "1", "--delta", "1e-5", "--json",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
    let profile = json["profile"] as! [String: Any]
    let theorem = json["theorem1"] as! [String: Any]
    let fixed = json["fixed seed"] as! [String: Any]
    #expect(abs((profile["noiseScale"] as! Double) / 53.59 - 1) < 1e-3)
    #expect(abs((theorem["noiseScale"] as! Double) / 72.99 - 1) < 1e-3)
    #expect((fixed["noiseScale"] as! Double) > (profile["noiseScale"] as! Double))
    let text = try CLI.run([
      "plan", "--schema", CLI.path("samples/adult/schema.json"), "--rows",
      "32561", "--epsilon", "1",
    ])
    #expect(text.stdout.contains("theorem1"))
    let bad = try CLI.run([
      "plan", "--schema", CLI.path("samples/adult/schema.json"), "--rows",
      "100", "--epsilon", "1", "--delta", "0.5",
    ])
    #expect(bad.status == 64)
  }

  @Test(
    "plan --columns: discovery's thresholds before any spend; what it needs, and a budget that works"
  )
  func planDiscovery() throws {
    func plan(_ extra: [String]) throws -> [String: Any] {
      let result = try CLI.run(["plan", "--json"] + extra)
      #expect(result.status == 0, "\(result.stderr)")
      return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
    }
    // Adult's shape (n = 32,561, C = 15) at ε = 1: the thresholds match a release's discovery
    // (σ₂ = 102.7, T = 616 rows at f = 0.3 with a target; Docs/privacy.md).
    let adult = try plan([
      "--columns", "15", "--rows", "32561", "--epsilon", "1",
      "--discovery-budget", "0.3", "--target", "income",
    ])
    #expect(abs((adult["secondRoundSigma"] as! Double) / 102.7 - 1) < 1e-3)
    #expect(abs((adult["selectionThreshold"] as! Double) - 616) < 1)
    #expect((adult["targetClassRows"] as! Double) < (adult["categoryRows"] as! Double))
    #expect(adult["likely"] as? Bool == true)
    // More budget, lower thresholds.
    let more = try plan([
      "--columns", "15", "--rows", "32561", "--epsilon", "1",
      "--discovery-budget", "0.6",
    ])
    #expect((more["categoryRows"] as! Double) < (adult["categoryRows"] as! Double))
    // Caravan's shape (n = 4,822, C = 86) at the smallest budget: unlikely, with the budget
    // from which it is likely.
    let caravan = try plan([
      "--columns", "86", "--rows", "4822", "--epsilon", "1",
      "--discovery-budget", "0.1",
    ])
    #expect(caravan["likely"] as? Bool == false)
    let from = try #require(caravan["likelyFrom"] as? Double)
    #expect(from > 0.1 && from < 0.9)
    let text = try CLI.run([
      "plan", "--columns", "86", "--rows", "4822", "--epsilon", "1",
      "--discovery-budget", "0.1",
    ])
    #expect(text.stdout.contains("Unlikely to succeed"), "\(text.stdout)")
    #expect(text.stdout.contains("With --discovery-budget"), "\(text.stdout)")
    let both = try CLI.run([
      "plan", "--columns", "3", "--schema", CLI.path("samples/adult/schema.json"),
      "--rows", "100", "--epsilon", "1",
    ])
    #expect(both.status == 64)
  }

  @Test(
    "fit and sample: bad input gives clear messages",
    arguments: [
      (["fit", "missing.slg"], 1, "no such file"),
      (["fit", "x.slg", "--epochs", "0"], 64, "--epochs is 0"),
      (["fit", "x.slg", "--hidden", "a,b"], 64, "--hidden"),
      (["fit", "x.slg", "--divergence", "tv"], 64, "must be one of"),
      (["fit", "x.slg", "--conv-channels", "64,x"], 64, "--conv-channels is '64,x'"),
      (["fit", "x.slg", "--conv-channels", "64,32"], 64, "needs --sampler conditional"),
      (
        ["fit", "x.slg", "--sampler", "conditional", "--conv-channels", "1,2,3,4,5"], 64,
        "--conv-channels is '1,2,3,4,5'"
      ),
      (["sample", "missing.slgm", "--rows", "10"], 1, "no such file"),
      (["sample", "m.slgm", "--rows", "0"], 64, "--rows is 0"),
      (["sample", "m.slgm"], 64, "--rows is required"),
    ])
  func badFitAndSample(arguments: [String], status: Int32, message: String) throws {
    let result = try CLI.run(arguments)
    #expect(result.status == status, "\(result.stderr)")
    #expect(result.stderr.contains(message), "\(result.stderr)")
  }
}
