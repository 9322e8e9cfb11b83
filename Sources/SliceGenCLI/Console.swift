// Terminal output: results on stdout, messages and progress on stderr. Progress redraws one line
// on a terminal and prints plain lines (at most one every few seconds) otherwise.

import Foundation

#if canImport(Glibc)
  import Glibc
#endif

enum Console {
  nonisolated(unsafe) static var quiet = false  // set once, before any work starts

  static func error(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
  }

  /// A status message on stderr (suppressed by --quiet).
  static func info(_ text: String) {
    guard !quiet else { return }
    FileHandle.standardError.write(Data((text + "\n").utf8))
  }

  static let stderrIsTerminal = isatty(2) == 1
}

/// Reports progress of a long task.
final class ProgressLine {
  private let start = Date()
  private var lastPrint = Date.distantPast
  private var drewLine = false
  private let interval: TimeInterval

  init() {
    interval = Console.stderrIsTerminal ? 0.2 : 5
  }

  var elapsed: TimeInterval { Date().timeIntervalSince(start) }

  /// Shows `text` if enough time has passed since the last update.
  func update(_ text: @autoclosure () -> String) {
    guard !Console.quiet else { return }
    let now = Date()
    guard now.timeIntervalSince(lastPrint) >= interval else { return }
    lastPrint = now
    if Console.stderrIsTerminal {
      FileHandle.standardError.write(Data(("\r\u{1B}[2K" + text()).utf8))
      drewLine = true
    } else {
      Console.info(text())
    }
  }

  /// Ends the progress line (a newline on a terminal).
  func finish() {
    if drewLine {
      FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
      drewLine = false
    }
  }
}
