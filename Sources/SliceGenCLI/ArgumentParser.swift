// The command line's parser, small and our own (no packages), on swift-argument-parser's
// contract. Each command declares its options once, as typed values (`Option<Value>`, `Flag`),
// and reads them back through those declarations (`arguments[Options.epsilon]`): a misspelt
// option does not compile, and the help text is generated from the same declarations.
//
// Syntax: `--name value`, `--name=value`, `-o value` (where a one-letter spelling is declared),
// flags, positionals, and `--`, after which every argument is a positional. `-h` or `--help`
// before `--` asks for the help, whatever else is given. A value given as the next argument may
// not look like an option (`--epsilon`, `-h`): `--schema --epsilon 1` is a missing value, not a
// schema named `--epsilon`. A negative number (`-1`, `-1e-5`) is a value; any value, one that
// starts with a dash included, can be written `--name=value`.
//
// The parser checks syntax and types only (a number, a whole number, one of the choices). The
// values' rules live in the library (`ReleaseOptions.validate()`, `FitOptions.validate()`, …,
// which throw `OptionError`); main.swift turns a `UsageError` or an `OptionError` into exit 64.

import Foundation
import SliceGen

/// A mistake in how a command was called (exit 64).
struct UsageError: Error, Equatable, CustomStringConvertible {
  var message: String
  var description: String { message }
}

/// What the help text and the parser know of an option, whatever its value's type.
struct OptionInfo: Sendable {
  /// The long name, without dashes: `--output` is `output`.
  var name: String
  /// The one-letter spelling: `o` for `-o`.
  var short: Character?
  /// The value's placeholder in the help (`path`, `ε`); nil for a flag.
  var valueName: String?
  var help: String
  /// Shown after the help as "(default: …)".
  var defaultText: String?

  /// How the help and the messages write the option: `-o, --output <path>`.
  var spelling: String {
    var text = short.map { "-\($0), --\(name)" } ?? "--\(name)"
    if let valueName { text += " <\(valueName)>" }
    return text
  }
}

/// An option a command declares: what the help shows, and how a given text becomes a value.
protocol OptionDeclaration: Sendable {
  var info: OptionInfo { get }
  /// The value `text` stands for (type-erased); a usage error naming the option, the text and
  /// the rule when it stands for none. A flag's text is empty.
  func value(of text: String) throws(UsageError) -> any Sendable
}

/// An option that takes a value of type `Value`.
struct Option<Value: Sendable>: OptionDeclaration {
  let info: OptionInfo
  /// The value a text stands for, or the usage error that names the option, text and rule.
  let parse: @Sendable (String) throws(UsageError) -> Value

  init(
    _ name: String, short: Character? = nil, value valueName: String, help: String,
    defaultText: String? = nil, parse: @escaping @Sendable (String) throws(UsageError) -> Value
  ) {
    info = OptionInfo(
      name: name, short: short, valueName: valueName, help: help, defaultText: defaultText)
    self.parse = parse
  }

  /// An option whose text `read` turns into a value; nil is refused as
  /// `--name is 'text', rule`.
  init(
    _ name: String, short: Character? = nil, value valueName: String, help: String,
    defaultText: String? = nil, rule: String, read: @escaping @Sendable (String) -> Value?
  ) {
    self.init(
      name, short: short, value: valueName, help: help, defaultText: defaultText
    ) { text throws(UsageError) in
      guard let value = read(text) else {
        throw UsageError(message: "--\(name) is '\(ValueText.quoted(text))', \(rule)")
      }
      return value
    }
  }

  func value(of text: String) throws(UsageError) -> any Sendable { try parse(text) }
}

extension Option where Value == String {
  /// An option whose value is its text (a path, a column name).
  init(
    _ name: String, short: Character? = nil, value valueName: String, help: String,
    defaultText: String? = nil
  ) {
    self.init(
      name, short: short, value: valueName, help: help, defaultText: defaultText,
      parse: { text throws(UsageError) in text })
  }

  /// `-o, --output <path>`: where a command writes.
  static func output(value valueName: String = "path", help: String, defaultText: String) -> Self {
    Self("output", short: "o", value: valueName, help: help, defaultText: defaultText)
  }
}

extension Option where Value == Double {
  /// A number (`1`, `1e-5`, `-0.5`, `nan`, `inf`: the library's rules refuse what they must).
  static func number(
    _ name: String, value valueName: String, help: String, defaultText: String? = nil
  ) -> Self {
    Self(name, value: valueName, help: help, defaultText: defaultText, rule: "must be a number") {
      Double($0)
    }
  }

