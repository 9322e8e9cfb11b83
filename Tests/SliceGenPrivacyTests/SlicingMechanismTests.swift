import Testing

@testable import SliceGenPrivacy

@Suite("Slicing mechanism")
struct SlicingMechanismTests {
  @Test("the same seed gives the same U; U has N(0, 1/d) entries")
  func directions() {
    let a = SlicingMechanism.directions(encodedWidth: 20, projectionCount: 500, seed: 4)
    #expect(a == SlicingMechanism.directions(encodedWidth: 20, projectionCount: 500, seed: 4))
    #expect(a != SlicingMechanism.directions(encodedWidth: 20, projectionCount: 500, seed: 5))
    let variance = a.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(a.count)
    // 10,000 entries: relative SE of the variance √(2/n) = 1.4 %; 5 SE.
    #expect(abs(variance * 20 - 1) < 0.07)
  }

  @Test("rows are shuffled: each input row lands anywhere")
  func shuffle() {
    // One-hot rows i in d = rows dims, U = identity-like via seed; with σ tiny we can find each
    // row's position by its projection and check the permutation is not the identity.
    let n = 50, d = 50
    var x = [Float](repeating: 0, count: n * d)
    for i in 0..<n { x[i * d + i] = 1 }
    var mechanism = SlicingMechanism(
      encodedWidth: d, projectionCount: 8, seed: 1, subsampling: nil,
      noise: .insecureForTesting(seed: 3))
    x.withUnsafeBufferPointer { mechanism.append(encoded: $0.baseAddress!, rows: n) }
    let u = mechanism.directions
    let out = mechanism.finish(sigma: 1e-3)
    var moved = 0
    for position in 0..<n {
      // The row at `position` equals U's row r for some r.
      let row = Array(out[(position * 8)..<(position * 8 + 8)])
      let source = (0..<n).min { a, b in
        zip(row, u[(a * 8)..<(a * 8 + 8)]).reduce(0) { $0 + abs($1.0 - $1.1) }
          < zip(row, u[(b * 8)..<(b * 8 + 8)]).reduce(0) { $0 + abs($1.0 - $1.1) }
      }!
      if source != position { moved += 1 }
    }
    #expect(moved > n / 2)
  }

  /// A mechanism over rows x_i = (i + 1)/n in d = 1, so each output row names its source.
  func ramp(rows n: Int, projections: Int, noiseSeed: UInt64) -> SlicingMechanism {
    let x = (0..<n).map { Float($0 + 1) / Float(n) }
    var mechanism = SlicingMechanism(
      encodedWidth: 1, projectionCount: projections, seed: 11, subsampling: nil,
      noise: .insecureForTesting(seed: noiseSeed))
    // In uneven blocks, as a CSV reader hands them over.
    var start = 0
    for size in [1, 7, 500, 1, 999, 4096] where start < n {
      let count = min(size, n - start)
      x.withUnsafeBufferPointer { mechanism.append(encoded: $0.baseAddress! + start, rows: count) }
      start += count
    }
    if start < n {
      x.withUnsafeBufferPointer {
        mechanism.append(encoded: $0.baseAddress! + start, rows: n - start)
      }
    }
    return mechanism
  }

  @Test("the released rows do not depend on the number of worker threads")
  func workerIndependence() {
    // m' = 300: 436 rows per noise segment, so 2,000 rows make five segments (the last partial).
    var reference = ramp(rows: 2000, projections: 300, noiseSeed: 5)
    let expected = reference.finish(sigma: 0.5)
    #expect(expected.count == 2000 * 300)
    for workers in [1, 2, 3, 7] {
      var mechanism = ramp(rows: 2000, projections: 300, noiseSeed: 5)
      var got: [Float] = []
      mechanism.finish(sigma: 0.5, workers: workers) { block in
        #expect(block.count % 300 == 0)
        got.append(contentsOf: block)
      }
      #expect(got.map(\.bitPattern) == expected.map(\.bitPattern), "workers \(workers)")
    }
    var other = ramp(rows: 2000, projections: 300, noiseSeed: 6)
    #expect(other.finish(sigma: 0.5) != expected)
  }

  @Test("every row is released exactly once, in a shuffled order, across noise segments")
  func permutation() {
    let n = 2000, mPrime = 300
    var mechanism = ramp(rows: n, projections: mPrime, noiseSeed: 8)
    let u = mechanism.directions
    let column = u.indices.max { abs(u[$0]) < abs(u[$1]) }!
    var out: [Float] = []
    // σ as small as the published grid allows (SnappedGaussian: the snapped values must be
    // floats); rows are (k/n)·u apart, about 15σ here.
    mechanism.finish(sigma: 1e-4, workers: 2) { out.append(contentsOf: $0) }
    var seen = [Int](repeating: 0, count: n)
    var fixed = 0
    for row in 0..<n {
      let source =
        Int((Double(out[row * mPrime + column]) / Double(u[column]) * Double(n)).rounded()) - 1
      #expect((0..<n).contains(source))
      if (0..<n).contains(source) { seen[source] += 1 }
      if source == row { fixed += 1 }
    }
    #expect(seen.allSatisfy { $0 == 1 })
    // A uniform permutation has one fixed point on average; P(≥ 10) < 1e-6.
    #expect(fixed < 10)
  }

  @Test("an error from the consumer stops the workers and comes back")
  func consumerError() {
    struct Stop: Error {}
    var mechanism = ramp(rows: 5000, projections: 300, noiseSeed: 9)
    var blocks = 0
    #expect(throws: Stop.self) {
      try mechanism.finish(sigma: 1, workers: 2) { _ in
        blocks += 1
        if blocks == 2 { throw Stop() }
      }
    }
    #expect(blocks == 2)
  }

  @Test("the released noise has the stated σ and mean 0 (streamed, several segments)")
  func noiseLevel() {
    // Identical rows x = 0.5 (d = 1): O − xU is pure noise whatever the shuffle.
    let n = 3000, mPrime = 200
    let x = [Float](repeating: 0.5, count: n)
    var mechanism = SlicingMechanism(
      encodedWidth: 1, projectionCount: mPrime, seed: 3, subsampling: nil,
      noise: .insecureForTesting(seed: 10))
    x.withUnsafeBufferPointer { mechanism.append(encoded: $0.baseAddress!, rows: n) }
    let u = mechanism.directions
    let sigma = 0.25
    var sum = 0.0, sumSquares = 0.0
    mechanism.finish(sigma: sigma, workers: 2) { block in
      for (index, value) in block.enumerated() {
        let r = Double(value) - Double(0.5 * u[index % mPrime])
        sum += r
        sumSquares += r * r
      }
    }
    let count = Double(n * mPrime)
    // 600,000 residuals: the SD's relative standard error is 1/√(2·count) = 0.09 %, the mean's
    // standard error σ/√count; 5 standard errors each.
    let sd = (sumSquares / count - (sum / count) * (sum / count)).squareRoot()
    #expect(abs(sd / sigma - 1) < 5 / (2 * count).squareRoot())
    #expect(abs(sum / count) < 5 * sigma / count.squareRoot())
  }
}
