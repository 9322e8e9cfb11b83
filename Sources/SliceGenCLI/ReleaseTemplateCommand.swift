// `slicegen release-template`: every public decision of a partitioned release, written before any
// row is read (reads no data, spends nothing).

import Foundation
import SliceGen

enum ReleaseTemplateCommand: Command {
  typealias R = ReleaseCommand.Options

  /// The options, each declared once: the help shows them in `spec`'s order.
  enum Options {
    static let schema = Option<String>(
      "schema", value: "path", help: "The table's public domain (JSON, see Docs/schema.md).")
    static let rows = Option<Int>.wholeNumber(
      "rows", value: "n",
      help: "The number of rows n of the whole table (public, as every release states it). The "
        + "merge refuses partitions that do not add up to n.")
    static let partitions = Option<Int>.wholeNumber(
      "partitions", value: "K",
      help: "The number of partitions, named 0 … K−1; the merge needs the partial of each.",
      range: PartitionTemplate.partitionRange)
    static let mechanism = Option<ReleaseMethod>.choice(
      "mechanism",
      help: "slicing+marginals: the projections and Gaussian noisy marginals under one exact "
        + "budget; slicing: the paper's mechanism alone (--marginals none). merf is not built "
        + "for partitioned releases.", defaultText: "slicing+marginals")
    static let output = Option<String>.output(
      help: "The template to write (JSON).", defaultText: "template.json")
    static let quiet = Flag.quiet
  }

  static let spec = CommandSpec(
    name: "release-template",
    abstract: "Plan a partitioned release: the template every partition and the merge use.",
    positionals: [],
    options: [
      Options.schema, Options.rows, Options.partitions, R.epsilon, R.delta, Options.mechanism,
      R.slices, R.sliceDim, R.accountant, R.neighbors, R.subsample, R.projectionSeed, R.marginals,
      R.aggregateShare, R.pairSelectionSplit, R.rounds, R.selectionMechanism, R.marginalBins,
      R.pairBins, R.target,
      R.acceptDataDerivedSchema, Options.output, Options.quiet,
    ],
    discussion: """
      Example (Docs/partitioned-release.md; samples/spark runs it on Apache Spark):
        slicegen release-template --schema schema.json --rows 32561 --partitions 4 \\
          --epsilon 1 --delta 1e-5 -o t.json
        slicegen release-partition part0.csv --template t.json --partition 0 -o p0.partial
        ...                                   (one per partition, anywhere in the cluster)
        slicegen release-merge --template t.json p0.partial p1.partial p2.partial p3.partial \\
          -o release.slg
      The template fixes the schema, U's seed (drawn by the secure generator), δ, n, σ, the
      marginals and their bins before any row is read, so the merged release is the release
      'slicegen release data.csv --template t.json' makes on one machine: the same σ, the same
      statement, the counts' noise added once. The template holds no data but U's seed: keep it
      inside the cluster until the release is published. Assign rows to partitions by row number
      or at random, never by a column's value.
      """)

  static func run(_ arguments: Arguments) throws {
    Console.quiet = arguments[Options.quiet]
    let schemaPath = try arguments.required(Options.schema, example: "--schema schema.json")
    let rows = try arguments.required(Options.rows, example: "--rows 32561")
    let k = try arguments.required(Options.partitions, example: "--partitions 8")
    var options = try ReleaseCommand.slicingOptions(arguments)
    let mechanism = arguments[Options.mechanism]
    if mechanism == .merf {
      throw UsageError(
        message: "--mechanism merf: a partitioned DP-MERF release is not built; a template "
          + "makes slicing or slicing+marginals releases")
    }
    try ReleaseCommand.applySlicingMechanism(mechanism, arguments, to: &options)
    let output = arguments[Options.output] ?? "template.json"
    try OutputPath.refuse(output, ifAnyOf: [schemaPath])
    var schema = try Schema(contentsOf: schemaPath)
    if let target = arguments[R.target] { schema = try schema.withTarget(target) }
    let template = try PartitionTemplate.make(
      schema: schema, options: options, rows: rows, partitions: k)
    try template.write(to: output)
    let o = template.options
    func g(_ x: Double) -> String { String(format: "%.4g", x) }
    Console.info(
      "Wrote \(output): a release template for n = \(rows) rows in \(k) partition"
        + "\(k == 1 ? "" : "s") (0 … \(k - 1)): ε = \(g(o.epsilon)), δ = "
        + "\(String(format: "%.3g", template.delta)), \(o.neighbors.rawValue), "
        + "m' = \(o.slices * o.sliceDim) projections, σ = \(g(template.sigma)), marginals "
        + "\(o.marginals.text).")
    Console.info(
      "It holds U's seed: keep it inside the cluster until the release is published. Next: "
        + "'slicegen release-partition PART.csv --template \(output) --partition I -o I.partial' "
        + "for each partition, then 'slicegen release-merge --template \(output) *.partial'.")
  }
}
