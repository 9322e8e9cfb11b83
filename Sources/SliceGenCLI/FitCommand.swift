// `slicegen fit`: train a generator on a release. Post-processing: no privacy is spent.

import Foundation
import SliceGen
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Set by the SIGINT handler; polled by the training loop between steps.
let interrupted = Atomic<Bool>(false)

enum FitCommand: Command {
  static let defaults = FitOptions()

  /// The options, each declared once: the help shows them in `spec`'s order.
  enum Options {
    static let epochs = Option<Int>.wholeNumber(
      "epochs", value: "N",
      help: "Passes over the release rows. On a DP-MERF release, which has no rows, the default "
        + "is the epochs of \(FitOptions.merfSteps) steps, with --batch \(FitOptions.merfBatch) "
        + "and --keep best.",
      defaultText: "\(defaults.epochs)", range: FitOptions.epochsRange)
    static let batch = Option<Int>.wholeNumber(
      "batch", value: "B",
      help: "Release rows (and synthetic rows) per step (on a DP-MERF release: generated rows, "
        + "default \(FitOptions.merfBatch)).",
      defaultText: "\(defaults.batch)", range: FitOptions.batchRange)
    static let lr = Option<Double>.number(
      "lr", value: "η", help: "Adam learning rate (cosine decay to a tenth).",
      defaultText: "\(defaults.learningRate)")
    static let seed = Option<UInt64>.seed(
      "seed",
      help: "Seed of training (initialisation, batches, latents, smoothing noise). The same seed "
        + "and release give a bit-identical model.", defaultText: "0")
    static let validation = Option<Double>.number(
      "validation", value: "fraction",
      help: "Share of release rows held out for the validation loss (sliced W₂ of the "
        + "projections), which --keep best reads for a release without marginals.",
      defaultText: "\(defaults.validation)")
    static let latent = Option<Int>.wholeNumber(
      "latent", value: "n", help: "Latent dimension of the generator.",
      defaultText: "\(defaults.latent)", range: FitOptions.latentRange)
    static let hidden = Option<[Int]>(
      "hidden", value: "w1,w2,…", help: "Hidden layer widths.",
      defaultText: defaults.hidden.map(String.init).joined(separator: ","),
      rule: "must be widths like 256,256", read: wholeNumbers)
    /// `256,256` as [256, 256]; nil unless every comma-separated part is a whole number.
    static func wholeNumbers(_ text: String) -> [Int]? {
      let numbers = text.split(separator: ",", omittingEmptySubsequences: false)
        .map { Int($0.trimmingCharacters(in: .whitespaces)) }
      return numbers.allSatisfy { $0 != nil } ? numbers.map { $0! } : nil
    }
    static let numericHead = Option<NumericHead>.choice(
      "numeric-head",
      help: "How numeric outputs reach [0, 1]. With --sampler conditional it sets the pixels' "
        + "head, sigmoid when not given.",
      defaultText: defaults.numericHead.rawValue)
    static let divergence = Option<Divergence>.choice(
      "divergence",
      help: "The divergence minimised; sliced-wasserstein is the paper's SliceWass baseline "
        + "(needs a release with --slice-dim 1).",
      defaultText: defaults.estimator.divergence.rawValue)
    static let tau = Option<Double>.number(
      "tau", value: "τ", help: "Ridge of the kernel density-ratio estimate.",
      defaultText: "\(defaults.estimator.tau)")
    static let bandwidths = Option<[Double]>(
      "bandwidths", value: "a,b,…", help: "Kernel bandwidths as multiples of the median distance.",
      defaultText: defaults.estimator.bandwidthMultipliers.map { "\($0)" }.joined(separator: ","),
      rule: "must be numbers like 0.5,1,2"
    ) { text in
      let values = text.split(separator: ",", omittingEmptySubsequences: false).map { Double($0) }
      return values.allSatisfy { $0 != nil } ? values.map { $0! } : nil
    }
    static let marginalWeight = Option<Double>.number(
      "marginal-weight", value: "λ",
      help: "Weight of the marginal term (releases with --marginals; 0 ignores them).",
      defaultText: "\(defaults.marginalWeight)")
    static let marginalLoss = Option<MarginalDistance>.choice(
      "marginal-loss",
      help: "How the marginal term compares the generator's expected marginals with the released "
        + "ones: λ·Σ‖q − p̂‖² or λ·Σ KL(p̂‖q).", defaultText: defaults.marginalLoss.rawValue)
    static let marginalBatch = Option<Int>.wholeNumber(
      "marginal-batch", value: "n",
      help: "Generated rows per step for the marginal term, drawn apart from the batch (0: the "
        + "batch itself).", defaultText: "\(defaults.marginalBatch)",
      range: FitOptions.marginalBatchRange)
    static let convChannels = Option<[Int]>(
      "conv-channels", value: "c1,c2,…",
      help: "With --sampler conditional: a transposed-convolution generator. The dense layers "
        + "(--hidden) end in c1 feature maps of the image's sides divided by 2^(number of "
        + "channels), and one transposed convolution per channel count (4 x 4 kernels, stride "
        + "2) doubles them, the last writing the pixels; 64,32 on 28 x 28 images: 64 maps of "
        + "7 x 7, then 32 of 14 x 14, then the image. Unset: the last dense layer writes the "
        + "pixels.",
      defaultText: "unset", rule: "must be channel counts like 64,32", read: wholeNumbers)
    static let sampler = Option<ModelSampler>.choice(
      "sampler",
      help: "What the model samples from: the generator trained on the projections and the "
        + "marginals, or the maximum-entropy model of the release's marginals on a forest of its "
        + "2-way tables (MST's model; nothing to train, and pairs no table measured get no "
        + "association; where the measured pairs close cycles, 'sample' moves its rows toward "
        + "the tables the forest left out, see its --record-update). auto: forest when the "
        + "release has 2-way marginals, else generator (the projections alone, or 1-way "
        + "marginals only). conditional (labelled images only, 'slicegen schema --image'): a "
        + "class-conditional generator G(z, label) with sigmoid pixels (or the head "
        + "--numeric-head names), trained on the "
        + "projections alone (no marginal term), its label drawn from the release's 1-way "
        + "marginal of the label (uniform when the release has none); on a class-conditional "
        + "DP-MERF release, trained on the mean embedding, its label drawn from the release's "
        + "label coordinates; 'sample --png' then asks it for each class directly.",
      defaultText: defaults.sampler.rawValue)
    static let impliedPairWeight = Option<Double>.number(
      "implied-pair-weight", value: "w",
      help: "Weight, relative to a released marginal's, of each column pair no released marginal "
        + "measured, pulled toward the joint that the maximum-entropy model of the released "
        + "marginals (their 1-way tables and a forest of their 2-way tables) implies for it; "
        + "keeps the generator from inventing associations no released statistic supports (0: "
        + "such pairs are left to the generator).",
      defaultText: "\(defaults.impliedPairWeight)")
    static let impliedPairsPerStep = Option<Int>.wholeNumber(
      "implied-pairs-per-step", value: "k",
      help: "How many of those pairs enter each step, in turn.",
      defaultText: "\(defaults.impliedPairsPerStep)", range: FitOptions.impliedPairsPerStepRange)
    static let kernelWeight = Option<Double>.number(
      "kernel-weight", value: "w",
      help: "Weight of the smoothed-sliced divergence of the projections (0 fits the marginals "
        + "alone).", defaultText: "\(defaults.kernelWeight)")
    static let keep = Option<FitOptions.KeptEpoch>.choice(
      "keep",
      help: "The epoch the model keeps: the best (for a release with marginals, the smallest "
        + "marginal fit, the mean total variation between the generator's and the released "
        + "marginals; on a DP-MERF release, the smallest loss on a fixed batch of "
        + "\(Trainer.merfJudgeRows) generated rows, the default there; otherwise the smallest "
        + "validation loss), or the last.",
      defaultText: defaults.keep.rawValue)
    static let target = Option<String>(
      "target", value: "column",
      help: "The column users will predict, recorded in the model's schema (a kept column of the "
        + "release).", defaultText: "the release schema's \"target\"")
    static let resume = Option<String>(
      "resume", value: "model",
      help: "Continue training this model (same release and architecture) for --epochs more "
        + "epochs.")
    static let output = Option<String>.output(
      help: "The model file to write.", defaultText: "model.slgm")
    static let quiet = Flag.quiet
  }

