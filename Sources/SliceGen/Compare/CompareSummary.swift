// The table of a comparison: for each method and ε, the mean ± standard deviation over seeds of
// every metric `evaluate` reported, the wall time, the peak memory and the ε actually spent, with
// the two references of the same split (shuffled real columns, the real training rows).

import Foundation

/// Mean and sample standard deviation (0 for one value).
public struct MeanStd: Equatable, Sendable {
  public var mean: Double
  public var std: Double
  public var count: Int

  public init(_ values: [Double]) {
    count = values.count
    mean = values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count)
    let m = mean
    std =
      values.count < 2
      ? 0
      : (values.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(values.count - 1)).squareRoot()
  }
}

/// A comparison's results, grouped.
public struct CompareSummary: Sendable {
  /// One method at one ε, over its seeds.
  public struct Row: Sendable {
    public var method: CompareMethod
    public var epsilon: Double
    /// What ran, as the files say (one value when every seed agrees).
    public var mechanisms: [String]
    public var scores: [String: MeanStd]
    public var seconds: MeanStd
    public var peakBytes: Int
    public var epsilonSpent: MeanStd
  }

  public var rows: [Row]
  /// The metrics, in the report's order: the headline scores first, then the rest by name.
  public var metrics: [String]
  public var shuffled: [String: Double]
  public var real: [String: Double]
  public var delta: Double?
  public var relation: String?

  /// The order of the headline metrics; any other metric follows, sorted by name.
  public static let headline = [
    "quality", "columnShapes", "columnPairTrends", "columnPairTrendsAll", "contingencySimilarity",
    "minorityF1", "rocAuc", "softmaxAccuracy", "mlpAccuracy",
  ]

  /// Groups `results` by method (in `methods`' order) and ε (ascending).
  public init(results: [CompareCellResult], methods: [CompareMethod]) {
    var names = Set<String>()
    for r in results { names.formUnion(r.scores.keys) }
    let metrics =
      Self.headline.filter(names.contains) + names.subtracting(Self.headline).sorted()
    self.metrics = metrics
    var rows: [Row] = []
    for method in methods {
      let mine = results.filter { $0.cell.method == method }
      for epsilon in Set(mine.map(\.cell.epsilon)).sorted() {
        let group = mine.filter { $0.cell.epsilon == epsilon }.sorted {
          $0.cell.seed < $1.cell.seed
        }
        var scores: [String: MeanStd] = [:]
        for metric in metrics {
          let values = group.compactMap { $0.scores[metric] }
          if !values.isEmpty { scores[metric] = MeanStd(values) }
        }
        rows.append(
          Row(
            method: method, epsilon: epsilon,
            mechanisms: Array(Set(group.map(\.mechanism))).sorted(), scores: scores,
            seconds: MeanStd(group.map(\.seconds)), peakBytes: group.map(\.peakBytes).max() ?? 0,
            epsilonSpent: MeanStd(group.map(\.epsilonSpent))))
      }
    }
    self.rows = rows
    func average(_ side: KeyPath<CompareCellResult, [String: Double]>) -> [String: Double] {
      var out: [String: Double] = [:]
      for metric in metrics {
        let values = results.compactMap { $0[keyPath: side][metric] }
        if !values.isEmpty { out[metric] = MeanStd(values).mean }
      }
      return out
    }
    shuffled = average(\.shuffled)
    real = average(\.real)
    delta = results.first?.delta
    relation = results.first?.relation
  }

  static func number(_ value: Double, digits: Int = 3) -> String {
    value.isFinite ? String(format: "%.\(digits)f", value) : "–"
  }

  static func cell(_ value: MeanStd?, digits: Int = 3) -> String {
    guard let value else { return "–" }
    return value.count < 2
      ? number(value.mean, digits: digits)
      : number(value.mean, digits: digits) + " ± " + number(value.std, digits: digits)
  }

  /// The Markdown table of every metric.
  public var markdown: String {
    let head = ["method", "ε", "seeds"] + metrics + ["seconds", "peak MiB", "ε spent", "release"]
    var lines = [
      "| " + head.joined(separator: " | ") + " |",
      "|" + head.map { _ in "---" }.joined(separator: "|") + "|",
    ]
    for row in rows {
      let cells =
        [row.method.rawValue, CompareCell.text(row.epsilon), "\(row.seconds.count)"]
        + metrics.map { Self.cell(row.scores[$0]) }
        + [
          Self.cell(row.seconds, digits: 1),
          String(format: "%.0f", Double(row.peakBytes) / 1_048_576),
          Self.number(row.epsilonSpent.mean, digits: 4), row.mechanisms.joined(separator: ", "),
        ]
      lines.append("| " + cells.joined(separator: " | ") + " |")
    }
    for (name, values) in [("shuffled real columns", shuffled), ("real rows", real)]
    where !values.isEmpty {
      let cells =
        [name, "–", "–"] + metrics.map { values[$0].map { Self.number($0) } ?? "–" }
        + ["–", "–", "not private", "–"]
      lines.append("| " + cells.joined(separator: " | ") + " |")
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// The same as CSV: one line per method and ε, each metric's mean and std in two columns.
  public var csv: String {
    var head = ["method", "epsilon", "seeds"]
    for metric in metrics { head += [metric, metric + "_std"] }
    head += ["seconds", "seconds_std", "peak_bytes", "epsilon_spent", "release"]
    var lines = [head.joined(separator: ",")]
    func text(_ value: Double) -> String { value.isFinite ? "\(value)" : "" }
    for row in rows {
      var cells = [row.method.rawValue, CompareCell.text(row.epsilon), "\(row.seconds.count)"]
      for metric in metrics {
        let value = row.scores[metric]
        cells += [value.map { text($0.mean) } ?? "", value.map { text($0.std) } ?? ""]
      }
      cells += [
        text(row.seconds.mean), text(row.seconds.std), "\(row.peakBytes)",
        text(row.epsilonSpent.mean), "\"" + row.mechanisms.joined(separator: " ") + "\"",
      ]
      lines.append(cells.joined(separator: ","))
    }
    for (name, values) in [("shuffled", shuffled), ("real", real)] where !values.isEmpty {
      var cells = [name, "", ""]
      for metric in metrics { cells += [values[metric].map(text) ?? "", ""] }
      cells += ["", "", "", "", ""]
      lines.append(cells.joined(separator: ","))
    }
    return lines.joined(separator: "\n") + "\n"
  }
}
