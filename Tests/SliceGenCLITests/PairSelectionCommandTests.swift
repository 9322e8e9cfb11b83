import Foundation
import Testing

/// Four categorical columns, b copying a: enough for every selection mode.
private func table(in directory: String) -> (csv: String, schema: String) {
  let csv = directory + "/pairs.csv"
  let schema = directory + "/pairs.json"
  var text = "a,b,c,d\n"
  for i in 0..<400 { text += "\(i % 3),\(i % 3),\((i / 3) % 2),\((i / 7) % 3)\n" }
  CLI.write(text, to: csv)
  let columns = [("a", 3), ("b", 3), ("c", 2), ("d", 3)].map { name, k in
    #"{"name": "\#(name)", "type": "categorical", "categories": [\#((0..<k).map { "\"\($0)\"" }.joined(separator: ", "))]}"#
  }
  CLI.write(#"{"columns": ["# + columns.joined(separator: ", ") + "]}", to: schema)
  return (csv, schema)
}

@Suite("slicegen release --marginals tree / select:K")
struct PairSelectionCommandTests {
  @Test(
    "tree and select:K release; inspect lists the three aggregate components and the pairs",
    arguments: [("tree", 3), ("select:2", 2)])
  func modes(mode: String, pairs: Int) throws {
    let directory = CLI.temporaryDirectory()
    let (csv, schema) = table(in: directory)
    let output = directory + "/r.slg"
    let result = try CLI.run([
      "release", csv, "--schema", schema, "--epsilon", "2", "--delta",
      "1e-4", "--slices", "10", "--marginals", mode, "--selection-mechanism", "gaussian",
      "-o", output, "--quiet",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    let json =
      try JSONSerialization.jsonObject(
        with: Data(try CLI.run(["inspect", output, "--json"]).stdout.utf8)) as! [String: Any]
    let components = json["components"] as! [[String: Any]]
    #expect(
      components.map { $0["name"] as! String } == [
        "projections", "one-way marginals", "pair-selection scores", "two-way marginals (\(mode))",
      ])
    #expect(components.map { $0["queries"] as? Int } == [nil, 4, 1, pairs])
    for c in components {
      #expect((c["sigma"] as! Double) > 0 && (c["l2Sensitivity"] as! Double) > 0)
      #expect((c["share"] as! Double) > 0)
    }
    #expect(abs((components[2]["l2Sensitivity"] as! Double) - 2 * 6.0.squareRoot()) < 1e-9)
    let selection = json["pairSelection"] as! [String: Any]
    #expect(selection["mode"] as? String == mode)
    #expect(selection["candidates"] as? Int == 6)
    #expect((selection["chosen"] as! [[String]]).count == pairs)
    let text = try CLI.run(["inspect", output]).stdout
    #expect(text.contains("component     pair-selection scores: σ = "))
    #expect(text.contains("pairs chosen  \(mode) from 6 noisy scores: "))
    #expect(text.contains("compose adaptively"))
  }

  @Test(
    "the default picks by the exponential mechanism; inspect says so, with ε₀ and μ",
    arguments: ["tree", "select:2"])
  func exponentialPicks(mode: String) throws {
    let directory = CLI.temporaryDirectory()
    let (csv, schema) = table(in: directory)
    let output = directory + "/r.slg"
    let result = try CLI.run([
      "release", csv, "--schema", schema, "--epsilon", "2", "--delta", "1e-4", "--slices", "10",
      "--marginals", mode, "-o", output, "--quiet",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    let json =
      try JSONSerialization.jsonObject(
        with: Data(try CLI.run(["inspect", output, "--json"]).stdout.utf8)) as! [String: Any]
    let components = json["components"] as! [[String: Any]]
    #expect(components[2]["name"] as? String == "pair selection (exponential mechanism)")
    let selection = json["pairSelection"] as! [String: Any]
    #expect(selection["mechanism"] as? String == "exponential")
    let epsilon = try #require(selection["stepEpsilon"] as? Double)
    let mu = try #require(selection["stepMu"] as? Double)
    // μ ≈ 0.627·ε₀ for small ε₀ (ExponentialSelection.swift), and μ = 1/σ of the component.
    #expect(abs(mu / epsilon - 0.6266) < 0.01)
    #expect(abs(mu * (components[2]["sigma"] as! Double) - 1) < 1e-12)
    let text = try CLI.run(["inspect", output]).stdout
    #expect(text.contains("pairs chosen  \(mode) by the exponential mechanism among 6 candidates"))
    let picks = mode == "tree" ? 3 : 2
    #expect(
      text.contains(
        "component     pair selection (exponential mechanism): \(picks) picks, each μ = "))
    let refused = try CLI.run([
      "release", csv, "--schema", schema, "--epsilon", "2", "--marginals", "select:2",
      "--rounds", "2", "--selection-mechanism", "exponential", "-o", directory + "/x.slg",
    ])
    #expect(refused.status != 0)
    #expect(refused.stderr.contains("--selection-mechanism"))
    #expect(!FileManager.default.fileExists(atPath: directory + "/x.slg"))
  }

  @Test(
    "bad selections: clear message, exit code, no output file",
    arguments: [
      ("select:0", 64, "K in select:K must be a whole number of pairs, at least 1"),
      ("select:abc", 64, "K in select:K must be a whole number of pairs, at least 1"),
      (
        "select:7", 64,
        "--marginals select:7 asks for 7 pairs, but the 4 released columns have only 6 pairs"
      ),
      ("tre", 64, "must be auto, none, one-way, all-pairs, tree, select:K"),
    ])
  func bad(mode: String, status: Int32, message: String) throws {
    let directory = CLI.temporaryDirectory()
    let (csv, schema) = table(in: directory)
    let output = directory + "/out.slg"
    let result = try CLI.run([
      "release", csv, "--schema", schema, "--epsilon", "1", "--delta",
      "1e-4", "--marginals", mode, "-o", output,
    ])
    #expect(result.status == status, "\(result.stderr)")
    #expect(result.stderr.hasPrefix("Error: "))
    #expect(result.stderr.contains(message), "\(result.stderr)")
    #expect(!CLI.files(in: directory).contains { $0.contains("out.slg") })
  }

  @Test("--rounds 2: inspect lists both rounds, their models and picks; JSON keeps them")
  func adaptiveRounds() throws {
    let directory = CLI.temporaryDirectory()
    let (csv, schema) = table(in: directory)
    let output = directory + "/r.slg"
    let result = try CLI.run([
      "release", csv, "--schema", schema, "--epsilon", "2", "--delta", "1e-4", "--slices", "10",
      "--marginals", "select:3", "--rounds", "2", "-o", output, "--quiet",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    let text = try CLI.run(["inspect", output]).stdout
    #expect(text.contains("component     pair-selection scores (round 2 of 2): σ = "))
    #expect(text.contains("round 1       6 noisy scores against the independent model"))
    #expect(text.contains("round 2       4 noisy scores against the forest model"))
    #expect(text.contains("picked in 2 rounds"))
    let json =
      try JSONSerialization.jsonObject(
        with: Data(try CLI.run(["inspect", output, "--json"]).stdout.utf8)) as! [String: Any]
    let rounds = (json["pairSelection"] as! [String: Any])["rounds"] as! [[String: Any]]
    #expect(rounds.map { $0["candidates"] as? Int } == [6, 4])
    #expect(rounds.map { ($0["chosen"] as! [[String]]).count } == [2, 1])
  }

  @Test(
    "bad --rounds: clear message, exit 64, no output file",
    arguments: [
      (
        ["--marginals", "tree", "--rounds", "2"],
        "--rounds is 2, must be 1 unless --marginals is select:K"
      ),
      (["--marginals", "select:2", "--rounds", "3"], "must be at most the 2 pairs"),
      (["--marginals", "select:2", "--rounds", "0"], "--rounds is 0, must be from 1 to 1000"),
    ])
  func badRounds(options: [String], message: String) throws {
    let directory = CLI.temporaryDirectory()
    let (csv, schema) = table(in: directory)
    let result = try CLI.run(
      ["release", csv, "--schema", schema, "--epsilon", "1", "-o", directory + "/out.slg"]
        + options)
    #expect(result.status == 64, "\(result.stderr)")
    #expect(result.stderr.contains(message), "\(result.stderr)")
    #expect(!CLI.files(in: directory).contains { $0.contains("out.slg") })
  }
}
