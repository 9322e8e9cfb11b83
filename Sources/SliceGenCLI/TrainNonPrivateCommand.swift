// `slicegen train-nonprivate`: a generator trained directly on the private rows, with no
// differential privacy: the no-guarantee baseline of `evaluate --privacy`'s membership scores
// (NonPrivateTrainer.swift). It deliberately prints no ε, δ or privacy statement of any kind
// other than `NonPrivateTraining.statement`, and takes none of `release`'s privacy options.

import Foundation
import SliceGen

#if canImport(Glibc)
  import Glibc
#endif

enum TrainNonPrivateCommand: Command {
  static let defaults = NonPrivateOptions()

  /// The options, each declared once: the help shows them in `spec`'s order.
  enum Options {
    static let schema = Option<String>(
      "schema", value: "path",
      help: "The table's domain (JSON, see Docs/schema.md). Required: this command drafts "
        + "nothing from the data.")
    static let regularisation = Option<LossRegularisation>.choice(
      "regularisation",
      help: "A term added to the loss: none, or proportional-noise, the loss regularisation of "
        + "Aguilera-Martínez and Berzal (2024) as transcribed in Docs/non-private-baseline.md "
        + "(a heuristic measured beside the DP methods; it gives no guarantee).",
      defaultText: defaults.regularisation.rawValue)
    static let regularisationWeight = Option<Double>.number(
      "regularisation-weight", value: "λ",
      help: "Weight of the regularisation term (with --regularisation proportional-noise).",
      defaultText: "\(NonPrivateOptions.defaultRegularisationWeight)")
    static let epochs = Option<Int>.wholeNumber(
      "epochs", value: "N", help: "Passes over the private rows.",
      defaultText: "\(defaults.fit.epochs)", range: FitOptions.epochsRange)
    static let batch = Option<Int>.wholeNumber(
      "batch", value: "B", help: "Private rows (and synthetic rows) per step.",
      defaultText: "\(defaults.fit.batch)", range: FitOptions.batchRange)
    static let lr = Option<Double>.number(
      "lr", value: "η", help: "Adam learning rate (cosine decay to a tenth).",
      defaultText: "\(defaults.fit.learningRate)")
    static let seed = Option<UInt64>.seed(
      "seed",
      help: "Seed of training (the directions, initialisation, batches, latents). The same seed "
        + "and table give a bit-identical model.", defaultText: "0")
    static let latent = Option<Int>.wholeNumber(
      "latent", value: "n", help: "Latent dimension of the generator.",
      defaultText: "\(defaults.fit.latent)", range: FitOptions.latentRange)
    static let hidden = hiddenWidths(default: defaults.fit.hidden)

    /// `--hidden w1,w2,…` with the given default (shared with train-dpsgd).
    static func hiddenWidths(default widths: [Int]) -> Option<[Int]> {
      Option<[Int]>(
        "hidden", value: "w1,w2,…", help: "Hidden layer widths.",
        defaultText: widths.map(String.init).joined(separator: ","),
        rule: "must be widths like 256,256", read: FitCommand.Options.wholeNumbers)
    }
    static let slices = Option<Int>.wholeNumber(
      "slices", value: "m",
      help: "Random slices the real and synthetic rows are compared on (as a release's).",
      defaultText: "\(defaults.slices)", range: ReleaseOptions.slicesRange)
    static let sliceDim = Option<Int>.wholeNumber(
      "slice-dim", value: "k", help: "Dimension of each slice.",
      defaultText: "\(defaults.sliceDim)", range: ReleaseOptions.sliceDimRange)
    static let output = Option<String>.output(
      help: "The model file to write (its header says NOT PRIVATE).", defaultText: "model.slgm")
    static let quiet = Flag.quiet
  }

