// `slicegen compare`: one privacy–utility study. Runs methods × ε × seeds on a table, each cell
// through slicegen's own commands in child processes (release, fit, sample, then evaluate on a
// holdout), and writes the table (mean ± std of every metric, wall time, peak memory, ε spent)
// and an SVG plot. A finished cell is never run again, so a grid spans several sittings
// (CompareStore.swift). Every cell reads the private table: the results are for the data owner,
// as `evaluate`'s are.

import Foundation
import SliceGen
import SliceGenPrivacy

enum CompareCommand: Command {
  enum Options {
    static let holdout = Option<String>(
      "holdout", value: "holdout.csv",
      help: "Real rows kept out of every release, to score the synthetic tables on. Required.")
    static let schema = Option<String>(
      "schema", value: "path", help: "The table's schema (Docs/schema.md). Required.")
    static let methods = Option<[CompareMethod]>(
      "methods", value: "list",
      help: "Comma-separated methods: "
        + CompareMethod.allCases.map(\.rawValue).joined(separator: ", ") + ", or all.",
      defaultText: "every method that states a guarantee under --neighbors",
      rule: "must be a comma-separated list of "
        + CompareMethod.allCases.map(\.rawValue).joined(separator: ", ") + " or all"
    ) { text in
      text == "all"
        ? CompareMethod.allCases : AuditCommand.Options.list(text, CompareMethod.init(rawValue:))
    }
    static let epsilons = Option<[Double]>(
      "epsilon", value: "ε,ε,…", help: "The ε values of the grid.",
      defaultText: "1,4,10 (--quick: 1,10)", rule: "must be positive numbers like 1,4,10"
    ) { text in
      let values = AuditCommand.Options.list(text) { Double($0) }
      return values.flatMap { $0.allSatisfy { $0 > 0 && $0.isFinite } ? $0 : nil }
    }
    static let seeds = Option<Int>.wholeNumber(
      "seeds", value: "N",
      help: "Runs per method and ε (seeds 1…N of fit and sample; each run makes a fresh release).",
      defaultText: "3 (--quick: 1)", range: 1...100)
    static let delta = Option<Double>.number(
      "delta", value: "δ", help: "δ of every method.", defaultText: "1e-5",
      rule: "must be in (0, 1)"
    ) { $0 > 0 && $0 < 1 }
    static let neighbors = Option<NeighbouringRelation>.choice(
      "neighbors",
      help: "The neighbouring relation every method is accounted under (zero-out is the one "
        + "noisy-gradient training states).", defaultText: "zero-out")
    static let rows = Option<Int>.wholeNumber(
      "rows", value: "N", help: "Synthetic rows per run.",
      defaultText: "the training table's rows (--quick: at most 1000)", range: 1...100_000_000)
    static let epochs = Option<Int>.wholeNumber(
      "epochs", value: "N",
      help: "--epochs of fit and train-dpsgd for the methods that train a generator.",
      defaultText: "their defaults (--quick: 1)", range: FitOptions.epochsRange)
    static let target = Option<String>(
      "target", value: "column",
      help: "The column evaluate's classifiers predict (default: the schema's \"target\").")
    static let metric = Option<String>(
      "plot-metric", value: "name",
      help: "The metric the plot shows (any metric of evaluate --json).", defaultText: "quality")
    static let acceptDataDerived = Flag(
      "accept-data-derived-schema",
      help: "Pass release's flag of the same name (a schema drafted from the data).")
    static let quick = Flag(
      "quick",
      help: "A small grid (ε 1,10, one seed, one epoch, at most 1000 rows) unless those options "
        + "are given: to check the set-up, or for tests.")
    static let output = Option<String>.output(
      value: "dir",
      help: "The comparison's directory: settings, finished cells, logs, results.md, "
        + "results.csv, plot.svg. Rerun with the same directory to resume.",
      defaultText: "compare")
    static let quiet = Flag.quiet
  }

