// The pieces of one `fit` run that `Trainer.fit` strings together: what the release and the
// options fix before the first step (TrainingSetup: sizes, the generator's architecture, the
// marginal term), and what changes as it trains (TrainingState: the generator, Adam, the history
// and the epoch kept), started fresh or restored from a model. Post-processing of the release: no
// privacy is spent here.

import Foundation
import SliceGenNumerics

/// What a release and the fit options fix before training starts.
struct TrainingSetup {
  /// The rows held out and trained on, the batch (at most the training rows) and the steps of
  /// one epoch, for a release of n rows.
  static func split(rows n: Int, validation: Double, batch: Int) -> (
    validationRows: Int, trainRows: Int, batch: Int, stepsPerEpoch: Int
  ) {
    let validationRows = min(Int((Double(n) * validation).rounded()), n - 2)
    let trainRows = n - validationRows
    let b = min(batch, trainRows)
    return (validationRows, trainRows, b, max(1, trainRows / b))
  }

  let release: Release
  let options: FitOptions
  /// The release's identity, recorded in the model (`--resume` checks it).
  let releaseChecksum: String
  /// n released rows: the first `trainRows` train, the rest validate.
  let rows: Int
  let trainRows: Int
  let validationRows: Int
  let batch: Int
  let stepsPerEpoch: Int
  /// With marginals in the release (and λ > 0): the numeric columns' public bins, which become
  /// the generator's binned heads, and the marginal term of the loss.
  let bins: [ColumnBins]?
  let marginalLoss: MarginalLoss?
  let architecture: GeneratorArchitecture
  /// The model's schema: the release's, with the target `fit --target` names (else the resumed
  /// model's, else the release's).
  let modelSchema: Schema
  /// What the model samples from (`options.sampler` made concrete): with `.forest`, nothing is
  /// trained.
  let sampler: ModelSampler

  init(release: Release, options: FitOptions, resume: Model?) throws {
    self.release = release
    self.options = options
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
    rows = n
    releaseChecksum = try release.identity()
    modelSchema = try header.schema.withTarget(
      options.target ?? resume?.header.schema.target ?? header.schema.target)
    (validationRows, trainRows, batch, stepsPerEpoch) = Self.split(
      rows: n, validation: options.validation, batch: options.batch)

    let encoding = Encoding(schema: header.schema)
    sampler = options.sampler.resolved(
      marginals: header.marginals, columns: encoding.blocks.map(\.name))
    if sampler == .forest {
      guard header.marginals != nil else {
        throw OptionError(
          option: "sampler", value: "forest",
          rule: "needs a release with marginals (this one has the projections only)")
      }
      guard resume == nil else {
        throw FitError(
          message: "--resume: a model that samples from the forest of the release's marginals "
            + "has no generator to train; --sampler generator trains one")
      }
    }
    if let resume, resume.header.forest != nil {
      throw FitError(
        message: "--resume: the model samples from the forest of its release's marginals and has "
          + "no generator to continue; fit a new one with --sampler generator")
    }
    // The conditional generator's sigmoid pixels have no binned heads: it trains on the
    // projections alone, its label drawn from the released label marginal.
    let conditional = sampler == .conditional
    let bins =
      (options.marginalWeight > 0 && !conditional) || sampler == .forest ? header.columnBins : nil
    self.bins = bins
    architecture =
      conditional
      ? try ConditionalImageGenerator.architecture(
        schema: header.schema, marginals: header.marginals, options: options,
        labelProbabilities: header.merf?.labelProbabilities)
      : GeneratorArchitecture(
        latent: options.latent, hidden: options.hidden, numericHead: options.numericHead,
        blocks: bins.map { encoding.binnedOutputBlocks(bins: $0) } ?? encoding.outputBlocks)
    if options.kernelWeight == 0 && bins == nil {
      throw OptionError(
        option: "kernel-weight", value: nil,
        rule: "0 leaves nothing to fit: the release has no marginals (or --marginal-weight is 0)")
    }
    let architecture = self.architecture
    let names = encoding.blocks.map(\.name)
    marginalLoss = bins.map { _ in
      let marginals = header.marginals!
      var implied: [(a: Int, b: Int, joint: [Double])] = []
      if options.impliedPairWeight > 0 {
        let measured = Set(
          marginals.filter { $0.columns.count == 2 }.map { m in
            m.columns.map { names.firstIndex(of: $0)! }.sorted()
          })
        implied = MarginalForest(columns: names, marginals: marginals)
          .impliedJoints(excluding: measured)
      }
      return MarginalLoss(
        marginals: marginals, names: names, architecture: architecture,
        weight: options.marginalWeight, distance: options.marginalLoss, implied: implied,
        impliedWeight: options.impliedPairWeight, impliedPerStep: options.impliedPairsPerStep)
    }
  }

