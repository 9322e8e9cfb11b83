// Membership inference scores of `evaluate --privacy`: how much closer the synthetic rows sit to
// the real training rows than to real rows the release never saw. Two measurements:
//
// - distance to closest record (DCR), as SDMetrics' DCROverfittingProtection defines it: for each
//   synthetic row, its distance to the closest training row and to the closest holdout row; the
//   share closer to training ("closer to train", about 0.5 when the generator has not memorised),
//   and SDMetrics' score min(1, 2·(1 − share));
// - a distance attack: the attacker scores each candidate real row by minus its distance to the
//   closest synthetic row; members are training rows, non-members holdout rows; the ROC AUC of
//   that score (0.5: no membership signal).
//
// These are empirical measurements of one attack on one sample. They are not a privacy guarantee
// and never an ε: a low AUC says this attack failed, not that every attack would. The guarantee is
// the release's (ε, δ).
//
// The row distance (SDMetrics' `calculate_dcr`), averaged over the kept columns:
//   numeric      |x − y| / (upper − lower), the schema's public bounds (not clamped: a value
//                outside the bounds can be further than 1); 0 or 1 when upper = lower,
//   categorical  0 if equal, else 1,
//   missing      0 if both are missing, else 1.
//
// Cost: a nearest-neighbour search is O(queries · searched rows · columns). The rows whose
// nearest neighbour is sought are capped at `queryCap` (synthetic rows for the DCR; members and
// non-members for the attack), the rows searched at `searchCap`, all drawn at random without
// replacement from evaluation's seeded stream. The searched side is kept large on purpose: a
// synthetic row that copies a training row is only seen as a copy when that training row is among
// the rows searched, so capping both sides at 2,000 rows of Adult's 32,561 would hide most copies
// (a copy's original would be searched with probability 2,000/32,561 ≈ 6%). The training rows are
// drawn to the holdout sample's size when they are more, as SDMetrics does.
// `distances` is the plain reference; `nearest` is the kernel (encoded rows, the search over a
// row abandoned once its partial sum reaches the best so far), held equal to it bit for bit by
// MembershipInferenceTests.

import Foundation

/// The membership inference scores of one synthetic table (empirical, not a privacy guarantee).
public struct MembershipScores: Codable, Sendable, Equatable {
  /// Synthetic rows whose distance to closest record was measured (a random sample of at most
  /// `MembershipInference.queryCap`).
  public var syntheticRows: Int
  /// The training and holdout rows searched for them (random samples of at most
  /// `MembershipInference.searchCap`; the training rows at most as many as the holdout rows).
  public var trainRows: Int
  public var holdoutRows: Int
  /// The attack's candidates: members drawn from the training rows above, non-members from the
  /// holdout rows above (at most `MembershipInference.queryCap` each), and the synthetic rows
  /// searched for their closest (at most `MembershipInference.searchCap`).
  public var attackMembers: Int
  public var attackNonMembers: Int
  public var attackSyntheticRows: Int
  /// The share of synthetic rows strictly closer to the training sample than to the holdout
  /// sample (ties count as not closer, as in SDMetrics); about 0.5 is ideal.
  public var closerToTrain: Double
  /// The share of synthetic rows exactly as far from both samples (counted as not closer to
  /// train): on tables of mostly categorical columns many rows tie, and `closerToTrain` without
  /// a membership signal is then about (1 − tied)/2, below 0.5.
  public var tied: Double
  /// SDMetrics' DCROverfittingProtection: min(1, 2·(1 − closerToTrain)); 1 is best.
  public var dcrOverfittingProtection: Double
  /// The median over synthetic rows of the distance to the closest training row and holdout row.
  public var medianDCRToTrain: Double
  public var medianDCRToHoldout: Double
  /// ROC AUC of the distance attack (members: the training sample; non-members: the holdout
  /// sample; score: minus the distance to the closest synthetic row); 0.5 is no signal.
  public var distanceAttackAUC: Double
  /// What these numbers are, in words (written into the JSON beside them).
  public var note: String = MembershipInference.note
}

/// Distance to closest record and the distance attack (file header).
public enum MembershipInference {
  /// At most this many rows have their nearest neighbour sought: synthetic rows for the DCR,
  /// and members and non-members (each) for the attack.
  public static let queryCap = 2_000
  /// At most this many rows of each table are searched (Adult's tables fit whole).
  public static let searchCap = 50_000

  /// The sentence every output carries beside the figures.
  public static let note =
    "Empirical measurements of one attack on a random sample of rows, not a privacy guarantee "
    + "and never an epsilon; the guarantee is the release's (epsilon, delta)."

  /// The range of each column of `schema`'s kept columns: upper − lower for numeric columns, nil
  /// for categorical ones.
  public static func ranges(_ schema: Schema) -> [Double?] {
    schema.keptColumns.map { column in
      if case .numeric(let lower, let upper, _) = column.domain { return upper - lower }
      return nil
    }
  }

