import Foundation
import Testing
@testable import SliceGen

@Suite("Schema")
struct SchemaTests {
  @Test("the bundled Adult schema reads, keeps 13 columns and is not data-derived")
  func adultSchema() throws {
    let schema = try Schema(contentsOf: TestPaths.adultSchema)
    #expect(schema.columns.count == 15)
    #expect(schema.keptColumns.count == 13)
    #expect(!schema.dataDerived)
    #expect(Encoding(schema: schema).width == 108)
  }

  @Test("JSON round trip keeps every field")
  func roundTrip() throws {
    var schema = try mixedSchema(weights: [2, 1, 0.5, 1])
    schema.columns[2].domain = .categorical(categories: ["red", "green", "blue"], catchAll: "red")
    let again = try Schema(jsonData: schema.jsonData())
    #expect(again == schema)
  }

  @Test("errors name the rule that is broken", arguments: [
    (#"{"columns": []}"#, "no columns"),
    (#"{"columns": [{"name": "a", "type": "numeric", "lower": 2, "upper": 1}]}"#, "must be below"),
    (#"{"columns": [{"name": "a", "type": "numeric", "lower": 0}]}"#, "needs \"lower\" and \"upper\""),
    (#"{"columns": [{"name": "a", "type": "categorical", "categories": ["x", "x"]}]}"#, "distinct"),
    (#"{"columns": [{"name": "a", "type": "text"}]}"#, "\"type\" must be"),
    (#"{"columns": [{"name": "a", "type": "numeric", "lower": 0, "upper": 1, "wieght": 2}]}"#,
     "unknown key \"wieght\""),
    (#"{"columns": [{"name": "a", "type": "numeric", "lower": 0, "upper": 1, "weight": -1}]}"#,
     "weight is -1.0"),
    (#"{"columns": [{"name": "a", "type": "categorical", "categories": ["x"], "catchAll": "y"}]}"#,
     "catchAll"),
    (#"{"columns": [{"name": "a", "drop": true}]}"#, "every column is dropped"),
    (#"{"columns": [{"name": "a", "type": "numeric", "lower": 0, "upper": 1}, {"name": "a", "type": "numeric", "lower": 0, "upper": 1}]}"#,
     "declared twice"),
    ("[1, 2]", "top level"),
    ("{not json", "not valid JSON"),
  ])
  func invalid(json: String, expected: String) throws {
    do {
      _ = try Schema(jsonData: Data(json.utf8))
      Issue.record("accepted an invalid schema: \(json)")
    } catch let error as SchemaError {
      #expect(error.description.contains(expected), "\(error.description)")
    }
  }

  @Test("a drafted schema is marked data-derived and covers the observed values")
  func draft() throws {
    var drafter = SchemaDrafter(header: ["n", "c", "m"])
    drafter.observe(["3", "x", "1.5"])
    drafter.observe(["7", "y", ""])
    drafter.observe(["5", "x", "2"])
    let schema = try drafter.schema()
    #expect(schema.dataDerived)
    #expect(schema.columns[0].domain == .numeric(lower: 3, upper: 7, integer: true))
    #expect(schema.columns[1].domain == .categorical(categories: ["x", "y"], catchAll: nil))
    #expect(schema.columns[2].nullable)
    #expect(schema.columns[2].domain == .numeric(lower: 1.5, upper: 2, integer: false))
  }
}
