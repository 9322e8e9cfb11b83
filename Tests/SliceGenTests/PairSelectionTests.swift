import Foundation
import Testing

@_spi(Benchmarks) @testable import SliceGen

/// A table of six categorical columns x1…x6 (three categories each) where x2 copies x1 and x4
/// copies x3 with probability 0.9, and everything else is independent and uniform.
func plantedTable(rows: Int, seed: UInt64) -> (csv: String, schema: Schema) {
  var rng = TestRNG(seed: seed)
  let values = ["a", "b", "c"]
  var text = "x1,x2,x3,x4,x5,x6\n"
  for _ in 0..<rows {
    var x = (0..<6).map { _ in Int.random(in: 0..<3, using: &rng) }
    if Double.random(in: 0..<1, using: &rng) < 0.9 { x[1] = x[0] }
    if Double.random(in: 0..<1, using: &rng) < 0.9 { x[3] = x[2] }
    text += x.map { values[$0] }.joined(separator: ",") + "\n"
  }
  let schema = try! Schema(
    columns: (1...6).map {
      SchemaColumn(name: "x\($0)", domain: .categorical(categories: values, catchAll: nil))
    }, missingTokens: [""])
  return (TestPaths.write(text), schema)
}

@Suite("Pair selection")
struct PairSelectionTests {
  @Test(
    "the score vector moves by at most 2√P in L2 over every replace-one neighbour (brute force)")
  func sensitivity() throws {
    // Three columns with 2, 3 and 3 bins (P = 3 pairs), n = 5 rows: every row of every table is
    // replaced by each of the 18 points of the domain; p̂ is any fixed (public) distribution.
    var rng = TestRNG(seed: 21)
    let shape = [2, 3, 3]
    let bound = PairSelectionMechanism.l2Sensitivity(candidates: 3, rows: 5, cells: 9)
    // 2√P plus the floating-point margin 6n·γ_K (PairSelectionMechanism.swift): a hair above.
    #expect(bound >= 2 * 3.0.squareRoot() && bound - 2 * 3.0.squareRoot() < 1e-12)
    func scores(_ codes: [Int32], _ p: [[Double]]) throws -> [Double] {
      var counts = try PairCounts(binCounts: shape, mode: .tree)
      codes.withUnsafeBufferPointer { counts.add(codes: $0.baseAddress!, rows: codes.count / 3) }
      return counts.scores(oneWay: p, rows: codes.count / 3)
    }
    var worstL2 = 0.0, worstSingle = 0.0
    for _ in 0..<40 {
      let table = (0..<5).flatMap { _ in shape.map { Int32(Int.random(in: 0..<$0, using: &rng)) } }
      let p = shape.map { k -> [Double] in
        let w = (0..<k).map { _ in Double.random(in: 0...1, using: &rng) }
        return w.map { $0 / w.reduce(0, +) }
      }
      let base = try scores(table, p)
      for row in 0..<5 {
        for a in 0..<2 {
          for b in 0..<3 {
            for c in 0..<3 {
              var neighbour = table
              neighbour.replaceSubrange(
                (row * 3)..<(row * 3 + 3), with: [Int32(a), Int32(b), Int32(c)])
              let moved = try scores(neighbour, p)
              let change = zip(base, moved).map { $0 - $1 }
              worstL2 = max(worstL2, change.reduce(0) { $0 + $1 * $1 }.squareRoot())
              worstSingle = max(worstSingle, change.map(abs).max()!)
            }
          }
        }
      }
    }
    #expect(worstSingle <= 2 + 1e-9)
    #expect(worstL2 <= bound + 1e-9)
    #expect(worstL2 > 0.9 * bound)  // and the bound is nearly reached: it is not loose
  }

