import Foundation
import Testing

@testable import SliceGen

@Suite("Marginals")
struct MarginalTests {
  @Test("simplex projection: non-negative, sums to one, identity on the simplex")
  func simplex() {
    let p = MarginalConsistency.projectOntoSimplex([0.5, -0.2, 0.9, 0.1])
    #expect(p.allSatisfy { $0 >= 0 })
    #expect(abs(p.reduce(0, +) - 1) < 1e-12)
    #expect(MarginalConsistency.projectOntoSimplex([0.25, 0.75]) == [0.25, 0.75])
  }

  @Test("consistent tables agree: 1-way equals the marginal of every 2-way")
  func consistency() {
    var rng = TestRNG(seed: 2)
    // True joint of two columns (3 × 2), n = 1000, noisy counts with σ = 20.
    let joint: [Double] = [0.1, 0.2, 0.3, 0.1, 0.05, 0.25]
    func noisy(_ x: [Double]) -> [Double] {
      x.map { $0 * 1000 + 20 * Double.random(in: -1...1, using: &rng) }
    }
    let a: [Double] = [0.3, 0.4, 0.3], b: [Double] = [0.45, 0.55]
    let tables = MarginalConsistency.consistentTables(
      queries: [([0], [3]), ([1], [2]), ([0, 1], [3, 2])],
      counts: [noisy(a), noisy(b), noisy(joint)], sigmas: [20, 20, 20], rows: 1000)
    for t in tables {
      #expect(t.probabilities.allSatisfy { $0 >= 0 })
      #expect(abs(t.probabilities.reduce(0, +) - 1) < 1e-9)
    }
    #expect(MarginalConsistency.maximumDisagreement(tables) < 1e-3)
  }

  @Test("a release with marginals: counts near the truth, composed accounting meets (ε, δ)")
  func release() throws {
    // 2,000 identical rows: every 1-way and 2-way count is 2000 in one cell, 0 elsewhere.
    let schema = try mixedSchema()
    var text = "age,income,colour,city,id\n"
    for _ in 0..<2000 { text += "40,50000,green,B,0.5\n" }
    let csv = TestPaths.write(text)
    var options = ReleaseOptions(epsilon: 4)
    options.delta = 1e-5
    options.slices = 10
    options.marginals = .allPairs
    let path = TestPaths.temporary("m.slg")
    let report = try Releaser.release(
      csvPath: csv, schema: schema, options: options, outputPath: path)
    let release = try Release(contentsOf: path)
    #expect(release.header.method == .slicingAndMarginals)
    let marginals = try #require(release.header.marginals)
    #expect(marginals.count == 4 + 6)
    #expect(report.header.privacy.components.count == 2)
    // Composed δ at the calibrated noise: J·(√2/σ_j)² + Q/s² must meet δ.
    let sigma = marginals[0].sigma
    let muAggregate = Double(marginals.count) * 2 / (sigma * sigma)
    let delta = SlicingAccountant.delta(
      epsilon: 4, noiseScale: release.header.noiseScale, projections: release.header.projections,
      aggregateMuSquared: muAggregate)
    #expect(delta <= 1e-5)
    #expect(delta > 0.9e-5)  // and it is tight, not wasteful
    // The colour marginal: all mass on "green" (index 1), noise σ ≈ a few tens of counts.
    let colour = marginals.first { $0.columns == ["colour"] }!
    #expect(abs(colour.noisyCounts[1] - 2000) < 6 * sigma)
    #expect(colour.probabilities[1] > 0.9)
  }

  @Test("bad marginal specifications are refused")
  func bad() {
    #expect(throws: OptionError.self) { try MarginalSelection(parsing: "age") }
    #expect(throws: OptionError.self) { try MarginalSelection(parsing: "age:age") }
    #expect(throws: OptionError.self) {
      try MarginalSelection(parsing: "age:nope").queries(columns: ["age", "sex"])
    }
  }
}

