// `slicegen train-dpsgd`: the noisy-gradient baseline. A generator trained by DP-SGD DIRECTLY ON
// THE PRIVATE CSV (DPSGDTrainer.swift, Docs/dpsgd.md): unlike `fit`, which reads only a release,
// this command reads private rows, spends the budget itself, and the model it writes states its
// own (ε, δ) under zero-out.

import Foundation
import SliceGen
import SliceGenPrivacy

#if canImport(Glibc)
  import Glibc
#endif

enum TrainDPSGDCommand: Command {
  static let defaults = DPSGDOptions(epsilon: 1, delta: 1e-5)

  /// The options, each declared once: the help shows them in `spec`'s order.
  enum Options {
    static let schema = Option<String>(
      "schema", value: "path",
      help: "The table's domain (JSON, see Docs/schema.md). Required: this command drafts "
        + "nothing from the data.")
    static let epsilon = Option<Double>.number(
      "epsilon", value: "ε", help: "Privacy parameter ε > 0 of the whole training. Required.")
    static let delta = Option<Double>.number(
      "delta", value: "δ", help: "Privacy parameter δ, below 1/n. Required.")
    static let clipping = Option<DPSGDClipping>.choice(
      "clipping",
      help: "fixed: g·min(1, C/‖g‖) (Abadi et al., CCS 2016); automatic: C·g/(‖g‖ + γ), every "
        + "example normalised (Bu, Wang, Zha, Karypis, NeurIPS 2023); adaptive: fixed, with C "
        + "following a quantile of the norms estimated by a noisy count charged to the budget "
        + "(Andrew, Thakkar, McMahan, Ramaswamy, NeurIPS 2021); error-feedback: fixed, with the "
        + "clipping bias kept in a private error state and fed back clipped to C₂ (DiceSGD, "
        + "Zhang, Bu, Wu, Hong, ICLR 2024; the error-feedback SGD of Ma and Zhang 2026), accounted "
        + "with sensitivity C + 2C₂ and no amplification by subsampling (much more noise; "
        + "Docs/dpsgd.md). Each bounds a row's gradient by the step's C.",
      defaultText: defaults.clipping.rawValue)
    static let clippingNorm = Option<Double>.number(
      "clipping-norm", value: "C", help: "The bound C on each row's clipped gradient.",
      defaultText: "\(defaults.clippingNorm)")
    static let feedbackNorm = Option<Double>.number(
      "feedback-norm", value: "C₂",
      help: "With --clipping error-feedback: the bound C₂ on the fed-back error.",
      defaultText: "C")
    static let automaticGamma = Option<Double>.number(
      "automatic-gamma", value: "γ", help: "γ of --clipping automatic.",
      defaultText: "\(defaults.automaticStability)")
    static let targetQuantile = Option<Double>.number(
      "target-quantile", value: "γ",
      help: "With --clipping adaptive: the quantile of the gradient norms C follows.",
      defaultText: "\(defaults.targetQuantile)")
    static let clippingLR = Option<Double>.number(
      "clipping-lr", value: "η_C",
      help: "With --clipping adaptive: the step of log C per noisy step.",
      defaultText: "\(defaults.clippingLearningRate)")
    static let countNoise = Option<Double>.number(
      "count-noise", value: "σ_b",
      help: "With --clipping adaptive: the noise of the unclipped count (the gradient's noise "
        + "grows so that the pair costs what the accountant's σ does).",
      defaultText: "B/20")
    static let optimizer = Option<DPSGDOptimizer>.choice(
      "optimizer",
      help: "sgd; adam (Kingma and Ba 2015); dp-adam-bc, Adam with the noise's variance "
        + "subtracted from its second moment (Tang et al., AAAI 2024). Post-processing: no "
        + "privacy cost.", defaultText: defaults.optimizer.rawValue)
    static let adamBCFloor = Option<Double>.number(
      "adam-bc-floor", value: "γ′",
      help: "The floor γ′ of dp-adam-bc's corrected second moment (a variance).",
      defaultText: "\(defaults.adamBCFloor)")
    static let batch = Option<Int>.wholeNumber(
      "batch", value: "B",
      help: "Expected private rows per step: each row joins a step with probability q = B/n "
        + "(Poisson sampling).", defaultText: "\(defaults.expectedBatch)",
      range: DPSGDOptions.expectedBatchRange)
    static let fakeBatch = Option<Int>.wholeNumber(
      "fake-batch", value: "m", help: "Synthetic rows per step.",
      defaultText: "\(defaults.fakeBatch)", range: DPSGDOptions.fakeBatchRange)
    static let epochs = Option<Int>.wholeNumber(
      "epochs", value: "N",
      help: "Epochs of ⌈n/B⌉ steps each; the noise is calibrated so that the budget is spent "
        + "exactly at the last step.", defaultText: "\(defaults.epochs)",
      range: FitOptions.epochsRange)
    static let lr = Option<Double>.number(
      "lr", value: "η", help: "Learning rate.", defaultText: "\(defaults.learningRate)")
    static let seed = Option<UInt64>.seed(
      "seed",
      help: "Seed of the public randomness (initialisation, latents). The batches and the noise "
        + "come from the secure generator and are never reproducible.", defaultText: "0")
    static let latent = Option<Int>.wholeNumber(
      "latent", value: "n", help: "Latent dimension of the generator.",
      defaultText: "\(defaults.latent)", range: FitOptions.latentRange)
    static let hidden = TrainNonPrivateCommand.Options.hiddenWidths(default: defaults.hidden)
    static let reconstructionWeight = Option<Double>.number(
      "reconstruction-weight", value: "λ",
      help: "Weight of Ma and Zhang's reconstruction loss: an encoder, trained in the same noisy "
        + "steps, maps each private row to a latent (a variational autoencoder), and the row's "
        + "gradient also carries λ·(squared reconstruction error + KL to the prior), clipped "
        + "with the rest (0: off).", defaultText: "0")
    static let encoderHidden = Option<Int>.wholeNumber(
      "encoder-hidden", value: "H",
      help: "With --reconstruction-weight: the width of the encoder's one hidden layer.",
      defaultText: "\(defaults.encoderHidden)", range: FitOptions.hiddenWidthRange)
    static let noiseInjection = Option<Double>.number(
      "noise-injection", value: "s",
      help: "Standard deviation of public Gaussian noise added to the generator's hidden "
        + "layers during training, Ma and Zhang's noise injection (0: off; costs no privacy).",
      defaultText: "0")
    static let diagnostics = Option<String>(
      "diagnostics", value: "file.csv",
      help: "NOT PRIVATE: write per-epoch training diagnostics (ε spent, fraction clipped, "
        + "clipping bias, cosine between the mean clipped and unclipped gradient, "
        + "noise-to-signal ratio) to this CSV and a plot beside it (.svg). They read the raw "
        + "per-row gradients and are not accounted: for studying training, never to publish.")
    static let output = Option<String>.output(
      help: "The model file to write (its header states the mechanism and its (ε, δ)).",
      defaultText: "model.slgm")
    static let quiet = Flag.quiet
  }

