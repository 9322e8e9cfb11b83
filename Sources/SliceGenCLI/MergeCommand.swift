// `slicegen merge`: one release of the union of shards released with --like (no privacy spent).

import Foundation
import SliceGen

enum MergeCommand: Command {
  /// The options, each declared once: the help shows them in `spec`'s order.
  enum Options {
    static let output = Option<String>.output(
      help: "The merged release file to write.", defaultText: "merged.slg")
    static let quiet = Flag.quiet
  }

  static let spec = CommandSpec(
    name: "merge",
    abstract: "Merge shard releases made with the same U, schema and σ into one (free).",
    positionals: [
      Positional(
        name: "first", help: "The first release (the one the shards copied).", required: true),
      Positional(
        name: "release", help: "The shard releases made '--like' it (one or more).",
        required: true),
    ],
    options: [Options.output, Options.quiet],
    discussion: """
      Example:
        slicegen release part1.csv --epsilon 4 --delta 1e-9 -o part1.slg
        slicegen release part2.csv --like part1.slg -o part2.slg
        slicegen merge part1.slg part2.slg -o all.slg
      The shards must agree on the projection seed, U, schema, σ, slices, slice dimension,
      relation and accountant; the first difference is named. Rows are concatenated in the order
      given, streaming. If the shards hold disjoint rows, each row is protected once, by its
      own shard's release (parallel composition). That is not checked (only one release given
      twice is refused: the same file, or the same noisy rows in any order): the statement
      says so, and gives ε for a row released twice or three times. See Docs/shards.md.
      """,
    repeatsLastPositional: true)

  static func run(_ arguments: Arguments) throws {
    Console.quiet = arguments[Options.quiet]
    let paths = arguments.positionals  // two or more: the spec requires both positionals
    let output = arguments[Options.output] ?? "merged.slg"
    let progress = ProgressLine()
    let start = Date()
    let header = try ReleaseMerge.merge(paths: paths, outputPath: output) { rows in
      progress.update("merge: \(rows) rows copied")
    }
    progress.finish()
    Console.info(
      "Wrote \(output): \(header.rows) rows from \(paths.count) shards × \(header.projections) "
        + "projections in \(String(format: "%.2f", Date().timeIntervalSince(start))) s.")
    Console.info("Privacy: " + header.privacy.statement)
  }
}