  @Test("on pair bins the score vector still moves by at most 2√P over every fine neighbour")
  func sensitivityWithPairBins() throws {
    // Three columns with 2, 6 and 3 fine bins; the second counted on pair bins 0 | 1 2 3 | 4 5
    // (a public map). n = 4 rows; every row is replaced by each of the 36 fine points, mapped
    // through the groups as the release maps them; p̂ is any fixed distribution on pair bins.
    var rng = TestRNG(seed: 23)
    let fine = [2, 6, 3]
    let bins = [
      ColumnBins(
        name: "a", kind: .categorical, count: 2, lower: 0, upper: 0, widthBins: 0,
        integer: false, missingBin: nil),
      ColumnBins(
        name: "b", kind: .integerValues, count: 6, lower: 0, upper: 5, widthBins: 0,
        integer: true, missingBin: nil),
      ColumnBins(
        name: "c", kind: .categorical, count: 3, lower: 0, upper: 0, widthBins: 0,
        integer: false, missingBin: nil),
    ]
    let binning = PairBinning(bins: bins, maximumGroups: 2)
    #expect(binning.groups[1] == [0, 1, 1, 1, 2, 2] && binning.counts == [2, 3, 3])
    let bound = PairSelectionMechanism.l2Sensitivity(candidates: 3, rows: 4, cells: 9)
    func scores(_ codes: [Int32], _ p: [[Double]]) throws -> [Double] {
      var pair = [Int32](repeating: 0, count: codes.count)
      for row in 0..<(codes.count / 3) {
        codes.withUnsafeBufferPointer { f in
          pair.withUnsafeMutableBufferPointer {
            binning.mapCodes(f.baseAddress! + 3 * row, into: $0.baseAddress! + 3 * row)
          }
        }
      }
      var counts = try PairCounts(binCounts: binning.counts, mode: .tree)
      pair.withUnsafeBufferPointer { counts.add(codes: $0.baseAddress!, rows: codes.count / 3) }
      return counts.scores(oneWay: p, rows: codes.count / 3)
    }
    var worstL2 = 0.0
    for _ in 0..<30 {
      let table = (0..<4).flatMap { _ in fine.map { Int32(Int.random(in: 0..<$0, using: &rng)) } }
      let p = binning.counts.map { k -> [Double] in
        let w = (0..<k).map { _ in Double.random(in: 0...1, using: &rng) }
        return w.map { $0 / w.reduce(0, +) }
      }
      let base = try scores(table, p)
      for row in 0..<4 {
        for a in 0..<2 {
          for b in 0..<6 {
            for c in 0..<3 {
              var neighbour = table
              neighbour.replaceSubrange(
                (row * 3)..<(row * 3 + 3), with: [Int32(a), Int32(b), Int32(c)])
              let moved = try scores(neighbour, p)
              let change = zip(base, moved).map { $0 - $1 }
              #expect(change.allSatisfy { abs($0) <= 2 + 1e-9 })
              worstL2 = max(worstL2, change.reduce(0) { $0 + $1 * $1 }.squareRoot())
            }
          }
        }
      }
    }
    #expect(worstL2 <= bound + 1e-9)
    #expect(worstL2 > 0.9 * bound)
  }

  @Test("the maximum spanning tree spans, has c − 1 edges and matches Prim's weight")
  func spanningTree() {
    var rng = TestRNG(seed: 5)
    for c in [2, 3, 8, 13] {
      var pairs: [(Int, Int)] = []
      for a in 0..<c { for b in (a + 1)..<c { pairs.append((a, b)) } }
      let w = pairs.map { _ in Double.random(in: -1...1, using: &rng) }
      let tree = PairPick.maximumSpanningTree(columns: c, pairs: pairs, weights: w)
      #expect(tree.count == c - 1)
      #expect(isSpanningTree(tree.map { pairs[$0] }, columns: c))
      // Prim's algorithm, written independently, on the dense weight matrix.
      var weight = [[Double]](repeating: [Double](repeating: 0, count: c), count: c)
      for (e, (a, b)) in pairs.enumerated() {
        weight[a][b] = w[e]
        weight[b][a] = w[e]
      }
      var inTree = [true] + [Bool](repeating: false, count: c - 1)
      var best = weight[0], total = 0.0
      for _ in 1..<c {
        let next = (0..<c).filter { !inTree[$0] }.max { best[$0] < best[$1] }!
        total += best[next]
        inTree[next] = true
        for v in 0..<c where !inTree[v] { best[v] = max(best[v], weight[next][v]) }
      }
      #expect(abs(tree.reduce(0) { $0 + w[$1] } - total) < 1e-12)
    }
    #expect(PairPick.largest(2, of: [1, 5, 3, 5]) == [1, 3])
  }