  static let spec = CommandSpec(
    name: "train-dpsgd",
    abstract: "Train a generator by DP-SGD directly on the private CSV (spends the budget).",
    positionals: [
      Positional(
        name: "private.csv", help: "The private table (CSV with a header row): read directly.",
        required: true)
    ],
    options: [
      Options.schema, Options.epsilon, Options.delta, Options.clipping, Options.clippingNorm,
      Options.feedbackNorm, Options.automaticGamma, Options.targetQuantile, Options.clippingLR,
      Options.countNoise,
      Options.optimizer, Options.adamBCFloor, Options.batch,
      Options.fakeBatch, Options.epochs, Options.lr, Options.seed, Options.latent, Options.hidden,
      Options.reconstructionWeight, Options.encoderHidden, Options.noiseInjection,
      Options.diagnostics, Options.output, Options.quiet,
    ],
    discussion: """
      This command READS THE PRIVATE ROWS and spends the privacy budget itself: it is the
      noisy-gradient baseline beside 'release' (the slicing mechanism), not a step after it.
      The generator learns a kernel MMD to the private rows whose only private term is a sum of
      per-row terms; each step draws a Poisson batch, clips each row's gradient to C, adds
      Gaussian noise σC to the sum and divides by the expected batch B. σ is found from
      (ε, δ, q = B/n, steps) with the RDP accountant of the sampled Gaussian mechanism and the
      improved conversion, rounding toward more noise. The guarantee is (ε, δ)-DP under
      zero-out (add/remove one row, n public) for the model and every row sampled from it.
        slicegen train-dpsgd private.csv --schema schema.json --epsilon 1 --delta 1e-5 \\
          -o dpsgd.slgm
        slicegen plan --mechanism dp-sgd --sample-rate 0.01 --noise-multiplier 1 --steps 1000
      With --clipping error-feedback the steps are accounted at rate 1 with noise σ(C + 2C₂):
      the error state depends on every past batch, and that is the analysis slicegen proves
      (Docs/dpsgd.md, "Error feedback"). Ma and Zhang's image generator is error feedback with
      their reconstruction loss and noise injection:
        slicegen train-dpsgd private.csv --schema schema.json --epsilon 10 --delta 1e-5 \
          --clipping error-feedback --reconstruction-weight 1 --noise-injection 0.1
      Neither changes the accounting: the reconstruction gradient is clipped with the row's, and
      the injected noise is public (Docs/dpsgd.md, "Reconstruction loss and noise injection").
      The model is written atomically after every epoch and states the ε spent so far; Ctrl-C
      keeps the last complete epoch's model.
      """)

