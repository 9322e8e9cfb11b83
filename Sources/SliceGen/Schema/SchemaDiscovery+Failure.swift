// When private discovery cannot give a column a domain: what failed and why, in the words of the
// column's type, what the attempt spent, and what will work (a budget, computed from the public
// calibration and the noisy counts; or a schema, which costs nothing). Post-processing of the
// mechanism's noisy output: the numbers quoted are noisy counts, never exact ones.

import Foundation
import SliceGenPrivacy

/// One column that discovery could not describe.
public struct DiscoveryFailure: Sendable, Equatable {
  public enum Kind: Sendable, Equatable {
    /// A numeric column without a detected range.
    case numeric
    /// A categorical column without a selected value.
    case categorical
    /// A declared target whose classes would go to the catch-all.
    case target
  }

  public var column: String
  /// The column's position in the header.
  public var index: Int
  public var kind: Kind
  /// The column's noisy count of numbers (numeric) or of non-missing fields (categorical).
  public var noisyRows: Double
  /// Rows that must show above the noise for the column to pass: the 95 % lower bound of the
  /// densest range's noisy mass (numeric) or of the noisy mass left to the catch-all (target);
  /// nil when unknown.
  public var neededRows: Double?
  /// Numeric: how many octaves that range spans.
  public var width: Double = 1
  /// Numeric: the line's σ relative to the column's combined σ (√2 for fractional columns).
  public var sigmaScale: Double = 1
  public var why: String

  /// "column "x" is numeric (…)" and why it failed.
  var sentence: String {
    let name = ValueText.quoted(column)
    switch kind {
    case .numeric:
      return "column \"\(name)\" is numeric (about \(rowCount(noisyRows)) of its fields are "
        + "numbers, by the noisy counts), but \(why)."
    case .categorical:
      return "column \"\(name)\" is categorical (about \(rowCount(noisyRows)) non-missing "
        + "fields, mostly text, by the noisy counts), but \(why)."
    case .target:
      return "target \"\(name)\": \(why)."
    }
  }
}

/// Discovery ran (and spent its budget) but some columns have no domain.
public struct SchemaDiscoveryError: Error, CustomStringConvertible {
  public var failures: [DiscoveryFailure]
  /// What the attempt spent.
  public var epsilon: Double
  public var delta: Double
  /// What will work, one line each.
  public var advice: [String]
  /// The columns that were discovered, the failed ones dropped and marked (nil when not even a
  /// valid partial schema results).
  public var partialSchema: Schema?
  /// Where the partial schema was written, once it is.
  public var partialSchemaPath: String? = nil

  public var description: String {
    var lines = ["private discovery could not give every column a domain:"]
    for failure in failures { lines.append("  - " + failure.sentence) }
    lines.append(
      "This attempt spent ε = \(format(epsilon)), δ = \(String(format: "%.3g", delta)) of this "
        + "table's privacy budget: the noisy counts were drawn, so the spend stands even though "
        + "nothing was released, and another attempt on the same table spends again (the spends "
        + "add up).")
    lines.append("What will work:")
    for line in advice { lines.append("  - " + line) }
    if let path = partialSchemaPath {
      lines.append(
        "  - a schema, which costs nothing more: \(path) holds the columns discovered in this "
          + "attempt, the failed ones dropped and noted \"discovery failed\". Declare those from "
          + "public knowledge (Docs/schema.md) or leave them dropped, then release with --schema "
          + "\(path); that release's statement adds this attempt's spend.")
    } else {
      lines.append(
        "  - a schema that declares or drops the columns above (Docs/schema.md), given with "
          + "--schema: a schema from public knowledge costs no budget.")
    }
    return lines.joined(separator: "\n")
  }

  private func format(_ x: Double) -> String { String(format: "%.4g", x) }
}

