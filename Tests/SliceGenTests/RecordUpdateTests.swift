import Foundation
import Testing

@testable import SliceGen
@testable import SliceGenNumerics

@Suite("Record update")
struct RecordUpdateTests {
  static func categorical(_ name: String, _ count: Int) -> ColumnBins {
    ColumnBins(
      name: name, kind: .categorical, count: count, lower: 0, upper: 0, widthBins: 0,
      integer: false, missingBin: nil)
  }

  /// A table over the named columns with these probabilities (σ and counts are not read here).
  static func table(
    _ names: [String], _ counts: [Int], _ probabilities: [Double], sigma: Double = 1,
    groups: [[Int]]? = nil
  ) -> ReleasedMarginal {
    let shape = groups.map { $0.map(BinGroups.count) } ?? counts
    return ReleasedMarginal(
      columns: names, bins: zip(names, counts).map { categorical($0, $1) }, shape: shape,
      sigma: sigma, l2Sensitivity: 2.0.squareRoot(), noisyCounts: probabilities,
      probabilities: probabilities, binGroups: groups)
  }

  /// The share of rows in each cell of the (a, b) table of `codes`.
  static func joint(_ codes: [Int32], rows: Int, columns: Int, _ a: Int, _ b: Int, kb: Int)
    -> [Double]
  {
    var out = [Double](repeating: 0, count: (codes.map(Int.init).max()! + 1) * kb)
    for r in 0..<rows { out[Int(codes[r * columns + a]) * kb + Int(codes[r * columns + b])] += 1 }
    return out.map { $0 / Double(rows) }
  }

