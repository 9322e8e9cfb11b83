// The shape of a generator: latent size, hidden layers, activation, and one output head per kept
// column, matching the release's encoding block for block (Docs/design.md: G's output lives exactly
// where encoded rows live).

/// One column's output head.
public enum OutputBlock: Codable, Equatable, Sendable {
  /// 1 logit → v = sigmoid; encoded a·v.
  case numeric(scale: Float)
  /// 2 logits → v = sigmoid, p = sigmoid (missing); encoded a·(v·(1−p), p).
  case nullableNumeric(scale: Float)
  /// K logits → softmax; encoded a·probabilities.
  case categorical(count: Int, scale: Float)
  /// A numeric column as a categorical over public bins (marginal mode): K logits → softmax p;
  /// encoded a·Σ_k p_k·c_k over present bins (c_k the bin's centre in [0, 1]), plus a·p_missing
  /// when the last bin is "missing". Sampling draws a bin, then a value within it.
  case binned(centers: [Float], missingBin: Bool, scale: Float)

  /// Entries of the encoded row.
  public var width: Int {
    switch self {
    case .numeric: return 1
    case .nullableNumeric: return 2
    case .categorical(let count, _): return count
    case .binned(_, let missing, _): return missing ? 2 : 1
    }
  }

  /// Logits (and head values) of the block.
  public var logitCount: Int {
    switch self {
    case .numeric: return 1
    case .nullableNumeric: return 2
    case .categorical(let count, _): return count
    case .binned(let centers, let missing, _): return centers.count + (missing ? 1 : 0)
    }
  }
}

/// Activation of the hidden layers.
public enum Activation: String, Codable, Sendable, CaseIterable {
  case relu
  /// max(x, 0.2x).
  case leakyRelu = "leaky-relu"
}

/// How numeric heads map their logit to v ∈ [0, 1].
public enum NumericHead: String, Codable, Sendable, CaseIterable {
  /// v = sigmoid(x).
  case sigmoid
  /// v = clamp(x, 0, 1) (derivative 1 inside, 0 outside). A sigmoid cannot reach the bounds,
  /// where many values sit (a capital gain of 0); the clamp can. Compared in Docs/tuning.md.
  case clamp
  /// v = clamp(x, 0, 1) as `clamp`, but outside [0, 1] the gradient still passes when it points
  /// back into the interval (a one-sided straight-through estimator): a unit pushed past a bound
  /// can return, where the plain clamp's zero derivative leaves it there for good (measured on
  /// Adult: the clamp head collapsed every synthetic age to the lower bound; Docs/tuning.md).
  /// Not the derivative of the forward map outside [0, 1], on purpose.
  case clampRecover = "clamp-recover"
  /// v = clamp(x, 0, 1) as `clamp`, with the straight-through gradient (derivative 1
  /// everywhere): what the loss sees is what decoding writes, and no unit ever loses its
  /// gradient. Not the derivative of the forward map outside [0, 1], on purpose.
  case clampStraightThrough = "clamp-straight-through"
  /// v = x while training (derivative 1 everywhere); decoding clamps to the schema's bounds
  /// as for every head, so values past a bound become the bound (a point mass there).
  case linear
}

/// Everything that fixes the generator's parameter layout.
public struct GeneratorArchitecture: Codable, Equatable, Sendable {
  public var latent: Int
  public var hidden: [Int]
  public var activation: Activation
  public var numericHead: NumericHead
  public var blocks: [OutputBlock]
  /// Set for a class-conditional image generator (ConditionalImageGenerator.swift): the label
  /// block it is conditioned on (format version 4). Absent: every block comes from the network.
  public var condition: LabelCondition? = nil
  /// Set for the transposed-convolution image generator (TransposedConvolution.swift): the
  /// dense layers end in feature maps that these convolutions turn into the pixel logits (format
  /// version 8). Needs `condition`. Absent: the last dense layer computes the logits.
  public var upsampling: Upsampling? = nil

  public init(
    latent: Int, hidden: [Int], activation: Activation = .relu, numericHead: NumericHead = .clamp,
    blocks: [OutputBlock], condition: LabelCondition? = nil, upsampling: Upsampling? = nil
  ) {
    self.latent = latent
    self.hidden = hidden
    self.activation = activation
    self.numericHead = numericHead
    self.blocks = blocks
    self.condition = condition
    self.upsampling = upsampling
  }

  /// d, the encoded width.
  public var outputWidth: Int { blocks.reduce(0) { $0 + $1.width } }
  /// The number of logits of the last layer.
  public var logitCount: Int { blocks.reduce(0) { $0 + $1.logitCount } }
  /// The dense layers' widths from the network's input (the latent, or with a condition the
  /// latent and the label's one-hot) to the logits the last layer computes, or with upsampling
  /// to its first feature maps.
  public var widths: [Int] {
    guard let condition else { return [latent] + hidden + [logitCount] }
    return [condition.inputWidth(latent: latent)] + hidden
      + [upsampling?.inputWidth ?? logitCount - condition.count]
  }

  /// The parameter count: Σ (in·out + out) over dense layers, and the convolutions'.
  public var parameterCount: Int {
    zip(widths, widths.dropFirst()).reduce(0) { $0 + $1.0 * $1.1 + $1.1 }
      + (upsampling?.parameterCount ?? 0)
  }
}

extension Encoding {
  /// The generator heads matching this encoding (numeric columns as sigmoid heads).
  public var outputBlocks: [OutputBlock] {
    blocks.map { block in
      switch block.kind {
      case .numeric: return .numeric(scale: block.scale)
      case .nullableNumeric: return .nullableNumeric(scale: block.scale)
      case .categorical(let categories, _):
        return .categorical(count: categories.count, scale: block.scale)
      }
    }
  }
}
