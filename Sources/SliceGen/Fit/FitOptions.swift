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
  public var numericHead: NumericHead = .clamp
  public var estimator: EstimatorConfiguration = EstimatorConfiguration()
  /// Weight λ of the marginal term (releases with marginals only).
  public var marginalWeight: Double = 100

  public init() {}

  /// Checks every setting; the message names the option and the rule.
  public func validate() throws {
    func fail(_ text: String) -> FitError { FitError(message: text) }
    guard epochs >= 1, epochs <= 1_000_000 else { throw fail("--epochs is \(epochs), must be at least 1") }
    guard batch >= 2, batch <= 8192 else { throw fail("--batch is \(batch), must be from 2 to 8192") }
    guard learningRate.isFinite, learningRate > 0, learningRate < 1 else {
      throw fail("--lr is \(learningRate), must be in (0, 1)")
    }
    guard validation.isFinite, validation >= 0, validation <= 0.5 else {
      throw fail("--validation is \(validation), must be in [0, 0.5]")
    }
    guard latent >= 1, latent <= 4096 else { throw fail("--latent is \(latent), must be from 1 to 4096") }
    guard !hidden.isEmpty, hidden.allSatisfy({ $0 >= 1 && $0 <= 8192 }) else {
      throw fail("--hidden must be a comma-separated list of widths from 1 to 8192")
    }
    guard marginalWeight.isFinite, marginalWeight >= 0 else {
      throw fail("--marginal-weight is \(marginalWeight), must be non-negative")
    }
  }
}

/// A training run that cannot start or continue.
public struct FitError: Error, CustomStringConvertible, Equatable {
  public var message: String
  public init(message: String) { self.message = message }
  public var description: String { message }
}
