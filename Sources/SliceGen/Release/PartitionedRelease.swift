// A release made in partitions, for engines such as Spark (Docs/partitioned-release.md): every
// partition runs `partition` with the same template, the merge sums what they counted and runs
// the rest of the release once. It is the single-machine release `release(csvPath:template:)`,
// the same mechanism, not a composition of several:
//
// - Projections. Row i of O is x_i U + v_i, v_i iid N(0, σ²) snapped to the same grid, with U
//   from the template's seed and σ from its calibration. Whether v_i is drawn on the machine of
//   row i's partition or on one machine does not change its distribution, and the merge shuffles
//   the union of the rows with the secure generator, so O has the single machine's law: a
//   uniformly random order of the same noisy rows. (Each partition shuffles its own rows too;
//   harmless, and the merge's shuffle alone makes the order uniform.)
// - Counts. Each partition counts its rows exactly; the merge sums the counts, so it holds the
//   counts of the concatenated table, and runs the aggregate rounds (1-way marginals, selection
//   scores, chosen 2-way tables) on them with one fresh secure noise source: noise is added once,
//   with the single machine's σ. The exact partial counts never leave the owner's cluster.
// - What is public. n (the template declares it; the merge checks the partitions hold exactly
//   n rows) and nothing about a partition: the merged header is the single machine's header,
//   and no per-partition size is written. Partitions must be assigned by row number or at
//   random, never by a value, or their sizes would be functions of the data; they stay private
//   regardless, in the partials.
//
// So the statement of a merged release is the single-machine statement, under the same relation.

import Foundation
import SliceGenPrivacy

/// Partitions and their merge.
public enum PartitionedRelease {
  /// The bytes of one shuffle bucket the merge aims at (ShuffleBuckets.swift): its memory.
  public static let shuffleBucketBytes = 256 << 20

  /// What one partition's step reports (to its executor's log, never to the release).
  public struct PartitionReport: Sendable {
    /// Exact, PRIVATE: the partition's rows read and kept.
    public var rowsSeen: Int
    public var rows: Int
    public var seconds: Double
  }

  /// The noise sources of a release with a template, one per use, never copies of each other
  /// (tests fix them with a seed; the release then says NOT private).
  struct NoiseSources {
    var testSeed: UInt64?
    func source(_ offset: UInt64) -> SecureNoise {
      testSeed.map { SecureNoise.insecureForTesting(seed: $0 &+ offset) } ?? SecureNoise()
    }
    var projections: SecureNoise { source(0) }
    var marginals: SecureNoise { source(1) }
    var shuffle: SecureNoise { source(2) }
    func partition(_ index: Int) -> SecureNoise { source(3 &+ UInt64(index)) }
  }

  /// Releases `csvPath` on one machine with `template` (the comparison for a partitioned run:
  /// the same U, σ and rounds).
  /// - Throws: `ReleaseError` when the table does not hold the template's n rows.
  public static func release(
    csvPath: String, template: PartitionTemplate, templatePath: String?, outputPath: String,
    insecureTestNoiseSeed: UInt64? = nil, progress: (Int) -> Void = { _ in }
  ) throws -> ReleaseReport {
    let start = Date()
    try OutputPath.refuse(outputPath, ifAnyOf: [csvPath, templatePath])
    let plan = template.plan
    let noise = NoiseSources(testSeed: insecureTestNoiseSeed)
    var pass = try CountingPass(
      csvPath: csvPath, plan: plan,
      mechanism: mechanism(template: template, noise: noise.projections), progress: progress)
    try checkRows(pass.mechanism.rowsSeen, template: template, what: csvPath)
    let sigma = template.sigma
    var marginals = pass.marginals
    var marginalNoise = noise.marginals
    let header = try Releaser.publish(
      plan: plan, calibration: template.calibration, delta: template.delta, seed: template.seed,
      populationRows: template.rows, rows: pass.mechanism.rows, marginals: &marginals,
      pairCounts: pass.pairCounts, noiseIsPrivate: pass.mechanism.noiseIsPrivate,
      marginalNoise: &marginalNoise, outputPath: outputPath
    ) { sink in try pass.mechanism.finish(sigma: sigma, deliver: sink) }
    return ReleaseReport(
      header: header, clamped: Releaser.named(pass.clamped, plan.names),
      catchAll: Releaser.named(pass.catchAll, plan.names),
      seconds: Date().timeIntervalSince(start), notes: plan.notes)
  }

