// GEMM stage: GFLOP/s of slicegen's three layouts on the generator's shapes (batch × width,
// square weight matrices), and numpy's on the same shapes in the same run.

import Foundation
import SliceGenNumerics

enum GEMMBench {
  /// (m, n, k) of the MLP products at batch b and width w: forward NN (b × w)·(w × w),
  /// input gradient NT (b × w)·(w × w)ᵀ, weight gradient TN (b × w)ᵀ·(b × w).
  static let batches = [256, 1024, 4096]
  static let widths = [128, 256, 512, 1024]

  /// Best seconds of `body` over repetitions lasting at least `budget` seconds in all.
  static func best(budget: Double = 0.25, _ body: () -> Void) -> Double {
    body()  // warm up
    var best = Double.infinity
    var spent = 0.0
    var reps = 0
    while spent < budget || reps < 3 {
      let start = DispatchTime.now().uptimeNanoseconds
      body()
      let t = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
      best = min(best, t)
      spent += t
      reps += 1
    }
    return best
  }

  static func run() {
    let numpy = CommandLine.arguments.contains("--no-numpy") ? [:] : numpyGFLOPS()
    print("  layout  batch  width   slicegen GFLOP/s   numpy GFLOP/s   ratio")
    var logRatio = 0.0, count = 0
    for b in batches {
      for w in widths {
        let x = (0..<(b * w)).map { Float(($0 * 7919) % 1000) / 1000 - 0.5 }
        // TN: Xᵀ·dY, two operands
        let y = (0..<(b * w)).map { Float(($0 * 6007) % 1000) / 1000 - 0.5 }
        let weights = (0..<(w * w)).map { Float(($0 * 104_729) % 1000) / 1000 - 0.5 }
        var out = [Float](repeating: 0, count: max(b * w, w * w))
        for layout in ["NN", "NT", "TN"] {
          let (m, n, k) = layout == "TN" ? (w, w, b) : (b, w, w)
          let seconds = x.withUnsafeBufferPointer { xp in
            y.withUnsafeBufferPointer { yp in
              weights.withUnsafeBufferPointer { wp in
                out.withUnsafeMutableBufferPointer { cp in
                  best {
                    switch layout {
                    case "NN":
                      GEMM.nn(
                        m: m, n: n, k: k, a: xp.baseAddress!, b: wp.baseAddress!, c: cp.baseAddress!
                      )
                    case "NT":
                      GEMM.nt(
                        m: m, n: n, k: k, a: xp.baseAddress!, b: wp.baseAddress!, c: cp.baseAddress!
                      )
                    default:
                      GEMM.tn(
                        m: m, n: n, k: k, a: xp.baseAddress!, b: yp.baseAddress!, c: cp.baseAddress!
                      )
                    }
                  }
                }
              }
            }
          }
          let gflops = 2 * Double(m) * Double(n) * Double(k) / seconds * 1e-9
          var line = String(format: "  %@    %5d  %5d   %16.1f", layout, b, w, gflops)
          if let peer = numpy["\(layout) \(b) \(w)"] {
            line += String(format: "   %13.1f   %5.2f", peer, gflops / peer)
            logRatio += log(gflops / peer)
            count += 1
          }
          print(line)
        }
      }
    }
    if count > 0 {
      print(
        String(
          format: "  geometric mean ratio slicegen/numpy over %d shapes: %.2f", count,
          exp(logRatio / Double(count))))
    } else if !CommandLine.arguments.contains("--no-numpy") {
      print("  (python3 with numpy not found: no comparison)")
    }
  }

  /// numpy's GFLOP/s on the same shapes, timed the same way (best of repetitions), keyed
  /// "LAYOUT batch width". OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are unset for this command
  /// only (they are set on some machines for old OpenBLAS builds and slow a current one).
  static func numpyGFLOPS() -> [String: Double] {
    let script = """
      import time, numpy as np
      try:
          from threadpoolctl import threadpool_info
          info = [(i.get('internal_api'), i.get('architecture'), i.get('num_threads')) for i in threadpool_info()]
      except Exception:
          info = 'threadpoolctl not installed'
      print('#', np.__version__, info)
      def best(f, budget=0.25):
          f(); b = float('inf'); spent = 0; reps = 0
          while spent < budget or reps < 3:
              t = time.perf_counter(); f(); t = time.perf_counter() - t
              b = min(b, t); spent += t; reps += 1
          return b
      for b in \(batches):
          for w in \(widths):
              x = np.random.rand(b, w).astype(np.float32); W = np.random.rand(w, w).astype(np.float32)
              y = np.random.rand(b, w).astype(np.float32)  # TN as Xᵀ·dY: x.T @ x would let numpy use syrk (half the work)
              o1 = np.empty((b, w), np.float32); o2 = np.empty((w, w), np.float32)
              for layout, f, (m, n, k) in [('NN', lambda: np.matmul(x, W, out=o1), (b, w, w)),
                                           ('NT', lambda: np.matmul(x, W.T, out=o1), (b, w, w)),
                                           ('TN', lambda: np.matmul(x.T, y, out=o2), (w, w, b))]:
                  print(layout, b, w, 2 * m * n * k / best(f) * 1e-9)
      """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script]
    var environment = ProcessInfo.processInfo.environment
    environment["OPENBLAS_CORETYPE"] = nil
    environment["OPENBLAS_L2_SIZE"] = nil
    process.environment = environment
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return [:] }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { return [:] }
    var result: [String: Double] = [:]
    for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
      if line.hasPrefix("#") {
        print("  numpy \(line.dropFirst(2))")
        continue
      }
      let parts = line.split(separator: " ")
      if parts.count == 4, let g = Double(parts[3]) {
        result["\(parts[0]) \(parts[1]) \(parts[2])"] = g
      }
    }
    return result
  }
}