  @Test(
    "three tables closing a cycle, from independent rows: every table is matched, codes stay in the domain"
  )
  func cycle() {
    // a = b = c with probability 0.8 (a 3-cycle of strongly tied pairs), uniform 1-way.
    let tied = [0.4, 0.1, 0.1, 0.4]
    let marginals = [
      Self.table(["a"], [2], [0.5, 0.5]), Self.table(["b"], [2], [0.5, 0.5]),
      Self.table(["c"], [2], [0.5, 0.5]), Self.table(["a", "b"], [2, 2], tied),
      Self.table(["b", "c"], [2, 2], tied), Self.table(["a", "c"], [2, 2], tied),
    ]
    let update = RecordUpdate(columns: ["a", "b", "c"], marginals: marginals)
    var rng = SeededStream.make(seed: 3, stream: 1)
    let rows = 20_000
    var codes = (0..<(rows * 3)).map { _ in Int32(Int.random(in: 0..<2, using: &rng)) }
    let before = update.largestDistance(codes: codes, rows: rows)
    #expect(before > 0.25)
    update.update(codes: &codes, rows: rows, using: &rng)
    let after = update.largestDistance(codes: codes, rows: rows)
    #expect(after < 0.02, "largest distance \(before) → \(after)")
    #expect(codes.allSatisfy { (0...1).contains($0) })
    for (a, b) in [(0, 1), (1, 2), (0, 2)] {
      let j = Self.joint(codes, rows: rows, columns: 3, a, b, kb: 2)
      for (got, want) in zip(j, tied) { #expect(abs(got - want) < 0.02) }
    }
  }

  @Test("moved rows are copies of rows of their destination cell: a structural zero stays empty")
  func copiesKeepOtherColumns() {
    // c = b always; the update only targets (a, b), whose b must shift from 0 to 1. Moving the
    // value of b alone would break c = b; copying whole rows keeps it.
    let marginals = [Self.table(["a", "b"], [2, 2], [0.1, 0.4, 0.1, 0.4])]
    let update = RecordUpdate(columns: ["a", "b", "c"], marginals: marginals)
    var rng = SeededStream.make(seed: 4, stream: 1)
    let rows = 10_000
    var codes = [Int32](repeating: 0, count: rows * 3)
    for r in 0..<rows {
      let a = Int32(Int.random(in: 0..<2, using: &rng))
      let b: Int32 = Double.random(in: 0..<1, using: &rng) < 0.7 ? 0 : 1
      codes[r * 3] = a
      codes[r * 3 + 1] = b
      codes[r * 3 + 2] = b
    }
    update.update(codes: &codes, rows: rows, using: &rng)
    #expect(update.largestDistance(codes: codes, rows: rows) < 0.01)
    var broken = 0
    for r in 0..<rows where codes[r * 3 + 1] != codes[r * 3 + 2] { broken += 1 }
    #expect(broken == 0)
  }

  @Test(
    "an empty destination cell gets the row's values changed; a grouped axis draws its fine bin from the 1-way table"
  )
  func groupedAxisAndEmptyCells() {
    // b has 4 fine bins in 2 groups {0, 1}, {2, 3}; the 1-way table of b weighs 1:3 within each.
    let groups = [[0, 1], [0, 0, 1, 1]]
    let marginals = [
      Self.table(["b"], [4], [0.125, 0.375, 0.125, 0.375]),
      Self.table(["a", "b"], [2, 4], [0.25, 0.25, 0.25, 0.25], groups: groups),
    ]
    let update = RecordUpdate(columns: ["a", "b"], marginals: marginals)
    var rng = SeededStream.make(seed: 5, stream: 1)
    let rows = 20_000
    // Every row starts in (a = 0, b = 0): three of the four grouped cells are empty.
    var codes = [Int32](repeating: 0, count: rows * 2)
    update.update(codes: &codes, rows: rows, using: &rng)
    #expect(update.largestDistance(codes: codes, rows: rows) < 0.02)
    var fine = [Double](repeating: 0, count: 4)
    for r in 0..<rows { fine[Int(codes[r * 2 + 1])] += 1 / Double(rows) }
    for (got, want) in zip(fine, [0.125, 0.375, 0.125, 0.375]) { #expect(abs(got - want) < 0.03) }
  }

  @Test(
    "auto runs only when the forest left out a table with little noise, toward the tables with little noise"
  )
  func autoRule() {
    let rows = 10_000
    // Expected noise ½·K·σ·√(2/π)/n: 4 cells, σ = 100 → 0.016; σ = 1000 → 0.16.
    let quiet = Self.table(["a", "b"], [2, 2], [0.25, 0.25, 0.25, 0.25], sigma: 100)
    let noisy = Self.table(["b", "c"], [2, 2], [0.25, 0.25, 0.25, 0.25], sigma: 1000)
    let oneWay = Self.table(["a"], [2], [0.5, 0.5], sigma: 100)
    #expect(abs(RecordUpdate.expectedNoise(quiet, rows: rows) - 0.0160) < 1e-4)
    let all = [oneWay, quiet, noisy]
    #expect(RecordUpdate.targets(.auto, marginals: all, leftOut: [], rows: rows) == nil)
    #expect(
      RecordUpdate.targets(.auto, marginals: all, leftOut: [["b", "c"]], rows: rows) == nil)
    #expect(
      RecordUpdate.targets(.auto, marginals: all, leftOut: [["a", "b"]], rows: rows)
        == [oneWay, quiet])
    #expect(RecordUpdate.targets(.on, marginals: all, leftOut: [], rows: rows) == all)
    #expect(
      RecordUpdate.targets(.off, marginals: all, leftOut: [["a", "b"]], rows: rows) == nil)
  }

  @Test(
    "sampling a release whose pairs close cycles moves rows toward its tables; off and tree releases sample as before"
  )
  func sampling() throws {
    let cycles = try TestPaths.adultRelease(marginals: .select(20))
    let rows = 4000
    let moved = TestPaths.temporary("moved.csv"), plain = TestPaths.temporary("plain.csv")
    let drawn = try Sampler.sampleMarginals(
      release: cycles, model: .forest, rows: rows, seed: 2, outputPath: moved)
    #expect(drawn.forest.droppedPairs > 0)
    let update = try #require(drawn.update)
    #expect(update.tables > 20 && update.after < update.before, "\(update)")
    let off = try Sampler.sampleMarginals(
      release: cycles, model: .forest, rows: rows, seed: 2, outputPath: plain,
      recordUpdate: .off)
    #expect(off.update == nil)
    #expect(!FileManager.default.contentsEqual(atPath: moved, andPath: plain))
    // Every moved row is a row of the domain: each field a category or a number within bounds.
    let encoding = Encoding(schema: cycles.header.schema)
    var reader = try CSVReader(path: moved)
    var count = 0, outside = 0
    while let record = try reader.nextRecord() {
      for (block, field) in zip(encoding.blocks, record.fields) {
        switch block.kind {
        case .categorical(let categories, _):
          if !categories.contains(field) { outside += 1 }
        case .numeric(let lower, let upper, _), .nullableNumeric(let lower, let upper, _):
          if !(Double(field).map { (lower...upper).contains($0) } ?? false) { outside += 1 }
        }
      }
      count += 1
    }
    #expect(count == rows && outside == 0)
    // A tree: auto does not run, and the output is the plain forest's, byte for byte.
    let tree = try TestPaths.adultRelease(marginals: .tree)
    let a = TestPaths.temporary("tree-auto.csv"), b = TestPaths.temporary("tree-off.csv")
    let treeAuto = try Sampler.sampleMarginals(
      release: tree, model: .forest, rows: 500, seed: 3, outputPath: a)
    #expect(treeAuto.update == nil)
    try Sampler.sampleMarginals(
      release: tree, model: .forest, rows: 500, seed: 3, outputPath: b, recordUpdate: .off)
    #expect(FileManager.default.contentsEqual(atPath: a, andPath: b))
  }
}

