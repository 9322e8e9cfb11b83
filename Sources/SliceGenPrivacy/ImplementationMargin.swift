// What the implementation adds to the ideal mechanism's (ε, δ): the distance between the
// floating-point computation and the real-valued mechanism the accountant analyses. Two kinds of
// terms (Docs/privacy.md, "What is published, bit for bit", has the argument):
//
//  1. The computed query. The projections are float32 products of float32 rows and a float32 U:
//     for neighbouring rows the computed shift q(x) − q(x') is within
//       (1 + η)·‖(x − x')U*‖ + a/√d
//     of the ideal, where U* is the exact Gaussian matrix our U is coupled to. η = 2^−22 covers
//     the float encoding of the rows (‖x − x'‖ ≤ 1 + 2^−22); a = √d·(κ + 2γ_d·F) covers U's
//     coupling (κ = 2^−18·F: the polar sampler of U with r ≥ 2^−60, then float rounding) and the
//     product's rounding (|fl(xU)_j − (xU)_j| ≤ γ_d Σ_i |x_i||U_ij|, γ_d = d·2^−24/(1 − d·2^−24),
//     so ‖e(x)‖ ≤ γ_d‖U‖_F), with F a bound on ‖U‖_F that fails with probability e^−60
//     (Laurent–Massart). The accountant evaluates μ(t) = ((1 + η)t + a)/s in place of t/s
//     (`ShiftMargin`). Counts are exact integers: no margin. Scores get a sensitivity margin
//     (PairSelectionMechanism.scoreSensitivity).
//  2. The sampler. For the N published values whose law differs between two neighbouring tables
//     (the m' projections of the differing row, two cells of every count table, every score), each
//     published cell's probability is within a factor 1 ± ρ of the ideal's while the noise stays
//     within t·σ (SnappedGaussian.swift). On the event G that every such noise value stays within
//     t·σ of both neighbours' query values, for every event S:
//       P(S) ≤ P(S ∩ G) + P(Gᶜ) ≤ (1+ρ)^N·P*(S ∩ G) + P(Gᶜ)
//            ≤ (1+ρ)^N·(e^ε′·P′*(S ∩ G) + δ′) + P(Gᶜ)
//            ≤ ((1+ρ)/(1−ρ))^N·e^ε′·P′(S) + (1+ρ)^N·δ′ + P(Gᶜ),
//     where * marks the ideal mechanism and ′ the neighbour. So the release is (ε, δ)-DP with
//       ε = ε′ + N·ln((1+ρ)/(1−ρ)),   δ = (1+ρ)^N·δ′ + P(Gᶜ),
//     and P(Gᶜ) ≤ N·P(|X′| > t − shift) plus the probability that U's couplings fail. The values
//     whose law is the same under both neighbours factor out of the hockey-stick divergence (they
//     are independent of the rest given the earlier rounds), so only N counts.
// Calibration therefore targets the ideal (ε′, δ′) = (ε − margin, (δ − reserve)/(1+ρ)^N), with a
// reserve of δ/1024 for P(Gᶜ), and checks afterwards that the tails fit in the reserve.

import Foundation

/// How far the computed projections' shift may stray from the ideal: μ(t) = ((1 + η)t + a)/s.
public struct ShiftMargin: Codable, Sendable, Equatable {
  /// η, relative to ‖(x − x')U*‖.
  public var relative: Double
  /// a, in the accountant's units of t = √Q (√d times the absolute error in the output space).
  public var absolute: Double

  public init(relative: Double, absolute: Double) {
    self.relative = relative
    self.absolute = absolute
  }

  /// No margin: the ideal mechanism (the test vectors are stated for it).
  public static let zero = ShiftMargin(relative: 0, absolute: 0)

  /// η: the float encoding of rows (each entry rounded twice, relative 2^−23 each).
  public static let encodingRelative = 0x1p-22

  /// γ_d = d·u/(1 − d·u), u = 2^−24: the relative error bound of a float32 dot product of length d.
  public static func productError(length d: Int) -> Double {
    let du = Double(d) * 0x1p-24
    precondition(du < 0.5, "dot products this long are outside the float32 error bound")
    return du / (1 - du)
  }