  @Test(
    "at large ε, tree and select:2 find the planted dependent pairs, by either mechanism",
    arguments: [SelectionMechanism.gaussian, .exponential])
  func plantedDependence(mechanism: SelectionMechanism) throws {
    let (csv, schema) = plantedTable(rows: 3000, seed: 8)
    for mode in [MarginalSelection.tree, .select(2)] {
      var options = ReleaseOptions(epsilon: 50)
      options.delta = 1e-5
      options.slices = 10
      options.marginals = mode
      options.selectionMechanism = mechanism
      options.insecureTestNoiseSeed = 3
      let path = TestPaths.temporary("p.slg")
      _ = try Releaser.release(csvPath: csv, schema: schema, options: options, outputPath: path)
      let header = try Release(contentsOf: path).header
      let selection = try #require(header.pairSelection)
      let chosen = Set(selection.chosen.map { $0.joined(separator: ":") })
      #expect(chosen.isSuperset(of: ["x1:x2", "x3:x4"]), "\(mode): \(chosen)")
      #expect(selection.candidates.count == 15)
      #expect(selection.noisyScores.count == (mechanism == .gaussian ? 15 : 0))
      #expect(selection.isExponential == (mechanism == .exponential))
      // 1-way marginals of every column, then the chosen 2-ways.
      let marginals = try #require(header.marginals)
      #expect(marginals.filter { $0.columns.count == 1 }.count == 6)
      #expect(marginals.filter { $0.columns.count == 2 }.map { $0.columns } == selection.chosen)
      if mode == .tree {
        #expect(selection.chosen.count == 5)
        #expect(isSpanningTree(selection.chosen, of: header))
      }
    }
  }

  /// ε = 1, δ = 1e-5, 20 slices, the standard split declared (not auto: the fractions are
  /// checked), test noise.
  static func accountingOptions(_ mode: MarginalSelection) -> ReleaseOptions {
    var options = ReleaseOptions(epsilon: 1)
    options.delta = 1e-5
    options.slices = 20
    options.marginals = mode
    options.pairSelectionSplit = .standard
    options.insecureTestNoiseSeed = 4
    return options
  }

