// The privacy settings a shard copies from a release header (`release --like first.slg`, and
// every part of `merge`), each checked against its rule before anything is copied, and the σ those
// settings calibrate. Deliberately not here: the calibration itself (ReleaseCalibration in
// SliceGenPrivacy, called as the release calls it) and the checks on U and the seed
// (ReleaseTemplate, ReleaseMerge).
//
// Why σ is re-derived. A release file carries a SHA-256 of its bytes, which detects corruption but
// authenticates nothing: anyone can edit a header and recompute the checksum. A shard that copied
// σ on trust would release new private rows with whatever noise the file names while stating the
// file's (ε, δ). So σ is recomputed from the header's (ε, δ, m', d, accountant, relation,
// subsampling) by the same call a release makes, and the header's σ must be at least that.
// One-sided: a larger σ is sound, since δ(ε) of the Gaussian mechanism, and so of the χ² mixture
// over U, falls as σ grows at fixed ε. The relative tolerance of 1e-9 is ten times the root
// finder's (1e-10 in SlicingAccountant), so a file written honestly by a slicegen whose root
// finder stopped at a slightly different point is not refused. A σ smaller by 1e-9 relative
// raises δ by 1e-9 times δ's elasticity in σ, relative: about 13 at ε = 1, δ = 1e-5, m' = 16
// and 16 at m' = 200, so about 2e-8 of δ, far below the digits a δ is stated to.

import Foundation
import SliceGenPrivacy

/// The checked privacy settings of a projections-only release with a secure seed.
public struct ShardSettings: Sendable {
  /// The projections' own spend (without discovery, if the schema was discovered).
  public var epsilon: Double
  public var delta: Double
  public var accountant: SlicingAccountantKind
  public var neighbors: NeighbouringRelation
  public var subsampling: Double?
  /// The share of μ² the marginals took (0 without marginals).
  public var aggregateShare: Double
  /// The calibration the settings give today (σ re-derived; the header's σ is at least this).
  public var derived: ReleaseCalibration

  /// How far below the re-derived σ a header's σ may be, relative (see the file header).
  public static let sigmaTolerance = 1e-9

