// The public group map of pair bins (Sources/SliceGen/Marginals/PairBins.swift): every fine bin
// in exactly one group, groups contiguous and of nearly equal width, the lower-bound bin and the
// missing bin alone, at most B + 1 groups plus missing, the identity for narrow columns.

import Foundation
import Testing

@testable import SliceGen

@Suite("Pair bins")
struct PairBinsTests {
  /// Checks every property of the map of `bins` with at most `b` groups above the lower bound.
  func checkMap(_ bins: ColumnBins, b: Int, sourceLocation: SourceLocation = #_sourceLocation) {
    let present = bins.count - (bins.missingBin == nil ? 0 : 1)
    guard let map = bins.pairGroups(maximumGroups: b) else {
      // Only categorical columns and columns with at most B + 1 present bins keep the identity.
      #expect(bins.kind == .categorical || present <= b + 1, sourceLocation: sourceLocation)
      return
    }
    #expect(bins.kind != .categorical && present > b + 1, sourceLocation: sourceLocation)
    #expect(map.count == bins.count, sourceLocation: sourceLocation)
    let groups = BinGroups.count(map)
    // Every fine bin in exactly one group (a total map), every group used.
    #expect(Set(map) == Set(0..<groups), sourceLocation: sourceLocation)
    // At most B + 1 groups, plus one for missing; here exactly, since present > B + 1.
    #expect(groups == b + 1 + (bins.missingBin == nil ? 0 : 1), sourceLocation: sourceLocation)
    // The lower-bound bin alone in group 0.
    #expect(map[0] == 0 && map.filter { $0 == 0 }.count == 1, sourceLocation: sourceLocation)
    // The missing bin alone in the last group.
    if let missing = bins.missingBin {
      #expect(map[missing] == groups - 1, sourceLocation: sourceLocation)
      #expect(map.filter { $0 == groups - 1 }.count == 1, sourceLocation: sourceLocation)
    }
    // Contiguous: along the present bins the group never decreases and steps by at most 1.
    for j in 1..<present {
      #expect(map[j] == map[j - 1] || map[j] == map[j - 1] + 1, sourceLocation: sourceLocation)
    }
    // Nearly equal widths: the B groups above the lower bound differ by at most one fine bin
    // (the fine bins above the lower bound have equal widths in value).
    let sizes = BinGroups.sizes(map)[1...b]
    #expect(
      sizes.max()! - sizes.min()! <= 1, "sizes \(Array(sizes))", sourceLocation: sourceLocation)
    let width = bins.unitInterval(of: 1).upperBound - bins.unitInterval(of: 1).lowerBound
    for j in 2..<present where bins.kind == .pointAndWidth {
      let interval = bins.unitInterval(of: j)
      #expect(
        abs(interval.upperBound - interval.lowerBound - width) < 1e-12,
        sourceLocation: sourceLocation)
    }
  }

  @Test(
    "the group map: every fine bin in one group, contiguous, point and missing bins alone, ≤ B + 1 groups"
  )
  func mapProperties() throws {
    let schema = try Schema(
      columns: [
        SchemaColumn(name: "real", domain: .numeric(lower: -5, upper: 5, integer: false)),
        SchemaColumn(
          name: "nullable", domain: .numeric(lower: 0, upper: 1e5, integer: false),
          nullable: true),
        SchemaColumn(name: "wide", domain: .numeric(lower: 0, upper: 99_999, integer: true)),
        SchemaColumn(name: "values", domain: .numeric(lower: 17, upper: 90, integer: true)),
        SchemaColumn(
          name: "nullableValues", domain: .numeric(lower: 1, upper: 40, integer: true),
          nullable: true),
        SchemaColumn(name: "narrow", domain: .numeric(lower: 0, upper: 4, integer: true)),
        SchemaColumn(
          name: "colour",
          domain: .categorical(
            categories: (0..<40).map { "c\($0)" }, catchAll: nil), nullable: true),
      ], missingTokens: [""])
    for marginalBins in [2, 7, 32, 100] {
      let bins = Encoding(schema: schema).publicBins(maximumBins: marginalBins)
      for b in [1, 2, 3, 5, 16, 31, 32, 33, 99, 100, 101, 4096] {
        for column in bins { checkMap(column, b: b) }
      }
    }
  }

  @Test("identity for categorical and narrow columns, groups for wide ones (B = 4)")
  func identityWhenNarrow() {
    let categorical = ColumnBins(
      name: "c", kind: .categorical, count: 50, lower: 0, upper: 0,
      widthBins: 0, integer: false, missingBin: 49)
    #expect(categorical.pairGroups(maximumGroups: 4) == nil)
    // Integer values 0…4: 5 present bins = B + 1, plus missing: identity.
    let five = ColumnBins(
      name: "n", kind: .integerValues, count: 6, lower: 0, upper: 4,
      widthBins: 0, integer: true, missingBin: 5)
    #expect(five.pairGroups(maximumGroups: 4) == nil)
    // Integer values 0…5: 6 present bins > B + 1: 0 alone, then {1, 2}, {3}, {4}, {5}.
    let six = ColumnBins(
      name: "n", kind: .integerValues, count: 6, lower: 0, upper: 5,
      widthBins: 0, integer: true, missingBin: nil)
    #expect(six.pairGroups(maximumGroups: 4) == [0, 1, 1, 2, 3, 4])
    // A point bin and 10 equal-width bins, nullable: 0 | 1 2 3 | 4 5 | 6 7 8 | 9 10 | missing.
    let width = ColumnBins(
      name: "x", kind: .pointAndWidth, count: 12, lower: 0, upper: 1,
      widthBins: 10, integer: false, missingBin: 11)
    #expect(width.pairGroups(maximumGroups: 4) == [0, 1, 1, 1, 2, 2, 3, 3, 3, 4, 4, 5])
  }

  @Test("Adult with the default bins: age, hours and the capital columns on 17 pair bins")
  func adult() throws {
    let schema = try Schema(contentsOf: TestPaths.adultSchema)
    let bins = Encoding(schema: schema).publicBins(maximumBins: 100)
    let binning = PairBinning(bins: bins, maximumGroups: ReleaseOptions.defaultPairBins)
    #expect(ReleaseOptions.defaultPairBins == 16)
    var counts: [String: Int] = [:]
    for (column, count) in zip(bins, binning.counts) { counts[column.name] = count }
    #expect(counts["age"] == 17 && counts["hours_per_week"] == 17)
    #expect(counts["capital_gain"] == 17 && counts["capital_loss"] == 17)
    #expect(counts["education"] == bins.first { $0.name == "education" }!.count)
    // capital_gain: the lower bound 0 alone, then groups of 6 or 7 of the 100 fine bins.
    let gain = bins.first { $0.name == "capital_gain" }!
    let map = try #require(gain.pairGroups(maximumGroups: 16))
    #expect(gain.bin(of: 0) == 0 && map[gain.bin(of: 0)] == 0)
    #expect(map[gain.bin(of: 1)] == 1 && map[gain.bin(of: 99_999)] == 16)
    #expect(Set(BinGroups.sizes(map)[1...]) == [6, 7])
  }

  @Test("row codes map through the groups; the record writes identity maps of ungrouped columns")
  func binning() {
    let bins = [
      ColumnBins(
        name: "x", kind: .pointAndWidth, count: 12, lower: 0, upper: 1, widthBins: 10,
        integer: false, missingBin: 11),
      ColumnBins(
        name: "c", kind: .categorical, count: 3, lower: 0, upper: 0, widthBins: 0,
        integer: false, missingBin: nil),
    ]
    let binning = PairBinning(bins: bins, maximumGroups: 4)
    #expect(binning.counts == [6, 3])
    var pair = [Int32](repeating: -1, count: 2)
    for (fine, expected) in [
      ([0, 2], [0, 2]), ([3, 1], [1, 1]), ([10, 0], [4, 0]), ([11, 2], [5, 2]),
    ] {
      let codes = fine.map(Int32.init)
      codes.withUnsafeBufferPointer { f in
        pair.withUnsafeMutableBufferPointer {
          binning.mapCodes(f.baseAddress!, into: $0.baseAddress!)
        }
      }
      #expect(pair == expected.map(Int32.init), "\(fine)")
    }
    #expect(binning.record(columns: [1], fineCounts: [3]) == nil)
    #expect(
      binning.record(columns: [0, 1], fineCounts: [12, 3])
        == [[0, 1, 1, 1, 2, 2, 3, 3, 3, 4, 4, 5], [0, 1, 2]])
  }
}

