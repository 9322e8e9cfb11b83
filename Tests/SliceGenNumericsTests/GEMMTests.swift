import Foundation
import Testing

@testable import SliceGenNumerics

@Suite("GEMM")
struct GEMMTests {
  // Odd shapes around the tile (6 × 32) and block (96 rows, 128 steps of k) sizes.
  static let shapes = [
    (1, 1, 1), (7, 13, 5), (33, 65, 17), (129, 257, 31), (4, 16, 3), (5, 17, 0),
    (64, 128, 64), (300, 40, 120), (6, 32, 128), (97, 33, 129), (13, 70, 300),
    (200, 96, 257),
  ]

  func random(_ count: Int, _ seed: UInt64) -> [Float] {
    var rng = ChaCha20(seed: seed)
    var x = [Float](repeating: 0, count: count)
    x.withUnsafeMutableBufferPointer {
      GaussianSampling.fill($0, standardDeviation: 1, using: &rng)
    }
    return x
  }

  /// Float32 accumulation over k terms of unit-variance products: error ≲ k·2⁻²⁴·√k·|terms|;
  /// we allow 1e-5·(k + 1) absolute, far above that and far below a wrong entry (order √k).
  func check(_ fast: [Float], _ reference: [Float], k: Int) {
    let worst = zip(fast, reference).map { abs($0 - $1) }.max() ?? 0
    #expect(worst <= 1e-5 * Float(k + 1), "largest difference \(worst)")
  }

  @Test("NN, NT and TN match the reference on odd shapes, with and without accumulation")
  func layouts() {
    for (m, n, k) in Self.shapes {
      for accumulate in [false, true] {
        let a = random(m * k, 1), b = random(k * n, 2), start = random(m * n, 3)
        var fast = start, reference = start
        a.withUnsafeBufferPointer { pa in
          b.withUnsafeBufferPointer { pb in
            fast.withUnsafeMutableBufferPointer {
              GEMM.nn(
                m: m, n: n, k: k, a: pa.baseAddress!, b: pb.baseAddress!, c: $0.baseAddress!,
                accumulate: accumulate)
            }
            reference.withUnsafeMutableBufferPointer {
              GEMMReference.nn(
                m: m, n: n, k: k, a: pa.baseAddress!, b: pb.baseAddress!, c: $0.baseAddress!,
                accumulate: accumulate)
            }
          }
        }
        check(fast, reference, k: k)
        // NT: B stored (n × k); TN: A stored (k × m).
        var fastNT = start, referenceNT = start, fastTN = start, referenceTN = start
        a.withUnsafeBufferPointer { pa in
          b.withUnsafeBufferPointer { pb in
            fastNT.withUnsafeMutableBufferPointer {
              GEMM.nt(
                m: m, n: n, k: k, a: pa.baseAddress!, b: pb.baseAddress!, c: $0.baseAddress!,
                accumulate: accumulate)
            }
            referenceNT.withUnsafeMutableBufferPointer {
              GEMMReference.nt(
                m: m, n: n, k: k, a: pa.baseAddress!, b: pb.baseAddress!, c: $0.baseAddress!,
                accumulate: accumulate)
            }
            fastTN.withUnsafeMutableBufferPointer {
              GEMM.tn(
                m: m, n: n, k: k, a: pa.baseAddress!, b: pb.baseAddress!, c: $0.baseAddress!,
                accumulate: accumulate)
            }
            referenceTN.withUnsafeMutableBufferPointer {
              GEMMReference.tn(
                m: m, n: n, k: k, a: pa.baseAddress!, b: pb.baseAddress!, c: $0.baseAddress!,
                accumulate: accumulate)
            }
          }
        }
        check(fastNT, referenceNT, k: k)
        check(fastTN, referenceTN, k: k)
      }
    }
  }

  @Test("results do not depend on the number of threads, in any layout")
  func threadCountIndependence() {
    let (m, n, k) = (301, 130, 260)  // large enough to run in parallel (m·n·k > 2^21)
    let a = random(m * k, 4), b = random(k * n, 5)
    for (aT, bT) in [(false, false), (false, true), (true, false)] {
      var results: [[Float]] = []
      for workers in [1, 2, 3, 7] {
        var c = [Float](repeating: 0, count: m * n)
        a.withUnsafeBufferPointer { pa in
          b.withUnsafeBufferPointer { pb in
            c.withUnsafeMutableBufferPointer {
              GEMM.product(
                m: m, n: n, k: k, a: pa.baseAddress!, aTransposed: aT, b: pb.baseAddress!,
                bTransposed: bT, c: $0.baseAddress!, accumulate: false, workers: workers)
            }
          }
        }
        results.append(c)
      }
      for r in results.dropFirst() { #expect(r == results[0]) }
    }
  }
}
