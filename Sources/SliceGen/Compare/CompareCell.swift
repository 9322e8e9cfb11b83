// One cell of a comparison grid (a method at one ε with one seed) and what running it measured.
// A cell's result is written to its own file once the cell has finished, so an interrupted grid
// resumes where it stopped (CompareStore.swift).

import Foundation

/// A method at one ε with one seed.
public struct CompareCell: Hashable, Codable, Sendable {
  public var method: CompareMethod
  public var epsilon: Double
  /// 1, 2, …: the seed of fitting and sampling; every cell draws a fresh release.
  public var seed: Int

  public init(method: CompareMethod, epsilon: Double, seed: Int) {
    self.method = method
    self.epsilon = epsilon
    self.seed = seed
  }

  /// A file-name-safe name, unique in a grid: `slicing+marginals-eps1-seed2`.
  public var name: String {
    "\(method.rawValue)-eps\(Self.text(epsilon))-seed\(seed)"
  }

  /// ε as the shortest text that reads back to the same Double (`1`, `0.5`, `10`).
  public static func text(_ epsilon: Double) -> String {
    epsilon == epsilon.rounded() && abs(epsilon) < 1e15
      ? String(Int(epsilon)) : "\(epsilon)"
  }
}

/// What a finished cell measured.
public struct CompareCellResult: Codable, Equatable, Sendable {
  public var cell: CompareCell
  /// What the release header (or model) says ran: its method and its privacy statement's
  /// figures, read back from the file the cell made.
  public var mechanism: String
  public var epsilonSpent: Double
  public var delta: Double
  public var relation: String
  /// Wall time of the whole pipeline (release, fit, sample; not evaluate), seconds.
  public var seconds: Double
  /// The largest peak resident memory of the pipeline's steps, bytes.
  public var peakBytes: Int
  /// Every score `evaluate` reported for the synthetic table, by metric name.
  public var scores: [String: Double]
  /// The same metrics for shuffled real columns and for the real training rows (references on
  /// the same split; identical in every cell of a grid).
  public var shuffled: [String: Double]
  public var real: [String: Double]

  public init(
    cell: CompareCell, mechanism: String, epsilonSpent: Double, delta: Double, relation: String,
    seconds: Double, peakBytes: Int, scores: [String: Double], shuffled: [String: Double],
    real: [String: Double]
  ) {
    self.cell = cell
    self.mechanism = mechanism
    self.epsilonSpent = epsilonSpent
    self.delta = delta
    self.relation = relation
    self.seconds = seconds
    self.peakBytes = peakBytes
    self.scores = scores
    self.shuffled = shuffled
    self.real = real
  }

  /// The scores of `evaluate --json` output: every metric that has a synthetic, independent and
  /// real value. Throws when the text is not such an object.
  public static func scores(
    fromEvaluateJSON data: Data
  ) throws -> (synthetic: [String: Double], shuffled: [String: Double], real: [String: Double]) {
    guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
      throw CompareError(message: "evaluate's output is not a JSON object")
    }
    var synthetic: [String: Double] = [:]
    var shuffled: [String: Double] = [:]
    var real: [String: Double] = [:]
    for (metric, value) in object {
      guard let sides = value as? [String: Any], let s = sides["synthetic"] as? Double else {
        continue
      }
      synthetic[metric] = s
      if let i = sides["independent"] as? Double { shuffled[metric] = i }
      if let r = sides["real"] as? Double { real[metric] = r }
    }
    guard !synthetic.isEmpty else {
      throw CompareError(message: "evaluate's output holds no scores")
    }
    return (synthetic, shuffled, real)
  }
}

/// A comparison that cannot go on: a message naming what and where.
public struct CompareError: Error, CustomStringConvertible, Sendable {
  public var message: String
  public init(message: String) { self.message = message }
  public var description: String { message }
}
