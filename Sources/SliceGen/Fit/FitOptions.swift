// Settings of `fit`. Every one is post-processing of the release: changing them costs no privacy,
// so the defaults come from measurement on the Adult release (Docs/tuning.md).

import Foundation

/// How to train a generator on a release.
public struct FitOptions: Codable, Equatable, Sendable {
  public var epochs: Int = 10
  /// Rows of the release (and synthetic rows) per step.
  public var batch: Int = 128
  public var learningRate: Double = 1e-3
  /// Cosine decay of the learning rate to `learningRate · finalLearningRateFactor` over the run.
  public var cosineDecay: Bool = true
  public var finalLearningRateFactor: Double = 0.1
  /// Seed of everything random in training (batches, latents, smoothing noise, initialisation).
  public var seed: UInt64 = 0
  /// Share of release rows held out for the validation loss, in [0, 0.5].
  public var validation: Double = 0.1
  public var latent: Int = 64
  public var hidden: [Int] = [256, 256]
  /// With the class-conditional image generator: the channels of its transposed convolutions
  /// (`--conv-channels`, TransposedConvolution.swift), the dense layers ending in the first
  /// ones' maps; nil: the last dense layer computes the pixels.
  public var convolutionChannels: [Int]? = nil
  public var numericHead: NumericHead = .clampStraightThrough
  /// The class-conditional image generator's pixel head (`--numeric-head` when given with
  /// `--sampler conditional`): sigmoid pixels by default, the design and the measured
  /// choice on the digits; clamp-straight-through reaches the exact zeros most garment pixels
  /// are (Docs/images.md, "The pixel head").
  public var pixelHead: NumericHead = .sigmoid
  public var estimator: EstimatorConfiguration = EstimatorConfiguration()
  /// Weight λ of the marginal term (releases with marginals only).
  public var marginalWeight: Double = 100
  /// The distance between the generator's expected marginals and the released ones.
  public var marginalLoss: MarginalDistance = .kl
  /// Generated rows per step for the marginal term, drawn apart from the kernel term's batch
  /// (an expected marginal over more rows is a less noisy gradient); 0: the kernel batch itself.
  public var marginalBatch: Int = 1024
  /// What the model samples from (`--sampler`).
  public var sampler: ModelSampler = .auto
  /// Weight, relative to a released marginal's, of each pair no released marginal measured,
  /// pulled toward the joint the forest of the released marginals implies for it
  /// (MarginalForest.swift, MarginalLoss.swift); 0 leaves those pairs to the generator.
  public var impliedPairWeight: Double = 0
  /// How many of those pairs enter each step, in turn.
  public var impliedPairsPerStep: Int = 16
  /// Weight of the smoothed-sliced divergence; 0 fits the marginals alone (to measure what the
  /// projections add).
  public var kernelWeight: Double = 1
  /// Which epoch the model keeps: the last one (default: measured better on Adult, the
  /// sliced-W₂ validation loss tends to pick an early epoch; Docs/tuning.md) or the best
  /// validation loss.
  public var keep: KeptEpoch = .last
  /// The column users will predict, recorded in the model's schema; nil keeps the release
  /// schema's target.
  public var target: String? = nil

  /// Which epoch's parameters a model keeps.
  public enum KeptEpoch: String, Codable, Sendable, CaseIterable {
    case best, last
  }

  public init() {}

  enum CodingKeys: String, CodingKey {
    case epochs, batch, learningRate, cosineDecay, finalLearningRateFactor, seed, validation
    case latent, hidden, numericHead, estimator, marginalWeight, marginalLoss, marginalBatch
    case kernelWeight, keep, target, impliedPairWeight, impliedPairsPerStep, sampler
    case convolutionChannels, pixelHead
  }

