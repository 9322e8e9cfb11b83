import Foundation
import Testing

@testable import SliceGen

@Suite("CSV")
struct CSVTests {
  func read(_ bytes: [UInt8], chunkSize: Int = 1 << 20) throws -> (
    header: [String], rows: [[String]], lines: [Int]
  ) {
    let path = TestPaths.temporary("t.csv")
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    var reader = try CSVReader(path: path, chunkSize: chunkSize)
    var rows: [[String]] = []
    var lines: [Int] = []
    while let record = try reader.nextRecord() {
      rows.append(record.fields)
      lines.append(record.line)
    }
    return (reader.header, rows, lines)
  }

  func read(_ text: String, chunkSize: Int = 1 << 20) throws -> (
    header: [String], rows: [[String]], lines: [Int]
  ) {
    try read(Array(text.utf8), chunkSize: chunkSize)
  }

  @Test(
    "RFC 4180 features parse identically at every chunk size", arguments: [1, 2, 3, 7, 64, 1 << 20])
  func rfc4180(chunkSize: Int) throws {
    let text =
      "\u{FEFF}a,b,c\r\n1,\"x,y\",\"say \"\"hi\"\"\"\r\n,,\r\n\"multi\nline\",é,\"€\"\n\n4,5,6"
    let (header, rows, lines) = try read(text, chunkSize: chunkSize)
    #expect(header == ["a", "b", "c"])
    #expect(
      rows == [
        ["1", "x,y", "say \"hi\""], ["", "", ""], ["multi\nline", "é", "€"], ["4", "5", "6"],
      ])
    #expect(lines == [2, 3, 4, 7])
  }

  @Test(
    "errors name the file, line and column",
    arguments: [
      ("a,b\n1,2\n3\n", "t.csv:3:1: expected 2 fields, found 1"),
      ("a,b\n1,2\n3,4,5\n", "t.csv:3:3: expected 2 fields, found 3"),
      ("a,b\n1,\"2\n3,4\n", "t.csv:2:2: unterminated quoted field"),
      ("a,b\n1,x\"y\n", "t.csv:2:2: a quote inside an unquoted field"),
      ("a,b\n1,\"x\"y\n", "t.csv:2:2: text after a closing quote"),
      ("", "the file is empty"),
      ("\n\n", "the file is empty"),
      ("a,a\n1,2\n", "t.csv:1:2: column name \"a\" appears twice"),
      ("a,\n1,2\n", "t.csv:1:2: empty column name"),
    ])
  func errors(text: String, message: String) throws {
    do {
      _ = try read(text)
      Issue.record("no error for \(text.debugDescription)")
    } catch let error as CSVError {
      #expect(
        error.description.hasSuffix(message) || error.description.contains(message), "\(error)")
    }
  }

  @Test("invalid UTF-8 is reported with its line and column")
  func invalidUTF8() throws {
    #expect {
      _ = try read(Array("a,b\n1,".utf8) + [0xC3, 0x28] + Array("\n".utf8))
    } throws: { error in
      "\(error)".hasSuffix("t.csv:2:2: invalid UTF-8")
    }
  }

  @Test("a missing file is reported")
  func missing() {
    #expect(throws: CSVError.self) { try CSVReader(path: "/nonexistent/x.csv") }
  }

  @Test("writer then reader round-trips awkward fields")
  func roundTrip() throws {
    var rng = TestRNG(seed: 3)
    let alphabet = ["a", ",", "\"", "\n", "\r\n", " ", "é", "😀", "x", ""]
    var rows: [[String]] = []
    for _ in 0..<200 {
      rows.append(
        (0..<4).map { _ in
          (0..<Int.random(in: 0..<6, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
            .joined()
        })
    }
    // An all-empty record would be a blank line: give it one visible field.
    for i in rows.indices where rows[i].allSatisfy(\.isEmpty) { rows[i][0] = "e" }
    let path = TestPaths.temporary("w.csv")
    let writer = try CSVWriter(path: path)
    try writer.writeRecord(["c1", "c2", "c3", "c4"])
    for row in rows { try writer.writeRecord(row) }
    try writer.finish()
    for chunk in [1, 5, 1 << 20] {
      var reader = try CSVReader(path: path, chunkSize: chunk)
      var back: [[String]] = []
      while let record = try reader.nextRecord() { back.append(record.fields) }
      #expect(back == rows)
    }
  }

  @Test("a cancelled writer leaves no file")
  func cancelled() throws {
    let path = TestPaths.temporary("c.csv")
    let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
    do {
      let writer = try CSVWriter(path: path)
      try writer.writeRecord(["a"])
      writer.cancel()
    }
    do {
      let writer = try CSVWriter(path: path)
      try writer.writeRecord(["a"])
      // dropped without finish()
      _ = writer
    }
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
  }

  @Test("the bundled Adult training split reads fully")
  func adult() throws {
    var reader = try CSVReader(path: TestPaths.adultTrain)
    var count = 0
    while try reader.nextRecord() != nil { count += 1 }
    #expect(reader.header.count == 15)
    #expect(count == 32561)
  }

  /// Everything a reader gives for `bytes`: header, records and lines, or the error text.
  func outcome(_ path: String, chunkSize: Int, reference: Bool) -> String {
    do {
      var rows: [String] = []
      if reference {
        var reader = try ReferenceCSVReader(path: path, chunkSize: chunkSize)
        while let r = try reader.nextRecord() { rows.append("\(r.line):\(r.fields)") }
        return "\(reader.header) \(rows)"
      } else {
        var reader = try CSVReader(path: path, chunkSize: chunkSize)
        while let r = try reader.nextRecord() { rows.append("\(r.line):\(r.fields)") }
        return "\(reader.header) \(rows)"
      }
    } catch {
      return "error \(error)"
    }
  }

  @Test(
    "the fast reader gives the reference reader's records, lines and errors on random input",
    arguments: [1, 2, 3, 7, 64, 1 << 20])
  func fastMatchesReference(chunkSize: Int) throws {
    var rng = TestRNG(seed: UInt64(chunkSize))
    // Pieces that exercise quoting, line ends, blank lines, BOM, Unicode and invalid UTF-8.
    let pieces: [[UInt8]] = [
      Array("a".utf8), Array("12".utf8), Array("-3.5".utf8), Array(",".utf8), Array(",".utf8),
      Array("\"".utf8), Array("\"\"".utf8), Array("\"x,y\"".utf8), Array("\"say \"\"hi\"\"\"".utf8),
      Array("\n".utf8), Array("\r\n".utf8), Array("\r".utf8), Array("\n\n".utf8), Array(" ".utf8),
      Array("é".utf8), Array("€".utf8), [0xC3, 0x28], [0xEF, 0xBB, 0xBF], Array("\"a\nb\"".utf8),
      Array("\"a\r\nb\"".utf8), Array("\"a\rb\"".utf8), Array("\"q\"x".utf8), Array("x\"y".utf8),
    ]
    var cases: [[UInt8]] = [
      [], Array("a,b\n".utf8), Array("a,b\n1,2".utf8), Array("a,b\n1,".utf8),
      Array("a,b\n1,\"".utf8),
      Array("a,b\r".utf8), Array("a,b\r\n1,2\r".utf8), [0xEF, 0xBB],
      [0xEF, 0xBB, 0xBF] + Array("a\n1".utf8),
      Array("a,b\n\"1\",\"2\"".utf8), Array("a,b\n\"1\"".utf8), Array("a,b\n1,2,".utf8),
    ]
    for _ in 0..<400 {
      // Mostly a valid header with random records; sometimes pure noise.
      var bytes: [UInt8] = Int.random(in: 0..<4, using: &rng) == 0 ? [] : Array("h1,h2,h3\n".utf8)
      for _ in 0..<Int.random(in: 0..<30, using: &rng) {
        bytes += pieces.randomElement(using: &rng)!
      }
      cases.append(bytes)
    }
    var mismatches = 0
    for bytes in cases {
      let path = TestPaths.temporary("f.csv")
      try Data(bytes).write(to: URL(fileURLWithPath: path))
      let fast = outcome(path, chunkSize: chunkSize, reference: false)
      let reference = outcome(path, chunkSize: chunkSize, reference: true)
      if fast != reference {
        mismatches += 1
        if mismatches <= 3 {
          Issue.record("input \(bytes): fast \(fast) reference \(reference)")
        }
      }
    }
    #expect(mismatches == 0)
  }

  @Test("raw records expose the same fields as bytes, with their ASCII flags")
  func rawRecords() throws {
    let path = TestPaths.temporary("raw.csv")
    try Data("a,b,c\n1,\"x,\"\"y\",é\n,,\n".utf8).write(to: URL(fileURLWithPath: path))
    var reader = try CSVReader(path: path, chunkSize: 3)
    var seen: [[String]] = []
    var ascii: [[Bool]] = []
    while let (fields, flags) = try reader.withNextRawRecord({ raw in
      (
        (0..<raw.count).map { String(decoding: raw.field($0), as: UTF8.self) },
        (0..<raw.count).map { raw.isASCII($0) }
      )
    }) {
      seen.append(fields)
      ascii.append(flags)
    }
    #expect(seen == [["1", "x,\"y", "é"], ["", "", ""]])
    #expect(ascii == [[true, true, false], [true, true, true]])
  }
}
