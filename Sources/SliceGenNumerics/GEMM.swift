// Float32 matrix products used by the release (X·U) and by the generator (forward: NN, backward:
// NT for the inputs' gradient, TN for the weights' gradient). Row-major, contiguous, the same
// shapes and argument order as `GEMMReference`, against which the tests hold every path.
//
// The structure is the one of BLIS/GotoBLAS, small enough to read:
//   for each block of KC = 128 steps of k:
//     pack B's (KC × n) block into micro-panels of NR = 32 columns, p-major (each micro-panel,
//       KC × 32 floats = 16 KiB, stays in L1 while many rows stream past it);
//     for each block of MC = 96 rows (in parallel over row blocks):
//       pack A's (MC × KC) block into micro-panels of MR = 6 rows, p-major (in L2);
//       for each B micro-panel, for each A micro-panel: the micro-kernel
//         C[6 × 32] (+)= Σ_p a[p]·b[p], 12 SIMD16 accumulators in registers; per step p two
//         vector loads of B, six broadcasts of A, twelve fused multiply–adds.
// Packing is where the layouts differ: NN, NT (B stored n × k) and TN (A stored k × m) read
// their operands in the order they are stored and write the same packed panels, so one
// micro-kernel serves all three and no operand is transposed in memory first. Edges are padded
// with zeros in the panels; edge tiles go through a small buffer.
//
// Determinism: every C[i, j] is the same sequence of operations (k in KC blocks, in order)
// whatever the number of threads and whichever thread computes it, so results do not depend on
// SLICEGEN_THREADS. Threads split the rows of C; a product runs on one thread when it is below
// `parallelThreshold` multiply–adds (a fork/join costs microseconds).

import Dispatch
import Foundation
import Synchronization

/// Float32 matrix products: the entry points the rest of slicegen calls.
public enum GEMM {
  /// Worker threads for large products (the `SLICEGEN_THREADS` environment variable, default the
  /// active processor count).
  public static let threads: Int = {
    if let text = ProcessInfo.processInfo.environment["SLICEGEN_THREADS"], let n = Int(text), n > 0
    {
      return n
    }
    return ProcessInfo.processInfo.activeProcessorCount
  }()

  /// Products smaller than this many multiply-adds stay on the calling thread.
  static let parallelThreshold = 1 << 21

  static let mr = 6, nr = 32, kc = 128, mc = 96

  /// C (m × n) = A (m × k) · B (k × n), or C += … when `accumulate`.
  /// - Complexity: m·n·k multiply–adds.
  public static func nn(
    m: Int, n: Int, k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
    c: UnsafeMutablePointer<Float>, accumulate: Bool = false
  ) {
    product(
      m: m, n: n, k: k, a: a, aTransposed: false, b: b, bTransposed: false, c: c,
      accumulate: accumulate, workers: threads)
  }

  /// C (m × n) = A (m × k) · Bᵀ, B stored (n × k), or C += … when `accumulate`.
  public static func nt(
    m: Int, n: Int, k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
    c: UnsafeMutablePointer<Float>, accumulate: Bool = false
  ) {
    product(
      m: m, n: n, k: k, a: a, aTransposed: false, b: b, bTransposed: true, c: c,
      accumulate: accumulate, workers: threads)
  }

  /// C (m × n) = Aᵀ · B, A stored (k × m), B (k × n), or C += … when `accumulate`.
  public static func tn(
    m: Int, n: Int, k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
    c: UnsafeMutablePointer<Float>, accumulate: Bool = false
  ) {
    product(
      m: m, n: n, k: k, a: a, aTransposed: true, b: b, bTransposed: false, c: c,
      accumulate: accumulate, workers: threads)
  }

