// Deterministic mutations of valid text inputs, the CSV table and the schema JSON, for the
// reader fuzz test (LoaderFuzzingTests) and `slicegen-bench fuzz-loaders`. Every mutant must
// either be read or refused with a CSVError / HeaderError / EncodingError / SchemaError: a trap
// would end the process, which is the failure these runs look for. A release run on a mutant
// CSV that is refused must leave no output file behind.
//
// Mutations, drawn with a seeded SplitMix64 (LoaderFuzzing.Generator):
// - flip: one to four random bits anywhere;
// - truncate: the text cut at a random length;
// - extend: one to 64 random bytes appended;
// - token: one field (a run between separators) replaced by a hostile token: an extreme or
//   non-finite number, an empty field, a lone or doubled quote, a separator, a line break, a NUL,
//   invalid UTF-8, a 100,000-byte field;
// - splice: a random range of the text deleted, or duplicated in place (lines and fields
//   shifted, counts changed).

import Foundation

/// Mutates valid text inputs and runs the readers on them.
public enum ReaderFuzzing {
  /// Which reader a text goes to.
  public enum Kind: String, Sendable {
    /// `CSVReader` and `RowEncoder` over every record (with the schema given to `load`).
    case csv
    /// `Schema(contentsOf:)`, then `Encoding(schema:)` and its public bins.
    case schema
  }

  /// Hostile field values.
  static let tokens: [[UInt8]] =
    [
      "nan", "NaN", "inf", "-inf", "1e309", "-1e309", "1e-400", "-0", "0x10", "9223372036854775808",
      "", "\"", "\"\"", "\"a\"b", ",", ",,", "\n", "\r\n", "\r", " ", "{", "}", "[", "]", ":",
      "null",
      "true", "\"categories\": []", "\"lower\": 5, \"upper\": 1",
    ].map { Array($0.utf8) } + [[0], [0xFF, 0xFE], [0xC3], [0xE2, 0x82]]
    + [[UInt8](repeating: UInt8(ascii: "7"), count: 100_000)]

  /// The `index`-th mutant of `bytes` (deterministic in `seed` and `index`), and its kind.
  public static func mutant(of bytes: [UInt8], seed: UInt64, index: Int) -> (String, [UInt8]) {
    var rng = LoaderFuzzing.Generator(state: seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(index))
    var out = bytes
    guard !out.isEmpty else { return ("extend", [UInt8(ascii: "a")]) }
    switch Int.random(in: 0..<5, using: &rng) {
    case 0:
      LoaderFuzzing.flipBits(&out, using: &rng)
      return ("flip", out)
    case 1:
      return ("truncate", Array(out.prefix(Int.random(in: 0..<out.count, using: &rng))))
    case 2:
      LoaderFuzzing.appendRandomBytes(&out, using: &rng)
      return ("extend", out)
    case 3:
      // A field: the run of bytes around a random position between separators.
      let separators = Set(",\n\r:\"{}[]".utf8)
      var start = Int.random(in: 0..<out.count, using: &rng)
      while start > 0, !separators.contains(out[start - 1]) { start -= 1 }
      var end = start
      while end < out.count, !separators.contains(out[end]) { end += 1 }
      let token = tokens[Int.random(in: 0..<tokens.count, using: &rng)]
      out.replaceSubrange(start..<end, with: token)
      return ("token", out)
    default:
      let a = Int.random(in: 0..<out.count, using: &rng)
      let b = min(out.count, a + Int.random(in: 1...200, using: &rng))
      if Bool.random(using: &rng) {
        out.removeSubrange(a..<b)
      } else {
        out.insert(contentsOf: out[a..<b], at: b)
      }
      return ("splice", out)
    }
  }

  /// Reads the file at `path` with the readers of `kind` (a CSV against `schema`); nil when it
  /// reads, else the class of the refusal (the error's type).
  public static func load(_ path: String, as kind: Kind, schema: Schema? = nil) -> String? {
    do {
      switch kind {
      case .csv:
        let encoding = Encoding(schema: schema!)
        var reader = try CSVReader(path: path)
        var encoder = try RowEncoder(
          encoding: encoding, header: reader.header, path: path,
          bins: encoding.publicBins(maximumBins: 8))
        var row = [Float](repeating: 0, count: encoding.width)
        var codes = [Int32](repeating: 0, count: encoding.blocks.count)
        while let record = try reader.nextRecord() {
          try row.withUnsafeMutableBufferPointer { r in
            try codes.withUnsafeMutableBufferPointer { c in
              try encoder.encode(
                record.fields, line: record.line, into: r.baseAddress!, codes: c.baseAddress!)
            }
          }
        }
      case .schema:
        let schema = try Schema(contentsOf: path)
        let encoding = Encoding(schema: schema)
        _ = encoding.publicBins()
      }
      return nil
    } catch {
      return String(describing: type(of: error))
    }
  }

  /// Runs `count` mutants of the file at `validPath` through the readers of `kind`, writing each
  /// to `scratchPath`. A mutant that traps ends the process.
  public static func run(
    validPath: String, kind: Kind, schema: Schema? = nil, count: Int, seed: UInt64,
    scratchPath: String
  ) throws -> LoaderFuzzing.Tally {
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: validPath)))
    var tally = LoaderFuzzing.Tally()
    for index in 0..<count {
      let (_, mutant) = mutant(of: bytes, seed: seed, index: index)
      try Data(mutant).write(to: URL(fileURLWithPath: scratchPath))
      if let reason = load(scratchPath, as: kind, schema: schema) {
        tally.refused[reason, default: 0] += 1
      } else {
        tally.loaded += 1
      }
    }
    return tally
  }

  /// Releases `count` mutants of the CSV at `validPath` (every `stride`-th index of the same
  /// sequence as `run`) with `options`; returns how many released, how many were refused, and
  /// how many refusals left a file at `outputPath` (must be 0).
  public static func releaseMutants(
    validPath: String, schema: Schema, options: ReleaseOptions, count: Int, stride: Int = 1,
    seed: UInt64, scratchPath: String, outputPath: String
  ) throws -> (released: Int, refused: Int, leftovers: Int) {
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: validPath)))
    var released = 0, refused = 0, leftovers = 0
    for k in 0..<count {
      let (_, mutant) = mutant(of: bytes, seed: seed, index: k * stride)
      try Data(mutant).write(to: URL(fileURLWithPath: scratchPath))
      try? FileManager.default.removeItem(atPath: outputPath)
      do {
        _ = try Releaser.release(
          csvPath: scratchPath, schema: schema, options: options, outputPath: outputPath)
        released += 1
      } catch {
        refused += 1
        if FileManager.default.fileExists(atPath: outputPath) { leftovers += 1 }
      }
    }
    try? FileManager.default.removeItem(atPath: outputPath)
    return (released, refused, leftovers)
  }
}
