import Foundation
import Testing

@testable import SliceGen

@Suite("Values outside the schema")
struct OutsideSchemaTests {
  static let age = SchemaColumn(name: "age", domain: .numeric(lower: 17, upper: 90, integer: true))
  static let income = SchemaColumn(
    name: "income", domain: .numeric(lower: 0, upper: 1e5, integer: false), nullable: true)
  static let colour = SchemaColumn(
    name: "colour",
    domain: .categorical(
      categories: ["red", "blue", "(other)"],
      catchAll: "(other)"))
  static let city = SchemaColumn(
    name: "city", domain: .categorical(categories: ["A", "B"], catchAll: nil), nullable: true)

  @Test("numeric fields: bounds, whole numbers, non-numbers, missing tokens, spaces")
  func numericRule() {
    let age = OutsideSchemaRule(column: Self.age, missingTokens: [""])
    #expect(age.numeric("17") == (17, nil))
    #expect(age.numeric("90") == (90, nil))
    #expect(age.numeric(" 39 ") == (39, nil))
    #expect(age.numeric("16") == (16, .belowLower))
    #expect(age.numeric("91") == (91, .aboveUpper))
    #expect(age.numeric("39.5") == (39.5, .notWhole))
    #expect(age.numeric("39.0") == (39, nil))
    let abc = age.numeric("abc"), inf = age.numeric("inf"), empty = age.numeric("")
    #expect(abc.value.isNaN && abc.reason == .notANumber)
    #expect(inf.value.isNaN && inf.reason == .notANumber)
    #expect(empty.value.isNaN && empty.reason == .missingButNotNullable)
    let income = OutsideSchemaRule(column: Self.income, missingTokens: [""])
    let missing = income.numeric("")
    #expect(missing.value.isNaN && missing.reason == nil)
    #expect(income.numeric("0.25") == (0.25, nil))
  }

  @Test("a non-number is outside even when release would read it (nonNumeric policy)")
  func nonNumericPolicy() {
    var column = Self.income
    column.nonNumeric = .missing
    let x = OutsideSchemaRule(column: column, missingTokens: [""]).numeric("n/a")
    #expect(x.value.isNaN && x.reason == .notANumber)
  }

  @Test("categorical fields: declared categories only; a catch-all does not admit others")
  func categoricalRule() {
    let colour = OutsideSchemaRule(column: Self.colour, missingTokens: [""])
    #expect(colour.categorical("red") == ("red", nil))
    #expect(colour.categorical("(other)") == ("(other)", nil))
    #expect(colour.categorical("green") == ("green", .notACategory))
    #expect(colour.categorical("") == ("", .missingButNotNullable))
    let city = OutsideSchemaRule(column: Self.city, missingTokens: ["", "NA"])
    #expect(city.categorical("NA") == (nil, nil))
    #expect(city.categorical("C") == ("C", .notACategory))
  }

  @Test("a table counts per column, keeps values as written, and names the first line")
  func table() throws {
    let schema = try Schema(columns: [Self.age, Self.income, Self.colour, Self.city])
    let path = TestPaths.write(
      """
      age,income,colour,city
      39,10,red,A
      95,,blue,B
      99,x,green,
      16,5,red,C
      40.5,1e6,purple,A

      """)
    let table = try EvaluationTable(path: path, schema: schema)
    #expect(table.rows == 5)
    guard case .numeric(let age) = table.columns[0], case .numeric(let income) = table.columns[1],
      case .categorical(let colour) = table.columns[2]
    else {
      Issue.record("column kinds")
      return
    }
    // Scored as written: no clamping, no mapping to the catch-all.
    #expect(age == [39, 95, 99, 16, 40.5])
    #expect(income[4] == 1e6 && income[2].isNaN && income[1].isNaN)
    #expect(colour == ["red", "blue", "green", "red", "purple"])
    #expect(table.outsideSchema.map(\.column) == ["age", "income", "colour", "city"])
    let a = table.outsideSchema[0]
    #expect(a.count == 4 && a.aboveUpper == 2 && a.belowLower == 1 && a.notWhole == 1)
    #expect(a.largest == 99 && a.smallest == 16)
    #expect(a.firstLine == 3 && a.firstValue == "95")
    #expect(
      a.description == "age 4 (below the lower bound 17: 1, smallest 16; above the upper "
        + "bound 90: 2, largest 99; not a whole number in an integer column: 1; first at line 3: "
        + "\"95\")")
    let i = table.outsideSchema[1]
    #expect(i.count == 2 && i.notANumber == 1 && i.aboveUpper == 1 && i.firstLine == 4)
    let c = table.outsideSchema[2]
    #expect(c.count == 2 && c.notACategory == 2 && c.firstValue == "green")
    let d = table.outsideSchema[3]
    #expect(d.count == 1 && d.notACategory == 1 && d.firstLine == 5)
  }

  @Test("a table inside its schema has nothing to report; the Adult sample is inside")
  func inside() throws {
    let schema = try Schema(contentsOf: TestPaths.adultSchema)
    #expect(try EvaluationTable(path: TestPaths.adultTrain, schema: schema).outsideSchema.isEmpty)
  }

  @Test("the report carries the synthetic table's counts; the strict error names them")
  func report() throws {
    let schema = try Schema(columns: [Self.age, Self.colour])
    let real = try EvaluationTable(
      path: TestPaths.write("age,colour\n30,red\n40,blue\n50,red\n"), schema: schema)
    let synthetic = try EvaluationTable(
      path: TestPaths.write("age,colour\n30,red\n120,blue\n50,grey\n"), schema: schema)
    let report = try Evaluator.evaluate(
      real: real, synthetic: synthetic, train: real, target: nil)
    #expect(report.outsideSchema == synthetic.outsideSchema)
    #expect(report.outsideSchema.map(\.count) == [1, 1])
    let error = OutsideSchemaError(path: "s.csv", columns: report.outsideSchema)
    #expect(
      error.description == "s.csv: 2 values outside the schema (--strict): age 1 (above the "
        + "upper bound 90: 1, largest 120; first at line 3: \"120\"), colour 1 (not a declared "
        + "category: 1; first at line 4: \"grey\")")
    let json = try JSONSerialization.jsonObject(with: report.json()) as? [String: Any]
    let columns = json?["outsideSchema"] as? [[String: Any]]
    #expect(columns?.map { $0["column"] as? String } == ["age", "colour"])
    #expect(columns?.first?["aboveUpper"] as? Int == 1)
  }
}