  /// The one implementation behind the three layouts; `workers` is the most threads to use.
  static func product(
    m: Int, n: Int, k: Int, a: UnsafePointer<Float>, aTransposed: Bool,
    b: UnsafePointer<Float>, bTransposed: Bool, c: UnsafeMutablePointer<Float>,
    accumulate: Bool, workers requested: Int
  ) {
    guard m > 0, n > 0 else { return }
    if k == 0 {
      if !accumulate { c.update(repeating: 0, count: m * n) }
      return
    }
    let panels = (n + nr - 1) / nr
    let rowPanels = (m + mr - 1) / mr
    let work = m * n * k
    let workers = work >= parallelThreshold ? max(1, min(requested, rowPanels)) : 1
    // Each worker takes a contiguous, equal share of the 6-row micro-panels (not of the 96-row
    // blocks: a 128-row product would split 96 + 32).
    let panelsPerWorker = (rowPanels + workers - 1) / workers
    let packedB = UnsafeMutablePointer<Float>.allocate(capacity: panels * nr * kc)
    defer { packedB.deallocate() }
    var p0 = 0
    while p0 < k {
      let depth = min(kc, k - p0)
      packB(b, transposed: bTransposed, k: k, n: n, from: p0, depth: depth, into: packedB)
      let add = accumulate || p0 > 0
      let start = p0
      nonisolated(unsafe) let (sa, sb, sc) = (a, UnsafePointer(packedB), c)
      let body: @Sendable (Int) -> Void = { w in
        let packedA = UnsafeMutablePointer<Float>.allocate(capacity: mc * kc)
        defer { packedA.deallocate() }
        let end = min((w + 1) * panelsPerWorker * mr, m)
        var i0 = w * panelsPerWorker * mr
        while i0 < end {
          let rows = min(mc, end - i0)
          packA(
            sa, transposed: aTransposed, m: m, k: k, rows: i0..<(i0 + rows), from: start,
            depth: depth, into: packedA)
          multiplyBlock(
            rows: i0..<(i0 + rows), n: n, depth: depth, packedA: packedA,
            packedB: sb, c: sc, accumulate: add)
          i0 += rows
        }
      }
      if workers == 1 {
        body(0)
      } else {
        DispatchQueue.concurrentPerform(iterations: workers, execute: body)
      }
      p0 += depth
    }
  }

  /// Packs B[p0 ..< p0+depth, 0 ..< n] (or, transposed, the same entries of Bᵀ with B stored
  /// n × k) into micro-panels of nr columns: panel q holds, for each step p, columns
  /// q·nr ..< q·nr + nr, zero beyond n.
  static func packB(
    _ b: UnsafePointer<Float>, transposed: Bool, k: Int, n: Int, from p0: Int, depth: Int,
    into packed: UnsafeMutablePointer<Float>
  ) {
    let panels = (n + nr - 1) / nr
    for q in 0..<panels {
      let j0 = q * nr
      let width = min(nr, n - j0)
      let panel = packed + q &* nr &* depth
      for p in 0..<depth {
        let out = panel + p &* nr
        if transposed {
          for j in 0..<width { out[j] = b[(j0 &+ j) &* k &+ p0 &+ p] }
        } else {
          out.update(from: b + ((p0 &+ p) &* n &+ j0), count: width)
        }
        if width < nr { (out + width).update(repeating: 0, count: nr &- width) }
      }
    }
  }

  /// Packs A[rows, p0 ..< p0+depth] (or, transposed, the same entries with A stored k × m) into
  /// micro-panels of mr rows: panel r holds, for each step p, rows r·mr ..< r·mr + mr, zero
  /// beyond the block.
  static func packA(
    _ a: UnsafePointer<Float>, transposed: Bool, m: Int, k: Int, rows: Range<Int>, from p0: Int,
    depth: Int, into packed: UnsafeMutablePointer<Float>
  ) {
    let count = rows.count
    let panels = (count + mr - 1) / mr
    for r in 0..<panels {
      let i0 = rows.lowerBound + r * mr
      let height = min(mr, rows.upperBound - i0)
      let panel = packed + r &* mr &* depth
      if transposed {
        for p in 0..<depth {
          let source = a + ((p0 &+ p) &* m &+ i0)
          let out = panel + p &* mr
          for i in 0..<height { out[i] = source[i] }
          for i in height..<mr { out[i] = 0 }
        }
      } else {
        for i in 0..<mr {
          if i < height {
            let source = a + ((i0 &+ i) &* k &+ p0)
            for p in 0..<depth { panel[p &* mr &+ i] = source[p] }
          } else {
            for p in 0..<depth { panel[p &* mr &+ i] = 0 }
          }
        }
      }
    }
  }