  /// A bound on ‖U‖_F for U (d × m') iid N(0, 1/d), failing with probability e^−60
  /// (Laurent–Massart: χ²(k) ≤ k + 2√(60k) + 120), widened by U's coupling error 2^−18.
  public static func frobeniusBound(encodedWidth d: Int, projections m: Int) -> Double {
    let k = Double(d) * Double(m)
    return ((k + 2 * (60 * k).squareRoot() + 120) / Double(d)).squareRoot() * (1 + 0x1p-18)
  }

  /// A bound on every column norm of such a U, failing with probability e^−60 in all.
  public static func columnNormBound(encodedWidth d: Int, projections m: Int) -> Double {
    let k = Double(d)
    let x = 60 + log(Double(m))
    return ((k + 2 * (k * x).squareRoot() + 2 * x) / k).squareRoot() * (1 + 0x1p-18)
  }

  /// The margin of a release whose U is drawn at random (header of this file).
  public static func randomDirections(encodedWidth d: Int, projections m: Int) -> ShiftMargin {
    let f = frobeniusBound(encodedWidth: d, projections: m)
    let kappa = 0x1p-18 * f
    let product = 2 * productError(length: d) * f
    return ShiftMargin(
      relative: encodingRelative, absolute: Double(d).squareRoot() * (kappa + product))
  }

  /// The probability that the bounds above fail for a random U: e^−60 for ‖U‖_F, e^−60 for the
  /// columns, and d·m'·2^−60 for the couplings of U's entries.
  public static func randomDirectionsFailure(encodedWidth d: Int, projections m: Int) -> Double {
    2 * exp(-60) + Double(d) * Double(m) * 0x1p-60
  }

  /// μ(t)·s for the shift t = √Q.
  @inline(__always)
  func widened(_ t: Double) -> Double { (1 + relative) * t + absolute }
}

/// One round of aggregate measurements, as the implementation margin needs it: how many
/// published values one row can move and by how much, in units of μ.
public struct AggregateRound: Sendable, Equatable {
  /// J: the count (or score) vectors of the round, each with the same σ.
  public var queries: Int
  /// Values of one vector that one row can move: 2 for a count table, P for the score vector.
  public var affectedValuesPerQuery: Int
  /// One value's sensitivity over the vector's L2 sensitivity: 1/√2 for counts, 1/√P for scores.
  public var valueShare: Double
  /// f: the round's fraction of μ_agg².
  public var fraction: Double
  /// What the round's computed sampler may add to an event's probability beyond the factor
  /// 1 + ρ (the exponential mechanism's integer weights; 0 for Gaussian rounds).
  public var additiveError: Double = 0
  /// Whether the round picks by the exponential mechanism (`queries` picks) rather than
  /// publishing Gaussian noisy vectors.
  public var isExponential: Bool = false

  public init(queries: Int, affectedValuesPerQuery: Int, valueShare: Double, fraction: Double) {
    self.queries = queries
    self.affectedValuesPerQuery = affectedValuesPerQuery
    self.valueShare = valueShare
    self.fraction = fraction
  }

  /// `steps` picks by the exponential mechanism, each among at most `candidates` (one published
  /// index per pick, within 1 ± ρ ≤ the snapped sampler's ρ of the ideal law, plus
  /// `ExponentialSelection.additiveError` above it; it shifts no Gaussian value).
  public static func exponential(steps: Int, candidates: Int, fraction: Double) -> AggregateRound {
    var round = AggregateRound(
      queries: steps, affectedValuesPerQuery: 1, valueShare: 0, fraction: fraction)
    round.additiveError =
      Double(steps) * ExponentialSelection.additiveError(candidates: candidates)
    round.isExponential = true
    return round
  }

  /// A round of J count tables (each row in one cell of each: two cells move, by 1 of √2).
  public static func counts(tables: Int, fraction: Double) -> AggregateRound {
    AggregateRound(
      queries: tables, affectedValuesPerQuery: 2, valueShare: 0.5.squareRoot(),
      fraction: fraction)
  }

