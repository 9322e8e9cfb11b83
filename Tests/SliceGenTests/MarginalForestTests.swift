import Foundation
import Testing

@testable import SliceGen

@Suite("MarginalForest")
struct MarginalForestTests {
  /// Categorical bins of `count` categories.
  func bins(_ name: String, _ count: Int) -> ColumnBins {
    ColumnBins(
      name: name, kind: .categorical, count: count, lower: 0, upper: 0, widthBins: 0,
      integer: false, missingBin: nil)
  }

  func table(_ columns: [String], _ shape: [Int], _ p: [Double], groups: [[Int]]? = nil)
    -> ReleasedMarginal
  {
    ReleasedMarginal(
      columns: columns, bins: zip(columns, shape).map { bins($0, groups == nil ? $1 : 4) },
      shape: shape, sigma: 1, l2Sensitivity: 1, noisyCounts: p, probabilities: p,
      binGroups: groups)
  }

  /// A chain a — b — c with P(a) = (0.3, 0.7), P(b | a) and P(c | b) below, and d alone.
  var chain: [ReleasedMarginal] {
    let pa = [0.3, 0.7]
    let ba = [[0.9, 0.1], [0.2, 0.8]]  // P(b | a)
    let cb = [[0.6, 0.4], [0.1, 0.9]]  // P(c | b)
    let ab = (0..<4).map { pa[$0 / 2] * ba[$0 / 2][$0 % 2] }
    let pb = [ab[0] + ab[2], ab[1] + ab[3]]
    // Stored c-first, so the edge reads the table transposed.
    let cbTable = (0..<4).map { cell in pb[cell % 2] * cb[cell % 2][cell / 2] }
    let pc = [cbTable[0] + cbTable[1], cbTable[2] + cbTable[3]]
    return [
      table(["a"], [2], pa), table(["b"], [2], pb), table(["c"], [2], pc),
      table(["d"], [3], [0.2, 0.3, 0.5]), table(["a", "b"], [2, 2], ab),
      table(["c", "b"], [2, 2], cbTable),
    ]
  }

