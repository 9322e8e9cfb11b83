import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

@Suite("A killed command leaves no temporary file")
struct SignalCleanupTests {
  /// Starts `slicegen arguments`, waits until its hidden temporary output appears in
  /// `directory`, sends `signal`, and returns whether the temporary file was seen, how the
  /// process ended, and the hidden files left.
  func interrupted(
    _ arguments: [String], in directory: String, with signalNumber: Int32
  ) throws -> (seen: Bool, killedBySignal: Bool, status: Int32, left: [String]) {
    let process = Process()
    process.executableURL = CLI.executable
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    var seen = false
    let deadline = Date().addingTimeInterval(60)
    while process.isRunning, Date() < deadline {
      if CLI.files(in: directory).contains(where: { $0.contains(".tmp-") }) {
        seen = true
        break
      }
      usleep(2_000)
    }
    if process.isRunning {
      // Let it write for a moment, then signal.
      usleep(50_000)
      kill(process.processIdentifier, signalNumber)
    }
    process.waitUntilExit()
    return (
      seen, process.terminationReason == .uncaughtSignal, process.terminationStatus,
      CLI.files(in: directory).filter { $0.hasPrefix(".") }
    )
  }

  @Test("SIGTERM during a release and SIGINT during sample remove the hidden temporary output")
  func killed() throws {
    let directory = CLI.temporaryDirectory()
    // 80,000 rows and m' = 1,000 projections: O is 320 MB, written for a second or more.
    let csv = directory + "/big.csv"
    var text = "a,b,c\n"
    text.reserveCapacity(80_000 * 12)
    for i in 0..<80_000 { text += "\(i % 97),\(i % 89),\(i % 83)\n" }
    CLI.write(text, to: csv)
    let schema = directory + "/s.json"
    CLI.write(
      """
      {"columns": [
        {"name": "a", "type": "numeric", "lower": 0, "upper": 100, "integer": true},
        {"name": "b", "type": "numeric", "lower": 0, "upper": 100, "integer": true},
        {"name": "c", "type": "numeric", "lower": 0, "upper": 100, "integer": true}]}
      """, to: schema)
    let output = directory + "/out"
    try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: false)
    let release = try interrupted(
      [
        "release", csv, "--schema", schema, "--epsilon", "1", "--slices", "500", "--slice-dim",
        "2", "-o", output + "/r.slg",
      ], in: output, with: SIGTERM)
    #expect(release.seen, "the release ended before its temporary file was seen")
    #expect(release.killedBySignal && release.status == SIGTERM, "status \(release.status)")
    #expect(release.left.isEmpty, "left behind: \(release.left)")
    #expect(!FileManager.default.fileExists(atPath: output + "/r.slg"))

    // sample: a small model, far more rows than it can write before the signal.
    let small = directory + "/small.slg"
    let made = try CLI.run([
      "release", csv, "--schema", schema, "--epsilon", "1", "--slices",
      "3", "-o", small, "--quiet",
    ])
    #expect(made.status == 0, "\(made.stderr)")
    let model = directory + "/m.slgm"
    let fit = try CLI.run([
      "fit", small, "--epochs", "1", "--batch", "512", "--latent", "2",
      "--hidden", "4", "-o", model, "--quiet",
    ])
    #expect(fit.status == 0, "\(fit.stderr)")
    let sample = try interrupted(
      ["sample", model, "--rows", "100000000", "-o", output + "/s.csv"], in: output, with: SIGINT)
    #expect(sample.seen)
    #expect(sample.killedBySignal && sample.status == SIGINT, "status \(sample.status)")
    #expect(sample.left.isEmpty, "left behind: \(sample.left)")
  }
}