  /// Reads one partition (`csvPath`; "/dev/stdin" reads a pipe) and writes its partial file:
  /// its noisy projections and its exact counts (PRIVATE; PartitionFile.swift).
  public static func partition(
    csvPath: String, template: PartitionTemplate, templatePath: String?, partition name: String,
    outputPath: String, insecureTestNoiseSeed: UInt64? = nil, progress: (Int) -> Void = { _ in }
  ) throws -> PartitionReport {
    let start = Date()
    guard let index = template.partitions.firstIndex(of: name) else {
      throw ReleaseError(
        "partition \"\(name)\" is not in the template's list (\(listed(template.partitions)))")
    }
    try OutputPath.refuse(outputPath, ifAnyOf: [csvPath, templatePath])
    let plan = template.plan
    let noise = NoiseSources(testSeed: insecureTestNoiseSeed)
    var pass = try CountingPass(
      csvPath: csvPath, plan: plan,
      mechanism: mechanism(template: template, noise: noise.partition(index)),
      progress: progress)
    let header = PartitionHeader(
      template: template.checksum, partition: name, rowsSeen: pass.mechanism.rowsSeen,
      rows: pass.mechanism.rows, projections: plan.projectionCount,
      marginalCells: pass.marginals.queries.map(\.cellCount),
      pairCells: pass.pairCounts?.exactCounts.count ?? 0,
      noiseIsPrivate: pass.mechanism.noiseIsPrivate, clamped: pass.clamped,
      catchAll: pass.catchAll)
    let sigma = template.sigma
    try PartitionFile.write(
      header: header, marginalCounts: pass.marginals.exactCounts,
      pairCounts: pass.pairCounts?.exactCounts ?? [], to: outputPath
    ) { sink in try pass.mechanism.finish(sigma: sigma, deliver: sink) }
    return PartitionReport(
      rowsSeen: header.rowsSeen, rows: header.rows, seconds: Date().timeIntervalSince(start))
  }

