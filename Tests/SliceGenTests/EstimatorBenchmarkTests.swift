// Speed of SlicedLoss.evaluate at the sizes of a real fit (m = 100, k = 2, three bandwidths),
// and Float-against-Double accuracy there. Runs only with SLICEGEN_BENCH=1, meant for a release
// build: SLICEGEN_BENCH=1 swift test -c release -Xswiftc -enable-testing --filter Benchmark

import Foundation
import Testing

@testable import SliceGen

@Suite("Estimator benchmark")
struct EstimatorBenchmarkTests {
  @Test(
    "benchmark: time per evaluate() at b = 128, 256, 512, m = 100, k = 2",
    .enabled(if: ProcessInfo.processInfo.environment["SLICEGEN_BENCH"] == "1"))
  func timePerEvaluate() throws {
    let m = 100, k = 2
    for b in [128, 256, 512] {
      var rng = TestRNG(seed: UInt64(b))
      let real = gaussianMatrix(rows: b, width: m * k, sd: 0.5, rng: &rng)
      let synthetic = gaussianMatrix(rows: b, width: m * k, mean: 0.2, sd: 0.6, rng: &rng)
      let realF = real.map { Float($0) }, syntheticF = synthetic.map { Float($0) }
      var results = [String: (Double, [Float])]()
      for precision in EstimatorPrecision.allCases {
        for threads in [1, 2] {
          var loss = try SlicedLoss(
            configuration: .init(precision: precision, threads: threads), slices: m,
            sliceDimension: k, maxBatch: b)
          var gradient = [Float](repeating: 0, count: b * m * k)
          func once() throws -> Double {
            try realF.withUnsafeBufferPointer { r in
              try syntheticF.withUnsafeBufferPointer { s in
                try gradient.withUnsafeMutableBufferPointer { g in
                  try loss.evaluate(real: r, realRows: b, synthetic: s, syntheticRows: b, gradient: g)
                }
              }
            }
          }
          var value = try once()  // warm-up: allocates the workspaces
          let repeats = b == 512 ? 3 : 8
          let clock = ContinuousClock()
          let elapsed = try clock.measure { for _ in 0..<repeats { value = try once() } }
          results["\(precision)"] = (value, gradient)
          print("evaluate b=\(b) m=\(m) k=\(k) \(precision) threads=\(threads): \(elapsed / repeats)")
        }
      }
      let (vs, gs) = results["single"]!, (vd, gd) = results["double"]!
      let norm = gd.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
      let error = zip(gs, gd).reduce(0.0) {
        $0 + (Double($1.0) - Double($1.1)) * (Double($1.0) - Double($1.1))
      }.squareRoot()
      print("b=\(b): loss single \(vs) double \(vd); gradient relative error \(error / norm)")
    }
  }
}
