// What a model trained by DP-SGD records about itself (`ModelHeader.dpsgd`, model format 5), and
// the settings of such a training (`slicegen train-dpsgd`, DPSGDTrainer.swift). Unlike a `fit`
// model, such a model has no release: the private rows are read by the trainer itself, and the
// guarantee is the one stated here, for the generator's parameters and everything sampled from
// them (Docs/dpsgd.md).

import Foundation
import SliceGenPrivacy

/// How per-example gradients are bounded before they are summed.
public enum DPSGDClipping: String, Codable, Sendable, CaseIterable {
  /// g·min(1, C/‖g‖) (Abadi et al., CCS 2016).
  case fixed
  /// C·g/(‖g‖ + γ) (Bu, Wang, Zha, Karypis, NeurIPS 2023, "Automatic clipping"): every example is
  /// normalised, the sum's sensitivity is still C.
  case automatic
  /// Fixed clipping whose C follows a target quantile of the gradient norms, estimated from a
  /// noisy count charged to the budget (Andrew, Thakkar, McMahan, Ramaswamy, NeurIPS 2021,
  /// "Differentially private learning with adaptive clipping"; AdaptiveClipping.swift).
  case adaptive
  /// Fixed clipping whose bias is kept in a private error state and fed back, clipped to C₂
  /// (DiceSGD: Zhang, Bu, Wu, Hong, ICLR 2024; the error-feedback SGD of Ma and Zhang 2026).
  /// Accounted WITHOUT amplification by subsampling, sensitivity C + 2C₂ (ErrorFeedback.swift).
  case errorFeedback = "error-feedback"
}

/// The optimiser that consumes the noisy gradient (post-processing: it costs no privacy).
public enum DPSGDOptimizer: String, Codable, Sendable, CaseIterable {
  /// θ ← θ − η·g.
  case sgd
  /// Adam (Kingma and Ba 2015) on the noisy gradient.
  case adam
  /// DP-Adam with bias correction (Tang, Panda, Sankararaman, Mahoney, Chaudhuri, AAAI 2024,
  /// "DP-AdamBC"): the noise's known variance is subtracted from Adam's second moment.
  case dpAdamBC = "dp-adam-bc"
}

/// The marker of a model trained by DP-SGD, in place of a release.
public struct DPSGDTraining: Codable, Equatable, Sendable {
  /// The mechanism name, in the vocabulary of `release`, `plan` and `audit`.
  public static let mechanismName = "dp-sgd"

  /// Always "dp-sgd" (a reader refuses anything else).
  public var mechanism: String = DPSGDTraining.mechanismName
  /// The guarantee, as a sentence.
  public var statement: String
  /// The (ε, δ) stated, under `neighbors`.
  public var epsilon: Double
  public var delta: Double
  /// Always zero-out (add/remove one row with n public: `SampledGaussianRDP.relation`).
  public var neighbors: NeighbouringRelation
  /// False when the noise came from the test-only reproducible source: NOT private.
  public var noiseIsPrivate: Bool
  /// n, the private rows (public under zero-out).
  public var rows: Int
  /// q as accounted (the coin's probability, rounded up to its 53-bit resolution).
  public var sampleRate: Double
  /// σ, the noise standard deviation in units of the clipping norm.
  public var noiseMultiplier: Double
  /// T, the noisy steps taken (and accounted).
  public var steps: Int
  /// C, the bound on each example's clipped gradient.
  public var clippingNorm: Double
  public var clipping: DPSGDClipping
  public var optimizer: DPSGDOptimizer
  /// "rdp-sampled-gaussian": the accountant (Sources/SliceGenPrivacy/SampledGaussianRDP.swift).
  public var accountant: String
  /// "improved" (Balle et al. 2020) on the "opacus" order grid.
  public var conversion: String
  public var orderGrid: String
  /// The ε the accountant states for T steps at (q, σ) and the accountant's δ.
  public var accountantEpsilon: Double
  public var accountantDelta: Double
  /// What the floating-point implementation adds on top (DPSGDCalibration.swift).
  public var implementationEpsilon: Double
  /// C₂, the bound on the fed-back error (nil unless `clipping` is error-feedback; the noise is
  /// then σ·(C + 2C₂) and `sampleRate` is 1: no amplification by subsampling is claimed).
  public var feedbackNorm: Double? = nil
  /// The quantile clipping's settings and outcome (nil unless `clipping` is adaptive).
  public var adaptive: AdaptiveClipping? = nil
  /// λ of the reconstruction term (ReconstructionTerm.swift; nil: off, model format 7 when set).
  public var reconstructionWeight: Double? = nil
  /// s of the noise injected into the generator's hidden layers during training (nil: off,
  /// model format 7 when set).
  public var noiseInjection: Double? = nil
  /// The Gaussian kernel bandwidths of the MMD loss (public: a function of the encoding only).
  public var bandwidths: [Double]
  /// Synthetic rows per step.
  public var fakeBatch: Int
}

