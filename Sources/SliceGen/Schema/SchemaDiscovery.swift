// Private domain discovery, the SliceGen half: streams the CSV, counts what the mechanism needs,
// hands the true counts to `DiscoveryMechanism` (SliceGenPrivacy) and turns the noisy counts it
// returns into a Schema. Nothing read from the data reaches the schema except through those noisy
// counts (proof sketch: SliceGenPrivacy/DiscoveryMechanism.swift, Docs/privacy.md).
// Deliberately not here: noise, σ, thresholds calibrated to δ (all in SliceGenPrivacy).
//
// Public conventions assumed (nothing else is known about the table): the header names the
// columns; an empty field is missing; a field is numeric when Swift's Double parses it (surrounding
// spaces allowed) to a finite value, and integer when that value is whole.
//
// Passes: one streaming pass for round 1 (class counts) and the numeric grid histograms of every
// column (their memory is fixed: C × 173 counts); a second pass, only when round 1 finds text
// columns, for the counts of their values (memory grows with their distinct values, at most n).

import Foundation
import SliceGenPrivacy

/// Signed powers of two: the public grid of numeric bounds.
///
/// Cells, from the bottom: (−∞, −2^64], the octaves [−2^(j+1), −2^j) for j = 63 … −20,
/// (−2^−20, 0), {0}, (0, 2^−20), the octaves [2^j, 2^(j+1)) for j = −20 … 63, [2^64, ∞).
public enum DiscoveryGrid {
  public static let minimumExponent = -20
  public static let maximumExponent = 64
  static let octaves = maximumExponent - minimumExponent
  static let zeroCell = octaves + 2
  public static let cellCount = 2 * zeroCell + 1

  /// The cell of a finite value.
  public static func cell(_ x: Double) -> Int {
    if x == 0 { return zeroCell }
    let a = abs(x)
    let offset: Int
    if a < 0x1p-20 {
      offset = 1
    } else if a >= 0x1p64 {
      offset = octaves + 2
    } else {
      offset = 2 + Int(a.exponent) - minimumExponent
    }
    return x > 0 ? zeroCell + offset : zeroCell - offset
  }

  /// The cell's edges (the overflow cells end at ±2^64: values beyond are clamped there).
  public static func edges(_ cell: Int) -> (lower: Double, upper: Double) {
    precondition((0..<cellCount).contains(cell))
    if cell == zeroCell { return (0, 0) }
    let offset = abs(cell - zeroCell)
    let positive: (Double, Double)
    switch offset {
    case 1: positive = (0, 0x1p-20)
    case octaves + 2: positive = (0x1p64, 0x1p64)
    default:
      let j = offset - 2 + minimumExponent
      positive = (Double(sign: .plus, exponent: j, significand: 1),
                  Double(sign: .plus, exponent: j + 1, significand: 1))
    }
    return cell > zeroCell ? positive : (-positive.1, -positive.0)
  }
}

/// What discovery found about one column, for the data owner's terminal.
public struct DiscoveredColumn: Sendable {
  public var name: String
  /// Noisy counts of round 1: missing, integer, fractional, text.
  public var classCounts: [Double]
  public var summary: String
}

/// The result of private discovery.
public struct SchemaDiscoveryResult: Sendable {
  public var schema: Schema
  public var calibration: DiscoveryCalibration
  public var rows: Int
  public var columns: [DiscoveredColumn]
  public var noiseIsPrivate: Bool
}

/// Discovers a schema from a CSV under differential privacy.
public enum SchemaDiscovery {
  /// Fields that are at least this share numeric (among non-missing) make a numeric column.
  public static let numericShare = 0.95
  /// A numeric column is integer when at most this share of its numbers is fractional (or the
  /// noisy fractional count is within 3σ₁ of zero).
  public static let fractionalShare = 0.01
  /// Noise multiples: a grid cell counts when its noisy count exceeds 4.5σ₂ (an empty cell does
  /// so with probability 3.4e-6, so a column's 173 cells give a false bound with probability
  /// under 6e-4); a column is nullable when its noisy missing count exceeds 3σ₁ (3√2σ₁ for a sum).
  public static let gridMultiple = 4.5
  public static let nullableMultiple = 3.0
  /// The category that receives every value below the threshold.
  public static let catchAllName = "(other)"

