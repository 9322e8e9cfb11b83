// Helpers shared by the SliceGen tests: temporary paths, the shared data folder, small schemas.

import Foundation
@testable import SliceGen

enum TestPaths {
  /// The repository root (…/Tests/SliceGenTests/TestSupport.swift → three levels up).
  static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()
  static let adultSchema = repository.appendingPathComponent("samples/adult/schema.json").path
  static let adultTrain = repository.appendingPathComponent("samples/adult/train.csv").path

  /// A fresh path in a fresh temporary directory.
  static func temporary(_ name: String) -> String {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("slicegen-tests-\(UUID().uuidString)")
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
      SchemaColumn(name: "age", domain: .numeric(lower: 17, upper: 90, integer: true),
                   weight: weights[0]),
      SchemaColumn(name: "income", domain: .numeric(lower: 0, upper: 1e5, integer: false),
                   nullable: true, weight: weights[1]),
      SchemaColumn(name: "colour", domain: .categorical(categories: ["red", "green", "blue"],
                   catchAll: nil), weight: weights[2]),
      SchemaColumn(name: "city", domain: .categorical(categories: ["A", "B"], catchAll: nil),
                   nullable: true, weight: weights[3]),
      SchemaColumn(name: "id", domain: .numeric(lower: 0, upper: 1, integer: false), drop: true),
    ], missingTokens: ["", "NA"])
}
