// Reading and writing the schema JSON format documented in Docs/schema.md. Parsing is manual
// (JSONSerialization, then checked key by key) so that a typo in a key is an error that names
// the key, not a silently ignored field.

import Foundation

extension Schema {
  /// The `format` value every schema file carries.
  public static let formatName = "slicegen-schema"

  /// Reads a schema file.
  public init(contentsOf path: String) throws {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw SchemaError.unreadable(path: path, reason: "cannot read the schema file")
    }
    do {
      try self.init(jsonData: data)
    } catch let error as SchemaError {
      if case .invalid(let message) = error {
        throw SchemaError.unreadable(path: path, reason: message)
      }
      throw error
    }
  }

  /// Parses schema JSON.
  public init(jsonData: Data) throws {
    let object: Any
    do {
      object = try JSONSerialization.jsonObject(with: jsonData)
    } catch {
      throw SchemaError.invalid("not valid JSON (\(error.localizedDescription))")
    }
    guard let root = object as? [String: Any] else {
      throw SchemaError.invalid("the top level must be a JSON object")
    }
    let known: Set = [
      "format", "version", "dataDerived", "missingValues", "source", "columns",
      "note", "discovery", "target",
    ]
    if let bad = root.keys.sorted().first(where: { !known.contains($0) }) {
      throw SchemaError.invalid("unknown key \"\(ValueText.quoted(bad))\" at the top level")
    }
    if let format = root["format"] {
      guard format as? String == Schema.formatName else {
        throw SchemaError.invalid("\"format\" must be \"\(Schema.formatName)\"")
      }
    }
    if let version = root["version"] {
      guard (version as? NSNumber)?.intValue == 1 else {
        throw SchemaError.invalid("unsupported schema version \(version); this slicegen reads 1")
      }
    }
    let dataDerived = try Self.bool(root["dataDerived"], key: "dataDerived", default: false)
    var missing = [""]
    if let tokens = root["missingValues"] {
      guard let list = tokens as? [String] else {
        throw SchemaError.invalid("\"missingValues\" must be a list of strings")
      }
      missing = list
    }
    guard let columnList = root["columns"] as? [Any] else {
      throw SchemaError.invalid("\"columns\" must be a list of column objects")
    }
    var columns: [SchemaColumn] = []
    for (index, entry) in columnList.enumerated() {
      guard let dict = entry as? [String: Any] else {
        throw SchemaError.invalid("column \(index + 1) is not a JSON object")
      }
      columns.append(try Self.column(dict, index: index))
    }
    var discovery: SchemaDiscoveryRecord? = nil
    if let entry = root["discovery"] {
      guard let dict = entry as? [String: Any],
        let epsilon = Self.number(dict["epsilon"]), let delta = Self.number(dict["delta"]),
        let rows = Self.number(dict["rows"]).flatMap({ Int(exactly: $0) }), rows >= 0,
        let neighbors = (dict["neighbors"] as? String).flatMap(NeighbouringRelation.init(rawValue:))
      else {
        throw SchemaError.invalid(
          "\"discovery\" must be an object with \"epsilon\", \"delta\", \"neighbors\" ("
            + "\(NeighbouringRelation.choices)) and \"rows\" (a whole number ≥ 0)")
      }
      discovery = SchemaDiscoveryRecord(
        epsilon: epsilon, delta: delta, neighbors: neighbors, rows: rows)
    }
    var target: String? = nil
    if let entry = root["target"] {
      guard let name = entry as? String else {
        throw SchemaError.invalid("\"target\" must be a column name (a string)")
      }
      target = name
    }
    try self.init(
      columns: columns, missingTokens: missing, dataDerived: dataDerived,
      source: root["source"] as? String, discovery: discovery, target: target)
  }

  private static func column(_ dict: [String: Any], index: Int) throws -> SchemaColumn {
    guard let fullName = dict["name"] as? String else {
      throw SchemaError.invalid("column \(index + 1) has no \"name\" string")
    }
    // Messages show at most ValueText.limit characters of it.
    let name = ValueText.quoted(fullName)
    let known: Set = [
      "name", "type", "lower", "upper", "integer", "nullable", "categories",
      "catchAll", "weight", "drop", "note", "nonNumeric",
    ]
    if let bad = dict.keys.sorted().first(where: { !known.contains($0) }) {
      throw SchemaError.invalid("column \"\(name)\": unknown key \"\(ValueText.quoted(bad))\"")
    }
    let drop = try bool(dict["drop"], key: "\(name).drop", default: false)
    let nullable = try bool(dict["nullable"], key: "\(name).nullable", default: false)
    var weight = 1.0
    if let w = dict["weight"] {
      guard let number = w as? NSNumber, !isJSONBool(number) else {
        throw SchemaError.invalid("column \"\(name)\": \"weight\" must be a number")
      }
      weight = number.doubleValue
    }
    var nonNumeric = NonNumericPolicy.error
    if let policy = dict["nonNumeric"] {
      guard let text = policy as? String, let value = NonNumericPolicy(rawValue: text) else {
        throw SchemaError.invalid(
          "column \"\(name)\": \"nonNumeric\" must be \"error\", \"missing\" or \"lower\"")
      }
      nonNumeric = value
    }
    let type = dict["type"] as? String
    let domain: ColumnDomain
    switch type {
    case "numeric":
      guard let lower = number(dict["lower"]), let upper = number(dict["upper"]) else {
        throw SchemaError.invalid(
          "column \"\(name)\": a numeric column needs \"lower\" and \"upper\"")
      }
      let integer = try bool(dict["integer"], key: "\(name).integer", default: false)
      domain = .numeric(lower: lower, upper: upper, integer: integer)
    case "categorical":
      guard nonNumeric == .error else {
        throw SchemaError.invalid("column \"\(name)\": \"nonNumeric\" is for numeric columns")
      }
      guard let categories = dict["categories"] as? [String] else {
        throw SchemaError.invalid(
          "column \"\(name)\": a categorical column needs \"categories\" (a list of strings)")
      }
      domain = .categorical(categories: categories, catchAll: dict["catchAll"] as? String)
    case nil where drop:
      // A dropped column only needs its name.
      domain = .categorical(categories: ["(dropped)"], catchAll: nil)
    default:
      throw SchemaError.invalid(
        "column \"\(name)\": \"type\" must be \"numeric\" or \"categorical\"")
    }
    var note: String? = nil
    if let text = dict["note"] {
      guard let string = text as? String else {
        throw SchemaError.invalid("column \"\(name)\": \"note\" must be a string")
      }
      note = string
    }
    return SchemaColumn(
      name: fullName, domain: domain, nullable: nullable, weight: weight, drop: drop,
      nonNumeric: nonNumeric, note: note)
  }

  private static func number(_ value: Any?) -> Double? {
    guard let number = value as? NSNumber, !isJSONBool(number) else { return nil }
    return number.doubleValue
  }

  /// JSONSerialization hands back `true`/`false` as NSNumber too; its ObjC type is "c".
  static func isJSONBool(_ number: NSNumber) -> Bool {
    String(cString: number.objCType) == "c"
  }

  private static func bool(_ value: Any?, key: String, default fallback: Bool) throws -> Bool {
    guard let value else { return fallback }
    guard let number = value as? NSNumber, isJSONBool(number) else {
      throw SchemaError.invalid("\"\(key)\" must be true or false")
    }
    return number.boolValue
  }

  /// The schema as pretty-printed JSON, keys in a stable order.
  public func jsonData() -> Data {
    var text = "{\n  \"format\": \"\(Schema.formatName)\",\n  \"version\": 1,\n"
    text += "  \"dataDerived\": \(dataDerived),\n"
    if let source { text += "  \"source\": \(Self.quote(source)),\n" }
    text += "  \"missingValues\": [\(missingTokens.map(Self.quote).joined(separator: ", "))],\n"
    if let target { text += "  \"target\": \(Self.quote(target)),\n" }
    if let d = discovery {
      text +=
        "  \"discovery\": {\"epsilon\": \(d.epsilon), \"delta\": \(d.delta), "
        + "\"neighbors\": \(Self.quote(d.neighbors.rawValue)), \"rows\": \(d.rows)},\n"
    }
    text += "  \"columns\": [\n"
    text += columns.map(Self.columnJSON).joined(separator: ",\n")
    text += "\n  ]\n}\n"
    return Data(text.utf8)
  }

  private static func columnJSON(_ column: SchemaColumn) -> String {
    var fields = ["\"name\": \(quote(column.name))"]
    switch column.domain {
    case .numeric(let lower, let upper, let integer):
      fields.append("\"type\": \"numeric\"")
      fields.append("\"lower\": \(format(lower))")
      fields.append("\"upper\": \(format(upper))")
      fields.append("\"integer\": \(integer)")
      if column.nonNumeric != .error {
        fields.append("\"nonNumeric\": \"\(column.nonNumeric.rawValue)\"")
      }
    case .categorical(let categories, let catchAll):
      fields.append("\"type\": \"categorical\"")
      fields.append("\"categories\": [\(categories.map(quote).joined(separator: ", "))]")
      if let catchAll { fields.append("\"catchAll\": \(quote(catchAll))") }
    }
    fields.append("\"nullable\": \(column.nullable)")
    if column.weight != 1 { fields.append("\"weight\": \(format(column.weight))") }
    if column.drop { fields.append("\"drop\": true") }
    if let note = column.note { fields.append("\"note\": \(quote(note))") }
    return "    {" + fields.joined(separator: ", ") + "}"
  }

  static func format(_ value: Double) -> String {
    if value.rounded() == value, abs(value) < 1e15 { return String(Int64(value)) }
    return "\(value)"
  }

  static func quote(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default:
        if scalar.value < 0x20 {
          out += String(format: "\\u%04x", scalar.value)
        } else {
          out.unicodeScalars.append(scalar)
        }
      }
    }
    return out + "\""
  }
}
