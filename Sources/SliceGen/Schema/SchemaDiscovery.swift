// Private domain discovery, the SliceGen half: streams the CSV, counts what the mechanism needs,
// hands the true counts to `DiscoveryMechanism` (SliceGenPrivacy) and turns the noisy counts it
// returns into a Schema. Nothing read from the data reaches the schema, the terminal or an error
// message except through those noisy counts (proof sketch:
// SliceGenPrivacy/DiscoveryMechanism.swift, Docs/privacy.md). Deliberately not here: noise, σ,
// thresholds calibrated to δ (all in SliceGenPrivacy).
//
// Public conventions assumed (nothing else is known about the table): the header names the
// columns; an empty field is missing; a field is a number when Swift's Double parses it
// (surrounding spaces allowed) to a finite value, and whole when that value is an integer.
//
// The rules, from noisy counts only (n, the number of rows, is public; "noisy numbers" is
// n − noisy missing − noisy text):
//  - type: categorical when the noisy text count exceeds 4σ₁ and the noisy numbers (the
//    majority of the non-missing fields are text, beyond doubt), else numeric (non-numbers are
//    then read as missing);
//  - integer: no fractional cell of round 1's grid is detected, or the detected fractional mass is
//    at most 1 % of the noisy numbers;
//  - integer codes: an integer column whose round-1 support lies within [−128, 128] and holds
//    its numbers (no significant noisy mass outside) is measured in round 2 one cell per whole
//    number; it is categorical when 2 to 32 codes are detected and
//    they hold at least 95 % of its noisy numbers (few distinct values, each held by many rows:
//    a code list), numeric otherwise (many values, or mass spread thin: a quantity such as an
//    age or a count of hours; a code list longer than 32, such as an industry recode, stays
//    numeric unless a schema declares it);
//  - bounds: the noisy 0.5 % and 99.5 % quantiles of the detected mass on the grid
//    (NoisySupport.swift), on the cells' edges (integer columns: the whole numbers the cells
//    hold, so [0, 2^k) gives [0, 2^k − 1]; integer codes that stay numeric widen them to the
//    values round 2 shows);
//  - nullable: noisy missing above 3σ₁ (categorical), noisy missing + text above 3√2σ₁ (numeric);
//  - categories: the text values whose noisy count passes T (and the codes detected), plus the
//    catch-all `(other)`; a declared target must keep at least two values and no significant
//    noisy mass in its catch-all.
//
// Passes: one streaming pass for round 1 (class counts, the grid histograms and the counts of
// whole numbers in [−128, 128) of every column: fixed memory, C × 604 counts); a second pass, only
// when round 1 finds text columns, for the counts of their values (memory grows with their
// distinct values, at most n).

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
  /// The offset from the zero cell of [1, 2): cells closer to zero hold no whole number.
  static let firstWholeOffset = 2 - minimumExponent

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
      positive = (
        Double(sign: .plus, exponent: j, significand: 1),
        Double(sign: .plus, exponent: j + 1, significand: 1)
      )
    }
    return cell > zeroCell ? positive : (-positive.1, -positive.0)
  }

  /// The smallest and largest whole numbers the cells `range` can hold: a positive octave
  /// [2^j, 2^(j+1)) holds at most 2^(j+1) − 1 and a negative one (−2^(j+1), −2^j] at least
  /// −2^(j+1) + 1, so that [0, 2^k) gives the 2^k values [0, 2^k − 1] (one marginal bin each up
  /// to `--marginal-bins`). Outer cells beyond 2^53 keep their edges.
  public static func wholeNumberBounds(_ range: Range<Int>) -> (lower: Double, upper: Double) {
    var lower = edges(range.lowerBound).lower.rounded(.down)
    var upper = edges(range.upperBound - 1).upper.rounded(.up)
    if range.lowerBound < zeroCell, -lower <= 0x1p53 { lower += 1 }
    if range.upperBound - 1 > zeroCell, upper <= 0x1p53 { upper -= 1 }
    return (lower, upper)
  }

  /// The cells that can hold a whole number ({0} and |x| ≥ 1), in order: the line on which an
  /// integer column's bounds are read.
  public static let wholeNumberCells: [Int] = (0..<cellCount).filter {
    $0 == zeroCell || abs($0 - zeroCell) >= firstWholeOffset
  }

  /// Whole numbers with a cell of their own in round 2 (integer codes).
  public static let codes = -128..<128
}