  static let spec = CommandSpec(
    name: "train-nonprivate",
    abstract: "NOT PRIVATE: train a generator directly on private rows (a baseline, no guarantee).",
    positionals: [
      Positional(name: "csv", help: "The private table (CSV with a header row).", required: true)
    ],
    options: [
      Options.schema, Options.regularisation, Options.regularisationWeight, Options.epochs,
      Options.batch, Options.lr, Options.seed, Options.latent, Options.hidden, Options.slices,
      Options.sliceDim, Options.output, Options.quiet,
    ],
    discussion: """
      NOT PRIVATE: no differential-privacy guarantee. The generator is trained on the private
      rows themselves (the sliced loss of 'fit', against the rows' exact projections), so the
      model and every row sampled from it may reveal them. It exists to measure how much a
      method with no guarantee leaks, beside the DP methods, with 'evaluate --privacy':
        slicegen train-nonprivate samples/adult/train.csv --schema samples/adult/schema.json \\
          --regularisation proportional-noise -o baseline.slgm
      The model file says NOT PRIVATE; 'sample' and 'inspect' repeat it. The model is written
      atomically after every epoch; Ctrl-C keeps the last complete epoch's model.
      """)

  /// The options given, checked by the library (`NonPrivateOptions.validate()`).
  static func options(_ arguments: Arguments) throws(OptionError) -> NonPrivateOptions {
    var options = NonPrivateOptions()
    options.regularisation = arguments[Options.regularisation] ?? options.regularisation
    options.regularisationWeight =
      arguments[Options.regularisationWeight] ?? options.regularisationWeight
    if arguments[Options.regularisationWeight] != nil && options.regularisation == .none {
      throw OptionError(
        option: "regularisation-weight", value: nil,
        rule: "needs --regularisation proportional-noise")
    }
    options.fit.epochs = arguments[Options.epochs] ?? options.fit.epochs
    options.fit.batch = arguments[Options.batch] ?? options.fit.batch
    options.fit.learningRate = arguments[Options.lr] ?? options.fit.learningRate
    options.fit.seed = arguments[Options.seed] ?? options.fit.seed
    options.fit.latent = arguments[Options.latent] ?? options.fit.latent
    options.fit.hidden = arguments[Options.hidden] ?? options.fit.hidden
    options.slices = arguments[Options.slices] ?? options.slices
    options.sliceDim = arguments[Options.sliceDim] ?? options.sliceDim
    try options.validate()
    return options
  }

  static func run(_ arguments: Arguments) throws {
    Console.quiet = arguments[Options.quiet]
    let options = try options(arguments)
    let csv = arguments.positionals[0]
    let schemaPath = try arguments.required(Options.schema, example: "--schema schema.json")
    let output = arguments[Options.output] ?? "model.slgm"
    try OutputPath.refuse(output, ifAnyOf: [csv, schemaPath])
    let schema = try Schema(contentsOf: schemaPath)
    Console.error("WARNING: \(NonPrivateTraining.statement). Training directly on \(csv).")
    signal(SIGINT) { _ in interrupted.store(true, ordering: .relaxed) }
    let progress = ProgressLine()
    let model = try NonPrivateTrainer.train(
      csvPath: csv, schema: schema, options: options, outputPath: output,
      shouldStop: { interrupted.load(ordering: .relaxed) },
      progress: { p in
        progress.update(
          String(
            format: "epoch %d/%d  step %d/%d  %.1f steps/s  loss %.4f  ETA %@", p.epoch,
            p.epochs, p.step, p.stepsPerEpoch, p.stepsPerSecond, p.loss,
            FitCommand.duration(p.secondsRemaining)))
      })
    progress.finish()
    if interrupted.load(ordering: .relaxed) {
      Console.info("Interrupted: kept the model of epoch \(model.header.history.last?.epoch ?? 0).")
    }
    for record in model.header.history.suffix(options.fit.epochs) {
      Console.info(
        String(
          format: "epoch %3d  loss %.4f  %.1f s", record.epoch, record.trainingLoss,
          record.seconds))
    }
    let marker = model.header.nonPrivate!
    Console.info(
      "Wrote \(output): a generator trained directly on \(marker.rows) private rows "
        + "(regularisation \(marker.regularisation.rawValue)).")
    Console.error("WARNING: \(NonPrivateTraining.statement).")
  }
}