  /// The options given, checked by the library (`DPSGDOptions.validate()`).
  static func options(_ arguments: Arguments) throws -> DPSGDOptions {
    let epsilon = try arguments.required(Options.epsilon)
    let delta = try arguments.required(Options.delta)
    var options = DPSGDOptions(epsilon: epsilon, delta: delta)
    options.clipping = arguments[Options.clipping] ?? options.clipping
    options.clippingNorm = arguments[Options.clippingNorm] ?? options.clippingNorm
    if arguments[Options.automaticGamma] != nil && options.clipping != .automatic {
      throw OptionError(option: "automatic-gamma", value: nil, rule: "needs --clipping automatic")
    }
    options.automaticStability = arguments[Options.automaticGamma] ?? options.automaticStability
    if arguments[Options.feedbackNorm] != nil && options.clipping != .errorFeedback {
      throw OptionError(
        option: "feedback-norm", value: nil, rule: "needs --clipping error-feedback")
    }
    options.feedbackNorm = arguments[Options.feedbackNorm]
    for option in [Options.targetQuantile, Options.clippingLR, Options.countNoise]
    where arguments[option] != nil && options.clipping != .adaptive {
      throw OptionError(option: option.info.name, value: nil, rule: "needs --clipping adaptive")
    }
    options.targetQuantile = arguments[Options.targetQuantile] ?? options.targetQuantile
    options.clippingLearningRate = arguments[Options.clippingLR] ?? options.clippingLearningRate
    options.countNoise = arguments[Options.countNoise]
    options.optimizer = arguments[Options.optimizer] ?? options.optimizer
    if arguments[Options.adamBCFloor] != nil && options.optimizer != .dpAdamBC {
      throw OptionError(option: "adam-bc-floor", value: nil, rule: "needs --optimizer dp-adam-bc")
    }
    options.adamBCFloor = arguments[Options.adamBCFloor] ?? options.adamBCFloor
    options.expectedBatch = arguments[Options.batch] ?? options.expectedBatch
    options.fakeBatch = arguments[Options.fakeBatch] ?? options.fakeBatch
    options.epochs = arguments[Options.epochs] ?? options.epochs
    options.learningRate = arguments[Options.lr] ?? options.learningRate
    options.seed = arguments[Options.seed] ?? options.seed
    options.latent = arguments[Options.latent] ?? options.latent
    options.hidden = arguments[Options.hidden] ?? options.hidden
    options.reconstructionWeight =
      arguments[Options.reconstructionWeight] ?? options.reconstructionWeight
    if arguments[Options.encoderHidden] != nil && options.reconstructionWeight == 0 {
      throw OptionError(
        option: "encoder-hidden", value: nil, rule: "needs --reconstruction-weight above 0")
    }
    options.encoderHidden = arguments[Options.encoderHidden] ?? options.encoderHidden
    options.noiseInjection = arguments[Options.noiseInjection] ?? options.noiseInjection
    try options.validate()
    return options
  }

