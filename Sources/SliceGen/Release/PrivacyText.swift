// The privacy statement of a release in plain words: what is protected, against which neighbour,
// by which analysis, and what is public. `inspect`, models and reports quote it.

import Foundation

enum PrivacyText {
  static func statement(for header: ReleaseHeader, populationRows n: Int) -> String {
    let p = header.privacy
    let relation =
      p.neighbors == .zeroOut
      ? "two tables that differ in one row, that row replaced by the all-zero encoded row (the "
        + "paper's zero-out relation)"
      : "two tables of the same size that differ in one row, replaced by any other row of the "
        + "declared domain (replace-one, bounded DP)"
    var text =
      "This release satisfies (ε = \(g(p.epsilon)), δ = \(g(p.delta)))-differential "
      + "privacy for \(relation). "
    if let spend = p.discovery {
      text +=
        "No schema was given: the domain was discovered from this table under differential "
        + "privacy, spending (ε = \(g(spend.epsilon)), δ = \(g(spend.delta))), a fraction "
        + "\(g(spend.fraction)) of the budget, under replace-one (two rounds of Gaussian noisy "
        + "histograms per column: the types and a grid of signed powers of two, then the grid "
        + "again, one cell per small whole number, or Gaussian partition selection of text "
        + "values); the projections spent the rest, (ε = "
        + "\(g(spend.releaseEpsilon)), δ = \(g(spend.releaseDelta))); by sequential composition "
        + "the two together satisfy the (ε, δ) above. "
    } else if let d = header.schema.discovery, header.shard == nil {
      text +=
        "The schema was itself discovered under differential privacy, spending (ε = "
        + "\(g(d.epsilon)), δ = \(g(d.delta))) on a table of \(d.rows) rows; if that was this "
        + "table, the total for it is (ε = \(g(p.epsilon + d.epsilon)), δ = "
        + "\(g(p.delta + d.delta))). "
    }
    if let merf = header.merf {
      text += merfText(merf, neighbors: p.neighbors)
    } else {
      text += accountantText(p)
    }
    if header.marginals != nil {
      text +=
        "The release also holds Gaussian noisy marginals over public bins (each count vector "
        + "has L2 sensitivity √2); they are composed exactly with the projections (Gaussian "
        + "mechanisms compose with μ² adding), and the (ε, δ) above covers the whole release. "
      if header.marginals!.contains(where: { $0.binGroups != nil }) {
        text +=
          "The 2-way marginals count numeric columns on coarser public groups of their bins "
          + "(fixed by the schema, --pair-bins and the public number of rows, never by a value), "
          + "so each row still "
          + "adds 1 to exactly one cell of every table. "
      }
    }
    if let selection = header.pairSelection, selection.isExponential {
      text +=
        "The 2-way marginals were chosen privately (\(selection.mode)): after the 1-way "
        + "marginals were released, each of the \(selection.candidates.count) candidate pairs got "
        + "the score ‖C − n·p̂_a⊗p̂_b‖₁ (exact 2-way counts against the independent model of the "
        + "released 1-way marginals; one replaced row moves each score by at most "
        + "Δ = \(g(selection.l2Sensitivity)): 2 plus a floating-point margin), and the "
        + "\(selection.chosen.count) pairs were picked one at a time by the exponential mechanism "
        + "(probability ∝ exp(ε₀·score/(2Δ)), ε₀ = \(g(selection.stepEpsilon ?? .nan)), among the "
        + "pairs the picks so far left open); only the picks are published. Each pick has "
        + "bounded range ε₀ and is therefore a Gaussian mechanism with "
        + "μ = \(g(selection.stepMu ?? .nan)) (Docs/privacy.md, “Pair selection by the "
        + "exponential mechanism”); μ was fixed before the data was read, and Gaussian "
        + "mechanisms compose adaptively with μ² adding, so the (ε, δ) above covers the selection "
        + "too. "
    } else if let selection = header.pairSelection {
      text +=
        "The 2-way marginals were chosen privately (\(selection.mode)): after the 1-way "
        + "marginals were released, each of the \(selection.candidates.count) candidate pairs got "
        + "the score ‖C − n·p̂_a⊗p̂_b‖₁ (exact 2-way counts against the independent model of the "
        + "released 1-way marginals; one replaced row moves each score by at most 2, plus a "
        + "floating-point margin, so the score vector has L2 sensitivity "
        + "\(g(selection.l2Sensitivity)) ≥ 2√P), released with Gaussian "
        + "noise (σ = \(g(selection.sigma))), and the pairs were picked from the noisy scores "
        + "(post-processing). Each round's μ was fixed before the data was read, and Gaussian "
        + "mechanisms compose adaptively with μ² adding, so the (ε, δ) above covers the selection "
        + "too. "
      if let rounds = selection.rounds, rounds.count > 1 {
        text +=
          "The pairs were picked in \(rounds.count) rounds (--rounds): each later round scored "
          + "only the pairs not measured before it, against the forest model of every table "
          + "released before it (a function of released values alone, so each score still moves "
          + "by at most 2 plus the margin, and the round's vector of P_r scores has L2 "
          + "sensitivity at most 2√P_r plus the margin: "
          + rounds.dropFirst().map { "σ = \(g($0.sigma)), sensitivity \(g($0.l2Sensitivity))" }
          .joined(separator: "; ")
          + "), then measured that round's picks; the number of rounds, the pairs each picks and "
          + "every σ were fixed before the data was read. "
      }
    }
    if let m = p.implementation {
      text +=
        "Every noisy value was drawn in double precision and published rounded to a grid "
        + "far coarser than the sampler's resolution (integers for counts), so its low-order bits "
        + "carry nothing about the data; the sampler's distance from an exact Gaussian and the "
        + "rounding of the computed projections are accounted and included in the (ε, δ) above "
        + "(ε + \(g(m.epsilon)), δ × (1 + \(g(m.deltaFactor - 1))) + \(g(m.tailDelta)) over "
        + "\(m.affectedValues) values one row can move; Docs/privacy.md, “What is published, bit "
        + "for bit”). "
      if header.pairSelection?.isExponential == true {
        text +=
          "Each exponential-mechanism pick is drawn exactly from 128-bit integer weights "
          + "(the double-precision weights times a power of two, rounded up), whose law is "
          + "within the same factor of the ideal one, plus at most 2^(2⌈log₂ P⌉ − 125) per pick "
          + "among P candidates, counted in the δ above; each pick is one of those values. "
      }
    }
    if let q = p.subsampling {
      text +=
        "Rows were Poisson-subsampled at rate \(g(q)) with a secure coin before release; "
        + "the stated δ already includes the amplification (δ = q·δ_base(ε), same relation). "
    }
    if let shard = header.shard {
      text +=
        "This is a shard released with --like: U, the schema and σ were copied from a first "
        + "release (SHA-256 \(shard.likeChecksum.prefix(16))…), so U was public before these rows "
        + "were released. The guarantee above averages over U and holds for rows that do not "
        + "depend on U; for a contributor who chose a row after seeing U only the fixed-U "
        + "Gaussian bound holds (L2 sensitivity ‖U‖₂ ≤ \(g(shard.spectralNormBound)), same σ): "
        + "ε = \(g(shard.fixedDirectionsEpsilon)) at the same δ. "
      if header.marginals != nil {
        text +=
          "Its marginals are the first release's tables (the 2-way ones as the first "
          + "release chose them, from its own noisy output), counted on these rows with the first "
          + "release's σ; no selection round ran here, so this shard spends no more than the first "
          + "release did. "
      }
    }
    text +=
      "Public, and not protected: the number of rows (\(n)), the schema"
      + (p.discovery != nil ? " (protected by the discovery spend above)" : "")
      + (header.merf == nil
        ? ", U and every parameter. " : ", the frequencies and every parameter. ")
    if !p.domainProtected {
      text +=
        "The schema was drafted from the data, so the domain itself (bounds and categories) "
        + "is NOT protected. "
    }
    if !p.noiseIsPrivate {
      text = "NOT PRIVATE: made with reproducible test noise. " + text
    }
    text +=
      "Everything computed from this release alone (fitting, sampling, tuning) is "
      + "post-processing and keeps this guarantee."
    return text
  }

