// Enums that files store as one of their texts (the neighbouring relation, the accountant, a
// release's method): decoding an unknown text fails with a message that names the texts the
// field may take, so a hand-edited header is refused by name rather than with a decoder dump.

/// An enum stored in a file as its raw text, and printed as it (in messages and statements).
public protocol StoredChoice: RawRepresentable, CaseIterable, Codable, CustomStringConvertible
where RawValue == String {}

extension StoredChoice {
  public var description: String { rawValue }

  /// The texts the field may take: "a", "b" or "c".
  public static var choices: String {
    let names = allCases.map { "\"\($0.rawValue)\"" }
    guard names.count > 1 else { return names.joined() }
    return names.dropLast().joined(separator: ", ") + " or " + names.last!
  }

  /// Decodes one of the texts; any other text throws a data-corrupted decoding error whose
  /// description reads `is "x", must be "a" or "b"` (ReleaseHeader.decodeChecked prefixes the
  /// field's path).
  public static func decodeChoice(from decoder: any Decoder) throws -> Self {
    let container = try decoder.singleValueContainer()
    let text = try container.decode(String.self)
    guard let value = Self(rawValue: text) else {
      throw DecodingError.dataCorruptedError(
        in: container, debugDescription: "is \"\(text)\", must be \(choices)")
    }
    return value
  }
}