@Test("the marginal term's head gradient matches finite differences")
func marginalLossGradient() throws {
  var rng = TestRNG(seed: 9)
  let architecture = GeneratorArchitecture(
    latent: 2, hidden: [4],
    blocks: [
      .categorical(count: 3, scale: 0.5),
      .binned(centers: [0, 0.5, 1], missingBin: true, scale: 0.5),
    ])
  let bins3 = ColumnBins(
    name: "a", kind: .categorical, count: 3, lower: 0, upper: 0, widthBins: 0,
    integer: false, missingBin: nil)
  let bins4 = ColumnBins(
    name: "b", kind: .pointAndWidth, count: 4, lower: 0, upper: 1, widthBins: 2,
    integer: false, missingBin: 3)
  func random(_ n: Int) -> [Double] {
    let x = (0..<n).map { _ in Double.random(in: 0.1...1, using: &rng) }
    let s = x.reduce(0, +)
    return x.map { $0 / s }
  }
  let marginals = [
    ReleasedMarginal(
      columns: ["a"], bins: [bins3], shape: [3], sigma: 1, l2Sensitivity: 1,
      noisyCounts: [], probabilities: random(3)),
    ReleasedMarginal(
      columns: ["a", "b"], bins: [bins3, bins4], shape: [3, 4], sigma: 1,
      l2Sensitivity: 1, noisyCounts: [], probabilities: random(12)),
  ]
  let loss = MarginalLoss(
    marginals: marginals, names: ["a", "b"], architecture: architecture,
    weight: 3)
  let b = 5
  let heads: [Float] = (0..<b).flatMap { _ in random(3).map(Float.init) + random(4).map(Float.init)
  }
  var gradient = [Float](repeating: 0, count: heads.count)
  _ = loss.evaluate(heads: heads, batch: b, gradient: &gradient)
  var scratch = [Float](repeating: 0, count: heads.count)
  for index in heads.indices {
    var up = heads, down = heads
    up[index] += 1e-2
    down[index] -= 1e-2
    let numeric =
      (loss.evaluate(heads: up, batch: b, gradient: &scratch)
        - loss.evaluate(heads: down, batch: b, gradient: &scratch)) / 2e-2
    // The term is quadratic in the heads: central differences are exact up to float rounding.
    #expect(
      abs(numeric - Double(gradient[index])) < 1e-3 * max(1, abs(numeric)),
      "head \(index): \(numeric) vs \(gradient[index])")
  }
}

@Test(
  "the marginal term by matrix products equals its plain Double reference, grouped columns too",
  arguments: [MarginalDistance.l2, .kl])
func marginalTermMatchesReference(distance: MarginalDistance) throws {
  // Two categorical columns (4 and 3 bins), a numeric one binned in 6, and a numeric one binned
  // in 9 whose 2-way tables count it on 4 groups (pair bins): every 1-way table (fine) and every
  // 2-way table, random head distributions over an odd batch.
  let groupsOfD = [0, 1, 1, 1, 2, 2, 3, 3, 3]
  let fine = ["a": 4, "b": 3, "c": 6, "d": 9]
  let pairs = [
    ["a"], ["b"], ["c"], ["d"], ["a", "b"], ["a", "c"], ["b", "c"], ["a", "d"],
    ["d", "c"], ["b", "d"],
  ]
  let marginals = pairs.map { columns in
    let grouped = columns.count == 2 && columns.contains("d")
    let shape = columns.map { grouped && $0 == "d" ? 4 : fine[$0]! }
    let cells = shape.reduce(1, *)
    return ReleasedMarginal(
      columns: columns, bins: [], shape: shape, sigma: 1, l2Sensitivity: 2.squareRoot(),
      noisyCounts: Array(repeating: 0, count: cells),
      probabilities: (0..<cells).map { Double(($0 * 7) % 5 + 1) / Double(cells * 3) },
      binGroups: grouped
        ? columns.map { $0 == "d" ? groupsOfD : Array(0..<fine[$0]!) } : nil)
  }
  let architecture = GeneratorArchitecture(
    latent: 2, hidden: [4], numericHead: .clamp,
    blocks: [
      .categorical(count: 4, scale: 1), .categorical(count: 3, scale: 1),
      .binned(centers: (0..<6).map { Float($0) / 5 }, missingBin: false, scale: 1),
      .binned(centers: (0..<9).map { Float($0) / 8 }, missingBin: false, scale: 1),
    ])
  let loss = MarginalLoss(
    marginals: marginals, names: ["a", "b", "c", "d"],
    architecture: architecture, weight: 37, distance: distance)
  #expect(loss.groups[3] == groupsOfD && loss.groups[0...2].allSatisfy { $0 == nil })
  let b = 101, width = 22
  var rng = TestRNG(seed: 12)
  var heads = [Float](repeating: 0, count: b * width)
  for i in 0..<b {
    for (offset, count) in [(0, 4), (4, 3), (7, 6), (13, 9)] {
      let raw = (0..<count).map { _ in Float.random(in: 0.01...1, using: &rng) }
      let sum = raw.reduce(0, +)
      for x in 0..<count { heads[i * width + offset + x] = raw[x] / sum }
    }
  }
  var fast = [Float](repeating: 0.5, count: b * width), reference = fast
  let value = loss.evaluate(heads: heads, batch: b, gradient: &fast)
  let referenceValue = loss.evaluateReference(heads: heads, batch: b, gradient: &reference)
  // Float products of b ≤ 101 terms ≤ 1 against Double sums: relative error ≲ b·2⁻²⁴ ≈ 6e-6.
  #expect(abs(value - referenceValue) <= 1e-5 * max(1, abs(referenceValue)))
  let worst = zip(fast, reference).map { abs($0 - $1) }.max()!
  let size = reference.map { abs($0 - 0.5) }.max()!
  #expect(worst <= 1e-5 * max(1, size), "largest gradient difference \(worst)")
  // The grouped column's fine bins of one group get the same gradient from the grouped tables
  // (and differ through the fine 1-way table only): without the 1-way table of d, equal.
  let withoutOneWay = MarginalLoss(
    marginals: marginals.filter { $0.columns != ["d"] }, names: ["a", "b", "c", "d"],
    architecture: architecture, weight: 37, distance: distance)
  var g = [Float](repeating: 0, count: b * width)
  _ = withoutOneWay.evaluateReference(heads: heads, batch: b, gradient: &g)
  for i in [0, 50, 100] {
    let row = Array(g[(i * width + 13)..<(i * width + 22)])
    #expect(row[1] == row[2] && row[2] == row[3] && row[4] == row[5] && row[6] == row[8])
    #expect(row[0] != row[1] && row[3] != row[4])
  }
}

