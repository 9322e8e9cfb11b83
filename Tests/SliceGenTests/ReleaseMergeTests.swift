import Foundation
import Testing

@testable import SliceGen
@testable import SliceGenPrivacy

/// Three disjoint shards of a small mixed table, released first + --like twice (test noise).
private func shards(
  rows: [Int] = [300, 200, 250], delta: Double = 1e-7, testSeed: UInt64 = 10,
  marginals: MarginalSelection = .none
) throws -> (paths: [String], directory: String) {
  let schema = try mixedSchema()
  let directory = (TestPaths.temporary("x") as NSString).deletingLastPathComponent
  var paths: [String] = []
  var template: ReleaseTemplate? = nil
  for (k, count) in rows.enumerated() {
    var text = "age,income,colour,city,id\n"
    for i in 0..<count {
      text +=
        "\(20 + (i + k) % 60),\(i * 100),\(["red", "green", "blue"][i % 3]),"
        + "\(i % 5 == 0 ? "" : "A"),0.5\n"
    }
    let csv = directory + "/part\(k).csv"
    try Data(text.utf8).write(to: URL(fileURLWithPath: csv))
    let output = directory + "/part\(k).slg"
    var options: ReleaseOptions
    if let template {
      options = template.options
    } else {
      options = ReleaseOptions(epsilon: 2)
      options.marginals = marginals
      options.delta = delta
      options.slices = 8
    }
    options.insecureTestNoiseSeed = testSeed + UInt64(k)
    _ = try Releaser.release(csvPath: csv, schema: schema, options: options, outputPath: output)
    if template == nil { template = try ReleaseTemplate(firstReleaseAt: output) }
    paths.append(output)
  }
  return (paths, directory)
}

@Suite("Release merge")
struct ReleaseMergeTests {
  @Test(
    "shards with marginals count the first release's tables; the merge sums them (σ√k)",
    arguments: [MarginalSelection.auto, .oneWay])
  func marginals(mode: MarginalSelection) throws {
    let (paths, directory) = try shards(marginals: mode)
    let parts = try paths.map { try Release(contentsOf: $0).header }
    let first = try #require(parts[0].marginals)
    for shard in parts.dropFirst() {
      let m = try #require(shard.marginals)
      #expect(m.map(\.columns) == first.map(\.columns))
      #expect(m.map(\.sigma) == first.map(\.sigma))
      #expect(shard.privacy.components.map(\.name) == parts[0].privacy.components.map(\.name))
      #expect(shard.pairSelection?.chosen == parts[0].pairSelection?.chosen)
      #expect(shard.privacy.statement.contains("Its marginals are the first release's tables"))
    }
    let output = directory + "/all-m.slg"
    let header = try ReleaseMerge.merge(paths: paths, outputPath: output)
    let merged = try #require(header.marginals)
    #expect(merged.count == first.count)
    for (t, table) in merged.enumerated() {
      let sum = parts.reduce([Double](repeating: 0, count: table.noisyCounts.count)) { total, h in
        zip(total, h.marginals![t].noisyCounts).map(+)
      }
      #expect(table.noisyCounts == sum)
      #expect(abs(table.sigma - first[t].sigma * 3.0.squareRoot()) < 1e-12 * table.sigma)
      #expect(abs(table.probabilities.reduce(0, +) - 1) < 1e-9)
    }
    #expect(header.privacy.statement.contains("sums of the shards' noisy counts"))
    // The merged release fits like any other.
    let release = try Release(contentsOf: output)
    #expect(release.header.rows == 750)
  }

  @Test("the merged release is the concatenation of its shards, with one U and a stated guarantee")
  func concatenation() throws {
    let (paths, directory) = try shards()
    let output = directory + "/all.slg"
    let header = try ReleaseMerge.merge(paths: paths, outputPath: output)
    let merged = try Release(contentsOf: output)  // checks the checksum
    #expect(merged.header == header)
    let parts = try paths.map { try Release(contentsOf: $0) }
    #expect(merged.header.rows == 750)
    #expect(merged.projections == parts[0].projections)
    #expect(merged.released == parts.flatMap(\.released))
    let m = try #require(merged.header.merged)
    #expect(m.parts.map(\.rows) == [300, 200, 250])
    #expect(m.parts.map(\.like) == [false, true, true])
    #expect(merged.header.privacy.epsilon == 2 && merged.header.privacy.delta == 1e-7)
    #expect(m.fixedDirectionsEpsilon > 2)
    #expect(merged.header.privacy.statement.contains("parallel composition"))
    #expect(merged.header.privacy.statement.contains("fixed-U Gaussian bound"))
    // Shards copied everything, and say that U was public before them.
    #expect(parts[1].header.sigma == parts[0].header.sigma)
    #expect(parts[1].header.projectionSeed == parts[0].header.projectionSeed)
    #expect(parts[1].header.shard?.likeChecksum == parts[0].checksum)
    #expect(parts[1].header.privacy.statement.contains("only the fixed-U Gaussian bound holds"))
  }

