// Private choice of the 2-way marginals to measure (Docs/privacy.md, "Private pair selection":
// release noisy scores, then pick). The release measures the 1-way marginals first; every candidate pair p = (a, b) then
// gets a score of how badly the independent model built from the *noisy* 1-way marginals explains
// it,
//   s_p = ‖C_p − E_p‖₁,   E_p = n · p̂_a ⊗ p̂_b,
// with C_p the exact 2-way counts over the public bins and p̂ the released 1-way marginals
// (post-processed). This file computes the score (`score`), adds Gaussian noise to the whole
// vector of P scores and snaps them (SnappedGaussian.swift); picking the pairs from the noisy
// scores (a maximum spanning tree, or the K largest) is post-processing and lives in SliceGen,
// as does the counting of the tables (PairScores.swift). The protocol below can instead pick
// the pairs one at a time by the exponential mechanism on the exact scores
// (`ExponentialPicks` below, ExponentialSelection.swift).
//
// Sensitivity under replace-one. E_p depends only on n (public) and on earlier released output,
// so for a fixed earlier output it is a constant. Replacing one row moves that row out of one cell
// of C_p and into another (or leaves C_p as it is), so ‖C_p − C'_p‖₁ ≤ 2 and, by the triangle
// inequality, |s_p − s'_p| ≤ ‖C_p − C'_p‖₁ ≤ 2. One row can change every column at once, so
// every score may move: the vector's L2 sensitivity is at most √(P · 2²) = 2√P. (Zero-out replaces
// the row by one particular row, the all-zero encoded row, whose bins are fixed: the same bound.)
// As computed in double precision the score is Σ_k |C_k − E_k|(1 + φ_k) with |φ_k| ≤ γ_K
// (K cells, γ_K = K·2^−53/(1 − K·2^−53); E_k is the same computed number for both neighbours),
// and s ≤ ΣC + ΣE ≤ 3n when p̂_a, p̂_b sum to at most 1 + 1e−9, so one computed score moves by at
// most 2 + 6n·γ_K (`scoreSensitivity`), the bound the noise is calibrated for.
// Tests: PairSelectionTests brute-forces every replace-one neighbour of a small table.
//
// Deliberately not here: choosing σ (MarginalRoundPlan below turns a declared share of μ_agg²
// into σ), the score (SliceGen), and the pick (SliceGen, post-processing).

import SliceGenNumerics

/// Releases a vector of pair scores with Gaussian noise.
///
/// ## Privacy
/// For scores of the form s_p = ‖C_p − E_p‖₁ (C_p a count vector in which each row lies in one
/// cell, E_p fixed by public values and earlier released output), the vector has L2 sensitivity
/// 2√P under replace-one (and zero-out); with noise σ it is a Gaussian mechanism with
/// μ = 2√P/σ, composed adaptively with the other rounds of the release (μ² adds: Dong, Roth,
/// Su 2022, Corollary 3.3). Tests: PairSelectionTests.
public enum PairSelectionMechanism {
  /// How much one computed score can move when one row is replaced: 2 + 6n·γ_K for tables of
  /// at most K cells (header).
  public static func scoreSensitivity(rows n: Int, cells k: Int) -> Double {
    let ku = Double(k) * 0x1p-53
    precondition(ku < 0.5)
    return 2 + 6 * Double(n) * ku / (1 - ku)
  }

  /// S: every score lies in [0, S] for n rows, S = 3n (header: s ≤ ΣC + ΣE ≤ 3n).
  public static func largestScore(rows n: Int) -> Double { 3 * Double(n) }

  /// L2 sensitivity of the vector of `candidates` computed scores: (2 + 6n·γ_K)·√P.
  public static func l2Sensitivity(candidates: Int, rows n: Int, cells k: Int) -> Double {
    precondition(candidates > 0)
    return scoreSensitivity(rows: n, cells: k) * Double(candidates).squareRoot()
  }

  /// The score of one pair: ‖C − n · a ⊗ b‖₁ for a count table C (row-major over a × b) and
  /// released probabilities a, b (each summing to at most 1 + 1e−9).
  public static func score(counts: [Double], a: [Double], b: [Double], rows n: Int) -> Double {
    precondition(counts.count == a.count * b.count)
    precondition(a.reduce(0, +) <= 1 + 1e-9 && b.reduce(0, +) <= 1 + 1e-9)
    let rows = Double(n)
    var total = 0.0
    for i in a.indices {
      for j in b.indices { total += abs(counts[i * b.count + j] - rows * a[i] * b[j]) }
    }
    return total
  }

