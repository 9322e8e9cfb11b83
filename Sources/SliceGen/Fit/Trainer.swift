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
    if release.header.method == .merf {
      return try fitMERF(
        release: release, options: options, resume: resume, outputPath: outputPath,
        afterEpoch: afterEpoch, shouldStop: shouldStop, progress: progress)
    }
    let setup = try TrainingSetup(release: release, options: options, resume: resume)
    var state =
      try resume.map { try TrainingState(resuming: $0, setup: setup) }
      ?? TrainingState(fresh: setup)
    if setup.sampler == .forest {
      // Sampling from the forest of the released marginals: nothing to train.
      let model = state.model(setup)
      try model.write(to: outputPath)
      try afterEpoch(model)
      return model
    }
    let header = release.header
    let (batch, stepsPerEpoch) = (setup.batch, setup.stepsPerEpoch)
    let firstEpoch = (state.history.last?.epoch ?? 0) + 1
    let lastEpoch = firstEpoch + options.epochs - 1
    let totalSteps = stepsPerEpoch * lastEpoch

    var loss = try SlicedLoss(
      configuration: options.estimator, slices: header.slices, sliceDimension: header.sliceDim,
      maxBatch: batch)
    var step = StepBuffers(
      batch: batch, latent: options.latent, width: header.encodedWidth,
      projections: header.projections)
    step.kernelWeight = Float(options.kernelWeight)
    step.marginalBatch = options.marginalBatch
    let sigma = Float(header.sigma)
    var order = Array(0..<setup.trainRows)
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
        let rate = learningRate(
          options, progress: Double(state.optimizerSteps) / Double(max(totalSteps, 1)))
        lossSum += try step.run(
          rows: order[(s * batch)..<((s + 1) * batch)], released: release.released,
          u: release.projections, sigma: sigma, generator: &state.generator, loss: &loss,
          rng: &rng, train: true, marginal: setup.marginalLoss, step: state.optimizerSteps,
          phases: &phases)
        let optimizerStart = monotonicSeconds()
        state.adam.step(
          parameters: &state.generator.parameters, gradients: state.generator.gradients,
          learningRate: Float(rate))
        phases.optimizer += monotonicSeconds() - optimizerStart
        state.optimizerSteps += 1
        stepsThisRun += 1
        let perSecond = Double(stepsThisRun) / max(Date().timeIntervalSince(runStart), 1e-9)
        let remaining = Double((lastEpoch - epoch) * stepsPerEpoch + stepsPerEpoch - s - 1)
        progress(
          TrainingProgress(
            epoch: epoch, epochs: lastEpoch, step: s + 1, stepsPerEpoch: stepsPerEpoch,
            loss: lossSum / Double(s + 1), validationLoss: state.history.last?.validationLoss,
            stepsPerSecond: perSecond, secondsRemaining: remaining / max(perSecond, 1e-9),
            phases: phases))
      }
      let epochEndStart = monotonicSeconds()
      state.record(
        evaluateEpoch(
          epoch, setup: setup, generator: state.generator,
          trainingLoss: lossSum / Double(stepsPerEpoch),
          seconds: Date().timeIntervalSince(epochStart)),
        keep: options.keep)
      let current = state.model(setup)
      try current.write(to: outputPath)
      model = current
      try afterEpoch(current)
      phases.epochEnd += monotonicSeconds() - epochEndStart
    }
    return model!
  }

  /// Checks what `fit` checks against the release (and the model to resume) without training, so
  /// that a command can refuse before it prints anything.
  public static func check(release: Release, options: FitOptions, resume: Model? = nil) throws {
    try options.validate()
    let setup = try TrainingSetup(release: release, options: options, resume: resume)
    if let resume { _ = try TrainingState(resuming: resume, setup: setup) }
  }

  /// The step size at `progress` ∈ [0, 1] of the whole schedule: constant, or cosine decay to
  /// `finalLearningRateFactor` of it.
  static func learningRate(_ options: FitOptions, progress: Double) -> Double {
    guard options.cosineDecay else { return options.learningRate }
    let floor = options.finalLearningRateFactor
    return options.learningRate
      * (floor + (1 - floor) * 0.5 * (1 + cos(Double.pi * min(progress, 1))))
  }

  /// An epoch's record: its training loss, and the criteria that judge it. The validation loss
  /// compares the held-out release rows with smoothed synthetic projections by the sliced
  /// 2-Wasserstein distance (below); the marginal fit compares the generator's marginals with
  /// the released ones. Both use fixed streams, so epochs compare fairly.
  static func evaluateEpoch(
    _ epoch: Int, setup: TrainingSetup, generator: MLPGenerator, trainingLoss: Double,
    seconds: Double
  ) -> EpochRecord {
    let release = setup.release
    var validationLoss: Double? = nil
    if setup.validationRows >= 2 {
      validationLoss = validation(
        release: release, rows: setup.trainRows..<min(setup.rows, setup.trainRows + 4096),
        u: release.projections, sigma: Float(release.header.sigma), generator: generator,
        seed: setup.options.seed)
    }
    let fit = setup.marginalLoss.map {
      Self.marginalFit($0, generator: generator, seed: setup.options.seed)
    }
    return EpochRecord(
      epoch: epoch, steps: setup.stepsPerEpoch, trainingLoss: trainingLoss,
      validationLoss: validationLoss, marginalFit: fit, seconds: seconds)
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

/// Reusable buffers of one training step: the batch's projections, latents and gradients are
/// allocated once per run (the generator's forward cache is still allocated per step).
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

  /// One step's loss; with `train`, also the generator's parameter gradients. `released` holds
  /// the real side's projections (n × m'): a release's, or, for `train-nonprivate`, the private
  /// rows' own (NonPrivateTrainer.swift).
  mutating func run(
    rows: ArraySlice<Int>, released: [Float], u: [Float], sigma: Float,
    generator: inout MLPGenerator, loss: inout SlicedLoss, rng: inout ChaCha20, train: Bool,
    marginal: MarginalLoss? = nil, step stepIndex: Int = 0, phases: inout FitPhaseTimes
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
    released.withUnsafeBufferPointer { o in
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
      total += marginal.evaluate(
        heads: marginalCache.heads, batch: rows, gradient: &headGradient, step: stepIndex)
      headGradient.withUnsafeBufferPointer { h in
        generator.backward(marginalCache, outputGradient: nil, headGradient: h.baseAddress!)
      }
    } else if let marginal {
      var headGradient = [Float](repeating: 0, count: b * marginal.headWidth)
      total += marginal.evaluate(
        heads: cache.heads, batch: b, gradient: &headGradient, step: stepIndex)
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
