// Radix selection of the estimator's median distance against its plain reference, a sort:
// the same elements, bit for bit, on random, tied and clustered values and odd orders.

import Foundation
import Testing

@testable import SliceGen

@Suite("Order statistics")
struct OrderStatisticsTests {
  /// The strict upper triangle of an n × n matrix (row stride n + 3) filled by `value`.
  private func check(order n: Int, _ value: (Int, Int) -> Float) {
    let stride = n + 3
    var a = [Float](repeating: -1, count: n * stride)  // on and below the diagonal: not read
    var lower: [Float] = []
    for i in 0..<n {
      for j in (i + 1)..<max(n, i + 1) {
        a[i * stride + j] = value(i, j)
        lower.append(value(i, j))
      }
    }
    let sorted = lower.sorted()
    let scratch = OrderStatisticsScratch(capacity: lower.count)
    for rank in Set(
      [0, 1, lower.count / 2, lower.count - 1].filter { $0 >= 0 && $0 < lower.count })
    {
      let (below, at) = a.withUnsafeBufferPointer {
        upperTriangleOrderStatistics(
          $0.baseAddress!, order: n, stride: stride, rank: rank, scratch: scratch)
      }
      #expect(at.bitPattern == sorted[rank].bitPattern)
      if rank > 0 {
        #expect(below?.bitPattern == sorted[rank - 1].bitPattern)
      } else {
        #expect(below == nil)
      }
    }
  }

  @Test("random values", arguments: [2, 3, 17, 64, 129])
  func random(order n: Int) {
    var rng = SystemRandomNumberGenerator()  // values only; the assertion is exact for any draw
    let values = (0..<(n * n)).map { _ in Float.random(in: 0..<10, using: &rng) }
    check(order: n) { i, j in values[i * n + j] }
  }

  @Test("ties, zeros and one crowded bucket")
  func ties() {
    check(order: 50) { i, j in Float((i * 7 + j) % 3) }  // only 0, 1, 2
    check(order: 50) { i, j in 1 + Float((i + j) % 5) * 1e-6 }  // all within one 1/16-octave bucket
    check(order: 40) { _, _ in 0 }
  }

  @Test("values spread over many octaves")
  func octaves() {
    check(order: 60) { i, j in powf(2, Float((i * 31 + j * 17) % 60) - 30) }
  }
}
