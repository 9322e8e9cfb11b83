// Runs the built `slicegen` executable (it sits next to the test bundle) and captures its output.

import Foundation

struct CLIResult {
  var status: Int32
  var stdout: String
  var stderr: String
}

enum CLI {
  static let executable: URL = {
    let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    var candidates = [bundle.appendingPathComponent("slicegen")]
    // Swift Testing may run inside the .xctest bundle folder.
    candidates.append(bundle.deletingLastPathComponent().appendingPathComponent("slicegen"))
    for url in candidates where FileManager.default.isExecutableFile(atPath: url.path) {
      return url
    }
    // Fall back to the default build folder.
    return repository.appendingPathComponent(".build/debug/slicegen")
  }()

  static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  static func path(_ relative: String) -> String {
    repository.appendingPathComponent(relative).path
  }

  /// Runs `slicegen args…` with an optional environment addition, in `currentDirectory` when
  /// given (else the test's own).
  @discardableResult
  static func run(
    _ arguments: [String], environment: [String: String] = [:], currentDirectory: String? = nil,
    standardInput: String? = nil
  ) throws -> CLIResult {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let currentDirectory {
      process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory)
    }
    var env = ProcessInfo.processInfo.environment
    for (key, value) in environment { env[key] = value }
    process.environment = env
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let input = Pipe()
    if standardInput != nil { process.standardInput = input }
    try process.run()
    if let standardInput {
      // From another thread: the child may not read it all before it writes its own output.
      let bytes = Data(standardInput.utf8)
      DispatchQueue.global().async {
        input.fileHandleForWriting.write(bytes)
        try? input.fileHandleForWriting.close()
      }
    }
    // Read both pipes before waiting (stderr on another thread) so that neither can fill up and
    // block the child.
    nonisolated(unsafe) var errData = Data()
    let group = DispatchGroup()
    DispatchQueue.global().async(group: group) {
      errData = err.fileHandleForReading.readDataToEndOfFile()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return CLIResult(
      status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
      stderr: String(decoding: errData, as: UTF8.self))
  }

  /// This test process's temporary root, removed when the process exits.
  static let temporaryRoot: URL = {
    let root = temporaryRootPath()
    try? FileManager.default.removeItem(at: root)
    try! FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    atexit { try? FileManager.default.removeItem(at: CLI.temporaryRootPath()) }
    return root
  }()

  static func temporaryRootPath() -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("slicegen-cli-\(getpid())")
  }

  /// A fresh temporary directory (under `temporaryRoot`).
  static func temporaryDirectory() -> String {
    let url = temporaryRoot.appendingPathComponent(UUID().uuidString)
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url.path
  }

  static func write(_ text: String, to path: String) {
    try! Data(text.utf8).write(to: URL(fileURLWithPath: path))
  }

  /// The files in a directory (to check that nothing partial was left behind).
  static func files(in directory: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
  }
}