@Suite("Releases on pair bins")
struct PairBinsReleaseTests {
  /// Four columns: x real in [0, 100] nullable (20 fine bins of width 5, on pair bins 4 groups
  /// of width 25), n integer in [0, 40] (20 fine bins of width 2, on pair bins 4 groups of 10
  /// values), k integer in [0, 4] (5 values: kept), c categorical (kept). Values sit inside
  /// bins, never on an edge: x = m + 0.5, n odd (edges are where encoding to float32 may move a
  /// value by one fine bin, the fine binning's business, not this test's).
  static func table(rows count: Int, seed: UInt64)
    -> (csv: String, schema: Schema, rows: [[String]])
  {
    var rng = TestRNG(seed: seed)
    var text = "x,n,k,c\n"
    var rows: [[String]] = []
    for _ in 0..<count {
      let u = Double.random(in: 0..<1, using: &rng)
      let m = Int.random(in: 0..<100, using: &rng)
      let x = u < 0.1 ? "NA" : u < 0.25 ? "0" : String(Double(m) + 0.5)
      let odd = 2 * Int.random(in: 0..<20, using: &rng) + 1
      let n = Double.random(in: 0..<1, using: &rng) < 0.2 ? "0" : String(odd)
      let k = Int.random(in: 0...4, using: &rng)
      let row = [x, n, String(k), ["p", "q", "r"].randomElement(using: &rng)!]
      rows.append(row)
      text += row.joined(separator: ",") + "\n"
    }
    let schema = try! Schema(
      columns: [
        SchemaColumn(
          name: "x", domain: .numeric(lower: 0, upper: 100, integer: false),
          nullable: true),
        SchemaColumn(name: "n", domain: .numeric(lower: 0, upper: 40, integer: true)),
        SchemaColumn(name: "k", domain: .numeric(lower: 0, upper: 4, integer: true)),
        SchemaColumn(name: "c", domain: .categorical(categories: ["p", "q", "r"], catchAll: nil)),
      ], missingTokens: ["NA"])
    return (TestPaths.write(text), schema, rows)
  }

