// The class-conditional image generator (issue 18, `fit --sampler conditional`): G(z, c) takes a
// latent z and the one-hot c of a label category and outputs every pixel through a sigmoid (or
// the head `FitOptions.pixelHead` names); the synthetic row is (pixels, c), encoded exactly as
// the release's rows are (pixels a·v, the label a·onehot(c)), so the sliced loss on the released
// projections applies unchanged.
//
// It is the generator network of MLPGenerator.swift with three hooks, all driven by
// `GeneratorArchitecture.condition`:
//   input    the latent row z = (z_1 … z_L) becomes x = (z_1 … z_{L−1}, onehot(c)), width L−1+K,
//            where c is given (`sample --png` conditions on each class in turn) or drawn from
//            z_L by the inverse CDF of the label probabilities: c = min{k : Φ(z_L) < Σ_{j≤k} π_j}.
//            With z_L ~ N(0, 1), Φ(z_L) is uniform on (0, 1), so c ~ π. Drawing c from the latent
//            keeps one random input per row, so every caller that fills latents (training,
//            validation, `sample --rows`) draws labels with no change of its own.
//   logits   the last layer computes the pixel logits only; the label block's logits are set to 0
//            and its heads are onehot(c) (not a function of the parameters).
//   backward the label block contributes no δ (its head is constant in the parameters, so
//            ∂L/∂θ through it is 0); δ is compacted to the computed logits, and the first layer's
//            ∂W = xᵀ·δ uses x, the one-hot included. No gradient reaches c (it is discrete).
//
// π is the label's 1-way marginal as the release publishes it (post-processed noisy counts, so no
// privacy is spent: Docs/privacy.md, post-processing), on a class-conditional DP-MERF release the
// class proportions of its label coordinates (ReleasedMERF.labelProbabilities, likewise), or
// uniform when the release has neither (`--marginals none`): a public choice, not derived from
// the data.

import Foundation

/// The label a class-conditional generator is conditioned on, and how it is drawn.
public struct LabelCondition: Codable, Equatable, Sendable {
  /// The label's block among the architecture's blocks (a categorical block).
  public var block: Int
  /// π: the probability of each of the block's categories, summing to one.
  public var probabilities: [Double]

  public init(block: Int, probabilities: [Double]) {
    self.block = block
    self.probabilities = probabilities
  }

  /// K, the label's categories.
  public var count: Int { probabilities.count }

  /// The network's input width for latent size L: L − 1 noise entries and the one-hot.
  public func inputWidth(latent: Int) -> Int { latent - 1 + count }

  /// The category whose cumulative interval holds Φ(z): a draw from π when z ~ N(0, 1). The
  /// last category of positive probability when rounding leaves Φ(z) past the total.
  public func label(latent z: Double) -> Int {
    let u = 0.5 * erfc(-z / 2.0.squareRoot())
    var cumulative = 0.0
    for (k, p) in probabilities.enumerated() {
      cumulative += p
      if u < cumulative && p > 0 { return k }
    }
    return probabilities.lastIndex { $0 > 0 } ?? 0
  }

  /// Why the condition cannot describe `blocks` with latent size `latent`, or nil.
  func problem(blocks: [OutputBlock], latent: Int) -> String? {
    guard latent >= 2 else {
      return "a class-conditional generator needs a latent of at least 2 (this one has \(latent))"
    }
    guard blocks.indices.contains(block), case .categorical(let k, _) = blocks[block], k == count
    else {
      return "the condition names block \(block) with \(count) categories, which is not a "
        + "categorical block of that size"
    }
    guard probabilities.allSatisfy({ $0.isFinite && $0 >= 0 }),
      abs(probabilities.reduce(0, +) - 1) < 1e-6
    else { return "the condition's probabilities are not a distribution" }
    return nil
  }
}

