// The inverse of the encoding: from an encoded row (a real one, or a generator's output, whose
// categorical blocks hold probabilities × scale) back to field texts in the schema's kept-column
// order. Numbers are un-scaled, clamped to the domain and rounded for integer columns; categories
// are drawn from the block's probabilities (argmax would erase rare categories, Docs/design.md), or
// taken by argmax when no generator is given (used for exact round trips of real rows).

import Foundation

extension Encoding {
  /// Decodes one encoded row into texts, one per kept column.
  /// - Parameters:
  ///   - row: `width` entries.
  ///   - rng: when given, categories and missingness are sampled from their probabilities;
  ///     otherwise the most probable category (and missing when its weight is above one half).
  ///   - decodedElsewhere: blocks whose field the caller fills itself (a generator's binned
  ///     heads, Sampler.swift): they get an empty text and draw nothing.
  public func decode(
    _ row: UnsafePointer<Float>, into fields: inout [String],
    using rng: inout some RandomNumberGenerator, sample: Bool, decodedElsewhere: [Bool]? = nil
  ) {
    fields.removeAll(keepingCapacity: true)
    let missingToken = schema.missingTokens.first ?? ""
    for (index, block) in blocks.enumerated() {
      if decodedElsewhere?[index] == true {
        fields.append("")
        continue
      }
      let values = row + block.offset
      let inverse = 1 / Double(block.scale)
      switch block.kind {
      case .numeric(let lower, let upper, let integer):
        fields.append(Self.number(Double(values[0]) * inverse, lower, upper, integer))
      case .nullableNumeric(let lower, let upper, let integer):
        let pMissing = min(max(Double(values[1]) * inverse, 0), 1)
        let isMissing =
          sample ? Double.random(in: 0..<1, using: &rng) < pMissing : pMissing > 0.5
        if isMissing {
          fields.append(missingToken)
        } else {
          // A generator writes v·(1 − p) in the value slot; undo the factor.
          let present = max(1 - pMissing, 1e-12)
          fields.append(Self.number(Double(values[0]) * inverse / present, lower, upper, integer))
        }
      case .categorical(let categories, _):
        var chosen = 0
        if sample {
          var total = 0.0
          for j in 0..<block.width { total += max(Double(values[j]), 0) }
          var u = Double.random(in: 0..<1, using: &rng) * total
          chosen = block.width - 1
          for j in 0..<block.width {
            u -= max(Double(values[j]), 0)
            if u < 0 {
              chosen = j
              break
            }
          }
        } else {
          for j in 1..<block.width where values[j] > values[chosen] { chosen = j }
        }
        fields.append(categories[chosen])
      }
    }
  }

  /// The text of a decoded number: un-scaled from [0, 1], clamped, rounded for integers.
  static func number(_ unit: Double, _ lower: Double, _ upper: Double, _ integer: Bool) -> String {
    let clampedUnit = unit.isFinite ? min(max(unit, 0), 1) : 0
    let value = min(max(lower + clampedUnit * (upper - lower), lower), upper)
    if integer { return String(Int64(value.rounded())) }
    return formatNumber(value)
  }

  /// Up to 7 significant digits, no exponent for everyday magnitudes.
  static func formatNumber(_ value: Double) -> String {
    if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
    var text = String(format: "%.7g", value)
    if text.contains("e") { return text }
    if text.contains(".") {
      while text.hasSuffix("0") { text.removeLast() }
      if text.hasSuffix(".") { text.removeLast() }
    }
    return text
  }
}