  /// One vector of P selection scores (every score may move, each by 1/√P of the vector's
  /// sensitivity).
  public static func scores(candidates: Int, fraction: Double) -> AggregateRound {
    AggregateRound(
      queries: 1, affectedValuesPerQuery: candidates,
      valueShare: 1 / Double(candidates).squareRoot(), fraction: fraction)
  }

  /// N of the round.
  public var affectedValues: Int { queries * affectedValuesPerQuery }

  /// The largest shift of one value in units of its σ, for μ_agg: σ_r = Δ_r/√(f μ_agg²/J), so a
  /// value moving by valueShare·Δ_r moves by valueShare·√(f/J)·μ_agg standard deviations.
  public func valueShift(aggregateMu: Double) -> Double {
    valueShare * (fraction / Double(queries)).squareRoot() * aggregateMu
  }
}

/// The ε and δ the implementation adds to the ideal mechanism (header of this file).
///
/// ## Privacy
/// A release calibrated for the ideal (`idealEpsilon`, `idealDelta`) and built from the snapped
/// sampler is (ε, δ)-DP with ε = ideal ε + `epsilon` and δ = `deltaFactor`·ideal δ + `tailDelta`,
/// `tailDelta` ≤ `deltaReserve`. Tests: ImplementationMarginTests.
public struct ImplementationMargin: Codable, Sendable, Equatable {
  /// N: published values whose law can differ between two neighbouring tables.
  public var affectedValues: Int
  /// ρ (`SnappedGaussian.relativeCellError`).
  public var relativeCellError: Double
  /// N·ln((1 + ρ)/(1 − ρ)).
  public var epsilon: Double
  /// (1 + ρ)^N.
  public var deltaFactor: Double
  /// The part of δ set aside for the tails and couplings: δ/1024.
  public var deltaReserve: Double
  /// What the tails and couplings actually need (≤ `deltaReserve`).
  public var tailDelta: Double
  /// The projections' shift margin (zero without projections).
  public var shift: ShiftMargin

  /// The margin for N affected values at the target δ (tails not yet checked).
  public init(affectedValues n: Int, delta: Double, shift: ShiftMargin) {
    precondition(n >= 0 && delta > 0 && delta < 1)
    let rho = SnappedGaussian.relativeCellError()
    affectedValues = n
    relativeCellError = rho
    epsilon = Double(n) * (log1p(rho) - log1p(-rho))
    deltaFactor = exp(Double(n) * log1p(rho))
    deltaReserve = delta / 1024
    tailDelta = 0
    self.shift = shift
  }

  /// The ε the ideal mechanism is calibrated for; throws when the margin leaves nothing.
  public func idealEpsilon(_ epsilon: Double) throws -> Double {
    let ideal = epsilon - self.epsilon
    guard ideal > 0 else {
      throw PrivacyParameterError(
        message: "epsilon is \(epsilon), below the floating-point margin \(self.epsilon) of "
          + "\(affectedValues) published values")
    }
    return ideal
  }

  /// The δ the ideal mechanism is calibrated for.
  public func idealDelta(_ delta: Double) -> Double { (delta - deltaReserve) / deltaFactor }

  /// Records the tails: N·P(|X′| > t − shift) with `maximumShift` the largest per-value shift of
  /// a query between neighbours in units of its σ, plus `couplingFailure`. Throws when they do
  /// not fit in the reserve (ε so large that σ is a small fraction of one row's shift).
  public mutating func checkTails(maximumShift: Double, couplingFailure: Double) throws {
    let beyond = SnappedGaussian.tailCut - maximumShift
    let tails =
      Double(affectedValues) * SnappedGaussian.tailProbability(beyond: beyond)
      + couplingFailure
    guard tails <= deltaReserve else {
      throw PrivacyParameterError(
        message: "the noise is too small for slicegen's floating-point bound: one row moves a "
          + "published value by up to \(maximumShift)σ, and the sampler's tails beyond "
          + "\(SnappedGaussian.tailCut)σ − that shift would need δ = \(tails), more than the "
          + "\(deltaReserve) set aside; lower epsilon")
    }
    tailDelta = tails
  }

  /// The stated δ for the ideal mechanism's δ′.
  public func statedDelta(ideal: Double) -> Double { deltaFactor * ideal + tailDelta }
}