/// Builds the class-conditional image generator's architecture for a release.
public enum ConditionalImageGenerator {
  /// The architecture for `schema` (which must have the labelled image layout): one numeric head
  /// per pixel (`options.pixelHead`, sigmoid by default), the label conditioned on with π from the release's 1-way marginal of
  /// the label when it has one (uniform otherwise).
  /// With `options.convolutionChannels`, the dense layers end in feature maps and transposed
  /// convolutions write the pixels (TransposedConvolution.swift).
  /// - Throws: `OptionError` for `sampler` when the schema has no labelled image layout or the
  ///   latent is below 2, for `conv-channels` when the image's sides do not halve that often.
  public static func architecture(
    schema: Schema, marginals: [ReleasedMarginal]?, options: FitOptions,
    labelProbabilities: [Double]? = nil
  ) throws -> GeneratorArchitecture {
    let encoding = Encoding(schema: schema)
    guard let layout = ImageSchema(recognizing: schema), let label = layout.label,
      let index = encoding.blocks.firstIndex(where: { $0.name == label.name }),
      case .categorical(let categories, _) = encoding.blocks[index].kind
    else {
      throw OptionError(
        option: "sampler", value: "conditional",
        rule: "needs a release of labelled images: pixel columns px_<row>_<col> with the same "
          + "bounds, then a categorical label (see 'slicegen schema --image')")
    }
    guard options.latent >= 2 else {
      throw OptionError(
        option: "latent", value: "\(options.latent)",
        rule: "must be at least 2 for --sampler conditional (the last latent draws the label)")
    }
    let k = categories.count
    var probabilities = [Double](repeating: 1 / Double(k), count: k)
    if let marginal = marginals?.first(where: { $0.columns == [label.name] }),
      marginal.probabilities.count == k
    {
      let total = marginal.probabilities.reduce(0) { $0 + max($1, 0) }
      if total > 0 { probabilities = marginal.probabilities.map { max($0, 0) / total } }
    }
    if let labelProbabilities, labelProbabilities.count == k { probabilities = labelProbabilities }
    var upsampling: Upsampling? = nil
    if let channels = options.convolutionChannels {
      upsampling = Upsampling(
        channels: channels, imageHeight: layout.height, imageWidth: layout.width)
      guard upsampling != nil else {
        throw OptionError(
          option: "conv-channels", value: "'\(channels.map(String.init).joined(separator: ","))'",
          rule: "\(channels.count) transposed convolutions need both sides of the image divisible "
            + "by \(1 << channels.count); these images are \(layout.width) x \(layout.height)")
      }
    }
    return GeneratorArchitecture(
      latent: options.latent, hidden: options.hidden, activation: .relu,
      numericHead: options.pixelHead,
      blocks: encoding.outputBlocks,
      condition: LabelCondition(block: index, probabilities: probabilities),
      upsampling: upsampling)
  }
}

extension Network {
  /// The offset of the label block's logits in a row of logits (condition set).
  func conditionLogitOffset(_ condition: LabelCondition) -> Int {
    architecture.blocks[..<condition.block].reduce(0) { $0 + $1.logitCount }
  }

  /// The network's input rows and the labels: the latents themselves (no condition), or
  /// (z_1 … z_{L−1}, onehot(c)) with c from `labels` or drawn from z_L.
  func conditionedInput(
    latents: UnsafePointer<T>, batch b: Int, labels given: [Int]?
  ) -> (input: [T], labels: [Int]?) {
    let latent = architecture.latent
    guard let condition = architecture.condition else {
      return (Array(UnsafeBufferPointer(start: latents, count: b * latent)), nil)
    }
    let width = condition.inputWidth(latent: latent)
    var input = [T](repeating: 0, count: b * width)
    var labels = [Int](repeating: 0, count: b)
    for i in 0..<b {
      let z = latents + i * latent
      for j in 0..<(latent - 1) { input[i * width + j] = z[j] }
      let c = given?[i] ?? condition.label(latent: Double(z[latent - 1]))
      precondition((0..<condition.count).contains(c), "label \(c) outside the condition")
      labels[i] = c
      input[i * width + latent - 1 + c] = 1
    }
    return (input, labels)
  }

  /// Every block's logits (batch × logitCount) from the last layer's (batch × computed): the
  /// label block's are 0.
  func expandedLogits(_ computed: [T], batch b: Int) -> [T] {
    guard let condition = architecture.condition else { return computed }
    let (full, k) = (architecture.logitCount, condition.count)
    let offset = conditionLogitOffset(condition)
    let produced = full - k
    var logits = [T](repeating: 0, count: b * full)
    for i in 0..<b {
      for j in 0..<offset { logits[i * full + j] = computed[i * produced + j] }
      for j in offset..<produced { logits[i * full + j + k] = computed[i * produced + j] }
    }
    return logits
  }

  /// δ on the computed logits (batch × computed) from δ on every block's (batch × logitCount):
  /// the label block's entries dropped.
  func compactedDelta(_ delta: [T], batch b: Int) -> [T] {
    guard let condition = architecture.condition else { return delta }
    let (full, k) = (architecture.logitCount, condition.count)
    let offset = conditionLogitOffset(condition)
    let produced = full - k
    var out = [T](repeating: 0, count: b * produced)
    for i in 0..<b {
      for j in 0..<offset { out[i * produced + j] = delta[i * full + j] }
      for j in offset..<produced { out[i * produced + j] = delta[i * full + j + k] }
    }
    return out
  }
}
