// `train-dpsgd` as a library call: the table generator (MLPGenerator) trained by DP-SGD DIRECTLY
// ON THE PRIVATE ROWS (Docs/dpsgd.md). Each step:
//   1. Poisson batch: every row joins with probability q = expected batch / n (coins from
//      `SecureNoise`);
//   2. m synthetic rows y_j = G(z_j) from public latents (the training seed);
//   3. per real row i of the batch: ∇f_i by one backward pass (MMDGradients.swift), clipped to
//      κC (DPSGDClipping.swift) and summed in double precision;
//   4. the sum plus N(0, σ²C²I), snapped (DPSGDCalibration.swift), divided by qn (public);
//   5. plus the synthetic term's exact gradient (no private row), then the optimiser.
// σ is calibrated once for the T = epochs × ⌈1/q⌉ steps planned, so the budget is spent exactly
// when training ends. What the model states: (ε, δ) under zero-out, for its parameters and
// everything sampled from them (post-processing of the T noisy sums).
//
// Privacy boundaries in this file: the only reads of private rows are in step 3 (through
// `perExampleGradient`) and the diagnostics (`DPSGDDiagnostics`, NOT private, off unless asked).
// Nothing derived from the rows leaves otherwise: no loss value is recorded (the history's
// training loss is the synthetic term alone), the progress shows steps and ε only.

import Foundation
import SliceGenNumerics
import SliceGenPrivacy

/// A DP-SGD training that could not run on the user's input.
public struct DPSGDTrainingError: Error, CustomStringConvertible, Equatable {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}

/// Where a DP-SGD training is.
public struct DPSGDProgress: Sendable {
  public var epoch: Int
  public var epochs: Int
  public var step: Int
  public var stepsPerEpoch: Int
  public var stepsPerSecond: Double
  public var secondsRemaining: Double
  /// ε spent so far (a function of q, σ and the steps: data-independent).
  public var epsilonSpent: Double
}

/// Trains generators by DP-SGD on private rows.
public enum DPSGDTrainer {
  /// The generator's gradient of f_i for one real row x (length d), given the synthetic batch's
  /// forward pass: the per-example gradient DP-SGD clips.
  static func perExampleGradient(
    row x: UnsafePointer<Float>, cache: ForwardCache<Float>, kernel: MMDKernel,
    generator: inout MLPGenerator
  ) -> [Float] {
    let d = generator.architecture.outputWidth
    let g = kernel.crossGradient(row: x, synthetic: cache.output, width: d).gradient
    return generator.parameterGradient(cache, outputGradient: g)
  }

  /// The same with the reconstruction term (ReconstructionTerm.swift): [∇_{θ_G}(f_i + r_i),
  /// ∇_{θ_E} r_i], one vector that DP-SGD clips as a whole. `epsilon` and `hiddenNoise` are
  /// public draws for this row.
  static func perExampleGradient(
    row x: UnsafePointer<Float>, cache: ForwardCache<Float>, kernel: MMDKernel,
    generator: inout MLPGenerator, reconstruction: ReconstructionTerm,
    encoder: LatentEncoder<Float>,
    epsilon: [Float], hiddenNoise: [[Float]]?
  ) -> [Float] {
    let d = generator.architecture.outputWidth
    let g = kernel.crossGradient(row: x, synthetic: cache.output, width: d).gradient
    generator.zeroGradients()
    g.withUnsafeBufferPointer { generator.backward(cache, outputGradient: $0.baseAddress!) }
    let encoderGradient = reconstruction.accumulateGradient(
      row: x, epsilon: epsilon, hiddenNoise: hiddenNoise, encoder: encoder,
      generator: &generator)
    return generator.gradients + encoderGradient
  }

  /// Public N(0, s²) noise for every hidden layer of `architecture` (`count` rows), or nil when
  /// s = 0: the noise injection of `--noise-injection`.
  static func hiddenNoise(
    _ s: Double, architecture: GeneratorArchitecture, count: Int,
    using rng: inout some RandomNumberGenerator
  ) -> [[Float]]? {
    guard s > 0 else { return nil }
    return architecture.hidden.map { width in
      var noise = [Float](repeating: 0, count: count * width)
      noise.withUnsafeMutableBufferPointer {
        GaussianSampling.fill($0, standardDeviation: Float(s), using: &rng)
      }
      return noise
    }
  }

