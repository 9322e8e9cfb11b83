// `slicegen-bench fuzz-loaders`: many seeded mutants of small valid files (a release, a release
// with marginals, a model; LoaderFuzzing in the library) through the loaders, and of a CSV table
// and a schema (ReaderFuzzing) through the readers; then every 100th CSV mutant through a whole
// release, checking that a refused release leaves no output file. It prints how many loaded and
// how many were refused, by class of reason. There is no "crashed" count to print: a loader that
// trapped would end this process, so a run that prints its totals had none.

import Foundation
import SliceGen

enum FuzzBench {
  static func run(mutations: Int, seed: UInt64) throws {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("slicegen-fuzz-\(ProcessInfo.processInfo.processIdentifier)").path
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let files = try validFiles(in: directory)
    print("slicegen-bench fuzz-loaders: \(mutations) mutants per file, seed \(seed)")
    let start = Date()
    var total = LoaderFuzzing.Tally()
    for (name, path, kind) in files {
      let tally = try LoaderFuzzing.run(
        validPath: path, kind: kind, count: mutations, seed: seed,
        scratchPath: directory + "/mutant")
      print("\n== \(name)")
      report(tally)
      total.add(tally)
    }
    let schema = try fuzzSchema()
    let schemaPath = directory + "/schema.json"
    try schema.jsonData().write(to: URL(fileURLWithPath: schemaPath))
    for (name, path, kind) in [
      (
        "CSV table (read and encoded against the schema)", directory + "/data.csv",
        ReaderFuzzing.Kind.csv
      ),
      ("schema JSON", schemaPath, .schema),
    ] {
      let tally = try ReaderFuzzing.run(
        validPath: path, kind: kind, schema: schema, count: mutations, seed: seed,
        scratchPath: directory + "/mutant")
      print("\n== \(name)")
      report(tally)
      total.add(tally)
    }
    var options = ReleaseOptions(epsilon: 2)
    options.delta = 1e-5
    options.slices = 3
    options.marginals = .tree
    options.insecureTestNoiseSeed = 7
    let releases = max(1, mutations / 100)
    let run = try ReaderFuzzing.releaseMutants(
      validPath: directory + "/data.csv", schema: schema, options: options, count: releases,
      stride: 100, seed: seed, scratchPath: directory + "/mutant.csv",
      outputPath: directory + "/out.slg")
    print(
      "\n== release on every 100th CSV mutant (\(releases)): \(run.released) released, "
        + "\(run.refused) refused, \(run.leftovers) refused with an output file left behind")
    let seconds = String(format: "%.1f", Date().timeIntervalSince(start))
    print("\n== all \(total.total) mutants through loaders and readers, \(seconds) s")
    report(total)
    print("  crashed: 0 (a trap would have ended this process before this line)")
    if run.leftovers > 0 {
      throw FuzzFailure(message: "\(run.leftovers) refused releases left an output file")
    }
  }

  struct FuzzFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
  }

  static func report(_ tally: LoaderFuzzing.Tally) {
    print("  loaded: \(tally.loaded)")
    for (reason, count) in tally.refused.sorted(by: { $0.value > $1.value }) {
      print("  refused, \(reason): \(count)")
    }
  }

  /// A release without marginals (usable as a first release), one with 1-way marginals and a
  /// model, all small (80 rows, 4 columns, m' = 6) so that one load takes well under a millisecond.
  static func validFiles(in directory: String) throws -> [(String, String, LoaderFuzzing.Kind)] {
    let schema = try fuzzSchema()
    var text = "age,income,colour,city\n"
    for i in 0..<80 {
      text +=
        "\(20 + i % 60),\(i * 100),\(["red", "green", "blue"][i % 3]),"
        + "\(i % 5 == 0 ? "" : "A")\n"
    }
    let csv = directory + "/data.csv"
    try Data(text.utf8).write(to: URL(fileURLWithPath: csv))
    var options = ReleaseOptions(epsilon: 2)
    options.delta = 1e-5
    options.slices = 3
    // Reproducible files, so a seed gives the same mutants and counts on every run (the noise is
    // irrelevant to the loaders; these files are labelled NOT private and deleted).
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
    let loaded = try Release(contentsOf: release)
    _ = try Trainer.fit(
      release: loaded, options: fit,
      outputPath: model)
    return [
      ("release (no marginals; also read as a --like first release)", release, .release),
      ("release with 1-way marginals", marginals, .release), ("model", model, .model),
    ]
  }

  /// The fuzz table's schema: numeric, nullable numeric, categorical, nullable categorical.
  static func fuzzSchema() throws -> Schema {
    try Schema(
      columns: [
        SchemaColumn(name: "age", domain: .numeric(lower: 17, upper: 90, integer: true)),
        SchemaColumn(
          name: "income", domain: .numeric(lower: 0, upper: 1e5, integer: false),
          nullable: true),
        SchemaColumn(
          name: "colour",
          domain: .categorical(
            categories: ["red", "green", "blue"],
            catchAll: nil)),
        SchemaColumn(
          name: "city", domain: .categorical(categories: ["A", "B"], catchAll: nil),
          nullable: true),
      ], missingTokens: ["", "NA"])
  }
}
