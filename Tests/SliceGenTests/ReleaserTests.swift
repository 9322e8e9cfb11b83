import Foundation
import Testing

@testable import SliceGen

@Suite("Releaser")
struct ReleaserTests {
  /// A table whose rows are all the same known row, so O − XU does not depend on the shuffle.
  func constantTable(rows: Int) throws -> (csv: String, schema: Schema) {
    let schema = try mixedSchema()
    var text = "age,income,colour,city,id\n"
    for _ in 0..<rows { text += "40,50000,green,B,0.5\n" }
    return (TestPaths.write(text), schema)
  }

  @Test("O − XU has the stated σ (library read), and U is N(0, 1/d)")
  func noiseLevel() throws {
    let (csv, schema) = try constantTable(rows: 2000)
    let output = TestPaths.temporary("r.slg")
    var options = ReleaseOptions(epsilon: 1)
    options.delta = 1e-5
    options.slices = 25
    let report = try Releaser.release(
      csvPath: csv, schema: schema, options: options, outputPath: output)
    let release = try Release(contentsOf: output)
    #expect(release.header == report.header)
    let d = release.header.encodedWidth
    let mPrime = release.header.projections
    // The known encoded row.
    var encoder = try RowEncoder(
      encoding: Encoding(schema: schema), header: schema.columns.map(\.name), path: "t")
    var x = [Float](repeating: 0, count: d)
    try x.withUnsafeMutableBufferPointer {
      try encoder.encode(["40", "50000", "green", "B", "0.5"], line: 2, into: $0.baseAddress!)
    }
    var xu = [Double](repeating: 0, count: mPrime)
    for j in 0..<mPrime {
      for i in 0..<d { xu[j] += Double(x[i]) * Double(release.projections[i * mPrime + j]) }
    }
    var sum = 0.0
    var sumSquares = 0.0
    for row in 0..<release.header.rows {
      for j in 0..<mPrime {
        let r = Double(release.released[row * mPrime + j]) - xu[j]
        sum += r
        sumSquares += r * r
      }
    }
    let count = Double(release.header.rows * mPrime)
    let sigma = release.header.sigma
    // 50,000 residuals: the sample standard deviation has relative standard error
    // 1/√(2·count) ≈ 0.32 %; 5 standard errors: 1.6 %. The mean has standard error σ/√count.
    let sd = (sumSquares / count - pow(sum / count, 2)).squareRoot()
    #expect(abs(sd / sigma - 1) < 5 / (2 * count).squareRoot())
    #expect(abs(sum / count) < 5 * sigma / count.squareRoot())
    // U: iid N(0, 1/d); d·m' entries, variance's relative standard error √(2/(d·m')).
    let u = release.projections.map(Double.init)
    let variance = u.reduce(0) { $0 + $1 * $1 } / Double(u.count)
    #expect(abs(variance * Double(d) - 1) < 5 * (2 / Double(u.count)).squareRoot())
  }

  @Test("a release of many noise segments loads, verifies and has the stated σ")
  func manySegments() throws {
    // m' = 200: 655 rows per segment (512 KiB, written directly); 3,000 rows make five.
    let (csv, schema) = try constantTable(rows: 3000)
    let output = TestPaths.temporary("big.slg")
    var options = ReleaseOptions(epsilon: 1)
    options.delta = 1e-5
    options.slices = 100
    let report = try Releaser.release(
      csvPath: csv, schema: schema, options: options, outputPath: output)
    let release = try Release(contentsOf: output)  // checks the size and the SHA-256
    #expect(release.header == report.header)
    #expect(release.header.rows == 3000)
    var encoder = try RowEncoder(
      encoding: Encoding(schema: schema), header: schema.columns.map(\.name), path: "t")
    let d = release.header.encodedWidth, mPrime = release.header.projections
    var x = [Float](repeating: 0, count: d)
    try x.withUnsafeMutableBufferPointer {
      try encoder.encode(["40", "50000", "green", "B", "0.5"], line: 2, into: $0.baseAddress!)
    }
    var xu = [Double](repeating: 0, count: mPrime)
    for j in 0..<mPrime {
      for i in 0..<d { xu[j] += Double(x[i]) * Double(release.projections[i * mPrime + j]) }
    }
    var sumSquares = 0.0
    for (index, value) in release.released.enumerated() {
      let r = Double(value) - xu[index % mPrime]
      sumSquares += r * r
    }
    let count = Double(release.released.count)
    // 600,000 residuals: relative SE of the RMS 1/√(2·count) ≈ 0.09 %; 5 SE (the mean is 0).
    let rms = (sumSquares / count).squareRoot()
    #expect(abs(rms / release.header.sigma - 1) < 5 / (2 * count).squareRoot() + 1e-4)
  }

