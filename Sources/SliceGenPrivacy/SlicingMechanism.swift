// The slicing mechanism of DESIGN §3: the one place where private encoded rows turn into released
// numbers. Everything an auditor needs to read about the release path is here and in the
// accountant: rows come in already encoded (‖x − x'‖ ≤ 1, ‖x‖ ≤ 1, DESIGN §2), go out as
// O = XU + V with V iid N(0, σ²) from the secure generator, optionally Poisson-subsampled, and
// shuffled with the secure generator.
//
// Deliberately not here: reading files, choosing σ (the accountant does), writing files.

import SliceGenNumerics

/// Collects the projections of encoded rows and turns them into a release.
///
/// ## Privacy
/// `finish(sigma:noise:)` returns (n × m') O = XU + V, V iid N(0, σ²), rows in a uniformly random
/// order. With σ = s/√d from `SlicingAccountant` it meets the accountant's (ε, δ) under replace-one
/// (or zero-out) when U is drawn after the data is fixed (the χ²-mixture analysis, DESIGN §4), or
/// under the analytic Gaussian analysis with sensitivity ‖U‖₂ when U was fixed by the user.
/// Before `finish`, the noise-free projections exist only inside this value; nothing reads them.
/// Tests: SlicingMechanismTests (noise level, shuffling, subsampling).
public struct SlicingMechanism {
  /// d and m'.
  public let encodedWidth: Int
  public let projectionCount: Int
  /// U (d × m') row-major, entries iid N(0, 1/d) from ChaCha20(seed).
  public let directions: [Float]
  /// Poisson subsampling rate, or nil.
  public let subsampling: Double?
  private var projected: [Float] = []
  public private(set) var rows = 0
  /// Rows seen before subsampling.
  public private(set) var rowsSeen = 0
  private var noise: SecureNoise
  private var scratch: [Float] = []

  /// - Parameters:
  ///   - seed: the projection seed; U is a public function of (seed, d, m').
  ///   - noise: the secure noise source (also used for subsampling and shuffling).
  public init(
    encodedWidth: Int, projectionCount: Int, seed: UInt64, subsampling: Double?,
    noise: SecureNoise
  ) {
    precondition(encodedWidth > 0 && projectionCount > 0)
    if let q = subsampling { precondition(q > 0 && q <= 1) }
    self.encodedWidth = encodedWidth
    self.projectionCount = projectionCount
    self.directions = Self.directions(
      encodedWidth: encodedWidth, projectionCount: projectionCount, seed: seed)
    self.subsampling = subsampling
    self.noise = noise
  }

  /// U for (d, m', seed): iid N(0, 1/d) from `ChaCha20(seed:)`, row-major (d × m').
  public static func directions(encodedWidth d: Int, projectionCount: Int, seed: UInt64)
    -> [Float]
  {
    var generator = ChaCha20(seed: seed)
    var u = [Float](repeating: 0, count: d * projectionCount)
    u.withUnsafeMutableBufferPointer {
      GaussianSampling.fill($0, standardDeviation: Float(1 / Double(d).squareRoot()),
                            using: &generator)
    }
    return u
  }

  /// Adds a block of encoded rows (rows × d, row-major).
  public mutating func append(encoded: UnsafePointer<Float>, rows count: Int) {
    guard count > 0 else { return }
    rowsSeen += count
    var source = encoded
    var kept = count
    if let q = subsampling, q < 1 {
      // Poisson subsampling: keep each row independently with probability q (secure coin).
      if scratch.count < count * encodedWidth { scratch = [Float](repeating: 0, count: count * encodedWidth) }
      kept = 0
      scratch.withUnsafeMutableBufferPointer { buffer in
        for row in 0..<count where noise.includes(probability: q) {
          (buffer.baseAddress! + kept * encodedWidth).update(
            from: encoded + row * encodedWidth, count: encodedWidth)
          kept += 1
        }
      }
      guard kept > 0 else { return }
      source = scratch.withUnsafeBufferPointer { $0.baseAddress! }
    }
    let start = projected.count
    projected.append(contentsOf: repeatElement(0, count: kept * projectionCount))
    let d = encodedWidth
    let mPrime = projectionCount
    let src = source
    projected.withUnsafeMutableBufferPointer { out in
      directions.withUnsafeBufferPointer { u in
        GEMM.nn(m: kept, n: mPrime, k: d, a: src, b: u.baseAddress!,
                c: out.baseAddress! + start)
      }
    }
    rows += kept
  }

  /// Adds N(0, σ²) to every projection, shuffles the rows, and hands out O (rows × m').
  public mutating func finish(sigma: Double) -> [Float] {
    precondition(sigma > 0 && sigma.isFinite)
    var out = projected
    projected = []
    out.withUnsafeMutableBufferPointer { noise.addGaussian(to: $0, sigma: sigma) }
    // Fisher–Yates over rows with the secure generator.
    let width = projectionCount
    out.withUnsafeMutableBufferPointer { buffer in
      let base = buffer.baseAddress!
      var i = rows - 1
      while i > 0 {
        let j = noise.uniformInt(below: i + 1)
        if j != i {
          for c in 0..<width { base.advanced(by: i * width + c).pointee.swapAt(base.advanced(by: j * width + c)) }
        }
        i -= 1
      }
    }
    return out
  }

  /// Whether the noise source is the OS-seeded secure generator (false only in tests).
  public var noiseIsPrivate: Bool { noise.isPrivate }
}

extension Float {
  @inline(__always)
  fileprivate mutating func swapAt(_ other: UnsafeMutablePointer<Float>) {
    let t = self
    self = other.pointee
    other.pointee = t
  }
}
