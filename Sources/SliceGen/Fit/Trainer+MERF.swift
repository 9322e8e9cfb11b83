// `fit` on a MERF release (Docs/merf.md, "The fit"): the table generator trained to match the
// released noisy mean embedding (MERFLoss.swift). Each step draws b latents, generates G(Z) and
// descends ‖μ̃ − mean ψ(G(Z))‖²; each epoch (as many steps as a slicing release of n rows would
// take, at least `FitOptions.merfMinimumStepsPerEpoch`) is judged by the same loss on a fixed
// batch of `Trainer.merfJudgeRows` latents from their own stream, recorded as the epoch's
// validation loss. The generator is the table generator, or with `--sampler conditional` the
// class-conditional image generator (its one-hot label is the loss's p). Post-processing of the
// release: no privacy is spent, and the model file is the same as for any other release.

import Foundation
import SliceGenNumerics

extension Trainer {
  /// Latent rows of the per-epoch MERF criterion.
  public static let merfJudgeRows = 4096

  /// `fit` for a release of method "merf" (called by `fit`; same contract).
  static func fitMERF(
    release: Release, options: FitOptions, resume: Model?, outputPath: String,
    afterEpoch: (Model) throws -> Void, shouldStop: () -> Bool,
    progress: (TrainingProgress) -> Void
  ) throws -> Model {
    let setup = try TrainingSetup(release: release, options: options, resume: resume)
    switch setup.sampler {
    case .generator: break
    case .conditional:
      // The label is the generator's input, so the release must carry class blocks for it.
      guard let merf = release.header.merf, merf.classes != nil,
        merf.target
          == setup.architecture.condition.map({
            release.header.schema.keptColumns[$0.block].name
          })
      else {
        throw OptionError(
          option: "sampler", value: "conditional",
          rule: "needs a class-conditional MERF release on the image label (its target)")
      }
    default:
      throw OptionError(
        option: "sampler", value: nil,
        rule: "must be generator or conditional for a MERF release (it has no marginals to "
          + "sample from)")
    }
    var state =
      try resume.map { try TrainingState(resuming: $0, setup: setup) }
      ?? TrainingState(fresh: setup)
    let loss = try MERFLoss(release: release)
    let batch = setup.batch
    let stepsPerEpoch = FitOptions.merfStepsPerEpoch(
      rows: setup.rows, batch: options.batch, validation: options.validation)
    let latent = options.latent
    let d = release.header.encodedWidth
    let firstEpoch = (state.history.last?.epoch ?? 0) + 1
    let lastEpoch = firstEpoch + options.epochs - 1
    let totalSteps = stepsPerEpoch * lastEpoch
    var z = [Float](repeating: 0, count: batch * latent)
    var outputGradient = [Float](repeating: 0, count: batch * d)
    let runStart = Date()
    var stepsThisRun = 0
    var model: Model? = nil
    for epoch in firstEpoch...lastEpoch {
      let epochStart = Date()
      var rng = trainingStream(seed: options.seed, stream: UInt64(epoch))
      var lossSum = 0.0
      for s in 0..<stepsPerEpoch {
        if shouldStop() {
          if let model { return model }
          throw FitError(message: "interrupted before the first epoch finished: nothing written")
        }
        let rate = learningRate(
          options, progress: Double(state.optimizerSteps) / Double(max(totalSteps, 1)))
        z.withUnsafeMutableBufferPointer {
          GaussianSampling.fill($0, standardDeviation: 1, using: &rng)
        }
        let cache = z.withUnsafeBufferPointer {
          state.generator.forward(latents: $0.baseAddress!, batch: batch)
        }
        lossSum += cache.output.withUnsafeBufferPointer { x in
          outputGradient.withUnsafeMutableBufferPointer { g in
            loss.evaluate(x: x.baseAddress!, rows: batch, gradient: g.baseAddress!)
          }
        }
        state.generator.zeroGradients()
        outputGradient.withUnsafeBufferPointer {
          state.generator.backward(cache, outputGradient: $0.baseAddress!)
        }
        state.adam.step(
          parameters: &state.generator.parameters, gradients: state.generator.gradients,
          learningRate: Float(rate))
        state.optimizerSteps += 1
        stepsThisRun += 1
        let perSecond = Double(stepsThisRun) / max(Date().timeIntervalSince(runStart), 1e-9)
        let remaining = Double((lastEpoch - epoch) * stepsPerEpoch + stepsPerEpoch - s - 1)
        progress(
          TrainingProgress(
            epoch: epoch, epochs: lastEpoch, step: s + 1, stepsPerEpoch: stepsPerEpoch,
            loss: lossSum / Double(s + 1), validationLoss: state.history.last?.validationLoss,
            stepsPerSecond: perSecond, secondsRemaining: remaining / max(perSecond, 1e-9)))
      }
      state.record(
        EpochRecord(
          epoch: epoch, steps: stepsPerEpoch, trainingLoss: lossSum / Double(stepsPerEpoch),
          validationLoss: merfJudge(loss, generator: state.generator, seed: options.seed),
          seconds: Date().timeIntervalSince(epochStart)),
        keep: options.keep)
      let current = state.model(setup)
      try current.write(to: outputPath)
      model = current
      try afterEpoch(current)
    }
    return model!
  }

  /// The MERF loss on a fixed batch of latents from their own stream (epochs compare fairly).
  static func merfJudge(_ loss: MERFLoss, generator: MLPGenerator, seed: UInt64) -> Double {
    let rows = merfJudgeRows
    var rng = trainingStream(seed: seed, stream: .max - 1)
    var z = [Float](repeating: 0, count: rows * generator.architecture.latent)
    z.withUnsafeMutableBufferPointer {
      GaussianSampling.fill($0, standardDeviation: 1, using: &rng)
    }
    let cache = z.withUnsafeBufferPointer {
      generator.forward(latents: $0.baseAddress!, batch: rows)
    }
    return cache.output.withUnsafeBufferPointer {
      loss.evaluate(x: $0.baseAddress!, rows: rows, gradient: nil)
    }
  }
}
