// Consistency of tables whose columns are on fine bins or on groups of them
// (Sources/SliceGen/Marginals/MarginalConsistency.swift): without groups it is the ungrouped
// algorithm exactly; with groups the 1-way group sums agree with the 2-way marginals.

import Foundation
import Testing

@testable import SliceGen

/// The consistency algorithm as it was before grouped columns, verbatim: the reference the
/// identity-groups case must reproduce bit for bit.
private func ungroupedConsistentTables(
  queries: [(columns: [Int], shape: [Int])], counts: [[Double]], sigmas: [Double], rows: Int,
  rounds: Int = 8
) -> [MarginalTable] {
  let n = Double(max(rows, 1))
  var tables = zip(queries, counts).map { query, c in
    MarginalTable(columns: query.columns, shape: query.shape, probabilities: c.map { $0 / n })
  }
  for index in tables.indices {
    tables[index].probabilities = MarginalConsistency.projectOntoSimplex(
      tables[index].probabilities)
  }
  var columns = Set<Int>()
  for t in tables { columns.formUnion(t.columns) }
  for _ in 0..<rounds {
    for column in columns.sorted() {
      var numerator: [Double]? = nil
      var precision = 0.0
      for (index, table) in tables.enumerated() {
        guard let position = table.columns.firstIndex(of: column) else { continue }
        let estimate = MarginalConsistency.marginal(of: table, position: position)
        let others = table.cellCount / table.shape[position]
        let variance = Double(others) * pow(sigmas[index] / n, 2)
        let w = 1 / max(variance, 1e-300)
        if numerator == nil { numerator = [Double](repeating: 0, count: estimate.count) }
        for i in estimate.indices { numerator![i] += w * estimate[i] }
        precision += w
      }
      guard let numerator else { continue }
      let combined = MarginalConsistency.projectOntoSimplex(numerator.map { $0 / precision })
      for index in tables.indices {
        guard let position = tables[index].columns.firstIndex(of: column) else { continue }
        MarginalConsistency.shift(&tables[index], position: position, to: combined)
      }
    }
    for index in tables.indices {
      tables[index].probabilities = MarginalConsistency.projectOntoSimplex(
        tables[index].probabilities)
    }
  }
  return tables
}

@Suite("Marginal consistency with grouped columns")
struct MarginalConsistencyTests {
  /// Noisy counts of a random joint over columns with `shapes` bins: every 1-way table and the
  /// listed 2-way tables, σ per table.
  func noisyTables(
    shapes: [Int], pairs: [(Int, Int)], rows: Int, sigmas: [Double], seed: UInt64
  ) -> (queries: [(columns: [Int], shape: [Int])], counts: [[Double]]) {
    var rng = TestRNG(seed: seed)
    var queries: [(columns: [Int], shape: [Int])] = shapes.indices.map { ([$0], [shapes[$0]]) }
    for (a, b) in pairs { queries.append(([a, b], [shapes[a], shapes[b]])) }
    let counts = queries.enumerated().map { q, query in
      let cells = query.shape.reduce(1, *)
      return (0..<cells).map { _ in
        Double(rows) / Double(cells) * Double.random(in: 0.2...1.8, using: &rng)
          + sigmas[q] * Double.random(in: -2...2, using: &rng)
      }
    }
    return (queries, counts)
  }