  /// Rewrites a release with a changed header (same matrices).
  func altered(_ path: String, _ change: (inout ReleaseHeader) -> Void) throws -> String {
    var release = try Release(contentsOf: path)
    change(&release.header)
    let out = path.replacingOccurrences(of: ".slg", with: "-altered.slg")
    try release.write(to: out)
    return out
  }

  @Test("refusals name the first difference, and leave no output")
  func refusals() throws {
    let (paths, directory) = try shards()
    let output = directory + "/all.slg"
    func refused(_ list: [String], _ message: String) {
      let error = #expect(throws: ReleaseError.self) {
        try ReleaseMerge.merge(paths: list, outputPath: output)
      }
      #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
      #expect(!FileManager.default.fileExists(atPath: output))
    }
    refused([paths[0]], "at least two")
    refused([paths[0], paths[1], paths[0]], "are the same release")
    // The same release under other bytes: an edited header, or its rows in another order.
    let renamed = try rewritingHeader(of: paths[1]) { $0["toolVersion"] = "0.0.9" }
    refused([paths[0], paths[1], renamed], "hold the same noisy rows")
    var reordered = try Release(contentsOf: paths[2])
    let m = reordered.header.projections
    let rows = reordered.released.count / m
    let released = reordered.released
    reordered.released = (0..<rows).reversed().flatMap { released[($0 * m)..<(($0 + 1) * m)] }
    let reorderedPath = directory + "/reordered.slg"
    try reordered.write(to: reorderedPath)
    refused([paths[0], paths[2], reorderedPath], "hold the same noisy rows")
    refused([paths[0], try altered(paths[1]) { $0.sigma = $0.sigma.nextUp }], "differ in σ")
    refused(
      [paths[0], try altered(paths[1]) { $0.projectionSeed = "12345" }],
      "differ in the projection seed")
    refused(
      [paths[0], try altered(paths[1]) { $0.privacy.neighbors = .zeroOut }],
      "differ in the neighbouring relation")
    refused(
      [paths[0], try altered(paths[1]) { $0.privacy.accountant = .theorem1 }],
      "differ in the accountant")
    refused(
      [
        paths[0],
        try altered(paths[1]) {
          $0.schema.columns[2].domain = .categorical(
            categories: ["red", "green", "pink"], catchAll: nil)
        },
      ], "column \"colour\" is declared differently")
    // A shard whose U bytes were changed (the seed still agrees).
    var tampered = try Release(contentsOf: paths[2])
    tampered.projections[0] += 1
    let tamperedPath = directory + "/tampered.slg"
    try tampered.write(to: tamperedPath)
    refused([paths[0], tamperedPath], "differ in U")
    // An independent release (its own secure seed) is not a shard of the first.
    let other = try shards(rows: [100, 100], testSeed: 99).paths[0]
    refused([paths[0], other], "differ in the projection seed")
    // A corrupted shard fails its checksum while streaming; the output is discarded.
    var bytes = try Data(contentsOf: URL(fileURLWithPath: paths[2]))
    bytes[bytes.count - 40] ^= 0xFF
    let corrupt = directory + "/corrupt.slg"
    try bytes.write(to: URL(fileURLWithPath: corrupt))
    #expect(throws: ReleaseFileError.self) {
      try ReleaseMerge.merge(paths: [paths[0], corrupt], outputPath: output)
    }
    #expect(!FileManager.default.fileExists(atPath: output))
  }

  @Test("δ must stay below 1/n for the merged n")
  func deltaBelowOneOverN() throws {
    let (paths, directory) = try shards(rows: [400, 400], delta: 2e-3)
    let error = #expect(throws: ReleaseError.self) {
      try ReleaseMerge.merge(paths: paths, outputPath: directory + "/all.slg")
    }
    #expect(error?.message.contains("not below 1/n") == true)
  }

  @Test("--like refuses a first release with a user-chosen seed; one with marginals is a template")
  func likeRefusals() throws {
    let schema = try mixedSchema()
    var text = "age,income,colour,city,id\n"
    for i in 0..<200 { text += "\(20 + i % 60),\(i),red,A,0.5\n" }
    let csv = TestPaths.write(text)
    for (seeded, marginals) in [(true, false), (false, true)] {
      var options = ReleaseOptions(epsilon: 2)
      options.delta = 1e-5
      options.slices = 4
      if seeded { options.projectionSeed = 7 }
      options.marginals = marginals ? .oneWay : .none
      let output = TestPaths.temporary("first.slg")
      _ = try Releaser.release(csvPath: csv, schema: schema, options: options, outputPath: output)
      if marginals {
        let template = try ReleaseTemplate(firstReleaseAt: output)
        #expect(template.options.marginals == .oneWay)
        continue
      }
      let error = #expect(throws: ReleaseError.self) { try ReleaseTemplate(firstReleaseAt: output) }
      #expect(error?.message.contains("chosen by the user") == true)
    }
  }
}

