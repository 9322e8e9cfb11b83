// Runs a Python 3 script with the standard library only, for tests that check our output with an
// independent implementation (zlib, struct). python3 is on every machine that runs .ci/run, which
// uses it for its own checks.

import Foundation

enum PythonRunner {
  /// Whether `python3` runs here.
  static let available: Bool = {
    (try? run("print('ok')", arguments: []))?.output == "ok\n"
  }()

  /// Runs `python3 -c script arguments…`; its exit status, standard output and standard error.
  static func run(
    _ script: String, arguments: [String]
  ) throws -> (status: Int32, output: String, error: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script] + arguments
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read stderr on another thread so that neither pipe can fill up and block the child.
    nonisolated(unsafe) var errData = Data()
    let group = DispatchGroup()
    DispatchQueue.global().async(group: group) {
      errData = err.fileHandleForReading.readDataToEndOfFile()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return (
      process.terminationStatus, String(decoding: outData, as: UTF8.self),
      String(decoding: errData, as: UTF8.self)
    )
  }
}
