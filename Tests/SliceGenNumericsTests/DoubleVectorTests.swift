// DoubleVector against the plain loops it replaces: the dot product within the bound of a
// reordered sum, n·ε·Σ|aⱼbⱼ| (every length from 0 to 100, so each unrolled path and tail is
// met), and axpy elementwise.

import Foundation
import SliceGenNumerics
import Testing

@Suite("DoubleVector")
struct DoubleVectorTests {
  @Test("dot equals the plain left-to-right sum within n·ε·Σ|aⱼbⱼ|, for every length 0…100")
  func dot() {
    var rng = ChaCha20(seed: 11)
    for n in 0...100 {
      let a = (0..<n).map { _ in Double.random(in: -1e3...1e3, using: &rng) }
      let b = (0..<n).map { _ in Double.random(in: -1...1, using: &rng) }
      var plain = 0.0, magnitude = 0.0
      for j in 0..<n {
        plain += a[j] * b[j]
        magnitude += abs(a[j] * b[j])
      }
      let fast = a.withUnsafeBufferPointer { a in
        b.withUnsafeBufferPointer { b in
          DoubleVector.dot(a.baseAddress!, b.baseAddress!, count: n)
        }
      }
      #expect(
        abs(fast - plain) <= Double(n + 1) * Double.ulpOfOne * magnitude, "n = \(n)")
    }
    // Whole numbers are summed exactly in any order.
    let ones = [Double](repeating: 1, count: 77), counts = (0..<77).map(Double.init)
    let exact = ones.withUnsafeBufferPointer { a in
      counts.withUnsafeBufferPointer { b in
        DoubleVector.dot(a.baseAddress!, b.baseAddress!, count: 77)
      }
    }
    #expect(exact == 76 * 77 / 2)
  }

  @Test("axpy adds α·x to y elementwise, touching no element past count")
  func axpy() {
    var rng = ChaCha20(seed: 12)
    let x = (0..<37).map { _ in Double.random(in: -1...1, using: &rng) }
    var y = (0..<40).map { _ in Double.random(in: -1...1, using: &rng) }
    let before = y
    y.withUnsafeMutableBufferPointer { y in
      x.withUnsafeBufferPointer { x in
        DoubleVector.axpy(0.75, x.baseAddress!, y.baseAddress!, count: 37)
      }
    }
    for j in 0..<37 { #expect(abs(y[j] - (before[j] + 0.75 * x[j])) <= 4 * Double.ulpOfOne) }
    #expect(Array(y[37...]) == Array(before[37...]))
  }
}
