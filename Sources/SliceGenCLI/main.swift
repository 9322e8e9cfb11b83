// The `slicegen` executable: picks the subcommand, runs it, turns errors into messages and exit
// codes (0 success or help, 64 usage error, 1 failure).

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
  SchemaCommand.self, PlanCommand.self, ReleaseCommand.self, MergeCommand.self, InspectCommand.self,
  FitCommand.self,
  SampleCommand.self, EvaluateCommand.self, DemoCommand.self,

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
  text += "\nSee 'slicegen help <command>' for a command's options.\n"
  return text
}

func exitWithUsage(_ message: String, usage: String?) -> Never {
  Console.error("Error: \(message)")
  if let usage { Console.error(usage) } else { Console.error("Usage: slicegen <command> [options]") }
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
  guard let target = argv.first else {
    print(topLevelHelp(), terminator: "")
    exit(0)
  }
  guard let command = commands.first(where: { $0.spec.name == target }) else {
    exitWithUsage("unknown command '\(target)'", usage: nil)
  }
  print(command.spec.help, terminator: "")
  exit(0)
}
guard let command = commands.first(where: { $0.spec.name == name }) else {
  exitWithUsage("unknown command '\(name)' (see 'slicegen --help')", usage: nil)
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
  exitWithUsage(error.message, usage: command.spec.usage)
} catch {
  Console.error("Error: \(error)")
  exit(1)
}