  /// The score of one pair against any expected table: ‖C − n · e‖₁ for a count table C and
  /// released probabilities e of the same shape (summing to at most 1 + 1e−9, so the header's
  /// bound s ≤ 3n holds).
  public static func score(counts: [Double], expected e: [Double], rows n: Int) -> Double {
    precondition(counts.count == e.count)
    precondition(e.allSatisfy { $0 >= 0 } && e.reduce(0, +) <= 1 + 1e-9)
    let rows = Double(n)
    var total = 0.0
    for k in counts.indices { total += abs(counts[k] - rows * e[k]) }
    return total
  }

  /// The scores plus iid N(0, σ²) noise from `noise`, snapped to `SnappedGaussian.grid(σ)`.
  public static func noisyScores(_ scores: [Double], sigma: Double, noise: inout SecureNoise)
    -> [Double]
  {
    precondition(sigma > 0 && sigma.isFinite && !scores.isEmpty)
    return noise.snappedGaussian(scores, sigma: sigma, grid: SnappedGaussian.grid(sigma: sigma))
  }
}

/// Rounds of aggregate measurements whose μ² are fixed before the data is read.
///
/// A release with private pair selection measures in 1 + 2R rounds (1-way marginals, then per
/// selection round the noisy scores and the chosen 2-way marginals; R = 1 by default); each round r gets a declared fraction f_r of μ_agg² and
/// splits it evenly over its J_r count vectors of L2 sensitivity Δ_r:
///   σ_r = Δ_r / √(f_r · μ_agg² / J_r),  rounded up,
/// so Σ_r J_r (Δ_r/σ_r)² ≤ μ_agg². J_r is known in advance (a spanning tree of c columns has c − 1
/// edges; select:K measures K pairs, split over R rounds in shares fixed in advance), so no μ_r
/// depends on the data.
///
/// ## Privacy
/// Adaptive composition of Gaussian mechanisms is exact in Gaussian DP: if each round is
/// μ_r-GDP for every value of the earlier rounds' output, the whole is √(Σ μ_r²)-GDP (Dong, Roth,
/// Su 2022, Corollary 3.3). With the projections this gives the profile of
/// `SlicingAccountant.delta(…, aggregateMuSquared: Σ J_r (Δ_r/σ_r)²)`. Tests: PairSelectionTests.
public struct MarginalRoundPlan: Sendable, Equatable {
  public struct Round: Sendable, Equatable {
    public var name: String
    /// J_r: count vectors (or score vectors) measured in the round, each with `sigma`.
    public var queries: Int
    public var l2Sensitivity: Double
    /// f_r: the round's fraction of μ_agg².
    public var fraction: Double
    public var sigma: Double
    /// J_r (Δ_r/σ_r)², at most f_r · μ_agg².
    public var muSquared: Double {
      let mu = l2Sensitivity / sigma
      return Double(queries) * mu * mu
    }
  }

  public var rounds: [Round]

  /// Splits `aggregateMuSquared` over the rounds by their declared fractions (summing to 1).
  public init(
    aggregateMuSquared: Double,
    rounds specs: [(name: String, queries: Int, l2Sensitivity: Double, fraction: Double)]
  ) {
    precondition(aggregateMuSquared > 0 && aggregateMuSquared.isFinite)
    let total = specs.map(\.fraction).reduce(0, +)
    precondition(abs(total - 1) < 1e-9)
    rounds = specs.map { spec in
      precondition(spec.queries > 0 && spec.fraction > 0 && spec.l2Sensitivity > 0)
      // Normalised, so that rounding in the declared fractions can never overspend.
      let perQuery = spec.fraction / total * aggregateMuSquared / Double(spec.queries)
      return Round(
        name: spec.name, queries: spec.queries, l2Sensitivity: spec.l2Sensitivity,
        fraction: spec.fraction, sigma: (spec.l2Sensitivity / perQuery.squareRoot()).nextUp)
    }
  }

  /// Σ_r J_r (Δ_r/σ_r)²: the μ² the rounds actually spend (≤ the μ_agg² they were given).
  public var muSquared: Double { rounds.reduce(0) { $0 + $1.muSquared } }
}

