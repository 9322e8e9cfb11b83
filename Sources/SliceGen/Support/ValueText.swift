// Values from a user's files (CSV fields, column names) quoted in error messages: the raw text
// of a private table goes to the terminal and to logs, and one field can be huge (a 64 MiB field
// once produced 64 MiB of stderr). Every message that quotes such a value passes it through
// `ValueText.quoted`, which keeps at most `limit` characters.

/// How a value from a user's file is shown in a message.
public enum ValueText {
  /// The most characters of a value a message shows.
  public static let limit = 40

  /// `value` itself when it has at most `limit` characters; otherwise its first `limit`
  /// characters, an ellipsis and its length: `abc…` (70000 bytes in all)`.
  /// - Complexity: O(`limit`) for a long value (its UTF-8 length is known without a scan).
  public static func quoted(_ value: String) -> String {
    var end = value.startIndex
    var kept = 0
    while kept < limit, end < value.endIndex {
      end = value.index(after: end)
      kept += 1
    }
    guard end < value.endIndex else { return value }
    return String(value[..<end]) + "… (\(value.utf8.count) bytes in all)"
  }
}
