import Foundation
import Testing

@_spi(Benchmarks) @testable import SliceGen

/// Six categorical columns (three categories each): x2 and x3 always copy x1, the others are
/// independent and uniform. Any two of the three copy pairs imply the third.
private func copiedTriangle(rows: Int, seed: UInt64) -> (csv: String, schema: Schema) {
  var rng = TestRNG(seed: seed)
  let values = ["a", "b", "c"]
  var text = "x1,x2,x3,x4,x5,x6\n"
  for _ in 0..<rows {
    var x = (0..<6).map { _ in Int.random(in: 0..<3, using: &rng) }
    x[1] = x[0]
    x[2] = x[0]
    text += x.map { values[$0] }.joined(separator: ",") + "\n"
  }
  let schema = try! Schema(
    columns: (1...6).map {
      SchemaColumn(name: "x\($0)", domain: .categorical(categories: values, catchAll: nil))
    }, missingTokens: [""])
  return (TestPaths.write(text), schema)
}

private let triangle: Set<String> = ["x1:x2", "x1:x3", "x2:x3"]

@Suite("Adaptive selection rounds (--rounds)")
struct AdaptiveSelectionTests {
  private func release(rounds: Int, pairs: Int, epsilon: Double, rows: Int = 3000) throws
    -> ReleaseHeader
  {
    let (csv, schema) = copiedTriangle(rows: rows, seed: 5)
    var options = ReleaseOptions(epsilon: epsilon)
    options.delta = 1e-5
    options.slices = 10
    options.marginals = .select(pairs)
    options.selectionRounds = rounds
    options.pairSelectionSplit = .standard
    options.selectionMechanism = .gaussian  // one round against R rounds, both scored alike
    options.insecureTestNoiseSeed = 7
    let path = TestPaths.temporary("a.slg")
    let header = try Releaser.release(
      csvPath: csv, schema: schema, options: options, outputPath: path
    ).header
    // The file reads back as written; rounds need format 5, one round keeps format 4.
    let read = try Release(contentsOf: path).header
    #expect(read.pairSelection == header.pairSelection)
    #expect(read.formatVersion == (rounds > 1 ? 5 : 4))
    return header
  }

  @Test("one round measures all three copy pairs; three rounds skip the pair the first two imply")
  func laterRoundsAskTheForest() throws {
    // Against the independent model all three copy pairs score about 2n·(2/3); once two are
    // measured, the forest implies the third exactly and an independent pair scores higher.
    let once = try #require(try release(rounds: 1, pairs: 3, epsilon: 50).pairSelection)
    #expect(Set(once.chosen.map { $0.joined(separator: ":") }) == triangle)
    #expect(once.rounds == nil)

    let adaptive = try #require(try release(rounds: 3, pairs: 3, epsilon: 50).pairSelection)
    let rounds = try #require(adaptive.rounds)
    #expect(rounds.map(\.model) == ["independent", "forest", "forest"])
    #expect(rounds.map(\.noisyScores.count) == [15, 14, 13])
    #expect(rounds.map(\.chosen.count) == [1, 1, 1])
    let picked = rounds.map { $0.chosen[0].joined(separator: ":") }
    #expect(triangle.contains(picked[0]) && triangle.contains(picked[1]), "\(picked)")
    #expect(!triangle.contains(picked[2]), "\(picked)")
    #expect(adaptive.chosen == rounds.flatMap(\.chosen))
    #expect(adaptive.noisyScores == rounds[0].noisyScores)
  }

