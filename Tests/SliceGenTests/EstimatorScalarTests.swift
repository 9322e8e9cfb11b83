// Tests of EstimatorScalar: the vector exponential exp(−s·x) (one loop generic over Float and
// Double) against libm's exp directly and against its plain reference on every row length up to
// three vectors, unaligned starts and several scales; special arguments; Float's fourth power.

import Foundation
import Testing

@testable import SliceGen

@Suite("Vector exponential")
struct EstimatorScalarTests {
  @Test("vector exp(−s·x) matches Foundation's exp, including the tail and the underflow")
  func vectorExponential() {
    let xs: [Double] = (0..<37).map { Double($0) * 0.73 } + [50, 86, 87.4, 100, 700, 709, 1e6]
    var outD = [Double](repeating: -1, count: xs.count)
    let sumD = xs.withUnsafeBufferPointer { x in
      outD.withUnsafeMutableBufferPointer { o in
        Double.negativeExp(x.baseAddress!, scale: 1, into: o.baseAddress!, count: xs.count)
      }
    }
    for (x, y) in zip(xs, outD) {
      let e = exp(-x)
      // Double: a few ulp relative error; exactly 0 past the normal range.
      if x <= 708 { #expect(abs(y - e) <= 4 * e.ulp, "exp(−\(x))") } else { #expect(y == 0) }
    }
    #expect(abs(sumD - outD.reduce(0, +)) <= 1e-15 * sumD)
    let xf = xs.map { Float($0) }
    var outF = [Float](repeating: -1, count: xf.count)
    _ = xf.withUnsafeBufferPointer { x in
      outF.withUnsafeMutableBufferPointer { o in
        Float.negativeExp(x.baseAddress!, scale: 1, into: o.baseAddress!, count: xf.count)
      }
    }
    for (x, y) in zip(xf, outF) {
      let e = Float(exp(-Double(x)))
      if x <= 87 { #expect(abs(y - e) <= 3 * e.ulp, "expf(−\(x))") } else { #expect(y == 0) }
    }
  }

  /// Runs `negativeExp` and `negativeExpReference` on rows of every length 0…3·width + 1, starting
  /// at offsets 0 and 1 of a buffer, and compares them element by element and in the sum.
  /// Tolerance: the reference is libm's exp rounded to T (≤ 1 ulp), the kernel is within 2 ulp of
  /// exp (file header of EstimatorScalar.swift), so they differ by at most `ulps` ulp of the
  /// reference; both return exactly 0 below the threshold (same argument, same comparison). The
  /// sums add the same terms in different orders: each within `ulps` ulp, plus n roundings.
  func holdsToReference<T: EstimatorScalar>(_: T.Type, ulps: T) {
    let width = T.Vector.scalarCount
    var rng = TestRNG(seed: UInt64(width))
    // Arguments up to 150, past Float's threshold; some at the threshold and at 0 exactly.
    let capacity = 3 * width + 2
    var source = (0..<capacity).map { _ in T(Double.random(in: 0..<150, using: &rng)) }
    source[3] = 0
    source[width + 1] = -T.expUnderflowThreshold
    for scale: T in [1, 0.37, 1e-3, 5] {
      for offset in 0...1 {
        for count in 0...(capacity - offset) {
          let sentinel: T = -7
          var fast = [T](repeating: sentinel, count: capacity + 1)
          var plain = fast
          let (fastSum, plainSum) = source.withUnsafeBufferPointer { s in
            fast.withUnsafeMutableBufferPointer { f in
              plain.withUnsafeMutableBufferPointer { p in
                (
                  T.negativeExp(
                    s.baseAddress! + offset, scale: scale, into: f.baseAddress! + offset,
                    count: count),
                  T.negativeExpReference(
                    s.baseAddress! + offset, scale: scale, into: p.baseAddress! + offset,
                    count: count)
                )
              }
            }
          }
          let written = offset..<(offset + count)
          for i in fast.indices where !written.contains(i) {
            #expect(fast[i] == sentinel, "\(T.self) count \(count): wrote outside the row at \(i)")
          }
          for i in written {
            let (y, e) = (fast[i], plain[i])
            if e == 0 {
              #expect(y == 0, "\(T.self) exp(−\(scale)·\(source[i])) = \(y), reference 0")
            } else {
              #expect(
                abs(y - e) <= ulps * e.ulp,
                "\(T.self) exp(−\(scale)·\(source[i])) = \(y), reference \(e)")
            }
          }
          let tolerance = (ulps + T(count)) * T.ulpOfOne * plainSum
          #expect(
            abs(fastSum - plainSum) <= tolerance,
            "\(T.self) count \(count), scale \(scale): sum \(fastSum), reference \(plainSum)")
        }
      }
    }
  }