  @Test("the rounds' μ² add up to μ_agg², and the calibrated release meets the stated δ")
  func composedAccounting() throws {
    let (csv, schema) = plantedTable(rows: 2000, seed: 9)
    for (mode, picks) in [(MarginalSelection.tree, 5), (.select(3), 3)] {
      var options = Self.accountingOptions(mode)
      options.selectionMechanism = .gaussian
      let path = TestPaths.temporary("c.slg")
      let report = try Releaser.release(
        csvPath: csv, schema: schema, options: options,
        outputPath: path)
      let header = report.header
      let components = header.privacy.components
      #expect(
        components.map(\.name) == [
          "projections", "one-way marginals",
          "pair-selection scores", "two-way marginals (\(mode.selectionMode!))",
        ])
      #expect(components.map(\.queries) == [nil, 6, 1, picks])
      #expect(abs(components.map(\.share).reduce(0, +) - 1) < 1e-12)
      // 2√P plus the scores' floating-point margin (PairSelectionMechanism.scoreSensitivity).
      #expect(components[2].l2Sensitivity >= 2 * 15.0.squareRoot())
      #expect(components[2].l2Sensitivity / (2 * 15.0.squareRoot()) - 1 < 1e-9)
      // Σ J (Δ/σ)² over the aggregate components is the μ_agg² the accountant granted (σ is
      // rounded up, so it can only be smaller, and by no more than rounding).
      let spent = components.dropFirst().reduce(0.0) { total, c in
        total + Double(c.queries!) * (c.l2Sensitivity / c.sigma) * (c.l2Sensitivity / c.sigma)
      }
      let calibration = try ReleaseCalibration.calibrate(
        epsilon: 1, delta: 1e-5, slices: 20, sliceDim: 2, encodedWidth: header.encodedWidth,
        accountant: .profile, neighbors: .replaceOne, subsampling: nil, fixedDirections: nil,
        aggregateShare: options.aggregateShare,
        aggregateRounds: [
          .counts(tables: 6, fraction: PairSelectionSplit.standard.oneWay),
          .scores(candidates: 15, fraction: PairSelectionSplit.standard.selection),
          .counts(tables: picks, fraction: PairSelectionSplit.standard.twoWay),
        ])
      let granted = calibration.aggregateMuSquared
      let margin = try #require(header.privacy.implementation)
      #expect(margin == calibration.margin)
      #expect(spent <= granted)
      #expect(spent > granted * (1 - 1e-9))
      // The split is the declared one: each round spends its fraction of μ_agg².
      let split = PairSelectionSplit.standard
      for (c, f) in zip(components.dropFirst(), [split.oneWay, split.selection, split.twoWay]) {
        let mu2 = Double(c.queries!) * (c.l2Sensitivity / c.sigma) * (c.l2Sensitivity / c.sigma)
        #expect(abs(mu2 / (f * granted) - 1) < 1e-9)
      }
      // The stated δ: the ideal profile at ε − margin, times (1+ρ)^N, plus the tails.
      let delta = margin.statedDelta(
        ideal: SlicingAccountant.delta(
          epsilon: 1 - margin.epsilon, noiseScale: header.noiseScale,
          projections: header.projections, aggregateMuSquared: spent, shift: margin.shift))
      #expect(delta <= 1e-5)
      #expect(delta > 0.9e-5)  // tight, not wasteful
      // The noisy counts carry each round's σ.
      let marginals = try #require(header.marginals)
      #expect(
        marginals.filter { $0.columns.count == 1 }.allSatisfy { $0.sigma == components[1].sigma })
      #expect(
        marginals.filter { $0.columns.count == 2 }.allSatisfy { $0.sigma == components[3].sigma })
      #expect(header.pairSelection?.sigma == components[2].sigma)
      #expect(header.privacy.statement.contains("2√P"))
      #expect(header.privacy.statement.contains("adaptively"))
    }
  }

  @Test("exponential picks: k picks of μ each, composed with the rest to the stated δ")
  func exponentialAccounting() throws {
    let (csv, schema) = plantedTable(rows: 2000, seed: 9)
    for (mode, picks) in [(MarginalSelection.tree, 5), (.select(3), 3)] {
      let options = Self.accountingOptions(mode)
      let path = TestPaths.temporary("e.slg")
      let header = try Releaser.release(
        csvPath: csv, schema: schema, options: options, outputPath: path
      ).header
      let components = header.privacy.components
      #expect(
        components.map(\.name) == [
          "projections", "one-way marginals", "pair selection (exponential mechanism)",
          "two-way marginals (\(mode.selectionMode!))",
        ])
      #expect(components.map(\.queries) == [nil, 6, picks, picks])
      let selection = try #require(header.pairSelection)
      #expect(selection.isExponential && selection.noisyScores.isEmpty)
      #expect(selection.chosen.count == picks && Set(selection.chosen).count == picks)
      // Each pick's ε₀ is the largest whose computed width is μ-GDP with the component's μ.
      let mu = 1 / components[2].sigma
      let epsilon = try #require(selection.stepEpsilon)
      #expect(selection.stepMu == mu)
      #expect(
        ExponentialSelection.gaussianMu(
          boundedRange: ExponentialSelection.computedWidth(
            epsilon: epsilon, sensitivity: selection.l2Sensitivity, largestScore: 6000)) <= mu)
      // The whole release: k·μ² of the picks plus the counts' μ² is μ_agg², and the stated δ
      // holds with the picks counted in the margin.
      let spent = components.dropFirst().reduce(0.0) { total, c in
        total + Double(c.queries!) * (c.l2Sensitivity / c.sigma) * (c.l2Sensitivity / c.sigma)
      }
      let margin = try #require(header.privacy.implementation)
      #expect(margin.affectedValues == 40 + 12 + picks + 2 * picks)
      let delta = margin.statedDelta(
        ideal: SlicingAccountant.delta(
          epsilon: 1 - margin.epsilon, noiseScale: header.noiseScale,
          projections: header.projections, aggregateMuSquared: spent, shift: margin.shift))
      #expect(delta <= 1e-5)
      #expect(delta > 0.9e-5)
      #expect(FormatVersions.release(for: header) == 7)
      #expect(header.privacy.statement.contains("exponential mechanism"))
      #expect(try Release(contentsOf: path).header.pairSelection == selection)
      if mode == .tree {
        #expect(isSpanningTree(selection.chosen, of: header))
      }
    }
  }

  @Test("a shard (--like) of a release with exponential picks copies its tables and checks")
  func shardOfExponentialRelease() throws {
    let (csv, schema) = plantedTable(rows: 600, seed: 12)
    var options = ReleaseOptions(epsilon: 2)
    options.delta = 1e-5
    options.slices = 10
    options.marginals = .tree
    let (header, second) = try releaseWithShard(csv: csv, schema: schema, options: options)
    #expect(header.pairSelection?.isExponential == true)
    #expect(second.pairSelection == header.pairSelection)
    #expect(second.privacy.components.dropFirst() == header.privacy.components.dropFirst())
    #expect(second.privacy.implementation == header.privacy.implementation)
    #expect(second.marginals?.map(\.sigma) == header.marginals?.map(\.sigma))
    // A header whose picks' round is missing is refused by name, not read out of range.
    var broken = header
    broken.privacy.components.removeLast(2)
    broken.privacy.components[0].share = 1 - broken.privacy.components[1].share
    let error = #expect(throws: ReleaseError.self) {
      _ = try ShardSettings(header: broken, file: "b.slg")
    }
    #expect("\(error.map { "\($0)" } ?? "")".contains("rounds of pair selection"))
  }

  @Test("--selection-mechanism: auto is exponential in one round, gaussian with --rounds")
  func mechanismResolution() throws {
    #expect(SelectionMechanism.auto.resolved(rounds: 1) == .exponential)
    #expect(SelectionMechanism.auto.resolved(rounds: 3) == .gaussian)
    #expect(SelectionMechanism.gaussian.resolved(rounds: 1) == .gaussian)
    var options = ReleaseOptions(epsilon: 1)
    options.marginals = .select(6)
    options.selectionRounds = 2
    options.selectionMechanism = .exponential
    #expect(throws: OptionError.self) { try options.validate() }
    options.selectionMechanism = .auto
    try options.validate()
  }

  @Test("the modes parse; bad values fail with a clear message")
  func parsing() throws {
    #expect(try MarginalSelection(parsing: "tree") == .tree)
    #expect(try MarginalSelection(parsing: "select:12") == .select(12))
    for bad in ["select:0", "select:abc", "select:", "select:-3", "select:2.5"] {
      #expect {
        try MarginalSelection(parsing: bad)
      } throws: { error in
        (error as? OptionError)?.description.contains("K in select:K must be a whole number")
          == true
      }
    }
    #expect {
      try MarginalSelection.select(16).pairsToSelect(columns: 6)
    } throws: { error in
      (error as? OptionError)?.description == "--marginals select:16 asks for 16 pairs, but the 6 "
        + "released columns have only 15 pairs"
    }
    #expect(try MarginalSelection.select(15).pairsToSelect(columns: 6) == 15)
    #expect(try MarginalSelection.tree.pairsToSelect(columns: 6) == 5)
    #expect(try MarginalSelection.allPairs.pairsToSelect(columns: 6) == nil)
  }
}

