// Tests of the public bins (PublicBins.swift): the bins each kind of column gets from the schema
// alone, the bin of a value at and around every edge, the agreement of `bin(of:)` with
// `unitInterval(of:)`, and the bin codes of a whole CSV.

import Foundation
import Testing

@_spi(Benchmarks) @testable import SliceGen

@Suite("Public bins")
struct PublicBinsTests {
  @Test("public bins come from the schema: point bin for the lower bound, integer ranges per value")
  func bins() throws {
    let schema = try Schema(contentsOf: TestPaths.adultSchema)
    let bins = Encoding(schema: schema).publicBins(maximumBins: 32)
    let gain = bins.first { $0.name == "capital_gain" }!
    #expect(gain.kind == .pointAndWidth && gain.count == 33)
    #expect(gain.bin(of: 0) == 0 && gain.bin(of: 1) == 1 && gain.bin(of: 99999) == 32)
    let sex = bins.first { $0.name == "sex" }!
    #expect(sex.kind == .categorical && sex.count == 2)
    let age = bins.first { $0.name == "age" }!  // 74 values > 32: point + 32 equal-width bins
    #expect(age.count == 33)
  }

  @Test("every kind of column: integer values, point and width, categories, missing bins last")
  func kinds() throws {
    let encoding = Encoding(schema: try mixedSchema())
    // age: integers 17…90 (74 values); income: nullable real in [0, 1e5]; colour: 3 categories;
    // city: 2 categories, nullable; id: dropped (no bins).
    let wide = encoding.publicBins(maximumBins: 128)
    #expect(wide.map(\.name) == ["age", "income", "colour", "city"])
    #expect(wide[0].kind == .integerValues && wide[0].count == 74 && wide[0].missingBin == nil)
    #expect(wide[1].kind == .pointAndWidth && wide[1].widthBins == 128)
    #expect(wide[1].count == 1 + 128 + 1 && wide[1].missingBin == 129)
    #expect(wide[2].kind == .categorical && wide[2].count == 3 && wide[2].missingBin == nil)
    #expect(wide[3].kind == .categorical && wide[3].count == 3 && wide[3].missingBin == 2)
    // 74 values no longer fit in 73 bins: age becomes a point bin and 73 equal widths.
    let narrow = encoding.publicBins(maximumBins: 73)
    #expect(narrow[0].kind == .pointAndWidth && narrow[0].count == 74)
    #expect(encoding.publicBins(maximumBins: 74)[0].kind == .integerValues)
  }

  @Test("equal-width bins are closed on the right; the lower bound has a bin of its own")
  func edges() {
    let bins = ColumnBins(
      name: "x", kind: .pointAndWidth, count: 5, lower: -2, upper: 6, widthBins: 4,
      integer: false, missingBin: nil)
    // Width 2: bins (−2, 0], (0, 2], (2, 4], (4, 6] are 1…4; −2 itself is bin 0.
    #expect(bins.bin(of: -2) == 0)
    #expect(bins.bin(of: (-2.0).nextUp) == 1)
    for (k, edge) in [0.0, 2, 4, 6].enumerated() {
      #expect(bins.bin(of: edge) == k + 1, "edge \(edge)")
      // Just above: 1e-12 survives v − lower (one ulp of 0 or 2 would not).
      if edge < 6 { #expect(bins.bin(of: edge + 1e-12) == k + 2, "above \(edge)") }
    }
    let integers = ColumnBins(
      name: "n", kind: .integerValues, count: 5, lower: 3, upper: 7, widthBins: 0, integer: true,
      missingBin: nil)
    #expect((3...7).map { integers.bin(of: Double($0)) } == [0, 1, 2, 3, 4])
    // Values are clamped by the encoder first; a rounding error just outside stays in range.
    #expect(integers.bin(of: 2.9) == 0 && integers.bin(of: 7.2) == 4)
  }

  @Test("unitInterval(of: bin(of: v)) contains v's unit value, for both numeric kinds")
  func intervalsAgreeWithBins() {
    var rng = TestRNG(seed: 17)
    let kinds = [
      ColumnBins(
        name: "w", kind: .pointAndWidth, count: 33, lower: 10, upper: 1010, widthBins: 32,
        integer: false, missingBin: nil),
      ColumnBins(
        name: "i", kind: .integerValues, count: 21, lower: -10, upper: 10, widthBins: 0,
        integer: true, missingBin: nil),
    ]
    for bins in kinds {
      for _ in 0..<2000 {
        var v = Double.random(in: bins.lower...bins.upper, using: &rng)
        if bins.kind == .integerValues { v = v.rounded() }
        let unit = (v - bins.lower) / (bins.upper - bins.lower)
        let interval = bins.unitInterval(of: bins.bin(of: v))
        // One rounding of the unit value in each computation: allow a few ulp at the ends.
        let slack = 4 * Double.ulpOfOne
        #expect(
          interval.lowerBound - slack <= unit && unit <= interval.upperBound + slack,
          "\(bins.kind) v = \(v): bin \(bins.bin(of: v)), interval \(interval)")
      }
    }
  }

  @Test("bin codes of a CSV: one code per kept column per row, missing values in the last bin")
  func csvCodes() throws {
    let schema = try mixedSchema()
    // Income 500 is in (0, 781.25], the first of 128 equal widths over (0, 1e5]; 60,000 in bin
    // ⌈76.8⌉ = 77; 0 in the point bin of the lower bound.
    let path = TestPaths.write(
      """
      age,income,colour,city,id
      30,500,green,B,0.3
      17,0,red,,0.1
      90,NA,blue,A,0.9
      45,60000,red,NA,0.5

      """)
    let (codes, rows, bins) = try Encoding(schema: schema).binCodes(
      csvPath: path, maximumBins: 128)
    #expect(rows == 4 && bins.count == 4)
    #expect(bins == Encoding(schema: schema).publicBins(maximumBins: 128))
    let expected: [[Int32]] = [
      [30 - 17, 1, 1, 1],
      [0, 0, 0, 2],  // income 0: the point bin; city "": missing
      [90 - 17, 129, 2, 0],  // income NA: missing
      [45 - 17, 77, 0, 2],
    ]
    #expect(codes == expected.flatMap { $0 })
  }

  @Test("bin codes of a CSV: a bad field is refused with its line")
  func csvCodesRefuseBadFields() throws {
    let path = TestPaths.write("age,income,colour,city,id\n30,500,purple,B,0.3\n")
    #expect(throws: EncodingError.self) {
      try Encoding(schema: try mixedSchema()).binCodes(csvPath: path)
    }
  }
}
