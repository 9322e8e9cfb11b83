// `train-nonprivate` as a library call: a generator trained DIRECTLY ON THE PRIVATE ROWS, with
// no differential privacy, as the no-guarantee baseline of the membership scores
// (Docs/non-private-baseline.md). It reuses `fit`'s machinery unchanged where it can: the same
// generator, Adam, learning-rate schedule and smoothed-sliced divergence (`StepBuffers.run`),
// with the real side's projections computed exactly, R = X·U for the encoded private rows X (no
// noise: nothing is released), and no smoothing noise on the synthetic side (σ = 0, so both
// sides compare like with like). Optionally the loss adds the proportional-noise regularisation
// (Network+ProportionalNoise.swift).
//
// Deliberately NOT here: any privacy accounting, any ε or δ, any use of the release format, the
// marginal term (a release's noisy marginals have no counterpart here; exact marginals are
// left out), validation and `--keep best`, `--resume`. The model it writes says NOT PRIVATE in
// its header (`ModelHeader.nonPrivate`) and has no release.

import Foundation
import SliceGenNumerics

/// A non-private training that could not run on the user's input.
public struct NonPrivateTrainingError: Error, CustomStringConvertible, Equatable {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}

/// Trains generators directly on private rows, with no privacy guarantee.
public enum NonPrivateTrainer {
  /// The rows of a CSV encoded with `schema`'s encoding: (rows × d), row-major.
  static func encodedRows(csvPath: String, encoding: Encoding) throws -> (rows: Int, x: [Float]) {
    var reader = try CSVReader(path: csvPath)
    var encoder = try RowEncoder(encoding: encoding, header: reader.header, path: csvPath)
    let d = encoding.width
    var x: [Float] = []
    var row = [Float](repeating: 0, count: d)
    var n = 0
    while try row.withUnsafeMutableBufferPointer({ out in
      try reader.withNextRawRecord { record in try encoder.encode(record, into: out.baseAddress!) }
    }) != nil {
      x += row
      n += 1
    }
    return (n, x)
  }

