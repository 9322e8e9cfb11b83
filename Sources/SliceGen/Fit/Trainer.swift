// `fit` as a library call: train a generator on a release alone (Docs/design.md). Each step takes b
// released rows (never re-noised) and b synthetic rows G(Z), projects the synthetic rows with the
// release's U, adds fresh N(0, σ²) smoothing noise with the release's σ, and descends the
// smoothed-sliced divergence (plus the marginal term when the release carries marginals).
// Everything here is post-processing of the release: no privacy is spent, and the smoothing
// noise comes from the seeded training generator on purpose (it must be reproducible).

import Dispatch
import Foundation
import SliceGenNumerics

/// What the training loop reports as it goes.
public struct TrainingProgress: Sendable {
  public var epoch: Int
  public var epochs: Int
  public var step: Int
  public var stepsPerEpoch: Int
  public var loss: Double
  public var validationLoss: Double?
  public var stepsPerSecond: Double
  public var secondsRemaining: Double
  /// Where this run's time went so far (seconds per phase).
  public var phases = FitPhaseTimes()
}

/// Seconds spent in each phase of training (this run), for `slicegen-bench` and profiling.
public struct FitPhaseTimes: Sendable {
  /// Gathering the batch's released rows and drawing latents.
  public var batch = 0.0
  /// Generator forward pass.
  public var generator = 0.0
  /// G(Z)·U and the smoothing noise.
  public var projection = 0.0
  /// The smoothed-sliced divergence and its gradient (kernels, factors, solves).
  public var estimator = 0.0
  /// Back-propagation through U, the marginal term and the generator.
  public var backward = 0.0
  /// Adam.
  public var optimizer = 0.0
  /// The validation loss and the model file after each epoch.
  public var epochEnd = 0.0

  public init() {}

  /// (name, seconds) in pipeline order.
  public var named: [(String, Double)] {
    [
      ("batch", batch), ("generator", generator), ("projection", projection),
      ("estimator", estimator), ("backward", backward), ("optimizer", optimizer),
      ("epochEnd", epochEnd),
    ]
  }
}

/// Monotonic seconds since an arbitrary origin.
@inline(__always)
func monotonicSeconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 }

/// Trains generators on releases.
public enum Trainer {
  /// The seeded generator of one training stream (epoch e, or a fixed stream for validation and
  /// initialisation). Separate streams per epoch make `--resume` at an epoch boundary reproduce
  /// an uninterrupted run bit for bit.
  static func trainingStream(seed: UInt64, stream: UInt64) -> ChaCha20 {
    SeededStream.make(seed: seed, stream: stream)
  }