  @Test("Float: the vector loop holds to its reference on every row length and offset")
  func floatAgainstReference() { holdsToReference(Float.self, ulps: 3) }

  @Test("Double: the vector loop holds to its reference on every row length and offset")
  func doubleAgainstReference() { holdsToReference(Double.self, ulps: 4) }

  /// exp(−s·0) and exp(−0·x) are 1 exactly (n = 0, ρ = 0: the polynomial returns 1), and an
  /// infinite argument gives 0, in the vectors and in the tail alike.
  func specialArguments<T: EstimatorScalar>(_: T.Type) {
    let count = T.Vector.scalarCount + 3
    let zeros = [T](repeating: 0, count: count)
    let mixed = (0..<count).map { T($0 % 5) }
    let infinite = [T](repeating: .infinity, count: count)
    for (values, scale, expected) in [
      (zeros, T(2.5), T(1)), (mixed, T(0), T(1)), (infinite, T(1), T(0)),
    ] {
      var out = [T](repeating: -1, count: count)
      let sum = values.withUnsafeBufferPointer { v in
        out.withUnsafeMutableBufferPointer { o in
          T.negativeExp(v.baseAddress!, scale: scale, into: o.baseAddress!, count: count)
        }
      }
      #expect(out.allSatisfy { $0 == expected }, "\(T.self) scale \(scale): \(out)")
      #expect(sum == expected * T(count))
    }
  }

  @Test("special arguments: 0 gives 1 exactly, +∞ gives 0 (Float and Double)")
  func special() {
    specialArguments(Float.self)
    specialArguments(Double.self)
  }

  @Test("Float.fourthPower is x⁴ element by element on odd lengths, and returns the sum")
  func fourthPower() {
    var rng = TestRNG(seed: 4)
    let values = (0..<37).map { _ in Float.random(in: 0...1, using: &rng) }
    for count in [0, 1, 15, 16, 17, 33, 37] {
      var out = [Float](repeating: -1, count: values.count)
      let sum = values.withUnsafeBufferPointer { v in
        out.withUnsafeMutableBufferPointer { o in
          Float.fourthPower(v.baseAddress!, into: o.baseAddress!, count: count)
        }
      }
      var expectedSum = 0.0
      for i in 0..<values.count {
        if i < count {
          // Two squarings: each rounds once, so x⁴ is within about 3 ulp of the exact value.
          let exact = Double(values[i]) * Double(values[i]) * Double(values[i]) * Double(values[i])
          #expect(abs(Double(out[i]) - exact) <= 3 * Double(Float(exact).ulp) + 1e-45)
          expectedSum += exact
        } else {
          #expect(out[i] == -1, "wrote past the row at \(i)")
        }
      }
      // The sum: count − 1 roundings of at most u = ulpOfOne/2 each, on terms each within 3 ulp.
      let tolerance = Double(count + 3) * Double(Float.ulpOfOne) * expectedSum
      #expect(abs(Double(sum) - expectedSum) <= tolerance, "count \(count)")
    }
  }
}
