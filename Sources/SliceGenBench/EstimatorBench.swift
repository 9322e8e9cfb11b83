// `slicegen-bench --only estimator`: the time of one SlicedLoss evaluation (loss and gradient) at
// the sizes of a real fit (m = 100 slices of k = 2, three bandwidths), single and double
// precision on 1 and 2 threads, and the single-precision gradient's relative error against the
// double one on the same inputs. Inputs are seeded Gaussian projections (real and a shifted,
// wider synthetic sample). It measures; it asserts nothing (EstimatorTests check correctness).

import Foundation
import SliceGen
import SliceGenNumerics

enum EstimatorBench {
  static func run() {
    let m = 100, k = 2
    for b in [128, 256, 512] {
      var rng = ChaCha20(seed: UInt64(b))
      var real = [Float](repeating: 0, count: b * m * k)
      var synthetic = real
      real.withUnsafeMutableBufferPointer {
        GaussianSampling.fill($0, standardDeviation: 0.5, using: &rng)
      }
      synthetic.withUnsafeMutableBufferPointer {
        GaussianSampling.fill($0, standardDeviation: 0.6, using: &rng)
      }
      synthetic = synthetic.map { $0 + 0.2 }
      var results: [EstimatorPrecision: (Double, [Float])] = [:]
      for precision in EstimatorPrecision.allCases {
        for threads in [1, 2] {
          do {
            var loss = try SlicedLoss(
              configuration: .init(precision: precision, threads: threads), slices: m,
              sliceDimension: k, maxBatch: b)
            var gradient = [Float](repeating: 0, count: b * m * k)
            func once() throws -> Double {
              try real.withUnsafeBufferPointer { r in
                try synthetic.withUnsafeBufferPointer { s in
                  try gradient.withUnsafeMutableBufferPointer { g in
                    try loss.evaluate(
                      real: r, realRows: b, synthetic: s, syntheticRows: b, gradient: g)
                  }
                }
              }
            }
            var value = try once()  // warm-up: allocates the workspaces
            let repeats = b == 512 ? 3 : 8
            var best = Double.infinity
            for _ in 0..<repeats {
              let start = DispatchTime.now().uptimeNanoseconds
              value = try once()
              best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-6)
            }
            results[precision] = (value, gradient)
            print(
              String(
                format: "  evaluate b = %d, %@, %d thread%@: %.2f ms (best of %d)", b,
                precision.rawValue, threads, threads == 1 ? "" : "s", best, repeats))
          } catch {
            print("  evaluate b = \(b) \(precision): \(error)")
          }
        }
      }
      guard let (vs, gs) = results[.single], let (vd, gd) = results[.double] else { continue }
      let norm = gd.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
      let error = zip(gs, gd).reduce(0.0) {
        $0 + (Double($1.0) - Double($1.1)) * (Double($1.0) - Double($1.1))
      }.squareRoot()
      print(
        String(
          format: "  b = %d: loss single %.6f, double %.6f; gradient relative error %.2e",
          b, vs, vd, error / norm))
    }
  }
}