  /// The model file's header after `state`'s last epoch.
  func modelHeader(_ state: TrainingState) -> ModelHeader {
    let header = release.header
    var model = ModelHeader(
      toolVersion: SliceGenVersion.current,
      release: ReleaseReference(
        checksum: releaseChecksum, method: header.method, rows: rows, privacy: header.privacy),
      schema: modelSchema, architecture: architecture, training: options,
      history: state.history, bestEpoch: state.bestEpoch,
      parameterCount: state.generator.parameterCount, optimizerSteps: state.optimizerSteps,
      bins: bins, forest: sampler == .forest ? header.marginals : nil)
    model.formatVersion = FormatVersions.model(for: model)
    return model
  }
}

/// What changes as a fit runs.
struct TrainingState {
  var generator: MLPGenerator
  var adam: Adam
  var history: [EpochRecord]
  /// The epoch `--keep` keeps, its parameters, and its score (lower is better).
  var bestEpoch: Int
  var bestParameters: [Float]
  var bestScore: Double
  var optimizerSteps: Int

  /// A fresh generator, initialised from its own stream of the seed.
  init(fresh setup: TrainingSetup) {
    var initRNG = Trainer.trainingStream(seed: setup.options.seed, stream: .max)
    generator = MLPGenerator(architecture: setup.architecture, using: &initRNG)
    adam = Adam(parameterCount: generator.parameterCount)
    history = []
    bestEpoch = 0
    bestParameters = generator.parameters
    bestScore = .infinity
    optimizerSteps = 0
  }

  /// The state `model` was written with, to continue training on the same release.
  init(resuming model: Model, setup: TrainingSetup) throws {
    guard let trainedOn = model.header.release else {
      throw FitError(
        message: "--resume: the model was trained directly on private rows with no release ("
          + NonPrivateTraining.statement + "); fit trains on releases only")
    }
    guard trainedOn.checksum == setup.releaseChecksum else {
      throw FitError(
        message: "--resume: the model was trained on another release "
          + "(checksum \(trainedOn.checksum.prefix(12))…, this release "
          + "\(setup.releaseChecksum.prefix(12))…)")
    }
    guard model.header.architecture == setup.architecture else {
      throw FitError(message: "--resume: the model's architecture differs from --latent/--hidden")
    }
    generator = try MLPGenerator(architecture: setup.architecture, parameters: model.lastParameters)
    adam = Adam(parameterCount: generator.parameterCount)
    adam.restore(
      firstMoment: model.adamFirstMoment, secondMoment: model.adamSecondMoment,
      steps: model.header.optimizerSteps)
    history = model.header.history
    bestParameters = model.parameters
    bestEpoch = model.header.bestEpoch
    let bestEpoch = bestEpoch
    bestScore =
      history.first { $0.epoch == bestEpoch }.flatMap { $0.marginalFit ?? $0.validationLoss }
      ?? .infinity
    optimizerSteps = model.header.optimizerSteps
  }

  /// Records a finished epoch and keeps it when `keep` says so: always for `--keep last`, else
  /// when its score is the best so far (the marginal fit for a combined release, which tracks the
  /// evaluation, Docs/tuning.md; else the validation loss; the training loss when neither
  /// exists, and then every epoch is kept).
  mutating func record(_ epoch: EpochRecord, keep: FitOptions.KeptEpoch) {
    history.append(epoch)
    let score = epoch.marginalFit ?? epoch.validationLoss ?? epoch.trainingLoss
    let judged = epoch.marginalFit != nil || epoch.validationLoss != nil
    if score <= bestScore || !judged || keep == .last {
      bestScore = score
      bestEpoch = epoch.epoch
      bestParameters = generator.parameters
    }
  }

  /// The model after the last recorded epoch.
  func model(_ setup: TrainingSetup) -> Model {
    Model(
      header: setup.modelHeader(self), parameters: bestParameters,
      lastParameters: generator.parameters, adamFirstMoment: adam.firstMoment,
      adamSecondMoment: adam.secondMoment)
  }
}
