// Tests of PairCounts (PairScores.swift): the exact 2-way tables of every candidate pair against
// direct counts, on packed and strided codes; the candidate order; the limits and their messages;
// and the score of a pair, ‖C − n·p̂_a ⊗ p̂_b‖₁, against the formula written out.

import Foundation
import Testing

@_spi(Benchmarks) @testable import SliceGen

@Suite("Pair scores")
struct PairScoresTests {
  @Test("candidate counting has limits, with messages that say what to do")
  func limits() {
    #expect(throws: Never.self) {
      try PairCounts(binCounts: Array(repeating: 33, count: 65), mode: .tree)
    }
    #expect {
      try PairCounts(binCounts: Array(repeating: 2, count: 142), mode: .tree)
    } throws: { error in
      let message = (error as? OptionError)?.description ?? ""
      return message.contains("10011 candidate pairs") && message.contains("limit of 10000")
    }
    #expect {
      try PairCounts(binCounts: Array(repeating: 100, count: 60), mode: .largest(3))
    } throws: { error in
      (error as? OptionError)?.description.contains("above the limit of 16777216") == true
    }
    #expect(throws: OptionError.self) { try PairCounts(binCounts: [3], mode: .tree) }
  }

  @Test("exact pair counts of Adult agree with a direct count")
  func adultCounts() throws {
    let schema = try Schema(contentsOf: TestPaths.adultSchema)
    let (codes, rows, bins) = try Encoding(schema: schema).binCodes(csvPath: TestPaths.adultTrain)
    var counts = try PairCounts(binCounts: bins.map(\.count), mode: .tree)
    codes.withUnsafeBufferPointer { counts.add(codes: $0.baseAddress!, rows: rows) }
    #expect(counts.pairs.count == 78)
    let c = bins.count
    for p in [0, 40, 77] {
      let (a, b) = counts.pairs[p]
      var direct = [Double](repeating: 0, count: bins[a].count * bins[b].count)
      for r in 0..<rows {
        direct[Int(codes[r * c + a]) * bins[b].count + Int(codes[r * c + b])] += 1
      }
      #expect(counts.table(p) == direct)
    }
  }

  @Test("candidates in the order (0,1), (0,2), …, (1,2), …; every table sums to the rows")
  func orderAndTotals() throws {
    var rng = TestRNG(seed: 12)
    let shape = [3, 1, 4, 2]
    var counts = try PairCounts(binCounts: shape, mode: .tree)
    #expect(
      counts.pairs.map { [$0.0, $0.1] } == [[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]])
    #expect(counts.largestTable == 3 * 4)
    let rows = 37
    let codes = (0..<rows).flatMap { _ in shape.map { Int32(Int.random(in: 0..<$0, using: &rng)) } }
    codes.withUnsafeBufferPointer { counts.add(codes: $0.baseAddress!, rows: rows) }
    for p in counts.pairs.indices {
      let (a, b) = counts.pairs[p]
      let table = counts.table(p)
      #expect(table.count == shape[a] * shape[b])
      #expect(table.reduce(0, +) == Double(rows))
    }
  }

  @Test("strided codes (codesPerRow > columns) count the same as packed ones, in two batches")
  func stridedCodes() throws {
    var rng = TestRNG(seed: 13)
    let shape = [2, 5, 3]
    let rows = 50, stride = 5
    let packed = (0..<rows).flatMap { _ in shape.map { Int32(Int.random(in: 0..<$0, using: &rng)) }
    }
    // Each row's codes followed by two other values the counter must not read as codes.
    let strided: [Int32] = (0..<rows).flatMap { r in packed[(3 * r)..<(3 * r + 3)] + [-1, 99] }
    var a = try PairCounts(binCounts: shape, mode: .tree)
    var b = try PairCounts(binCounts: shape, mode: .tree)
    packed.withUnsafeBufferPointer { a.add(codes: $0.baseAddress!, rows: rows) }
    strided.withUnsafeBufferPointer {
      b.add(codes: $0.baseAddress!, rows: 20, codesPerRow: stride)
      b.add(codes: $0.baseAddress! + 20 * stride, rows: rows - 20, codesPerRow: stride)
    }
    for p in a.pairs.indices { #expect(a.table(p) == b.table(p)) }
  }

  @Test("scores: ‖C − n·p̂_a ⊗ p̂_b‖₁ per pair, 0 when the counts are the independent model")
  func scores() throws {
    // Every combination of (a, b, c) once: each 2-way table is uniform, so with uniform p̂ the
    // independent model predicts the counts exactly.
    let shape = [2, 3, 4]
    var uniform = try PairCounts(binCounts: shape, mode: .tree)
    var all: [Int32] = []
    for a in 0..<2 { for b in 0..<3 { for c in 0..<4 { all += [Int32(a), Int32(b), Int32(c)] } } }
    all.withUnsafeBufferPointer { uniform.add(codes: $0.baseAddress!, rows: 24) }
    let flat = shape.map { [Double](repeating: 1 / Double($0), count: $0) }
    #expect(uniform.scores(oneWay: flat, rows: 24).allSatisfy { abs($0) < 1e-12 })
    // A random table and random p̂: the formula written out.
    var rng = TestRNG(seed: 14)
    var counts = try PairCounts(binCounts: shape, mode: .largest(1))
    let rows = 40
    let codes = (0..<rows).flatMap { _ in shape.map { Int32(Int.random(in: 0..<$0, using: &rng)) } }
    codes.withUnsafeBufferPointer { counts.add(codes: $0.baseAddress!, rows: rows) }
    let oneWay = shape.map { k -> [Double] in
      let w = (0..<k).map { _ in Double.random(in: 0.1...1, using: &rng) }
      return w.map { $0 / w.reduce(0, +) }
    }
    let scores = counts.scores(oneWay: oneWay, rows: rows)
    for (p, (a, b)) in counts.pairs.enumerated() {
      var table = [Double](repeating: 0, count: shape[a] * shape[b])
      for r in 0..<rows { table[Int(codes[3 * r + a]) * shape[b] + Int(codes[3 * r + b])] += 1 }
      var distance = 0.0
      for x in 0..<shape[a] {
        for y in 0..<shape[b] {
          distance += abs(table[x * shape[b] + y] - Double(rows) * oneWay[a][x] * oneWay[b][y])
        }
      }
      #expect(abs(scores[p] - distance) <= 1e-9 * max(1, distance), "pair \(a), \(b)")
    }
  }
}