  /// Bins of a value by the rules above, written out: (fine bin, pair bin) per column.
  static func bins(_ row: [String]) -> [(fine: Int, pair: Int)] {
    let x: (Int, Int) =
      row[0] == "NA"
      ? (21, 5)
      : row[0] == "0"
        ? (0, 0)
        : (Int((Double(row[0])! / 5).rounded(.up)), 1 + Int(Double(row[0])! / 25))
    let v = Int(row[1])!
    let n = v == 0 ? (0, 0) : ((v + 1) / 2, 1 + (v - 1) / 10)
    let k = Int(row[2])!
    let c = ["p", "q", "r"].firstIndex(of: row[3])!
    return [x, n, (k, k), (c, c)]
  }

  @Test(
    "2-way counts are the exact counts on pair bins, 1-way on fine bins (large ε, test noise)",
    arguments: [MarginalSelection.allPairs, .select(6)])
  func exactCounts(mode: MarginalSelection) throws {
    let (csv, schema, rows) = Self.table(rows: 700, seed: 31)
    var options = ReleaseOptions(epsilon: 1000)
    // Nearly all of μ² to the counts: the projections keep a noise the floating-point bound
    // covers (ImplementationMargin) while the counts' σ falls below 0.1.
    options.aggregateShare = 0.999
    options.delta = 1e-5
    options.slices = 10
    options.marginals = mode
    options.marginalBins = 20
    options.pairBins = 4
    options.insecureTestNoiseSeed = 6
    let path = TestPaths.temporary("g.slg")
    _ = try Releaser.release(csvPath: csv, schema: schema, options: options, outputPath: path)
    let header = try Release(contentsOf: path).header
    // Exponential picks (7, select:K's default), else bins once (4), snapped noise (3), group
    // maps (2).
    #expect(header.formatVersion == (header.pairSelection?.isExponential == true ? 7 : 4))
    let marginals = try #require(header.marginals)
    #expect(marginals.count == 4 + 6)
    let index = ["x": 0, "n": 1, "k": 2, "c": 3]
    let fineShape = [22, 21, 5, 3], pairShape = [6, 5, 5, 3]
    let coded = rows.map(Self.bins)
    for m in marginals {
      let columns = m.columns.map { index[$0]! }
      // The noise is far below half a count (0.5 > 4σ), so every released count rounds to the
      // exact one.
      #expect(m.sigma < 0.125, "σ = \(m.sigma)")
      var exact: [Double]
      if columns.count == 1 {
        let c = columns[0]
        #expect(m.shape == [fineShape[c]] && m.binGroups == nil)
        exact = [Double](repeating: 0, count: fineShape[c])
        for r in coded { exact[r[c].fine] += 1 }
      } else {
        let (a, b) = (columns[0], columns[1])
        #expect(m.shape == [pairShape[a], pairShape[b]], "\(m.columns)")
        #expect(m.bins.map(\.count) == [fineShape[a], fineShape[b]])
        // Group maps exactly when x or n is in the pair; `shape` is the coarse shape.
        #expect((m.binGroups != nil) == (a <= 1 || b <= 1), "\(m.columns)")
        exact = [Double](repeating: 0, count: pairShape[a] * pairShape[b])
        for r in coded { exact[r[a].pair * pairShape[b] + r[b].pair] += 1 }
      }
      #expect(m.noisyCounts.map { $0.rounded() } == exact, "\(m.columns)")
      #expect(zip(m.noisyCounts, exact).allSatisfy { abs($0 - $1) < 0.5 })
    }
    // The consistent tables agree at the pair resolution.
    let x = marginals.first { $0.columns == ["x"] }!
    let xn = marginals.first { $0.columns == ["x", "n"] }!
    let sums = BinGroups.sums(x.probabilities, map: try #require(xn.binGroups)[0])
    let table = MarginalTable(columns: [0, 1], shape: xn.shape, probabilities: xn.probabilities)
    let fromPair = MarginalConsistency.marginal(of: table, position: 0)
    #expect(zip(sums, fromPair).allSatisfy { abs($0 - $1) < 1e-3 })
    if mode == .select(6) {
      // The scores' independent model: the released 1-way tables summed over the same groups.
      #expect(header.pairSelection?.chosen.count == 6)
    }
  }

  @Test("pair bins wide enough for every column: the version-1 format, 2-way tables on fine bins")
  func identityIsTheOldFormat() throws {
    let (csv, schema, _) = Self.table(rows: 300, seed: 32)
    var options = ReleaseOptions(epsilon: 4)
    options.delta = 1e-5
    options.slices = 10
    options.marginals = .allPairs
    options.marginalBins = 20
    options.pairBins = 20
    let path = TestPaths.temporary("v1.slg")
    _ = try Releaser.release(csvPath: csv, schema: schema, options: options, outputPath: path)
    let header = try Release(contentsOf: path).header
    #expect(header.formatVersion == 4)  // bins once, snapped noise; no group maps
    let marginals = try #require(header.marginals)
    #expect(marginals.allSatisfy { $0.binGroups == nil && $0.shape == $0.bins.map(\.count) })
    let raw = String(
      decoding: try Data(contentsOf: URL(fileURLWithPath: path)).prefix(200_000), as: UTF8.self)
    #expect(!raw.contains("binGroups"))
  }

  @Test(
    "the numpy marginals snippet in Docs reads pair-bin tables and their group maps",
    .enabled(if: ReleaserTests.numpyAvailable))
  func numpySnippet() throws {
    let (csv, schema, _) = Self.table(rows: 500, seed: 34)
    var options = ReleaseOptions(epsilon: 4)
    options.delta = 1e-5
    options.slices = 5
    options.marginals = .allPairs
    options.marginalBins = 20
    options.pairBins = 4
    let path = TestPaths.temporary("n.slg")
    _ = try Releaser.release(csvPath: csv, schema: schema, options: options, outputPath: path)
    let snippet = TestPaths.repository.appendingPathComponent("Docs/snippets/load_marginals.py")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", snippet.path, path]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    let lines = text.split(separator: "\n").map { $0.split(separator: " ") }
    // Every pair of x (6 pair bins), n (5), k (5), c (3), in order; the consistent tables agree
    // with the 1-way tables summed over the groups (8 rounds of consistency: well below 1e-2).
    #expect(
      lines.map { $0[0...3].joined(separator: " ") } == [
        "x n 6 5", "x k 6 5", "x c 6 3", "n k 5 5", "n c 5 3", "k c 5 3",
      ])
    #expect(lines.allSatisfy { Double($0[4])! < 1e-2 }, "\(text)")
  }

