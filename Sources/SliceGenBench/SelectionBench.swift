// `slicegen-bench selection`: does a model-selection criterion track the evaluation? Fits a
// release for E epochs and, after every epoch, samples as many rows as the holdout from that
// epoch's parameters, scores them with `evaluate`'s quality against the holdout, and prints the
// epoch's criteria beside the score: the sliced-W₂ validation loss, the marginal fit (combined
// releases) and the training loss. Ends with each criterion's rank correlation with the quality
// over the epochs, and which epoch each one (and `--keep last`) would keep. Docs/tuning.md
// records runs of it. It measures; it asserts nothing.

import Foundation
import SliceGen

enum SelectionBench {
  struct Row {
    var epoch: Int
    var trainingLoss: Double
    var validation: Double?
    var marginalFit: Double?
    var quality: Double
  }

  static func run(
    releasePath: String, holdout: String, schemaPath: String, options: FitOptions
  ) throws {
    let release = try Release(contentsOf: releasePath)
    let schema = try Schema(contentsOf: schemaPath)
    let real = try EvaluationTable(path: holdout, schema: schema)
    let seed = options.seed
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("slicegen-selection-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let modelPath = directory.appendingPathComponent("m.slgm").path
    let syntheticPath = directory.appendingPathComponent("s.csv").path
    var rows: [Row] = []
    print(
      "release \(releasePath): \(release.header.method), \(release.header.rows) rows, "
        + "\(release.header.marginals?.count ?? 0) marginals; fit seed \(seed), \(options.epochs) "
        + "epochs, learning rate \(options.learningRate), marginal weight \(options.marginalWeight), "
        + "batch \(options.batch)")
    print("epoch  training loss  validation  marginal fit  quality")
    _ = try Trainer.fit(
      release: release, options: options, outputPath: modelPath,
      afterEpoch: { model in
        var current = model
        current.parameters = model.lastParameters
        try Sampler.sample(model: current, rows: real.rows, seed: seed, outputPath: syntheticPath)
        let synthetic = try EvaluationTable(path: syntheticPath, schema: schema)
        let report = try Evaluator.evaluate(
          real: real, synthetic: synthetic, train: nil, target: nil)
        let record = model.header.history.last!
        let row = Row(
          epoch: record.epoch, trainingLoss: record.trainingLoss,
          validation: record.validationLoss, marginalFit: record.marginalFit,
          quality: report.synthetic.quality)
        rows.append(row)
        print(
          String(
            format: "%5d  %13.4f  %10@  %12@  %7.4f", row.epoch, row.trainingLoss,
            row.validation.map { String(format: "%.4f", $0) } ?? "–",
            row.marginalFit.map { String(format: "%.4f", $0) } ?? "–", row.quality))
        fflush(nil)
      })
    let quality = rows.map(\.quality)
    let best = rows.max { $0.quality < $1.quality }!
    print("best quality: epoch \(best.epoch), \(String(format: "%.4f", best.quality))")
    let criteria: [(String, [Double])] = [
      ("training loss", rows.map(\.trainingLoss)),
      ("validation", rows.compactMap(\.validation)),
      ("marginal fit", rows.compactMap(\.marginalFit)),
    ]
    for (name, values) in criteria where values.count == rows.count {
      // Lower is better for every criterion: correlate −criterion with quality.
      let rho = spearman(values.map { -$0 }, quality)
      let kept = rows[values.indices.min { values[$0] < values[$1] }!]
      print(
        String(
          format: "%@: Spearman ρ(−criterion, quality) = %.3f; keeps epoch %d, quality %.4f "
            + "(%.4f below the best)", name, rho, kept.epoch, kept.quality,
          best.quality - kept.quality))
    }
    let last = rows.last!
    print(
      String(
        format: "keep last: epoch %d, quality %.4f (%.4f below the best)", last.epoch,
        last.quality, best.quality - last.quality))
  }

  /// Spearman's rank correlation (average ranks for ties).
  static func spearman(_ a: [Double], _ b: [Double]) -> Double {
    func ranks(_ x: [Double]) -> [Double] {
      let order = x.indices.sorted { x[$0] < x[$1] }
      var r = [Double](repeating: 0, count: x.count)
      var i = 0
      while i < order.count {
        var j = i
        while j + 1 < order.count, x[order[j + 1]] == x[order[i]] { j += 1 }
        for k in i...j { r[order[k]] = Double(i + j) / 2 }
        i = j + 1
      }
      return r
    }
    let ra = ranks(a), rb = ranks(b)
    let n = Double(a.count)
    let ma = ra.reduce(0, +) / n, mb = rb.reduce(0, +) / n
    var sab = 0.0, saa = 0.0, sbb = 0.0
    for (x, y) in zip(ra, rb) {
      sab += (x - ma) * (y - mb)
      saa += (x - ma) * (x - ma)
      sbb += (y - mb) * (y - mb)
    }
    return saa > 0 && sbb > 0 ? sab / (saa * sbb).squareRoot() : 0
  }
}
