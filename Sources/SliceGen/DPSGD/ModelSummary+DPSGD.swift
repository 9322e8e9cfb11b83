// What `inspect` prints for a model trained by DP-SGD (`train-dpsgd`): the mechanism, its own
// (ε, δ) under zero-out, and the numbers the accountant used (q, σ, T, C), so that anyone can
// recompute the ε with `slicegen plan --mechanism dp-sgd`.

import Foundation

extension ModelSummary {
  /// `inspect` of a DP-SGD model.
  func dpsgdText(_ marker: DPSGDTraining, path: String) -> String {
    var lines = ["Model \(path)"]
    lines.append(
      "  trained on    \(marker.rows) private rows by DP-SGD (train-dpsgd, mechanism dp-sgd)")
    lines += generatorLines
    lines.append(
      "  DP-SGD        q = \(SummaryText.number(marker.sampleRate)), σ = "
        + "\(SummaryText.number(marker.noiseMultiplier)), T = \(marker.steps) steps, C = "
        + "\(SummaryText.number(marker.clippingNorm)) (\(marker.clipping.rawValue) clipping, "
        + "\(marker.optimizer.rawValue)), \(marker.fakeBatch) synthetic rows a step")
    if let a = marker.adaptive {
      lines.append(
        "  adaptive      quantile \(SummaryText.number(a.targetQuantile)), count noise σ_b = "
          + "\(SummaryText.number(a.countNoise)), gradient noise z = "
          + "\(SummaryText.number(a.gradientNoiseMultiplier)), final C = "
          + "\(SummaryText.number(a.finalClippingNorm))")
    }
    if marker.reconstructionWeight != nil || marker.noiseInjection != nil {
      lines.append(
        "  Ma and Zhang  reconstruction weight "
          + (marker.reconstructionWeight.map { SummaryText.number($0) } ?? "off")
          + ", noise injection "
          + (marker.noiseInjection.map { "s = " + SummaryText.number($0) } ?? "off"))
    }
    lines.append("")
    lines.append("Privacy (DP-SGD: the generator's parameters and all samples are post-processing)")
    if !marker.noiseIsPrivate { lines.append("  WARNING: NOT PRIVATE: reproducible test noise") }
    lines.append(
      "  (ε, δ) = (\(SummaryText.number(marker.epsilon)), "
        + "\(SummaryText.scientific(marker.delta))) under \(marker.neighbors)")
    lines.append(
      "  accountant    \(marker.accountant), \(marker.conversion) conversion, "
        + "\(marker.orderGrid) orders: ε = \(SummaryText.number(marker.accountantEpsilon)) + "
        + "implementation margin \(SummaryText.number(marker.implementationEpsilon))")
    lines.append("")
    lines.append(SummaryText.wrap(marker.statement, indent: "  "))
    return lines.joined(separator: "\n")
  }

  /// `inspect --json` of a DP-SGD model.
  func dpsgdJSONText(_ marker: DPSGDTraining) throws -> String {
    var object: [String: JSONValue] = [
      "format": .string(header.format),
      "formatVersion": .number(Double(header.formatVersion)),
      "toolVersion": .string(header.toolVersion),
      "method": .string(marker.mechanism),
      "rows": .number(Double(marker.rows)),
      "parameters": .number(Double(header.parameterCount)),
      "sampler": .string("generator"),
      "epochs": .number(Double(header.history.count)),
      "bestEpoch": .number(Double(header.bestEpoch)),
      "epsilon": .number(marker.epsilon),
      "delta": .number(marker.delta),
      "neighbors": .string(marker.neighbors.rawValue),
      "noiseIsPrivate": .bool(marker.noiseIsPrivate),
      "sampleRate": .number(marker.sampleRate),
      "noiseMultiplier": .number(marker.noiseMultiplier),
      "steps": .number(Double(marker.steps)),
      "clippingNorm": .number(marker.clippingNorm),
      "clipping": .string(marker.clipping.rawValue),
      "optimizer": .string(marker.optimizer.rawValue),
      "accountantEpsilon": .number(marker.accountantEpsilon),
      "implementationEpsilon": .number(marker.implementationEpsilon),
      "statement": .string(marker.statement),
    ]
    if let w = marker.reconstructionWeight { object["reconstructionWeight"] = .number(w) }
    if let s = marker.noiseInjection { object["noiseInjection"] = .number(s) }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
    return String(decoding: try encoder.encode(JSONValue.object(object)), as: UTF8.self)
  }
}
