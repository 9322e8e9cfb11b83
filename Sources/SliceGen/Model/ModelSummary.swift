// What `inspect` prints for a model file: where it came from, its generator, and the guarantee it
// inherits from its release (training and sampling are post-processing), with the release's
// warnings (test noise, a domain drafted from the data) as prominent as for the release itself.
// A model trained directly on private rows (`train-nonprivate`) shows NOT PRIVATE instead, and
// no ε, δ or statement of any release.

import Foundation

/// A model header rendered for people (text) and programs (JSON).
public struct ModelSummary {
  public let header: ModelHeader

  public init(header: ModelHeader) { self.header = header }

  /// The text of `inspect model.slgm`.
  public func text(path: String) -> String {
    if let marker = header.dpsgd { return dpsgdText(marker, path: path) }
    guard let r = header.release else { return nonPrivateText(path: path) }
    let p = r.privacy
    let a = header.architecture
    var lines = ["Model \(path)"]
    lines.append("  trained on    release \(r.checksum.prefix(16))… (\(r.method), \(r.rows) rows)")
    if let forest = header.forest {
      let pairs = forest.filter { $0.columns.count == 2 }.count
      lines.append(
        "  sampler       the maximum-entropy forest of the release's 1-way and \(pairs) 2-way "
          + "marginals (no generator trained)")
    } else {
      let hidden = a.hidden.map(String.init).joined(separator: ",")
      lines.append(
        "  generator     latent \(a.latent), hidden \(hidden)\(a.upsamplingText), "
          + "\(header.parameterCount) parameters"
          + (a.condition.map {
            ", class-conditional on \(Encoding(schema: header.schema).blocks[$0.block].name)"
          } ?? ""))
      lines.append("  training      \(header.history.count) epochs, kept epoch \(header.bestEpoch)")
    }
    lines.append("")
    lines.append("Privacy (inherited from the release: training and sampling are post-processing)")
    for label in p.warningLabels { lines.append("  WARNING: \(label)") }
    lines.append(
      "  (ε, δ) = (\(SummaryText.number(p.epsilon)), \(SummaryText.scientific(p.delta))) under \(p.neighbors)"
    )
    lines.append("")
    lines.append(SummaryText.wrap(p.statement, indent: "  "))
    return lines.joined(separator: "\n")
  }

  /// The JSON of `inspect model.slgm --json`.
  public func jsonText() throws -> String {
    if let marker = header.dpsgd { return try dpsgdJSONText(marker) }
    guard let r = header.release else { return try nonPrivateJSONText() }
    let p = r.privacy
    let object: [String: JSONValue] = [
      "format": .string(header.format),
      "formatVersion": .number(Double(header.formatVersion)),
      "toolVersion": .string(header.toolVersion),
      "releaseChecksum": .string(r.checksum),
      "method": .string(r.method.rawValue),
      "rows": .number(Double(r.rows)),
      "parameters": .number(Double(header.parameterCount)),
      "sampler": .string(
        header.forest != nil
          ? "forest" : header.architecture.condition != nil ? "conditional" : "generator"),
      "epochs": .number(Double(header.history.count)),
      "bestEpoch": .number(Double(header.bestEpoch)),
      "epsilon": .number(p.epsilon),
      "delta": .number(p.delta),
      "neighbors": .string(p.neighbors.rawValue),
      "noiseIsPrivate": .bool(p.noiseIsPrivate),
      "domainProtected": .bool(p.domainProtected),
      "warnings": .array(p.warningLabels.map(JSONValue.string)),
      "statement": .string(p.statement),
    ]
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
    return String(decoding: try encoder.encode(JSONValue.object(object)), as: UTF8.self)
  }

  /// The generator's lines, shared by both kinds of model.
  var generatorLines: [String] {
    let a = header.architecture
    let hidden = a.hidden.map(String.init).joined(separator: ",")
    return [
      "  generator     latent \(a.latent), hidden \(hidden)\(a.upsamplingText), "
        + "\(header.parameterCount) parameters",
      "  training      \(header.history.count) epochs, kept epoch \(header.bestEpoch)",
    ]
  }

  /// `inspect` of a model trained directly on private rows.
  private func nonPrivateText(path: String) -> String {
    // A header read from a file has one of the two (`ModelHeader.problem()`); one built in
    // memory might have neither, and then states nothing.
    guard let marker = header.nonPrivate else {
      return "Model \(path)\n  neither a release nor the NOT PRIVATE marker: no statement"
    }
    var lines = ["Model \(path)"]
    lines.append("  \(marker.statement)")
    lines.append("  trained on    \(marker.rows) private rows directly (train-nonprivate)")
    lines += generatorLines
    let weight = SummaryText.number(marker.regularisationWeight)
    lines.append(
      "  regularisation \(marker.regularisation.rawValue)"
        + (marker.regularisation == .none ? "" : " (weight \(weight))"))
    lines.append("")
    lines.append("Privacy")
    lines.append("  \(marker.statement)")
    lines.append(
      SummaryText.wrap(
        "This generator was trained on the private rows themselves, with no differential "
          + "privacy: its parameters and everything sampled from it may reveal those rows. Use "
          + "it as a baseline for the membership scores of 'evaluate --privacy', never to "
          + "publish.", indent: "  "))
    return lines.joined(separator: "\n")
  }

  /// `inspect --json` of a model trained directly on private rows: no privacy numbers at all.
  private func nonPrivateJSONText() throws -> String {
    let marker =
      header.nonPrivate
      ?? NonPrivateTraining(
        rows: 0, regularisation: .none, regularisationWeight: 0, slices: 0, sliceDim: 0)
    let object: [String: JSONValue] = [
      "format": .string(header.format),
      "formatVersion": .number(Double(header.formatVersion)),
      "toolVersion": .string(header.toolVersion),
      "private": .bool(false),
      "statement": .string(marker.statement),
      "rows": .number(Double(marker.rows)),
      "regularisation": .string(marker.regularisation.rawValue),
      "regularisationWeight": .number(marker.regularisationWeight),
      "parameters": .number(Double(header.parameterCount)),
      "sampler": .string("generator"),
      "epochs": .number(Double(header.history.count)),
      "bestEpoch": .number(Double(header.bestEpoch)),
    ]
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
    return String(decoding: try encoder.encode(JSONValue.object(object)), as: UTF8.self)
  }
}

extension GeneratorArchitecture {
  /// ", then transposed convolutions 64 → 32 → 1 from 7 x 7 maps", or "" without upsampling.
  var upsamplingText: String {
    guard let u = upsampling else { return "" }
    let channels = (u.channels + [1]).map(String.init).joined(separator: " → ")
    return ", then transposed convolutions \(channels) from \(u.width) x \(u.height) maps"
  }
}
