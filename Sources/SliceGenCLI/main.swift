// The `slicegen` executable: picks the subcommand, runs it, turns errors into messages and exit
// codes (0 success or help; 64 a usage error, from the parser or an `OptionError` of the
// library's validation; 1 a failure).

import Foundation
import SliceGen

#if canImport(Glibc)
  import Glibc
#endif

/// A subcommand.
protocol Command {
  static var spec: CommandSpec { get }
  static func run(_ arguments: Arguments) throws
}

let commands: [any Command.Type] = [
  SchemaCommand.self, PlanCommand.self, ReleaseCommand.self, MergeCommand.self,
  ReleaseTemplateCommand.self, ReleasePartitionCommand.self, ReleaseMergeCommand.self,
  InspectCommand.self,
  FitCommand.self, SampleCommand.self, EvaluateCommand.self, AuditCommand.self,
  DemoCommand.self, TrainNonPrivateCommand.self, TrainDPSGDCommand.self, CompareCommand.self,
]

let overview = """
  OVERVIEW: slicegen makes differentially private synthetic tables with the slicing mechanism.

  The data owner runs `release` once on the private table: it publishes noisy random projections
  and spends the whole privacy budget. Everything after it works on the release alone, at no
  further privacy cost.

  USAGE: slicegen <command> [options]

  COMMANDS:

  """

@MainActor func topLevelHelp() -> String {
  var text = overview
  for command in commands {
    text += CommandSpec.row(command.spec.name, command.spec.abstract)
  }
  text += CommandSpec.row("help <command>", "Show a command's help.")
  text += "\nOPTIONS:\n"
  text += CommandSpec.row(CommandSpec.helpInfo.spelling, CommandSpec.helpInfo.help)
  text += CommandSpec.row("--version", "Print slicegen's version.")
  text +=
    "\nSee 'slicegen help <command>' or 'slicegen <command> --help' for a command's "
    + "options.\n"
  return text
}

/// Ends with a usage error: `Error: …`, the usage line and where the help is (exit 64).
func exitWithUsage(_ message: String, command: CommandSpec?) -> Never {
  Console.error("Error: \(message)")
  Console.error(command?.usage ?? "Usage: slicegen <command> [options]")
  Console.error(command?.seeHelp ?? "See 'slicegen --help'.")
  exit(64)
}

// A command killed by SIGINT, SIGTERM or SIGHUP leaves no hidden temporary output behind.
AtomicOutputFile.removeTemporaryFilesOnSignals()

var argv = Array(CommandLine.arguments.dropFirst())
guard let name = argv.first else {
  print(topLevelHelp(), terminator: "")
  exit(0)
}
argv.removeFirst()
if name == "--help" || name == "-h" {
  print(topLevelHelp(), terminator: "")
  exit(0)
}
if name == "--version" {
  print("slicegen \(SliceGenVersion.current)")
  exit(0)
}
if name == "help" {
  guard let target = argv.first, target != "-h", target != "--help" else {
    print(topLevelHelp(), terminator: "")
    exit(0)
  }
  guard let command = commands.first(where: { $0.spec.name == target }) else {
    exitWithUsage("unknown command '\(ValueText.quoted(target))'", command: nil)
  }
  guard argv.count == 1 else {
    exitWithUsage(
      "unexpected argument '\(ValueText.quoted(argv[1]))' after 'help \(target)'",
      command: nil)
  }
  print(command.spec.help, terminator: "")
  exit(0)
}
guard let command = commands.first(where: { $0.spec.name == name }) else {
  exitWithUsage(
    name.hasPrefix("-")
      ? "unknown option '\(ValueText.quoted(name))'"
      : "unknown command '\(ValueText.quoted(name))'", command: nil)
}
do {
  let arguments = try Arguments(spec: command.spec, arguments: argv)
  if arguments.helpRequested {
    print(command.spec.help, terminator: "")
    exit(0)
  }
  try command.run(arguments)
  exit(0)
} catch let error as UsageError {
  exitWithUsage(error.message, command: command.spec)
} catch let error as OptionError {
  // A value the library's validation refused: a usage error too.
  exitWithUsage(error.description, command: command.spec)
} catch let error as PrivacyParameterError {
  // Privacy parameters the accountant cannot meet (ε, δ, m', the shares): the user's choice.
  exitWithUsage(error.description, command: command.spec)
} catch {
  Console.error("Error: \(error)")
  exit(1)
}
