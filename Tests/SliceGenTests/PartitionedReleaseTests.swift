import Foundation
import Testing

@testable import SliceGen
@testable import SliceGenPrivacy

/// A mixed table of `rows` rows split by row number into `k` partition CSVs, the whole table
/// beside them, and a template of n = rows (or `declaredRows`) in k partitions.
private struct PartitionedTable {
  let directory: String
  let whole: String
  let parts: [String]
  let template: PartitionTemplate
  let templatePath: String

  init(
    rows: Int = 750, k: Int = 3, marginals: MarginalSelection = .auto, declaredRows: Int? = nil,
    emptyPartition: Bool = false, subsampling: Double? = nil
  ) throws {
    directory =
      (TestPaths.temporary("x") as NSString).deletingLastPathComponent
      + "/partitioned-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let header = "age,income,colour,city,id\n"
    var lines: [String] = []
    for i in 0..<rows {
      // Correlated columns, so that the pair selection has something to find.
      let colour = ["red", "green", "blue"][(i / 7) % 3]
      lines.append(
        "\(20 + (i * 7) % 60),\(colour == "red" ? i * 90 % 100_000 : i % 1000),\(colour),"
          + "\(i % 5 == 0 ? "" : (i / 7) % 3 == 1 ? "A" : "B"),0.5\n")
    }
    whole = directory + "/whole.csv"
    try Data((header + lines.joined()).utf8).write(to: URL(fileURLWithPath: whole))
    var parts: [String] = []
    for p in 0..<k {
      // By row number, never by value; with `emptyPartition` the last one gets no rows.
      let mine = lines.indices.filter { emptyPartition ? $0 % (k - 1) == p : $0 % k == p }
      let path = directory + "/part\(p).csv"
      try Data((header + mine.map { lines[$0] }.joined()).utf8)
        .write(to: URL(fileURLWithPath: path))
      parts.append(path)
    }
    self.parts = parts
    var options = ReleaseOptions(epsilon: 2)
    options.delta = 1e-6
    options.slices = 8
    options.marginals = marginals
    options.subsampling = subsampling
    template = try PartitionTemplate.make(
      schema: try mixedSchema(), options: options, rows: declaredRows ?? rows, partitions: k)
    templatePath = directory + "/template.json"
    try template.write(to: templatePath)
  }

  /// Each partition's partial, with test noise.
  func partials(seed: UInt64 = 7) throws -> [String] {
    try parts.indices.map { p in
      let output = directory + "/\(p).partial"
      _ = try PartitionedRelease.partition(
        csvPath: parts[p], template: template, templatePath: templatePath, partition: "\(p)",
        outputPath: output, insecureTestNoiseSeed: seed)
      return output
    }
  }
}

