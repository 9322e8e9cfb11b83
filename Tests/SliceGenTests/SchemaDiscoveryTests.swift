import Foundation
import Testing

@testable import SliceGen
@testable import SliceGenPrivacy

/// A table with a numeric integer column (with empty fields and 'NA'), a fractional column, a
/// categorical column with one value held by a single row, and a text column of unique values.
private func mixedTable(rows: Int, uniqueColumn: Bool = false) -> String {
  var text = uniqueColumn ? "age,score,colour,id\n" : "age,score,colour\n"
  for i in 0..<rows {
    let age = i % 50 == 0 ? "" : (i % 97 == 0 ? "NA" : "\(20 + i % 60)")
    let score = String(format: "%.3f", Double(i % 1000) / 7 + 3)
    let colour = i == 17 ? "ultraviolet" : ["red", "green", "blue"][i % 3]
    text += "\(age),\(score),\(colour)" + (uniqueColumn ? ",id\(i)\n" : "\n")
  }
  return text
}

/// A census-like table: a zero-inflated money column (90 % zeros, the rest spread over
/// 2^7 … 2^17), integer codes {1, 2, 3, 5}, a wide integer quantity, and a binary label whose
/// minority holds `minority` of the rows.
private func censusTable(rows: Int, minority: Double) -> String {
  var text = "gain,code,hours,label\n"
  for i in 0..<rows {
    // A deterministic spread: every tenth row has a gain, at 2^(7 + (i/10) % 10) + i % 97.
    let gain = i % 10 == 0 ? (1 << (7 + (i / 10) % 10)) + i % 97 : 0
    let code = [1, 1, 1, 1, 2, 2, 2, 3, 3, 5][i % 10 == 0 ? (i / 10) % 10 : i % 10]
    let hours = 1 + (i * 37) % 99
    let label = Double(i % 1000) < minority * 1000 ? "yes" : "no"
    text += "\(gain),\(code),\(hours),\(label)\n"
  }
  return text
}

