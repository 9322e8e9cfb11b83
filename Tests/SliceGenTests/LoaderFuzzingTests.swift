import Foundation
import Testing

@testable import SliceGen

/// Small valid files to mutate: a release without marginals (usable as a first release), one with
/// 1-way marginals, a model trained on the first, and a model that samples from the forest of a
/// `tree` release's marginals (format 2).
private func validFiles() throws -> (
  release: String, marginals: String, model: String, forest: String
) {
  let directory = (TestPaths.temporary("x") as NSString).deletingLastPathComponent
  let csv = try fuzzTable(directory + "/data.csv")
  let schema = try mixedSchema()
  var options = ReleaseOptions(epsilon: 2)
  options.delta = 1e-5
  options.slices = 3
  options.insecureTestNoiseSeed = 7
  let release = directory + "/r.slg"
  _ = try Releaser.release(csvPath: csv, schema: schema, options: options, outputPath: release)
  options.marginals = .oneWay
  options.marginalBins = 4
  let marginals = directory + "/m.slg"
  _ = try Releaser.release(csvPath: csv, schema: schema, options: options, outputPath: marginals)
  var fit = FitOptions()
  fit.epochs = 1
  fit.batch = 16
  fit.latent = 2
  fit.hidden = [4]
  let model = directory + "/g.slgm"
  _ = try Trainer.fit(
    release: try Release(contentsOf: release), options: fit,
    outputPath: model)
  options.marginals = .tree
  let tree = directory + "/t.slg"
  _ = try Releaser.release(csvPath: csv, schema: schema, options: options, outputPath: tree)
  fit.sampler = .forest
  let forest = directory + "/f.slgm"
  let forestModel = try Trainer.fit(
    release: try Release(contentsOf: tree), options: fit, outputPath: forest)
  precondition(forestModel.header.forest != nil)
  return (release, marginals, model, forest)
}

/// The 80-row table of `mixedSchema()` the fuzz tests start from, written to `path`.
private func fuzzTable(_ path: String) throws -> String {
  var text = "age,income,colour,city,id\n"
  for i in 0..<80 {
    text +=
      "\(20 + i % 60),\(i * 100),\(["red", "green", "blue"][i % 3]),"
      + "\(i % 5 == 0 ? "" : "A"),0.5\n"
  }
  try Data(text.utf8).write(to: URL(fileURLWithPath: path))
  return path
}

/// The file at `path` with bytes changed by `change`, written next to it.
private func variant(_ path: String, _ change: (inout [UInt8]) -> Void) throws -> String {
  var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
  change(&bytes)
  let out = path + ".variant"
  try Data(bytes).write(to: URL(fileURLWithPath: out))
  return out
}

/// The file at `path` with the number after every `"key" : ` in its JSON header set to `value`,
/// and the header length and checksum recomputed (a crafted file).
private func crafted(_ path: String, _ key: String, _ value: String) throws -> String {
  try variant(path) { bytes in
    let range = LoaderFuzzing.headerRange(bytes)!
    var json = String(decoding: bytes[range], as: UTF8.self)
    let marker = "\"\(key)\" : "
    precondition(json.contains(marker), "\(key) not in the header")
    var search = json.startIndex
    while let found = json.range(of: marker, range: search..<json.endIndex) {
      var end = found.upperBound
      while end < json.endIndex, "-+.0123456789eE".contains(json[end]) {
        end = json.index(after: end)
      }
      json.replaceSubrange(found.upperBound..<end, with: value)
      search = json.index(found.upperBound, offsetBy: value.count)
    }
    bytes = LoaderFuzzing.resigned(bytes, header: Array(json.utf8))
  }
}

