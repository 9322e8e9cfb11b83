// Float32 matrix products used by the release (X·U) and by the generator (forward: NN, backward:
// NT for the inputs' gradient, TN for the weights' gradient). Row-major, contiguous, the same
// shapes and argument order as `GEMMReference`, against which the tests hold every path.
//
// One kernel does the work: C[i, j..<j+16] += A[i, p]·B[p, j..<j+16] for a 4 × 16 register tile,
// with k in the innermost loop (A read by rows, B by rows; both stream). NT and TN transpose the
// operand that is read the wrong way into a scratch buffer first (O(size) against O(m·n·k)).
// Rows of C are split across threads when the product is large enough; every element is computed
// by the same sequence of operations whatever the split, so results do not depend on the number
// of threads. Multiply and add are written separately: without FMA in the target, a fused
// `addingProduct` becomes a library call per lane.

import Dispatch
import Foundation

/// Float32 matrix products: the entry points the rest of slicegen calls.
public enum GEMM {
  /// Worker threads for large products (the `SLICEGEN_THREADS` environment variable, default the
  /// active processor count).
  public static let threads: Int = {
    if let text = ProcessInfo.processInfo.environment["SLICEGEN_THREADS"], let n = Int(text), n > 0 {
      return n
    }
    return ProcessInfo.processInfo.activeProcessorCount
  }()

  /// Products smaller than this many multiply-adds stay on the calling thread.
  static let parallelThreshold = 1 << 21

  /// C (m × n) = A (m × k) · B (k × n), or C += … when `accumulate`.
  public static func nn(
    m: Int, n: Int, k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
    c: UnsafeMutablePointer<Float>, accumulate: Bool = false
  ) {
    guard m > 0, n > 0 else { return }
    if k == 0 {
      if !accumulate { c.update(repeating: 0, count: m * n) }
      return
    }
    let work = m * n * k
    let workers = work >= parallelThreshold ? min(threads, (m + 3) / 4) : 1
    if workers <= 1 {
      kernel(rows: 0..<m, n: n, k: k, a: a, b: b, c: c, accumulate: accumulate)
      return
    }
    // Split rows in multiples of 4.
    let blocks = (m + 3) / 4
    let per = (blocks + workers - 1) / workers
    nonisolated(unsafe) let (sa, sb, sc) = (a, b, c)
    DispatchQueue.concurrentPerform(iterations: workers) { w in
      let start = min(w * per * 4, m)
      let end = min((w + 1) * per * 4, m)
      if start < end {
        kernel(rows: start..<end, n: n, k: k, a: sa, b: sb, c: sc, accumulate: accumulate)
      }
    }
  }

  /// C (m × n) = A (m × k) · Bᵀ, B stored (n × k), or C += … when `accumulate`.
  public static func nt(
    m: Int, n: Int, k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
    c: UnsafeMutablePointer<Float>, accumulate: Bool = false
  ) {
    let bt = transpose(b, rows: n, columns: k)  // (k × n)
    bt.withUnsafeBufferPointer {
      nn(m: m, n: n, k: k, a: a, b: $0.baseAddress!, c: c, accumulate: accumulate)
    }
  }

  /// C (m × n) = Aᵀ · B, A stored (k × m), B (k × n), or C += … when `accumulate`.
  public static func tn(
    m: Int, n: Int, k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
    c: UnsafeMutablePointer<Float>, accumulate: Bool = false
  ) {
    let at = transpose(a, rows: k, columns: m)  // (m × k)
    at.withUnsafeBufferPointer {
      nn(m: m, n: n, k: k, a: $0.baseAddress!, b: b, c: c, accumulate: accumulate)
    }
  }

  /// The transpose of a (rows × columns) matrix, in 32 × 32 blocks.
  static func transpose(_ x: UnsafePointer<Float>, rows: Int, columns: Int) -> [Float] {
    [Float](unsafeUninitializedCapacity: rows * columns) { out, count in
      let o = out.baseAddress!
      var i0 = 0
      while i0 < rows {
        let i1 = min(i0 + 32, rows)
        var j0 = 0
        while j0 < columns {
          let j1 = min(j0 + 32, columns)
          for i in i0..<i1 {
            for j in j0..<j1 { o[j &* rows &+ i] = x[i &* columns &+ j] }
          }
          j0 = j1
        }
        i0 = i1
      }
      count = rows * columns
    }
  }

  @inline(__always)
  static func store(
    _ out: UnsafeMutablePointer<Float>, _ lo: SIMD8<Float>, _ hi: SIMD8<Float>, _ accumulate: Bool
  ) {
    var lo = lo, hi = hi
    if accumulate {
      lo = lo + UnsafeRawPointer(out).loadUnaligned(as: SIMD8<Float>.self)
      hi = hi + UnsafeRawPointer(out + 8).loadUnaligned(as: SIMD8<Float>.self)
    }
    UnsafeMutableRawPointer(out).storeBytes(of: lo, as: SIMD8<Float>.self)
    UnsafeMutableRawPointer(out + 8).storeBytes(of: hi, as: SIMD8<Float>.self)
  }

  /// C[rows, :] (+)= A[rows, :]·B with 4 × 16 register tiles.
  @inline(__always)
  static func kernel(
    rows: Range<Int>, n: Int, k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
    c: UnsafeMutablePointer<Float>, accumulate: Bool
  ) {
    typealias V = SIMD8<Float>
    let fullColumns = n / 16 * 16
    var i = rows.lowerBound
    while i < rows.upperBound {
      let r = min(4, rows.upperBound - i)
      let a0 = a + i &* k
      let a1 = r > 1 ? a0 + k : a0
      let a2 = r > 2 ? a0 + 2 &* k : a0
      let a3 = r > 3 ? a0 + 3 &* k : a0
      var j = 0
      while j < fullColumns {
        var c00 = V(), c01 = V(), c10 = V(), c11 = V()
        var c20 = V(), c21 = V(), c30 = V(), c31 = V()
        var bp = b + j
        for p in 0..<k {
          let b0 = UnsafeRawPointer(bp).loadUnaligned(as: V.self)
          let b1 = UnsafeRawPointer(bp + 8).loadUnaligned(as: V.self)
          let x0 = V(repeating: a0[p]), x1 = V(repeating: a1[p])
          let x2 = V(repeating: a2[p]), x3 = V(repeating: a3[p])
          c00 = c00 + x0 * b0; c01 = c01 + x0 * b1
          c10 = c10 + x1 * b0; c11 = c11 + x1 * b1
          c20 = c20 + x2 * b0; c21 = c21 + x2 * b1
          c30 = c30 + x3 * b0; c31 = c31 + x3 * b1
          bp += n
        }
        store(c + (i &* n &+ j), c00, c01, accumulate)
        if r > 1 { store(c + ((i &+ 1) &* n &+ j), c10, c11, accumulate) }
        if r > 2 { store(c + ((i &+ 2) &* n &+ j), c20, c21, accumulate) }
        if r > 3 { store(c + ((i &+ 3) &* n &+ j), c30, c31, accumulate) }
        j &+= 16
      }
      // Remaining columns: scalar, same summation order over p.
      if j < n {
        for t in 0..<r {
          let ar = a0 + t &* k
          for jj in j..<n {
            var sum: Float = 0
            for p in 0..<k { sum = sum + ar[p] * b[p &* n &+ jj] }
            let out = c + ((i &+ t) &* n &+ jj)
            out.pointee = accumulate ? out.pointee + sum : sum
          }
        }
      }
      i &+= 4
    }
  }
}
