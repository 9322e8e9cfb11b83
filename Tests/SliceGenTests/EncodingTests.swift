import Foundation
import Testing

@testable import SliceGen

@Suite("Encoding")
struct EncodingTests {
  /// A random in-domain (or missing) field for each schema column.
  func randomFields(_ schema: Schema, _ rng: inout TestRNG) -> [String] {
    schema.columns.map { column in
      if column.nullable, Int.random(in: 0..<4, using: &rng) == 0 { return "NA" }
      switch column.domain {
      case .numeric(let lower, let upper, let integer):
        // Half the draws at the bounds, where distances are largest.
        let pick = Int.random(in: 0..<4, using: &rng)
        let value =
          pick == 0
          ? lower
          : pick == 1
            ? upper
            : Double.random(in: lower...upper, using: &rng)
        return integer ? String(Int(value.rounded())) : String(value)
      case .categorical(let categories, _):
        return categories.randomElement(using: &rng)!
      }
    }
  }

  func encode(_ encoder: inout RowEncoder, _ fields: [String]) throws -> [Float] {
    var row = [Float](repeating: .nan, count: encoder.encoding.width)
    try row.withUnsafeMutableBufferPointer {
      try encoder.encode(fields, line: 2, into: $0.baseAddress!)
    }
    return row
  }

  @Test(
    "any two encoded rows differ by at most 1 and every row has norm at most 1",
    arguments: [[1.0, 1, 1, 1], [3, 0.2, 1, 5], [0.01, 10, 2, 0.5]])
  func sensitivity(weights: [Double]) throws {
    let schema = try mixedSchema(weights: weights)
    let encoding = Encoding(schema: schema)
    #expect(encoding.width == 1 + 2 + 3 + 3)
    var encoder = try RowEncoder(encoding: encoding, header: schema.columns.map(\.name), path: "t")
    var rng = TestRNG(seed: 42)
    var rows: [[Float]] = []
    for _ in 0..<300 { rows.append(try encode(&encoder, randomFields(schema, &rng))) }
    var largestDistance = 0.0
    var largestNorm = 0.0
    for a in rows.indices {
      largestNorm = max(
        largestNorm, rows[a].reduce(0) { $0 + Double($1) * Double($1) }.squareRoot())
      for b in rows.indices where b > a {
        var sum = 0.0
        for j in rows[a].indices { sum += pow(Double(rows[a][j]) - Double(rows[b][j]), 2) }
        largestDistance = max(largestDistance, sum.squareRoot())
      }
    }
    #expect(largestDistance <= 1)
    #expect(largestNorm <= 1)
    // The bound is attained (up to float rounding): the extremes are in the sample.
    #expect(largestDistance > 0.95)
  }

  @Test("decoding inverts encoding on in-domain rows")
  func roundTrip() throws {
    let schema = try mixedSchema()
    let encoding = Encoding(schema: schema)
    var encoder = try RowEncoder(encoding: encoding, header: schema.columns.map(\.name), path: "t")
    var rng = TestRNG(seed: 7)
    var decoded: [String] = []
    for _ in 0..<200 {
      let fields = randomFields(schema, &rng)
      let row = try encode(&encoder, fields)
      row.withUnsafeBufferPointer {
        encoding.decode($0.baseAddress!, into: &decoded, using: &rng, sample: false)
      }
      let kept = schema.columns.indices.filter { !schema.columns[$0].drop }
      #expect(decoded[0] == fields[kept[0]])  // integer age: exact
      if fields[kept[1]] == "NA" {
        #expect(decoded[1] == "")  // first missing token? no: ""
      } else {
        #expect(abs(Double(decoded[1])! - Double(fields[kept[1]])!) <= 0.02)  // float32 · 1e5
      }
      #expect(decoded[2] == fields[kept[2]])
      #expect(decoded[3] == (fields[kept[3]] == "NA" ? "" : fields[kept[3]]))
    }
  }