  static let spec = CommandSpec(
    name: "compare",
    abstract: "Run methods × ε × seeds on a table and tabulate and plot privacy against utility.",
    positionals: [
      Positional(
        name: "csv", help: "The private training table (CSV with a header).", required: true)
    ],
    options: [
      Options.holdout, Options.schema, Options.methods, Options.epsilons, Options.seeds,
      Options.delta, Options.neighbors, Options.rows, Options.epochs, Options.target,
      Options.metric, Options.acceptDataDerived, Options.quick, Options.output, Options.quiet,
    ],
    discussion: """
      Methods (one vocabulary with release, plan, audit and the release header):
      \(CompareMethod.allCases.map { "  \($0.rawValue): \($0.summary)" }.joined(separator: "\n"))
      Every cell makes a fresh release at the cell's ε and the common δ and relation, fits with
      the cell's seed, samples --rows rows, and scores them with evaluate against --holdout
      (with --train, so shuffled real columns and the real rows stand beside every method;
      logistic regression converged). Each command runs as a child process: the wall time is
      release + fit + sample, the peak memory the largest of theirs, and the ε spent is read
      back from the file that carries the guarantee.
      The results go to DIR/results.md (every metric, mean ± std over seeds), DIR/results.csv
      and DIR/plot.svg (--plot-metric against ε, one line per method); the table is printed too.
      On a labelled image table (schema --image), each cell's first 10 synthetic images of
      each class go to DIR/pictures/CELL.png, one row per class.
      Resuming: each finished cell is saved in DIR/cells; rerunning the same command (or one
      with more methods, ε values or seeds) runs only the cells not yet finished. A directory
      made with other settings (tables, δ, relation, rows, epochs, target) is refused.
      A failed cell is reported with its log (DIR/logs) and the grid goes on; the command then
      exits 1, and a rerun retries it.
      The comparison reads the private table and the holdout: its output is not private.
      Example:
        slicegen compare samples/adult/train.csv --holdout samples/adult/test.csv \\
          --schema samples/adult/schema.json --epsilon 1,4,10 --seeds 3 -o adult-compare
      See Docs/compare.md.
      """)

