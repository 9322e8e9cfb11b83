// `slicegen-bench --only cholesky`: Float against Double for `Cholesky` on the estimator's
// matrices (formerly a disabled test of CholeskyTests). For n = 128, 256, 512 and τ = 1e-2, 1e-4:
// the mean time of one factorisation in each type, and how far the Float solution of
// (K + τI) x = c lies from the Double one (c: the row sums of K plus a little noise, like the
// estimator's right-hand side). K is the Gaussian kernel matrix (bandwidth 1) of n seeded random
// points in the plane, condition number up to about (n + τ)/τ. It measures; it asserts nothing
// (CholeskyTests check the factorisation against its reference).

import Foundation
import SliceGenNumerics

enum CholeskyBench {
  /// K + τI for n points drawn from N(0, I₂) with `seed`: (n, n) row-major.
  static func kernelMatrix(order n: Int, tau: Double, seed: UInt64) -> [Double] {
    var rng = ChaCha20(seed: seed)
    var points = [Double](repeating: 0, count: 2 * n)  // (n, 2)
    points.withUnsafeMutableBufferPointer {
      GaussianSampling.fill($0, standardDeviation: 1, using: &rng)
    }
    var a = [Double](repeating: 0, count: n * n)
    for i in 0..<n {
      for j in 0..<n {
        let dx = points[2 * i] - points[2 * j], dy = points[2 * i + 1] - points[2 * j + 1]
        a[i * n + j] = exp(-(dx * dx + dy * dy) / 2) + (i == j ? tau : 0)
      }
    }
    return a
  }

  static func run() {
    let clock = ContinuousClock()
    for n in [128, 256, 512] {
      for tau in [1e-2, 1e-4] {
        let a = kernelMatrix(order: n, tau: tau, seed: 2024)
        var rng = ChaCha20(seed: 1)
        var noise = [Double](repeating: 0, count: n)
        noise.withUnsafeMutableBufferPointer {
          GaussianSampling.fill($0, standardDeviation: 0.1, using: &rng)
        }
        let c = (0..<n).map { i in a[i * n..<(i + 1) * n].reduce(0, +) + noise[i] }
        let repeats = 5
        var td = Duration.zero, tf = Duration.zero
        var ld = a, lf = a.map { Float($0) }
        do {
          for _ in 0..<repeats {
            var x = a
            td += try clock.measure {
              try x.withUnsafeMutableBufferPointer {
                try Cholesky.factor($0.baseAddress!, order: n, stride: n)
              }
            }
            var y = a.map { Float($0) }
            tf += try clock.measure {
              try y.withUnsafeMutableBufferPointer {
                try Cholesky.factor($0.baseAddress!, order: n, stride: n)
              }
            }
            (ld, lf) = (x, y)
          }
        } catch {
          print("  n = \(n), τ = \(tau): \(error)")
          continue
        }
        var xd = c, xf = c.map { Float($0) }
        ld.withUnsafeBufferPointer { l in
          xd.withUnsafeMutableBufferPointer {
            Cholesky.solve(factor: l.baseAddress!, order: n, stride: n, $0.baseAddress!)
          }
        }
        lf.withUnsafeBufferPointer { l in
          xf.withUnsafeMutableBufferPointer {
            Cholesky.solve(factor: l.baseAddress!, order: n, stride: n, $0.baseAddress!)
          }
        }
        var worst = 0.0, mean = 0.0, scale = 0.0
        for i in 0..<n {
          let e = abs(Double(xf[i]) - xd[i])
          worst = max(worst, e)
          mean += e / Double(n)
          scale = max(scale, abs(xd[i]))
        }
        print(
          String(
            format: "  n = %d, τ = %.0e: factor Double %.3f ms, Float %.3f ms (mean of %d); "
              + "|x_f − x_d| max %.2e, mean %.2e (max |x| %.2e)", n, tau,
            milliseconds(td / repeats), milliseconds(tf / repeats), repeats, worst, mean, scale))
      }
    }
  }

  static func milliseconds(_ d: Duration) -> Double {
    Double(d.components.seconds) * 1e3 + Double(d.components.attoseconds) * 1e-15
  }
}