  /// A number whose rule the parser checks itself (for commands without a library options
  /// type): the value, or nil when `isValid` refuses it with `--name is value, rule`.
  static func number(
    _ name: String, value valueName: String, help: String, defaultText: String? = nil,
    rule: String, isValid: @escaping @Sendable (Double) -> Bool
  ) -> Self {
    Self(name, value: valueName, help: help, defaultText: defaultText) { text throws(UsageError) in
      guard let number = Double(text) else {
        throw UsageError(message: "--\(name) is '\(ValueText.quoted(text))', must be a number")
      }
      guard isValid(number) else { throw UsageError(message: "--\(name) is \(number), \(rule)") }
      return number
    }
  }
}

extension Option where Value == Int {
  /// A whole number. `range` is what the library accepts (its `validate()` checks it); the
  /// parser only names it when the text is not a whole number at all.
  static func wholeNumber(
    _ name: String, value valueName: String, help: String, defaultText: String? = nil,
    range: ClosedRange<Int>? = nil
  ) -> Self {
    let among = range.map { " from \($0.lowerBound) to \($0.upperBound)" } ?? ""
    return Self(
      name, value: valueName, help: help, defaultText: defaultText,
      rule: "must be a whole number" + among
    ) { Int($0) }
  }
}

extension Option where Value == UInt64 {
  /// A seed: a whole number from 0 to 2^64 − 1.
  static func seed(
    _ name: String, value valueName: String = "S", help: String, defaultText: String? = nil
  ) -> Self {
    Self(
      name, value: valueName, help: help, defaultText: defaultText,
      rule: "must be a whole number from 0 to \(UInt64.max)"
    ) { UInt64($0) }
  }
}

extension Option where Value: CaseIterable & RawRepresentable, Value.RawValue == String {
  /// One of the cases, by raw value; the placeholder lists them all (`profile|theorem1`).
  static func choice(_ name: String, help: String, defaultText: String? = nil) -> Self {
    let names = Value.allCases.map(\.rawValue)
    return Self(
      name, value: names.joined(separator: "|"), help: help, defaultText: defaultText,
      rule: "must be one of \(names.joined(separator: ", "))"
    ) { Value(rawValue: $0) }
  }
}

/// An option without a value: given or not.
struct Flag: OptionDeclaration {
  let info: OptionInfo

  init(_ name: String, help: String) {
    info = OptionInfo(name: name, short: nil, valueName: nil, help: help, defaultText: nil)
  }

  func value(of text: String) throws(UsageError) -> any Sendable { true }

  /// `--quiet`, as every command that prints progress declares it.
  static let quiet = Flag("quiet", help: "Print nothing but errors.")
}

/// A positional argument of a command.
struct Positional: Sendable {
  var name: String
  var help: String
  var required: Bool
}

/// A subcommand's interface: its arguments, options and help.
struct CommandSpec: Sendable {
  var name: String
  var abstract: String
  /// In order.
  var positionals: [Positional] = []
  var options: [any OptionDeclaration] = []
  var discussion: String? = nil
  /// The last positional may be given any number of times (at least once when required).
  var repeatsLastPositional = false

  init(
    name: String, abstract: String, positionals: [Positional] = [],
    options: [any OptionDeclaration] = [], discussion: String? = nil,
    repeatsLastPositional: Bool = false
  ) {
    let names = options.map(\.info.name)
    precondition(Set(names).count == names.count, "\(name): an option is declared twice")
    precondition(!names.contains("help"), "\(name): --help is every command's")
    let shorts = options.compactMap(\.info.short)
    precondition(
      Set(shorts).count == shorts.count && !shorts.contains("h"),
      "\(name): a one-letter spelling is declared twice, or is -h")
    self.name = name
    self.abstract = abstract
    self.positionals = positionals
    self.options = options
    self.discussion = discussion
    self.repeatsLastPositional = repeatsLastPositional
  }

  var usage: String {
    var parts = ["slicegen", name]
    for p in positionals { parts.append(p.required ? "<\(p.name)>" : "[<\(p.name)>]") }
    if repeatsLastPositional { parts[parts.count - 1] += " ..." }
    parts.append("[options]")
    return "Usage: " + parts.joined(separator: " ")
  }

  /// The line after a usage error's message and usage.
  var seeHelp: String { "See 'slicegen \(name) --help'." }

  /// The help row of `-h, --help`, which every command has.
  static let helpInfo = OptionInfo(
    name: "help", short: "h", valueName: nil, help: "Show this help.", defaultText: nil)

  var help: String {
    var text = "OVERVIEW: \(abstract)\n\n\(usage)\n"
    if !positionals.isEmpty {
      text += "\nARGUMENTS:\n"
      for p in positionals { text += Self.row("<\(p.name)>", p.help) }
    }
    text += "\nOPTIONS:\n"
    for info in options.map(\.info) + [Self.helpInfo] {
      var help = info.help
      if let d = info.defaultText { help += " (default: \(d))" }
      text += Self.row(info.spelling, help)
    }
    if let discussion { text += "\n" + discussion + "\n" }
    return text
  }

