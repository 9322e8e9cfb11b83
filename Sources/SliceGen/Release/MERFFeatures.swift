// The random Fourier features of DP-MERF (Harder, Adamczewski, Park, AISTATS 2021; Rahimi and
// Recht 2007) on slicegen's encoded rows (Docs/merf.md):
//   φ(x) = √(1/D')·[cos(ω_1·x), …, cos(ω_D'·x), sin(ω_1·x), …, sin(ω_D'·x)],
// so that ‖φ(x)‖² = (1/D')·Σ_j (cos² + sin²) = 1 in real arithmetic, and φ(x)·φ(x') estimates the
// Gaussian kernel exp(−‖x − x'‖²/(2ℓ²)) when the ω_j are iid N(0, I/ℓ²).
//
// Everything here is public: the frequencies Ω (d × D', float32) are a function of a seed stored in
// the release (ChaCha20 keyed by it, Docs/noise.md, as U is) and of the length scale ℓ, which is a
// function of the schema alone (`lengthScale(encoding:target:)`), never of the data (DP-MERF's
// median heuristic reads the data and would leak). With a class-conditional release, the rows of
// Ω that meet the target's block are zero: φ sees the features, the label enters as a one-hot.
// The release's privacy does not rest on this file: the mechanism enforces the norm bound on what
// it receives (SliceGenPrivacy/MERFMechanism.swift). `features(arguments:)` is shared by the
// release and the fit (MERFLoss.swift), so both use the same map.

import Foundation
import SliceGenNumerics

/// The public random Fourier feature map of a MERF release.
public struct MERFFeatures: Sendable {
  /// d, the encoded width, and D', the frequencies (2D' features).
  public let encodedWidth: Int
  public let frequencies: Int
  public let lengthScale: Double
  /// Ω, d × D' row-major: column j is ω_j.
  public let omega: [Float]
  /// The target's block of the encoding (class-conditional releases), or nil.
  public let labelBlock: EncodedBlock?

  /// The features per class block: 2D'.
  public var featureWidth: Int { 2 * frequencies }

  /// The frequency count of `--features` by default.
  public static let defaultFrequencies = 1000
  /// `--features`.
  public static let frequencyRange = 1...100_000
  /// `--length-scale`: encoded rows lie in the unit ball, so no two are more than 2 apart; a
  /// kernel far narrower or wider than that sees nothing.
  public static let lengthScaleRange = 0.001...100.0

  /// The map with frequencies drawn from `seed` for the length scale `lengthScale` (the
  /// schema's rule `lengthScale(encoding:classConditional:)` unless the release chose another,
  /// which it then stores: a fit reads ℓ from the release, never recomputes it).
  public init(
    encoding: Encoding, frequencies: Int, seed: UInt64, classConditional: Bool,
    lengthScale scale: Double
  ) {
    precondition(frequencies >= 1 && scale.isFinite && scale > 0)
    let d = encoding.width
    encodedWidth = d
    self.frequencies = frequencies
    let block = classConditional ? Self.targetBlock(encoding) : nil
    labelBlock = block
    lengthScale = scale
    var generator = ChaCha20(seed: seed)
    var omega = [Float](repeating: 0, count: d * frequencies)
    omega.withUnsafeMutableBufferPointer {
      GaussianSampling.fill($0, standardDeviation: Float(1 / scale), using: &generator)
    }
    if let block {
      for i in block.offset..<(block.offset + block.width) {
        for j in 0..<frequencies { omega[i * frequencies + j] = 0 }
      }
    }
    self.omega = omega
  }

  /// The target's block, which must be categorical (checked by `Releaser.merfPlan`).
  static func targetBlock(_ encoding: Encoding) -> EncodedBlock? {
    guard let target = encoding.schema.target else { return nil }
    return encoding.blocks.first { $0.name == target }
  }

  /// ℓ, from the schema alone: √(2/C) for C kept columns (the target excluded when the release is
  /// class-conditional). With equal weights a column moves an encoded row by at most 1/√C, so
  /// a difference in one column costs the kernel a factor of at least e^(−1/4) and a difference
  /// in all of them about e^(−C/4): the kernel sees single columns and their combinations.
  public static func lengthScale(encoding: Encoding, classConditional: Bool) -> Double {
    let target = classConditional ? encoding.schema.target : nil
    let c = max(1, encoding.blocks.filter { $0.name != target }.count)
    return (2 / Double(c)).squareRoot()
  }

  /// A = X·Ω for `rows` encoded rows (rows × d) into `arguments` (rows × D').
  public func arguments(
    of x: UnsafePointer<Float>, rows: Int, into arguments: UnsafeMutablePointer<Float>
  ) {
    omega.withUnsafeBufferPointer {
      GEMM.nn(
        m: rows, n: frequencies, k: encodedWidth, a: x, b: $0.baseAddress!, c: arguments)
    }
  }

  /// φ of one row from its arguments a (D'): [cos a, sin a]·√(1/D') into `out` (2D').
  @inline(__always)
  public func features(
    arguments a: UnsafePointer<Float>, into out: UnsafeMutablePointer<Double>
  ) {
    let scale = (1 / Double(frequencies)).squareRoot()
    for j in 0..<frequencies {
      let t = Double(a[j])
      out[j] = scale * cos(t)
      out[frequencies + j] = scale * sin(t)
    }
  }

  /// The class of an encoded row: the hot entry of the target's block (the encoder writes
  /// exactly one), or nil when the release is not class-conditional.
  @inline(__always)
  public func label(of row: UnsafePointer<Float>) -> Int? {
    guard let block = labelBlock else { return nil }
    for k in 0..<block.width where row[block.offset + k] != 0 { return k }
    return 0
  }
}