@Suite("Loaders on crafted and corrupted files")
struct LoaderFuzzingTests {
  @Test("huge length fields, overflowing sizes and invalid privacy numbers are refused by name")
  func craftedCases() throws {
    let (release, _, model, _) = try validFiles()
    #expect(LoaderFuzzing.load(release, as: .release) == nil)
    #expect(LoaderFuzzing.load(model, as: .model) == nil)
    for path in [release, model] {
      for value: UInt64 in [.max, 1 << 63, UInt64(Int.max) - 15, UInt64(Int.max) - 47] {
        let bad = try variant(path) { bytes in
          for i in 0..<8 { bytes[8 + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
        }
        let kind: LoaderFuzzing.Kind = path == model ? .model : .release
        #expect(LoaderFuzzing.load(bad, as: kind) == "header length field", "\(value)")
        #expect { _ = try Release(contentsOf: bad) } throws: { "\($0)".contains(bad) }
      }
    }
    // Products that overflow Int: rows × m', slices × sliceDim; each names its field.
    let cases = [
      ("rows", "4611686018427387904", "inconsistent sizes"),
      ("slices", "4611686018427387904", "slices × sliceDim"),
      ("sliceDim", "-3", "sliceDim is -3"),
      ("encodedWidth", "-1", "encodedWidth is -1"),
      ("encodedWidth", "4611686018427387904", "encodedWidth is"),
      ("sigma", "-1", "sigma is -1"),
      ("sigma", "0", "sigma is 0"),
      ("delta", "1.5", "delta is 1.5"),
      ("epsilon", "-2", "epsilon is -2"),
    ]
    for (key, value, message) in cases {
      let bad = try crafted(release, key, value)
      #expect { _ = try Release(contentsOf: bad) } throws: { "\($0)".contains(message) }
      // The streaming reader and the shard template (ShardAccounting's preconditions) too.
      #expect { _ = try ReleaseFileReader(path: bad) } throws: { "\($0)".contains(message) }
      #expect { _ = try ReleaseTemplate(firstReleaseAt: bad) } throws: { "\($0)".contains(message) }
    }
    let hugeModel = try crafted(model, "parameterCount", "576460752303423488")
    #expect { _ = try Model(contentsOf: hugeModel) } throws: { "\($0)".contains("parameterCount") }
    let wide = try crafted(model, "latent", "4611686018427387904")
    #expect { _ = try Model(contentsOf: wide) } throws: { "\($0)".contains("parameterCount") }
  }

  @Test("a schema whose discovery record states 1e30 or 1.5 rows is refused, not trapped")
  func schemaDiscoveryRows() throws {
    for rows in ["1e30", "1.5", "-3"] {
      let json = """
        {"discovery": {"epsilon": 1, "delta": 1e-6, "neighbors": "replace-one", "rows": \(rows)},
         "columns": [{"name": "a", "type": "numeric", "lower": 0, "upper": 1}]}
        """
      #expect(throws: SchemaError.self, "\(rows)") { try Schema(jsonData: Data(json.utf8)) }
    }
  }

  /// 4,000 seeded mutants (1,000 per file; about 4 s): each loads or throws. A trap would end the
  /// test process, so reaching the expectations is the test.
  @Test(
    "seeded mutants of releases with and without marginals and of both kinds of model load or throw"
  )
  func mutants() throws {
    let (release, marginals, model, forest) = try validFiles()
    let scratch = TestPaths.temporary("mutant")
    var total = LoaderFuzzing.Tally()
    let files = [
      (release, LoaderFuzzing.Kind.release), (marginals, .release), (model, .model),
      (forest, .model),
    ]
    for (path, kind) in files {
      let tally = try LoaderFuzzing.run(
        validPath: path, kind: kind, count: 1000, seed: 13, scratchPath: scratch)
      #expect(tally.total == 1000)
      #expect(tally.refused.keys.allSatisfy { !$0.hasPrefix("other") }, "\(tally.refused)")
      total.add(tally)
    }
    // Every kind of mutation was drawn and reached its check (counts of seed 13: about 500
    // checksum, 700 length field, 20 size refusals; loose bounds so a new check does not break it).
    #expect(total.loaded > 50)
    #expect(total.refused["checksum", default: 0] > 100)
    #expect(total.refused["header length field", default: 0] > 100)
    #expect(total.refused["inconsistent sizes", default: 0] > 2)
  }

  /// 2,000 seeded mutants of a CSV table and of a schema (1,000 each), and 20 releases of
  /// mutant CSVs: each reads or is refused with the readers' own errors, and a refused release
  /// leaves no file.
  @Test("seeded mutants of a CSV and a schema read or throw; a refused release leaves no file")
  func readerMutants() throws {
    let directory = (TestPaths.temporary("x") as NSString).deletingLastPathComponent
    let csv = try fuzzTable(directory + "/reader.csv")
    let schema = try mixedSchema()
    #expect(ReaderFuzzing.load(csv, as: .csv, schema: schema) == nil)
    let schemaPath = directory + "/reader-schema.json"
    try schema.jsonData().write(to: URL(fileURLWithPath: schemaPath))
    #expect(ReaderFuzzing.load(schemaPath, as: .schema) == nil)
    let scratch = TestPaths.temporary("text-mutant")
    let known = Set(["CSVError", "HeaderError", "EncodingError", "SchemaError"])
    for (path, kind) in [(csv, ReaderFuzzing.Kind.csv), (schemaPath, .schema)] {
      let tally = try ReaderFuzzing.run(
        validPath: path, kind: kind, schema: schema, count: 1000, seed: 5, scratchPath: scratch)
      #expect(tally.total == 1000)
      // Some mutants still read (a flipped digit is a valid number) and most are refused, each
      // by one of the readers' own error types.
      #expect(tally.loaded > 10 && tally.loaded < 900, "\(kind): \(tally.loaded) read")
      #expect(Set(tally.refused.keys).isSubset(of: known), "\(tally.refused)")
    }
    var options = ReleaseOptions(epsilon: 2)
    options.delta = 1e-5
    options.slices = 3
    options.marginals = .tree
    options.insecureTestNoiseSeed = 7
    let run = try ReaderFuzzing.releaseMutants(
      validPath: csv, schema: schema, options: options, count: 20, stride: 50, seed: 5,
      scratchPath: directory + "/release-mutant.csv", outputPath: directory + "/mutant.slg")
    #expect(run.released + run.refused == 20 && run.refused > 0)
    #expect(run.leftovers == 0)
  }
}