/// What discovery found about one column, for the data owner's terminal.
public struct DiscoveredColumn: Sendable {
  public var name: String
  /// Round 1's noisy counts of missing and of text (non-number) fields.
  public var missing: Double
  public var text: Double
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
  /// A numeric column is integer when the detected fractional mass is at most this share of its
  /// noisy numbers.
  public static let fractionalShare = 0.01
  /// Integer codes are categorical when the detected codes hold at least this share of the
  /// column's noisy numbers.
  public static let codeShare = 0.95
  /// … and when at most this many codes are detected (a longer list is a quantity: ages, hours).
  public static let maximumCodes = 32
  /// A column is nullable when its noisy missing count exceeds this many σ₁ (√2σ₁ for a sum).
  public static let nullableMultiple = 3.0
  /// A column is text (categorical) when its noisy text count exceeds this many σ₁ and its
  /// noisy numbers: a numeric column is called text with probability P(Z > 4) = 3·10⁻⁵.
  public static let textMultiple = 4.0
  /// A numeric column of which no window passes τ takes its best window when that window stands
  /// this many σ above zero (weak evidence, said so in the summary).
  public static let weakEvidence = 3.0
  /// A declared target fails when its catch-all's noisy mass exceeds this many of its σ.
  public static let targetResidualMultiple = 3.0
  /// A failure's advice plans for the noisy evidence's one-sided 95 % lower bound (this many σ
  /// below the noisy count), so that the budget it names is not fitted to lucky noise.
  public static let lowerBoundMultiple = 1.6448536269514722
  /// The category that receives every value below the threshold.
  public static let catchAllName = "(other)"