/// c − 1 edges without a cycle on c vertices.
/// Whether the named pairs span the header's kept columns as a tree.
func isSpanningTree(_ pairs: [[String]], of header: ReleaseHeader) -> Bool {
  let index = Dictionary(
    uniqueKeysWithValues: header.schema.keptColumns.enumerated().map { ($1.name, $0) })
  return isSpanningTree(
    pairs.map { (index[$0[0]]!, index[$0[1]]!) }, columns: header.schema.keptColumns.count)
}

func isSpanningTree(_ edges: [(Int, Int)], columns c: Int) -> Bool {
  guard edges.count == c - 1 else { return false }
  var parent = Array(0..<c)
  func root(_ x: Int) -> Int { parent[x] == x ? x : root(parent[x]) }
  for (a, b) in edges {
    let ra = root(a), rb = root(b)
    if ra == rb { return false }
    parent[ra] = rb
  }
  return true
}

@Test("--marginals auto: select:3c up to 15 columns, tree beyond, from the column count alone")
func autoSelection() throws {
  #expect(try MarginalSelection(parsing: "auto") == .auto)
  #expect(MarginalSelection.auto.resolved(columns: 13) == .select(39))
  #expect(MarginalSelection.auto.resolved(columns: 15) == .select(45))
  #expect(MarginalSelection.auto.resolved(columns: 16) == .tree)
  #expect(MarginalSelection.auto.resolved(columns: 65) == .tree)
  #expect(MarginalSelection.auto.resolved(columns: 3) == .select(3))  // every pair of 3 columns
  #expect(MarginalSelection.auto.resolved(columns: 7) == .select(21))  // every pair of 7 columns
  #expect(MarginalSelection.auto.resolved(columns: 1) == .oneWay)
  #expect(MarginalSelection.select(4).resolved(columns: 13) == .select(4))
  // Wider than private selection counts (a 785-column image: 307,720 pairs), or too many
  // cells: 1-way marginals, with the reason.
  #expect(MarginalSelection.auto.resolved(columns: 785) == .oneWay)
  #expect(
    MarginalSelection.autoFallback(columns: 785, candidateCells: nil)?
      .contains("307720 candidate pairs") == true)
  #expect(MarginalSelection.auto.resolved(columns: 140, candidateCells: 1 << 25) == .oneWay)
  #expect(MarginalSelection.auto.resolved(columns: 140, candidateCells: 1 << 20) == .tree)
  #expect(MarginalSelection.autoFallback(columns: 65, candidateCells: 600_000) == nil)
  // With a target, the wide fallback adds the target's table with every other column.
  let names = (0..<784).map { "px_\($0)" } + ["label"]
  let star = names.dropLast().map { ["label", $0] }
  #expect(MarginalSelection.auto.resolved(columns: 785, targetPairs: star) == .pairs(star))
  #expect(MarginalSelection.auto.resolved(columns: 65, targetPairs: [["a", "b"]]) == .tree)
  #expect(
    MarginalSelection.autoFallback(columns: 785, candidateCells: nil, target: "label")?
      .contains("label's 2-way table with each of the other 784 columns") == true)
  let queries = try MarginalSelection.pairs(star).queries(columns: names)
  #expect(queries.count == 785 + 784)
  #expect(queries.filter { $0.count == 2 }.allSatisfy { $0.contains(784) })
}