  @Test("implied joints follow the chain, independence across trees, measured pairs skipped")
  func impliedJoints() {
    let forest = MarginalForest(columns: ["a", "b", "c", "d"], marginals: chain)
    #expect(forest.usedPairs == 2 && forest.droppedPairs == 0)
    let implied = forest.impliedJoints(excluding: [[0, 1], [1, 2]])
    #expect(implied.map { [$0.a, $0.b] } == [[0, 2], [0, 3], [1, 3], [2, 3]])
    // P(a, c) = Σ_b P(a) P(b | a) P(c | b).
    let pa = [0.3, 0.7]
    let ba = [[0.9, 0.1], [0.2, 0.8]], cb = [[0.6, 0.4], [0.1, 0.9]]
    let ac = implied[0].joint
    for x in 0..<2 {
      for z in 0..<2 {
        let expected = (0..<2).reduce(0.0) { $0 + pa[x] * ba[x][$1] * cb[$1][z] }
        #expect(abs(ac[x * 2 + z] - expected) < 1e-12)
      }
    }
    // a and d lie in different trees: the product of their marginals.
    let ad = implied[1].joint
    for x in 0..<2 {
      for y in 0..<3 { #expect(abs(ad[x * 3 + y] - pa[x] * [0.2, 0.3, 0.5][y]) < 1e-12) }
    }
    // Walking from c up to b uses Bayes' rule: the (b, d) joint still sums to P(b).
    let bd = implied[2].joint
    #expect(abs(bd[0] + bd[1] + bd[2] - (0.3 * 0.9 + 0.7 * 0.2)) < 1e-12)
  }

  @Test("rows drawn from the forest reproduce its measured pairs and leave the rest independent")
  func forwardSampling() {
    let forest = MarginalForest(columns: ["a", "b", "c", "d"], marginals: chain)
    var rng = SeededStream.make(seed: 5, stream: SeededStream.independentSampling)
    var bins = [0, 0, 0, 0]
    let n = 200_000
    var ab = [Double](repeating: 0, count: 4), bd = [Double](repeating: 0, count: 6)
    for _ in 0..<n {
      forest.draw(into: &bins, using: &rng)
      ab[bins[0] * 2 + bins[1]] += 1 / Double(n)
      bd[bins[1] * 3 + bins[3]] += 1 / Double(n)
    }
    let expectedAB = chain[4].probabilities
    for cell in 0..<4 { #expect(abs(ab[cell] - expectedAB[cell]) < 0.005) }
    let pb = chain[1].probabilities, pd = [0.2, 0.3, 0.5]
    for cell in 0..<6 { #expect(abs(bd[cell] - pb[cell / 3] * pd[cell % 3]) < 0.005) }
    // Without pairs, every column on its own: a and b independent.
    let floor = MarginalForest(columns: ["a", "b", "c", "d"], marginals: chain, pairs: false)
    #expect(floor.usedPairs == 0)
    var independentAB = [Double](repeating: 0, count: 4)
    for _ in 0..<n {
      floor.draw(into: &bins, using: &rng)
      independentAB[bins[0] * 2 + bins[1]] += 1 / Double(n)
    }
    for cell in 0..<4 {
      #expect(abs(independentAB[cell] - [0.3, 0.7][cell / 2] * pb[cell % 2]) < 0.005)
    }
  }

  @Test("a cycle of measured pairs loses the pair of least mutual information")
  func cycle() {
    let strong = [0.45, 0.05, 0.05, 0.45], weak = [0.3, 0.2, 0.2, 0.3]
    let half = [0.5, 0.5]
    let marginals = [
      table(["a"], [2], half), table(["b"], [2], half), table(["c"], [2], half),
      table(["a", "b"], [2, 2], strong), table(["b", "c"], [2, 2], strong),
      table(["a", "c"], [2, 2], weak),
    ]
    let forest = MarginalForest(columns: ["a", "b", "c"], marginals: marginals)
    #expect(forest.usedPairs == 2 && forest.droppedPairs == 1)
    // a and c are then tied through b: P(a = c) = 0.9² + 0.1² = 0.82, not the dropped 0.6.
    let ac = forest.impliedJoints(excluding: [[0, 1], [1, 2]])[0]
    #expect(ac.a == 0 && ac.b == 2)
    #expect(abs(ac.joint[0] + ac.joint[3] - 0.82) < 1e-12)
  }

  @Test("a pair counted on groups fixes the group; the fine bin follows the 1-way table")
  func groupedChild() {
    // b has 4 fine bins in 2 groups {0, 1} and {2, 3}; a decides b's group exactly.
    let pb = [0.1, 0.4, 0.125, 0.375]
    let marginals = [
      table(["a"], [2], [0.5, 0.5]),
      ReleasedMarginal(
        columns: ["b"], bins: [bins("b", 4)], shape: [4], sigma: 1, l2Sensitivity: 1,
        noisyCounts: pb, probabilities: pb),
      ReleasedMarginal(
        columns: ["a", "b"], bins: [bins("a", 2), bins("b", 4)], shape: [2, 2], sigma: 1,
        l2Sensitivity: 1, noisyCounts: [0.5, 0, 0, 0.5], probabilities: [0.5, 0, 0, 0.5],
        binGroups: [[0, 1], [0, 0, 1, 1]]),
    ]
    let forest = MarginalForest(columns: ["a", "b"], marginals: marginals)
    var rng = SeededStream.make(seed: 9, stream: SeededStream.independentSampling)
    var bins = [0, 0]
    var counts = [[Double]](repeating: [0, 0, 0, 0], count: 2)
    let n = 100_000
    for _ in 0..<n {
      forest.draw(into: &bins, using: &rng)
      counts[bins[0]][bins[1]] += 1
    }
    // a = 0 gives b in {0, 1} split 1 : 4; a = 1 gives b in {2, 3} split 1 : 3.
    #expect(counts[0][2] == 0 && counts[0][3] == 0 && counts[1][0] == 0 && counts[1][1] == 0)
    #expect(abs(counts[0][1] / (counts[0][0] + counts[0][1]) - 0.8) < 0.01)
    #expect(abs(counts[1][3] / (counts[1][2] + counts[1][3]) - 0.75) < 0.01)
  }
}