/// The rounds of a release with private pair selection, in the order its proof needs.
///
/// Round 1 releases every 1-way marginal. Then R selection rounds (R = 1 unless `--rounds`),
/// each in two steps: every candidate pair not yet measured gets a score of how badly a model
/// built from the *released* output so far explains it, and the scores are released with noise;
/// the round's pairs are picked from the noisy scores and their 2-way marginals released. In the
/// first selection round the model is the independent one of the released 1-way marginals
/// (`independentModel`, the score `PairSelectionMechanism.score(counts:a:b:rows:)`); later rounds
/// ask `judge` for each remaining candidate's expected probabilities (AIM's loop, McKenna et al.
/// 2022, with Gaussian noisy scores in place of the exponential mechanism). Each round's σ and
/// its number of pairs come from `plan`, fixed before the data was read, so the number of
/// remaining candidates in every round is public too. The caller supplies the exact tables (every
/// row in exactly one cell of each: its responsibility, checked by the tests that brute-force the
/// sensitivity) and the post-processing steps `independentModel`, `judge` and `pick`, which must
/// see released values only (what they are given). Whatever they do, the rounds spend exactly
/// `plan.muSquared` (adaptive composition of Gaussian DP).
///
/// ## Privacy
/// Round r is a Gaussian mechanism with μ_r² = J_r(Δ_r/σ_r)² for every value of the earlier
/// rounds' output: a score round's expected table is a function of earlier released output only,
/// so for a fixed history its scores move by at most `scoreSensitivity` each and the vector of
/// P_r scores by √P_r times that (PairSelectionMechanism above). The rounds compose to
/// √(Σ μ_r²)-GDP (Dong, Roth, Su 2022, Corollary 3.3); Docs/privacy.md, "Private pair
/// selection". With `exponential` the score round is k picks instead, each μ-GDP with μ = 1/σ of
/// the round for every history (ExponentialSelection.swift), so it spends the same k·μ².
/// Tests: PairSelectionTests, AdaptiveSelectionTests, ExponentialSelectionTests.
public enum PairSelectionProtocol {
  /// One selection round's released output.
  public struct Round {
    /// The candidates scored (indices into the candidate list): those not measured before.
    public var candidates: [Int]
    /// The noisy scores, one per entry of `candidates`.
    public var scores: [Double]
    /// The picked candidates (indices into the candidate list).
    public var chosen: [Int]
    /// The noisy counts, one vector per chosen candidate.
    public var twoWay: [[Double]]
  }

  /// Picks by the exponential mechanism in place of a released vector of noisy scores
  /// (ExponentialSelection.swift), for a release with one selection round: the scoring round of
  /// the plan then holds k = `queries` picks of L2 "sensitivity" 1 (its σ is 1/μ of one pick),
  /// and the scores are those of the independent model.
  public struct ExponentialPicks {
    /// Δ: how far one computed score moves when one row is replaced (`scoreSensitivity`).
    public var sensitivity: Double
    /// S: every score lies in [0, S] (3n, header).
    public var largestScore: Double
    /// Given the picks so far (indices into the candidate list), which candidates the next pick
    /// may choose (post-processing of published picks: a spanning tree's components).
    public var eligible: (_ picked: [Int]) -> (Int) -> Bool

    public init(
      sensitivity: Double, largestScore: Double,
      eligible: @escaping (_ picked: [Int]) -> (Int) -> Bool
    ) {
      self.sensitivity = sensitivity
      self.largestScore = largestScore
      self.eligible = eligible
    }

    /// ε₀ of each pick for the plan's round: the largest whose computed mechanism is
    /// μ-GDP with μ = 1/σ.
    public func stepEpsilon(round: MarginalRoundPlan.Round) -> Double {
      ExponentialSelection.epsilon(
        forMu: round.l2Sensitivity / round.sigma, sensitivity: sensitivity,
        largestScore: largestScore)
    }
  }

  public struct Outcome {
    /// Round 1's noisy counts, one vector per 1-way query of `oneWay`.
    public var oneWay: [[Double]]
    /// The selection rounds, in order.
    public var rounds: [Round]
    /// Every picked candidate, in the order measured.
    public var chosen: [Int] { rounds.flatMap(\.chosen) }
    /// Every chosen candidate's noisy counts, in the order of `chosen`.
    public var twoWay: [[Double]] { rounds.flatMap(\.twoWay) }
  }