@Suite("Schema discovery")
struct SchemaDiscoveryTests {
  @Test(
    "a zero-inflated money column gets [0, a large power of two]; codes are categorical; a wide quantity numeric"
  )
  func censusLike() throws {
    // n = 20,000, C = 4 (the target weighs 4), ε = 0.3, δ = 1e-7: a column's combined σ ≈ 57,
    // τ ≈ 4.75; no octave of the gain holds more than 200 rows (a cell needs ≈ 270), but windows
    // of 4 and 8 octaves do (800 > 540, 1,600 > 770).
    let csv = TestPaths.write(censusTable(rows: 20_000, minority: 0.25))
    for seed in 0..<5 {
      let result = try SchemaDiscovery.discover(
        csvPath: csv, budget: { _ in (0.3, 1e-7) }, target: "label",
        insecureTestNoiseSeed: UInt64(seed))
      let columns = result.schema.columns
      guard case .numeric(let lower, let upper, let integer) = columns[0].domain else {
        Issue.record("gain is not numeric")
        continue
      }
      #expect(lower == 0 && integer)
      // The top octave [2^16, 2^17) holds 1 % of the rows: the bound covers at least the
      // octave below it, whose largest whole number is 2^16 − 1.
      #expect(upper >= 0x1p15 - 1, "seed \(seed): gain upper \(upper)")
      #expect(
        columns[1].domain
          == .categorical(categories: ["1", "2", "3", "5", "(other)"], catchAll: "(other)"))
      guard case .numeric(let hoursLower, let hoursUpper, true) = columns[2].domain else {
        Issue.record("hours is not numeric integer")
        continue
      }
      // 1 … 99, 202 rows a value: values 1 … 3 (3 % of the rows) are below what the noise lets
      // round 2 see (σ₂ ≈ 67 a value), so the lower bound is 4 (round 1's octave [4, 8)) or
      // lower.
      #expect(hoursLower <= 4 && hoursUpper >= 99, "[\(hoursLower), \(hoursUpper)]")
      guard case .categorical(let labels, _) = columns[3].domain else {
        Issue.record("label is not categorical")
        continue
      }
      #expect(Set(labels) == ["no", "yes", "(other)"])
      #expect(result.schema.target == "label")
      #expect(result.columns[3].summary.contains("target: (other) holds about"))
    }
  }

  @Test(
    "a declared target whose minority cannot pass fails, naming the kept value, the spend and a budget"
  )
  func targetClassWouldVanish() throws {
    // Minority 2 % = 400 rows; the target's threshold at ε = 0.05 is well above that.
    let csv = TestPaths.write(censusTable(rows: 20_000, minority: 0.02))
    let error = #expect(throws: SchemaDiscoveryError.self) {
      try SchemaDiscovery.discover(
        csvPath: csv, budget: { _ in (0.05, 1e-8) }, fraction: 0.05, target: "label",
        insecureTestNoiseSeed: 3)
    }
    let failure = try #require(error?.failures.first { $0.column == "label" })
    #expect(failure.kind == .target)
    let text = error?.description ?? ""
    #expect(text.contains("target \"label\": only \"no\" passed the threshold"), "\(text)")
    #expect(text.contains("a class of the target would vanish"), "\(text)")
    #expect(text.contains("This attempt spent ε = 0.05"), "\(text)")
    #expect(text.contains("--discovery-budget 0."), "\(text)")
    // Undeclared, the same column is not protected: discovery succeeds with the catch-all.
    let plain = try SchemaDiscovery.discover(
      csvPath: csv, budget: { _ in (0.05, 1e-8) }, insecureTestNoiseSeed: 3)
    #expect(
      plain.schema.columns[3].domain
        == .categorical(categories: ["no", "(other)"], catchAll: "(other)"))
  }

  @Test("numeric columns stay numeric when round 1 is noisy (40 columns, small ε, 5 seeds)")
  func numericUnderNoise() throws {
    // C = 40, n = 3,000, ε = 0.2: σ₁ ≈ 330 against a text count of 0 and 3,000 numbers. The old
    // rule (numbers ≥ 95 % of numbers + text) called such columns text in most runs.
    var text = (0..<40).map { "c\($0)" }.joined(separator: ",") + "\n"
    for i in 0..<3000 {
      text += (0..<40).map { "\((i * ($0 + 3)) % 10)" }.joined(separator: ",") + "\n"
    }
    let csv = TestPaths.write(text)
    for seed in 0..<5 {
      do {
        let result = try SchemaDiscovery.discover(
          csvPath: csv, budget: { _ in (0.2, 1e-7) }, insecureTestNoiseSeed: UInt64(seed))
        // Numeric, or integer codes: never text categories.
        #expect(
          !result.schema.columns.contains {
            if case .categorical(let c, _) = $0.domain {
              return c.contains { Double($0) == nil && $0 != "(other)" }
            }
            return false
          })
      } catch let error as SchemaDiscoveryError {
        // Too little budget for some column is allowed; a numeric column must fail as numeric.
        #expect(error.failures.allSatisfy { $0.kind == .numeric }, "\(error)")
      }
    }
  }

  @Test("every finite value lies in its grid cell; special values")
  func grid() {
    for x in [
      0.0, 1, -1, 0.5, 3, 17, 90, 99_999, -1e-30, 1e-30, 2e19, -2e19, 1e300, 0x1p-20,
      0x1p64, 7.25, -7.25,
    ] {
      let (lower, upper) = DiscoveryGrid.edges(DiscoveryGrid.cell(x))
      #expect(lower <= x || abs(x) >= 0x1p64, "\(x): [\(lower), \(upper)]")
      #expect(x <= upper || abs(x) >= 0x1p64, "\(x): [\(lower), \(upper)]")
    }
    #expect(DiscoveryGrid.edges(DiscoveryGrid.cell(90)) == (64, 128))
    #expect(DiscoveryGrid.edges(DiscoveryGrid.cell(0)) == (0, 0))
    #expect(DiscoveryGrid.edges(DiscoveryGrid.cell(-3)) == (-4, -2))
    #expect(
      DiscoveryGrid.cell(-1e300) == 0 && DiscoveryGrid.cell(1e300) == DiscoveryGrid.cellCount - 1)
  }

  @Test("whole-number bounds of octaves hold exactly the whole numbers in them")
  func wholeNumberBounds() {
    for (from, to) in [(0, 127), (16, 127), (-3, 90), (-100, -3), (5, 5), (-1, 0), (1, 1)] {
      let bounds = DiscoveryGrid.wholeNumberBounds(
        DiscoveryGrid.cell(Double(from))..<DiscoveryGrid.cell(Double(to)) + 1)
      // Every whole number of the cells, and nothing outside them, lies within the bounds.
      let inside = (-300...300).filter {
        let c = DiscoveryGrid.cell(Double($0))
        return c >= DiscoveryGrid.cell(Double(from)) && c <= DiscoveryGrid.cell(Double(to))
      }
      #expect(bounds == (Double(inside.first!), Double(inside.last!)), "\(from)…\(to): \(bounds)")
    }
    #expect(
      DiscoveryGrid.wholeNumberBounds(DiscoveryGrid.cell(0)..<DiscoveryGrid.cell(100) + 1)
        == (0, 127))
  }

  @Test("types, bounds on the public grid, nullability, integer-ness; the one-row value is absent")
  func discovers() throws {
    let csv = TestPaths.write(mixedTable(rows: 20_000))
    var falselyNullable = 0
    for seed in 0..<20 {
      let result = try SchemaDiscovery.discover(
        csvPath: csv, budget: { _ in (1, 1e-7) }, insecureTestNoiseSeed: UInt64(seed))
      let columns = result.schema.columns
      #expect(columns.map(\.name) == ["age", "score", "colour"])
      // age: 20..79 with 2 % missing (empty or NA) → integer. Its round-1 support [16, 128)
      // lies within the codes' range, so round 2 counts each whole number: all 60 values show,
      // too many for a code list (more than 32), so numeric, bounds the whole numbers of the
      // octaves [16, 128), widened to the values round 2 shows (20 … 79): [16, 127].
      #expect(columns[0].domain == .numeric(lower: 16, upper: 127, integer: true))
      #expect(columns[0].nullable && columns[0].nonNumeric == .missing)
      // score: 3 .. 145.7, fractional: the octaves [2, 4) … [128, 256) (each ≥ 140 rows, the
      // cell threshold 4.5σ₂ ≈ 65).
      #expect(columns[1].domain == .numeric(lower: 2, upper: 256, integer: false))
      // A column without missing values is called nullable when its noisy missing count passes
      // 3√2σ₁: probability P(Z > 3) = 0.13 % a run, so allow one of the 20 runs.
      if columns[1].nullable {
        falselyNullable += 1
      } else {
        #expect(columns[1].nonNumeric == .lower)
      }
      guard case .categorical(let categories, let catchAll) = columns[2].domain else {
        Issue.record("colour is not categorical")
        continue
      }
      #expect(Set(categories) == ["red", "green", "blue", "(other)"])
      #expect(catchAll == "(other)")
      #expect(!categories.contains("ultraviolet"))
      #expect(
        result.schema.discovery == SchemaDiscoveryRecord(epsilon: 1, delta: 1e-7, rows: 20_000))
    }
    #expect(falselyNullable <= 1)
  }

  @Test("the one-row value never appears at small ε, with the secure generator (10 runs)")
  func rareSecure() throws {
    let csv = TestPaths.write(mixedTable(rows: 20_000))
    for _ in 0..<10 {
      let result = try SchemaDiscovery.discover(csvPath: csv, budget: { _ in (0.2, 1e-7) })
      #expect(result.noiseIsPrivate)
      guard case .categorical(let categories, _) = result.schema.columns[2].domain else {
        Issue.record("colour is not categorical")
        continue
      }
      #expect(!categories.contains("ultraviolet"))
    }
  }

  @Test("a column of unique values is empty after discovery: the error names it")
  func emptyColumn() throws {
    let csv = TestPaths.write(mixedTable(rows: 5000, uniqueColumn: true))
    let error = #expect(throws: SchemaDiscoveryError.self) {
      try SchemaDiscovery.discover(
        csvPath: csv, budget: { _ in (1, 1e-7) }, insecureTestNoiseSeed: 1)
    }
    #expect(error?.failures.map(\.column) == ["id"])
    #expect(error?.failures.first?.kind == .categorical)
    let text = error?.description ?? ""
    #expect(text.contains("column \"id\" is categorical"), "\(text)")
    #expect(text.contains("This attempt spent ε = 1, δ = "), "\(text)")
    #expect(text.contains("no budget helps: drop it in a schema"), "\(text)")
    // The partial schema keeps what was discovered and drops the failed column, noted.
    let partial = try #require(error?.partialSchema)
    #expect(partial.columns.map(\.name) == ["age", "score", "colour", "id"])
    #expect(
      partial.columns[3].drop && partial.columns[3].note?.hasPrefix("discovery failed") == true)
    #expect(partial.columns[0].isNumeric && !partial.columns[0].drop)
  }

  @Test("the spend adds up: discovery + release = the stated (ε, δ); both files are written")
  func spendAddsUp() throws {
    let csv = TestPaths.write(mixedTable(rows: 20_000))
    for (epsilon, f) in [(1.0, 0.1), (3.0, 0.3), (0.7, 0.05)] {
      let output = TestPaths.temporary("r.slg")
      var options = ReleaseOptions(epsilon: epsilon)
      options.marginals = .none  // the projections' σ is compared with a plain calibration
      options.slices = 10
      options.insecureTestNoiseSeed = 5
      let (report, discovery) = try Releaser.releaseDiscoveringSchema(
        csvPath: csv, options: options, discoveryFraction: f, outputPath: output,
        schemaOutputPath: output + ".schema.json")
      let p = report.header.privacy
      let spend = try #require(p.discovery)
      #expect(spend.epsilon == f * epsilon)
      #expect(spend.epsilon + spend.releaseEpsilon == p.epsilon)
      #expect(p.epsilon <= epsilon && p.epsilon >= epsilon.nextDown.nextDown)
      // The default δ for n = 20,000 is 1e-6 (the largest power of ten ≤ 1/(10n)); the two
      // parts add up to it, rounded down by at most an ulp.
      #expect(p.delta <= 1e-6 && p.delta >= (1e-6).nextDown.nextDown)
      #expect(spend.delta + spend.releaseDelta == p.delta)
      #expect(spend.spentDelta <= spend.delta)
      #expect(discovery.calibration.spentDelta(epsilon: spend.epsilon) == spend.spentDelta)
      // The release part was calibrated for the rest of the budget.
      let c = try ReleaseCalibration.calibrate(
        epsilon: spend.releaseEpsilon, delta: spend.releaseDelta, slices: 10, sliceDim: 2,
        encodedWidth: report.header.encodedWidth, accountant: .profile, neighbors: .replaceOne,
        subsampling: nil, fixedDirections: nil)
      #expect(c.sigma == report.header.sigma)
      // The schema file equals the header's schema, and reuse with --schema encodes every row.
      let written = try Schema(contentsOf: output + ".schema.json")
      #expect(written.columns == report.header.schema.columns)
      #expect(written.missingTokens == [""])
      let record = try #require(written.discovery)
      #expect(abs(record.epsilon / spend.epsilon - 1) < 1e-12 && record.rows == 20_000)
      #expect(p.statement.contains("discovered from this table under differential privacy"))
      let again = TestPaths.temporary("again.slg")
      var plain = ReleaseOptions(epsilon: 1)
      plain.slices = 10
      let reused = try Releaser.release(
        csvPath: csv, schema: written, options: plain, outputPath: again)
      #expect(reused.header.rows == 20_000)
      #expect(reused.header.privacy.statement.contains("if that was this table, the total"))
    }
  }

  @Test(
    "a discovery budget of 0 or ≥ 1 is refused, and nothing is written",
    arguments: [0.0, 1.0, 1.5, -0.1, Double.nan])
  func badFraction(f: Double) throws {
    let csv = TestPaths.write(mixedTable(rows: 100))
    let output = TestPaths.temporary("r.slg")
    #expect(throws: OptionError.self) {
      try Releaser.releaseDiscoveringSchema(
        csvPath: csv, options: ReleaseOptions(epsilon: 1), discoveryFraction: f,
        outputPath: output, schemaOutputPath: output + ".schema.json")
    }
    #expect(!FileManager.default.fileExists(atPath: output))
    #expect(!FileManager.default.fileExists(atPath: output + ".schema.json"))
  }

  @Test("nonNumeric: missing reads a non-number as missing; lower reads it as the lower bound")
  func nonNumericPolicy() throws {
    let schema = try Schema(columns: [
      SchemaColumn(
        name: "a", domain: .numeric(lower: 0, upper: 10, integer: false),
        nullable: true, nonNumeric: .missing),
      SchemaColumn(
        name: "b", domain: .numeric(lower: 2, upper: 4, integer: false),
        nonNumeric: .lower),
    ])
    let encoding = Encoding(schema: schema)
    var encoder = try RowEncoder(encoding: encoding, header: ["a", "b"], path: "t")
    var row = [Float](repeating: 9, count: encoding.width)
    try row.withUnsafeMutableBufferPointer {
      try encoder.encode(["abc", "inf"], line: 2, into: $0.baseAddress!)
    }
    // a: (v, flag) = (0, scale); b: 0 (the lower bound).
    #expect(row[0] == 0 && row[1] > 0 && row[2] == 0)
    #expect(encoder.clampedCounts == [0, 1])
    // JSON round trip keeps the policy and the discovery record.
    let discovered = try Schema(
      columns: schema.columns, discovery: SchemaDiscoveryRecord(epsilon: 0.1, delta: 1e-8, rows: 7))
    #expect(try Schema(jsonData: discovered.jsonData()) == discovered)
    #expect(throws: SchemaError.self) {
      try Schema(columns: [
        SchemaColumn(
          name: "x", domain: .numeric(lower: 0, upper: 1, integer: false), nonNumeric: .missing)
      ])
    }
  }
}
