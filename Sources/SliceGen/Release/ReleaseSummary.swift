// What `inspect` prints: the release's guarantee in plain words, and the numbers as JSON with the
// keys documented in Docs/cli.md.

import Foundation

/// A release header rendered for people (text) and programs (JSON).
public struct ReleaseSummary {
  public let header: ReleaseHeader

  public init(header: ReleaseHeader) { self.header = header }

  /// The JSON of `inspect --json`.
  public func jsonText() throws -> String {
    let p = header.privacy
    var object: [String: JSONValue] = [
      "format": .string(header.format),
      "formatVersion": .number(Double(header.formatVersion)),
      "toolVersion": .string(header.toolVersion),
      "method": .string(header.method.rawValue),
      "epsilon": .number(p.epsilon),
      "delta": .number(p.delta),
      "sigma": .number(header.sigma),
      "noiseScale": .number(header.noiseScale),
      "rows": .number(Double(header.rows)),
      "encodedWidth": .number(Double(header.encodedWidth)),
      "slices": .number(Double(header.slices)),
      "sliceDim": .number(Double(header.sliceDim)),
      "projections": .number(Double(header.projections)),
      "accountant": .string(p.accountant.rawValue),
      "analysis": .string(p.analysis),
      "neighbors": .string(p.neighbors.rawValue),
      "projectionSeed": .string(header.projectionSeed),
      "projectionSeedSource": .string(header.projectionSeedSource),
      "domainProtected": .bool(p.domainProtected),
      "noiseIsPrivate": .bool(p.noiseIsPrivate),
      "statement": .string(p.statement),
      "floatingPointLeak": .bool(header.hasFloatingPointLeak),
      "columns": .number(Double(header.schema.keptColumns.count)),
      "components": .array(
        p.components.map { c in
          .object([
            "name": .string(c.name), "sigma": .number(c.sigma),
            "l2Sensitivity": .number(c.l2Sensitivity), "share": .number(c.share),
            "queries": c.queries.map { .number(Double($0)) } ?? .null,
          ])
        }),
    ]
    object["subsampling"] = p.subsampling.map(JSONValue.number) ?? .null
    if let merf = header.merf {
      object["merf"] = .object([
        "frequencies": .number(Double(merf.frequencies)),
        "lengthScale": .number(merf.lengthScale),
        "target": merf.target.map(JSONValue.string) ?? .null,
        "classes": merf.classes.map { .array($0.map(JSONValue.string)) } ?? .null,
        "dimension": .number(Double(merf.dimension)),
        "featureBound": .number(merf.featureBound), "labelValue": .number(merf.labelValue),
        "l2Sensitivity": .number(merf.l2Sensitivity), "sigma": .number(merf.sigma),
      ])
    }
    if let m = p.implementation {
      object["implementation"] = .object([
        "affectedValues": .number(Double(m.affectedValues)),
        "relativeCellError": .number(m.relativeCellError), "epsilon": .number(m.epsilon),
        "deltaFactor": .number(m.deltaFactor), "deltaReserve": .number(m.deltaReserve),
        "tailDelta": .number(m.tailDelta), "shiftRelative": .number(m.shift.relative),
        "shiftAbsolute": .number(m.shift.absolute),
      ])
    }
    if let spend = p.discovery {
      object["discovery"] = .object([
        "fraction": .number(spend.fraction), "epsilon": .number(spend.epsilon),
        "delta": .number(spend.delta), "spentDelta": .number(spend.spentDelta),
        "releaseEpsilon": .number(spend.releaseEpsilon),
        "releaseDelta": .number(spend.releaseDelta), "typeSigma": .number(spend.typeSigma),
        "valueSigma": .number(spend.valueSigma),
        "selectionThreshold": .number(spend.selectionThreshold),
        "columns": .number(Double(spend.columns)), "neighbors": .string("replace-one"),
      ])
      if let target = spend.target, let sigma = spend.targetValueSigma,
        let threshold = spend.targetSelectionThreshold,
        case .object(var fields)? = object["discovery"]
      {
        fields["target"] = .string(target)
        fields["targetValueSigma"] = .number(sigma)
        fields["targetSelectionThreshold"] = .number(threshold)
        object["discovery"] = .object(fields)
      }
    }
    if let shard = header.shard {
      object["shard"] = .object([
        "likeChecksum": .string(shard.likeChecksum),
        "fixedDirectionsEpsilon": .number(shard.fixedDirectionsEpsilon),
        "spectralNormBound": .number(shard.spectralNormBound),
      ])
    }
    if let m = header.merged {
      object["merged"] = .object([
        "parts": .array(
          m.parts.map { part in
            .object([
              "rows": .number(Double(part.rows)), "checksum": .string(part.checksum),
              "epsilon": .number(part.epsilon), "delta": .number(part.delta),
              "like": .bool(part.like),
            ])
          }),
        "releaseEpsilon": .number(m.releaseEpsilon), "releaseDelta": .number(m.releaseDelta),
        "fixedDirectionsEpsilon": .number(m.fixedDirectionsEpsilon),
        "spectralNormBound": .number(m.spectralNormBound),
        "repeatedRows": m.repeatedRows.map { rows in
          .array(
            rows.map { row in
              .object(["copies": .number(Double(row.copies)), "epsilon": .number(row.epsilon)])
            })
        } ?? .null,
      ])
    }
    object["pairSelection"] =
      header.pairSelection.map { selection in
        .object([
          "mode": .string(selection.mode.description),
          "candidates": .number(Double(selection.candidates.count)),
          "sigma": .number(selection.sigma),
          "l2Sensitivity": .number(selection.l2Sensitivity),
          "mechanism": Self.selectionMechanism(selection),
          "stepEpsilon": Self.optionalNumber(selection.stepEpsilon),
          "stepMu": Self.optionalNumber(selection.stepMu),
          "chosen": .array(selection.chosen.map { .array($0.map(JSONValue.string)) }),
          "rounds":
            selection.rounds.map { rounds in
              .array(
                rounds.map { round in
                  .object([
                    "model": .string(round.model),
                    "candidates": .number(Double(round.noisyScores.count)),
                    "sigma": .number(round.sigma),
                    "l2Sensitivity": .number(round.l2Sensitivity),
                    "chosen": .array(round.chosen.map { .array($0.map(JSONValue.string)) }),
                  ])
                })
            } ?? .null,
        ])
      } ?? .null
    object["spectralNormBound"] = p.spectralNormBound.map(JSONValue.number) ?? .null
    object["marginals"] =
      header.marginals.map { marginals in
        .array(
          marginals.map { m in
            .object([
              "columns": .array(m.columns.map(JSONValue.string)),
              "shape": .array(m.shape.map { .number(Double($0)) }),
              "bins": .array(m.bins.map { .number(Double($0.count)) }),
              "sigma": .number(m.sigma),
            ])
          })
      } ?? .null
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
    return String(decoding: try encoder.encode(JSONValue.object(object)), as: UTF8.self)
  }