  /// Step 1: the Poisson batch, every one of the n rows joining with probability q (secure
  /// coins, one per row in order). `slicegen audit` runs it too (AuditScenario+DPSGD.swift).
  static func poissonBatch(rows n: Int, sampleRate q: Double, noise: inout SecureNoise) -> [Int] {
    var batch: [Int] = []
    batch.reserveCapacity(Int(q * Double(n) * 1.5) + 8)
    for i in 0..<n where noise.includes(probability: q) { batch.append(i) }
    return batch
  }

  /// Step 4: the clipped sum plus N(0, s²) in every coordinate, s = σC (σ(C + 2C₂) with error
  /// feedback), snapped to the grid of s
  /// (DPSGDCalibration.swift, item 3). `slicegen audit` runs it too (AuditScenario+DPSGD.swift).
  static func noisySum(
    _ sum: [Double], noiseStandardDeviation s: Double, noise: inout SecureNoise
  ) -> [Double] {
    noise.snappedGaussian(sum, sigma: s, grid: DPSGDCalibration.grid(noiseStandardDeviation: s))
  }

  /// The number of steps of one epoch: ⌈1/q⌉ = ⌈n / expected batch⌉.
  public static func stepsPerEpoch(rows n: Int, expectedBatch: Int) -> Int {
    max(1, (n + expectedBatch - 1) / expectedBatch)
  }

  /// The generator for `options` over `schema`'s encoding.
  public static func architecture(schema: Schema, options: DPSGDOptions) -> GeneratorArchitecture {
    let fit = options.fit
    return GeneratorArchitecture(
      latent: fit.latent, hidden: fit.hidden, numericHead: fit.numericHead,
      blocks: Encoding(schema: schema).outputBlocks)
  }

  /// The first stream id of the reconstruction term's per-step draws ("RECO" in ASCII, then the
  /// step), apart from the epochs' streams (1, 2, …) and the initialisation's (.max).
  static let reconstructionStream: UInt64 = 0x5245_434F << 32

