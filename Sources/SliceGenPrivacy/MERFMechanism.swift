// DP-MERF (Harder, Adamczewski, Park, AISTATS 2021): one Gaussian-noised sum of per-row
// embeddings ψ(x) (random Fourier features of the encoded row, SliceGen's MERFFeatures.swift),
// released once. Docs/merf.md has the whole argument; this header keeps what the code relies on.
//
// The query, computed exactly. Each row's embedding arrives as doubles; it is rounded to the
// fixed-point grid 2^−24 (a deterministic function of the row) and the rows are summed in Int64,
// so the sum S = Σ_i q(x_i) is exact: no rounding error of the sum depends on the other rows.
// The mechanism then ENFORCES the norm bound on every row in exact integer arithmetic:
//   unconditional:       q(x) = φ(x) quantized, kept when ‖q(x)‖² ≤ B²;
//   class-conditional:   q(x, y) = (φ(x)/√2 in class block y, c in label coordinate y), its
//                        feature part kept when ‖φ-part‖² ≤ B_φ², c = ⌊2^24/√2⌋·2^−24 ≤ B_φ;
// a row that breaks its bound, or has a feature that is not finite or exceeds 2 in magnitude
// (never in practice: ‖φ‖ = 1 in real arithmetic, its rounding
// errors are far inside the slack) contributes the zero vector, and so does the all-zero encoded
// row (the zero-out relation's neighbour, which no row with a categorical column encodes to).
// B = 1 + s·2^−24 and B_φ = ⌈2^23.5⌉·2^−24 + s·2^−24 with s = ⌈√F⌉ (F features per class), which
// covers the quantization (√F·2^−25) twice over.
//
// Sensitivity of S (L2), every bound enforced above, so it holds for ANY computed features:
//   zero-out (x → the zero row, ψ(0) = 0):  ‖q(x)‖ ≤ B, or √(B_φ² + c²) ≤ √2·B_φ (conditional);
//   replace-one, unconditional:             ‖q(x) − q(x')‖ ≤ 2B;
//   replace-one, conditional:               y ≠ y': disjoint supports, √(‖q‖² + ‖q'‖²) ≤ 2B_φ
//                                           (c ≤ B_φ); y = y': the label coordinates cancel and
//                                           the feature parts differ by at most 2B_φ ≈ √2.
// Noise: S + N(0, σ²I) is the Gaussian mechanism, μ = Δ/σ; σ from the analytic Gaussian
// calibration (GaussianMechanism.analyticSigma, rounded up) for the ideal (ε, δ) the
// implementation margin leaves (ImplementationMargin.swift: N = every published value, no shift
// margin since S is exact). Publication: S·2^−24 is an exact double (n·B·2^24 < 2^53, checked),
// each value is snapped to SnappedGaussian.grid(σ) (a power of two in (σ/128, σ/64]).

import Foundation
import SliceGenNumerics

/// A sum of embeddings that could not be released.
public struct MERFError: Error, CustomStringConvertible, Equatable {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}

/// The exact fixed-point sum of bounded per-row embeddings, released with Gaussian noise.
///
/// ## Privacy
/// The sum's L2 sensitivity is `l2Sensitivity(neighbors:)` for every input, because each row's
/// quantized embedding is checked against its bound in exact integer arithmetic and replaced by
/// zero when it breaks it (file header; Docs/merf.md). `finish` adds N(0, σ²) from the secure
/// source and snaps every value (SnappedGaussian.swift). Tests: MERFTests.
public struct MERFMechanism {
  /// The fixed-point grid of the sum: 2^−fractionBits.
  public static let fractionBits = 24
  static let unit = Double(1 << fractionBits)

  /// F: the features of one class block (2D' for D' frequencies).
  public let featureWidth: Int
  /// C classes (class-conditional), or nil.
  public let classes: Int?
  /// The length of the released vector: F·C + C, or F.
  public let dimension: Int
  /// The enforced bound on a row's feature part, in units of 2^−24.
  public let featureBound: Int64
  /// c, the label coordinate, in units of 2^−24 (class-conditional only).
  public let labelUnit: Int64
  private var sums: [Int64]
  /// Rows added (n, public), rows that contributed zero because their features broke the bound
  /// (expected 0; the data owner's terminal only), and all-zero encoded rows.
  public private(set) var rows = 0
  public private(set) var dropped = 0
  public let isPrivate: Bool

  public init(featureWidth: Int, classes: Int?, isPrivate: Bool = true) {
    precondition(featureWidth >= 2 && (classes ?? 1) >= 1)
    self.featureWidth = featureWidth
    self.classes = classes
    dimension = classes.map { featureWidth * $0 + $0 } ?? featureWidth
    let s = Int64(Double(featureWidth).squareRoot().rounded(.up))
    let one = Int64(1) << Self.fractionBits
    if classes == nil {
      featureBound = one + s
      labelUnit = 0
    } else {
      // ⌈2^23.5⌉ and ⌊2^23.5⌋, checked exactly against 2^47 = (2^23.5)².
      var root = Int64((0x1p47 as Double).squareRoot())
      while Int128(root) * Int128(root) > Int128(1) << 47 { root -= 1 }
      while Int128(root + 1) * Int128(root + 1) <= Int128(1) << 47 { root += 1 }
      featureBound = root + 1 + s
      labelUnit = root
    }
    sums = [Int64](repeating: 0, count: dimension)
    self.isPrivate = isPrivate
  }