  @Test("blocks decoded elsewhere get an empty field and draw nothing from the stream")
  func decodedElsewhere() throws {
    let schema = try mixedSchema()
    let encoding = Encoding(schema: schema)
    var encoder = try RowEncoder(encoding: encoding, header: schema.columns.map(\.name), path: "t")
    var fieldRNG = TestRNG(seed: 3)
    let row = try encode(&encoder, randomFields(schema, &fieldRNG))
    let skip = encoding.blocks.indices.map { $0 == 1 || $0 == 3 }
    var all: [String] = [], some: [String] = []
    var rngAll = TestRNG(seed: 9), rngSome = TestRNG(seed: 9)
    row.withUnsafeBufferPointer {
      encoding.decode($0.baseAddress!, into: &all, using: &rngAll, sample: true)
      encoding.decode(
        $0.baseAddress!, into: &some, using: &rngSome, sample: true, decodedElsewhere: skip)
    }
    #expect(some.count == all.count)
    for (index, skipped) in skip.enumerated() {
      if skipped { #expect(some[index] == "") } else { #expect(!some[index].isEmpty) }
    }
    // With every block decoded elsewhere, the stream is left where it was.
    var untouched = TestRNG(seed: 9)
    var none: [String] = []
    row.withUnsafeBufferPointer {
      encoding.decode(
        $0.baseAddress!, into: &none, using: &untouched, sample: true,
        decodedElsewhere: Array(repeating: true, count: encoding.blocks.count))
    }
    #expect(none == Array(repeating: "", count: encoding.blocks.count))
    #expect(untouched.state == TestRNG(seed: 9).state)
  }

  @Test("out-of-domain numbers are clamped and counted")
  func clamping() throws {
    let schema = try mixedSchema()
    var encoder = try RowEncoder(
      encoding: Encoding(schema: schema), header: schema.columns.map(\.name), path: "t")
    let row = try encode(&encoder, ["200", "-5", "red", "A", "0.5"])
    #expect(encoder.clampedCounts == [1, 1, 0, 0])
    #expect(row[0] == encoder.encoding.blocks[0].scale)  // clamped to the upper bound: v = 1
    #expect(row[1] == 0)  // clamped to the lower bound: v = 0
  }

  @Test(
    "bad values are errors that name the line, column and value",
    arguments: [
      (["abc", "1", "red", "A", "0"], "t:9:1: column \"age\": value \"abc\" is not a number"),
      (["nan", "1", "red", "A", "0"], "is not a finite number"),
      (["inf", "1", "red", "A", "0"], "is not a finite number"),
      (
        ["20", "1", "purple", "A", "0"],
        "t:9:3: column \"colour\": value \"purple\" is not a declared"
      ),
      (["", "1", "red", "A", "0"], "is missing, but the column is not nullable"),
    ])
  func errors(fields: [String], expected: String) throws {
    let schema = try mixedSchema()
    var encoder = try RowEncoder(
      encoding: Encoding(schema: schema), header: schema.columns.map(\.name), path: "t")
    var row = [Float](repeating: 0, count: encoder.encoding.width)
    #expect {
      try row.withUnsafeMutableBufferPointer {
        try encoder.encode(fields, line: 9, into: $0.baseAddress!)
      }
    } throws: { error in
      "\(error)".contains(expected)
    }
  }

  @Test("a catch-all category receives unknown values")
  func catchAll() throws {
    var schema = try mixedSchema()
    schema.columns[2].domain = .categorical(categories: ["red", "other"], catchAll: "other")
    var encoder = try RowEncoder(
      encoding: Encoding(schema: schema), header: schema.columns.map(\.name), path: "t")
    let row = try encode(&encoder, ["20", "1", "purple", "A", "0"])
    let block = encoder.encoding.blocks[2]
    #expect(row[block.offset + 1] == block.scale)
    #expect(encoder.catchAllCounts[2] == 1)
  }

