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
    let out = mechanism.finish(sigma: 1e-6)
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
}