  @Test("R rounds spend exactly μ_agg², each 2-way table carries its round's σ, δ is met")
  func composedAccounting() throws {
    let header = try release(rounds: 3, pairs: 5, epsilon: 1)
    let components = header.privacy.components
    #expect(
      components.map(\.name) == [
        "projections", "one-way marginals",
        "pair-selection scores (round 1 of 3)", "two-way marginals (select:5) (round 1 of 3)",
        "pair-selection scores (round 2 of 3)", "two-way marginals (select:5) (round 2 of 3)",
        "pair-selection scores (round 3 of 3)", "two-way marginals (select:5) (round 3 of 3)",
      ])
    // 5 pairs over 3 rounds: 2, 2, 1; each round scores the pairs not measured before it.
    #expect(components.map(\.queries) == [nil, 6, 1, 2, 1, 2, 1, 1])
    for (index, remaining) in [(3, 15.0), (5, 13.0), (7, 11.0)] {
      let sensitivity = components[index - 1].l2Sensitivity
      #expect(sensitivity >= 2 * remaining.squareRoot())
      #expect(sensitivity / (2 * remaining.squareRoot()) - 1 < 1e-9)
    }
    let split = PairSelectionSplit.standard
    let calibration = try ReleaseCalibration.calibrate(
      epsilon: 1, delta: 1e-5, slices: 10, sliceDim: 2, encodedWidth: header.encodedWidth,
      accountant: .profile, neighbors: .replaceOne, subsampling: nil, fixedDirections: nil,
      aggregateShare: 0.9,
      aggregateRounds: [
        .counts(tables: 6, fraction: split.oneWay),
        .scores(candidates: 15, fraction: split.selection / 3),
        .counts(tables: 2, fraction: split.twoWay * 2 / 5),
        .scores(candidates: 13, fraction: split.selection / 3),
        .counts(tables: 2, fraction: split.twoWay * 2 / 5),
        .scores(candidates: 11, fraction: split.selection / 3),
        .counts(tables: 1, fraction: split.twoWay / 5),
      ])
    #expect(header.privacy.implementation == calibration.margin)
    let spent = components.dropFirst().reduce(0.0) { total, c in
      total + Double(c.queries!) * (c.l2Sensitivity / c.sigma) * (c.l2Sensitivity / c.sigma)
    }
    let granted = calibration.aggregateMuSquared
    #expect(spent <= granted && spent > granted * (1 - 1e-9))
    // Every 2-way table has the same μ² whatever its round: σ equal to rounding.
    let twoWay = [3, 5, 7].map { components[$0].sigma }
    #expect(twoWay.allSatisfy { abs($0 / twoWay[0] - 1) < 1e-12 })
    let margin = try #require(header.privacy.implementation)
    let delta = margin.statedDelta(
      ideal: SlicingAccountant.delta(
        epsilon: 1 - margin.epsilon, noiseScale: header.noiseScale,
        projections: header.projections, aggregateMuSquared: spent, shift: margin.shift))
    #expect(delta <= 1e-5 && delta > 0.9e-5)
    // The header's tables carry their round's σ, and the statement names the rounds.
    let rounds = try #require(header.pairSelection?.rounds)
    for (r, round) in rounds.enumerated() {
      #expect(round.sigma == components[2 + 2 * r].sigma)
      for pair in round.chosen {
        let table = try #require(header.marginals?.first { $0.columns == pair })
        #expect(table.sigma == components[3 + 2 * r].sigma)
      }
    }
    #expect(header.privacy.statement.contains("picked in 3 rounds"))
  }

  @Test("a shard (--like) of an adaptive release copies its tables and passes the header checks")
  func shardOfAdaptiveRelease() throws {
    let (csv, schema) = copiedTriangle(rows: 500, seed: 6)
    var options = ReleaseOptions(epsilon: 2)
    options.delta = 1e-5
    options.slices = 10
    options.marginals = .select(4)
    options.selectionRounds = 2
    let (header, second) = try releaseWithShard(csv: csv, schema: schema, options: options)
    #expect(second.pairSelection == header.pairSelection)
    // The same rounds (the projections' share is re-derived as 1 − Σ shares: equal to rounding).
    #expect(second.privacy.components.dropFirst() == header.privacy.components.dropFirst())
    #expect(second.privacy.components[0].sigma == header.privacy.components[0].sigma)
    #expect(second.marginals?.map(\.columns) == header.marginals?.map(\.columns))
    #expect(second.marginals?.map(\.sigma) == header.marginals?.map(\.sigma))
  }

  @Test("--rounds is refused without select:K, above K, and where auto resolves to a tree")
  func refusals() throws {
    var options = ReleaseOptions(epsilon: 1)
    options.selectionRounds = 2
    options.marginals = .tree
    #expect(throws: OptionError.self) { try options.validate() }
    options.marginals = .select(1)
    #expect(throws: OptionError.self) { try options.validate() }
    options.marginals = .select(2)
    try options.validate()
    options.selectionRounds = 0
    #expect(throws: OptionError.self) { try options.validate() }
    // auto passes the first check and is refused once resolved (16 columns: a tree).
    options.selectionRounds = 2
    options.marginals = .auto
    try options.validate()
    let schema = try Schema(
      columns: (1...16).map {
        SchemaColumn(name: "c\($0)", domain: .categorical(categories: ["a", "b"], catchAll: nil))
      }, missingTokens: [""])
    let error = #expect(throws: OptionError.self) {
      _ = try ReleasePlan(schema: schema, options: options)
    }
    #expect(error?.description.contains("select:K") == true, "\(String(describing: error))")
    #expect(ReleaseOptions.pairsPerRound(pairs: 5, rounds: 3) == [2, 2, 1])
    #expect(ReleaseOptions.pairsPerRound(pairs: 39, rounds: 39) == Array(repeating: 1, count: 39))
  }

  @Test("the forest judge: a measured chain implies its end pair; other pairs are products")
  func judge() throws {
    // Three binary columns, a → b → c measured, each copying its parent with probability 0.8.
    let one = [0.5, 0.5]
    let copy = [0.4, 0.1, 0.1, 0.4]
    func binary(_ name: String) -> ColumnBins {
      ColumnBins(
        name: name, kind: .categorical, count: 2, lower: 0, upper: 0, widthBins: 0,
        integer: false, missingBin: nil)
    }
    func marginal(_ columns: [String], _ p: [Double]) -> ReleasedMarginal {
      let bins = columns.map(binary)
      return ReleasedMarginal(
        columns: columns, bins: bins, shape: columns.map { _ in 2 }, sigma: 1,
        l2Sensitivity: MarginalMechanism.l2Sensitivity, noisyCounts: p, probabilities: p)
    }
    let names = ["a", "b", "c", "d"]
    let marginals =
      names.map { marginal([$0], one) } + [
        marginal(["a", "b"], copy), marginal(["b", "c"], copy),
      ]
    let binning = PairBinning(bins: names.map(binary), maximumGroups: 16)
    let judge = ForestJudge(columns: names, marginals: marginals, pairBinning: binning)
    let tables = judge.expectedTables(pairs: [(0, 2), (0, 3)])
    // P(a = c) = 0.8² + 0.2² = 0.68: cells 0.34, 0.16, 0.16, 0.34.
    for (got, want) in zip(tables[0], [0.34, 0.16, 0.16, 0.34]) { #expect(abs(got - want) < 1e-12) }
    for got in tables[1] { #expect(abs(got - 0.25) < 1e-12) }
  }

  @Test(
    "--pair-selection-split auto: wide where the scores' largest noise passes n/10, from public facts"
  )
  func automaticSplit() throws {
    // The rule itself: σ·√(2 ln P) against n/10.
    #expect(
      PairSelectionSplit.automatic(scoreSigma: 220, candidates: 78, rows: 32_561) == .standard)
    #expect(PairSelectionSplit.automatic(scoreSigma: 1504, candidates: 3655, rows: 4822) == .wide)
    #expect(PairSelectionSplit.automatic(scoreSigma: 1e6, candidates: 1, rows: 10) == .standard)
    let edge = 0.1 * 1000 / (2 * log(15.0)).squareRoot()
    #expect(
      PairSelectionSplit.automatic(scoreSigma: edge * 0.999, candidates: 15, rows: 1000)
        == .standard)
    #expect(
      PairSelectionSplit.automatic(scoreSigma: edge * 1.001, candidates: 15, rows: 1000) == .wide)
    #expect(PairSelectionSplit.wide.isValid && PairSelectionSplit.standard.isValid)
    // End to end: few rows at ε = 1 drown the scores (wide); many rows at ε = 50 do not.
    for (rows, epsilon, want) in [(200, 1.0, PairSelectionSplit.wide), (3000, 50, .standard)] {
      let (csv, schema) = copiedTriangle(rows: rows, seed: 4)
      var options = ReleaseOptions(epsilon: epsilon)
      options.delta = 1e-5
      options.slices = 10
      options.marginals = .select(3)
      options.insecureTestNoiseSeed = 2
      let header = try Releaser.release(
        csvPath: csv, schema: schema, options: options, outputPath: TestPaths.temporary("s.slg")
      ).header
      let shares = header.privacy.components.dropFirst().map(\.share)
      let total = shares.reduce(0, +)
      for (share, fraction) in zip(shares, [want.oneWay, want.selection, want.twoWay]) {
        #expect(abs(share / total - fraction) < 1e-9, "\(rows) rows: \(shares)")
      }
      // A given split is kept whatever the rule would say.
      options.pairSelectionSplit = PairSelectionSplit(oneWay: 0.5, selection: 0.2, twoWay: 0.3)
      let given = try Releaser.resolveRowRules(schema: schema, options: options, rows: rows)
      #expect(given.pairSelectionSplit == options.pairSelectionSplit)
    }
  }
}