  /// Decodes every key that is present and keeps the default for the others, so model files
  /// written before an option existed still load (and mean what they meant).
  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    let d = FitOptions()
    epochs = try c.decodeIfPresent(Int.self, forKey: .epochs) ?? d.epochs
    batch = try c.decodeIfPresent(Int.self, forKey: .batch) ?? d.batch
    learningRate = try c.decodeIfPresent(Double.self, forKey: .learningRate) ?? d.learningRate
    cosineDecay = try c.decodeIfPresent(Bool.self, forKey: .cosineDecay) ?? d.cosineDecay
    finalLearningRateFactor =
      try c.decodeIfPresent(Double.self, forKey: .finalLearningRateFactor)
      ?? d.finalLearningRateFactor
    seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
    validation = try c.decodeIfPresent(Double.self, forKey: .validation) ?? d.validation
    latent = try c.decodeIfPresent(Int.self, forKey: .latent) ?? d.latent
    hidden = try c.decodeIfPresent([Int].self, forKey: .hidden) ?? d.hidden
    convolutionChannels = try c.decodeIfPresent([Int].self, forKey: .convolutionChannels)
    pixelHead = try c.decodeIfPresent(NumericHead.self, forKey: .pixelHead) ?? d.pixelHead
    numericHead = try c.decodeIfPresent(NumericHead.self, forKey: .numericHead) ?? d.numericHead
    estimator =
      try c.decodeIfPresent(EstimatorConfiguration.self, forKey: .estimator) ?? d.estimator
    marginalWeight = try c.decodeIfPresent(Double.self, forKey: .marginalWeight) ?? d.marginalWeight
    marginalLoss = try c.decodeIfPresent(MarginalDistance.self, forKey: .marginalLoss) ?? .l2
    // Absent in files written before the option: those trained on the kernel batch.
    marginalBatch = try c.decodeIfPresent(Int.self, forKey: .marginalBatch) ?? 0
    kernelWeight = try c.decodeIfPresent(Double.self, forKey: .kernelWeight) ?? d.kernelWeight
    keep = try c.decodeIfPresent(KeptEpoch.self, forKey: .keep) ?? .best  // as those trained
    target = try c.decodeIfPresent(String.self, forKey: .target)
    // Absent in files written before the option: those sampled from their generator.
    sampler = try c.decodeIfPresent(ModelSampler.self, forKey: .sampler) ?? .generator
    // Absent in files written before the option: those left unmeasured pairs alone.
    impliedPairWeight = try c.decodeIfPresent(Double.self, forKey: .impliedPairWeight) ?? 0
    impliedPairsPerStep =
      try c.decodeIfPresent(Int.self, forKey: .impliedPairsPerStep) ?? d.impliedPairsPerStep
  }

  /// The epochs one run trains (`--epochs`).
  public static let epochsRange = 1...1_000_000
  /// Release rows per step (`--batch`).
  public static let batchRange = 2...8192
  /// The latent dimension (`--latent`).
  public static let latentRange = 1...4096
  /// The width of a hidden layer (`--hidden`).
  public static let hiddenWidthRange = 1...8192
  /// Generated rows per step for the marginal term (`--marginal-batch`).
  public static let marginalBatchRange = 0...65536
  /// Implied pairs per step (`--implied-pairs-per-step`).
  public static let impliedPairsPerStepRange = 1...100_000

  /// Checks every setting, the estimator's included: the one place `fit`'s options are
  /// validated (the command line calls it before reading the release, `Trainer.fit` again).
  /// - Throws: `OptionError` naming the option as on the command line, its value and the rule.
  public func validate() throws(OptionError) {
    if let error = OptionError.outside("epochs", epochs, Self.epochsRange) { throw error }
    if let error = OptionError.outside("batch", batch, Self.batchRange) { throw error }
    if let error = OptionError.notFraction("lr", learningRate) { throw error }
    guard validation.isFinite, validation >= 0, validation <= 0.5 else {
      throw OptionError(option: "validation", value: "\(validation)", rule: "must be in [0, 0.5]")
    }
    if let error = OptionError.outside("latent", latent, Self.latentRange) { throw error }
    guard !hidden.isEmpty, hidden.allSatisfy(Self.hiddenWidthRange.contains) else {
      throw OptionError(
        option: "hidden", value: "'\(hidden.map(String.init).joined(separator: ","))'",
        rule: "must be one or more widths from \(Self.hiddenWidthRange.lowerBound) to "
          + "\(Self.hiddenWidthRange.upperBound), like 256,256")
    }
    if let channels = convolutionChannels {
      guard Upsampling.layerRange.contains(channels.count),
        channels.allSatisfy(Upsampling.channelRange.contains)
      else {
        throw OptionError(
          option: "conv-channels", value: "'\(channels.map(String.init).joined(separator: ","))'",
          rule:
            "must be \(Upsampling.layerRange.lowerBound) to \(Upsampling.layerRange.upperBound) "
            + "channel counts from \(Upsampling.channelRange.lowerBound) to "
            + "\(Upsampling.channelRange.upperBound), like 64,32")
      }
      guard sampler == .conditional else {
        throw OptionError(
          option: "conv-channels", value: "'\(channels.map(String.init).joined(separator: ","))'",
          rule: "needs --sampler conditional (the transposed convolutions write the pixels)")
      }
    }
    guard marginalWeight.isFinite, marginalWeight >= 0 else {
      throw OptionError(
        option: "marginal-weight", value: "\(marginalWeight)", rule: "must be non-negative")
    }
    if let error = OptionError.outside("marginal-batch", marginalBatch, Self.marginalBatchRange) {
      throw error
    }
    guard impliedPairWeight.isFinite, impliedPairWeight >= 0 else {
      throw OptionError(
        option: "implied-pair-weight", value: "\(impliedPairWeight)", rule: "must be non-negative")
    }
    if let error = OptionError.outside(
      "implied-pairs-per-step", impliedPairsPerStep, Self.impliedPairsPerStepRange)
    {
      throw error
    }
    guard kernelWeight.isFinite, kernelWeight >= 0 else {
      throw OptionError(
        option: "kernel-weight", value: "\(kernelWeight)", rule: "must be non-negative")
    }
    do {
      try estimator.validate()
    } catch {
      // `validate()` throws `.invalidSetting` only. Settings the command line has keep its
      // option names; the library-only ones (ratioFloor, threads) are named as the library
      // names them, not as options no command takes.
      guard case .invalidSetting(let name, let value, let rule) = error else {
        throw OptionError(option: "estimator", value: nil, rule: "\(error)")
      }
      if let option = ["tau": "tau", "bandwidthMultipliers": "bandwidths"][name] {
        throw OptionError(option: option, value: value, rule: rule)
      }
      throw OptionError(
        option: "estimator.\(name)", value: value, rule: rule, onCommandLine: false)
    }
  }
}