  /// Runs the rounds.
  /// - Parameters:
  ///   - oneWay: the counted 1-way marginals (round 1), one query per column.
  ///   - candidates: the candidate pairs (a, b) of columns.
  ///   - table: the exact 2-way counts of candidate p (private).
  ///   - query: the released table of candidate p (its columns and shape).
  ///   - plan: σ of the rounds: one-way, then (scores, two-way) per selection round, fixed before
  ///     the data; a two-way round's `queries` is the number of pairs it picks.
  ///   - independentModel: round 1's noisy counts → p̂ per column (each summing to at most 1).
  ///   - judge: for a later round, the released output so far and the remaining candidates →
  ///     each one's expected probabilities (shaped as its table, summing to at most 1 + 1e−9).
  ///   - pick: the round's remaining candidates, their noisy scores and how many to pick → the
  ///     picked positions in the remaining list.
  public static func run(
    oneWay: inout MarginalMechanism, candidates: [(Int, Int)], table: (Int) -> [Double],
    query: (Int) -> MarginalMechanism.Query, rows n: Int, plan: MarginalRoundPlan,
    independentModel: ([[Double]]) -> [[Double]],
    judge: (_ released: Outcome, _ remaining: [Int]) -> [[Double]] = { _, _ in
      preconditionFailure("a release with more than one selection round needs a judge")
    },
    pick: (_ remaining: [Int], _ noisyScores: [Double], _ count: Int) -> [Int],
    exponential: ExponentialPicks? = nil,
    noise: inout SecureNoise
  ) -> Outcome {
    precondition(plan.rounds.count >= 3 && plan.rounds.count % 2 == 1)
    precondition(exponential == nil || plan.rounds.count == 3)
    let first = plan.rounds[0]
    precondition(first.queries == oneWay.queries.count)
    // Round 1.
    var outcome = Outcome(
      oneWay: oneWay.finish(
        sigmas: Array(repeating: first.sigma, count: first.queries), noise: &noise),
      rounds: [])
    var remaining = Array(candidates.indices)
    for r in stride(from: 1, to: plan.rounds.count, by: 2) {
      let (scoring, measuring) = (plan.rounds[r], plan.rounds[r + 1])
      precondition(scoring.queries == (exponential == nil ? 1 : measuring.queries))
      // The expected tables are post-processing of the released output so far only.
      let scores: [Double]
      if r == 1 {
        let p = independentModel(outcome.oneWay)
        scores = remaining.map { c in
          PairSelectionMechanism.score(
            counts: table(c), a: p[candidates[c].0], b: p[candidates[c].1], rows: n)
        }
      } else {
        let expected = judge(outcome, remaining)
        precondition(expected.count == remaining.count)
        scores = zip(remaining, expected).map { c, e in
          PairSelectionMechanism.score(counts: table(c), expected: e, rows: n)
        }
      }
      let noisyScores: [Double]
      let positions: [Int]
      if let exponential {
        // k picks, each by the exponential mechanism among the candidates the picks so far
        // leave eligible; only the picks are published.
        let epsilon = exponential.stepEpsilon(round: scoring)
        var picked: [Int] = []
        var taken = [Bool](repeating: false, count: remaining.count)
        for _ in 0..<scoring.queries {
          let allowed = exponential.eligible(picked.map { remaining[$0] })
          let open = remaining.indices.filter { !taken[$0] && allowed(remaining[$0]) }
          precondition(!open.isEmpty, "no eligible candidate left for a planned pick")
          let j = ExponentialSelection.pick(
            scores: open.map { scores[$0] }, epsilon: epsilon,
            sensitivity: exponential.sensitivity, noise: &noise)
          picked.append(open[j])
          taken[open[j]] = true
        }
        noisyScores = []
        positions = picked
      } else {
        noisyScores = PairSelectionMechanism.noisyScores(
          scores, sigma: scoring.sigma, noise: &noise)
        // The pick is post-processing of the noisy scores; J_r is fixed in advance.
        positions = pick(remaining, noisyScores, measuring.queries)
      }
      precondition(
        positions.count == measuring.queries && Set(positions).count == positions.count,
        "the pick must choose the planned pairs")
      let chosen = positions.map { remaining[$0] }
      var pairs = MarginalMechanism(
        queries: chosen.map(query), counts: chosen.map(table), rows: n)
      let noisyTwoWay = pairs.finish(
        sigmas: Array(repeating: measuring.sigma, count: chosen.count), noise: &noise)
      outcome.rounds.append(
        Round(candidates: remaining, scores: noisyScores, chosen: chosen, twoWay: noisyTwoWay))
      let taken = Set(chosen)
      remaining.removeAll { taken.contains($0) }
    }
    return outcome
  }
}