  /// How the projections' σ was accounted.
  static func accountantText(_ p: ReleasePrivacy) -> String {
    switch p.accountant {
    case .analyticGaussian:
      return
        "The projection directions U were fixed by the user before the release, so it is "
        + "accounted as a Gaussian mechanism with L2 sensitivity ‖U‖₂ ≤ \(g(p.spectralNormBound ?? .nan)) "
        + "(analytic Gaussian mechanism, Balle & Wang 2018). "
    case .theorem1:
      return
        "U was drawn from a secure seed, independently of the data; the guarantee follows the "
        + "paper's "
        + "Theorem 1 (Greenewald et al. 2024), a looser RDP bound kept for reproduction. "
    case .profile:
      return
        "U was drawn from a secure seed, independently of the data; the guarantee is the exact "
        + "privacy profile of the slicing mechanism averaged over U (a χ²(m')-mixture of "
        + "Gaussian mechanisms; Docs/privacy.md, “The accountant”). "
    }
  }

  /// What a MERF release published and why its sensitivity holds (Docs/merf.md).
  static func merfText(_ merf: ReleasedMERF, neighbors: NeighbouringRelation) -> String {
    let conditional =
      merf.classes.map { classes in
        "class-conditional on \(merf.target ?? "") (each row's features/√2 in its class's block and "
          + "a label coordinate c = \(g(merf.labelValue)), \(classes.count) classes)"
      } ?? "not class-conditional"
    let why =
      switch (neighbors, merf.classes != nil) {
      case (.zeroOut, false): "the zero row's embedding is zero, so one row moves it by ‖ψ(x)‖ ≤ B"
      case (.zeroOut, true):
        "the zero row's embedding is zero, so one row moves it by ‖ψ(x)‖ ≤ √(B_φ² + c²)"
      case (.replaceOne, false): "one replaced row moves it by ‖ψ(x) − ψ(x′)‖ ≤ 2B"
      case (.replaceOne, true):
        "one replaced row moves it by at most 2B_φ (two classes: disjoint blocks; one class: the "
          + "label coordinates cancel)"
      }
    return
      "This is a DP-MERF release (Harder, Adamczewski, Park 2021): one noisy sum of the rows' "
      + "random Fourier feature embeddings ψ (\(merf.frequencies) public frequencies drawn from "
      + "the stated seed, Gaussian kernel of length scale \(g(merf.lengthScale)) fixed by the "
      + "schema; \(conditional)), and no projections. Every row's embedding is rounded to the "
      + "grid 2^−\(merf.fractionBits) and its feature part checked, in exact integer arithmetic, "
      + "against the bound \(g(merf.featureBound)) (a row that broke it would contribute zero), "
      + "and the rows are summed exactly; \(why), an L2 sensitivity of "
      + "\(g(merf.l2Sensitivity)). The sum got Gaussian noise σ = \(g(merf.sigma)) calibrated by "
      + "the analytic Gaussian mechanism (Balle & Wang 2018). "
  }