  @Test("a bad pair-bins value is refused before the data is read")
  func badValue() throws {
    let (csv, schema, _) = Self.table(rows: 10, seed: 1)
    for bad in [0, -3] {
      var options = ReleaseOptions(epsilon: 1)
      options.marginals = .allPairs
      options.pairBins = bad
      let path = TestPaths.temporary("bad.slg")
      #expect {
        try Releaser.release(csvPath: csv, schema: schema, options: options, outputPath: path)
      } throws: { error in
        (error as? OptionError)?.description == "--pair-bins is \(bad), must be from 1 to 4096"
      }
      #expect(!FileManager.default.fileExists(atPath: path))
    }
  }
}

@Suite("Release files with group maps")
struct BinGroupsFormatTests {
  /// A release with one grouped 2-way marginal (x:c), its header edited by `edit` and then
  /// stamped with `version` (nil: the version the writer requires), written and read back.
  func roundTrip(version: Int? = nil, _ edit: (inout ReleaseHeader) -> Void) throws
    -> Result<ReleaseHeader, Error>
  {
    let (csv, schema, _) = PairBinsReleaseTests.table(rows: 200, seed: 33)
    var options = ReleaseOptions(epsilon: 4)
    options.delta = 1e-4
    options.slices = 5
    options.marginals = .pairs([["x", "c"]])
    options.marginalBins = 20
    options.pairBins = 4
    let path = TestPaths.temporary("f.slg")
    _ = try Releaser.release(csvPath: csv, schema: schema, options: options, outputPath: path)
    var release = try Release(contentsOf: path)
    edit(&release.header)
    var encoded = try Release.encodedHeader(release.header).0
    if let version {
      // `encodedHeader` stamps the required version; put another digit in its place.
      let stamped = Array("\"formatVersion\" : \(release.header.requiredFormatVersion)".utf8)
      let start = try #require(
        (0...(encoded.count - stamped.count)).first {
          Array(encoded[$0..<($0 + stamped.count)]) == stamped
        })
      encoded[start + stamped.count - 1] = UInt8(ascii: "0") + UInt8(version)
    }
    var bytes = Release.magic
    bytes += withUnsafeBytes(of: UInt64(encoded.count).littleEndian, Array.init)
    bytes += encoded
    release.projections.withUnsafeBytes { bytes += $0 }
    release.released.withUnsafeBytes { bytes += $0 }
    var hasher = SHA256()
    bytes.withUnsafeBytes { hasher.update($0) }
    bytes += hasher.finalize()
    let edited = TestPaths.temporary("e.slg")
    try Data(bytes).write(to: URL(fileURLWithPath: edited))
    return Result { try Release(contentsOf: edited).header }
  }

  func refused(
    version: Int? = nil, _ edit: (inout ReleaseHeader) -> Void, _ message: String,
    sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    switch try roundTrip(version: version, edit) {
    case .success: Issue.record("accepted; expected \(message)", sourceLocation: sourceLocation)
    case .failure(let error):
      #expect("\(error)".contains(message), "\(error)", sourceLocation: sourceLocation)
    }
  }

  @Test("a file with group maps reads back; malformed maps are refused by name")
  func validation() throws {
    let good = try roundTrip { _ in }.get()
    #expect(good.formatVersion == 4)
    let pair = try #require(good.marginals?.last)
    #expect(pair.columns == ["x", "c"] && pair.shape == [6, 3])
    #expect(
      pair.binGroups == [
        [0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 5],
        [0, 1, 2],
      ])
    try refused({ $0.marginals![4].binGroups![0][3] = 9 }, "points outside its 6 groups")
    try refused({ $0.marginals![4].binGroups![0][21] = 4 }, "leaves a group empty")
    try refused({ $0.marginals![4].binGroups![0].removeLast() }, "21 entries for 22 bins")
    try refused({ $0.marginals![4].binGroups = nil }, "shape 6 for 22 bins")
    try refused({ $0.marginals![4].shape = [5, 3] }, "points outside its 5 groups")
    try refused({ $0.marginals![0].columns = ["y"] }, "column \"y\" is not a released column")
    try refused({ $0.marginals!.remove(at: 1) }, "column \"n\" has no 1-way marginal")
    try refused({ $0.marginals![4].probabilities.removeLast() }, "17 probabilities")
    // The version says what the file holds: a version-1 header with group maps is refused (an
    // older reader would misread its shapes), and so is a version this slicegen does not know.
    try refused(version: 1, { _ in }, "format version 1, but its contents")
    let unknown = FormatVersions.release + 1
    try refused(
      version: unknown, { _ in },
      "format version \(unknown); this slicegen reads versions 1 to \(FormatVersions.release)")
    try refused(version: 3, { _ in }, "format version 3, but its contents")
    // A format-3 file (each marginal with its own bins) reads back the same.
    let three = try roundTrip(version: 3) { $0.bins = nil }.get()
    #expect(three.formatVersion == 3)
    #expect(three.marginals!.map(\.bins) == good.marginals!.map(\.bins))
    #expect(three.columnBins == good.columnBins)
    // A format-2 file (group maps, noise not snapped) still reads back.
    let two = try roundTrip(version: 2) {
      $0.privacy.implementation = nil
      $0.bins = nil
    }.get()
    #expect(two.formatVersion == 2 && two.hasFloatingPointLeak)
    #expect(
      ReleaseSummary(header: two).text(path: "two.slg").contains(
        "WARNING: written before format 3"))
    #expect(!ReleaseSummary(header: good).text(path: "good.slg").contains("WARNING"))
    // Without group maps and without snapped noise, a version-1 file reads back.
    let old = try roundTrip(version: 1) { header in
      header.marginals = header.marginals!.filter { $0.columns.count == 1 }
      header.privacy.implementation = nil
      header.bins = nil
    }.get()
    #expect(old.formatVersion == 1)
  }
}