@Test("the grouped marginal term's head gradient matches finite differences (reference and fast)")
func groupedMarginalLossGradient() throws {
  // Column a: 3 categories; column b: 5 fine bins and missing, grouped 0 | 1 2 | 3 4 | missing.
  var rng = TestRNG(seed: 19)
  let architecture = GeneratorArchitecture(
    latent: 2, hidden: [4],
    blocks: [
      .categorical(count: 3, scale: 0.5),
      .binned(centers: [0, 0.25, 0.5, 0.75, 1], missingBin: true, scale: 0.5),
    ])
  func random(_ n: Int) -> [Double] {
    let x = (0..<n).map { _ in Double.random(in: 0.1...1, using: &rng) }
    let s = x.reduce(0, +)
    return x.map { $0 / s }
  }
  let marginals = [
    ReleasedMarginal(
      columns: ["b"], bins: [], shape: [6], sigma: 1, l2Sensitivity: 1,
      noisyCounts: [], probabilities: random(6)),
    ReleasedMarginal(
      columns: ["a", "b"], bins: [], shape: [3, 4], sigma: 1, l2Sensitivity: 1,
      noisyCounts: [], probabilities: random(12),
      binGroups: [[0, 1, 2], [0, 1, 1, 2, 2, 3]]),
  ]
  let loss = MarginalLoss(
    marginals: marginals, names: ["a", "b"], architecture: architecture,
    weight: 3)
  let b = 5
  let heads: [Float] = (0..<b).flatMap { _ in random(3).map(Float.init) + random(6).map(Float.init)
  }
  for fast in [false, true] {
    func evaluate(_ h: [Float], _ g: inout [Float]) -> Double {
      fast
        ? loss.evaluate(heads: h, batch: b, gradient: &g)
        : loss.evaluateReference(heads: h, batch: b, gradient: &g)
    }
    var gradient = [Float](repeating: 0, count: heads.count)
    _ = evaluate(heads, &gradient)
    var scratch = [Float](repeating: 0, count: heads.count)
    for index in heads.indices {
      var up = heads, down = heads
      up[index] += 1e-2
      down[index] -= 1e-2
      let numeric = (evaluate(up, &scratch) - evaluate(down, &scratch)) / 2e-2
      // Quadratic in the heads: central differences are exact up to float rounding.
      #expect(
        abs(numeric - Double(gradient[index])) < 1e-3 * max(1, abs(numeric)),
        "\(fast ? "fast" : "reference") head \(index): \(numeric) vs \(gradient[index])")
    }
  }
}