  static func g(_ x: Double) -> String {
    if x == x.rounded(), abs(x) < 1e9 { return String(Int64(x)) }
    return String(format: "%.4g", x)
  }

  /// The statement of a merged release: parallel composition if the shards are disjoint, and what
  /// holds for a row released several times.
  static func mergedStatement(for header: ReleaseHeader) -> String {
    let p = header.privacy
    let m = header.merged!
    let relation =
      p.neighbors == .zeroOut
      ? "two tables that differ in one row, that row replaced by the all-zero encoded row "
        + "(zero-out)"
      : "two tables of the same size that differ in one row, replaced by any other row of the "
        + "declared domain (replace-one, bounded DP)"
    var text =
      "If the shards hold disjoint rows (each row in exactly one shard, the shard each "
      + "row belongs to public), this merged release of \(m.parts.count) shards (\(header.rows) "
      + "rows in all) satisfies (ε = \(g(p.epsilon)), δ = \(g(p.delta)))-differential privacy for "
      + "\(relation): every row is protected once, by its own shard's release (the shards were "
      + "released with the same U, schema and σ and independent secure noise), so by parallel "
      + "composition the union satisfies the largest guarantee of its parts, and the projections "
      + "alone give every row (ε = \(g(m.releaseEpsilon)), δ = \(g(m.releaseDelta))) by the "
      + "\(p.accountant) analysis. Nothing checks that the rows are disjoint (merge refuses only "
      + "one release given twice: the same file, or the same noisy rows in any order), and the "
      + "unit protected is a row, not a person. "
    if let repeated = m.repeatedRows, !repeated.isEmpty {
      text +=
        "A row released k times (in k shards, or k times in one table) is protected by the "
        + "k-fold composition of the shard mechanism (given U, μ² adds: the exact profile "
        + "accountant at noise scale s/√k): "
        + repeated.map { "ε = \(g($0.epsilon)) for k = \($0.copies)" }.joined(separator: " and ")
        + " at δ = \(g(m.releaseDelta)). "
    }
    text +=
      "A person with k different rows is protected as a group: (kε, k·e^((k−1)ε)·δ) from "
      + "the (ε, δ) above (group privacy). "
    if let spend = p.discovery {
      text +=
        "The schema was discovered privately from the first shard's rows, spending (ε = "
        + "\(g(spend.epsilon)), δ = \(g(spend.delta))) more on those rows only. "
    }
    if m.parts.contains(where: \.like) {
      text +=
        "U was public before the shards released with --like: their guarantee averages over "
        + "U and holds for rows that do not depend on U; for a contributor who chose a row after "
        + "seeing U only the fixed-U Gaussian bound holds (‖U‖₂ ≤ \(g(m.spectralNormBound)), same "
        + "σ): ε = \(g(m.fixedDirectionsEpsilon)) at δ = \(g(m.releaseDelta)). "
    }
    if let marginals = header.marginals, let sample = marginals.first {
      text +=
        "Its \(marginals.count) marginals are the sums of the shards' noisy counts: each "
        + "shard counted its own rows and added its own noise, so every row's counts were "
        + "released once, and each summed table carries the noise of \(m.parts.count) shards, "
        + "σ = \(g(sample.sigma)) for the first table (√\(m.parts.count) times a shard's). "
    }
    text +=
      "Public, and not protected: the number of rows of every shard, the schema, U and every "
      + "parameter. "
    if !p.noiseIsPrivate {
      text = "NOT PRIVATE: at least one shard was made with reproducible test noise. " + text
    }
    text +=
      "Everything computed from this release alone (fitting, sampling, tuning) is "
      + "post-processing and keeps this guarantee."
    return text
  }
}