  @Test("identity groups (absent or written out) give today's ungrouped result exactly")
  func identityEquivalence() {
    for seed: UInt64 in 1...6 {
      let shapes = [4, 7, 3, 12]
      let pairs = [(0, 1), (0, 3), (1, 2), (2, 3), (1, 3)]
      var rng = TestRNG(seed: seed &+ 100)
      let sigmas = (0..<(shapes.count + pairs.count)).map { _ in
        Double.random(in: 5...80, using: &rng)
      }
      let (queries, counts) = noisyTables(
        shapes: shapes, pairs: pairs, rows: 1500, sigmas: sigmas, seed: seed)
      let reference = ungroupedConsistentTables(
        queries: queries, counts: counts, sigmas: sigmas, rows: 1500)
      let plain = MarginalConsistency.consistentTables(
        queries: queries, counts: counts, sigmas: sigmas, rows: 1500)
      let identity = MarginalConsistency.consistentTables(
        queries: queries.map { q in (q.columns, q.shape, q.shape.map { Array(0..<$0) }) },
        counts: counts, sigmas: sigmas, rows: 1500)
      #expect(plain.map(\.probabilities) == reference.map(\.probabilities), "seed \(seed)")
      #expect(identity.map(\.probabilities) == reference.map(\.probabilities), "seed \(seed)")
      #expect(
        MarginalConsistency.maximumDisagreement(identity)
          == MarginalConsistency.maximumDisagreement(reference))
    }
  }

  /// Column 0: 10 fine bins, grouped as 0 | 1 2 3 | 4 5 | 6 7 8 | 9 in 2-way tables; column 1:
  /// 3 categories; column 2: 6 fine bins, grouped as 0 | 1 2 | 3 4 5.
  static let map0 = [0, 1, 1, 1, 2, 2, 3, 3, 3, 4]
  static let map2 = [0, 1, 1, 2, 2, 2]
  static let identity1 = [0, 1, 2]

  /// The grouped queries: three 1-way tables on fine bins, the pairs (0, 1), (0, 2), (1, 2).
  static let groupedQueries: [(columns: [Int], shape: [Int], groups: [[Int]]?)] = [
    ([0], [10], nil), ([1], [3], nil), ([2], [6], nil),
    ([0, 1], [5, 3], [map0, identity1]), ([0, 2], [5, 3], [map0, map2]),
    ([1, 2], [3, 3], [identity1, map2]),
  ]

  /// A random joint of the three columns on fine bins (10 × 3 × 6), and its tables at the
  /// queries' resolutions, as counts over n rows.
  static func exactCounts(rows n: Int, seed: UInt64) -> [[Double]] {
    var rng = TestRNG(seed: seed)
    var joint = (0..<180).map { _ in Double.random(in: 0.1...1, using: &rng) }
    let total = joint.reduce(0, +)
    joint = joint.map { $0 / total * Double(n) }
    var tables = groupedQueries.map { [Double](repeating: 0, count: $0.shape.reduce(1, *)) }
    for x in 0..<10 {
      for y in 0..<3 {
        for z in 0..<6 {
          let v = joint[(x * 3 + y) * 6 + z]
          tables[0][x] += v
          tables[1][y] += v
          tables[2][z] += v
          tables[3][map0[x] * 3 + y] += v
          tables[4][map0[x] * 3 + map2[z]] += v
          tables[5][y * 3 + map2[z]] += v
        }
      }
    }
    return tables
  }

  @Test("exact grouped counts come back unchanged (the truth is a fixed point)")
  func exactIsFixed() {
    let counts = Self.exactCounts(rows: 5000, seed: 3)
    let tables = MarginalConsistency.consistentTables(
      queries: Self.groupedQueries, counts: counts, sigmas: [10, 10, 10, 20, 20, 20], rows: 5000)
    for (table, exact) in zip(tables, counts) {
      let worst = zip(table.probabilities, exact).map { abs($0 - $1 / 5000) }.max()!
      #expect(worst < 1e-12, "table \(table.columns): \(worst)")
    }
    #expect(MarginalConsistency.maximumDisagreement(tables) < 1e-12)
  }

  @Test("noisy grouped tables: non-negative, sum to one, 1-way group sums agree with the 2-ways")
  func groupedAgreement() {
    var rng = TestRNG(seed: 11)
    var counts = Self.exactCounts(rows: 3000, seed: 5)
    let sigmas = [15.0, 15, 15, 30, 30, 30]
    for t in counts.indices {
      counts[t] = counts[t].map { $0 + sigmas[t] * Double.random(in: -2...2, using: &rng) }
    }
    let tables = MarginalConsistency.consistentTables(
      queries: Self.groupedQueries, counts: counts, sigmas: sigmas, rows: 3000)
    for t in tables {
      #expect(t.probabilities.allSatisfy { $0 >= 0 })
      #expect(abs(t.probabilities.reduce(0, +) - 1) < 1e-9)
    }
    let disagreement = MarginalConsistency.maximumDisagreement(tables)
    #expect(disagreement < 1e-3)
    // The same, by hand: group sums of the fine 1-way table against the 2-way marginal.
    let sums = BinGroups.sums(tables[0].probabilities, map: Self.map0)
    let fromPair = MarginalConsistency.marginal(of: tables[4], position: 0)
    let worst = zip(sums, fromPair).map { abs($0 - $1) }.max()!
    #expect(worst <= disagreement + 1e-15)
    // maximumDisagreement compares group sums: the fine table itself has 10 cells, the pair's
    // marginal 5, and comparing them cell by cell would not even be defined.
    #expect(tables[0].probabilities.count == 10 && fromPair.count == 5)
  }

  @Test("one round by hand: 1-way group sums weighted 1/(|g|·σ₁²), the 2-way marginal 1/(K·σ₂²)")
  func weightsByHand() {
    // Column 0: 4 fine bins grouped 0 | 1 2 | 3 (sizes 1, 2, 1); column 1: 2 categories. The
    // 2-way table (3 × 2) has K_other = 2 cells per group. Counts sum to n, all positive, so
    // the simplex projections before the combination change nothing.
    let n = 1000.0
    let fine: [Double] = [100, 300, 250, 350]
    let pair: [Double] = [60, 80, 200, 300, 160, 200]  // group sums 140, 500, 360
    let other: [Double] = [420, 580]
    let (sigma1, sigma2) = (10.0, 20.0)
    let tables = MarginalConsistency.consistentTables(
      queries: [([0], [4], nil), ([1], [2], nil), ([0, 1], [3, 2], [[0, 1, 1, 2], [0, 1]])],
      counts: [fine, other, pair], sigmas: [sigma1, sigma1, sigma2], rows: 1000, rounds: 1)
    let sums = BinGroups.sums(fine, map: [0, 1, 1, 2]), marginal: [Double] = [140, 500, 360]
    let sizes = [1.0, 2, 1]
    let combined = MarginalConsistency.projectOntoSimplex(
      (0..<3).map { g in
        let w1 = 1 / (sizes[g] * sigma1 * sigma1), w2 = 1 / (2 * sigma2 * sigma2)
        return (w1 * sums[g] + w2 * marginal[g]) / (w1 + w2) / n
      })
    // The 2-way table's marginal of column 0 is the combination (column 1's combination comes
    // after and shifts along column 0's cells evenly, which leaves this marginal as it is).
    let got = MarginalConsistency.marginal(of: tables[2], position: 0)
    #expect(zip(got, combined).allSatisfy { abs($0 - $1) < 1e-12 }, "\(got) vs \(combined)")
    // The fine table: each group's difference spread evenly over its fine bins.
    let expected = (0..<4).map { x -> Double in
      let g = [0, 1, 1, 2][x]
      return fine[x] / n + (combined[g] - sums[g] / n) / sizes[g]
    }
    #expect(
      zip(tables[0].probabilities, expected).allSatisfy { abs($0 - $1) < 1e-12 },
      "\(tables[0].probabilities) vs \(expected)")
  }

  @Test("weights: a precise 2-way fixes the 1-way group sums; the fine shape within groups stays")
  func groupedWeights() {
    // Exact 2-way tables with tiny σ; the fine 1-way table of column 0 perturbed within and
    // across groups, with a large σ. The combined coarse estimate is then (almost) the 2-way
    // marginal: the 1-way precision per group is 1/(|g|·σ₁²) ≪ 1/(K_other·σ₂²).
    let n = 4000
    let exact = Self.exactCounts(rows: n, seed: 8)
    var counts = exact
    let perturbation: [Double] = [30, -20, 25, -15, 40, 10, -30, 20, 5, -35]
    counts[0] = zip(counts[0], perturbation).map { $0 + $1 }
    let sigmas = [200.0, 1e-3, 1e-3, 1e-3, 1e-3, 1e-3]
    let tables = MarginalConsistency.consistentTables(
      queries: Self.groupedQueries, counts: counts, sigmas: sigmas, rows: n)
    let sums = BinGroups.sums(tables[0].probabilities, map: Self.map0)
    let trueSums = BinGroups.sums(exact[0].map { $0 / Double(n) }, map: Self.map0)
    // Weight of the 1-way table relative to the 2-ways: (K_other·σ₂²)/(|g|·σ₁²) ≤ 3e-6/4e4:
    // the group sums are the truth to far below the perturbation (up to 40/4000 = 1e-2).
    #expect(zip(sums, trueSums).map { abs($0 - $1) }.max()! < 1e-9)
    // Within a group the differences of the noisy fine table survive (the shift is even over a
    // group's fine cells, and nothing is clipped).
    let noisy = counts[0].map { $0 / Double(n) }
    let fine = tables[0].probabilities
    for (x, y) in [(1, 2), (2, 3), (4, 5), (6, 7), (7, 8)] {
      #expect(abs((fine[x] - fine[y]) - (noisy[x] - noisy[y])) < 1e-9, "bins \(x), \(y)")
    }
  }
}
