// Helpers shared by the SliceGen tests: temporary paths, the shared data folder, small schemas.

import Foundation

@testable import SliceGen

enum TestPaths {
  /// The repository root (…/Tests/SliceGenTests/TestSupport.swift → three levels up).
  static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
  static let adultSchema = repository.appendingPathComponent("samples/adult/schema.json").path
  static let adultTrain = repository.appendingPathComponent("samples/adult/train.csv").path

  /// A release of the Adult sample with `marginals` (ε = 8, 5 slices, fixed U and reproducible
  /// test noise), written under the temporary root.
  static func adultRelease(marginals: MarginalSelection) throws -> Release {
    var options = ReleaseOptions(epsilon: 8)
    options.delta = 1e-6
    options.slices = 5
    options.marginals = marginals
    options.projectionSeed = 2
    options.insecureTestNoiseSeed = 3
    let path = temporary("adult-\(marginals.text).slg")
    _ = try Releaser.release(
      csvPath: adultTrain, schema: try Schema(contentsOf: adultSchema), options: options,
      outputPath: path)
    return try Release(contentsOf: path)
  }

  /// This test process's temporary root, removed when the process exits (every temporary
  /// directory of the tests lives under it, so a run leaves nothing in the system's temp).
  static let temporaryRoot: URL = {
    let root = temporaryRootPath()
    try? FileManager.default.removeItem(at: root)
    try! FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    atexit { try? FileManager.default.removeItem(at: TestPaths.temporaryRootPath()) }
    return root
  }()

  static func temporaryRootPath() -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("slicegen-tests-\(getpid())")
  }

  /// A fresh path in a fresh temporary directory.
  static func temporary(_ name: String) -> String {
    let directory = temporaryRoot.appendingPathComponent(UUID().uuidString)
    try! FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory.appendingPathComponent(name).path
  }

  static func write(_ text: String, _ name: String = "data.csv") -> String {
    let path = temporary(name)
    try! Data(text.utf8).write(to: URL(fileURLWithPath: path))
    return path
  }
}

/// A small mixed schema used across tests.
func mixedSchema(weights: [Double] = [1, 1, 1, 1]) throws -> Schema {
  try Schema(
    columns: [
      SchemaColumn(
        name: "age", domain: .numeric(lower: 17, upper: 90, integer: true),
        weight: weights[0]),
      SchemaColumn(
        name: "income", domain: .numeric(lower: 0, upper: 1e5, integer: false),
        nullable: true, weight: weights[1]),
      SchemaColumn(
        name: "colour",
        domain: .categorical(
          categories: ["red", "green", "blue"],
          catchAll: nil), weight: weights[2]),
      SchemaColumn(
        name: "city", domain: .categorical(categories: ["A", "B"], catchAll: nil),
        nullable: true, weight: weights[3]),
      SchemaColumn(name: "id", domain: .numeric(lower: 0, upper: 1, integer: false), drop: true),
    ], missingTokens: ["", "NA"])
}

/// A copy of the release at `path` with its JSON header edited as anyone can edit it, without a
/// slicegen writer: the header is parsed, changed by `edit`, written back in the same number of
/// bytes (padded with spaces, so U and O keep their offsets), and the SHA-256 that ends the file
/// is recomputed (Docs/release-format.md). The file is checksummed, not authenticated, so the copy
/// loads like the original.
func rewritingHeader(
  of path: String, _ edit: (inout [String: Any]) throws -> Void
) throws -> String {
  var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
  let length = bytes[8..<16].reversed().reduce(0) { $0 << 8 | Int($1) }
  let json = Data(bytes[16..<(16 + length)])
  guard var header = try JSONSerialization.jsonObject(with: json) as? [String: Any] else {
    throw CocoaError(.coderReadCorrupt)
  }
  try edit(&header)
  var edited = [UInt8](try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
  guard edited.count <= length else { throw CocoaError(.coderInvalidValue) }
  edited += [UInt8](repeating: 0x20, count: length - edited.count)
  bytes.replaceSubrange(16..<(16 + length), with: edited)
  bytes.removeLast(32)
  var hasher = SHA256()
  hasher.update(bytes)
  bytes += hasher.finalize()
  let output = TestPaths.temporary("edited.slg")
  try Data(bytes).write(to: URL(fileURLWithPath: output))
  return output
}

extension Dictionary where Key == String, Value == Any {
  /// Sets the value at a dotted path of nested JSON objects ("privacy.accountant").
  mutating func set(_ path: String, _ value: Any) {
    let keys = path.split(separator: ".", maxSplits: 1).map(String.init)
    if keys.count == 1 {
      self[keys[0]] = value
    } else {
      var inner = self[keys[0]] as? [String: Any] ?? [:]
      inner.set(keys[1], value)
      self[keys[0]] = inner
    }
  }
}

/// Central finite differences (f(w + h·eⱼ) − f(w − h·eⱼ)) / 2h of `f` at `w`, one per coordinate.
func centralDifferences(_ w: [Double], h: Double = 1e-6, _ f: ([Double]) -> Double) -> [Double] {
  w.indices.map { j in
    var plus = w, minus = w
    plus[j] += h
    minus[j] -= h
    return (f(plus) - f(minus)) / (2 * h)
  }
}