  /// Merges the partials of every partition of `template` into one release.
  /// - Throws: `ReleaseError` naming a partial made with another template, a partition given
  ///   twice, one missing, or rows that do not add up to the template's n.
  public static func merge(
    template: PartitionTemplate, templatePath: String?, partialPaths paths: [String],
    outputPath: String, insecureTestNoiseSeed: UInt64? = nil,
    bucketBytes: Int = shuffleBucketBytes,
    progress: (_ partialsRead: Int) -> Void = { _ in }
  ) throws -> ReleaseReport {
    let start = Date()
    try OutputPath.refuse(outputPath, ifAnyOf: paths + [templatePath])
    // Names and templates first, from the headers alone: a wrong set fails before gigabytes
    // are read.
    var pathOf: [String: String] = [:]
    var declaredRows = 0
    for path in paths {
      let header = try PartitionFile.header(at: path)
      declaredRows += max(0, header.rows)
      guard header.template == template.checksum else {
        throw ReleaseError(
          "\(path) was made with another template (its template's SHA-256 "
            + "\(header.template.prefix(16))…, this template's \(template.checksum.prefix(16))…): "
            + "every partition must use the same template")
      }
      guard template.partitions.contains(header.partition) else {
        throw ReleaseError(
          "\(path) holds partition \"\(header.partition)\", which is not in the template's list "
            + "(\(listed(template.partitions)))")
      }
      if let other = pathOf[header.partition] {
        throw ReleaseError(
          "partition \"\(header.partition)\" is given twice: \(other) and \(path) (its rows "
            + "would be counted twice)")
      }
      pathOf[header.partition] = path
    }
    let missing = template.partitions.filter { pathOf[$0] == nil }
    guard missing.isEmpty else {
      throw ReleaseError(
        "partition\(missing.count == 1 ? "" : "s") \(listed(missing)) of the template "
          + "\(missing.count == 1 ? "is" : "are") missing: give the partial of every partition")
    }

    let plan = template.plan
    var marginals = plan.marginalMechanism()
    var exact = marginals.queries.map { [Double](repeating: 0, count: $0.cellCount) }
    var pairCounts = try plan.options.marginals.selectionMode.map { mode in
      try PairCounts(binCounts: plan.pairBinning.counts, mode: mode)
    }
    // The rows of O go to bucket files as they are read (ShuffleBuckets.swift): memory stays at
    // one bucket, whatever n is.
    let noise = NoiseSources(testSeed: insecureTestNoiseSeed)
    var shuffle = noise.shuffle
    let width = plan.projectionCount
    let buckets = try ShuffleBuckets(
      beside: outputPath,
      count: ShuffleBuckets.bucketCount(rows: declaredRows, width: width, bucketBytes: bucketBytes),
      width: width)
    var rowsSeen = 0
    var rows = 0
    var noiseIsPrivate = true
    var clamped = [Int](repeating: 0, count: plan.names.count)
    var catchAll = clamped
    for (i, name) in template.partitions.enumerated() {
      let path = pathOf[name]!
      let part = try PartitionFile(contentsOf: path) { block in
        try buckets.add(block, noise: &shuffle)
      }
      let h = part.header
      func refuse(_ reason: String) -> ReleaseError { ReleaseError("\(path): \(reason)") }
      guard h.template == template.checksum, h.partition == name,
        h.projections == plan.projectionCount,
        h.marginalCells == marginals.queries.map(\.cellCount),
        h.pairCells == (pairCounts?.exactCounts.count ?? 0),
        h.clamped.count == clamped.count, h.catchAll.count == catchAll.count
      else { throw refuse("its sizes are not the template's (a modified file)") }
      // Each row is in exactly one cell of each table.
      for (q, counts) in part.marginalCounts.enumerated() {
        guard counts.allSatisfy({ $0 >= 0 && $0 == $0.rounded() }),
          counts.reduce(0, +) == Double(h.rowsSeen)
        else { throw refuse("its counts do not add up to its rows (a modified file)") }
        for cell in counts.indices { exact[q][cell] += counts[cell] }
      }
      if pairCounts != nil {
        let added = part.pairCounts.withUnsafeBufferPointer { pairCounts!.add(exactCounts: $0) }
        guard added else { throw refuse("its candidate pair counts do not fit the template's") }
      }
      rowsSeen += h.rowsSeen
      rows += h.rows
      noiseIsPrivate = noiseIsPrivate && h.noiseIsPrivate
      for c in clamped.indices {
        clamped[c] += h.clamped[c]
        catchAll[c] += h.catchAll[c]
      }
      progress(i + 1)
    }
    try checkRows(rowsSeen, template: template, what: "the \(paths.count) partitions")
    if plan.hasMarginals {
      marginals = MarginalMechanism(queries: marginals.queries, counts: exact, rows: rowsSeen)
    }

    var marginalNoise = noise.marginals
    let header = try Releaser.publish(
      plan: plan, calibration: template.calibration, delta: template.delta, seed: template.seed,
      populationRows: rowsSeen, rows: rows, marginals: &marginals, pairCounts: pairCounts,
      noiseIsPrivate: noiseIsPrivate && marginalNoise.isPrivate && shuffle.isPrivate,
      marginalNoise: &marginalNoise, outputPath: outputPath
    ) { sink in
      // The union in a uniformly random order.
      try buckets.drain(noise: &shuffle, deliver: sink)
    }
    return ReleaseReport(
      header: header, clamped: Releaser.named(clamped, plan.names),
      catchAll: Releaser.named(catchAll, plan.names),
      seconds: Date().timeIntervalSince(start), notes: plan.notes)
  }

  /// The template's mechanism: its U, its subsampling rate.
  static func mechanism(template: PartitionTemplate, noise: SecureNoise) -> SlicingMechanism {
    SlicingMechanism(
      encodedWidth: template.plan.encoding.width, projectionCount: template.plan.projectionCount,
      seed: template.seed, subsampling: template.options.subsampling, noise: noise)
  }

  /// n is public and fixed by the template: a table of another size is refused (its size is
  /// then public too, so the message may name it).
  static func checkRows(_ n: Int, template: PartitionTemplate, what: String) throws {
    guard n == template.rows else {
      throw ReleaseError(
        "\(what) hold\(what.hasPrefix("the ") ? "" : "s") \(n) rows, but the template declares "
          + "n = \(template.rows): make a template with the table's number of rows")
    }
  }

  /// "0, 1, 2" (at most ten names, then how many more).
  static func listed(_ names: [String]) -> String {
    let shown = names.prefix(10).map { "\"\($0)\"" }.joined(separator: ", ")
    return names.count > 10 ? shown + " and \(names.count - 10) more" : shown
  }
}