  /// Reads `csvPath` (two streaming passes at most) and returns a schema discovered with
  /// (epsilon, delta)-DP under replace-one.
  ///
  /// ## Privacy
  /// (epsilon, calibration.spentDelta(epsilon) ≤ delta)-DP under replace-one, n and the header
  /// public; the proof sketch is in SliceGenPrivacy/DiscoveryMechanism.swift. A failure is
  /// thrown only after the mechanism has run (its message is post-processing of the noisy
  /// counts), and the budget is then spent. Tests: SchemaDiscoveryTests (a value held by one row
  /// never appears; the spend adds up), DiscoveryMechanismTests.
  /// - Parameters:
  ///   - budget: the discovery's (ε, δ) as a function of n (public; counted in the first pass,
  ///     so that a default δ can depend on it).
  ///   - fraction: the share of the whole budget that `budget` is, to phrase a failure's advice
  ///     as a --discovery-budget (nil: as a discovery ε).
  ///   - target: the column users will predict: it gets `DiscoveryCalibration.defaultTargetWeight`
  ///     shares of the budget, and its classes are kept or discovery fails.
  public static func discover(
    csvPath: String, budget: (Int) throws -> (epsilon: Double, delta: Double),
    fraction: Double? = nil, target: String? = nil, insecureTestNoiseSeed: UInt64? = nil,
    progress: (Int) -> Void = { _ in }
  ) throws -> SchemaDiscoveryResult {
    var reader = try CSVReader(path: csvPath)
    let header = reader.header
    let columnCount = header.count
    // Checked before anything is counted, so a misspelt target costs nothing.
    let targetIndex = try target.map { name -> Int in
      guard let index = header.firstIndex(of: name) else {
        throw OptionError(
          option: "target", value: nil,
          rule: "\"\(ValueText.quoted(name))\" is not a column of \(csvPath) (nothing was spent)")
      }
      return index
    }

    // Pass 1, per column: [missing, text], the grid for whole and for fractional numbers, and
    // one cell per whole number in `DiscoveryGrid.codes`.
    let cells = DiscoveryGrid.cellCount
    let codes = DiscoveryGrid.codes
    var classes = [[Int]](repeating: [0, 0], count: columnCount)
    var grid = [[Int]](repeating: [Int](repeating: 0, count: 2 * cells), count: columnCount)
    var units = [[Int]](repeating: [Int](repeating: 0, count: codes.count), count: columnCount)
    var n = 0
    while let record = try reader.nextRecord() {
      for (c, text) in record.fields.enumerated() {
        if text.isEmpty {
          classes[c][0] += 1
        } else if let value = number(text) {
          let whole = value.rounded() == value
          grid[c][DiscoveryGrid.cell(value) + (whole ? 0 : cells)] += 1
          if whole, value >= Double(codes.lowerBound), value < Double(codes.upperBound) {
            units[c][Int(value) - codes.lowerBound] += 1
          }
        } else {
          classes[c][1] += 1
        }
      }
      n += 1
      if n % 65536 == 0 { progress(n) }
    }
    guard n > 0 else { throw ReleaseError("\(csvPath): the file has a header but no rows") }
    let (epsilon, delta) = try budget(n)
    let calibration = try DiscoveryCalibration.calibrate(
      epsilon: epsilon, delta: delta, columns: columnCount, targetColumn: targetIndex)
    let noise =
      insecureTestNoiseSeed.map { SecureNoise.insecureForTesting(seed: $0 &+ 2) }
      ?? SecureNoise()
    var mechanism = DiscoveryMechanism(calibration: calibration, noise: noise)
    let tau = NoisySupport.threshold(columns: columnCount)
    let rows = Double(n)

    // Round 1, every column (a fixed, public set of queries), and what it decides.
    var firstRound: [FirstRound] = []
    for c in 0..<columnCount {
      let noisy = mechanism.noisyFirstRound(classes[c] + grid[c], column: c)
      firstRound.append(
        FirstRound(
          noisy: noisy, rows: rows, sigma: calibration.firstRoundSigma(column: c), tau: tau))
    }

    // Pass 2, only for text columns: the count of every value present.
    let textColumns = (0..<columnCount).filter { firstRound[$0].plan == .categorical }
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
    var failures: [DiscoveryFailure] = []
    for c in 0..<columnCount {
      let first = firstRound[c]
      let context = ColumnContext(
        name: header[c], index: c, first: first, calibration: calibration, tau: tau,
        isTarget: c == targetIndex)
      let outcome: ColumnOutcome
      switch first.plan {
      case .categorical:
        let selected = mechanism.selectedValues(values[c], column: c)
        values[c] = [:]
        outcome = context.categorical(selected)
      case .codes(let support):
        let noisy = mechanism.noisySecondRound(units[c], column: c)
        outcome = context.codes(noisy, firstSupport: support)
      case .numeric:
        let noisy = mechanism.noisySecondRound(grid[c], column: c)
        outcome = context.numeric(secondRound: noisy)
      }
      columns.append(outcome.column)
      findings.append(
        DiscoveredColumn(
          name: header[c], missing: first.missing, text: first.text, summary: outcome.summary))
      if let failure = outcome.failure { failures.append(failure) }
    }
    let record = SchemaDiscoveryRecord(epsilon: epsilon, delta: delta, rows: n)
    let source =
      "Discovered under differential privacy by slicegen release without --schema "
      + "(ε = \(epsilon), δ = \(delta), replace-one; Docs/discovery.md). Review it: values below "
      + "the thresholds map to the catch-all category, numbers outside the bounds are clamped."
    guard failures.isEmpty else {
      // The columns that were discovered, with the failed ones dropped and marked: a schema the
      // data owner can finish by hand and reuse without a new discovery spend.
      let partial = try? Schema(
        columns: columns, missingTokens: [""], dataDerived: false,
        source: source + " INCOMPLETE: the columns whose note starts with \"discovery failed\" "
          + "need a declaration from public knowledge (or stay dropped).",
        discovery: record,
        target: targetIndex.flatMap { columns[$0].drop ? nil : target })
      throw SchemaDiscoveryError(
        failures: failures, epsilon: epsilon, delta: calibration.spentDelta(epsilon: epsilon),
        advice: advice(for: failures, calibration: calibration, fraction: fraction, tau: tau),
        partialSchema: partial)
    }
    let schema = try Schema(
      columns: columns, missingTokens: [""], dataDerived: false, source: source,
      discovery: record, target: target)
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

/// Round 1's noisy histogram of one column, and the round-2 query it chooses.
struct FirstRound {
  enum Plan: Equatable {
    /// Text values (round 2: the count of every value present).
    case categorical
    /// Whole numbers within [−128, 128] (round 2: one cell per whole number); the support of
    /// round 1's grid, as a range of grid cells.
    case codes(Range<Int>)
    /// Numbers (round 2: the grid again).
    case numeric
  }

  var missing: Double
  var text: Double
  /// n − noisy missing − noisy text.
  var numbers: Double
  /// The noisy grid: whole numbers, then fractional numbers (`DiscoveryGrid.cellCount` each).
  var whole: [Double]
  var fractional: [Double]
  var integer: Bool
  var plan: Plan

  init(noisy: [Double], rows: Double, sigma: Double, tau: Double) {
    let cells = DiscoveryGrid.cellCount
    let numbers = rows - noisy[0] - noisy[1]
    let fractional = Array(noisy[2 + cells..<2 + 2 * cells])
    let fractionalMass =
      NoisySupport.support(
        fractional, sigma: sigma, threshold: tau, zero: DiscoveryGrid.zeroCell
      )
      .map { fractional[$0].reduce(0, +) } ?? 0
    missing = noisy[0]
    text = noisy[1]
    self.numbers = numbers
    whole = Array(noisy[2..<2 + cells])
    self.fractional = fractional
    integer = fractionalMass <= SchemaDiscovery.fractionalShare * max(numbers, 0)
    // Text only when its noisy count is significant: a numeric column's text count is noise
    // around 0, and calling it text would lose the column to partition selection.
    if text > SchemaDiscovery.textMultiple * sigma, text > numbers {
      plan = .categorical
      return
    }
    plan = .numeric
    let line = Self.line(whole: whole, fractional: fractional, integer: integer)
    guard integer,
      let support = NoisySupport.support(
        line, sigma: sigma, threshold: tau, zero: Self.zero(integer: true))
    else { return }
    let cellRange = Self.cellRange(support, integer: true)
    let lower = DiscoveryGrid.edges(cellRange.lowerBound).lower
    let upper = DiscoveryGrid.edges(cellRange.upperBound - 1).upper
    // Codes only when the support holds the column: the numbers outside it (n − missing − text
    // − the support's noisy mass, variance (2 + cells)σ₁²) are within 3σ of none. A tail round 1
    // cannot see (a money column's) would otherwise be lost to round 2's whole-number cells.
    let outside = numbers - line[support].reduce(0, +)
    let spread = sigma * Double(2 + support.count).squareRoot()
    if lower >= Double(DiscoveryGrid.codes.lowerBound),
      upper <= Double(DiscoveryGrid.codes.upperBound),
      outside <= SchemaDiscovery.nullableMultiple * spread
    {
      plan = .codes(cellRange)
    }
  }

  /// The line on which a numeric column's bounds are read: the whole-number cells of the grid
  /// (integer columns), or every cell with whole and fractional counts added (σ√2).
  static func line(whole: [Double], fractional: [Double], integer: Bool) -> [Double] {
    integer
      ? DiscoveryGrid.wholeNumberCells.map { whole[$0] }
      : zip(whole, fractional).map { $0 + $1 }
  }

  /// The index of the cell {0} on the line.
  static func zero(integer: Bool) -> Int {
    integer
      ? DiscoveryGrid.wholeNumberCells.firstIndex(of: DiscoveryGrid.zeroCell)!
      : DiscoveryGrid.zeroCell
  }

  /// Grid cells of a range of the line.
  static func cellRange(_ range: Range<Int>, integer: Bool) -> Range<Int> {
    integer
      ? DiscoveryGrid.wholeNumberCells[range.lowerBound]..<DiscoveryGrid.wholeNumberCells[
        range.upperBound - 1] + 1
      : range
  }
}

/// A column's schema entry, its summary line, and why it failed (if it did).
struct ColumnOutcome {
  var column: SchemaColumn
  var summary: String
  var failure: DiscoveryFailure? = nil
}

/// Turns one column's noisy counts into its schema entry (post-processing).
struct ColumnContext {
  var name: String
  var index: Int
  var first: FirstRound
  var calibration: DiscoveryCalibration
  var tau: Double
  var isTarget: Bool

  var sigma1: Double { calibration.firstRoundSigma(column: index) }
  var sigma2: Double { calibration.secondRoundSigma(column: index) }
  var quotedName: String { ValueText.quoted(name) }

  /// Categories from the selected text values.
  func categorical(_ selected: [(value: String, count: Double)]) -> ColumnOutcome {
    let nullable = first.missing > SchemaDiscovery.nullableMultiple * sigma1
    let nonMissing = first.numbers + first.text
    guard !selected.isEmpty else {
      return failed(
        DiscoveryFailure(
          column: name, index: index, kind: .categorical, noisyRows: nonMissing, neededRows: nil,
          why: "no value is held by enough rows to pass the partition-selection threshold (a "
            + "noisy count above \(rowCount(calibration.selectionThreshold(column: index))) rows "
            + "at this budget: a rarer value could single out the rows that hold it, so it is "
            + "never published), so only the catch-all \(SchemaDiscovery.catchAllName) would "
            + "remain"))
    }
    return categories(
      selected.map(\.value), counts: selected.map(\.count), of: nonMissing, nullable: nullable,
      kind: "categorical", threshold: calibration.selectionThreshold(column: index))
  }

  /// Integer codes: categorical when few codes hold nearly every number, else numeric.
  func codes(_ noisy: [Double], firstSupport: Range<Int>) -> ColumnOutcome {
    let detected = noisy.indices.filter { noisy[$0] > tau * sigma2 }
    let mass = detected.reduce(0) { $0 + noisy[$1] }
    if (2...SchemaDiscovery.maximumCodes).contains(detected.count),
      mass >= SchemaDiscovery.codeShare * first.numbers
    {
      let nullable = first.missing > SchemaDiscovery.nullableMultiple * sigma1
      return categories(
        detected.map { String($0 + DiscoveryGrid.codes.lowerBound) },
        counts: detected.map { noisy[$0] }, of: first.numbers + first.text,
        nullable: nullable, kind: "categorical (integer codes)", threshold: tau * sigma2)
    }
    // Numeric: round 1's octave bounds, widened to the values round 2 shows one by one (a value
    // by value support is narrower, not safer: at discovery's noise only values held by many
    // rows show, and cutting the bounds there would clamp the rest).
    var (lower, upper) = DiscoveryGrid.wholeNumberBounds(firstSupport)
    if let support = NoisySupport.support(
      noisy, sigma: sigma2, threshold: tau, zero: -DiscoveryGrid.codes.lowerBound)
    {
      lower = min(lower, Double(support.lowerBound + DiscoveryGrid.codes.lowerBound))
      upper = max(upper, Double(support.upperBound - 1 + DiscoveryGrid.codes.lowerBound))
    }
    return numericColumn(lower: lower, upper: upper, integer: true, weak: false)
  }

  /// Numeric: both rounds' grids averaged cell by cell, the bounds read from the average.
  func numeric(secondRound noisy: [Double]) -> ColumnOutcome {
    let cells = DiscoveryGrid.cellCount
    let w1 = 1 / (sigma1 * sigma1), w2 = 1 / (sigma2 * sigma2)
    func average(_ a: [Double], _ b: ArraySlice<Double>) -> [Double] {
      zip(a, b).map { ($0 * w1 + $1 * w2) / (w1 + w2) }
    }
    let whole = average(first.whole, noisy[0..<cells])
    let fractional = average(first.fractional, noisy[cells..<2 * cells])
    let integer = first.integer
    let line = FirstRound.line(whole: whole, fractional: fractional, integer: integer)
    let sigma = calibration.combinedSigma(column: index) * (integer ? 1 : 2.0.squareRoot())
    let zero = FirstRound.zero(integer: integer)
    let strong = NoisySupport.support(line, sigma: sigma, threshold: tau, zero: zero)
    guard
      let support = strong
        ?? NoisySupport.support(
          line, sigma: sigma, threshold: tau, zero: zero, fallback: SchemaDiscovery.weakEvidence)
    else {
      let best = NoisySupport.bestWindow(line, sigma: sigma, zero: zero)
      let range = best.map { FirstRound.cellRange($0.start..<$0.end, integer: integer) }
      let densest = range.map { cells -> String in
        let lower = DiscoveryGrid.edges(cells.lowerBound).lower
        let upper = DiscoveryGrid.edges(cells.upperBound - 1).upper
        return lower == upper
          ? "the value \(Schema.format(lower))"
          : "[\(Schema.format(lower)), \(Schema.format(upper)))"
      }
      let width = Double(best.map { $0.end - $0.start } ?? 1)
      var why =
        "no range of the public grid of powers of two holds enough of its values to "
        + "show above the noise"
      if let best, let densest {
        why +=
          ": the densest, \(densest), shows about \(rowCount(best.mass)) ± "
          + "\(rowCount(sigma * width.squareRoot())) rows, and at this budget a range of k "
          + "octaves needs about \(rowCount(tau * sigma))·√k rows"
      }
      return failed(
        DiscoveryFailure(
          column: name, index: index, kind: .numeric, noisyRows: first.numbers,
          neededRows: best.map {
            max(
              0,
              $0.mass - SchemaDiscovery.lowerBoundMultiple * sigma
                * width.squareRoot())
          }, width: width,
          sigmaScale: integer ? 1 : 2.0.squareRoot(), why: why))
    }
    let cellRange = FirstRound.cellRange(support, integer: integer)
    let bounds =
      integer
      ? DiscoveryGrid.wholeNumberBounds(cellRange)
      : (
        lower: DiscoveryGrid.edges(cellRange.lowerBound).lower,
        upper: DiscoveryGrid.edges(cellRange.upperBound - 1).upper
      )
    return numericColumn(
      lower: bounds.lower, upper: bounds.upper, integer: integer, weak: strong == nil)
  }

  func numericColumn(lower: Double, upper: Double, integer: Bool, weak: Bool) -> ColumnOutcome {
    var lower = lower, upper = upper
    if integer {
      lower = lower.rounded(.down)
      upper = upper.rounded(.up)
    }
    if lower >= upper { upper = max(lower + 1, lower.nextUp) }
    let nullable =
      first.missing + first.text
      > SchemaDiscovery.nullableMultiple * 2.0.squareRoot() * sigma1
    let summary =
      "numeric\(integer ? " integer" : "") in [\(Schema.format(lower)), "
      + "\(Schema.format(upper))]\(nullable ? ", nullable" : "")"
      + (weak
        ? " (weak evidence: no range passed the detection threshold; the best one was "
          + "taken, review it)" : "")
    return ColumnOutcome(
      column: SchemaColumn(
        name: name, domain: .numeric(lower: lower, upper: upper, integer: integer),
        nullable: nullable, nonNumeric: nullable ? .missing : .lower,
        note: weak ? "discovered from weak evidence: review the bounds" : nil),
      summary: summary)
  }

  /// A categorical entry; a declared target must keep two values and leave no significant mass
  /// to the catch-all.
  func categories(
    _ kept: [String], counts: [Double], of total: Double, nullable: Bool, kind: String,
    threshold: Double
  ) -> ColumnOutcome {
    var categories = kept
    var catchAll = SchemaDiscovery.catchAllName
    var suffix = 2
    while categories.contains(catchAll) {
      catchAll = "\(SchemaDiscovery.catchAllName.dropLast()) \(suffix))"
      suffix += 1
    }
    categories.append(catchAll)
    let column = SchemaColumn(
      name: name, domain: .categorical(categories: categories, catchAll: catchAll),
      nullable: nullable)
    var summary =
      "\(kind), \(kept.count) \(kept.count == 1 ? "category" : "categories") + "
      + "\(catchAll)\(nullable ? ", nullable" : "")"
    guard isTarget else { return ColumnOutcome(column: column, summary: summary) }
    // The catch-all's noisy mass: the non-missing rows (n less round 1's noisy missing count)
    // less the kept values' noisy counts: variance σ₁² + (kept values)·σ₂².
    let residual = total - counts.reduce(0, +)
    let spread = (sigma1 * sigma1 + Double(counts.count) * sigma2 * sigma2).squareRoot()
    summary +=
      "; target: \(catchAll) holds about \(rowCount(residual)) ± \(rowCount(spread)) "
      + "rows by the noisy counts"
    let shown =
      kept.prefix(5).map { "\"\(ValueText.quoted($0))\"" }.joined(separator: ", ")
      + (kept.count > 5 ? ", …" : "")
    if kept.count < 2 || residual > SchemaDiscovery.targetResidualMultiple * spread {
      let why =
        (kept.count < 2
          ? "only \(shown) passed the threshold, so every other value of the target"
          : "the values kept are \(shown); the others")
        + " (about \(rowCount(residual)) ± \(rowCount(spread)) rows by the noisy counts) "
        + "would all map to the catch-all \(catchAll): a class of the target would vanish "
        + "(a value needs a noisy count above \(rowCount(threshold)) rows at this budget)"
      var failure = ColumnOutcome(column: column, summary: summary)
      failure.column.note = "discovery failed: add the target's missing classes to the categories"
      failure.failure = DiscoveryFailure(
        column: name, index: index, kind: .target, noisyRows: total,
        neededRows: max(0, residual - SchemaDiscovery.lowerBoundMultiple * spread), why: why)
      return failure
    }
    return ColumnOutcome(column: column, summary: summary)
  }

  /// A column that could not be discovered: dropped and marked in the partial schema.
  func failed(_ failure: DiscoveryFailure) -> ColumnOutcome {
    let kind = failure.kind == .numeric ? "numeric" : "categorical"
    return ColumnOutcome(
      column: SchemaColumn(
        name: name, domain: .categorical(categories: ["(dropped)"], catchAll: nil), drop: true,
        note: "discovery failed (\(kind)): declare it from public knowledge, or leave it dropped"),
      summary: "FAILED (\(kind))", failure: failure)
  }
}

/// A count for a message: whole rows, with thousands separators.
func rowCount(_ x: Double) -> String {
  guard x.isFinite else { return "\(x)" }
  let value = Int(x.rounded())
  let digits = String(abs(value))
  var grouped = ""
  for (i, ch) in digits.enumerated() {
    if i > 0, (digits.count - i) % 3 == 0 { grouped += "," }
    grouped.append(ch)
  }
  return (value < 0 ? "−" : "") + grouped
}