/// The settings of `train-dpsgd`.
public struct DPSGDOptions: Codable, Equatable, Sendable {
  public var epsilon: Double
  public var delta: Double
  /// C (the initial C of adaptive clipping). The per-row gradients of the MMD loss have norms of
  /// a few tens at initialisation on Adult; Docs/dpsgd.md says why C must follow them.
  public var clippingNorm: Double = 50
  /// Adaptive by default: a C far below the norms upsets the balance of the clipped real term
  /// against the exact synthetic term and the generator collapses (Docs/dpsgd.md, "Measured").
  public var clipping: DPSGDClipping = .adaptive
  /// γ of automatic clipping.
  public var automaticStability: Double = 0.01
  /// Adaptive clipping: the target quantile γ, the step η_C of log C, and σ_b of the count (nil:
  /// expected batch / 20, Andrew et al.'s choice).
  public var targetQuantile: Double = 0.5
  public var clippingLearningRate: Double = 0.2
  public var countNoise: Double? = nil
  /// C₂ of error-feedback clipping (nil: C).
  public var feedbackNorm: Double? = nil
  public var optimizer: DPSGDOptimizer = .adam
  /// γ′ of DP-AdamBC (a variance).
  public var adamBCFloor: Double = 1e-8
  /// Expected private rows per step, qn (q = this / n).
  public var expectedBatch: Int = 128
  /// Synthetic rows per step (m).
  public var fakeBatch: Int = 64
  public var epochs: Int = 5
  public var learningRate: Double = 2e-3
  public var seed: UInt64 = 0
  public var latent: Int = 32
  public var hidden: [Int] = [128, 128]
  /// λ of the reconstruction term (0: off), Ma and Zhang's variational-autoencoder loss on each
  /// private row (ReconstructionTerm.swift); its encoder has one hidden layer of `encoderHidden`.
  public var reconstructionWeight: Double = 0
  public var encoderHidden: Int = 128
  /// s of the public N(0, s²) noise added to the generator's hidden pre-activations during
  /// training (0: off), Ma and Zhang's noise injection.
  public var noiseInjection: Double = 0

  public static let expectedBatchRange = 1...65536
  public static let fakeBatchRange = 2...4096

  public init(epsilon: Double, delta: Double) {
    self.epsilon = epsilon
    self.delta = delta
  }

  /// The `fit` settings recorded in the model header (the generator's shape and schedule).
  public var fit: FitOptions {
    var f = FitOptions()
    f.epochs = epochs
    f.batch = max(2, min(expectedBatch, FitOptions.batchRange.upperBound))
    f.learningRate = learningRate
    f.cosineDecay = false
    f.seed = seed
    f.validation = 0
    f.keep = .last
    f.latent = latent
    f.hidden = hidden
    f.marginalWeight = 0
    f.marginalBatch = 0
    f.sampler = .generator
    return f
  }

  /// Checks every setting.
  /// - Throws: `OptionError` naming the option as on the command line, its value and the rule.
  public func validate() throws(OptionError) {
    guard epsilon.isFinite, epsilon > 0 else {
      throw OptionError(option: "epsilon", value: "\(epsilon)", rule: "must be positive")
    }
    guard delta.isFinite, delta > 0, delta < 1 else {
      throw OptionError(option: "delta", value: "\(delta)", rule: "must be in (0, 1)")
    }
    guard clippingNorm.isFinite, clippingNorm > 0 else {
      throw OptionError(
        option: "clipping-norm", value: "\(clippingNorm)", rule: "must be positive and finite")
    }
    guard adamBCFloor.isFinite, adamBCFloor > 0 else {
      throw OptionError(
        option: "adam-bc-floor", value: "\(adamBCFloor)", rule: "must be positive and finite")
    }
    guard automaticStability.isFinite, automaticStability > 0 else {
      throw OptionError(
        option: "automatic-gamma", value: "\(automaticStability)",
        rule: "must be positive and finite")
    }
    guard targetQuantile.isFinite, targetQuantile > 0, targetQuantile < 1 else {
      throw OptionError(
        option: "target-quantile", value: "\(targetQuantile)", rule: "must be in (0, 1)")
    }
    guard clippingLearningRate.isFinite, clippingLearningRate > 0 else {
      throw OptionError(
        option: "clipping-lr", value: "\(clippingLearningRate)", rule: "must be positive")
    }
    if let feedbackNorm, !(feedbackNorm.isFinite && feedbackNorm > 0) {
      throw OptionError(
        option: "feedback-norm", value: "\(feedbackNorm)", rule: "must be positive and finite")
    }
    if let countNoise, !(countNoise.isFinite && countNoise > 0) {
      throw OptionError(
        option: "count-noise", value: "\(countNoise)", rule: "must be positive and finite")
    }
    guard learningRate.isFinite, learningRate > 0 else {
      throw OptionError(option: "lr", value: "\(learningRate)", rule: "must be positive")
    }
    if let e = OptionError.outside("batch", expectedBatch, Self.expectedBatchRange) { throw e }
    if let e = OptionError.outside("fake-batch", fakeBatch, Self.fakeBatchRange) { throw e }
    if let e = OptionError.outside("epochs", epochs, FitOptions.epochsRange) { throw e }
    if let e = OptionError.outside("latent", latent, FitOptions.latentRange) { throw e }
    guard reconstructionWeight.isFinite, reconstructionWeight >= 0 else {
      throw OptionError(
        option: "reconstruction-weight", value: "\(reconstructionWeight)",
        rule: "must be non-negative and finite")
    }
    guard noiseInjection.isFinite, noiseInjection >= 0 else {
      throw OptionError(
        option: "noise-injection", value: "\(noiseInjection)",
        rule: "must be non-negative and finite")
    }
    if let e = OptionError.outside("encoder-hidden", encoderHidden, FitOptions.hiddenWidthRange) {
      throw e
    }
    for width in hidden {
      if let e = OptionError.outside("hidden", width, FitOptions.hiddenWidthRange) { throw e }
    }
  }
}