@Test("--marginals target: the schema's target with every other column, refused without one")
func targetStar() throws {
  #expect(try MarginalSelection(parsing: "target") == .target)
  #expect(MarginalSelection.target.text == "target")
  let star = [["y", "a"], ["y", "b"]]
  #expect(MarginalSelection.target.resolved(columns: 3, targetPairs: star) == .pairs(star))
  // Even where auto would fall back (too wide to score), target is the star.
  #expect(MarginalSelection.target.resolved(columns: 785, targetPairs: star) == .pairs(star))
  var schema = try Schema(
    columns: ["a", "y", "b"].map {
      SchemaColumn(name: $0, domain: .categorical(categories: ["0", "1"], catchAll: nil))
    }, missingTokens: [""])
  var options = ReleaseOptions(epsilon: 1)
  options.marginals = .target
  // No target in the schema: refused before the data is read, naming the rule.
  let error = #expect(throws: OptionError.self) {
    _ = try ReleasePlan(schema: schema, options: options)
  }
  #expect(error?.description.contains("names a target") == true, "\(String(describing: error))")
  schema.target = "y"
  let plan = try ReleasePlan(schema: schema, options: options)
  #expect(plan.options.marginals == .pairs([["y", "a"], ["y", "b"]]))
  #expect(plan.attributeSets == [[0], [1], [2], [0, 1], [1, 2]])
}