  /// Trains on the rows of `csvPath`, writing the model to `outputPath` after every epoch (with
  /// the ε spent so far). Nothing is written when the input is refused.
  /// - Parameters:
  ///   - noise: the secure source (tests pass the reproducible one; the model then says NOT
  ///     private).
  ///   - diagnostics: when non-nil, per-epoch clipping diagnostics are computed and handed here
  ///     (they read raw per-example gradients: NOT private).
  public static func train(
    csvPath: String, schema: Schema, options: DPSGDOptions, outputPath: String,
    noise: SecureNoise = SecureNoise(), diagnostics: ((DPSGDDiagnostics) -> Void)? = nil,
    shouldStop: () -> Bool = { false }, progress: (DPSGDProgress) -> Void = { _ in }
  ) throws -> Model {
    try OutputPath.refuse(outputPath, ifAnyOf: [csvPath])
    try options.validate()
    let encoding = Encoding(schema: schema)
    let d = encoding.width
    let (n, x) = try NonPrivateTrainer.encodedRows(csvPath: csvPath, encoding: encoding)
    guard n >= 2, n <= 1 << 24 else {
      throw DPSGDTrainingError(
        "\(csvPath) has \(n) rows; train-dpsgd needs from 2 to \(1 << 24) rows")
    }
    guard options.expectedBatch <= n else {
      throw DPSGDTrainingError(
        "--batch \(options.expectedBatch) is more than the \(n) rows of \(csvPath)")
    }
    var noise = noise
    let architecture = architecture(schema: schema, options: options)
    let p = architecture.parameterCount
    // The reconstruction term's encoder (its parameters join the clipped, noised vector).
    let reconstruction =
      options.reconstructionWeight > 0
      ? ReconstructionTerm(weight: options.reconstructionWeight) : nil
    let encoderParameters =
      reconstruction == nil
      ? 0
      : LatentEncoder<Float>.parameterCount(
        inputWidth: d, hiddenWidth: options.encoderHidden, latent: options.latent)
    let pTotal = p + encoderParameters
    let q = Double(options.expectedBatch) / Double(n)
    let stepsPerEpoch = stepsPerEpoch(rows: n, expectedBatch: options.expectedBatch)
    let totalSteps = stepsPerEpoch * options.epochs
    let adaptive = options.clipping == .adaptive
    // Error feedback: no amplification by subsampling is claimed (ErrorFeedback.swift), so the
    // steps are accounted at rate 1, with noise σ·(C + 2C₂).
    let feedbackNorm =
      options.clipping == .errorFeedback ? options.feedbackNorm ?? options.clippingNorm : nil
    // Values snapped per step: the gradient, and the count of adaptive clipping.
    let values = pTotal + (adaptive ? 1 : 0)
    let calibration = try DPSGDCalibration.calibrate(
      epsilon: options.epsilon, delta: options.delta, sampleRate: feedbackNorm == nil ? q : 1,
      steps: totalSteps, parameterCount: values)
    let expected = q * Double(n)  // = options.expectedBatch, public
    let countNoise = options.countNoise ?? expected / 20
    // The gradient's noise multiplier: σ itself, or Andrew et al.'s z_Δ (AdaptiveClipping.swift).
    var gradientMultiplier = calibration.noiseMultiplier
    if adaptive {
      guard
        let z = AdaptiveClipping.gradientNoiseMultiplier(
          accounted: calibration.noiseMultiplier, countNoise: countNoise)
      else {
        throw DPSGDTrainingError(
          "--clipping adaptive: the count's noise σ_b = \(countNoise) must exceed half the "
            + "noise multiplier \(calibration.noiseMultiplier) (raise --count-noise)")
      }
      gradientMultiplier = z
    }
    var c = options.clippingNorm
    let kappa = DPSGDCalibration.clippingFactor(rows: n)
    var feedback = feedbackNorm.map { ErrorFeedback(parameterCount: pTotal, bound: $0 * kappa) }
    // The noise's unit: C, or Δ = C + 2C₂ with error feedback.
    func noiseUnit(_ c: Double) -> Double {
      feedbackNorm.map { ErrorFeedback.sensitivity(clippingNorm: c, feedbackNorm: $0) } ?? c
    }
    let kernel = MMDKernel.standard
    let m = options.fakeBatch

    var initRNG = Trainer.trainingStream(seed: options.seed, stream: .max)
    var generator = MLPGenerator(architecture: architecture, using: &initRNG)
    var optimizer = DPSGDOptimizerState(
      kind: options.optimizer, parameterCount: p,
      noiseVariance: pow(gradientMultiplier * noiseUnit(c) / expected, 2),
      floor: options.adamBCFloor)
    var encoder = reconstruction.map { _ in
      LatentEncoder<Float>(
        inputWidth: d, hiddenWidth: options.encoderHidden, latent: options.latent,
        using: &initRNG)
    }
    var encoderOptimizer = DPSGDOptimizerState(
      kind: options.optimizer, parameterCount: encoderParameters,
      noiseVariance: pow(gradientMultiplier * noiseUnit(c) / expected, 2),
      floor: options.adamBCFloor)
    var history: [EpochRecord] = []
    var steps = 0
    let runStart = Date()
    var model: Model? = nil
    let fit = options.fit

    for epoch in 1...options.epochs {
      let epochStart = Date()
      var rng = Trainer.trainingStream(seed: options.seed, stream: UInt64(epoch))
      var syntheticLoss = 0.0
      var record = DPSGDDiagnostics.Accumulator()
      for s in 0..<stepsPerEpoch {
        if shouldStop() {
          if let model { return model }
          throw DPSGDTrainingError("interrupted before the first epoch finished: nothing written")
        }
        // 1. The Poisson batch (secure coins).
        let batch = poissonBatch(rows: n, sampleRate: q, noise: &noise)
        // 2. The synthetic batch from public latents.
        let z = generator.sampleLatents(count: m, using: &rng)
        let injected = hiddenNoise(
          options.noiseInjection, architecture: architecture, count: m, using: &rng)
        let cache = z.withUnsafeBufferPointer {
          generator.forward(latents: $0.baseAddress!, batch: m, hiddenNoise: injected)
        }
        // The reconstruction term's public draws: its own stream per step, so that the draws
        // of the rows in the batch do not move the latents' stream.
        var reconstructionRNG = Trainer.trainingStream(
          seed: options.seed, stream: reconstructionStream + UInt64(steps))
        // 3. Clipped per-example gradients, summed in double precision (C of this step).
        let clipper = DPSGDClipper(
          mode: options.clipping, bound: c * kappa, stability: options.automaticStability)
        var unclipped = 0
        var sum = [Double](repeating: 0, count: pTotal)
        var raw: [Double]? =
          diagnostics == nil && feedback == nil ? nil : [Double](repeating: 0, count: pTotal)
        x.withUnsafeBufferPointer { xx in
          for i in batch {
            let row = xx.baseAddress! + i * d
            let g: [Float]
            if let reconstruction, let encoder {
              let epsilon = (0..<options.latent).map { _ in
                Float(MLPGenerator.normal(&reconstructionRNG))
              }
              g = perExampleGradient(
                row: row, cache: cache, kernel: kernel, generator: &generator,
                reconstruction: reconstruction, encoder: encoder, epsilon: epsilon,
                hiddenNoise: hiddenNoise(
                  options.noiseInjection, architecture: architecture, count: 1,
                  using: &reconstructionRNG))
            } else {
              g = perExampleGradient(row: row, cache: cache, kernel: kernel, generator: &generator)
            }
            let norm = clipper.accumulate(g, into: &sum)
            if clipper.scale(norm: norm) >= 1 { unclipped += 1 }
            if raw != nil {
              for k in g.indices { raw![k] += Double(g[k]) }
              if diagnostics != nil {
                record.examples += 1
                if clipper.scale(norm: norm) < 1 { record.clipped += 1 }
              }
            }
          }
        }
        // 3b. Error feedback: S_t + clip(e_t, C₂), and e moves (private state).
        let clippedSum = sum
        if feedback != nil, let raw { feedback!.feed(clippedSum: &sum, unclippedSum: raw) }
        // 4. Noise, snapped; then the public normalisation by qn.
        let noisy = noisySum(
          sum, noiseStandardDeviation: gradientMultiplier * noiseUnit(c), noise: &noise)
        if adaptive {
          // The centred count Σ(b_i − ½) (exact: halves), noised and snapped; C moves.
          let count = Double(unclipped) - 0.5 * Double(batch.count)
          let released = noise.snappedGaussian(
            [count], sigma: countNoise,
            grid: DPSGDCalibration.grid(noiseStandardDeviation: countNoise))[0]
          c = AdaptiveClipping.nextNorm(
            c, noisyCentredCount: released, expectedBatch: expected,
            targetQuantile: options.targetQuantile, learningRate: options.clippingLearningRate)
        }
        if diagnostics != nil, let raw {
          record.add(
            clippedSum: clippedSum, unclippedSum: raw, noisySum: noisy, count: batch.count)
        }
        // 5. The synthetic term, exact.
        let fake = kernel.syntheticGradient(cache.output, width: d)
        syntheticLoss += fake.value
        var gradient = generator.parameterGradient(cache, outputGradient: fake.gradient)
        for k in 0..<p { gradient[k] += Float(noisy[k] / expected) }
        optimizer.step(
          parameters: &generator.parameters, gradients: gradient,
          learningRate: options.learningRate)
        if encoder != nil {
          let encoderGradient = (p..<pTotal).map { Float(noisy[$0] / expected) }
          encoderOptimizer.step(
            parameters: &encoder!.parameters, gradients: encoderGradient,
            learningRate: options.learningRate)
        }
        steps += 1
        let perSecond = Double(steps) / max(Date().timeIntervalSince(runStart), 1e-9)
        progress(
          DPSGDProgress(
            epoch: epoch, epochs: options.epochs, step: s + 1, stepsPerEpoch: stepsPerEpoch,
            stepsPerSecond: perSecond,
            secondsRemaining: Double(totalSteps - steps) / max(perSecond, 1e-9),
            epsilonSpent: s + 1 == stepsPerEpoch || s % 50 == 0
              ? calibration.epsilonSpent(afterSteps: steps, parameterCount: values) : .nan))
      }
      let spent = calibration.epsilonSpent(afterSteps: steps, parameterCount: values)
      if let diagnostics { diagnostics(record.finish(epoch: epoch, epsilonSpent: spent)) }
      history.append(
        EpochRecord(
          epoch: epoch, steps: stepsPerEpoch, trainingLoss: syntheticLoss / Double(stepsPerEpoch),
          validationLoss: nil, seconds: Date().timeIntervalSince(epochStart)))
      let margin =
        Double(steps) * Double(values)
        * (log1p(DPSGDCalibration.relativeCellError) - log1p(-DPSGDCalibration.relativeCellError))
      var marker = DPSGDTraining(
        statement: statement(
          epsilon: spent, delta: options.delta, isPrivate: noise.isPrivate, steps: steps,
          feedbackNorm: feedbackNorm,
          reconstructionWeight: reconstruction == nil ? nil : options.reconstructionWeight,
          noiseInjection: options.noiseInjection > 0 ? options.noiseInjection : nil),
        epsilon: spent, delta: options.delta, neighbors: SampledGaussianRDP.relation,
        noiseIsPrivate: noise.isPrivate, rows: n, sampleRate: calibration.accountedSampleRate,
        noiseMultiplier: calibration.noiseMultiplier, steps: steps,
        clippingNorm: options.clippingNorm,
        clipping: options.clipping, optimizer: options.optimizer,
        accountant: "rdp-sampled-gaussian",
        conversion: SampledGaussianRDP.Conversion.improved.rawValue,
        orderGrid: SampledGaussianRDP.OrderGrid.opacus.rawValue,
        accountantEpsilon: spent - margin, accountantDelta: calibration.accountantDelta,
        implementationEpsilon: margin, bandwidths: kernel.bandwidths, fakeBatch: m)
      marker.feedbackNorm = feedbackNorm
      if reconstruction != nil { marker.reconstructionWeight = options.reconstructionWeight }
      if options.noiseInjection > 0 { marker.noiseInjection = options.noiseInjection }
      if adaptive {
        marker.adaptive = AdaptiveClipping(
          targetQuantile: options.targetQuantile, learningRate: options.clippingLearningRate,
          countNoise: countNoise, gradientNoiseMultiplier: gradientMultiplier,
          finalClippingNorm: c)
      }
      var header = ModelHeader(
        toolVersion: SliceGenVersion.current, release: nil, nonPrivate: nil, dpsgd: marker,
        schema: schema, architecture: architecture, training: fit, history: history,
        bestEpoch: epoch, parameterCount: p, optimizerSteps: steps, bins: nil)
      header.formatVersion = FormatVersions.model(for: header)
      let current = Model(
        header: header, parameters: generator.parameters, lastParameters: generator.parameters,
        adamFirstMoment: optimizer.adam.firstMoment, adamSecondMoment: optimizer.adam.secondMoment)
      try current.write(to: outputPath)
      model = current
    }
    return model!
  }