@Suite("Partitioned release")
struct PartitionedReleaseTests {
  @Test(
    "the merge of k partitions is the single-machine release: same U, σ, statement, counts",
    arguments: [MarginalSelection.auto, .oneWay, .none])
  func equalsSingleMachine(marginals: MarginalSelection) throws {
    let table = try PartitionedTable(marginals: marginals)
    let single = table.directory + "/single.slg"
    let merged = table.directory + "/merged.slg"
    _ = try PartitionedRelease.release(
      csvPath: table.whole, template: table.template, templatePath: table.templatePath,
      outputPath: single, insecureTestNoiseSeed: 7)
    _ = try PartitionedRelease.merge(
      template: table.template, templatePath: table.templatePath,
      partialPaths: try table.partials().reversed(), outputPath: merged, insecureTestNoiseSeed: 7)
    let a = try Release(contentsOf: single)
    let b = try Release(contentsOf: merged)
    #expect(a.header.sigma == table.template.sigma)
    #expect(b.header.sigma == a.header.sigma)
    #expect(b.header.rows == 750 && a.header.rows == 750)
    #expect(b.header.projectionSeed == String(table.template.seed))
    #expect(b.header.projectionSeed == a.header.projectionSeed)
    #expect(b.projections.map(\.bitPattern) == a.projections.map(\.bitPattern))
    #expect(b.header.privacy.statement == a.header.privacy.statement)
    #expect(b.header.privacy.components == a.header.privacy.components)
    #expect(b.header.method == a.header.method)
    #expect(b.header.shard == nil && b.header.merged == nil)
    // The same exact counts and the same test noise source give the same noisy counts: the
    // merge summed exactly the counts the single machine made, and noised them once.
    #expect(b.header.marginals?.map(\.noisyCounts) == a.header.marginals?.map(\.noisyCounts))
    #expect(b.header.pairSelection?.noisyScores == a.header.pairSelection?.noisyScores)
    #expect(b.header.pairSelection?.chosen == a.header.pairSelection?.chosen)
    if marginals != .none { #expect(b.header.marginals != nil) }
    // O: the same rows with independent noise, so every column's sum agrees within the noise
    // of a difference of two sums of n draws (6 standard deviations).
    let m = a.header.projections
    for j in 0..<m {
      var sa = 0.0
      var sb = 0.0
      for i in 0..<750 {
        sa += Double(a.released[i * m + j])
        sb += Double(b.released[i * m + j])
      }
      #expect(abs(sa - sb) <= 6 * (2 * 750.0).squareRoot() * a.header.sigma)
    }
    // And not the same noise: the partitions drew their own.
    #expect(a.released != b.released)
  }

  @Test("through many bucket files the merge writes every row once, in a random order")
  func bucketedShuffle() throws {
    let table = try PartitionedTable(marginals: .none)
    let partials = try table.partials()
    // The rows each partial holds, as the merge reads them.
    var rows: [[Float]] = []
    for path in partials {
      _ = try PartitionFile(contentsOf: path) { block in
        for r in 0..<(block.count / 16) { rows.append(Array(block[(r * 16)..<((r + 1) * 16)])) }
      }
    }
    let merged = table.directory + "/buckets.slg"
    let report = try PartitionedRelease.merge(
      template: table.template, templatePath: nil, partialPaths: partials, outputPath: merged,
      insecureTestNoiseSeed: 3, bucketBytes: 4096)
    #expect(ShuffleBuckets.bucketCount(rows: 750, width: 16, bucketBytes: 4096) == 12)
    let release = try Release(contentsOf: merged)
    #expect(report.header.rows == 750)
    let out = (0..<750).map { Array(release.released[($0 * 16)..<(($0 + 1) * 16)]) }
    func key(_ row: [Float]) -> String { row.map { "\($0.bitPattern)" }.joined(separator: ",") }
    #expect(out.map(key).sorted() == rows.map(key).sorted(), "the same rows, each once")
    #expect(out.map(key) != rows.map(key), "not in the partials' order")
    // No shuffle file is left behind.
    let left = try FileManager.default.contentsOfDirectory(atPath: table.directory)
    #expect(!left.contains { $0.contains(".shuffle-") }, "\(left)")
  }

  @Test("a partition with no rows is a partition; the merge still adds up to n")
  func emptyPartition() throws {
    let table = try PartitionedTable(k: 3, emptyPartition: true)
    let merged = table.directory + "/merged.slg"
    let report = try PartitionedRelease.merge(
      template: table.template, templatePath: table.templatePath,
      partialPaths: try table.partials(), outputPath: merged)
    #expect(report.header.rows == 750)
    // Test noise in any partition makes the merged release say it is not private.
    #expect(!report.header.privacy.noiseIsPrivate)
  }

  @Test("missing, duplicated and foreign partitions are refused by name, with no output")
  func refusals() throws {
    let table = try PartitionedTable()
    let partials = try table.partials()
    let output = table.directory + "/out.slg"
    func refusal(_ paths: [String], template: PartitionTemplate? = nil) -> String {
      do {
        _ = try PartitionedRelease.merge(
          template: template ?? table.template, templatePath: table.templatePath,
          partialPaths: paths, outputPath: output)
        return "merged"
      } catch {
        return "\(error)"
      }
    }
    #expect(
      refusal(Array(partials.prefix(2))).contains("partition \"2\" of the template is missing"))
    let copy = table.directory + "/copy.partial"
    try FileManager.default.copyItem(atPath: partials[1], toPath: copy)
    let twice = refusal(partials + [copy])
    #expect(twice.contains("partition \"1\" is given twice") && twice.contains("copy.partial"))
    // A partial of another template of the same table and settings (another U): foreign.
    let other = try PartitionedTable()
    let foreign = try other.partials()[2]
    #expect(
      refusal([partials[0], partials[1], foreign]).contains("was made with another template"))
    // A name that is not in the list, at the partition step.
    #expect(throws: ReleaseError.self) {
      try PartitionedRelease.partition(
        csvPath: table.parts[0], template: table.template, templatePath: nil, partition: "3",
        outputPath: table.directory + "/3.partial")
    }
    #expect(!FileManager.default.fileExists(atPath: output))
    #expect(!FileManager.default.fileExists(atPath: table.directory + "/3.partial"))
  }

  @Test("rows that do not add up to the template's n are refused, on one machine and merged")
  func rowCount() throws {
    let table = try PartitionedTable(declaredRows: 751)
    #expect(throws: ReleaseError.self) {
      try PartitionedRelease.release(
        csvPath: table.whole, template: table.template, templatePath: nil,
        outputPath: table.directory + "/single.slg")
    }
    do {
      _ = try PartitionedRelease.merge(
        template: table.template, templatePath: nil, partialPaths: try table.partials(),
        outputPath: table.directory + "/merged.slg")
      Issue.record("merged")
    } catch {
      #expect("\(error)".contains("hold 750 rows, but the template declares n = 751"))
    }
  }

  @Test("a template reads back as written; an edited σ or a corrupted partial is refused")
  func templateAndPartialIntegrity() throws {
    let table = try PartitionedTable()
    let read = try PartitionTemplate(contentsOf: table.templatePath)
    #expect(read.checksum == table.template.checksum)
    #expect(read.sigma == table.template.sigma)
    #expect(read.seed == table.template.seed)
    #expect(read.options.pairBins == table.template.options.pairBins)
    #expect(read.partitions == ["0", "1", "2"])
    // σ edited down: a weaker release than the settings state.
    var text = try String(contentsOfFile: table.templatePath, encoding: .utf8)
    let sigma = "\"sigma\" : \(table.template.sigma)"
    #expect(text.contains(sigma))
    text = text.replacingOccurrences(of: sigma, with: "\"sigma\" : \(table.template.sigma / 2)")
    let edited = table.directory + "/edited.json"
    try Data(text.utf8).write(to: URL(fileURLWithPath: edited))
    #expect(throws: ReleaseError.self) { try PartitionTemplate(contentsOf: edited) }
    // One flipped byte in a partial's counts.
    let partial = try table.partials()[0]
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: partial)))
    bytes[bytes.count - 40] ^= 1
    try Data(bytes).write(to: URL(fileURLWithPath: partial))
    #expect(throws: ReleaseError.self) {
      try PartitionFile(contentsOf: partial, rows: { _ in })
    }
  }

  @Test("a template refuses what a release would, and DP-MERF")
  func templateRefusals() throws {
    var merf = ReleaseOptions(epsilon: 1)
    merf.merfFrequencies = 100
    #expect(throws: OptionError.self) {
      try PartitionTemplate.make(schema: try mixedSchema(), options: merf, rows: 100, partitions: 2)
    }
    #expect(throws: OptionError.self) {
      try PartitionTemplate.make(
        schema: try mixedSchema(), options: ReleaseOptions(epsilon: 1), rows: 100, partitions: 0)
    }
    var delta = ReleaseOptions(epsilon: 1)
    delta.delta = 0.5
    #expect(throws: OptionError.self) {
      try PartitionTemplate.make(
        schema: try mixedSchema(), options: delta, rows: 100, partitions: 2)
    }
  }
}