  /// Checks every privacy field of `h` and re-derives σ.
  /// - Parameter file: how errors name the file (its path, or "--like path").
  /// - Throws: `ReleaseError` naming the file, the header field, its value and the rule.
  ///
  /// ## Privacy
  /// A shard released with the header's σ satisfies the header's (ε, δ) under its relation
  /// whenever this returns (the calibration's guarantee, σ only larger). Tests:
  /// ReleaseTemplateTests.
  public init(header h: ReleaseHeader, file: String) throws {
    func refuse(_ field: String, _ value: Any, _ rule: String) -> ReleaseError {
      ReleaseError("\(file): header field \(field) is \(value), \(rule)")
    }
    func quoted(_ text: String) -> String { "\"\(text)\"" }
    func names<T: RawRepresentable & CaseIterable>(_: T.Type) -> String where T.RawValue == String {
      T.allCases.map { quoted($0.rawValue) }.joined(separator: " or ")
    }

    // A MERF release has no projections to share or merge (Docs/merf.md).
    guard h.method != .merf else {
      throw refuse(
        "method", quoted(h.method.rawValue),
        "is a DP-MERF release (one noisy sum, no projections): it cannot be a first release of "
          + "shards or be merged")
    }
    // Sizes, as a release checks them (Releaser), and d from the schema the shard will encode with.
    let p = h.privacy
    let d = Encoding(schema: h.schema).width
    guard h.encodedWidth == d else {
      throw refuse(
        "encodedWidth", h.encodedWidth,
        "must be \(d), the encoded width of the header's own schema")
    }
    guard (1...100_000).contains(h.slices) else {
      throw refuse("slices", h.slices, "must be from 1 to 100000")
    }
    guard (1...d).contains(h.sliceDim) else {
      throw refuse("sliceDim", h.sliceDim, "must be from 1 to d = \(d)")
    }
    let (mPrime, overflow) = h.slices.multipliedReportingOverflow(by: h.sliceDim)
    guard !overflow, h.projections == mPrime, mPrime <= 1_000_000 else {
      throw refuse(
        "projections", h.projections,
        "must be slices × sliceDim = \(h.slices) × \(h.sliceDim), at most 1000000")
    }
    guard (h.method == .slicingAndMarginals) == (h.marginals != nil) else {
      throw refuse(
        "method", quoted(h.method.rawValue), "does not match the marginals the file holds")
    }

    // Names: an unknown one is an error, never a default.
    guard let accountant = p.accountant.slicingKind else {
      throw refuse(
        "privacy.accountant", quoted(p.accountant.rawValue),
        "must be \(names(SlicingAccountantKind.self)) (the analyses of a U drawn at random)")
    }
    let neighbors = p.neighbors

    // Numbers, NaN and infinity included.
    guard h.sigma.isFinite, h.sigma > 0 else {
      throw refuse("sigma", h.sigma, "must be positive and finite")
    }
    let rootD = Double(d).squareRoot()
    guard abs(h.noiseScale - h.sigma * rootD) <= 1e-9 * h.sigma * rootD else {
      throw refuse("noiseScale", h.noiseScale, "must be sigma·√d = \(h.sigma * rootD)")
    }
    guard p.epsilon.isFinite, p.epsilon > 0 else {
      throw refuse("privacy.epsilon", p.epsilon, "must be positive and finite")
    }
    guard p.delta.isFinite, p.delta > 0, p.delta < 1 else {
      throw refuse("privacy.delta", p.delta, "must be in (0, 1)")
    }
    if let q = p.subsampling {
      guard q.isFinite, q > 0, q < 1 else {
        throw refuse("privacy.subsampling", q, "must be in (0, 1) or null")
      }
    }
    // Components: the projections first, with the header's σ and sensitivity 1; with marginals,
    // then the aggregate rounds (one round of fixed tables, or the 1 + 2R rounds of private pair
    // selection), whose declared shares add up to 1.
    guard let c = p.components.first, c.name == "projections",
      c.sigma.bitPattern == h.sigma.bitPattern, c.l2Sensitivity == 1, c.queries == nil,
      h.marginals == nil ? p.components.count == 1 && c.share == 1 : c.share > 0 && c.share < 1
    else {
      throw refuse(
        "privacy.components", p.components.map(\.name),
        "must start with \"projections\" with the header's sigma and l2Sensitivity 1 (share 1 "
          + "without marginals)")
    }
    let aggregates = Array(p.components.dropFirst())
    let aggregateShare = aggregates.reduce(0) { $0 + $1.share }
    var rounds: [AggregateRound] = []
    if let marginals = h.marginals {
      guard p.subsampling == nil else {
        throw refuse("privacy.subsampling", p.subsampling!, "must be null with marginals")
      }
      guard abs(aggregateShare + c.share - 1) < 1e-9,
        aggregates.allSatisfy({
          $0.share > 0 && $0.sigma.isFinite && $0.sigma > 0 && ($0.queries ?? 0) > 0
        })
      else {
        throw refuse(
          "privacy.components", p.components.map(\.share),
          "must have positive shares adding up to 1, positive σ and query counts")
      }
      let columns = h.schema.keptColumns.count
      let twoWay = marginals.filter { $0.columns.count == 2 }.count
      if let selection = h.pairSelection {
        // 1 + 2R rounds: the 1-way tables, then per selection round one score vector over the
        // candidates not measured before it and the round's 2-way tables.
        let candidates = columns * (columns - 1) / 2
        let selectionRounds = (aggregates.count - 1) / 2
        let perRound = selection.rounds?.map(\.chosen.count) ?? [twoWay]
        var remaining = candidates
        var consistent =
          aggregates.count >= 3 && aggregates.count % 2 == 1 && aggregates[0].queries == columns
          && selectionRounds == perRound.count && perRound.reduce(0, +) == twoWay
          && selection.candidates.count == candidates
        rounds = [.counts(tables: columns, fraction: aggregates[0].share / aggregateShare)]
        if selection.isExponential {
          // One round of k picks (plan units: "sensitivity" 1, σ = 1/μ of a pick).
          consistent = consistent && aggregates.count == 3
          if consistent {
            let (picks, tables) = (aggregates[1], aggregates[2])
            consistent =
              picks.queries == twoWay && picks.l2Sensitivity == 1 && tables.queries == twoWay
            rounds.append(
              .exponential(
                steps: twoWay, candidates: candidates, fraction: picks.share / aggregateShare))
            rounds.append(.counts(tables: twoWay, fraction: tables.share / aggregateShare))
          }
        } else {
          for (r, k) in perRound.enumerated() where consistent {
            let (scores, tables) = (aggregates[1 + 2 * r], aggregates[2 + 2 * r])
            consistent =
              scores.queries == 1 && tables.queries == k
              && scores.l2Sensitivity >= 2 * Double(remaining).squareRoot()
            rounds.append(.scores(candidates: remaining, fraction: scores.share / aggregateShare))
            rounds.append(.counts(tables: k, fraction: tables.share / aggregateShare))
            remaining -= k
          }
        }
        guard consistent else {
          throw refuse(
            "privacy.components", aggregates.map(\.name),
            "must be the rounds of pair selection: \(columns) one-way tables, then per "
              + "selection round one score vector of the candidates not yet measured (\(candidates) "
              + "in the first) and the round's two-way tables (\(twoWay) in all)")
        }
      } else {
        guard aggregates.count == 1, aggregates[0].queries == marginals.count else {
          throw refuse(
            "privacy.components", aggregates.map(\.name),
            "must be one round of \(marginals.count) count tables")
        }
        rounds = [.counts(tables: marginals.count, fraction: 1)]
      }
      // Every table's σ is its round's σ (2-way tables in the order their rounds measured them).
      var twoWayRound: [[String]: Int] = [:]
      for (r, round) in (h.pairSelection?.rounds ?? []).enumerated() {
        for pair in round.chosen { twoWayRound[pair] = 2 + 2 * r }
      }
      for m in marginals {
        let round =
          h.pairSelection == nil || m.columns.count == 1
          ? aggregates[0] : aggregates[twoWayRound[m.columns] ?? 2]
        guard m.sigma.bitPattern == round.sigma.bitPattern,
          m.l2Sensitivity == MarginalMechanism.l2Sensitivity,
          round.l2Sensitivity == MarginalMechanism.l2Sensitivity
        else {
          throw refuse(
            "marginals \(m.columns) sigma", m.sigma,
            "must be its round's σ \(round.sigma), with L2 sensitivity √2")
        }
      }
    }

    // The projections' own (ε, δ): the whole budget, or what discovery left.
    var epsilon = p.epsilon
    var delta = p.delta
    if let spend = p.discovery {
      guard neighbors == .replaceOne else {
        throw refuse(
          "privacy.neighbors", quoted(p.neighbors.rawValue),
          "must be \"replace-one\" when the schema was discovered (privacy.discovery is set)")
      }
      guard spend.fraction.isFinite, spend.fraction > 0, spend.fraction < 1 else {
        throw refuse("privacy.discovery.fraction", spend.fraction, "must be in (0, 1)")
      }
      for (field, value) in [("epsilon", spend.epsilon), ("releaseEpsilon", spend.releaseEpsilon)]
      where !(value.isFinite && value > 0) {
        throw refuse("privacy.discovery.\(field)", value, "must be positive and finite")
      }
      for (field, value) in [("delta", spend.delta), ("releaseDelta", spend.releaseDelta)]
      where !(value.isFinite && value > 0 && value < 1) {
        throw refuse("privacy.discovery.\(field)", value, "must be in (0, 1)")
      }
      guard spend.epsilon + spend.releaseEpsilon <= p.epsilon else {
        throw refuse(
          "privacy.epsilon", p.epsilon,
          "must be at least discovery's epsilon + releaseEpsilon = "
            + "\(spend.epsilon + spend.releaseEpsilon) (sequential composition)")
      }
      guard spend.delta + spend.releaseDelta <= p.delta else {
        throw refuse(
          "privacy.delta", p.delta,
          "must be at least discovery's delta + releaseDelta = "
            + "\(spend.delta + spend.releaseDelta) (sequential composition)")
      }
      epsilon = spend.releaseEpsilon
      delta = spend.releaseDelta
    }

    // σ, re-derived by the release's own calibration.
    let derived: ReleaseCalibration
    do {
      derived = try ReleaseCalibration.calibrate(
        epsilon: epsilon, delta: delta, slices: h.slices, sliceDim: h.sliceDim, encodedWidth: d,
        accountant: accountant, neighbors: neighbors, subsampling: p.subsampling,
        fixedDirections: nil, aggregateShare: aggregateShare, aggregateRounds: rounds)
    } catch let error as PrivacyParameterError {
      throw ReleaseError("\(file): its privacy settings cannot be calibrated: \(error.message)")
    }
    let settings =
      "ε = \(epsilon), δ = \(delta), m' = \(h.projections) projections, d = \(d), "
      + "accountant \(accountant.rawValue), \(neighbors.rawValue), "
      + (p.subsampling.map { "subsampling \($0)" } ?? "no subsampling")
    guard derived.sigma.isFinite else {
      throw ReleaseError("\(file): no finite σ meets \(settings)")
    }
    guard h.sigma >= derived.sigma * (1 - Self.sigmaTolerance) else {
      throw refuse(
        "sigma", h.sigma,
        "must be at least \(derived.sigma), the σ calibrated for \(settings): less noise than "
          + "its stated guarantee needs (the file was edited, or made by a faulty slicegen)")
    }
    // With marginals, every round's σ at least the σ the derived μ_agg² gives it (the scores' Δ
    // as stored, at least 2√P, checked above).
    if !rounds.isEmpty {
      let plan = MarginalRoundPlan(
        aggregateMuSquared: derived.aggregateMuSquared,
        rounds: zip(aggregates, rounds).map { component, round in
          (component.name, component.queries!, component.l2Sensitivity, round.fraction)
        })
      for (component, round) in zip(aggregates, plan.rounds)
      where component.sigma < round.sigma * (1 - Self.sigmaTolerance) {
        throw refuse(
          "privacy.components \(component.name) sigma", component.sigma,
          "must be at least \(round.sigma), the σ its share of μ² gives for \(settings)")
      }
    }
    self.aggregateShare = aggregateShare
    self.epsilon = epsilon
    self.delta = delta
    self.accountant = accountant
    self.neighbors = neighbors
    subsampling = p.subsampling
    self.derived = derived
  }
}
