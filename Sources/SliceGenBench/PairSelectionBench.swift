// `slicegen-bench pair-selection`: which split of the aggregate μ² between the three rounds of
// private pair selection (1-way, scores, 2-way) to declare as the default, by a proxy measured on
// public data without fitting (Docs/pair-selection.md, "The split between the rounds").
//
// Proxy: for every pair of columns, the total-variation distance between the true 2-way
// distribution and the one the release implies for it without inference: the released
// (consistent) 2-way table when the pair was measured, the product of the released 1-way tables
// otherwise; averaged over all pairs (a table on pair bins is spread over its fine cells by the
// released 1-way tables within each group). Also the 1-way TV, and for trees the true dependence
// the chosen tree captures against the best tree (Σ of exact scores ‖C − n·p_a⊗p_b‖₁, on fine
// bins). Each figure is the mean over four releases with seeded test noise at ε = 1.
// It measures; it asserts nothing (PairSelectionTests check the selection itself).

import Foundation
@_spi(Benchmarks) import SliceGen

enum PairSelectionBench {
  /// The exact distributions of one table on the releases' fine bins (private data, public table).
  struct Truth {
    var rows: Int
    var oneWay: [[Double]]  // (columns)(bins) probabilities
    var pairs: PairCounts
    var names: [String]
    var exactScores: [Double]  // (pairs)
  }

  static func truth(csv: String, schema: Schema) throws -> Truth {
    // The fine bins the releases use (the default --marginal-bins).
    let (codes, rows, bins) = try Encoding(schema: schema).binCodes(
      csvPath: csv, maximumBins: ReleaseOptions(epsilon: 1).marginalBins)
    var pairs = try PairCounts(binCounts: bins.map(\.count), mode: .tree)
    codes.withUnsafeBufferPointer { pairs.add(codes: $0.baseAddress!, rows: rows) }
    let c = bins.count
    var oneWay = bins.map { [Double](repeating: 0, count: $0.count) }
    for r in 0..<rows { for k in 0..<c { oneWay[k][Int(codes[r * c + k])] += 1 / Double(rows) } }
    return Truth(
      rows: rows, oneWay: oneWay, pairs: pairs, names: bins.map(\.name),
      exactScores: pairs.scores(oneWay: oneWay, rows: rows))
  }

  /// (pair TV, 1-way TV, captured dependence of the chosen pairs / of the best tree).
  static func proxy(_ header: ReleaseHeader, _ truth: Truth) -> (Double, Double, Double) {
    let marginals = header.marginals!
    let index = Dictionary(uniqueKeysWithValues: truth.names.enumerated().map { ($1, $0) })
    var oneWay = [[Double]](repeating: [], count: truth.names.count)
    var twoWayMarginals: [String: ReleasedMarginal] = [:]
    for m in marginals {
      if m.columns.count == 1 {
        oneWay[index[m.columns[0]]!] = m.probabilities
      } else {
        twoWayMarginals[m.columns.joined(separator: ":")] = m
      }
    }
    // A 2-way table on pair bins, brought to the fine bins: each coarse cell's mass spread over
    // its fine cells in proportion to the released fine 1-way tables within the groups
    // (uniformly where a group's 1-way mass is 0).
    func withinGroup(_ p: [Double], _ map: [Int]) -> [Double] {
      let sums = BinGroups.sums(p, map: map), sizes = BinGroups.sizes(map)
      return p.indices.map { x in
        sums[map[x]] > 0 ? p[x] / sums[map[x]] : 1 / Double(sizes[map[x]])
      }
    }
    let twoWay = twoWayMarginals.mapValues { m -> [Double] in
      guard let maps = m.binGroups else { return m.probabilities }
      let a = index[m.columns[0]]!, b = index[m.columns[1]]!
      let wa = withinGroup(oneWay[a], maps[0]), wb = withinGroup(oneWay[b], maps[1])
      return oneWay[a].indices.flatMap { x in
        oneWay[b].indices.map { y in
          m.probabilities[maps[0][x] * m.shape[1] + maps[1][y]] * wa[x] * wb[y]
        }
      }
    }
    let oneTV =
      zip(oneWay, truth.oneWay).map { a, b in
        0.5 * zip(a, b).reduce(0) { $0 + abs($1.0 - $1.1) }
      }.reduce(0, +) / Double(oneWay.count)
    var pairTV = 0.0
    var captured = 0.0
    for (p, (a, b)) in truth.pairs.pairs.enumerated() {
      let exact = truth.pairs.table(p).map { $0 / Double(truth.rows) }
      let key = truth.names[a] + ":" + truth.names[b]
      let implied = twoWay[key] ?? oneWay[a].flatMap { x in oneWay[b].map { x * $0 } }
      pairTV += 0.5 * zip(exact, implied).reduce(0) { $0 + abs($1.0 - $1.1) }
      if twoWay[key] != nil { captured += truth.exactScores[p] }
    }
    let best = PairPick.maximumSpanningTree(
      columns: truth.names.count, pairs: truth.pairs.pairs, weights: truth.exactScores
    ).reduce(0) { $0 + truth.exactScores[$1] }
    return (pairTV / Double(truth.pairs.pairs.count), oneTV, captured / best)
  }

