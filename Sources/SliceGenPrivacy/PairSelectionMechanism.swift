// Private choice of the 2-way marginals to measure (Docs/privacy.md, "Private pair selection":
// release noisy scores, then pick). The release measures the 1-way marginals first; every candidate pair p = (a, b) then
// gets a score of how badly the independent model built from the *noisy* 1-way marginals explains
// it,
//   s_p = ‖C_p − E_p‖₁,   E_p = n · p̂_a ⊗ p̂_b,
// with C_p the exact 2-way counts over the public bins and p̂ the released 1-way marginals
// (post-processed). This file computes the score (`score`), adds Gaussian noise to the whole
// vector of P scores and snaps them (SnappedGaussian.swift); picking the pairs from the noisy
// scores (a maximum spanning tree, or the K largest) is post-processing and lives in SliceGen,
// as does the counting of the tables (PairScores.swift).
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
/// A release with private pair selection measures in three rounds (1-way marginals, the noisy
/// scores, the chosen 2-way marginals); each round r gets a declared fraction f_r of μ_agg² and
/// splits it evenly over its J_r count vectors of L2 sensitivity Δ_r:
///   σ_r = Δ_r / √(f_r · μ_agg² / J_r),  rounded up,
/// so Σ_r J_r (Δ_r/σ_r)² ≤ μ_agg². J_r is known in advance (a spanning tree of c columns has c − 1
/// edges; select:K measures K pairs), so no μ_r depends on the data.
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

/// The three rounds of a release with private pair selection, in the order its proof needs.
///
/// Round 1 releases every 1-way marginal; round 2 scores every candidate pair against the
/// independent model built from round 1's *released* output and releases the scores; the pairs
/// are picked from the noisy scores; round 3 releases the chosen pairs' 2-way marginals. Each
/// round's σ comes from `plan`, fixed before the data was read. The caller supplies the exact
/// tables (every row in exactly one cell of each: its responsibility, checked by the tests that
/// brute-force the sensitivity) and two post-processing steps, which see released values only:
/// `independentModel` (round 1's noisy counts → p̂ per column, each summing to at most 1) and
/// `pick` (the noisy scores → the chosen candidates). Whatever those two do, the rounds spend
/// exactly `plan.muSquared` (adaptive composition of Gaussian DP).
///
/// ## Privacy
/// Round r is a Gaussian mechanism with μ_r² = J_r(Δ_r/σ_r)² for every value of the earlier
/// rounds' output, so the three compose to √(Σ μ_r²)-GDP (Dong, Roth, Su 2022, Corollary 3.3);
/// Docs/privacy.md, "Private pair selection". Tests: PairSelectionTests.
public enum PairSelectionProtocol {
  public struct Outcome {
    /// Round 1's noisy counts, one vector per 1-way query of `oneWay`.
    public var oneWay: [[Double]]
    /// Round 2's noisy scores, one per candidate.
    public var scores: [Double]
    /// The picked candidates (indices into the candidate list).
    public var chosen: [Int]
    /// Round 3's noisy counts, one vector per chosen candidate.
    public var twoWay: [[Double]]
  }

  /// Runs the rounds.
  /// - Parameters:
  ///   - oneWay: the counted 1-way marginals (round 1), one query per column.
  ///   - candidates: the candidate pairs (a, b) of columns.
  ///   - table: the exact 2-way counts of candidate p (private).
  ///   - query: the released table of candidate p (its columns and shape).
  ///   - plan: σ of the three rounds (one-way, scores, two-way), fixed before the data.
  public static func run(
    oneWay: inout MarginalMechanism, candidates: [(Int, Int)], table: (Int) -> [Double],
    query: (Int) -> MarginalMechanism.Query, rows n: Int, plan: MarginalRoundPlan,
    independentModel: ([[Double]]) -> [[Double]], pick: ([Double]) -> [Int],
    noise: inout SecureNoise
  ) -> Outcome {
    precondition(plan.rounds.count == 3)
    let (first, second, third) = (plan.rounds[0], plan.rounds[1], plan.rounds[2])
    precondition(first.queries == oneWay.queries.count && second.queries == 1)
    // Round 1.
    let noisyOneWay = oneWay.finish(
      sigmas: Array(repeating: first.sigma, count: first.queries), noise: &noise)
    // Round 2: the model is post-processing of round 1's output only.
    let p = independentModel(noisyOneWay)
    let scores = candidates.indices.map { c in
      PairSelectionMechanism.score(
        counts: table(c), a: p[candidates[c].0], b: p[candidates[c].1], rows: n)
    }
    let noisyScores = PairSelectionMechanism.noisyScores(
      scores, sigma: second.sigma, noise: &noise)
    // The pick is post-processing of the noisy scores; J₃ is fixed in advance.
    let chosen = pick(noisyScores)
    precondition(chosen.count == third.queries, "the pick must choose the planned pairs")
    // Round 3.
    var pairs = MarginalMechanism(
      queries: chosen.map(query), counts: chosen.map(table), rows: n)
    let noisyTwoWay = pairs.finish(
      sigmas: Array(repeating: third.sigma, count: chosen.count), noise: &noise)
    return Outcome(oneWay: noisyOneWay, scores: noisyScores, chosen: chosen, twoWay: noisyTwoWay)
  }
}