@Suite("--pair-bins auto")
struct PairBinRuleTests {
  @Test("the largest B whose (B + 1)² cells hold at least 2σ rows each, within [1, cap]")
  func rule() {
    // digits at ε = 1: 1,497 rows, σ = 62.9: n/(2σ) = 11.9 cells → B + 1 = 3.
    #expect(PairBinRule.bins(rows: 1497, twoWaySigma: 62.93, cap: 16) == 2)
    // Adult at ε = 1: 32,561 rows, σ = 55.6: n/(2σ) = 292.6 → 17² = 289 fits, the cap.
    #expect(PairBinRule.bins(rows: 32561, twoWaySigma: 55.64, cap: 16) == 16)
    #expect(PairBinRule.bins(rows: 32561, twoWaySigma: 55.64, cap: 8) == 8)
    // Exactly on the boundary: (B + 1)² = n/(2σ) is allowed.
    #expect(PairBinRule.bins(rows: 32, twoWaySigma: 1, cap: 16) == 3)
    #expect(PairBinRule.bins(rows: 31, twoWaySigma: 1, cap: 16) == 2)
    // Too few rows for any grouping: one group (plus the lower-bound bin) still.
    #expect(PairBinRule.bins(rows: 10, twoWaySigma: 50, cap: 16) == 1)
    // More rows never give fewer bins.
    var last = 1
    for n in stride(from: 100, through: 100_000, by: 997) {
      let b = PairBinRule.bins(rows: n, twoWaySigma: 20, cap: 16)
      #expect(b >= last)
      last = b
    }
  }