extension SchemaDiscovery {
  /// The probability with which the advice's budget makes a failed column pass: its needed
  /// rows stand z = 1.645 noise σ above the threshold.
  static let adviceConfidence = 1.6448536269514722

  /// What will work for `failures`: the smallest budget (as a --discovery-budget when `fraction`
  /// is known, else as a discovery ε) with which each column's noisy evidence would pass with
  /// probability 95 %, and what no budget can fix. Public computation on noisy counts.
  static func advice(
    for failures: [DiscoveryFailure], calibration: DiscoveryCalibration, fraction: Double?,
    tau: Double
  ) -> [String] {
    // A budget k times this attempt's: (k·ε_d, k·δ_d), at most a fraction 0.9 of the whole.
    let largestScale = fraction.map { 0.9 / $0 } ?? 100
    func scaled(_ k: Double) -> DiscoveryCalibration? {
      try? DiscoveryCalibration.calibrate(
        epsilon: calibration.epsilon * k, delta: min(calibration.delta * k, 0.5),
        columns: calibration.columns, targetColumn: calibration.target?.column,
        targetWeight: calibration.target?.weight ?? DiscoveryCalibration.defaultTargetWeight,
        firstRoundShare: calibration.firstRoundShare)
    }
    func smallestScale(_ passes: @escaping (DiscoveryCalibration) -> Bool) -> Double? {
      guard
        let k = Bisection.smallestPassing({ k in
          let clamped = max(1, min(k, largestScale))
          return scaled(clamped).map(passes) ?? false
        }), k <= largestScale
      else { return nil }
      return max(1, k)
    }
    func budget(_ k: Double) -> String {
      if let fraction {
        let f = (fraction * k * 100).rounded(.up) / 100
        return "--discovery-budget \(String(format: "%.2f", f))"
      }
      return "a discovery budget of ε = \(String(format: "%.3g", calibration.epsilon * k))"
    }
    let z = adviceConfidence
    var lines: [String] = []
    var hopeless: [String] = []
    for failure in failures {
      let name = "\"\(ValueText.quoted(failure.column))\""
      let index = failure.index
      switch failure.kind {
      case .numeric:
        guard let needed = failure.neededRows, needed > 0 else {
          hopeless.append(name)
          continue
        }
        let width = failure.width
        let scale = smallestScale { c in
          (tau + z) * c.combinedSigma(column: index) * failure.sigmaScale
            * width.squareRoot() <= needed
        }
        if let scale {
          lines.append(
            "\(budget(scale)) for \(name): its densest range (at least about "
              + "\(rowCount(needed)) rows, by the noisy counts' 95 % lower bound) would then show "
              + "above the noise with probability 95 %.")
        } else {
          hopeless.append(name)
        }
      case .target:
        guard let needed = failure.neededRows, needed > 0 else {
          hopeless.append(name)
          continue
        }
        let scale = smallestScale { c in
          c.selectionThreshold(column: index) + z * c.secondRoundSigma(column: index) <= needed
        }
        if let scale {
          lines.append(
            "\(budget(scale)) for \(name): a class of \(rowCount(needed)) rows (the noisy "
              + "counts' 95 % lower bound for what the catch-all would take) would then pass the "
              + "threshold with probability 95 %.")
        } else {
          hopeless.append(name)
        }
      case .categorical:
        if let c = scaled(largestScale) {
          lines.append(
            "for \(name), a larger budget lowers the threshold a value must pass (at "
              + "\(budget(largestScale)): about \(rowCount(c.selectionThreshold(column: index))) "
              + "rows); if its values are nearly unique (an id, free text), no budget helps: drop "
              + "it in a schema.")
        }
      }
    }
    if !hopeless.isEmpty {
      lines.append(
        "for \(hopeless.joined(separator: ", ")), no budget up to "
          + "\(budget(largestScale)) would make the noisy evidence pass: declare "
          + "\(hopeless.count == 1 ? "it" : "them") in a schema.")
    }
    return lines
  }
}