  /// Adult and digits (the bundled samples, read from the package root), every split below in
  /// every mode, and one-way and all-pairs for reference.
  static func run() throws {
    let data: [(String, String, String, [MarginalSelection])] = [
      (
        "adult", "samples/adult/train.csv", "samples/adult/schema.json",
        [.tree, .select(13), .select(26)]
      ),
      (
        "digits", "samples/digits/train.csv", "samples/digits/schema.json",
        [.tree, .select(32), .select(128)]
      ),
    ]
    let splits: [PairSelectionSplit] = [
      .init(oneWay: 1.0 / 3, selection: 1.0 / 3, twoWay: 1.0 / 3),
      .init(oneWay: 0.2, selection: 0.1, twoWay: 0.7),
      .init(oneWay: 0.1, selection: 0.1, twoWay: 0.8),
      .init(oneWay: 0.2, selection: 0.2, twoWay: 0.6),
      .init(oneWay: 0.4, selection: 0.1, twoWay: 0.5),
      .init(oneWay: 0.1, selection: 0.3, twoWay: 0.6),
      .init(oneWay: 0.3, selection: 0.05, twoWay: 0.65),
      .init(oneWay: 0.1, selection: 0.05, twoWay: 0.85),
      .init(oneWay: 0.4, selection: 0.05, twoWay: 0.55),
      .init(oneWay: 0.5, selection: 0.05, twoWay: 0.45),
      .init(oneWay: 0.5, selection: 0.1, twoWay: 0.4),
    ]
    let seeds: [UInt64] = [1, 2, 3, 4]
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("slicegen-pair-selection-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("r.slg").path
    print("table   mode         split 1-way/scores/2-way  pair TV  1-way TV  captured")
    for (name, csv, schemaPath, modes) in data {
      let schema = try Schema(contentsOf: schemaPath)
      let truth = try truth(csv: csv, schema: schema)
      func run(_ mode: MarginalSelection, _ split: PairSelectionSplit) throws -> [Double] {
        var sums = [0.0, 0.0, 0.0]
        for seed in seeds {
          var options = ReleaseOptions(epsilon: 1)
          options.marginals = mode
          options.pairSelectionSplit = split
          options.insecureTestNoiseSeed = seed
          let report = try Releaser.release(
            csvPath: csv, schema: schema, options: options, outputPath: path)
          try? FileManager.default.removeItem(atPath: path)
          let (a, b, c) = proxy(report.header, truth)
          sums[0] += a
          sums[1] += b
          sums[2] += c
        }
        return sums.map { $0 / Double(seeds.count) }
      }
      func line(_ mode: String, _ split: String, _ v: [Double]) {
        // String(format:) pads no %@ argument on Linux: pad the texts here.
        func padded(_ text: String, _ width: Int) -> String {
          text + String(repeating: " ", count: max(0, width - text.count))
        }
        print(
          padded(name, 8) + padded(mode, 13) + padded(split, 26)
            + String(format: "%7.4f  %8.4f  %8.3f", v[0], v[1], v[2]))
        fflush(nil)
      }
      line("one-way", "–", try run(.oneWay, .standard))
      line("all-pairs", "–", try run(.allPairs, .standard))
      for mode in modes {
        for split in splits {
          line(
            mode.selectionMode!.description,
            String(format: "%.2f / %.2f / %.2f", split.oneWay, split.selection, split.twoWay),
            try run(mode, split))
        }
      }
    }
  }
}