  /// The guarantee in words.
  public static func statement(
    epsilon: Double, delta: Double, isPrivate: Bool, steps: Int, feedbackNorm: Double? = nil,
    reconstructionWeight: Double? = nil, noiseInjection: Double? = nil
  ) -> String {
    let mechanism =
      feedbackNorm == nil
      ? "DP-SGD, \(steps) steps of the Poisson-sampled Gaussian mechanism on clipped per-row "
        + "gradients"
      : "DP-SGD with error-feedback clipping (DiceSGD, Zhang et al. 2024), \(steps) steps, each a "
        + "Gaussian mechanism of sensitivity C + 2C₂ (the clipped batch sum plus the clipped "
        + "private error state), with no amplification by subsampling claimed"
    let base =
      "(\(epsilon), \(delta))-differential privacy under zero-out (one row replaced by a null "
      + "row, n public; equivalently add/remove) for the generator's parameters and every row "
      + "sampled from them: \(mechanism), accounted by Rényi DP (Mironov, Talwar, Zhang 2019) "
      + "with the improved conversion (Balle et al. 2020)."
      + (reconstructionWeight.map {
        " Each row's clipped gradient also carries a reconstruction loss (weight \($0)) through "
          + "an encoder trained in the same noisy steps (Ma and Zhang); one row still moves a "
          + "step's sum by at most the clipping norm."
      } ?? "")
      + (noiseInjection.map {
        " Public N(0, \($0)²) noise was injected into the generator's hidden layers during "
          + "training; it spends no privacy."
      } ?? "")
    return isPrivate
      ? base : "NOT PRIVATE: reproducible test noise was used. Otherwise: " + base
  }
}