/// What a model samples from.
public enum ModelSampler: String, Codable, Sendable, CaseIterable {
  /// `forest` when the release has 2-way marginals (where they close cycles, `sample` moves the
  /// forest's rows toward the tables it left out: RecordUpdate.swift), else `generator`: the
  /// measured choice on Adult, Caravan and digits (Docs/benchmarks.md, "The forest sampler" and
  /// "The record update").
  case auto
  /// The generator trained on the projections and the marginals.
  case generator
  /// The maximum-entropy model of the release's marginals on a forest of its 2-way tables
  /// (MarginalForest.swift): nothing to train.
  case forest
  /// The class-conditional image generator (ConditionalImageGenerator.swift): pixels (sigmoid
  /// heads by default, `pixelHead`) given a latent and the label, trained on the projections or
  /// a DP-MERF release's mean embedding; the label drawn from the release's 1-way marginal of it
  /// or its label coordinates. Needs a schema of labelled images.
  case conditional

  /// `auto` made concrete for a release's marginals (nil: none).
  public func resolved(marginals: [ReleasedMarginal]?, columns: [String]) -> ModelSampler {
    guard self == .auto else { return self }
    guard let marginals else { return .generator }
    let forest = MarginalForest(columns: columns, marginals: marginals)
    return forest.usedPairs > 0 ? .forest : .generator
  }
}

/// How the marginal term compares expected and released marginals (MarginalLoss.swift).
public enum MarginalDistance: String, Codable, Sendable, CaseIterable {
  /// λ·Σ‖q − p̂‖², the reference design's.
  case l2
  /// λ·Σ KL(p̂ ‖ q).
  case kl
}

/// A training run that cannot start or continue.
public struct FitError: Error, CustomStringConvertible, Equatable {
  public var message: String
  public init(message: String) { self.message = message }
  public var description: String { message }
}