  static func run(_ arguments: Arguments) throws {
    Console.quiet = arguments[Options.quiet]
    let options = try options(arguments)
    let csv = arguments.positionals[0]
    let schemaPath = try arguments.required(Options.schema, example: "--schema schema.json")
    let output = arguments[Options.output] ?? "model.slgm"
    let diagnosticsPath = arguments[Options.diagnostics]
    let plotPath = diagnosticsPath.map {
      ($0.hasSuffix(".csv") ? String($0.dropLast(4)) : $0) + ".svg"
    }
    try OutputPath.refuse(output, ifAnyOf: [csv, schemaPath])
    for path in [diagnosticsPath, plotPath].compactMap({ $0 }) {
      try OutputPath.refuse(path, ifAnyOf: [csv, schemaPath, output])
    }
    let schema = try Schema(contentsOf: schemaPath)
    Console.info(
      "Reading the private rows of \(csv) directly: DP-SGD spends (ε, δ) = "
        + "(\(options.epsilon), \(options.delta)) under zero-out.")
    if diagnosticsPath != nil {
      Console.error("WARNING: --diagnostics: \(DPSGDDiagnostics.warning).")
    }
    signal(SIGINT) { _ in interrupted.store(true, ordering: .relaxed) }
    let progress = ProgressLine()
    var records: [DPSGDDiagnostics] = []
    var lastEpsilon = 0.0
    let model = try DPSGDTrainer.train(
      csvPath: csv, schema: schema, options: options, outputPath: output,
      diagnostics: diagnosticsPath == nil
        ? nil
        : { record in
          records.append(record)
          try? writeDiagnostics(records, csv: diagnosticsPath!, svg: plotPath!)
        },
      shouldStop: { interrupted.load(ordering: .relaxed) },
      progress: { p in
        if p.epsilonSpent.isFinite { lastEpsilon = p.epsilonSpent }
        progress.update(
          String(
            format: "epoch %d/%d  step %d/%d  %.1f steps/s  ε spent %.4f  ETA %@", p.epoch,
            p.epochs, p.step, p.stepsPerEpoch, p.stepsPerSecond, lastEpsilon,
            FitCommand.duration(p.secondsRemaining)))
      })
    progress.finish()
    if let diagnosticsPath {
      try writeDiagnostics(records, csv: diagnosticsPath, svg: plotPath!)
      Console.info("Wrote \(diagnosticsPath) and \(plotPath!) (NOT PRIVATE diagnostics).")
    }
    let marker = model.header.dpsgd!
    if interrupted.load(ordering: .relaxed) {
      Console.info("Interrupted: kept the model of epoch \(model.header.history.last?.epoch ?? 0).")
    }
    Console.info(
      "Wrote \(output): DP-SGD on \(marker.rows) rows, q = \(String(format: "%.5g", marker.sampleRate)), "
        + "σ = \(String(format: "%.5g", marker.noiseMultiplier)), T = \(marker.steps) steps, C = "
        + "\(marker.clippingNorm) (\(marker.clipping.rawValue)): (ε, δ) = "
        + "(\(String(format: "%.4f", marker.epsilon)), \(marker.delta)) under \(marker.neighbors).")
  }

  /// The diagnostics CSV and its plot, each written atomically.
  static func writeDiagnostics(_ records: [DPSGDDiagnostics], csv: String, svg: String) throws {
    for (path, text) in [
      (csv, DPSGDDiagnostics.csv(records)), (svg, DPSGDDiagnostics.svg(records)),
    ] {
      let file = try AtomicOutputFile(path: path)
      try file.write(Array(text.utf8))
      try file.commit()
    }
  }
}
