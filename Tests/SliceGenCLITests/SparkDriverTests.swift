// The PySpark driver (samples/spark/partitioned_release.py) end to end on a tiny table, when
// PySpark and Java are installed; skipped otherwise (PySpark is not a dependency of slicegen).
// Docs/spark.md describes the flow.

import Foundation
import Testing

/// Whether the driver can run here: a Python with PySpark (`SLICEGEN_SPARK_PYTHON`, else
/// `python3` on PATH) and `java` on PATH.
enum SparkEnvironment {
  static let python = ProcessInfo.processInfo.environment["SLICEGEN_SPARK_PYTHON"] ?? "python3"

  static let available: Bool =
    succeeds([python, "-c", "import pyspark"]) && succeeds(["java", "-version"])

  /// Runs `arguments` through /usr/bin/env (so a bare name is looked up on PATH), output
  /// discarded; true when it exits 0.
  static func succeeds(_ arguments: [String]) -> Bool {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    do { try process.run() } catch { return false }
    process.waitUntilExit()
    return process.terminationStatus == 0
  }

  /// Runs `arguments` through /usr/bin/env; returns the exit status and standard error.
  static func run(_ arguments: [String]) throws -> (status: Int32, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let err = Pipe()
    process.standardOutput = FileHandle.nullDevice
    process.standardError = err
    try process.run()
    let data = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
  }
}

@Suite("The PySpark driver of the partitioned release")
struct SparkDriverTests {
  /// The first `rows` data rows of the bundled Adult sample as `files` CSV files (a header
  /// each) in a new directory: a small partitioned table.
  func partitionedTable(rows: Int, files: Int) throws -> String {
    let text = try String(contentsOfFile: CLI.path("samples/adult/train.csv"), encoding: .utf8)
    let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
    let header = lines[0]
    let body = Array(lines[1...rows])
    let directory = CLI.temporaryDirectory() + "/table"
    try FileManager.default.createDirectory(
      atPath: directory, withIntermediateDirectories: true)
    let per = (rows + files - 1) / files
    for index in 0..<files {
      let part = body[(index * per)..<min(rows, (index + 1) * per)]
      CLI.write(
        ([header] + part).joined(separator: "\n") + "\n", to: directory + "/part-\(index).csv")
    }
    return directory
  }

  func json(_ text: String) throws -> [String: Any] {
    try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
  }

  @Test(
    "2 partitions on Spark local mode: a release inspect accepts, with the template's σ, U and n, and the single-machine statement",
    .enabled(
      if: SparkEnvironment.available,
      "PySpark or Java not found: set SLICEGEN_SPARK_PYTHON to a Python with pyspark (python3 by default) and put java on PATH"
    ))
  func mergedRelease() throws {
    let rows = 300
    let table = try partitionedTable(rows: rows, files: 3)
    let directory = CLI.temporaryDirectory()
    let work = directory + "/work"
    let release = directory + "/merged.slg"
    let schema = CLI.path("samples/adult/schema.json")
    let driver = try SparkEnvironment.run([
      SparkEnvironment.python, CLI.path("samples/spark/partitioned_release.py"), table,
      "--slicegen", CLI.executable.path, "--schema", schema, "--partitions", "2",
      "--epsilon", "4", "--work", work, "--keep-partials", "-o", release, "--",
      "--slices", "10",
    ])
    #expect(driver.status == 0, "driver failed:\n\(driver.stderr.suffix(4000))")
    try #require(driver.status == 0)
    // The partials were written by two processes and kept (--keep-partials).
    #expect(CLI.files(in: work) == ["part-0.partial", "part-1.partial", "template.json"])

    let template = try json(String(contentsOfFile: work + "/template.json", encoding: .utf8))
    let inspect = try CLI.run(["inspect", release, "--json"])
    #expect(inspect.status == 0, "inspect refused the merged release: \(inspect.stderr)")
    let merged = try json(inspect.stdout)
    let sigma = try #require(template["sigma"] as? Double)
    #expect(merged["sigma"] as? Double == sigma)
    #expect(merged["rows"] as? Int == rows)
    #expect(merged["projectionSeed"] as? String == template["projectionSeed"] as? String)

    // The single-machine release of the concatenated rows with the same template states the
    // same guarantee.
    let all = directory + "/all.csv"
    let text = try String(contentsOfFile: CLI.path("samples/adult/train.csv"), encoding: .utf8)
    let lines = text.split(separator: "\n").prefix(rows + 1)
    CLI.write(lines.joined(separator: "\n") + "\n", to: all)
    let single = directory + "/single.slg"
    let released = try CLI.run([
      "release", all, "--template", work + "/template.json", "-o", single, "--quiet",
    ])
    try #require(released.status == 0, "single-machine release failed: \(released.stderr)")
    let alone = try json(CLI.run(["inspect", single, "--json"]).stdout)
    #expect(alone["sigma"] as? Double == sigma)
    #expect(alone["statement"] as? String == merged["statement"] as? String)
  }
}
