import Foundation
import SliceGenNumerics
import Testing

@testable import SliceGenPrivacy

/// Records the words a generator hands out, so a test can redo the sampler's arithmetic.
private struct RecordingGenerator: RandomNumberGenerator {
  var base: ChaCha20
  var words: [UInt64] = []
  mutating func next() -> UInt64 {
    let w = base.next()
    words.append(w)
    return w
  }
}

@Suite("Precise Gaussian sampler and snapping")
struct SnappedGaussianTests {
  @Test("the sampler passes moments, tail frequencies and Kolmogorov–Smirnov")
  func statistics() {
    var rng = ChaCha20(seed: 31)
    let n = 200_000
    var z = [Double]()
    z.reserveCapacity(n)
    while z.count < n {
      let (a, b) = PreciseGaussian.pair(using: &rng)
      z.append(a)
      z.append(b)
    }
    let mean = z.reduce(0, +) / Double(n)
    let variance = z.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)
    // 5 standard errors.
    #expect(abs(mean) < 5 / Double(n).squareRoot())
    #expect(abs(variance - 1) < 5 * (2 / Double(n)).squareRoot())
    // P(|X| > 3) = 0.0026998; binomial SE √(n p (1−p)) = 23.2 draws; 5 SE.
    let beyond = z.filter { abs($0) > 3 }.count
    #expect(abs(Double(beyond) - 0.0026998 * Double(n)) < 5 * 23.2)
    let sorted = z.sorted()
    var d = 0.0
    for (i, v) in sorted.enumerated() {
      let cdf = GaussianMechanism.normalCDF(v)
      d = max(d, abs(cdf - Double(i) / Double(n)), abs(cdf - Double(i + 1) / Double(n)))
    }
    // KS at α = 1e-6: c = 2.63.
    #expect(d < 2.63 / Double(n).squareRoot(), "KS statistic \(d)")
  }

  #if arch(x86_64) && !os(Windows)
    @Test("every pair is within 2^-47·R of the same lattice point computed in Float80")
    func coupling() {
      // The header's coupling bound is 2^-46·R: half of it for the arithmetic (checked here
      // against 64-bit-mantissa arithmetic at the lattice point), half for the lattice cell.
      var rng = RecordingGenerator(base: ChaCha20(seed: 5))
      var worst = 0.0
      for _ in 0..<100_000 {
        rng.words.removeAll(keepingCapacity: true)
        let (x, y) = PreciseGaussian.pair(using: &rng)
        let w = rng.words
        var k = 1
        var index = 0
        while w[index] == 0 && k < PreciseGaussian.deepestBinade {
          k += 64
          index += 1
        }
        k = min(k + w[index].leadingZeroBitCount, PreciseGaussian.deepestBinade)
        let bits = w[index + 1]
        let u = Float80(
          sign: .plus, exponent: Float80.Exponent(-k - 1),
          significand: 1 + Float80(bits >> 12) * 0x1p-52)
        let e: Float80 = bits & 1 == 0 ? -log1p(-u) : -log(u)
        let v = Float80(w[index + 2] >> 11) * 0x1p-53
        let theta = 2 * Float80.pi * v
        let r = (2 * e).squareRoot()
        let dx = abs(Double(r * cos(theta)) - x)
        let dy = abs(Double(r * sin(theta)) - y)
        let radius = Double(r)
        worst = max(worst, max(dx, dy) / max(radius, 1e-300))
        #expect(max(dx, dy) <= 0x1p-47 * radius, "u = \(u), v = \(v)")
      }
      #expect(worst < 0x1p-47)
    }
  #endif

  @Test("the noise uses σ exactly as the calibration gave it (no narrowing to float)")
  func sigmaIsNotNarrowed() {
    // Float(1 + 2^-30) == 1: a sampler that narrowed σ to a float would draw noise of σ = 1.
    let sigma = 1 + 0x1p-30
    #expect(Double(Float(sigma)) < sigma)
    let grid = SnappedGaussian.grid(sigma: sigma)
    var source = SecureNoise.insecureForTesting(seed: 78)
    let published = source.snappedGaussian(
      [Double](repeating: 0, count: 4001), sigma: sigma, grid: grid)
    // The test source is ChaCha20(seed: 78): redo the draws by hand with the Double σ.
    var rng = ChaCha20(seed: 78)
    var expected: [Double] = []
    while expected.count < 4001 {
      let (a, b) = PreciseGaussian.pair(using: &rng)
      expected.append(SnappedGaussian.snap(0, noise: sigma * a, grid: grid))
      expected.append(SnappedGaussian.snap(0, noise: sigma * b, grid: grid))
    }
    #expect(published == Array(expected.prefix(4001)))
  }

  @Test("noise streams publish values on the grid")
  func streamsOnGrid() {
    var source = SecureNoise.insecureForTesting(seed: 79)
    let streams = source.gaussianStreams()
    for sigma in [0.013, 0.7, 5.3] {
      let grid = SnappedGaussian.grid(sigma: sigma)
      var values = (0..<999).map { Float($0) * 0.0137 - 5 }
      values.withUnsafeMutableBufferPointer {
        streams.addSnappedGaussian(to: $0, sigma: sigma, grid: grid, stream: 1)
      }
      #expect(values.allSatisfy { Double($0) == (Double($0) / grid).rounded() * grid })
    }
  }

  @Test("grids: a power of two with σ/128 < Λ ≤ σ/64; counts on integers or coarser")
  func grids() {
    for sigma in [1e-6, 0.01, 0.3, 1, 5.7, 63.9, 64, 64.1, 1000, 3.3e6] {
      let g = SnappedGaussian.grid(sigma: sigma)
      #expect(g > sigma / 128 && g <= sigma / 64, "σ = \(sigma): Λ = \(g)")
      #expect(g.significand == 1)
      let c = SnappedGaussian.countGrid(sigma: sigma)
      #expect(c >= 1 && c.significand == 1 && c / sigma >= SnappedGaussian.smallestCellWidth)
    }
  }

  @Test("snap: on the grid, shift-equivariant on the grid, within Λ/2 of q + z")
  func snap() {
    var rng = ChaCha20(seed: 8)
    for _ in 0..<20_000 {
      let grid = Double(sign: .plus, exponent: Int(rng.next() % 20) - 10, significand: 1)
      let q = (Double(rng.next() >> 11) * 0x1p-53 - 0.5) * 1e6 * grid
      let z = (Double(rng.next() >> 11) * 0x1p-53 - 0.5) * 200 * grid
      let y = SnappedGaussian.snap(q, noise: z, grid: grid)
      #expect(y == (y / grid).rounded() * grid)
      #expect(abs(y - (q + z)) <= grid / 2 + 1e-9 * (abs(q) + abs(z)))
      let shift = Double(Int(rng.next() % 1000) - 500) * grid
      #expect(
        SnappedGaussian.snap(q + shift, noise: z, grid: grid) == y + shift
          || abs(SnappedGaussian.snap(q + shift, noise: z, grid: grid) - (y + shift)) == grid)
    }
  }

  @Test("counts: the published value minus the count has the same law for every count")
  func countsAreShiftInvariant() {
    // For an integer count c and the integer grid, snap(c, z) − c = snap(0, z): the published
    // noise does not depend on c at all (the floating-point channel of issue 13 is closed).
    var rng = ChaCha20(seed: 9)
    for _ in 0..<50_000 {
      let (a, _) = PreciseGaussian.pair(using: &rng)
      let z = 37.3 * a
      let c = Double(rng.next() % 10_000_000)
      #expect(
        SnappedGaussian.snap(c, noise: z, grid: 1) - c == SnappedGaussian.snap(0, noise: z, grid: 1)
      )
    }
  }

  @Test("the relative cell error is tiny, and the tail bound is above the exact tail")
  func bounds() {
    let rho = SnappedGaussian.relativeCellError()
    #expect(rho > 0 && rho < 5e-9)
    for tau in [1.0, 3, 6, 8, 10] {
      #expect(SnappedGaussian.tailProbability(beyond: tau) >= 2 * GaussianMechanism.normalCDF(-tau))
    }
  }
}