@Suite("Record update, nullable columns")
struct RecordUpdateNullableTests {
  @Test(
    "missing values survive the update: nullable numeric and categorical columns keep their missing bins"
  )
  func nullable() throws {
    let directory = (TestPaths.temporary("x") as NSString).deletingLastPathComponent
    var text = "age,income,colour,city,id\n"
    for i in 0..<2000 {
      let income = i % 4 == 0 ? "NA" : "\((i * 37) % 100_000)"
      text +=
        "\(20 + i % 60),\(income),\(["red", "green", "blue"][i % 3]),"
        + "\(i % 5 == 0 ? "" : (i % 2 == 0 ? "A" : "B")),0.5\n"
    }
    let csv = directory + "/nullable.csv"
    try Data(text.utf8).write(to: URL(fileURLWithPath: csv))
    var options = ReleaseOptions(epsilon: 50)
    options.delta = 1e-5
    options.slices = 3
    options.marginals = .allPairs
    options.marginalBins = 8
    options.insecureTestNoiseSeed = 11
    let path = directory + "/nullable.slg"
    _ = try Releaser.release(
      csvPath: csv, schema: try mixedSchema(), options: options, outputPath: path)
    let release = try Release(contentsOf: path)
    let output = directory + "/nullable-out.csv"
    let drawn = try Sampler.sampleMarginals(
      release: release, model: .forest, rows: 4000, seed: 1, outputPath: output,
      recordUpdate: .on)
    #expect(drawn.forest.droppedPairs == 3)
    let update = try #require(drawn.update)
    #expect(update.after < update.before, "\(update)")
    var reader = try CSVReader(path: output)
    var missingIncome = 0, missingCity = 0, rows = 0
    while let record = try reader.nextRecord() {
      rows += 1
      if ["", "NA"].contains(record.fields[1]) { missingIncome += 1 }
      if ["", "NA"].contains(record.fields[3]) { missingCity += 1 }
    }
    // A quarter of incomes and a fifth of cities are missing in the table, at ε = 50.
    #expect(rows == 4000)
    #expect(abs(Double(missingIncome) / 4000 - 0.25) < 0.05, "\(missingIncome)")
    #expect(abs(Double(missingCity) / 4000 - 0.2) < 0.05, "\(missingCity)")
  }
}