  /// Trains (or resumes) and writes the model to `outputPath` after every epoch.
  /// - Parameters:
  ///   - resume: a model trained on the same release; training continues from its last epoch.
  ///   - afterEpoch: called with each epoch's model once it is written (its `lastParameters`
  ///     are that epoch's; `slicegen-bench selection` samples and evaluates them).
  ///   - shouldStop: polled between steps (Ctrl-C); training stops at once and the last
  ///     complete epoch's model stays on disk.
  public static func fit(
    release: Release, options: FitOptions, resume: Model? = nil,
    outputPath: String, afterEpoch: (Model) throws -> Void = { _ in },
    shouldStop: () -> Bool = { false },
    progress: (TrainingProgress) -> Void = { _ in }
  ) throws -> Model {
    try OutputPath.refuse(outputPath, ifAnyOf: [release.path])
    try options.validate()
    let releaseChecksum = try release.identity()
    let header = release.header
    // The paper's SliceWass baseline compares 1-dimensional projections.
    if options.estimator.divergence == .slicedWasserstein, header.sliceDim != 1 {
      throw OptionError(
        option: "divergence", value: nil,
        rule: "sliced-wasserstein needs a release made with --slice-dim 1 (this one has k = "
          + "\(header.sliceDim))")
    }
    let n = header.rows
    guard n >= 4 else { throw FitError(message: "the release has \(n) rows; fit needs at least 4") }
    let d = header.encodedWidth
    let mPrime = header.projections
    let sigma = Float(header.sigma)
    let encoding = Encoding(schema: header.schema)
    // The model's schema: the release's, with the target `fit --target` names (else the resumed
    // model's, else the release's).
    let modelSchema = try header.schema.withTarget(
      options.target ?? resume?.header.schema.target ?? header.schema.target)
    let validationRows = min(Int((Double(n) * options.validation).rounded()), n - 2)
    let trainRows = n - validationRows
    let batch = min(options.batch, trainRows)
    let stepsPerEpoch = max(1, trainRows / batch)

    // With marginals in the release (and λ > 0), numeric columns get binned heads over the
    // release's public bins and the marginal term joins the loss.
    let names = encoding.blocks.map(\.name)
    let bins = options.marginalWeight > 0 ? header.columnBins : nil
    let architecture = GeneratorArchitecture(
      latent: options.latent, hidden: options.hidden, numericHead: options.numericHead,
      blocks: bins.map { encoding.binnedOutputBlocks(bins: $0) } ?? encoding.outputBlocks)
    if options.kernelWeight == 0 && bins == nil {
      throw OptionError(
        option: "kernel-weight", value: nil,
        rule: "0 leaves nothing to fit: the release has no marginals (or --marginal-weight is 0)")
    }
    let marginalLoss =
      bins == nil
      ? nil
      : MarginalLoss(
        marginals: header.marginals!, names: names, architecture: architecture,
        weight: options.marginalWeight, distance: options.marginalLoss)
    var generator: MLPGenerator
    var adam: Adam
    var history: [EpochRecord] = []
    var bestParameters: [Float]
    var bestEpoch = 0
    var bestValidation = Double.infinity
    var optimizerSteps = 0
    if let resume {
      guard resume.header.release.checksum == releaseChecksum else {
        throw FitError(
          message: "--resume: the model was trained on another release "
            + "(checksum \(resume.header.release.checksum.prefix(12))…, this release "
            + "\(releaseChecksum.prefix(12))…)")
      }
      guard resume.header.architecture == architecture else {
        throw FitError(message: "--resume: the model's architecture differs from --latent/--hidden")
      }
      generator = try MLPGenerator(architecture: architecture, parameters: resume.lastParameters)
      adam = Adam(parameterCount: generator.parameterCount)
      adam.restore(
        firstMoment: resume.adamFirstMoment, secondMoment: resume.adamSecondMoment,
        steps: resume.header.optimizerSteps)
      history = resume.header.history
      bestParameters = resume.parameters
      bestEpoch = resume.header.bestEpoch
      bestValidation =
        history.first { $0.epoch == bestEpoch }.flatMap {
          $0.marginalFit ?? $0.validationLoss
        } ?? .infinity
      optimizerSteps = resume.header.optimizerSteps
    } else {
      var initRNG = trainingStream(seed: options.seed, stream: .max)
      generator = MLPGenerator(architecture: architecture, using: &initRNG)
      adam = Adam(parameterCount: generator.parameterCount)
      bestParameters = generator.parameters
    }
    let firstEpoch = (history.last?.epoch ?? 0) + 1
    let lastEpoch = firstEpoch + options.epochs - 1
    let totalSteps = stepsPerEpoch * (lastEpoch)

    var loss = try SlicedLoss(
      configuration: options.estimator, slices: header.slices, sliceDimension: header.sliceDim,
      maxBatch: batch)
    var step = StepBuffers(batch: batch, latent: options.latent, width: d, projections: mPrime)
    step.kernelWeight = Float(options.kernelWeight)
    step.marginalBatch = options.marginalBatch
    let u = release.projections
    var order = Array(0..<trainRows)
    let runStart = Date()
    var stepsThisRun = 0
    var model: Model? = nil
    var phases = FitPhaseTimes()

    for epoch in firstEpoch...lastEpoch {
      let epochStart = Date()
      var rng = trainingStream(seed: options.seed, stream: UInt64(epoch))
      for i in order.indices { order[i] = i }  // each epoch's order depends on its stream only
      order.shuffle(using: &rng)
      var lossSum = 0.0
      for s in 0..<stepsPerEpoch {
        if shouldStop() {
          if let model { return model }
          throw FitError(message: "interrupted before the first epoch finished: nothing written")
        }
        let progressFraction = Double(optimizerSteps) / Double(max(totalSteps, 1))
        let rate =
          options.cosineDecay
          ? options.learningRate
            * (options.finalLearningRateFactor + (1 - options.finalLearningRateFactor)
              * 0.5 * (1 + cos(Double.pi * min(progressFraction, 1))))
          : options.learningRate
        let value = try step.run(
          rows: order[(s * batch)..<((s + 1) * batch)], release: release, u: u, sigma: sigma,
          generator: &generator, loss: &loss, rng: &rng, train: true, marginal: marginalLoss,
          phases: &phases)
        let optimizerStart = monotonicSeconds()
        adam.step(
          parameters: &generator.parameters, gradients: generator.gradients,
          learningRate: Float(rate))
        phases.optimizer += monotonicSeconds() - optimizerStart
        optimizerSteps += 1
        stepsThisRun += 1
        lossSum += value
        let elapsed = Date().timeIntervalSince(runStart)
        let perSecond = Double(stepsThisRun) / max(elapsed, 1e-9)
        let remaining = Double((lastEpoch - epoch) * stepsPerEpoch + stepsPerEpoch - s - 1)
        progress(
          TrainingProgress(
            epoch: epoch, epochs: lastEpoch, step: s + 1, stepsPerEpoch: stepsPerEpoch,
            loss: lossSum / Double(s + 1), validationLoss: history.last?.validationLoss,
            stepsPerSecond: perSecond, secondsRemaining: remaining / max(perSecond, 1e-9),
            phases: phases))
      }
      let epochEndStart = monotonicSeconds()
      // Validation: the held-out release rows against smoothed synthetic projections, by the
      // sliced 2-Wasserstein distance (below), with a fixed stream so epochs compare fairly.
      var validationLoss: Double? = nil
      if validationRows >= 2 {
        validationLoss = validation(
          release: release, rows: trainRows..<min(n, trainRows + 4096), u: u, sigma: sigma,
          generator: generator, seed: options.seed)
      }
      let marginalFit = marginalLoss.map {
        Self.marginalFit($0, generator: generator, seed: options.seed)
      }
      history.append(
        EpochRecord(
          epoch: epoch, steps: stepsPerEpoch, trainingLoss: lossSum / Double(stepsPerEpoch),
          validationLoss: validationLoss, marginalFit: marginalFit,
          seconds: Date().timeIntervalSince(epochStart)))
      // The epoch kept by `--keep best`: the best marginal fit for a combined release (it
      // tracks the evaluation; Docs/tuning.md), else the best validation loss.
      let score = marginalFit ?? validationLoss ?? lossSum / Double(stepsPerEpoch)
      let judged = marginalFit != nil || validationRows >= 2
      if score <= bestValidation || !judged || options.keep == .last {
        bestValidation = score
        bestEpoch = epoch
        bestParameters = generator.parameters
      }
      let current = Model(
        header: ModelHeader(
          toolVersion: SliceGenVersion.current,
          release: ReleaseReference(
            checksum: releaseChecksum, method: header.method, rows: n,
            privacy: header.privacy),
          schema: modelSchema, architecture: architecture, training: options, history: history,
          bestEpoch: bestEpoch, parameterCount: generator.parameterCount,
          optimizerSteps: optimizerSteps, bins: bins),
        parameters: bestParameters, lastParameters: generator.parameters,
        adamFirstMoment: adam.firstMoment, adamSecondMoment: adam.secondMoment)
      try current.write(to: outputPath)
      model = current
      try afterEpoch(current)
      phases.epochEnd += monotonicSeconds() - epochEndStart
    }
    return model!
  }
}