  static let spec = CommandSpec(
    name: "fit",
    abstract: "Train a generator on a release (no privacy cost: uses the release alone).",
    positionals: [
      Positional(
        name: "release", help: "A release file written by 'slicegen release'.", required: true)
    ],
    options: [
      Options.epochs, Options.batch, Options.lr, Options.seed, Options.validation, Options.latent,
      Options.hidden, Options.convChannels, Options.numericHead, Options.divergence, Options.tau,
      Options.bandwidths,
      Options.marginalWeight, Options.marginalLoss, Options.marginalBatch,
      Options.impliedPairWeight, Options.impliedPairsPerStep, Options.kernelWeight, Options.keep,
      Options.sampler, Options.target, Options.resume, Options.output, Options.quiet,
    ],
    discussion: """
      The model file is written atomically after every epoch; Ctrl-C stops training and keeps
      the last complete epoch's model. The model carries the release's privacy statement.
      """)

  /// The fit options given, checked by the library (`FitOptions.validate()`).
  static func options(_ arguments: Arguments) throws(OptionError) -> FitOptions {
    var options = FitOptions()
    options.epochs = arguments[Options.epochs] ?? options.epochs
    options.batch = arguments[Options.batch] ?? options.batch
    options.learningRate = arguments[Options.lr] ?? options.learningRate
    options.seed = arguments[Options.seed] ?? options.seed
    options.validation = arguments[Options.validation] ?? options.validation
    options.latent = arguments[Options.latent] ?? options.latent
    options.hidden = arguments[Options.hidden] ?? options.hidden
    options.convolutionChannels = arguments[Options.convChannels]
    options.numericHead = arguments[Options.numericHead] ?? options.numericHead
    // The class-conditional image generator keeps sigmoid pixels unless a head is given.
    options.pixelHead = arguments[Options.numericHead] ?? options.pixelHead
    options.estimator.divergence = arguments[Options.divergence] ?? options.estimator.divergence
    options.estimator.tau = arguments[Options.tau] ?? options.estimator.tau
    options.estimator.bandwidthMultipliers =
      arguments[Options.bandwidths] ?? options.estimator.bandwidthMultipliers
    options.marginalWeight = arguments[Options.marginalWeight] ?? options.marginalWeight
    options.marginalLoss = arguments[Options.marginalLoss] ?? options.marginalLoss
    options.marginalBatch = arguments[Options.marginalBatch] ?? options.marginalBatch
    options.sampler = arguments[Options.sampler] ?? options.sampler
    options.impliedPairWeight = arguments[Options.impliedPairWeight] ?? options.impliedPairWeight
    options.impliedPairsPerStep =
      arguments[Options.impliedPairsPerStep] ?? options.impliedPairsPerStep
    options.kernelWeight = arguments[Options.kernelWeight] ?? options.kernelWeight
    options.keep = arguments[Options.keep] ?? options.keep
    options.target = arguments[Options.target]
    try options.validate()
    return options
  }

