// How `inspect` prints numbers and paragraphs, shared by the release and model summaries so that a
// model reads like its release.

import Foundation

/// Number formats and word wrapping of the terminal summaries.
enum SummaryText {
  /// A whole number as such (below 10⁹), anything else to 4 significant digits.
  static func number(_ x: Double) -> String {
    if x == x.rounded(), abs(x) < 1e9 { return String(Int64(x)) }
    return String(format: "%.4g", x)
  }

  /// Three significant digits, exponent when needed (δ).
  static func scientific(_ x: Double) -> String { String(format: "%.3g", x) }

  /// `text` wrapped at `width` columns, each line starting with `indent`.
  static func wrap(_ text: String, indent: String, width: Int = 96) -> String {
    var lines: [String] = []
    var current = indent
    for word in text.split(separator: " ") {
      if current.count + word.count + 1 > width, current != indent {
        lines.append(current)
        current = indent
      }
      current += (current == indent ? "" : " ") + word
    }
    if current != indent { lines.append(current) }
    return lines.joined(separator: "\n")
  }
}