  @Test("release resolves auto from n and the calibrated σ, records it, and keeps a given B")
  func resolved() throws {
    let digits = try Schema(
      contentsOf: TestPaths.repository.appendingPathComponent("samples/digits/schema.json").path)
    var options = ReleaseOptions(epsilon: 1)
    options.delta = 1e-5
    options.marginals = .tree  // auto on labelled images is the label's star
    #expect(
      try Releaser.resolvePairBins(schema: digits, options: options, rows: 1497).pairBins == 2)
    #expect(
      try Releaser.resolvePairBins(schema: digits, options: options, rows: 200_000).pairBins == 16)
    var given = options
    given.pairBins = 7
    #expect(try Releaser.resolvePairBins(schema: digits, options: given, rows: 1497).pairBins == 7)
    // The release records what it used; the 2-way tables count pixels on 2 groups and the
    // lower-bound bin.
    var release = options
    release.slices = 5
    release.insecureTestNoiseSeed = 1
    let path = TestPaths.temporary("digits-auto-pair-bins.slg")
    _ = try Releaser.release(
      csvPath: TestPaths.repository.appendingPathComponent("samples/digits/train.csv").path,
      schema: digits, options: release,
      outputPath: path)
    let header = try Release(contentsOf: path).header
    #expect(header.pairBins == 2)
    let pixelPair = header.marginals!.first {
      $0.columns.count == 2 && !$0.columns.contains("target")
    }!
    #expect(pixelPair.shape == [3, 3])
  }
}
