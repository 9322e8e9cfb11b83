// The parser on its own: a table of argument lists and what each parses to (positionals and
// typed values, read through the declarations) or the usage error it raises.

import Foundation
import Testing

@testable import SliceGenCLI

@Suite("argument parser")
struct ArgumentParserTests {
  /// What an argument list parses to.
  enum Outcome: Equatable, Sendable, CustomStringConvertible {
    /// The positionals and every option given, its value written with `String(describing:)`.
    case parsed([String], [String: String])
    /// `-h` or `--help` came first.
    case help
    /// The usage error's message.
    case error(String)

    var description: String {
      switch self {
      case .parsed(let positionals, let values):
        return "parsed \(positionals) \(values.sorted { $0.key < $1.key })"
      case .help: return "help"
      case .error(let message): return "error \(message)"
      }
    }
  }

  static let specs = [
    ReleaseCommand.spec, FitCommand.spec, SampleCommand.spec, MergeCommand.spec,
    EvaluateCommand.spec, PlanCommand.spec, InspectCommand.spec, SchemaCommand.spec,
    DemoCommand.spec,
  ]

  static func parse(_ command: String, _ arguments: [String]) -> Outcome {
    let spec = specs.first { $0.name == command }!
    do {
      let parsed = try Arguments(spec: spec, arguments: arguments)
      if parsed.helpRequested { return .help }
      return .parsed(parsed.positionals, parsed.values.mapValues { String(describing: $0) })
    } catch {
      return .error(error.message)
    }
  }

  @Test(
    "argument lists parse to typed values or usage errors",
    arguments: [
      // Spellings of values: separate, inline, one-letter; flags.
      ("release", ["x.csv", "--epsilon", "1"], Outcome.parsed(["x.csv"], ["epsilon": "1.0"])),
      (
        "release", ["x.csv", "--epsilon=0.5", "--delta", "1e-6"],
        .parsed(["x.csv"], ["epsilon": "0.5", "delta": "1e-06"])
      ),
      (
        "release", ["--quiet", "x.csv", "-o", "r.slg"],
        .parsed(["x.csv"], ["quiet": "true", "output": "r.slg"])
      ),
      (
        "release", ["x.csv", "--accountant", "theorem1", "--neighbors", "zero-out"],
        .parsed(["x.csv"], ["accountant": "theorem1", "neighbors": "zero-out"])
      ),
      (
        "release",
        ["x.csv", "--marginals", "select:3", "--projection-seed", "18446744073709551615"],
        .parsed(["x.csv"], ["marginals": "select(3)", "projection-seed": "18446744073709551615"])
      ),
      // Negative numbers are values; the library's rules refuse them later.
      ("release", ["x.csv", "--epsilon", "-1"], .parsed(["x.csv"], ["epsilon": "-1.0"])),
      (
        "release", ["x.csv", "--pair-bins", "-3", "--delta", "-1e-5"],
        .parsed(["x.csv"], ["pair-bins": "-3", "delta": "-1e-05"])
      ),
      // A value that looks like an option is refused; written inline it is taken.
      (
        "release", ["x.csv", "--schema", "--epsilon", "1"],
        .error(
          "missing value for '--schema <path>': '--epsilon' is an option (write "
            + "--schema=<path> for a value that starts with '-')")
      ),
      (
        "release", ["x.csv", "--target", "-o", "r.slg"],
        .error(
          "missing value for '--target <column>': '-o' is an option (write "
            + "--target=<column> for a value that starts with '-')")
      ),
      (
        "release", ["x.csv", "--schema", "--"],
        .error(
          "missing value for '--schema <path>': '--' is an option (write --schema=<path> for "
            + "a value that starts with '-')")
      ),
      ("release", ["x.csv", "--schema=--odd.json"], .parsed(["x.csv"], ["schema": "--odd.json"])),
      ("release", ["x.csv", "--epsilon"], .error("missing value for '--epsilon <ε>'")),
      // Unknown options, options given twice, flags with values.
      ("release", ["x.csv", "--bogus"], .error("unknown option '--bogus'")),
      ("release", ["x.csv", "--bogus=1"], .error("unknown option '--bogus'")),
      ("release", ["x.csv", "-x"], .error("unknown option '-x'")),
      ("release", ["x.csv", "-o=r.slg"], .error("unknown option '-o=r.slg'")),
      (
        "release", ["x.csv", "--epsilon", "1", "--epsilon", "2"],
        .error("option '--epsilon' given more than once")
      ),
      (
        "release", ["x.csv", "-o", "a.slg", "--output", "b.slg"],
        .error("option '--output' given more than once")
      ),
      ("release", ["x.csv", "--quiet", "--quiet"], .parsed(["x.csv"], ["quiet": "true"])),
      ("release", ["x.csv", "--quiet=yes"], .error("option '--quiet' takes no value")),
      // Types: numbers, whole numbers, seeds, choices, the library's parser of --marginals.
      ("release", ["x.csv", "--epsilon", "abc"], .error("--epsilon is 'abc', must be a number")),
      (
        "release", ["x.csv", "--slices", "2.5"],
        .error("--slices is '2.5', must be a whole number from 1 to 100000")
      ),
      (
        "release", ["x.csv", "--projection-seed", "-1"],
        .error("--projection-seed is '-1', must be a whole number from 0 to 18446744073709551615")
      ),
      (
        "release", ["x.csv", "--accountant", "rdp"],
        .error("--accountant is 'rdp', must be one of profile, theorem1")
      ),
      (
        "release", ["x.csv", "--marginals", "select:0"],
        .error(
          "--marginals is 'select:0', K in select:K must be a whole number of pairs, at "
            + "least 1")
      ),
      // Positionals: missing, unexpected, after `--`, `-` alone.
      ("release", [], .error("missing argument <csv>")),
      ("release", ["a.csv", "b.csv"], .error("unexpected argument 'b.csv'")),
      ("release", ["--", "-odd.csv"], .parsed(["-odd.csv"], [:])),
      ("release", ["-", "--epsilon", "1"], .parsed(["-"], ["epsilon": "1.0"])),
      (
        "merge", ["a.slg", "b.slg", "c.slg", "-o", "all.slg"],
        .parsed(["a.slg", "b.slg", "c.slg"], ["output": "all.slg"])
      ),
      ("evaluate", ["--real", "r.csv", "extra"], .error("unexpected argument 'extra'")),
      (
        "inspect", ["r.slg", "--json", "--schema"],
        .parsed(["r.slg"], ["json": "true", "schema": "true"])
      ),
      // Help comes first, whatever else is given before `--`.
      ("release", ["x.csv", "--bogus", "-h"], .help),
      ("release", ["--help", "--schema"], .help),
      ("release", ["--", "--help"], .parsed(["--help"], [:])),
      // fit's lists and choices.
      (
        "fit", ["r.slg", "--hidden", "64,32", "--bandwidths", "0.5,2", "--keep", "best"],
        .parsed(["r.slg"], ["hidden": "[64, 32]", "bandwidths": "[0.5, 2.0]", "keep": "best"])
      ),
      (
        "fit", ["r.slg", "--hidden", "a,b"],
        .error("--hidden is 'a,b', must be widths like 256,256")
      ),
      (
        "fit", ["r.slg", "--hidden", "64,"],
        .error("--hidden is '64,', must be widths like 256,256")
      ),
      (
        "fit", ["r.slg", "--bandwidths", "1,x"],
        .error("--bandwidths is '1,x', must be numbers like 0.5,1,2")
      ),
      (
        "fit", ["r.slg", "--divergence", "tv"],
        .error("--divergence is 'tv', must be one of kl, reverse-kl, js, chi2, sliced-wasserstein")
      ),
      (
        "sample", ["m.slgm", "--rows", "1e9"],
        .error("--rows is '1e9', must be a whole number from 1 to 1000000000")
      ),
      ("demo", ["--epsilon", "2", "-o", "out"], .parsed([], ["epsilon": "2.0", "output": "out"])),
    ])
  func table(command: String, arguments: [String], expected: Outcome) {
    let outcome = Self.parse(command, arguments)
    #expect(outcome == expected, "\(command) \(arguments)")
  }

