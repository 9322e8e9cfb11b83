// `slicegen release-partition`: one partition of a partitioned release. Reads private rows and
// writes a PRIVATE partial file (noisy projections and exact counts) that only `release-merge`
// reads.

import Foundation
import SliceGen

enum ReleasePartitionCommand: Command {
  /// The options, each declared once: the help shows them in `spec`'s order.
  enum Options {
    static let template = Option<String>(
      "template", value: "path", help: "The release template ('slicegen release-template').")
    static let partition = Option<String>(
      "partition", value: "name",
      help: "This partition's name in the template (0 … K−1): each partition once.")
    static let output = Option<String>.output(
      help: "The partial file to write: PRIVATE (exact counts), for release-merge only.",
      defaultText: "<partition>.partial")
    static let quiet = Flag.quiet
  }

  static let spec = CommandSpec(
    name: "release-partition",
    abstract: "Release one partition with a template: a PRIVATE partial file for release-merge.",
    positionals: [
      Positional(
        name: "csv",
        help: "The partition's rows (CSV with the header row), or - for standard input (as "
          + "Spark's RDD.pipe feeds it).", required: true)
    ],
    options: [Options.template, Options.partition, Options.output, Options.quiet],
    discussion: """
      Example:
        slicegen release-partition part3.csv --template t.json --partition 3 -o 3.partial
        cat part3.csv | slicegen release-partition - --template t.json --partition 3 -o 3.partial
      The partial holds the partition's noisy projections (already private) and its EXACT counts
      (every marginal the template counts, and every candidate pair's table when pairs are
      chosen privately): it is private data. Keep it inside the data owner's cluster; only
      'slicegen release-merge' reads it, and adds the counts' noise once. Rows must be assigned
      to partitions by row number or at random, never by a column's value. See
      Docs/partitioned-release.md.
      """)

  static func run(_ arguments: Arguments) throws {
    Console.quiet = arguments[Options.quiet]
    let csv = arguments.positionals[0]
    let templatePath = try arguments.required(Options.template, example: "--template t.json")
    let name = try arguments.required(Options.partition, example: "--partition 0")
    let output = arguments[Options.output] ?? "\(name).partial"
    let template = try PartitionTemplate(contentsOf: templatePath)
    let noiseSeed = try ReleaseCommand.insecureTestNoiseSeed()
    let progress = ProgressLine()
    let report = try PartitionedRelease.partition(
      csvPath: csv == "-" ? "/dev/stdin" : csv, template: template, templatePath: templatePath,
      partition: name, outputPath: output, insecureTestNoiseSeed: noiseSeed
    ) { rows in
      progress.update(
        "release-partition \(name): \(rows) rows read "
          + "(\(Int(Double(rows) / max(progress.elapsed, 1e-3))) rows/s)")
    }
    progress.finish()
    Console.info(
      "Wrote \(output): partition \(name) of the template \(template.checksum.prefix(16))… in "
        + "\(String(format: "%.2f", report.seconds)) s. PRIVATE (exact counts): for "
        + "'slicegen release-merge' only; keep it inside the cluster.")
  }
}