  /// Trains on the rows of `csvPath` and writes the model to `outputPath` after every epoch.
  /// Nothing is written when the input is refused (the file is written atomically).
  /// - Parameters:
  ///   - shouldStop: polled between steps; training stops at once and the last complete epoch's
  ///     model stays on disk.
  ///   - progress: called after every step (the validation loss is always nil).
  public static func train(
    csvPath: String, schema: Schema, options: NonPrivateOptions, outputPath: String,
    shouldStop: () -> Bool = { false }, progress: (TrainingProgress) -> Void = { _ in }
  ) throws -> Model {
    try OutputPath.refuse(outputPath, ifAnyOf: [csvPath])
    try options.validate()
    let fit = options.fit
    let encoding = Encoding(schema: schema)
    let d = encoding.width
    let (n, x) = try encodedRows(csvPath: csvPath, encoding: encoding)
    guard n >= 4 else {
      throw NonPrivateTrainingError("\(csvPath) has \(n) rows; train-nonprivate needs at least 4")
    }
    let (m, k) = (options.slices, options.sliceDim)
    let mPrime = m * k
    // U: the same Gaussian directions a release draws (public randomness), from the training
    // seed. R = X·U, exact.
    let u = SlicingMechanism.directions(
      encodedWidth: d, projectionCount: mPrime, seed: fit.seed ^ 0x6E6F_6E70_7276)
    var r = [Float](repeating: 0, count: n * mPrime)
    x.withUnsafeBufferPointer { xx in
      u.withUnsafeBufferPointer { uu in
        r.withUnsafeMutableBufferPointer {
          GEMM.nn(m: n, n: mPrime, k: d, a: xx.baseAddress!, b: uu.baseAddress!, c: $0.baseAddress!)
        }
      }
    }
    let architecture = GeneratorArchitecture(
      latent: fit.latent, hidden: fit.hidden, numericHead: fit.numericHead,
      blocks: encoding.outputBlocks)
    let batch = min(fit.batch, n)
    let stepsPerEpoch = max(1, n / batch)
    var loss = try SlicedLoss(
      configuration: fit.estimator, slices: m, sliceDimension: k, maxBatch: batch)
    var step = StepBuffers(batch: batch, latent: fit.latent, width: d, projections: mPrime)
    var initRNG = Trainer.trainingStream(seed: fit.seed, stream: .max)
    var generator = MLPGenerator(architecture: architecture, using: &initRNG)
    var adam = Adam(parameterCount: generator.parameterCount)
    let lambda = options.regularisation == .none ? 0 : options.regularisationWeight
    let marker = NonPrivateTraining(
      rows: n, regularisation: options.regularisation, regularisationWeight: lambda, slices: m,
      sliceDim: k)
    var history: [EpochRecord] = []
    var order = Array(0..<n)
    var optimizerSteps = 0
    let totalSteps = stepsPerEpoch * fit.epochs
    let runStart = Date()
    var phases = FitPhaseTimes()
    var model: Model? = nil

    for epoch in 1...fit.epochs {
      let epochStart = Date()
      var rng = Trainer.trainingStream(seed: fit.seed, stream: UInt64(epoch))
      for i in order.indices { order[i] = i }
      order.shuffle(using: &rng)
      var lossSum = 0.0
      for s in 0..<stepsPerEpoch {
        if shouldStop() {
          if let model { return model }
          throw NonPrivateTrainingError(
            "interrupted before the first epoch finished: nothing written")
        }
        let rate = Trainer.learningRate(
          fit, progress: Double(optimizerSteps) / Double(max(totalSteps, 1)))
        var value = try step.run(
          rows: order[(s * batch)..<((s + 1) * batch)], released: r, u: u, sigma: 0,
          generator: &generator, loss: &loss, rng: &rng, train: true, step: optimizerSteps,
          phases: &phases)
        if lambda > 0 {
          // The same latents the step just used (StepBuffers keeps them).
          let cache = step.latents.withUnsafeBufferPointer {
            generator.forward(latents: $0.baseAddress!, batch: batch)
          }
          value += generator.addProportionalNoisePenalty(cache, weight: lambda)
        }
        lossSum += value
        adam.step(
          parameters: &generator.parameters, gradients: generator.gradients,
          learningRate: Float(rate))
        optimizerSteps += 1
        let perSecond = Double(optimizerSteps) / max(Date().timeIntervalSince(runStart), 1e-9)
        let remaining = Double((fit.epochs - epoch) * stepsPerEpoch + stepsPerEpoch - s - 1)
        progress(
          TrainingProgress(
            epoch: epoch, epochs: fit.epochs, step: s + 1, stepsPerEpoch: stepsPerEpoch,
            loss: lossSum / Double(s + 1), validationLoss: nil, stepsPerSecond: perSecond,
            secondsRemaining: remaining / max(perSecond, 1e-9), phases: phases))
      }
      history.append(
        EpochRecord(
          epoch: epoch, steps: stepsPerEpoch, trainingLoss: lossSum / Double(stepsPerEpoch),
          validationLoss: nil, seconds: Date().timeIntervalSince(epochStart)))
      var header = ModelHeader(
        toolVersion: SliceGenVersion.current, release: nil, nonPrivate: marker, schema: schema,
        architecture: architecture, training: fit, history: history, bestEpoch: epoch,
        parameterCount: generator.parameterCount, optimizerSteps: optimizerSteps, bins: nil)
      header.formatVersion = FormatVersions.model(for: header)
      let current = Model(
        header: header, parameters: generator.parameters, lastParameters: generator.parameters,
        adamFirstMoment: adam.firstMoment, adamSecondMoment: adam.secondMoment)
      try current.write(to: outputPath)
      model = current
    }
    return model!
  }
}