extension Trainer {
  /// Latent rows of the marginal-fit criterion: enough that its sampling spread (about
  /// √(cells/rows) per table) stays well below the differences between epochs.
  static let marginalFitRows = 8192

  /// The marginal-fit criterion (`MarginalLoss.meanTotalVariation`) on a fixed batch of
  /// `marginalFitRows` latents drawn from their own stream, so that epochs compare fairly.
  static func marginalFit(_ marginal: MarginalLoss, generator: MLPGenerator, seed: UInt64) -> Double
  {
    let rows = marginalFitRows
    var rng = trainingStream(seed: seed, stream: .max - 2)
    var z = [Float](repeating: 0, count: rows * generator.architecture.latent)
    z.withUnsafeMutableBufferPointer {
      GaussianSampling.fill($0, standardDeviation: 1, using: &rng)
    }
    let cache = z.withUnsafeBufferPointer {
      generator.forward(latents: $0.baseAddress!, batch: rows)
    }
    return marginal.meanTotalVariation(heads: cache.heads, batch: rows)
  }

  /// The validation loss: mean over the m' projection directions of the squared 2-Wasserstein
  /// distance between the held-out released projections and as many smoothed synthetic ones
  /// (G(Z)·U + N(0, σ²)). Both sides carry the same noise level, so it compares like with like;
  /// with thousands of rows per direction it is far less noisy than the kernel estimator's loss,
  /// which makes it a better judge of which epoch to keep. Post-processing: no privacy cost.
  static func validation(
    release: Release, rows: Range<Int>, u: [Float], sigma: Float, generator: MLPGenerator,
    seed: UInt64
  ) -> Double {
    let v = rows.count
    let d = release.header.encodedWidth
    let mPrime = release.header.projections
    var rng = trainingStream(seed: seed, stream: .max - 1)
    var z = [Float](repeating: 0, count: v * generator.architecture.latent)
    z.withUnsafeMutableBufferPointer {
      GaussianSampling.fill($0, standardDeviation: 1, using: &rng)
    }
    let cache = z.withUnsafeBufferPointer { generator.forward(latents: $0.baseAddress!, batch: v) }
    var s = [Float](repeating: 0, count: v * mPrime)
    cache.output.withUnsafeBufferPointer { x in
      u.withUnsafeBufferPointer { uu in
        s.withUnsafeMutableBufferPointer {
          GEMM.nn(m: v, n: mPrime, k: d, a: x.baseAddress!, b: uu.baseAddress!, c: $0.baseAddress!)
        }
      }
    }
    s.withUnsafeMutableBufferPointer {
      GaussianSampling.addNoise(to: $0, standardDeviation: sigma, using: &rng)
    }
    var total = 0.0
    var real = [Float](repeating: 0, count: v)
    var synthetic = [Float](repeating: 0, count: v)
    release.released.withUnsafeBufferPointer { o in
      for j in 0..<mPrime {
        for (i, row) in rows.enumerated() {
          real[i] = o[row * mPrime + j]
          synthetic[i] = s[i * mPrime + j]
        }
        real.sort()
        synthetic.sort()
        var sum = 0.0
        for i in 0..<v {
          let e = Double(real[i] - synthetic[i])
          sum += e * e
        }
        total += sum / Double(v)
      }
    }
    return total / Double(mPrime)
  }
}