  /// Reads `csvPath` (two streaming passes at most) and returns a schema discovered with
  /// (epsilon, delta)-DP under replace-one.
  ///
  /// ## Privacy
  /// (epsilon, calibration.spentDelta(epsilon) ≤ delta)-DP under replace-one, n and the header
  /// public; the proof sketch is in SliceGenPrivacy/DiscoveryMechanism.swift. Tests:
  /// SchemaDiscoveryTests (a value held by one row never appears; the spend adds up).
  /// - Parameter budget: the discovery's (ε, δ) as a function of n (public; counted in the first
  ///   pass, so that a default δ can depend on it).
  public static func discover(
    csvPath: String, budget: (Int) throws -> (epsilon: Double, delta: Double),
    target: String? = nil, insecureTestNoiseSeed: UInt64? = nil, progress: (Int) -> Void = { _ in }
  ) throws -> SchemaDiscoveryResult {
    var reader = try CSVReader(path: csvPath)
    let header = reader.header
    let columnCount = header.count
    // Checked before anything is counted, so a misspelt target costs nothing.
    if let target, !header.contains(target) {
      throw ReleaseError("--target \"\(ValueText.quoted(target))\" is not a column of \(csvPath) "
        + "(nothing was spent)")
    }

    // Pass 1: per column, classes (missing, integer, fractional, text) and the grid histogram.
    var classes = [[Int]](repeating: [0, 0, 0, 0], count: columnCount)
    var grid = [[Int]](repeating: [Int](repeating: 0, count: DiscoveryGrid.cellCount),
                       count: columnCount)
    var n = 0
    while let record = try reader.nextRecord() {
      for (c, text) in record.fields.enumerated() {
        if text.isEmpty {
          classes[c][0] += 1
        } else if let value = number(text) {
          classes[c][value.rounded() == value ? 1 : 2] += 1
          grid[c][DiscoveryGrid.cell(value)] += 1
        } else {
          classes[c][3] += 1
        }
      }
      n += 1
      if n % 65536 == 0 { progress(n) }
    }
    guard n > 0 else { throw ReleaseError("\(csvPath): the file has a header but no rows") }
    let (epsilon, delta) = try budget(n)
    let calibration = try DiscoveryCalibration.calibrate(
      epsilon: epsilon, delta: delta, columns: columnCount)
    let noise = insecureTestNoiseSeed.map { SecureNoise.insecureForTesting(seed: $0 &+ 2) }
      ?? SecureNoise()
    var mechanism = DiscoveryMechanism(calibration: calibration, noise: noise)

    // Round 1, every column (a fixed, public set of queries).
    let sigma1 = calibration.typeSigma
    let noisyClasses = classes.map { mechanism.noisyClassCounts($0) }
    var isNumeric = [Bool](repeating: false, count: columnCount)
    for c in 0..<columnCount {
      let k = noisyClasses[c]
      let numbers = k[1] + k[2]
      isNumeric[c] = numbers > 0 && numbers >= numericShare * (numbers + max(k[3], 0))
    }

    // Pass 2, only for text columns: the count of every value present.
    let textColumns = (0..<columnCount).filter { !isNumeric[$0] }
    var values = [[String: Int]](repeating: [:], count: columnCount)
    if !textColumns.isEmpty {
      var second = try CSVReader(path: csvPath)
      while let record = try second.nextRecord() {
        for c in textColumns {
          let text = record.fields[c]
          if !text.isEmpty { values[c][text, default: 0] += 1 }
        }
      }
    }

    // Round 2, chosen from round 1's noisy output only; then post-processing into a schema.
    var columns: [SchemaColumn] = []
    var findings: [DiscoveredColumn] = []
    let t = calibration.selectionThreshold
    let sigma2 = calibration.valueSigma
    for c in 0..<columnCount {
      let name = header[c]
      let k = noisyClasses[c]
      if isNumeric[c] {
        let counts = mechanism.noisyGridCounts(grid[c])
        let kept = counts.indices.filter { counts[$0] > gridMultiple * sigma2 }
        guard let first = kept.first, let last = kept.last else {
          throw ReleaseError(
            "column \"\(ValueText.quoted(name))\": empty after private discovery: it reads as "
              + "numeric, but no "
              + "cell of the public grid of powers of two holds enough rows to show above the "
              + "noise (a cell needs a noisy count above \(Int(gridMultiple * sigma2)) rows at "
              + "this budget). Give a --schema that declares or drops the column, or raise "
              + "--epsilon or --discovery-budget")
        }
        let numbers = k[1] + k[2]
        let integer = k[2] <= max(fractionalShare * numbers, nullableMultiple * sigma1)
        var lower = DiscoveryGrid.edges(first).lower
        var upper = DiscoveryGrid.edges(last).upper
        if integer {
          lower = lower.rounded(.down)
          upper = upper.rounded(.up)
        }
        if lower == upper { upper = lower + 1 }
        let nullable = k[0] + k[3] > nullableMultiple * 2.0.squareRoot() * sigma1
        columns.append(SchemaColumn(
          name: name, domain: .numeric(lower: lower, upper: upper, integer: integer),
          nullable: nullable, nonNumeric: nullable ? .missing : .lower))
        findings.append(DiscoveredColumn(
          name: name, classCounts: k,
          summary: "numeric\(integer ? " integer" : "") in [\(Schema.format(lower)), "
            + "\(Schema.format(upper))]\(nullable ? ", nullable" : "")"))
      } else {
        let selected = mechanism.selectedValues(values[c])
        values[c] = [:]
        guard !selected.isEmpty else {
          throw ReleaseError(
            "column \"\(ValueText.quoted(name))\": empty after private discovery: no value is "
              + "held by enough rows "
              + "to pass the partition-selection threshold (a value needs a noisy count above "
              + "\(Int(t.rounded(.up))) rows at this budget), so only the catch-all would remain. "
              + "Give a --schema that declares or drops the column, or raise --epsilon or "
              + "--discovery-budget")
        }
        var categories = selected.map(\.value)
        var catchAll = catchAllName
        var suffix = 2
        while categories.contains(catchAll) {
          catchAll = "\(catchAllName.dropLast()) \(suffix))"
          suffix += 1
        }
        categories.append(catchAll)
        let nullable = k[0] > nullableMultiple * sigma1
        columns.append(SchemaColumn(
          name: name, domain: .categorical(categories: categories, catchAll: catchAll),
          nullable: nullable))
        findings.append(DiscoveredColumn(
          name: name, classCounts: k,
          summary: "categorical, \(selected.count) categories + \(catchAll)"
            + "\(nullable ? ", nullable" : "")"))
      }
    }
    let schema = try Schema(
      columns: columns, missingTokens: [""], dataDerived: false,
      source: "Discovered under differential privacy by slicegen release without --schema "
        + "(ε = \(epsilon), δ = \(delta), replace-one; Docs/privacy.md). Review it: values below "
        + "the thresholds map to the catch-all category, numbers outside the bounds are clamped.",
      discovery: SchemaDiscoveryRecord(epsilon: epsilon, delta: delta, rows: n), target: target)
    return SchemaDiscoveryResult(
      schema: schema, calibration: calibration, rows: n, columns: findings,
      noiseIsPrivate: mechanism.noiseIsPrivate)
  }

  /// A finite number, read as the encoder reads numeric fields.
  static func number(_ text: String) -> Double? {
    guard let value = Double(text) ?? Double(text.trimmingCharacters(in: .whitespaces)),
      value.isFinite
    else { return nil }
    return value
  }
}
