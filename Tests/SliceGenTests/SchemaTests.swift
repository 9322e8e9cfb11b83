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
    #expect(schema.target == "income")
  }

  @Test("target: kept through JSON, must name a kept column, optional (old schemas load)")
  func target() throws {
    let schema = try mixedSchema(weights: [1, 1, 1, 1])
    #expect(schema.target == nil)
    #expect(!String(decoding: schema.jsonData(), as: UTF8.self).contains("target"))
    let name = schema.columns[2].name
    let targeted = try schema.withTarget(name)
    #expect(targeted.target == name)
    #expect(try Schema(jsonData: targeted.jsonData()) == targeted)
    #expect(try targeted.withTarget(nil).target == nil)
    let error = #expect(throws: OptionError.self) { try schema.withTarget("nope") }
    #expect(error?.option == "target")
    #expect(error?.description.hasPrefix("--target \"nope\" is not a column of the schema") == true)
    var dropped = schema
    dropped.columns[1].drop = true
    let droppedError = #expect(throws: OptionError.self) {
      try dropped.withTarget(dropped.columns[1].name)
    }
    #expect(droppedError?.description.contains("is a dropped column") == true)
  }

  @Test("JSON round trip keeps every field")
  func roundTrip() throws {
    var schema = try mixedSchema(weights: [2, 1, 0.5, 1])
    schema.columns[2].domain = .categorical(categories: ["red", "green", "blue"], catchAll: "red")
    let again = try Schema(jsonData: schema.jsonData())
    #expect(again == schema)
  }

  @Test(
    "errors name the rule that is broken",
    arguments: [
      (#"{"columns": []}"#, "no columns"),
      (
        #"{"columns": [{"name": "a", "type": "numeric", "lower": 2, "upper": 1}]}"#, "must be below"
      ),
      (
        #"{"columns": [{"name": "a", "type": "numeric", "lower": 0}]}"#,
        "needs \"lower\" and \"upper\""
      ),
      (
        #"{"columns": [{"name": "a", "type": "categorical", "categories": ["x", "x"]}]}"#,
        "distinct"
      ),
      (#"{"columns": [{"name": "a", "type": "text"}]}"#, "\"type\" must be"),
      (
        #"{"columns": [{"name": "a", "type": "numeric", "lower": 0, "upper": 1, "wieght": 2}]}"#,
        "unknown key \"wieght\""
      ),
      (
        #"{"columns": [{"name": "a", "type": "numeric", "lower": 0, "upper": 1, "weight": -1}]}"#,
        "weight is -1.0"
      ),
      (
        #"{"columns": [{"name": "a", "type": "categorical", "categories": ["x"], "catchAll": "y"}]}"#,
        "catchAll"
      ),
      (#"{"columns": [{"name": "a", "drop": true}]}"#, "every column is dropped"),
      (
        #"{"columns": [{"name": "a", "type": "numeric", "lower": 0, "upper": 1}, {"name": "a", "type": "numeric", "lower": 0, "upper": 1}]}"#,
        "declared twice"
      ),
      (
        #"{"target": "b", "columns": [{"name": "a", "type": "numeric", "lower": 0, "upper": 1}]}"#,
        "target \"b\" is not a column"
      ),
      (
        #"{"target": "b", "columns": [{"name": "a", "type": "numeric", "lower": 0, "upper": 1}, {"name": "b", "drop": true}]}"#,
        "target \"b\" is a dropped column"
      ),
      (
        #"{"target": 3, "columns": [{"name": "a", "type": "numeric", "lower": 0, "upper": 1}]}"#,
        "\"target\" must be a column name"
      ),
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