  @Test("header mismatches are reported both ways")
  func header() throws {
    let schema = try mixedSchema()
    let encoding = Encoding(schema: schema)
    #expect(throws: HeaderError.self) {
      try RowEncoder(encoding: encoding, header: ["age", "income", "colour", "city"], path: "t")
    }
    #expect(throws: HeaderError.self) {
      try RowEncoder(encoding: encoding, header: schema.columns.map(\.name) + ["extra"], path: "t")
    }
  }

  /// Encodes one CSV line of `fields` both ways: through raw bytes and through Strings.
  func bothWays(_ schema: Schema, _ lines: [String]) throws -> (fast: String, reference: String) {
    let encoding = Encoding(schema: schema)
    let header = schema.columns.map(\.name)
    let path = TestPaths.temporary("e.csv")
    try Data((header.joined(separator: ",") + "\n" + lines.joined(separator: "\n")).utf8)
      .write(to: URL(fileURLWithPath: path))
    func run(raw: Bool) -> String {
      do {
        var reader = try CSVReader(path: path)
        var encoder = try RowEncoder(encoding: encoding, header: reader.header, path: "t")
        var row = [Float](repeating: .nan, count: encoding.width)
        var out: [String] = []
        while true {
          let more: Void? = try row.withUnsafeMutableBufferPointer { buffer in
            if raw {
              return try reader.withNextRawRecord {
                try encoder.encode($0, into: buffer.baseAddress!)
              }
            }
            guard let record = try reader.nextRecord() else { return nil }
            try encoder.encode(record.fields, line: record.line, into: buffer.baseAddress!)
            return ()
          }
          guard more != nil else { break }
          out.append("\(row.map(\.bitPattern))")
        }
        return "\(out) \(encoder.clampedCounts) \(encoder.catchAllCounts)"
      } catch {
        return "error \(error)"
      }
    }
    return (run(raw: true), run(raw: false))
  }

  @Test("the byte path encodes exactly like the String path, errors included")
  func bytePathMatches() throws {
    var schema = try mixedSchema()
    schema.columns[2].domain = .categorical(
      categories: ["red", "green", "blue", "é", "K", "other"], catchAll: "other")
    var kelvin = try mixedSchema()  // a category that is canonically equal to ASCII "K"
    kelvin.columns[3].domain = .categorical(categories: ["A", "\u{212A}"], catchAll: nil)
    let numbers = [
      "0", "17", "90", "91", "-0", "-1", "3.25", "0.1", "1e2", " 42", "42 ", "+5",
      ".5", "5.", "00017", "123456789012345", "1234567890123456", "0.30000000000000004",
      "17.000000000000001", "nan", "inf", "abc", "", "NA", "4\u{0301}", "0x1p4", "1_0",
    ]
    let colours = ["red", "green", "é", "e\u{0301}", "K", "\u{212A}", "purple", "", "NA", "Red"]
    let cities = ["A", "B", "K", "\u{212A}", "", "NA", "C"]
    var rng = TestRNG(seed: 21)
    for case_ in 0..<60 {
      var lines: [String] = []
      for _ in 0..<20 {
        let age =
          Int.random(in: 0..<3, using: &rng) == 0 ? numbers.randomElement(using: &rng)! : "40"
        let income = numbers.randomElement(using: &rng)!
        let colour = colours.randomElement(using: &rng)!
        let city = cities.randomElement(using: &rng)!
        lines.append(["\"\(age)\"", income, colour, city, "0.5"].joined(separator: ","))
      }
      for s in [schema, kelvin] {
        let (fast, reference) = try bothWays(s, lines)
        #expect(fast == reference, "case \(case_)")
      }
    }
    // Every number on its own (an error stops a table at its first bad value).
    for number in numbers {
      let (fast, reference) = try bothWays(schema, ["\(number),\(number),red,A,0"])
      #expect(fast == reference, "\(number)")
    }
  }

  @Test("simple decimals convert to the same Double as Double(String)")
  func simpleDecimals() {
    var rng = TestRNG(seed: 5)
    var texts = [
      "0", "-0", "1", "0.1", "0.2", "0.3", "999999999999999", "0.000000000000001",
      "9007199254740993", "123.456", "-87.5",
    ]
    for _ in 0..<20_000 {
      let digits = Int.random(in: 1...15, using: &rng)
      let point = Int.random(in: 0...digits, using: &rng)
      var t = (0..<digits).map { _ in String(Int.random(in: 0...9, using: &rng)) }.joined()
      if point > 0 && point < digits { t.insert(".", at: t.index(t.startIndex, offsetBy: point)) }
      texts.append(Bool.random(using: &rng) ? "-" + t : t)
    }
    for t in texts {
      let bytes = Array(t.utf8)
      let fast = bytes.withUnsafeBufferPointer { RowEncoder.simpleDecimal($0) }
      if let fast { #expect(fast.bitPattern == Double(t)!.bitPattern, "\(t)") }
    }
  }
}