  @Test("values are read back through their typed declarations")
  func typedLookup() throws {
    let parsed = try Arguments(
      spec: ReleaseCommand.spec,
      arguments: [
        "x.csv", "--epsilon", "2", "--slices", "7", "--accountant", "theorem1", "--marginals",
        "age:sex", "--show-exact-counts", "-o", "r.slg",
      ])
    #expect(parsed[ReleaseCommand.Options.epsilon] == 2)
    #expect(parsed[ReleaseCommand.Options.slices] == 7)
    #expect(parsed[ReleaseCommand.Options.accountant] == .theorem1)
    #expect(parsed[ReleaseCommand.Options.marginals] == .pairs([["age", "sex"]]))
    #expect(parsed[ReleaseCommand.Options.showExactCounts])
    #expect(!parsed[ReleaseCommand.Options.quiet])
    #expect(parsed[ReleaseCommand.Options.output] == "r.slg")
    #expect(parsed[ReleaseCommand.Options.delta] == nil)
    #expect(parsed.isGiven(ReleaseCommand.Options.slices))
    #expect(!parsed.isGiven(ReleaseCommand.Options.like))
    #expect(throws: UsageError(message: "--delta is required (for example --delta 1e-6)")) {
      try parsed.required(ReleaseCommand.Options.delta, example: "--delta 1e-6")
    }
  }

  @Test("what looks like an option: a dash and more, unless a number")
  func looksLikeOption() {
    for text in ["--epsilon", "--", "-h", "-o", "-x", "--1", "-1x"] {
      #expect(Arguments.looksLikeOption(text), "\(text)")
    }
    for text in ["-1", "-1e-5", "-.5", "-inf", "-", "x", "1", ""] {
      #expect(!Arguments.looksLikeOption(text), "\(text)")
    }
  }

  @Test("the help's option rows come from the declarations, in order, and end with -h, --help")
  func helpFromDeclarations() {
    for spec in Self.specs {
      var position = spec.help.startIndex
      for info in spec.options.map(\.info) + [CommandSpec.helpInfo] {
        let row = "\n  " + info.spelling
        let found = spec.help.range(of: row, range: position..<spec.help.endIndex)
        #expect(found != nil, "\(spec.name): \(info.spelling)")
        position = found?.upperBound ?? position
      }
    }
  }
}
