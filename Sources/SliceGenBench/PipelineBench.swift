// Release and fit stages: rows/s of `release` on a generated table and on Adult; steps/s,
// seconds per epoch and the per-phase breakdown of `fit` on an Adult release with the defaults.
// Both use the library exactly as the CLI does (real secure noise; the files are temporary).

import Foundation
import SliceGen

enum ReleaseBench {
  /// The generated table of Docs/bench/release_bench.sh: 50 integer columns in 0…999 and 5
  /// categorical columns of 10 categories (d = 100), values from a fixed pseudo-random sequence.
  static func table(rows: Int, at path: String) throws -> Schema {
    var columns = (0..<50).map {
      SchemaColumn(name: "n\($0)", domain: .numeric(lower: 0, upper: 999, integer: true))
    }
    columns += (0..<5).map {
      SchemaColumn(
        name: "c\($0)", domain: .categorical(categories: (0..<10).map { "k\($0)" }, catchAll: nil))
    }
    let schema = try Schema(columns: columns)
    if !FileManager.default.fileExists(atPath: path) {
      _ = FileManager.default.createFile(atPath: path, contents: nil)
      let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
      var text = columns.map(\.name).joined(separator: ",") + "\n"
      var state: UInt64 = 0x9E37_79B9_7F4A_7C15
      for row in 0..<rows {
        for c in 0..<55 {
          state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
          let r = Int(state >> 33)
          text += c < 50 ? String(r % 1000) : "k\(r % 10)"
          text += c == 54 ? "\n" : ","
        }
        if row % 20_000 == 19_999 {
          handle.write(Data(text.utf8))
          text = ""
        }
      }
      handle.write(Data(text.utf8))
      try handle.close()
    }
    return schema
  }

  static func run(rows: Int) {
    do {
      let directory = NSTemporaryDirectory() + "slicegen-bench"
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
      let csv = directory + "/table-\(rows).csv"
      let schema = try table(rows: rows, at: csv)
      var options = ReleaseOptions(epsilon: 1)
      options.delta = 1e-7
      for (name, path, tableSchema) in [
        ("Adult", "samples/adult/train.csv", try Schema(contentsOf: "samples/adult/schema.json")),
        ("generated", csv, schema),
      ] {
        let start = Date()
        let report = try Releaser.release(
          csvPath: path, schema: tableSchema, options: options, outputPath: directory + "/bench.slg"
        )
        let seconds = Date().timeIntervalSince(start)
        let n = report.header.rows
        print(
          String(
            format: "  %@: %d rows × d = %d, m' = %d: %.2f s, %.0f rows/s",
            name, n, report.header.encodedWidth, report.header.projections, seconds,
            Double(n) / seconds))
      }
      try? FileManager.default.removeItem(atPath: directory + "/bench.slg")
    } catch {
      print("  release stage failed: \(error)")
    }
  }
}

enum FitBench {
  static func run(epochs: Int) {
    do {
      let directory = NSTemporaryDirectory() + "slicegen-bench"
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
      let releasePath = directory + "/adult-e4.slg"
      var options = ReleaseOptions(epsilon: 4)
      options.delta = 1e-5
      _ = try Releaser.release(
        csvPath: "samples/adult/train.csv",
        schema: try Schema(contentsOf: "samples/adult/schema.json"),
        options: options, outputPath: releasePath)
      let release = try Release(contentsOf: releasePath)
      var fit = FitOptions()
      fit.epochs = epochs
      var last: TrainingProgress? = nil
      var epochStarts: [Double] = []
      let start = Date()
      let model = try Trainer.fit(
        release: release, options: fit,
        outputPath: directory + "/bench.slgm", progress: { last = $0 })
      let seconds = Date().timeIntervalSince(start)
      epochStarts = model.header.history.map(\.seconds)
      guard let last else { return }
      let steps = last.stepsPerEpoch * epochs
      print(
        String(
          format:
            "  %d epochs × %d steps (batch %d): %.1f s, %.1f steps/s, %.2f s per epoch (best epoch %.2f s)",
          epochs, last.stepsPerEpoch, fit.batch, seconds, Double(steps) / seconds,
          seconds / Double(epochs), epochStarts.min() ?? 0))
      print(
        String(format: "  200 epochs at this speed: %.1f min", seconds / Double(epochs) * 200 / 60))
      let total = last.phases.named.reduce(0) { $0 + $1.1 }
      print("  where the time goes (wall seconds per phase, share of the loop):")
      for (name, t) in last.phases.named {
        let label = name.padding(toLength: 11, withPad: " ", startingAt: 0)
        print("    \(label)" + String(format: " %7.2f s  %5.1f %%", t, 100 * t / max(total, 1e-9)))
      }
      try? FileManager.default.removeItem(atPath: directory + "/bench.slgm")
    } catch {
      print("  fit stage failed: \(error)")
    }
  }
}