  /// The declaration spelt `argument` (`--epsilon`, `-o`), if any.
  func declaration(spelt argument: String) -> (any OptionDeclaration)? {
    if argument.hasPrefix("--") {
      let name = argument.dropFirst(2)
      return options.first { $0.info.name == name }
    }
    guard argument.count == 2 else { return nil }
    return options.first { $0.info.short == argument.last }
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

/// The parsed arguments of one command, read through its declarations.
struct Arguments {
  let spec: CommandSpec
  private(set) var positionals: [String] = []
  /// The value of every option given, by name (a flag's is `true`).
  private(set) var values: [String: any Sendable] = [:]
  /// `-h` or `--help` was given: nothing else was parsed.
  private(set) var helpRequested = false

  /// Parses `arguments` (the words after the command's name).
  /// - Throws: `UsageError` for an unknown option, a missing or malformed value, a value that
  ///   looks like an option, an option given twice, or missing or unexpected positionals.
  init(spec: CommandSpec, arguments: [String]) throws(UsageError) {
    self.spec = spec
    if Self.asksForHelp(arguments) {
      helpRequested = true
      return
    }
    var index = 0
    var onlyPositionals = false
    while index < arguments.count {
      let argument = arguments[index]
      index += 1
      if onlyPositionals || !Self.looksLikeOption(argument) {
        positionals.append(argument)
        continue
      }
      if argument == "--" {
        onlyPositionals = true
        continue
      }
      var spelt = argument
      var inlineValue: String? = nil
      if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
        spelt = String(argument[..<equals])
        inlineValue = String(argument[argument.index(after: equals)...])
      }
      guard let option = spec.declaration(spelt: spelt) else {
        throw UsageError(message: "unknown option '\(ValueText.quoted(spelt))'")
      }
      let info = option.info
      guard values[info.name] == nil || info.valueName == nil else {
        throw UsageError(message: "option '--\(info.name)' given more than once")
      }
      guard let valueName = info.valueName else {
        guard inlineValue == nil else {
          throw UsageError(message: "option '--\(info.name)' takes no value")
        }
        values[info.name] = true
        continue
      }
      let text: String
      if let inlineValue {
        text = inlineValue
      } else {
        let missing = "missing value for '--\(info.name) <\(valueName)>'"
        guard index < arguments.count else { throw UsageError(message: missing) }
        text = arguments[index]
        index += 1
        guard !Self.looksLikeOption(text) else {
          throw UsageError(
            message: "\(missing): '\(ValueText.quoted(text))' is an option (write "
              + "--\(info.name)=<\(valueName)> for a value that starts with '-')")
        }
      }
      values[info.name] = try option.value(of: text)
    }
    let required = spec.positionals.filter(\.required).count
    if positionals.count < required {
      throw UsageError(message: "missing argument <\(spec.positionals[positionals.count].name)>")
    }
    if positionals.count > spec.positionals.count, !spec.repeatsLastPositional {
      throw UsageError(
        message: "unexpected argument '\(ValueText.quoted(positionals[spec.positionals.count]))'")
    }
  }

  /// Whether `-h` or `--help` comes before any `--`.
  static func asksForHelp(_ arguments: [String]) -> Bool {
    for argument in arguments {
      if argument == "--" { return false }
      if argument == "-h" || argument == "--help" { return true }
    }
    return false
  }

  /// An option's spelling rather than a value: a dash and at least one more character, and not
  /// a number (`-1`, `-1e-5`, `-.5` are values; `-` alone is a value too, by custom standard
  /// input).
  static func looksLikeOption(_ text: String) -> Bool {
    text.count >= 2 && text.hasPrefix("-") && Double(text) == nil
  }

  /// The value given for `option`, or nil.
  subscript<Value>(option: Option<Value>) -> Value? {
    precondition(isDeclared(option), "--\(option.info.name) is not an option of \(spec.name)")
    guard let value = values[option.info.name] else { return nil }
    return (value as! Value)
  }

  /// Whether the flag was given.
  subscript(flag: Flag) -> Bool {
    precondition(isDeclared(flag), "--\(flag.info.name) is not an option of \(spec.name)")
    return values[flag.info.name] != nil
  }

  /// Whether `option` was given at all.
  func isGiven(_ option: any OptionDeclaration) -> Bool {
    precondition(isDeclared(option), "--\(option.info.name) is not an option of \(spec.name)")
    return values[option.info.name] != nil
  }

  /// The value given for `option`; a usage error when it was not (`--rows is required (for
  /// example --rows 32561)`).
  func required<Value>(
    _ option: Option<Value>, example: String? = nil
  ) throws(UsageError) -> Value {
    guard let value = self[option] else {
      let hint = example.map { " (for example \($0))" } ?? ""
      throw UsageError(message: "--\(option.info.name) is required" + hint)
    }
    return value
  }

  private func isDeclared(_ option: any OptionDeclaration) -> Bool {
    spec.options.contains { $0.info.name == option.info.name }
  }
}