  /// The scores of `synthetic` against the training rows that went into the release and the
  /// holdout rows that did not, on random samples drawn with `rng` (file header).
  /// - Complexity: O((n_syn · (n_train + n_holdout) + n_candidates · n_syn) · columns) on the
  ///   samples, at most 2 · queryCap · searchCap · columns each way.
  public static func measure(
    train: EvaluationTable, holdout: EvaluationTable, synthetic: EvaluationTable,
    ranges: [Double?], queryCap: Int = queryCap, searchCap: Int = searchCap,
    using rng: inout some RandomNumberGenerator
  ) -> MembershipScores {
    precondition(queryCap > 0 && searchCap > 0, "the caps must be positive")
    let holdoutIndices = sample(holdout.rows, searchCap, using: &rng)
    let trainIndices = sample(train.rows, min(searchCap, holdoutIndices.count), using: &rng)
    let syntheticQueries = synthetic.rows(sample(synthetic.rows, queryCap, using: &rng))
    let members = sample(trainIndices.count, queryCap, using: &rng).map { trainIndices[$0] }
    let nonMembers = sample(holdoutIndices.count, queryCap, using: &rng).map {
      holdoutIndices[$0]
    }
    let syntheticSearched = synthetic.rows(sample(synthetic.rows, searchCap, using: &rng))
    let encoded = EncodedRows.encode(
      [
        syntheticQueries, train.rows(trainIndices), holdout.rows(holdoutIndices),
        train.rows(members), holdout.rows(nonMembers), syntheticSearched,
      ], ranges)
    var scores = scores(
      syntheticToTrain: nearest(encoded[0], in: encoded[1]),
      syntheticToHoldout: nearest(encoded[0], in: encoded[2]),
      trainToSynthetic: nearest(encoded[3], in: encoded[5]),
      holdoutToSynthetic: nearest(encoded[4], in: encoded[5]))
    scores.trainRows = trainIndices.count
    scores.holdoutRows = holdoutIndices.count
    scores.attackSyntheticRows = syntheticSearched.rows
    return scores
  }

  /// The scores from the four lists of nearest distances (the searched sizes are taken from the
  /// query lists; `measure` sets them).
  static func scores(
    syntheticToTrain: [Double], syntheticToHoldout: [Double], trainToSynthetic: [Double],
    holdoutToSynthetic: [Double]
  ) -> MembershipScores {
    let n = syntheticToTrain.count
    let closer = zip(syntheticToTrain, syntheticToHoldout).filter { $0.0 < $0.1 }.count
    let tied = zip(syntheticToTrain, syntheticToHoldout).filter { $0.0 == $0.1 }.count
    let share = n == 0 ? Double.nan : Double(closer) / Double(n)
    let auc = Evaluator.rocAuc(
      (trainToSynthetic + holdoutToSynthetic).map { -$0 },
      trainToSynthetic.map { _ in true } + holdoutToSynthetic.map { _ in false })
    return MembershipScores(
      syntheticRows: n, trainRows: trainToSynthetic.count,
      holdoutRows: holdoutToSynthetic.count, attackMembers: trainToSynthetic.count,
      attackNonMembers: holdoutToSynthetic.count, attackSyntheticRows: n,
      closerToTrain: share, tied: n == 0 ? .nan : Double(tied) / Double(n),
      dcrOverfittingProtection: share.isNaN ? .nan : min(1, 2 * (1 - share)),
      medianDCRToTrain: median(syntheticToTrain), medianDCRToHoldout: median(syntheticToHoldout),
      distanceAttackAUC: auc)
  }

  /// `k` distinct indices of `0..<n` (all of them, in order, when k ≥ n), drawn uniformly.
  static func sample(_ n: Int, _ k: Int, using rng: inout some RandomNumberGenerator) -> [Int] {
    guard k < n else { return Array(0..<n) }
    // Partial Fisher–Yates: the first k places of a uniform shuffle.
    var index = Array(0..<n)
    for i in 0..<k { index.swapAt(i, Int.random(in: i..<n, using: &rng)) }
    return Array(index[0..<k])
  }

  /// The median (the mean of the two middle values for an even count); NaN when empty.
  static func median(_ x: [Double]) -> Double {
    guard !x.isEmpty else { return .nan }
    let s = x.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
  }

  // MARK: Reference

  /// SDMetrics' distance between row `i` of `a` and row `j` of `b` (file header).
  static func distance(
    _ a: EvaluationTable, _ i: Int, _ b: EvaluationTable, _ j: Int, ranges: [Double?]
  ) -> Double {
    precondition(a.columns.count == b.columns.count && a.columns.count == ranges.count)
    guard !ranges.isEmpty else { return 0 }
    var sum = 0.0
    for c in ranges.indices {
      switch (a.columns[c], b.columns[c]) {
      case (.numeric(let x), .numeric(let y)):
        sum += numericDistance(x[i], y[j], ranges[c] ?? 0)
      case (.categorical(let x), .categorical(let y)):
        sum += x[i] == y[j] ? 0 : 1
      default:
        preconditionFailure("column \(c) has different types in the two tables")
      }
    }
    return sum / Double(ranges.count)
  }

