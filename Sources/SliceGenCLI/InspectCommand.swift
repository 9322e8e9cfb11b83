// `slicegen inspect`: a release's privacy statement in plain words and its numbers.

import Foundation
import SliceGen

enum InspectCommand: Command {
  /// The options, each declared once: the help shows them in `spec`'s order.
  enum Options {
    static let json = Flag("json", help: "Print the numbers as one JSON object.")
    static let schema = Flag("schema", help: "Also print the release's schema.")
  }

  static let spec = CommandSpec(
    name: "inspect",
    abstract: "Show a release's (or a model's) privacy statement and parameters.",
    positionals: [
      Positional(
        name: "file",
        help: "A release file written by 'slicegen release', or a model file written by "
          + "'slicegen fit' (its release's statement and warnings).", required: true)
    ],
    options: [Options.json, Options.schema])

  static func run(_ arguments: Arguments) throws {
    let path = arguments.positionals[0]
    if isModelFile(path) {
      let model = try Model(contentsOf: path)
      let summary = ModelSummary(header: model.header)
      print(arguments[Options.json] ? try summary.jsonText() : summary.text(path: path))
      if arguments[Options.schema] {
        print(String(decoding: model.header.schema.jsonData(), as: UTF8.self))
      }
      return
    }
    // Streaming: the header is read, every byte is hashed against the stored checksum, and at
    // most one chunk of rows is in memory (merged releases can be many gigabytes).
    let reader = try ReleaseFileReader(path: path)
    try reader.skipToEnd()
    let header = reader.header
    if arguments[Options.json] {
      print(try ReleaseSummary(header: header).jsonText())
      return
    }
    print(ReleaseSummary(header: header).text(path: path))
    if arguments[Options.schema] {
      print(String(decoding: header.schema.jsonData(), as: UTF8.self))
    }
  }

  /// Whether the file starts with a model file's magic.
  static func isModelFile(_ path: String) -> Bool {
    guard let handle = FileHandle(forReadingAtPath: path) else { return false }
    defer { try? handle.close() }
    return handle.readData(ofLength: 8) == Data("SLICEGNM".utf8)
  }
}