@Test("fit on a release with marginals uses binned heads and samples in-domain values")
func fitWithMarginals() throws {
  let schema = try mixedSchema()
  var rng = TestRNG(seed: 4)
  var text = "age,income,colour,city,id\n"
  for _ in 0..<600 {
    let age = Int.random(in: 17...90, using: &rng)
    let income = Bool.random(using: &rng) ? "NA" : String(Int.random(in: 0...100000, using: &rng))
    text +=
      "\(age),\(income),\(["red", "green", "blue"].randomElement(using: &rng)!),"
      + "\(age > 50 ? "A" : "B"),0.5\n"
  }
  var options = ReleaseOptions(epsilon: 8)
  options.delta = 1e-5
  options.slices = 10
  options.marginals = .allPairs
  options.projectionSeed = 3
  options.insecureTestNoiseSeed = 4
  let path = TestPaths.temporary("m.slg")
  _ = try Releaser.release(
    csvPath: TestPaths.write(text), schema: schema, options: options,
    outputPath: path)
  let release = try Release(contentsOf: path)
  var fit = FitOptions()
  fit.epochs = 2
  fit.batch = 32
  fit.hidden = [16]
  let model = try Trainer.fit(
    release: release, options: fit, outputPath: TestPaths.temporary("m.slgm"))
  #expect(model.header.bins != nil)
  #expect(
    model.header.architecture.blocks.contains { if case .binned = $0 { true } else { false } })
  var missing = 0
  try Sampler.generateRows(model: model, rows: 300, seed: 1) { fields in
    #expect((17...90).contains(Int(fields[0])!))
    if fields[1] == "" { missing += 1 } else { #expect((0...100000).contains(Double(fields[1])!)) }
    #expect(["red", "green", "blue"].contains(fields[2]))
  }
  #expect(missing > 0)  // the nullable column's missing bin is sampled
}

@Test("the marginal-fit criterion is the mean total variation of the plainly computed marginals")
func marginalFitMatchesPlainTotalVariation() {
  // Columns a (3 bins) and d (5 fine bins, 2 groups in the 2-way table); random heads.
  let groupsOfD = [0, 0, 1, 1, 1]
  let marginals = [
    ReleasedMarginal(
      columns: ["a"], bins: [], shape: [3], sigma: 1, l2Sensitivity: 2.squareRoot(),
      noisyCounts: [0, 0, 0], probabilities: [0.5, 0.3, 0.2]),
    ReleasedMarginal(
      columns: ["a", "d"], bins: [], shape: [3, 2], sigma: 1, l2Sensitivity: 2.squareRoot(),
      noisyCounts: Array(repeating: 0, count: 6),
      probabilities: [0.1, 0.2, 0.3, 0.1, 0.2, 0.1], binGroups: [[0, 1, 2], groupsOfD]),
  ]
  let architecture = GeneratorArchitecture(
    latent: 2, hidden: [4], numericHead: .clamp,
    blocks: [
      .categorical(count: 3, scale: 1),
      .binned(centers: (0..<5).map { Float($0) / 4 }, missingBin: false, scale: 1),
    ])
  let loss = MarginalLoss(
    marginals: marginals, names: ["a", "d"], architecture: architecture,
    weight: 1, distance: .kl)
  let b = 57, width = 8
  var rng = TestRNG(seed: 31)
  var heads = [Float](repeating: 0, count: b * width)
  for i in 0..<b {
    for (offset, count) in [(0, 3), (3, 5)] {
      let raw = (0..<count).map { _ in Float.random(in: 0.01...1, using: &rng) }
      let sum = raw.reduce(0, +)
      for x in 0..<count { heads[i * width + offset + x] = raw[x] / sum }
    }
  }
  var oneWay = [Double](repeating: 0, count: 3), twoWay = [Double](repeating: 0, count: 6)
  for i in 0..<b {
    for x in 0..<3 {
      let pa = Double(heads[i * width + x])
      oneWay[x] += pa / Double(b)
      for y in 0..<5 {
        twoWay[x * 2 + groupsOfD[y]] += pa * Double(heads[i * width + 3 + y]) / Double(b)
      }
    }
  }
  func tv(_ q: [Double], _ p: [Double]) -> Double {
    zip(q, p).map { abs($0 - $1) }.reduce(0, +) / 2
  }
  let expected =
    (tv(oneWay, marginals[0].probabilities) + tv(twoWay, marginals[1].probabilities)) / 2
  let value = loss.meanTotalVariation(heads: heads, batch: b)
  #expect(abs(value - expected) <= 1e-6, "\(value) against \(expected)")
  #expect(value > 0.01)  // random heads do not match these tables
}

