// `slicegen release-merge`: the partials of every partition of a template into one release, the
// counts' noise added once (the single-machine release; Docs/partitioned-release.md).

import Foundation
import SliceGen

enum ReleaseMergeCommand: Command {
  /// The options, each declared once: the help shows them in `spec`'s order.
  enum Options {
    static let template = Option<String>(
      "template", value: "path", help: "The release template the partitions used.")
    static let output = Option<String>.output(
      help: "The release file to write.", defaultText: "release.slg")
    static let quiet = Flag.quiet
  }

  static let spec = CommandSpec(
    name: "release-merge",
    abstract: "Merge the partials of a partitioned release into one release (adds the noise).",
    positionals: [
      Positional(
        name: "partial",
        help: "The partial files of every partition of the template ('slicegen "
          + "release-partition'), each once, in any order.", required: true)
    ],
    options: [
      Options.template, ReleaseCommand.Options.showExactCounts, Options.output, Options.quiet,
    ],
    discussion: """
      Example:
        slicegen release-merge --template t.json 0.partial 1.partial 2.partial 3.partial \\
          -o release.slg
      Sums the partitions' exact counts, runs the marginal rounds (and the private pair
      selection) once with the secure generator, shuffles the union of the noisy projections,
      and writes a release that fit, sample and inspect cannot tell from the one 'slicegen
      release data.csv --template t.json' makes on one machine: the same σ and statement. A
      partial made with another template, a partition given twice or missing, and rows that do
      not add up to the template's n are refused. Memory: the rows of O, as a single-machine
      release holds them. Delete the partials after the merge: they hold exact counts.
      """,
    repeatsLastPositional: true)

  static func run(_ arguments: Arguments) throws {
    Console.quiet = arguments[Options.quiet]
    let templatePath = try arguments.required(Options.template, example: "--template t.json")
    let output = arguments[Options.output] ?? "release.slg"
    let template = try PartitionTemplate(contentsOf: templatePath)
    let noiseSeed = try ReleaseCommand.insecureTestNoiseSeed()
    let progress = ProgressLine()
    let paths = arguments.positionals
    let report = try PartitionedRelease.merge(
      template: template, templatePath: templatePath, partialPaths: paths, outputPath: output,
      insecureTestNoiseSeed: noiseSeed
    ) { read in
      progress.update("release-merge: \(read) of \(paths.count) partials read")
    }
    progress.finish()
    try ReleaseCommand.printReport(
      report, output: output,
      showExactCounts: arguments[ReleaseCommand.Options.showExactCounts])
  }
}
