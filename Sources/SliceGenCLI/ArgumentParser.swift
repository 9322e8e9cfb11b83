// A small command-line parser: `--name value`, `--name=value`, flags, positionals, generated help.
// We write our own (no packages); it follows swift-argument-parser's contract: `slicegen help X`
// and `slicegen X --help` print the same text, usage errors exit 64 after `Error: …` and the usage
// line, failures exit 1.

import Foundation

/// One `--option` of a command.
struct OptionSpec {
  var name: String
  /// nil for a flag (no value).
  var valueName: String?
  var help: String
  /// Text shown as "(default: …)".
  var defaultText: String? = nil
  /// Options that may be given several times collect every value.
  var repeatable = false

  /// The one-letter spelling, e.g. `-o` for `--output`.
  var short: Character? { name == "output" ? "o" : nil }
}

/// A subcommand's interface.
struct CommandSpec {
  var name: String
  var abstract: String
  /// Positional arguments, in order: (name, help, required).
  var positionals: [(name: String, help: String, required: Bool)] = []
  var options: [OptionSpec] = []
  var discussion: String? = nil
  /// The last positional may be given any number of times (at least once when required).
  var repeatsLastPositional = false

  var usage: String {
    var parts = ["slicegen", name]
    for p in positionals { parts.append(p.required ? "<\(p.name)>" : "[<\(p.name)>]") }
    if repeatsLastPositional { parts[parts.count - 1] += " ..." }
    parts.append("[options]")
    return "Usage: " + parts.joined(separator: " ")
  }

  var help: String {
    var text = "OVERVIEW: \(abstract)\n\n\(usage)\n"
    if !positionals.isEmpty {
      text += "\nARGUMENTS:\n"
      for p in positionals { text += Self.row("<\(p.name)>", p.help) }
    }
    text += "\nOPTIONS:\n"
    for o in options + [OptionSpec(name: "help", valueName: nil, help: "Show this help.")] {
      var left = o.short.map { "-\($0), --\(o.name)" } ?? "--\(o.name)"
      if let value = o.valueName { left += " <\(value)>" }
      var help = o.help
      if let d = o.defaultText { help += " (default: \(d))" }
      text += Self.row(left, help)
    }
    if let discussion { text += "\n" + discussion + "\n" }
    return text
  }

  /// One help row: the left column padded to 28, the help wrapped at 100 columns.
  static func row(_ left: String, _ help: String) -> String {
    let indent = String(repeating: " ", count: 30)
    var lines: [String] = []
    var current = ""
    for word in help.split(separator: " ") {
      if current.count + word.count + 1 > 70, !current.isEmpty {
        lines.append(current)
        current = ""
      }
      current += current.isEmpty ? String(word) : " " + word
    }
    if !current.isEmpty { lines.append(current) }
    var text = "  " + left
    if left.count + 2 >= 30 {
      text += "\n" + indent
    } else {
      text += String(repeating: " ", count: 28 - left.count)
    }
    text += lines.joined(separator: "\n" + indent) + "\n"
    return text
  }
}

/// A mistake in how a command was called (exit 64).
struct UsageError: Error, CustomStringConvertible {
  var message: String
  var description: String { message }
}

/// The parsed arguments of one command.
struct Arguments {
  let spec: CommandSpec
  var positionals: [String] = []
  var values: [String: [String]] = [:]
  var flags: Set<String> = []
  var helpRequested = false

  init(spec: CommandSpec, arguments: [String]) throws {
    self.spec = spec
    var index = 0
    var onlyPositionals = false
    while index < arguments.count {
      var argument = arguments[index]
      index += 1
      if !onlyPositionals, argument.count == 2, argument.hasPrefix("-"),
        let option = spec.options.first(where: { $0.short == argument.last })
      {
        argument = "--" + option.name
      }
      if onlyPositionals || !argument.hasPrefix("--") || argument == "-" {
        if argument.hasPrefix("-"), argument.count > 1, !onlyPositionals,
          Double(argument) == nil
        {
          throw UsageError(message: "unknown option '\(argument)' (options start with --)")
        }
        positionals.append(argument)
        continue
      }
      if argument == "--" {
        onlyPositionals = true
        continue
      }
      var name = String(argument.dropFirst(2))
      var inlineValue: String? = nil
      if let equals = name.firstIndex(of: "=") {
        inlineValue = String(name[name.index(after: equals)...])
        name = String(name[..<equals])
      }
      if name == "help" {
        helpRequested = true
        continue
      }
      guard let option = spec.options.first(where: { $0.name == name }) else {
        throw UsageError(message: "unknown option '--\(name)'")
      }
      if option.valueName == nil {
        guard inlineValue == nil else {
          throw UsageError(message: "option '--\(name)' takes no value")
        }
        flags.insert(name)
        continue
      }
      let value: String
      if let inlineValue {
        value = inlineValue
      } else {
        guard index < arguments.count else {
          throw UsageError(message: "missing value for '--\(name) <\(option.valueName!)>'")
        }
        value = arguments[index]
        index += 1
      }
      if values[name] != nil, !option.repeatable {
        throw UsageError(message: "option '--\(name)' given more than once")
      }
      values[name, default: []].append(value)
    }
    if helpRequested { return }
    let required = spec.positionals.filter(\.required).count
    if positionals.count < required {
      let missing = spec.positionals[positionals.count]
      throw UsageError(message: "missing argument <\(missing.name)>")
    }
    if positionals.count > spec.positionals.count, !spec.repeatsLastPositional {
      throw UsageError(message: "unexpected argument '\(positionals[spec.positionals.count])'")
    }
  }

  func flag(_ name: String) -> Bool { flags.contains(name) }

  func string(_ name: String) -> String? { values[name]?.last }

  func strings(_ name: String) -> [String] { values[name] ?? [] }

  func positional(_ index: Int) -> String? {
    index < positionals.count ? positionals[index] : nil
  }

  func double(_ name: String) throws -> Double? {
    guard let text = string(name) else { return nil }
    guard let value = Double(text) else {
      throw UsageError(message: "--\(name) is '\(text)', must be a number")
    }
    return value
  }

  func int(_ name: String, range: ClosedRange<Int>? = nil) throws -> Int? {
    guard let text = string(name) else { return nil }
    guard let value = Int(text) else {
      throw UsageError(message: "--\(name) is '\(text)', must be a whole number")
    }
    if let range, !range.contains(value) {
      throw UsageError(
        message: "--\(name) is \(value), must be from \(range.lowerBound) to \(range.upperBound)")
    }
    return value
  }

  func choice(_ name: String, _ allowed: [String]) throws -> String? {
    guard let text = string(name) else { return nil }
    guard allowed.contains(text) else {
      throw UsageError(
        message: "--\(name) is '\(text)', must be one of \(allowed.joined(separator: ", "))")
    }
    return text
  }
}
