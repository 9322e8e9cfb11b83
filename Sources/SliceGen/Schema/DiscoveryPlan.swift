// What private discovery can see at a given n, ε, δ, number of columns and --discovery-budget,
// before anything is spent: `slicegen plan --columns C`. A public computation (n and the header
// are public; nothing is read): the calibration discovery would use, and the smallest counts that
// pass its thresholds with probability 95 %.
// Deliberately not here: any data. Whether a real table passes depends on its counts; the plan
// states the counts it needs.

import Foundation
import SliceGenPrivacy

/// The thresholds of a discovery that has not run yet.
public struct DiscoveryPlan: Sendable {
  public var rows: Int
  public var columns: Int
  /// The whole budget, and the share f discovery would spend.
  public var epsilon: Double
  public var delta: Double
  public var fraction: Double
  public var calibration: DiscoveryCalibration
  /// τ, in noise σ of a window's sum (NoisySupport.swift).
  public var detectionThreshold: Double

  /// z of "passes with probability 95 %": the count stands 1.645σ above the threshold.
  public static let confidence = 1.6448536269514722

  /// Rows a text value needs to be kept with probability 95 %: T + 1.645σ₂.
  public var category: Double {
    calibration.selectionThreshold + Self.confidence * calibration.secondRoundSigma
  }

  /// Rows a class of a declared target needs (the target's larger share), or nil.
  public var targetClass: Double? {
    calibration.target.map { $0.selectionThreshold + Self.confidence * $0.secondRoundSigma }
  }

  /// Rows a numeric column needs within `octaves` consecutive octaves of the grid to show (both
  /// rounds' grids averaged): (τ + 1.645)·σ·√octaves.
  public func numericRange(octaves: Int) -> Double {
    // Column −1 is no column: an ordinary column's σ (not the target's).
    (detectionThreshold + Self.confidence) * calibration.combinedSigma(column: -1)
      * Double(octaves).squareRoot()
  }

  /// Rows one value of an integer code list needs to show in round 2: (τ + 1.645)·σ₂.
  public var code: Double {
    (detectionThreshold + Self.confidence) * calibration.secondRoundSigma
  }

  /// Non-missing rows a text column needs to be read as text: 4σ₁ + 1.645σ₁.
  public var textColumn: Double {
    (SchemaDiscovery.textMultiple + Self.confidence) * calibration.firstRoundSigma
  }

  /// Likely to succeed on a typical table: a categorical column whose most common value holds
  /// a fifth of the rows, and a numeric column with half its rows within four octaves, both pass
  /// with probability 95 % (and a declared target's class of a tenth of the rows).
  public var likely: Bool {
    let n = Double(rows)
    return category <= 0.2 * n && numericRange(octaves: 4) <= 0.5 * n
      && (targetClass.map { $0 <= 0.1 * n } ?? true)
  }

  /// The number of columns a plan takes (`plan --columns`).
  public static let columnsRange = 1...1_000_000

  /// Plans discovery on a fraction f of (ε, δ) over `columns` columns of `rows` rows.
  /// - Throws: `OptionError` when a setting breaks its rule (the release's rules for ε, δ, n
  ///   and f: `ReleaseOptions`).
  public init(
    rows: Int, epsilon: Double, delta: Double, columns: Int, fraction: Double, target: Bool
  ) throws {
    var release = ReleaseOptions(epsilon: epsilon)
    release.delta = delta
    try release.validate()
    try release.validate(rows: rows)
    try ReleaseOptions.validate(discoveryFraction: fraction)
    if let error = OptionError.outside("columns", columns, Self.columnsRange) { throw error }
    self.rows = rows
    self.columns = columns
    self.epsilon = epsilon
    self.delta = delta
    self.fraction = fraction
    calibration = try DiscoveryCalibration.calibrate(
      epsilon: fraction * epsilon, delta: fraction * delta, columns: columns,
      targetColumn: target ? 0 : nil)
    detectionThreshold = NoisySupport.threshold(columns: columns)
  }

  /// The smallest of 0.05, 0.1, …, 0.9 with which discovery is `likely`, or nil.
  public func smallestLikelyFraction() -> Double? {
    for step in 1...18 {
      let f = Double(step) * 0.05
      if let plan = try? DiscoveryPlan(
        rows: rows, epsilon: epsilon, delta: delta, columns: columns, fraction: f,
        target: calibration.target != nil), plan.likely
      {
        return f
      }
    }
    return nil
  }
}