@Test("implied pairs enter in turn, at the released tables' resolution, fast equal to reference")
func impliedPairTargets() throws {
  // a: 4 categories, b: 3, d: 9 bins that the measured pair a × d counts on 4 groups.
  let groupsOfD = [0, 1, 1, 1, 2, 2, 3, 3, 3]
  func uniform(_ n: Int) -> [Double] { [Double](repeating: 1 / Double(n), count: n) }
  let marginals = [
    ReleasedMarginal(
      columns: ["a"], bins: [], shape: [4], sigma: 1, l2Sensitivity: 1, noisyCounts: [],
      probabilities: uniform(4)),
    ReleasedMarginal(
      columns: ["b"], bins: [], shape: [3], sigma: 1, l2Sensitivity: 1, noisyCounts: [],
      probabilities: uniform(3)),
    ReleasedMarginal(
      columns: ["d"], bins: [], shape: [9], sigma: 1, l2Sensitivity: 1, noisyCounts: [],
      probabilities: uniform(9)),
    ReleasedMarginal(
      columns: ["a", "d"], bins: [], shape: [4, 4], sigma: 1, l2Sensitivity: 1, noisyCounts: [],
      probabilities: uniform(16), binGroups: [Array(0..<4), groupsOfD]),
  ]
  let architecture = GeneratorArchitecture(
    latent: 2, hidden: [4],
    blocks: [
      .categorical(count: 4, scale: 1), .categorical(count: 3, scale: 1),
      .binned(centers: (0..<9).map { Float($0) / 8 }, missingBin: false, scale: 1),
    ])
  // Fine joints for a × b (4 × 3) and b × d (3 × 9), cell k weighted k + 1.
  func joint(_ cells: Int) -> [Double] {
    (0..<cells).map { Double($0 + 1) / Double(cells * (cells + 1) / 2) }
  }
  let implied = [(a: 0, b: 1, joint: joint(12)), (a: 1, b: 2, joint: joint(27))]
  let loss = MarginalLoss(
    marginals: marginals, names: ["a", "b", "d"], architecture: architecture, weight: 5,
    distance: .kl, implied: implied, impliedWeight: 0.5, impliedPerStep: 1)
  #expect(loss.implied.map(\.shape) == [[4, 3], [3, 4]])
  #expect(loss.implied[1].grouped == [false, true] && loss.implied[1].weight == 0.5)
  // b × d summed onto d's groups: row y of b, group g of d.
  let bd = joint(27)
  for y in 0..<3 {
    for g in 0..<4 {
      let expected = (0..<9).filter { groupsOfD[$0] == g }.reduce(0.0) { $0 + bd[y * 9 + $1] }
      #expect(abs(loss.implied[1].probabilities[y * 4 + g] - expected) < 1e-15)
    }
  }
  #expect(loss.active(step: 0).last!.columns == [0, 1])
  #expect(loss.active(step: 1).last!.columns == [1, 2])
  #expect(loss.active(step: 2).last!.columns == [0, 1])
  #expect(loss.active(step: 7).count == marginals.count + 1)
  let b = 33, width = 16
  var rng = TestRNG(seed: 4)
  var heads = [Float](repeating: 0, count: b * width)
  for i in 0..<b {
    for (offset, count) in [(0, 4), (4, 3), (7, 9)] {
      let raw = (0..<count).map { _ in Float.random(in: 0.01...1, using: &rng) }
      let sum = raw.reduce(0, +)
      for x in 0..<count { heads[i * width + offset + x] = raw[x] / sum }
    }
  }
  var fast = [Float](repeating: 0, count: b * width), reference = fast
  let value = loss.evaluate(heads: heads, batch: b, gradient: &fast, step: 1)
  let referenceValue = loss.evaluateReference(
    heads: heads, batch: b, gradient: &reference, step: 1)
  #expect(abs(value - referenceValue) <= 1e-5 * max(1, abs(referenceValue)))
  #expect(zip(fast, reference).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($1)) })
  // The implied pair's term is counted with its weight: without it the value drops.
  let measuredOnly = MarginalLoss(
    marginals: marginals, names: ["a", "b", "d"], architecture: architecture, weight: 5,
    distance: .kl)
  var scratch = fast
  let measuredValue = measuredOnly.evaluate(heads: heads, batch: b, gradient: &scratch)
  #expect(measuredValue < value)
  #expect(
    MarginalLoss(
      marginals: marginals, names: ["a", "b", "d"], architecture: architecture, weight: 5,
      implied: implied, impliedWeight: 0, impliedPerStep: 4
    ).active(step: 3).count == marginals.count)
}