  /// One numeric column's term: NaN is missing.
  @inline(__always)
  static func numericDistance(_ x: Double, _ y: Double, _ range: Double) -> Double {
    if x.isNaN || y.isNaN { return x.isNaN && y.isNaN ? 0 : 1 }
    if range > 0 { return abs(x - y) / range }
    return x == y ? 0 : 1
  }

  /// The plain reference: for each row of `a` its smallest distance to a row of `b`, and for
  /// each row of `b` its smallest distance to a row of `a` (∞ when the other table is empty).
  static func distances(
    _ a: EvaluationTable, _ b: EvaluationTable, ranges: [Double?]
  ) -> (fromFirst: [Double], fromSecond: [Double]) {
    var fromFirst = [Double](repeating: .infinity, count: a.rows)
    var fromSecond = [Double](repeating: .infinity, count: b.rows)
    for i in 0..<a.rows {
      for j in 0..<b.rows {
        let d = distance(a, i, b, j, ranges: ranges)
        fromFirst[i] = min(fromFirst[i], d)
        fromSecond[j] = min(fromSecond[j], d)
      }
    }
    return (fromFirst, fromSecond)
  }

  // MARK: Kernel

  /// Rows encoded for the search: row-major values `(rows, columns)`, numeric columns as their
  /// value (NaN when missing), categorical ones as a code shared by the tables encoded together
  /// (−1 when missing).
  struct EncodedRows {
    var rows: Int
    var values: [Double]  // (rows, columns)
    /// Per column: its range (numeric) or nil (categorical).
    var ranges: [Double?]

    /// The tables encoded with one code book per categorical column.
    static func encode(_ tables: [EvaluationTable], _ ranges: [Double?]) -> [EncodedRows] {
      var books = ranges.map { _ in [String: Double]() }
      return tables.map { table in
        precondition(table.columns.count == ranges.count)
        let width = ranges.count
        var values = [Double](repeating: 0, count: table.rows * width)
        for c in 0..<width {
          switch table.columns[c] {
          case .numeric(let x):
            precondition(ranges[c] != nil, "column \(c) is numeric without a range")
            for r in 0..<table.rows { values[r * width + c] = x[r] }
          case .categorical(let x):
            precondition(ranges[c] == nil, "column \(c) is categorical with a range")
            for r in 0..<table.rows {
              guard let value = x[r] else {
                values[r * width + c] = -1
                continue
              }
              let next = Double(books[c].count)
              values[r * width + c] = books[c][value, default: next]
              if books[c][value] == nil { books[c][value] = next }
            }
          }
        }
        return EncodedRows(rows: table.rows, values: values, ranges: ranges)
      }
    }
  }

  /// `distances(queries, searched).fromFirst` on encoded rows: for each query row, its smallest
  /// distance to a searched row (∞ when there is none). The terms are summed in the same column
  /// order as `distance`, so the numbers are the same bit for bit; a searched row is abandoned
  /// once its partial sum reaches the best sum so far (every term is ≥ 0, so it cannot win), and
  /// min(sum)/count = min(sum/count) since division by a positive constant is monotone.
  static func nearest(_ queries: EncodedRows, in searched: EncodedRows) -> [Double] {
    let width = queries.ranges.count
    var result = [Double](repeating: .infinity, count: queries.rows)
    guard searched.rows > 0 else { return result }
    guard width > 0 else { return result.map { _ in 0 } }
    // Per column: its range, or −1 for a categorical column (a range is never negative).
    let kinds = queries.ranges.map { $0 ?? -1 }
    let count = Double(width)
    kinds.withUnsafeBufferPointer { kind in
      queries.values.withUnsafeBufferPointer { x in
        searched.values.withUnsafeBufferPointer { y in
          for i in 0..<queries.rows {
            let row = x.baseAddress! + i &* width
            var best = Double.infinity
            for j in 0..<searched.rows {
              let other = y.baseAddress! + j &* width
              var sum = 0.0
              var c = 0
              while c < width && sum < best {
                let u = row[c], v = other[c], range = kind[c]
                sum += range < 0 ? (u == v ? 0 : 1) : numericDistance(u, v, range)
                c &+= 1
              }
              if c == width && sum < best { best = sum }
              if best == 0 { break }
            }
            result[i] = best / count
          }
        }
      }
    }
    return result
  }
}

extension EvaluationTable {
  /// The rows at `indices`, in that order.
  func rows(_ indices: [Int]) -> EvaluationTable {
    EvaluationTable(
      names: names,
      columns: columns.map { column in
        switch column {
        case .numeric(let v): return .numeric(indices.map { v[$0] })
        case .categorical(let v): return .categorical(indices.map { v[$0] })
        }
      })
  }
}
