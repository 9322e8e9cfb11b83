// Settings of the smoothed-sliced divergence estimator and the errors it reports. Every setting
// here is post-processing of the release: it costs no privacy, so the defaults come from
// measurement, not from the privacy budget. This file validates; it computes nothing.

/// Arithmetic used inside the kernel estimator.
public enum EstimatorPrecision: String, Codable, CaseIterable, Sendable {
  /// Float kernels and Cholesky: about 2× faster than double per evaluation. Measured against
  /// double (b = 128…512, τ = 1e-2): ratio estimates differ by ~1e-3, gradients by ~1e-4 (χ²)
  /// to 3e-3 (kl) relative; for reverseKL by ~20% (see `Divergence.reverseKL`).
  case single
  /// Double throughout (the gradient tests use it).
  case double
}

/// Settings of `SlicedLoss`.
public struct EstimatorConfiguration: Codable, Equatable, Sendable {
  /// The divergence minimised (default: `.kl`, KL(synthetic‖real) as in Docs/design.md).
  public var divergence: Divergence
  /// Ridge τ added to the real–real kernel matrix, τ > 0. Docs/design.md: the paper's 1e-4 was
  /// measured to be strongly biased; 1e-2 behaves well.
  public var tau: Double
  /// Bandwidths used, as multiples of the slice's median distance between real projections;
  /// the ratio estimates of all of them are averaged. Each > 0, at least one.
  public var bandwidthMultipliers: [Double]
  /// Ratio estimates below this are clipped to it (and get no gradient), 0 < floor < 1.
  public var ratioFloor: Double
  /// Float or double arithmetic for the kernel path (inputs and outputs are Float either way).
  public var precision: EstimatorPrecision
  /// Worker threads over slices (nil: one per active processor). Results do not depend on it.
  public var threads: Int?

  public init(
    divergence: Divergence = .kl, tau: Double = 1e-2,
    bandwidthMultipliers: [Double] = [0.5, 1, 2], ratioFloor: Double = 1e-3,
    precision: EstimatorPrecision = .single, threads: Int? = nil
  ) {
    self.divergence = divergence
    self.tau = tau
    self.bandwidthMultipliers = bandwidthMultipliers
    self.ratioFloor = ratioFloor
    self.precision = precision
    self.threads = threads
  }

  enum CodingKeys: String, CodingKey {
    case divergence, tau, bandwidthMultipliers, ratioFloor, precision, threads
  }

  /// Decodes, taking the default for every missing key (older files stay readable).
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    let d = EstimatorConfiguration()
    divergence = try c.decodeIfPresent(Divergence.self, forKey: .divergence) ?? d.divergence
    tau = try c.decodeIfPresent(Double.self, forKey: .tau) ?? d.tau
    bandwidthMultipliers =
      try c.decodeIfPresent([Double].self, forKey: .bandwidthMultipliers) ?? d.bandwidthMultipliers
    ratioFloor = try c.decodeIfPresent(Double.self, forKey: .ratioFloor) ?? d.ratioFloor
    precision = try c.decodeIfPresent(EstimatorPrecision.self, forKey: .precision) ?? d.precision
    threads = try c.decodeIfPresent(Int.self, forKey: .threads)
  }

  /// Checks every setting; the error names the setting and the rule.
  public func validate() throws(EstimatorError) {
    guard tau.isFinite, tau > 0 else {
      throw .invalidSetting(name: "tau", value: "\(tau)", rule: "must be positive and finite")
    }
    guard !bandwidthMultipliers.isEmpty else {
      throw .invalidSetting(
        name: "bandwidthMultipliers", value: "[]", rule: "must hold at least one multiplier")
    }
    for w in bandwidthMultipliers where !(w.isFinite && w > 0) {
      throw .invalidSetting(
        name: "bandwidthMultipliers", value: "\(w)", rule: "each must be positive and finite")
    }
    guard ratioFloor > 0, ratioFloor < 1 else {
      throw .invalidSetting(
        name: "ratioFloor", value: "\(ratioFloor)", rule: "must be in the open interval (0, 1)")
    }
    if let threads, threads < 1 {
      throw .invalidSetting(name: "threads", value: "\(threads)", rule: "must be at least 1")
    }
  }
}

/// What can go wrong in `SlicedLoss`; each case carries the evidence.
public enum EstimatorError: Error, Equatable, Sendable, CustomStringConvertible {
  /// A setting breaks its rule.
  case invalidSetting(name: String, value: String, rule: String)
  /// A shape argument is out of range (slices, slice dimension, batch sizes, buffer lengths).
  case invalidShape(name: String, value: Int, rule: String)
  /// An input projection is NaN or infinite (a diverged generator, usually).
  case nonFiniteInput(matrix: String, row: Int, column: Int)
  /// K_rr + τI failed to factor (only possible through rounding with tiny τ).
  case notPositiveDefinite(slice: Int, bandwidth: Double, pivot: Int)

  public var description: String {
    switch self {
    case .invalidSetting(let name, let value, let rule):
      return "estimator setting \(name) is \(value), \(rule)"
    case .invalidShape(let name, let value, let rule):
      return "estimator \(name) is \(value), \(rule)"
    case .nonFiniteInput(let matrix, let row, let column):
      return "\(matrix) projection at row \(row), column \(column) is not finite"
    case .notPositiveDefinite(let slice, let bandwidth, let pivot):
      return "kernel matrix of slice \(slice) at bandwidth \(bandwidth) is not positive definite"
        + " (pivot \(pivot)); raise tau"
    }
  }
}