  /// C[rows, :] (+)= packed A block · packed B block.
  static func multiplyBlock(
    rows: Range<Int>, n: Int, depth: Int, packedA: UnsafePointer<Float>,
    packedB: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>, accumulate: Bool
  ) {
    let panels = (n + nr - 1) / nr
    let rowPanels = (rows.count + mr - 1) / mr
    var edge = (
      SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>(),
      SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>(), SIMD16<Float>(),
      SIMD16<Float>(), SIMD16<Float>()
    )  // a 6 × 32 tile for edges
    for q in 0..<panels {
      let j0 = q * nr
      let width = min(nr, n - j0)
      let b = packedB + q &* nr &* depth
      for r in 0..<rowPanels {
        let i0 = rows.lowerBound + r * mr
        let height = min(mr, rows.upperBound - i0)
        let a = packedA + r &* mr &* depth
        if height == mr && width == nr {
          microKernel(
            depth: depth, a: a, b: b, c: c + (i0 &* n &+ j0), ldc: n, accumulate: accumulate)
        } else {
          withUnsafeMutableBytes(of: &edge) { raw in
            let tile = raw.baseAddress!.assumingMemoryBound(to: Float.self)
            for i in 0..<height {
              for j in 0..<width { tile[i &* nr &+ j] = c[(i0 &+ i) &* n &+ j0 &+ j] }
            }
            microKernel(depth: depth, a: a, b: b, c: tile, ldc: nr, accumulate: accumulate)
            for i in 0..<height {
              for j in 0..<width { c[(i0 &+ i) &* n &+ j0 &+ j] = tile[i &* nr &+ j] }
            }
          }
        }
      }
    }
  }

  /// C[6 × 32] (+)= Σ_p a[p·6 ..< p·6+6] ⊗ b[p·32 ..< p·32+32], C with row stride ldc.
  @inline(__always)
  static func microKernel(
    depth: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, c: UnsafeMutablePointer<Float>,
    ldc: Int, accumulate: Bool
  ) {
    typealias V = SIMD16<Float>
    var c00 = V(), c01 = V(), c10 = V(), c11 = V(), c20 = V(), c21 = V()
    var c30 = V(), c31 = V(), c40 = V(), c41 = V(), c50 = V(), c51 = V()
    let rb = UnsafeRawPointer(b)
    var ap = a
    var offset = 0
    for _ in 0..<depth {
      let b0 = rb.loadUnaligned(fromByteOffset: offset, as: V.self)
      let b1 = rb.loadUnaligned(fromByteOffset: offset &+ 64, as: V.self)
      var x = V(repeating: ap[0])
      c00 = c00.adding(product: x, b0)
      c01 = c01.adding(product: x, b1)
      x = V(repeating: ap[1])
      c10 = c10.adding(product: x, b0)
      c11 = c11.adding(product: x, b1)
      x = V(repeating: ap[2])
      c20 = c20.adding(product: x, b0)
      c21 = c21.adding(product: x, b1)
      x = V(repeating: ap[3])
      c30 = c30.adding(product: x, b0)
      c31 = c31.adding(product: x, b1)
      x = V(repeating: ap[4])
      c40 = c40.adding(product: x, b0)
      c41 = c41.adding(product: x, b1)
      x = V(repeating: ap[5])
      c50 = c50.adding(product: x, b0)
      c51 = c51.adding(product: x, b1)
      ap += 6
      offset &+= 128
    }
    @inline(__always)
    func put(_ row: Int, _ lo: V, _ hi: V) {
      let out = UnsafeMutableRawPointer(c + row &* ldc)
      if accumulate {
        out.storeBytes(of: lo + out.loadUnaligned(as: V.self), as: V.self)
        out.storeBytes(
          of: hi + out.loadUnaligned(fromByteOffset: 64, as: V.self), toByteOffset: 64, as: V.self)
      } else {
        out.storeBytes(of: lo, as: V.self)
        out.storeBytes(of: hi, toByteOffset: 64, as: V.self)
      }
    }
    put(0, c00, c01)
    put(1, c10, c11)
    put(2, c20, c21)
    put(3, c30, c31)
    put(4, c40, c41)
    put(5, c50, c51)
  }
}