@Suite("Release merge: what the statement assumes")
struct ReleaseMergeAssumptionTests {
  /// The review's example: the same 400 rows released three times at (ε = 1, δ = 1e-5) with the
  /// default slicing (m' = 200), then merged. The review computed ε at δ = 1e-5 as 1.47 for a row
  /// released twice and 1.84 three times; an independent quadrature (scipy, the χ²(200) mixture
  /// with noise scale s/√k) gives 1.4671 and 1.8389.
  @Test("a row released k times: the statement is conditional and states ε for k = 2, 3")
  func repeatedRows() throws {
    var text = "age,income,colour,city,id\n"
    for i in 0..<400 {
      text += "\(20 + i % 60),\(i * 100),\(["red", "green", "blue"][i % 3]),A,0.5\n"
    }
    let csv = TestPaths.write(text)
    var options = ReleaseOptions(epsilon: 1)
    options.marginals = .none  // the review's example: projections only
    options.delta = 1e-5
    var paths: [String] = []
    for k in 0..<3 {
      if k > 0 { options = try ReleaseTemplate(firstReleaseAt: paths[0]).options }
      options.insecureTestNoiseSeed = 20 + UInt64(k)
      let output = TestPaths.temporary("copy\(k).slg")
      _ = try Releaser.release(
        csvPath: csv, schema: try mixedSchema(), options: options, outputPath: output)
      paths.append(output)
    }
    let header = try ReleaseMerge.merge(paths: paths, outputPath: TestPaths.temporary("all.slg"))
    #expect(header.projections == 200)
    #expect(header.privacy.epsilon == 1 && header.privacy.delta == 1e-5)
    let repeated = try #require(header.merged?.repeatedRows)
    #expect(repeated.map(\.copies) == [2, 3])
    #expect(abs(repeated[0].epsilon - 1.4671) < 1e-3, "\(repeated[0].epsilon)")
    #expect(abs(repeated[1].epsilon - 1.8389) < 1e-3, "\(repeated[1].epsilon)")
    // k = 1 is the calibration itself.
    let once = ReleaseMerge.repeatedRowEpsilon(
      copies: 1, sigma: header.sigma, encodedWidth: header.encodedWidth,
      projections: header.projections, delta: 1e-5)
    #expect(abs(once - 1) < 1e-6)
    let statement = header.privacy.statement
    #expect(statement.contains("If the shards hold disjoint rows"))
    #expect(!statement.contains("the shards hold disjoint rows and"))
    #expect(statement.contains("merge refuses only one release given twice"))
    #expect(statement.contains("ε = 1.467 for k = 2 and ε = 1.839 for k = 3 at δ = 1e-05"))
    #expect(statement.contains("(kε, k·e^((k−1)ε)·δ)"))
  }

  @Test("merge checks every part's settings and σ like --like does")
  func forgedParts() throws {
    let schema = try mixedSchema()
    var text = "age,income,colour,city,id\n"
    for i in 0..<200 { text += "\(20 + i % 60),\(i),red,A,0.5\n" }
    let csv = TestPaths.write(text)
    var options = ReleaseOptions(epsilon: 1)
    options.marginals = .none
    options.delta = 1e-5
    options.slices = 4
    options.insecureTestNoiseSeed = 1
    let first = TestPaths.temporary("first.slg")
    let h = try Releaser.release(
      csvPath: csv, schema: schema, options: options, outputPath: first
    ).header
    options = try ReleaseTemplate(firstReleaseAt: first).options
    options.insecureTestNoiseSeed = 2
    let second = TestPaths.temporary("second.slg")
    _ = try Releaser.release(csvPath: csv, schema: schema, options: options, outputPath: second)
    // Both parts lowered alike, so that they still agree with each other.
    let forged = try [first, second].map { path in
      try rewritingHeader(of: path) { header in
        header["sigma"] = 0.001
        header["noiseScale"] = 0.001 * Double(h.encodedWidth).squareRoot()
        var privacy = header["privacy"] as! [String: Any]
        var components = privacy["components"] as! [[String: Any]]
        components[0]["sigma"] = 0.001
        privacy["components"] = components
        header["privacy"] = privacy
      }
    }
    let error = #expect(throws: ReleaseError.self) {
      try ReleaseMerge.merge(paths: forged, outputPath: TestPaths.temporary("all.slg"))
    }
    #expect(
      error?.message.hasPrefix("\(forged[0]): header field sigma is 0.001") == true,
      "\(error?.message ?? "")")
  }
}