  /// The text of `inspect`.
  public func text(path: String) -> String {
    let p = header.privacy
    var lines: [String] = []
    lines.append("Release \(path)")
    lines.append(
      "  method        "
        + (header.method == .slicing ? "slicing (the paper's mechanism)" : "\(header.method)"))
    lines.append("  rows          \(header.rows)")
    lines.append(
      "  columns       \(header.schema.keptColumns.count) released, encoded width d = \(header.encodedWidth)"
    )
    let seedSource =
      header.projectionSeedSource == "user"
      ? "chosen by the user" : "drawn by the secure generator"
    if let merf = header.merf {
      lines.append(
        "  merf          \(merf.frequencies) random Fourier frequencies (\(2 * merf.frequencies) features), length scale ℓ = \(SummaryText.number(merf.lengthScale)), "
          + (merf.classes.map { "class-conditional on \(merf.target ?? "") (\($0.count) classes)" }
            ?? "not class-conditional")
          + "; \(merf.dimension) noisy values, no projections")
      lines.append(
        "  noise         σ = \(SummaryText.number(merf.sigma)) per value of the sum, L2 sensitivity \(SummaryText.number(merf.l2Sensitivity))"
      )
      lines.append("  frequencies   seed \(header.projectionSeed) (\(seedSource))")
    } else {
      lines.append(
        "  slices        m = \(header.slices) of dimension k = \(header.sliceDim) (m' = \(header.projections) projections)"
      )
      lines.append(
        "  noise         σ = \(SummaryText.number(header.sigma)) per projection, s = σ·√d = \(SummaryText.number(header.noiseScale))"
      )
      lines.append("  projections U seed \(header.projectionSeed) (\(seedSource))")
    }
    lines.append("")
    lines.append("Privacy")
    if !p.noiseIsPrivate {
      lines.append("  WARNING: made with reproducible TEST noise. This release is NOT private.")
    }
    if header.hasFloatingPointLeak {
      lines.append(
        "  WARNING: written before format 3: its noisy counts were published in full "
          + "precision, and their low-order bits can reveal exact counts. Do not publish it; "
          + "release again with this slicegen.")
    }
    lines.append(
      "  (ε, δ) = (\(SummaryText.number(p.epsilon)), \(SummaryText.scientific(p.delta))) under \(p.neighbors)"
    )
    if let m = p.implementation {
      lines.append(
        "  floating point: every noisy value snapped to a coarse grid; the sampler "
          + "and computed-query margin is inside (ε, δ): ε + \(SummaryText.scientific(m.epsilon)), δ × (1 + "
          + "\(SummaryText.scientific(m.deltaFactor - 1))) + \(SummaryText.scientific(m.tailDelta)) over \(m.affectedValues) values"
      )
    }
    lines.append("  accountant    \(p.accountant): \(p.analysis)")
    if let bound = p.spectralNormBound {
      lines.append("  ‖U‖₂ ≤ \(SummaryText.number(bound)) (certified upper bound)")
    }
    if let q = p.subsampling {
      lines.append("  subsampling   Poisson, rate q = \(SummaryText.number(q))")
    }
    for c in p.components {
      if header.pairSelection?.isExponential == true, c.l2Sensitivity == 1, let k = c.queries {
        // The picks' round: k Gaussian mechanisms of μ = 1/σ each (ReleaseFile format 7).
        lines.append(
          "  component     \(c.name): \(k) picks, each μ = \(SummaryText.number(1 / c.sigma)), share of μ² \(SummaryText.number(c.share))"
        )
        continue
      }
      let count = c.queries.map { $0 == 1 ? ", 1 vector" : ", \($0) vectors" } ?? ""
      lines.append(
        "  component     \(c.name): σ = \(SummaryText.number(c.sigma)), L2 sensitivity \(SummaryText.number(c.l2Sensitivity)), share of μ² \(SummaryText.number(c.share))\(count)"
      )
    }
    if let marginals = header.marginals {
      let oneWay = marginals.filter { $0.columns.count == 1 }
      let twoWay = marginals.filter { $0.columns.count == 2 }
      let grouped = twoWay.filter { $0.binGroups != nil }.count
      lines.append(
        "  marginals     \(oneWay.count) one-way on the fine bins, \(twoWay.count) two-way"
          + (twoWay.isEmpty ? "" : " (\(grouped) on coarser pair bins); two-way shapes:"))
      if !twoWay.isEmpty {
        let shapes = twoWay.map { m in
          m.columns.joined(separator: ":") + " " + m.shape.map(String.init).joined(separator: "×")
        }
        // Packed by item, so a pair and its shape stay on one line.
        var line = "               "
        for (index, item) in shapes.enumerated() {
          let piece = " " + item + (index == shapes.count - 1 ? "" : ",")
          if line.count + piece.count > 96, line.count > 15 {
            lines.append(line)
            line = "               "
          }
          line += piece
        }
        lines.append(line)
      }
    }
    if let selection = header.pairSelection {
      let how =
        selection.isExponential
        ? "by the exponential mechanism among \(selection.candidates.count) candidates "
          + "(ε₀ = \(SummaryText.number(selection.stepEpsilon ?? .nan)) a pick, accounted as "
          + "μ = \(SummaryText.number(selection.stepMu ?? .nan)); in the order picked)"
        : "from \(selection.candidates.count) noisy scores"
      lines.append(
        "  pairs chosen  \(selection.mode) \(how): "
          + selection.chosen.map { $0.joined(separator: ":") }.joined(separator: ", "))
      for (r, round) in (selection.rounds ?? []).enumerated() {
        lines.append(
          "  round \(r + 1)       \(round.noisyScores.count) noisy scores against the "
            + "\(round.model) model (σ = \(SummaryText.number(round.sigma))): "
            + round.chosen.map { $0.joined(separator: ":") }.joined(separator: ", "))
      }
    }
    if let spend = p.discovery {
      lines.append(
        "  spend         domain discovery: ε = \(SummaryText.number(spend.epsilon)), δ = \(SummaryText.scientific(spend.delta)) (fraction \(SummaryText.number(spend.fraction)) of the budget; replace-one; σ₁ = \(SummaryText.number(spend.typeSigma)), σ₂ = \(SummaryText.number(spend.valueSigma)), threshold \(SummaryText.number(spend.selectionThreshold)) rows\(spend.target.map { t in "; target \(t): σ₂ = \(SummaryText.number(spend.targetValueSigma ?? .nan)), threshold \(SummaryText.number(spend.targetSelectionThreshold ?? .nan)) rows" } ?? ""))"
      )
      lines.append(
        "  spend         release: ε = \(SummaryText.number(spend.releaseEpsilon)), δ = \(SummaryText.scientific(spend.releaseDelta)); the two add up to the (ε, δ) above (sequential composition)"
      )
    } else if let d = header.schema.discovery, header.shard == nil, header.merged == nil {
      lines.append(
        "  note          the schema was discovered privately with ε = \(SummaryText.number(d.epsilon)), δ = \(SummaryText.scientific(d.delta)) on \(d.rows) rows; add that if it was this table"
      )
    }
    if let shard = header.shard {
      lines.append(
        "  shard         released --like \(shard.likeChecksum.prefix(16))…; if a row was chosen after seeing U: ε = \(SummaryText.number(shard.fixedDirectionsEpsilon)) (fixed-U bound, ‖U‖₂ ≤ \(SummaryText.number(shard.spectralNormBound)))"
      )
    }
    if let m = header.merged {
      lines.append(
        "  merged        \(m.parts.count) shards: "
          + m.parts.map { "\($0.rows) rows (ε = \(SummaryText.number($0.epsilon)))" }.joined(
            separator: ", "))
      lines.append(
        "  merged        projections alone: ε = \(SummaryText.number(m.releaseEpsilon)), δ = \(SummaryText.scientific(m.releaseDelta)); if a row was chosen after seeing U: ε = \(SummaryText.number(m.fixedDirectionsEpsilon))"
      )
      if let repeated = m.repeatedRows {
        lines.append(
          "  merged        if the shards overlap, a row released k times: "
            + repeated.map { "ε = \(SummaryText.number($0.epsilon)) (k = \($0.copies))" }.joined(
              separator: ", "))
      }
    }
    if !p.domainProtected {
      lines.append(
        "  WARNING: the schema was drafted from the data; the domain itself (bounds, categories) is NOT protected."
      )
    }
    lines.append("")
    lines.append(SummaryText.wrap(p.statement, indent: "  "))
    return lines.joined(separator: "\n")
  }
}

extension ReleaseSummary {
  /// "gaussian" or "exponential": how the selection picked (files before version 7: gaussian).
  fileprivate static func selectionMechanism(_ s: ReleasedPairSelection) -> JSONValue {
    .string(s.mechanism ?? SelectionMechanism.gaussian.rawValue)
  }

  fileprivate static func optionalNumber(_ x: Double?) -> JSONValue {
    x.map(JSONValue.number) ?? .null
  }
}
