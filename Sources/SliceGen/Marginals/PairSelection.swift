// Which pairs to measure, picked from released noisy scores (post-processing, no privacy cost),
// the declared split of the aggregate budget between the three rounds of a release with private
// selection, and the record of the selection kept in the release header.
//
// Picks:
//  - `tree` (after MST, McKenna, Sheldon, Miklau 2021): the maximum spanning tree of the complete
//    graph on the columns weighted by the noisy scores (Kruskal: edges by decreasing score, ties
//    by candidate order, union–find); always c − 1 edges, so the number of 2-way measurements is
//    known before the data;
//  - `select:K`: the K candidates with the largest noisy scores (ties by candidate order).

import Foundation

/// The fractions of μ_agg² given to each round of a release with private pair selection:
/// 1-way marginals, selection scores, chosen 2-way marginals. Declared before the data is read,
/// never chosen from it (Docs/privacy.md, "Private pair selection").
public struct PairSelectionSplit: Equatable, Sendable {
  public var oneWay: Double
  public var selection: Double
  public var twoWay: Double

  public init(oneWay: Double, selection: Double, twoWay: Double) {
    self.oneWay = oneWay
    self.selection = selection
    self.twoWay = twoWay
  }

  /// The split where the scores are precise (Adult), from measurement on Adult and digits
  /// (Docs/pair-selection.md).
  public static let standard = PairSelectionSplit(oneWay: 0.4, selection: 0.1, twoWay: 0.5)
  /// The split where the scores drown in their own noise (wide tables of few rows: Caravan),
  /// three times the selection share taken from the 2-way tables (Docs/pair-selection.md,
  /// "The split on wide tables").
  public static let wide = PairSelectionSplit(oneWay: 0.4, selection: 0.3, twoWay: 0.3)

  /// `--pair-selection-split auto`: `wide` when, under the standard split, the expected largest
  /// noise on P pure-noise scores, σ_s·√(2 ln P), exceeds a tenth of n (a score is at most 2n;
  /// a pair whose columns share a tenth of their mass scores about n/5); `standard` otherwise.
  /// Public facts only: σ_s is calibrated from the settings, n and P are public.
  public static func automatic(scoreSigma sigma: Double, candidates p: Int, rows n: Int)
    -> PairSelectionSplit
  {
    guard p > 1, n > 0 else { return .standard }
    let largestNoise = sigma * (2 * log(Double(p))).squareRoot()
    return largestNoise > Self.wideNoiseShare * Double(n) ? .wide : .standard
  }

  /// The share of n above which the scores' largest noise switches `automatic` to `wide`.
  public static let wideNoiseShare = 0.1

  public var isValid: Bool {
    [oneWay, selection, twoWay].allSatisfy { $0.isFinite && $0 > 0 }
      && abs(oneWay + selection + twoWay - 1) < 1e-9
  }
}

/// The private selection of a release, as stored in its header (all of it released output).
public struct ReleasedPairSelection: Codable, Equatable, Sendable {
  /// `tree` or `select:K` (written as that text).
  public var mode: PairSelectionMode
  /// The candidate pairs (column names), in the order of `noisyScores`.
  public var candidates: [[String]]
  /// σ of the noise on every score, and the L2 sensitivity of the score vector (2√P).
  public var sigma: Double
  public var l2Sensitivity: Double
  public var noisyScores: [Double]
  /// The pairs picked from the noisy scores, then measured (every round's, in order).
  public var chosen: [[String]]
  /// With `--rounds R` > 1, every selection round in order (the first one's scores are also
  /// `noisyScores` above); nil for one round.
  public var rounds: [ReleasedSelectionRound]? = nil
  /// "exponential" when the pairs were picked one at a time by the exponential mechanism
  /// (`chosen` in the order picked; no scores published, `sigma` 0 and `l2Sensitivity` one
  /// score's Δ); nil: Gaussian noisy scores.
  public var mechanism: String? = nil
  /// ε₀ of each exponential-mechanism pick, and the μ it is accounted as (Gaussian DP).
  public var stepEpsilon: Double? = nil
  public var stepMu: Double? = nil

  /// Whether the pairs were picked by the exponential mechanism.
  public var isExponential: Bool { mechanism == SelectionMechanism.exponential.rawValue }
}

/// Union–find over the columns: which columns a set of picked pairs already connects.
struct Components {
  private var parent: [Int]

  init(count: Int) { parent = Array(0..<count) }

  mutating func root(_ x: Int) -> Int {
    var x = x
    while parent[x] != x {
      parent[x] = parent[parent[x]]
      x = parent[x]
    }
    return x
  }

  mutating func join(_ a: Int, _ b: Int) {
    let (ra, rb) = (root(a), root(b))
    if ra != rb { parent[ra] = rb }
  }
}

/// One adaptive selection round as stored in a release header: its candidates are those not
/// measured by an earlier round, in the order of `ReleasedPairSelection.candidates`.
public struct ReleasedSelectionRound: Codable, Equatable, Sendable {
  /// σ of the noise on every score, and the L2 sensitivity of the score vector (2√P_r).
  public var sigma: Double
  public var l2Sensitivity: Double
  /// One per remaining candidate.
  public var noisyScores: [Double]
  /// The pairs this round picked, then measured.
  public var chosen: [[String]]
  /// What the round's scores were measured against: "independent" (the released 1-way
  /// marginals) or "forest" (the forest model of every table released before the round).
  public var model: String
}

/// The picks from noisy scores (post-processing). Visible outside the module only to
/// `@_spi(Benchmarks)` importers (slicegen-bench's pair-selection proxy: the best tree on exact
/// scores).
@_spi(Benchmarks)
public enum PairPick {
  /// Indices of the candidate edges forming a maximum spanning tree of `columns` vertices.
  /// - Complexity: O(P log P).
  public static func maximumSpanningTree(columns: Int, pairs: [(Int, Int)], weights: [Double])
    -> [Int]
  {
    precondition(pairs.count == weights.count)
    let order = pairs.indices.sorted {
      weights[$0] > weights[$1] || (weights[$0] == weights[$1] && $0 < $1)
    }
    var components = Components(count: columns)
    var chosen: [Int] = []
    for edge in order {
      let (a, b) = pairs[edge]
      guard components.root(a) != components.root(b) else { continue }
      components.join(a, b)
      chosen.append(edge)
      if chosen.count == columns - 1 { break }
    }
    return chosen.sorted()
  }

  /// Indices of the `k` largest weights, in candidate order.
  static func largest(_ k: Int, of weights: [Double]) -> [Int] {
    precondition(k <= weights.count)
    let order = weights.indices.sorted {
      weights[$0] > weights[$1] || (weights[$0] == weights[$1] && $0 < $1)
    }
    return order.prefix(k).sorted()
  }
}