/// Reusable buffers of one training step, so a step allocates nothing.
struct StepBuffers {
  let batch: Int
  let latent: Int
  let width: Int
  let projections: Int
  var real: [Float]  // (batch, m')
  var latents: [Float]  // (batch, latent)
  var synthetic: [Float]  // (batch, m')
  var gradient: [Float]  // (batch, m')
  var outputGradient: [Float]  // (batch, d)
  /// Weight of the kernel term (0: skipped).
  var kernelWeight: Float = 1
  /// Rows generated for the marginal term apart from the batch (0: the batch itself).
  var marginalBatch = 0

  init(batch: Int, latent: Int, width: Int, projections: Int) {
    self.batch = batch
    self.latent = latent
    self.width = width
    self.projections = projections
    real = [Float](repeating: 0, count: batch * projections)
    latents = [Float](repeating: 0, count: batch * latent)
    synthetic = [Float](repeating: 0, count: batch * projections)
    gradient = [Float](repeating: 0, count: batch * projections)
    outputGradient = [Float](repeating: 0, count: batch * width)
  }

  /// One step's loss; with `train`, also the generator's parameter gradients.
  mutating func run(
    rows: ArraySlice<Int>, release: Release, u: [Float], sigma: Float,
    generator: inout MLPGenerator, loss: inout SlicedLoss, rng: inout ChaCha20, train: Bool,
    marginal: MarginalLoss? = nil, phases: inout FitPhaseTimes
  ) throws -> Double {
    var clock = monotonicSeconds()
    func lap(_ phase: WritableKeyPath<FitPhaseTimes, Double>, _ phases: inout FitPhaseTimes) {
      let now = monotonicSeconds()
      phases[keyPath: phase] += now - clock
      clock = now
    }
    let b = rows.count
    let mPrime = projections
    let d = width
    // R: the released projections of the batch's rows.
    release.released.withUnsafeBufferPointer { o in
      real.withUnsafeMutableBufferPointer { r in
        for (i, row) in rows.enumerated() {
          (r.baseAddress! + i * mPrime).update(from: o.baseAddress! + row * mPrime, count: mPrime)
        }
      }
    }
    // S = G(Z)·U + N(0, σ²).
    latents.withUnsafeMutableBufferPointer {
      GaussianSampling.fill(
        UnsafeMutableBufferPointer(rebasing: $0[0..<(b * latent)]),
        standardDeviation: 1, using: &rng)
    }
    lap(\.batch, &phases)
    let cache = latents.withUnsafeBufferPointer {
      generator.forward(latents: $0.baseAddress!, batch: b)
    }
    lap(\.generator, &phases)
    cache.output.withUnsafeBufferPointer { x in
      u.withUnsafeBufferPointer { uu in
        synthetic.withUnsafeMutableBufferPointer { s in
          GEMM.nn(m: b, n: mPrime, k: d, a: x.baseAddress!, b: uu.baseAddress!, c: s.baseAddress!)
        }
      }
    }
    synthetic.withUnsafeMutableBufferPointer {
      GaussianSampling.addNoise(
        to: UnsafeMutableBufferPointer(rebasing: $0[0..<(b * mPrime)]),
        standardDeviation: sigma, using: &rng)
    }
    lap(\.projection, &phases)
    var value = 0.0
    if kernelWeight > 0 {
      value = try real.withUnsafeBufferPointer { r in
        try synthetic.withUnsafeBufferPointer { s in
          try gradient.withUnsafeMutableBufferPointer { g in
            try loss.evaluate(
              real: UnsafeBufferPointer(rebasing: r[0..<(b * mPrime)]), realRows: b,
              synthetic: UnsafeBufferPointer(rebasing: s[0..<(b * mPrime)]), syntheticRows: b,
              gradient: train ? UnsafeMutableBufferPointer(rebasing: g[0..<(b * mPrime)]) : nil)
          }
        }
      }
      if kernelWeight != 1 {
        value *= Double(kernelWeight)
        for e in 0..<(b * mPrime) { gradient[e] *= kernelWeight }
      }
    } else {
      for e in 0..<(b * mPrime) { gradient[e] = 0 }
    }
    lap(\.estimator, &phases)
    guard train else { return value }
    defer { lap(\.backward, &phases) }
    // ∂L/∂X = ∂L/∂S · Uᵀ, U stored (d × m').
    gradient.withUnsafeBufferPointer { g in
      u.withUnsafeBufferPointer { uu in
        outputGradient.withUnsafeMutableBufferPointer { dx in
          GEMM.nt(m: b, n: d, k: mPrime, a: g.baseAddress!, b: uu.baseAddress!, c: dx.baseAddress!)
        }
      }
    }
    generator.zeroGradients()
    var total = value
    if let marginal, marginalBatch > 0 {
      // The marginal term on its own rows: G(Z′) for marginalBatch fresh latents.
      if kernelWeight > 0 {
        outputGradient.withUnsafeBufferPointer {
          generator.backward(cache, outputGradient: $0.baseAddress!)
        }
      }
      let rows = marginalBatch
      var z = [Float](repeating: 0, count: rows * latent)
      z.withUnsafeMutableBufferPointer {
        GaussianSampling.fill($0, standardDeviation: 1, using: &rng)
      }
      let marginalCache = z.withUnsafeBufferPointer {
        generator.forward(latents: $0.baseAddress!, batch: rows)
      }
      var headGradient = [Float](repeating: 0, count: rows * marginal.headWidth)
      total += marginal.evaluate(heads: marginalCache.heads, batch: rows, gradient: &headGradient)
      headGradient.withUnsafeBufferPointer { h in
        generator.backward(marginalCache, outputGradient: nil, headGradient: h.baseAddress!)
      }
    } else if let marginal {
      var headGradient = [Float](repeating: 0, count: b * marginal.headWidth)
      total += marginal.evaluate(heads: cache.heads, batch: b, gradient: &headGradient)
      outputGradient.withUnsafeBufferPointer { o in
        headGradient.withUnsafeBufferPointer { h in
          generator.backward(cache, outputGradient: o.baseAddress!, headGradient: h.baseAddress!)
        }
      }
    } else {
      outputGradient.withUnsafeBufferPointer {
        generator.backward(cache, outputGradient: $0.baseAddress!)
      }
    }
    return total
  }
}
