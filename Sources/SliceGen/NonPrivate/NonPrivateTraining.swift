// What a model trained directly on private rows records about itself, and the settings of such a
// training (`slicegen train-nonprivate`, NonPrivateTrainer.swift). This is a no-guarantee
// baseline for the membership scores of `evaluate --privacy`: it is deliberately NOT a privacy
// mechanism, spends no budget, states no ε or δ, and its only privacy statement is
// `NonPrivateTraining.statement`. The loss regularisation it offers (Network+ProportionalNoise
// .swift) is a published heuristic measured side by side, never a guarantee.

import Foundation

/// The marker a model trained with no differential privacy carries in its header, in place of a
/// release (`ModelHeader.nonPrivate`, model format version 3).
public struct NonPrivateTraining: Codable, Equatable, Sendable {
  /// The one privacy statement such a model ever makes.
  public static let statement = "NOT PRIVATE: no differential-privacy guarantee"

  /// Always `NonPrivateTraining.statement` (a reader refuses anything else).
  public var statement: String = NonPrivateTraining.statement
  /// The private rows the generator was trained on (n).
  public var rows: Int
  /// The loss regularisation used.
  public var regularisation: LossRegularisation
  /// Its weight λ (0 with `.none`).
  public var regularisationWeight: Double
  /// m and k of the sliced loss (its directions U are drawn from the training seed).
  public var slices: Int
  public var sliceDim: Int

  public init(
    rows: Int, regularisation: LossRegularisation, regularisationWeight: Double, slices: Int,
    sliceDim: Int
  ) {
    self.rows = rows
    self.regularisation = regularisation
    self.regularisationWeight = regularisationWeight
    self.slices = slices
    self.sliceDim = sliceDim
  }
}

/// A regularisation term added to the training loss of a non-private generator.
public enum LossRegularisation: String, Codable, Sendable, CaseIterable {
  /// The loss alone.
  case none
  /// The proportional-noise term of Aguilera-Martínez and Berzal (2024), "Differential Privacy
  /// Regularization: Protecting Training Data Through Loss Function Regularization"
  /// (arXiv:2409.17144), as transcribed in Network+ProportionalNoise.swift.
  case proportionalNoise = "proportional-noise"
}

/// How `train-nonprivate` trains: the generator settings `fit` uses (the marginal, validation
/// and sampler settings do not apply: there is no release), the sliced loss's shape and the
/// regularisation.
public struct NonPrivateOptions: Equatable, Sendable {
  /// Epochs, batch, learning rate, seed, latent, hidden widths, numeric head, estimator.
  public var fit: FitOptions
  public var regularisation: LossRegularisation = .none
  /// λ of the regularisation term (with `.proportionalNoise`: σ²_rel/2 of the derivation).
  public var regularisationWeight: Double = NonPrivateOptions.defaultRegularisationWeight
  /// m and k: the real rows are compared with the synthetic ones on m·k random directions.
  public var slices: Int = 100
  public var sliceDim: Int = 2

  /// The default λ (Docs/non-private-baseline.md says how it was chosen).
  public static let defaultRegularisationWeight = 1e-3

  public init() {
    fit = FitOptions()
    fit.validation = 0
    fit.keep = .last
    fit.marginalWeight = 0
    fit.marginalBatch = 0
    fit.sampler = .generator
  }

  /// Checks every setting.
  /// - Throws: `OptionError` naming the option as on the command line, its value and the rule.
  public func validate() throws(OptionError) {
    try fit.validate()
    guard regularisationWeight.isFinite, regularisationWeight >= 0 else {
      throw OptionError(
        option: "regularisation-weight", value: "\(regularisationWeight)",
        rule: "must be zero or positive and finite")
    }
    if let error = OptionError.outside("slices", slices, ReleaseOptions.slicesRange) {
      throw error
    }
    if let error = OptionError.outside("slice-dim", sliceDim, ReleaseOptions.sliceDimRange) {
      throw error
    }
    guard slices * sliceDim <= ReleaseOptions.maximumProjections else {
      throw OptionError(
        option: "slices", value: "\(slices)",
        rule: "must make at most \(ReleaseOptions.maximumProjections) projections with "
          + "--slice-dim \(sliceDim) (m × k is \(slices * sliceDim))")
    }
  }
}
