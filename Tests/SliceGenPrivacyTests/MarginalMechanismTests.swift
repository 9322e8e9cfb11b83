// Tests of MarginalMechanism: the counts behind the noise (read through `finish` at a σ so small
// that snapping returns them exactly) against direct counts, cells row-major in the query's
// column order; the L2 sensitivity √2 of a count vector over every replace-one neighbour (brute
// force); and the published values: on the count grid, centred on the counts with spread σ.

import Foundation
import Testing

@testable import SliceGenPrivacy

@Suite("Marginal mechanism")
struct MarginalMechanismTests {
  /// σ = 1e-6 on the integer grid: |noise| < 0.5 with probability 1 − 2·Φ(−5·10⁵), so the
  /// published values are the counts themselves.
  static func exactCounts(_ mechanism: MarginalMechanism, seed: UInt64 = 1) -> [[Double]] {
    var copy = mechanism
    var noise = SecureNoise.insecureForTesting(seed: seed)
    return copy.finish(
      sigmas: [Double](repeating: 1e-6, count: mechanism.queries.count), noise: &noise)
  }

  /// Deterministic codes: row r, column c gets (r·(c + 3) + c) mod shape[c].
  static func codes(rows: Int, shape: [Int], stride: Int) -> [Int32] {
    var codes = [Int32](repeating: 0, count: rows * stride)
    for r in 0..<rows {
      for c in shape.indices { codes[r * stride + c] = Int32((r * (c + 3) + c) % shape[c]) }
    }
    return codes
  }

  @Test("counts are direct counts, cells row-major in the query's column order, rows summed")
  func counting() {
    let shape = [2, 3, 4]
    let stride = 4  // one code per row the queries never read
    let queries = [
      MarginalMechanism.Query(columns: [1], shape: [3]),
      MarginalMechanism.Query(columns: [2, 0], shape: [4, 2]),
      MarginalMechanism.Query(columns: [0, 1, 2], shape: [2, 3, 4]),
    ]
    var mechanism = MarginalMechanism(queries: queries, codesPerRow: stride)
    let first = Self.codes(rows: 7, shape: shape, stride: stride)
    let second = Self.codes(rows: 11, shape: shape, stride: stride)
    first.withUnsafeBufferPointer { mechanism.add(codes: $0.baseAddress!, rows: 7) }
    second.withUnsafeBufferPointer { mechanism.add(codes: $0.baseAddress!, rows: 11) }
    #expect(mechanism.rows == 18)
    var direct = queries.map { [Double](repeating: 0, count: $0.cellCount) }
    for codes in [first, second] {
      for r in 0..<(codes.count / stride) {
        let c = (0..<3).map { Int(codes[r * stride + $0]) }
        direct[0][c[1]] += 1
        direct[1][c[2] * 2 + c[0]] += 1
        direct[2][(c[0] * 3 + c[1]) * 4 + c[2]] += 1
      }
    }
    #expect(Self.exactCounts(mechanism) == direct)
  }

  @Test("replacing any row by any point moves each count vector by exactly √2 or not at all")
  func sensitivity() {
    let shape = [2, 3]
    let queries = [
      MarginalMechanism.Query(columns: [0], shape: [2]),
      MarginalMechanism.Query(columns: [0, 1], shape: [2, 3]),
    ]
    let rows = 5
    let table = Self.codes(rows: rows, shape: shape, stride: 2)
    func counts(_ codes: [Int32]) -> [[Double]] {
      var mechanism = MarginalMechanism(queries: queries, codesPerRow: 2)
      codes.withUnsafeBufferPointer { mechanism.add(codes: $0.baseAddress!, rows: rows) }
      return Self.exactCounts(mechanism)
    }
    let base = counts(table)
    var largest = 0.0
    for row in 0..<rows {
      for a in 0..<2 {
        for b in 0..<3 {
          var neighbour = table
          neighbour[2 * row] = Int32(a)
          neighbour[2 * row + 1] = Int32(b)
          for (q, moved) in counts(neighbour).enumerated() {
            let l2 = zip(base[q], moved).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
              .squareRoot()
            #expect(l2 == 0 || abs(l2 - MarginalMechanism.l2Sensitivity) < 1e-12)
            largest = max(largest, l2)
          }
        }
      }
    }
    #expect(abs(largest - 2.0.squareRoot()) < 1e-12, "the bound is reached")
  }

  @Test("published counts lie on the count grid, centred on the counts with spread σ")
  func noise() {
    // Counts given directly: 20,000 cells of 100 each, σ = 3 (integer grid) and σ = 500 (grid
    // 4: the power of two in (500/128, 500/64]).
    let cells = 20_000
    let query = MarginalMechanism.Query(columns: [0], shape: [cells])
    var mechanism = MarginalMechanism(
      queries: [query, query],
      counts: Array(repeating: [Double](repeating: 100, count: cells), count: 2), rows: 100 * cells)
    var noise = SecureNoise.insecureForTesting(seed: 9)
    let out = mechanism.finish(sigmas: [3, 500], noise: &noise)
    for (values, sigma, grid) in [(out[0], 3.0, 1.0), (out[1], 500.0, 4.0)] {
      #expect(values.allSatisfy { ($0 / grid).rounded() == $0 / grid }, "σ = \(sigma)")
      let mean = values.reduce(0, +) / Double(cells)
      let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(cells - 1)
      // Rounding to the grid adds about grid²/12 to the variance. The mean's standard error is
      // σ/√n (σ/141); the sample variance's relative standard error is √(2/n) = 1 %. Tolerances:
      // 5 standard errors.
      let expected = sigma * sigma + grid * grid / 12
      #expect(abs(mean - 100) < 5 * sigma / Double(cells).squareRoot(), "σ = \(sigma): \(mean)")
      #expect(abs(variance / expected - 1) < 5 * (2 / Double(cells)).squareRoot(), "σ = \(sigma)")
    }
  }
}
