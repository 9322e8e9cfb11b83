import Foundation
import Testing

@Suite("slicegen inspect")
struct InspectCommandTests {
  func makeRelease(_ directory: String) throws -> String {
    let csv = directory + "/t.csv"
    let schema = directory + "/t.json"
    CLI.write(
      "x,c\n" + (0..<30).map { "\($0),\($0 % 2 == 0 ? "a" : "b")" }.joined(separator: "\n"), to: csv
    )
    CLI.write(
      #"{"columns": [{"name": "x", "type": "numeric", "lower": 0, "upper": 30}, "#
        + #"{"name": "c", "type": "categorical", "categories": ["a", "b"]}]}"#, to: schema)
    let output = directory + "/t.slg"
    let result = try CLI.run([
      "release", csv, "--schema", schema, "--epsilon", "2", "--delta",
      "1e-3", "--slices", "5", "--output", output, "--quiet",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    return output
  }

  @Test("plain text states the guarantee, the relation and the analysis")
  func text() throws {
    let path = try makeRelease(CLI.temporaryDirectory())
    let result = try CLI.run(["inspect", path])
    #expect(result.status == 0)
    #expect(result.stdout.contains("replace-one"))
    #expect(result.stdout.contains("(ε, δ) = (2, 0.001)"))
    #expect(result.stdout.contains("exact privacy profile"))
  }

  @Test("a corrupted or truncated release is refused", arguments: ["flip", "truncate", "garbage"])
  func corrupted(kind: String) throws {
    let path = try makeRelease(CLI.temporaryDirectory())
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    switch kind {
    case "flip": bytes[bytes.count - 100] ^= 0x01
    case "truncate": bytes.removeLast(10)
    default: bytes = Array("hello world, not a release".utf8)
    }
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    let result = try CLI.run(["inspect", path])
    #expect(result.status == 1)
    let expected = [
      "flip": "checksum", "truncate": "truncated", "garbage": "not a slicegen release",
    ]
    #expect(result.stderr.contains(expected[kind]!), "\(result.stderr)")
  }
}
