// Tests of JSONValue: every JSON kind decodes to its own case (booleans stay booleans, integers
// become numbers), text written with sorted keys reads back equal, and a Schema embedded in
// another Codable value through it round-trips.

import Foundation
import Testing

@testable import SliceGen

@Suite("JSON values")
struct JSONValueTests {
  @Test("each JSON kind decodes to its case; true is a Bool, 1 is a number")
  func kinds() throws {
    let text = #"{"a": [1, true, null, "x", {"b": 2.5}], "c": false, "d": -0.125, "e": {}}"#
    let value = try JSONValue(data: Data(text.utf8))
    let expected = JSONValue.object([
      "a": .array([.number(1), .bool(true), .null, .string("x"), .object(["b": .number(2.5)])]),
      "c": .bool(false),
      "d": .number(-0.125),
      "e": .object([:]),
    ])
    #expect(value == expected)
  }

  @Test("data() sorts keys, and what it writes reads back equal")
  func roundTrip() throws {
    let value = JSONValue.object([
      "zeta": .number(1e-300), "alpha": .array([.string("ä \" \\ \n"), .null]),
      "mid": .object(["y": .bool(true), "x": .number(-3)]),
    ])
    let data = try value.data()
    let text = String(decoding: data, as: UTF8.self)
    let alpha = text.range(of: "\"alpha\"")!, mid = text.range(of: "\"mid\"")!
    let zeta = text.range(of: "\"zeta\"")!, x = text.range(of: "\"x\"")!
    let y = text.range(of: "\"y\"")!
    #expect(alpha.lowerBound < mid.lowerBound && mid.lowerBound < zeta.lowerBound)
    #expect(x.lowerBound < y.lowerBound)
    #expect(try JSONValue(data: data) == value)
    // Independent reader: Foundation parses the same text to the same structure.
    let parsed = try JSONSerialization.jsonObject(with: data) as? [String: Any]
    #expect((parsed?["zeta"] as? Double) == 1e-300)
    #expect(((parsed?["alpha"] as? [Any])?.first as? String) == "ä \" \\ \n")
  }

  @Test("text that is not JSON is refused")
  func malformed() {
    // ("[1,]" is not in the list: Foundation's reader on Linux accepts a trailing comma.)
    for text in ["", "{", "[1 2]", "{'a': 1}", "tru", #"{"a" 1}"#] {
      #expect(throws: (any Error).self, "\(text)") { try JSONValue(data: Data(text.utf8)) }
    }
  }

  @Test("a Schema embedded in a Codable value through JSONValue round-trips")
  func embeddedSchema() throws {
    struct Holder: Codable, Equatable {
      var name: String
      var schema: Schema
    }
    let holder = Holder(name: "h", schema: try mixedSchema(weights: [1, 2, 0.5, 1]))
    let data = try JSONEncoder().encode(holder)
    #expect(try JSONDecoder().decode(Holder.self, from: data) == holder)
    // The schema sits in the outer JSON as an object, not as a string of JSON.
    let outer = try JSONSerialization.jsonObject(with: data) as? [String: Any]
    #expect(outer?["schema"] is [String: Any])
  }
}