  static func run(_ arguments: Arguments) throws {
    Console.quiet = arguments[Options.quiet]
    let quick = arguments[Options.quick]
    let train = absolute(arguments.positionals[0])
    let holdout = absolute(
      try arguments.required(Options.holdout, example: "--holdout holdout.csv"))
    let schemaPath = absolute(
      try arguments.required(Options.schema, example: "--schema schema.json"))
    let relation = arguments[Options.neighbors] ?? .zeroOut
    // By default every method that states a guarantee under the relation.
    let methods =
      arguments[Options.methods] ?? CompareMethod.allCases.filter { $0.supports(relation) }
    let epsilons = arguments[Options.epsilons] ?? (quick ? [1, 10] : [1, 4, 10])
    let seeds = arguments[Options.seeds] ?? (quick ? 1 : 3)
    let directory = absolute(arguments[Options.output] ?? "compare")
    let metric = arguments[Options.metric] ?? "quality"
    for method in methods where !method.supports(relation) {
      throw UsageError(
        message: "--methods has \(method.rawValue), which states no guarantee under "
          + "--neighbors \(relation.rawValue)")
    }
    // Read up front, so that a bad table fails before any cell runs.
    let schema = try Schema(contentsOf: schemaPath)
    let trainRows = try countRows(train, schema: schema)
    _ = try countRows(holdout, schema: schema)
    let rows = arguments[Options.rows] ?? (quick ? min(trainRows, 1000) : trainRows)
    let settings = CompareSettings(
      train: train, trainSHA256: try sha256(train), holdout: holdout, schema: schemaPath,
      delta: arguments[Options.delta] ?? 1e-5, relation: relation.rawValue, rows: rows,
      epochs: arguments[Options.epochs] ?? (quick ? 1 : nil), target: arguments[Options.target])
    let store = try CompareStore(directory: directory, settings: settings)
    let runner = CellRunner(
      store: store, acceptDataDerived: arguments[Options.acceptDataDerived])

    var cells: [CompareCell] = []
    for method in methods {
      for epsilon in epsilons {
        for seed in 1...seeds {
          cells.append(CompareCell(method: method, epsilon: epsilon, seed: seed))
        }
      }
    }
    var results: [CompareCellResult] = []
    var failures: [String] = []
    let done = try cells.filter { try store.result($0) != nil }.count
    Console.info(
      "compare: \(cells.count) cells (\(methods.count) methods × \(epsilons.count) ε × \(seeds) "
        + "seeds), \(done) finished earlier; δ = \(settings.delta), \(relation.rawValue); "
        + "directory \(directory)")
    let start = Date()
    var ran = 0
    for (i, cell) in cells.enumerated() {
      if let result = try store.result(cell) {
        results.append(result)
        continue
      }
      let label = "[\(i + 1)/\(cells.count)] \(cell.name)"
      do {
        let result = try runner.run(cell) { step in Console.info("\(label): \(step)…") }
        try store.save(result)
        results.append(result)
        ran += 1
        let remaining = Double(cells.count - i - 1)
        let perCell = Date().timeIntervalSince(start) / Double(ran)
        Console.info(
          "\(label): \(metric) "
            + (result.scores[metric].map { String(format: "%.3f", $0) } ?? "–")
            + String(
              format: ", %.1f s, %.0f MiB", result.seconds, Double(result.peakBytes) / 1_048_576)
            + (remaining > 0 ? ", about \(FitCommand.duration(perCell * remaining)) left" : ""))
      } catch {
        failures.append("\(cell.name): \(error)")
        Console.error("\(label) FAILED: \(error)")
      }
    }

    let summary = CompareSummary(results: results, methods: methods)
    try AtomicOutputFile.write(Data(summary.markdown.utf8), to: directory + "/results.md")
    try AtomicOutputFile.write(Data(summary.csv.utf8), to: directory + "/results.csv")
    try AtomicOutputFile.write(
      Data(PrivacyUtilityPlot.svg(summary, metric: metric).utf8), to: directory + "/plot.svg")
    print(summary.markdown, terminator: "")
    Console.info(
      "Wrote \(directory)/results.md, results.csv and plot.svg (\(metric) against ε) from "
        + "\(results.count) of \(cells.count) cells.")
    if !failures.isEmpty {
      throw CompareError(
        message: "\(failures.count) cell(s) failed; rerun to retry them:\n  "
          + failures.joined(separator: "\n  "))
    }
  }

  static func absolute(_ path: String) -> String {
    URL(fileURLWithPath: path).standardizedFileURL.path
  }

  /// The data rows of a CSV whose header names every column of the schema.
  static func countRows(_ path: String, schema: Schema) throws -> Int {
    var reader = try CSVReader(path: path)
    let missing = schema.columns.map(\.name).filter { !reader.header.contains($0) }
    guard missing.isEmpty else {
      throw CompareError(
        message: "\(path), line 1: the header has no column "
          + missing.prefix(3).map { "\"\($0)\"" }.joined(separator: ", ")
          + " of the schema")
    }
    var count = 0
    while try reader.nextRecord() != nil { count += 1 }
    guard count > 0 else { throw CompareError(message: "\(path) has no data rows") }
    return count
  }

  static func sha256(_ path: String) throws -> String {
    guard let handle = FileHandle(forReadingAtPath: path) else {
      throw CompareError(message: "cannot read \(path)")
    }
    defer { try? handle.close() }
    var hasher = SHA256()
    while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
      chunk.withUnsafeBytes { hasher.update($0) }
    }
    return SHA256.hexText(hasher.finalize())
  }
}
