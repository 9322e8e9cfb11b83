// How a release chooses its 2-way marginals privately (Releaser+Marginals.swift): a maximum
// spanning tree of the noisy pair scores, or the K largest scores. Stored in a release header as
// the text the user typed ("tree", "select:K"), so files read the same as before the type.

/// The private choice of pairs: `tree` (c − 1 pairs) or `largest(K)` (`select:K`).
public enum PairSelectionMode: Equatable, Sendable, CustomStringConvertible {
  case tree
  case largest(Int)

  /// "tree" or "select:K", as `--marginals` takes it.
  public var description: String {
    switch self {
    case .tree: return "tree"
    case .largest(let k): return "select:\(k)"
    }
  }

  /// Reads "tree" or "select:K" (K ≥ 1); nil for anything else.
  public init?(text: String) {
    if text == "tree" {
      self = .tree
    } else if text.hasPrefix("select:"), let k = Int(text.dropFirst("select:".count)), k > 0 {
      self = .largest(k)
    } else {
      return nil
    }
  }
}

extension PairSelectionMode: Codable {
  public init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    let text = try container.decode(String.self)
    guard let mode = PairSelectionMode(text: text) else {
      throw DecodingError.dataCorruptedError(
        in: container, debugDescription: "pair-selection mode must be tree or select:K, not \(text)"
      )
    }
    self = mode
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    try container.encode(description)
  }
}