  /// B (or B_φ) in real units, rounded up.
  public var featureBoundValue: Double { (Double(featureBound) / Self.unit).nextUp }

  /// The L2 sensitivity of the sum under `neighbors` (file header), rounded up.
  public func l2Sensitivity(neighbors: NeighbouringRelation) -> Double {
    let b = Double(featureBound)
    let value: Double
    switch (neighbors, classes) {
    case (.zeroOut, nil): value = b
    case (.zeroOut, _):
      value = Double(
        Int128(featureBound) * Int128(featureBound) + Int128(labelUnit) * Int128(labelUnit)
      ).squareRoot()
    case (.replaceOne, _): value = 2 * b
    }
    return (value / Self.unit).nextUp.nextUp
  }

  /// The quantized value of one feature: round to nearest of x·2^24 (exact scaling); nil for a
  /// value that is not finite or is larger than 2 in magnitude (the row then breaks the bound).
  @inline(__always)
  static func quantize(_ x: Double) -> Int64? {
    guard x.isFinite, abs(x) <= 2 else { return nil }
    return Int64((x * unit).rounded(.toNearestOrEven))
  }

  /// Adds one row: its features φ (F values, each computed as cos or sin over √D'), and for a
  /// class-conditional release its class. `isZeroRow`: the row encodes to the all-zero vector
  /// (it contributes nothing, as the zero-out neighbour does).
  public mutating func add(features: UnsafeBufferPointer<Double>, label: Int?, isZeroRow: Bool) {
    precondition(features.count == featureWidth)
    precondition((label == nil) == (classes == nil))
    rows += 1
    if isZeroRow { return }
    let conditional = classes != nil
    var q = [Int64](repeating: 0, count: featureWidth)
    var norm = Int128(0)
    var finite = true
    for j in 0..<featureWidth {
      guard let v = Self.quantize(conditional ? features[j] * 0.5.squareRoot() : features[j])
      else {
        finite = false
        break
      }
      q[j] = v
      norm += Int128(v) * Int128(v)
    }
    guard finite, norm <= Int128(featureBound) * Int128(featureBound) else {
      dropped += 1
      return
    }
    let base = (label ?? 0) * featureWidth
    for j in 0..<featureWidth { sums[base + j] += q[j] }
    if let label, let classes {
      precondition(label >= 0 && label < classes)
      sums[featureWidth * classes + label] += labelUnit
    }
  }

  /// The exact sum (tests).
  public var exactSum: [Double] { sums.map { Double($0) / Self.unit } }

  /// The largest n whose sums stay exact doubles: n·B·2^24 < 2^53.
  public var maximumRows: Int { Int((0x1p53 as Double) / Double(featureBound)) - 1 }

  /// S + N(0, σ²) per value, snapped to `SnappedGaussian.grid(sigma:)`.
  public mutating func finish(sigma: Double, noise: inout SecureNoise) throws -> [Double] {
    guard rows <= maximumRows else {
      throw MERFError(
        "\(rows) rows: the exact sum of embeddings holds at most \(maximumRows) rows")
    }
    let exact = exactSum
    sums = []
    return noise.snappedGaussian(exact, sigma: sigma, grid: SnappedGaussian.grid(sigma: sigma))
  }
}

/// σ of a MERF release and what the implementation adds.
public struct MERFCalibration: Sendable, Equatable {
  public var sigma: Double
  public var l2Sensitivity: Double
  public var margin: ImplementationMargin

  /// The analytic Gaussian σ for (ε, δ) under `neighbors`, for the ideal (ε, δ) the margin
  /// leaves (N = every one of the `dimension` published values; no shift margin: the sum is
  /// exact).
  ///
  /// ## Privacy
  /// The Gaussian mechanism with L2 sensitivity Δ and this σ is (ε′, δ′)-DP for the ideal
  /// parameters (Balle & Wang 2018); the snapped sampler adds the margin
  /// (ImplementationMargin.swift), so the release is (ε, δ)-DP under `neighbors`. Tests:
  /// MERFTests.
  public static func calibrate(
    epsilon: Double, delta: Double, l2Sensitivity: Double, dimension: Int
  ) throws -> MERFCalibration {
    try PrivacyValidation.epsilon(epsilon)
    try PrivacyValidation.delta(delta)
    var margin = ImplementationMargin(affectedValues: dimension, delta: delta, shift: .zero)
    let idealEpsilon = try margin.idealEpsilon(epsilon)
    let sigma = GaussianMechanism.analyticSigma(
      epsilon: idealEpsilon, delta: margin.idealDelta(delta), sensitivity: l2Sensitivity)
    try margin.checkTails(maximumShift: l2Sensitivity / sigma, couplingFailure: 0)
    return MERFCalibration(sigma: sigma, l2Sensitivity: l2Sensitivity, margin: margin)
  }
}
