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
    #expect(sizes.max()! - sizes.min()! <= 1, "sizes \(Array(sizes))", sourceLocation: sourceLocation)
    let width = bins.unitInterval(of: 1).upperBound - bins.unitInterval(of: 1).lowerBound
    for j in 2..<present where bins.kind == .pointAndWidth {
      let interval = bins.unitInterval(of: j)
      #expect(abs(interval.upperBound - interval.lowerBound - width) < 1e-12,
              sourceLocation: sourceLocation)
    }
  }

  @Test("the group map: every fine bin in one group, contiguous, point and missing bins alone, ≤ B + 1 groups")
  func mapProperties() throws {
    let schema = try Schema(
      columns: [
        SchemaColumn(name: "real", domain: .numeric(lower: -5, upper: 5, integer: false)),
        SchemaColumn(name: "nullable", domain: .numeric(lower: 0, upper: 1e5, integer: false),
                     nullable: true),
        SchemaColumn(name: "wide", domain: .numeric(lower: 0, upper: 99_999, integer: true)),
        SchemaColumn(name: "values", domain: .numeric(lower: 17, upper: 90, integer: true)),
        SchemaColumn(name: "nullableValues", domain: .numeric(lower: 1, upper: 40, integer: true),
                     nullable: true),
        SchemaColumn(name: "narrow", domain: .numeric(lower: 0, upper: 4, integer: true)),
        SchemaColumn(name: "colour", domain: .categorical(
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
    let categorical = ColumnBins(name: "c", kind: .categorical, count: 50, lower: 0, upper: 0,
                                 widthBins: 0, integer: false, missingBin: 49)
    #expect(categorical.pairGroups(maximumGroups: 4) == nil)
    // Integer values 0…4: 5 present bins = B + 1, plus missing: identity.
    let five = ColumnBins(name: "n", kind: .integerValues, count: 6, lower: 0, upper: 4,
                          widthBins: 0, integer: true, missingBin: 5)
    #expect(five.pairGroups(maximumGroups: 4) == nil)
    // Integer values 0…5: 6 present bins > B + 1: 0 alone, then {1, 2}, {3}, {4}, {5}.
    let six = ColumnBins(name: "n", kind: .integerValues, count: 6, lower: 0, upper: 5,
                         widthBins: 0, integer: true, missingBin: nil)
    #expect(six.pairGroups(maximumGroups: 4) == [0, 1, 1, 2, 3, 4])
    // A point bin and 10 equal-width bins, nullable: 0 | 1 2 3 | 4 5 | 6 7 8 | 9 10 | missing.
    let width = ColumnBins(name: "x", kind: .pointAndWidth, count: 12, lower: 0, upper: 1,
                           widthBins: 10, integer: false, missingBin: 11)
    #expect(width.pairGroups(maximumGroups: 4) == [0, 1, 1, 1, 2, 2, 3, 3, 3, 4, 4, 5])
  }

  @Test("Adult with the default bins: age, hours and the capital columns on 17 pair bins")
  func adult() throws {
    let schema = try Schema(contentsOf: TestPaths.adultSchema)
    let bins = Encoding(schema: schema).publicBins(maximumBins: 100)
    let binning = PairBinning(bins: bins, maximumGroups: 16)
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
      ColumnBins(name: "x", kind: .pointAndWidth, count: 12, lower: 0, upper: 1, widthBins: 10,
                 integer: false, missingBin: 11),
      ColumnBins(name: "c", kind: .categorical, count: 3, lower: 0, upper: 0, widthBins: 0,
                 integer: false, missingBin: nil),
    ]
    let binning = PairBinning(bins: bins, maximumGroups: 4)
    #expect(binning.counts == [6, 3])
    var pair = [Int32](repeating: -1, count: 2)
    for (fine, expected) in [([0, 2], [0, 2]), ([3, 1], [1, 1]), ([10, 0], [4, 0]), ([11, 2], [5, 2])] {
      let codes = fine.map(Int32.init)
      codes.withUnsafeBufferPointer { f in
        pair.withUnsafeMutableBufferPointer { binning.mapCodes(f.baseAddress!, into: $0.baseAddress!) }
      }
      #expect(pair == expected.map(Int32.init), "\(fine)")
    }
    #expect(binning.record(columns: [1], fineCounts: [3]) == nil)
    #expect(binning.record(columns: [0, 1], fineCounts: [12, 3])
      == [[0, 1, 1, 1, 2, 2, 3, 3, 3, 4, 4, 5], [0, 1, 2]])
  }
}