  /// The training options given on the command line (they mean nothing to a forest model).
  static func trainingOptionsGiven(_ arguments: Arguments) -> [String] {
    var given: [String] = []
    func note<V>(_ option: Option<V>) {
      if arguments[option] != nil { given.append(option.info.name) }
    }
    note(Options.epochs)
    note(Options.batch)
    note(Options.lr)
    note(Options.validation)
    note(Options.latent)
    note(Options.hidden)
    note(Options.convChannels)
    note(Options.numericHead)
    note(Options.divergence)
    note(Options.tau)
    note(Options.bandwidths)
    note(Options.marginalWeight)
    note(Options.marginalLoss)
    note(Options.marginalBatch)
    note(Options.impliedPairWeight)
    note(Options.impliedPairsPerStep)
    note(Options.kernelWeight)
    note(Options.keep)
    return given
  }

  static func run(_ arguments: Arguments) throws {
    Console.quiet = arguments[Options.quiet]
    var options = try options(arguments)
    let releasePath = arguments.positionals[0]
    let output = arguments[Options.output] ?? "model.slgm"
    try OutputPath.refuse(output, ifAnyOf: [releasePath])
    let release = try Release(contentsOf: releasePath)
    if release.header.merf != nil {
      // A DP-MERF release has no rows to pass over: its own batch, steps and kept epoch.
      options = options.withMERFDefaults(
        rows: release.header.rows, given: Set(trainingOptionsGiven(arguments)))
    }
    let resume = try arguments[Options.resume].map { try Model(contentsOf: $0) }
    try Trainer.check(release: release, options: options, resume: resume)
    let names = release.header.schema.keptColumns.map(\.name)
    if options.sampler.resolved(marginals: release.header.marginals, columns: names) == .forest {
      let model = try Trainer.fit(
        release: release, options: options, resume: resume, outputPath: output)
      let forest = MarginalForest(columns: names, marginals: model.header.forest!)
      Console.info(
        "Wrote \(output): it samples from the maximum-entropy model of the release's 1-way "
          + "marginals and \(forest.usedPairs) 2-way marginals (a forest; nothing trained, "
          + "--sampler generator trains the generator)"
          + (forest.droppedPairs > 0
            ? "; the forest leaves \(forest.droppedPairs) 2-way marginals out, and 'sample' "
              + "moves its rows toward the released tables (see its --record-update)" : "")
          + ". It inherits the release's guarantee: "
          + "(ε, δ) = (\(release.header.privacy.epsilon), "
          + "\(release.header.privacy.delta)).")
      let ignored = trainingOptionsGiven(arguments)
      if !ignored.isEmpty {
        Console.error(
          "Note: " + ignored.map { "--" + $0 }.joined(separator: ", ")
            + " set how a generator trains; this model trains none (add --sampler generator "
            + "to train one).")
      }
      for label in release.header.privacy.warningLabels {
        Console.error("WARNING: " + label)
      }
      return
    }
    if options.sampler == .conditional {
      Console.info(
        "Class-conditional image generator: \(options.pixelHead.rawValue) pixels given the "
          + "latent and the label, "
          + (release.header.merf != nil
            ? "trained on the mean embedding; the label is drawn from the release's label "
              + "coordinates."
            : "trained on the projections alone; the label is drawn from "
              + (release.header.marginals != nil
                ? "the release's 1-way marginal of it." : "a uniform distribution (no marginals)."))
      )
    } else if release.header.marginals != nil {
      let term =
        options.marginalLoss == .l2
        ? "λ·Σ‖expected marginal − released‖²"
        : "λ·Σ KL(released ‖ expected marginal)"
      Console.info(
        "The release carries noisy marginals: the loss adds \(term) "
          + "(λ = \(options.marginalWeight)), numeric columns use binned heads.")
    }
    signal(SIGINT) { _ in interrupted.store(true, ordering: .relaxed) }
    Console.info(
      "fit: \(release.header.rows) release rows, \(release.header.method), "
        + "\(options.estimator.divergence.rawValue), batch \(options.batch), "
        + "\(options.epochs) epochs → \(output)")
    let progress = ProgressLine()
    let model = try Trainer.fit(
      release: release, options: options, resume: resume,
      outputPath: output, shouldStop: { interrupted.load(ordering: .relaxed) },
      progress: { p in
        let validation = p.validationLoss.map { String(format: "%.4f", $0) } ?? "–"
        progress.update(
          String(
            format: "epoch %d/%d  step %d/%d  %.1f steps/s  loss %.4f  validation %@  ETA %@",
            p.epoch, p.epochs, p.step, p.stepsPerEpoch, p.stepsPerSecond, p.loss, validation,
            duration(p.secondsRemaining)))
      })
    progress.finish()
    if interrupted.load(ordering: .relaxed) {
      Console.info("Interrupted: kept the model of epoch \(model.header.history.last?.epoch ?? 0).")
    }
    for record in model.header.history.suffix(options.epochs) {
      let fit = record.marginalFit.map { String(format: "  marginal fit %.4f", $0) } ?? ""
      Console.info(
        String(
          format: "epoch %3d  loss %.4f  validation %@%@  %.1f s", record.epoch,
          record.trainingLoss, record.validationLoss.map { String(format: "%.4f", $0) } ?? "–",
          fit, record.seconds))
    }
    let judge =
      model.header.history.last?.marginalFit != nil
      ? "best marginal fit" : "best validation loss"
    let why = model.header.training.keep == .last ? "the last" : judge
    Console.info(
      "Wrote \(output) (kept epoch \(model.header.bestEpoch), \(why)). "
        + "It inherits the release's guarantee: "
        + "(ε, δ) = (\(release.header.privacy.epsilon), \(release.header.privacy.delta))."
    )
    for label in release.header.privacy.warningLabels { Console.error("WARNING: " + label) }
  }

  static func duration(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "–" }
    let s = Int(seconds.rounded())
    return s >= 3600 ? "\(s / 3600)h\(s % 3600 / 60)m" : s >= 60 ? "\(s / 60)m\(s % 60)s" : "\(s)s"
  }
}