  @Test(
    "the numpy snippet in Docs loads U and O with the stated σ",
    .enabled(if: ReleaserTests.numpyAvailable))
  func numpySnippet() throws {
    let (csv, schema) = try constantTable(rows: 1000)
    let output = TestPaths.temporary("r.slg")
    var options = ReleaseOptions(epsilon: 2)
    options.delta = 1e-5
    options.slices = 20
    _ = try Releaser.release(csvPath: csv, schema: schema, options: options, outputPath: output)
    let snippet = TestPaths.repository.appendingPathComponent("Docs/snippets/load_release.py").path
    // The snippet, then a check of O − xU against σ using the first row's known encoding.
    let check = """
      import runpy, sys, numpy as np
      sys.argv = ["load_release.py", "\(output)"]
      g = runpy.run_path("\(snippet)")
      U, O, h = g["U"], g["O"], g["h"]
      resid = O - O.mean(axis=0)
      sd = resid.std() * np.sqrt(O.shape[0] / (O.shape[0] - 1))
      print("SD", sd, h["sigma"])
      """
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", check]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    let line = text.split(separator: "\n").first { $0.hasPrefix("SD") }!
    let parts = line.split(separator: " ").compactMap { Double($0) }
    // 20,000 residuals around the per-column mean (constant rows): relative SE 1/√40000 = 0.5 %.
    #expect(abs(parts[0] / parts[1] - 1) < 0.025, "\(line)")
  }

  static let numpyAvailable: Bool = {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", "import numpy"]
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return false }
    process.waitUntilExit()
    return process.terminationStatus == 0
  }()

  /// Two releases of the same constant table with the same options, read back.
  func twice(rows: Int, slices: Int, _ set: (inout ReleaseOptions) -> Void) throws
    -> (Release, Release)
  {
    let (csv, schema) = try constantTable(rows: rows)
    var options = ReleaseOptions(epsilon: 1)
    options.delta = 1e-4
    options.slices = slices
    set(&options)
    let releases = try ["a.slg", "b.slg"].map { name in
      let path = TestPaths.temporary(name)
      _ = try Releaser.release(csvPath: csv, schema: schema, options: options, outputPath: path)
      return try Release(contentsOf: path)
    }
    return (releases[0], releases[1])
  }

  @Test("the same projection seed gives the same U and different noise")
  func seeds() throws {
    let (ra, rb) = try twice(rows: 50, slices: 5) { $0.projectionSeed = 99 }
    #expect(ra.projections == rb.projections)
    #expect(ra.released != rb.released)
    #expect(ra.header.privacy.accountant == .analyticGaussian)
    #expect(ra.header.privacy.noiseIsPrivate)
  }

  @Test("test noise is reproducible and labelled NOT private")
  func testNoise() throws {
    let (ra, rb) = try twice(rows: 20, slices: 3) {
      $0.projectionSeed = 1
      $0.insecureTestNoiseSeed = 5
    }
    #expect(ra.released == rb.released)
    #expect(!ra.header.privacy.noiseIsPrivate)
    #expect(ra.header.privacy.statement.hasPrefix("NOT PRIVATE"))
  }

  @Test("Poisson subsampling keeps about q·n rows and states the amplified δ")
  func subsampling() throws {
    let (csv, schema) = try constantTable(rows: 4000)
    var options = ReleaseOptions(epsilon: 1)
    options.delta = 1e-5
    options.slices = 5
    options.subsampling = 0.25
    let output = TestPaths.temporary("r.slg")
    // The default release carries marginals, which subsampling cannot: refused, naming the fix.
    let refusal = #expect(throws: OptionError.self) {
      try Releaser.release(csvPath: csv, schema: schema, options: options, outputPath: output)
    }
    #expect(refusal?.option == "subsample")
    #expect(refusal?.description.contains("--marginals none") == true)
    #expect(!FileManager.default.fileExists(atPath: output))
    options.marginals = .none
    let report = try Releaser.release(
      csvPath: csv, schema: schema, options: options, outputPath: output)
    // Binomial(4000, 0.25): mean 1000, sd √(4000·0.25·0.75) ≈ 27.4; 6 sd ≈ 165.
    #expect(abs(report.header.rows - 1000) < 165)
    #expect(report.header.privacy.subsampling == 0.25)
    // The subsampled release needs less noise than the full one at the same (ε, δ).
    options.subsampling = nil
    let full = try Releaser.release(
      csvPath: csv, schema: schema, options: options, outputPath: TestPaths.temporary("f.slg"))
    #expect(report.header.sigma < full.header.sigma)
  }

  @Test(
    "a release carries the checksum it was read with; in memory, the one its file would end with")
  func identity() throws {
    let (csv, schema) = try constantTable(rows: 50)
    let output = TestPaths.temporary("id.slg")
    var options = ReleaseOptions(epsilon: 1)
    options.delta = 1e-5
    options.slices = 4
    _ = try Releaser.release(csvPath: csv, schema: schema, options: options, outputPath: output)
    let bytes = try Data(contentsOf: URL(fileURLWithPath: output))
    let stored = bytes.suffix(32).map { String(format: "%02x", $0) }.joined()
    let release = try Release(contentsOf: output)
    #expect(release.checksum == stored)
    // The same release made in memory: no checksum yet, its identity is the file's.
    var copy = Release(
      header: release.header, projections: release.projections, released: release.released)
    #expect(copy.checksum == nil)
    #expect(try copy.identity() == stored)
    copy.released[0] += 1
    #expect(try copy.identity() != stored)
  }
}