@Test("--marginals auto on labelled images is the label's star; on other tables it is not")
func autoOnLabelledImages() throws {
  let star = [["y", "a"], ["y", "b"]]
  #expect(
    MarginalSelection.auto.resolved(columns: 3, targetPairs: star, labelledImage: true)
      == .pairs(star))
  #expect(MarginalSelection.auto.resolved(columns: 3, targetPairs: star) == .select(3))
  let digits = try Schema(
    contentsOf: TestPaths.repository.appendingPathComponent("samples/digits/schema.json").path)
  let plan = try ReleasePlan(schema: digits, options: ReleaseOptions(epsilon: 1))
  guard case .pairs(let pairs) = plan.options.marginals else {
    Issue.record("auto on the digits resolved to \(plan.options.marginals)")
    return
  }
  #expect(pairs.count == 64 && pairs.allSatisfy { $0[0] == "target" })
  #expect(plan.notes.contains { $0.contains("labelled images") })
  // Rounds need select:K; the refusal names the resolved star briefly.
  var rounds = ReleaseOptions(epsilon: 1)
  rounds.selectionRounds = 2
  let error = #expect(throws: OptionError.self) {
    _ = try ReleasePlan(schema: digits, options: rounds)
  }
  #expect(
    error?.description.contains("64 named pairs (target:px_0_0, …)") == true,
    "\(String(describing: error))")
  // The same columns without the image layout (a renamed pixel): the width rule, a tree.
  var columns = digits.keptColumns
  columns[0].name = "first"
  var plain = try Schema(columns: columns, missingTokens: [""])
  plain.target = "target"
  let plainPlan = try ReleasePlan(schema: plain, options: ReleaseOptions(epsilon: 1))
  #expect(plainPlan.options.marginals == .tree)
}

/// A release of `csv` with `options`, then a shard of the same rows released `--like` it (test
/// noise seeds 8 and 9): the two headers.
func releaseWithShard(csv: String, schema: Schema, options: ReleaseOptions) throws -> (
  first: ReleaseHeader, shard: ReleaseHeader
) {
  var options = options
  options.insecureTestNoiseSeed = 8
  let first = TestPaths.temporary("first.slg")
  let header = try Releaser.release(
    csvPath: csv, schema: schema, options: options, outputPath: first
  ).header
  var shard = try ReleaseTemplate(firstReleaseAt: first).options
  shard.insecureTestNoiseSeed = 9
  let second = try Releaser.release(
    csvPath: csv, schema: schema, options: shard, outputPath: TestPaths.temporary("second.slg")
  ).header
  return (header, second)
}
