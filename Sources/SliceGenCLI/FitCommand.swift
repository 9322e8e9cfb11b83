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
  static let spec = CommandSpec(
    name: "fit",
    abstract: "Train a generator on a release (no privacy cost: uses the release alone).",
    positionals: [("release", "A release file written by 'slicegen release'.", true)],
    options: [
      OptionSpec(name: "epochs", valueName: "N", help: "Passes over the release rows.",
                 defaultText: "\(defaults.epochs)"),
      OptionSpec(name: "batch", valueName: "B", help: "Release rows (and synthetic rows) per step.",
                 defaultText: "\(defaults.batch)"),
      OptionSpec(name: "lr", valueName: "η", help: "Adam learning rate (cosine decay to a tenth).",
                 defaultText: "\(defaults.learningRate)"),
      OptionSpec(name: "seed", valueName: "S",
                 help: "Seed of training (initialisation, batches, latents, smoothing noise). The "
                   + "same seed and release give a bit-identical model.", defaultText: "0"),
      OptionSpec(name: "validation", valueName: "fraction",
                 help: "Share of release rows held out for the validation loss (sliced W₂ of the "
                   + "projections), which --keep best reads for a release without marginals.", defaultText: "\(defaults.validation)"),
      OptionSpec(name: "latent", valueName: "n", help: "Latent dimension of the generator.",
                 defaultText: "\(defaults.latent)"),
      OptionSpec(name: "hidden", valueName: "w1,w2,…", help: "Hidden layer widths.",
                 defaultText: defaults.hidden.map(String.init).joined(separator: ",")),
      OptionSpec(name: "numeric-head",
                 valueName: NumericHead.allCases.map(\.rawValue).joined(separator: "|"),
                 help: "How numeric outputs reach [0, 1].", defaultText: defaults.numericHead.rawValue),
      OptionSpec(name: "divergence", valueName: "kl|reverse-kl|js|chi2|sliced-wasserstein",
                 help: "The divergence minimised; sliced-wasserstein is the paper's SliceWass "
                   + "baseline (needs a release with --slice-dim 1).", defaultText: "kl"),
      OptionSpec(name: "tau", valueName: "τ", help: "Ridge of the kernel density-ratio estimate.",
                 defaultText: "\(defaults.estimator.tau)"),
      OptionSpec(name: "bandwidths", valueName: "a,b,…",
                 help: "Kernel bandwidths as multiples of the median distance.",
                 defaultText: defaults.estimator.bandwidthMultipliers.map { "\($0)" }
                   .joined(separator: ",")),
      OptionSpec(name: "marginal-weight", valueName: "λ",
                 help: "Weight of the marginal term (releases with --marginals; 0 ignores them).",
                 defaultText: "\(defaults.marginalWeight)"),
      OptionSpec(name: "marginal-loss", valueName: "l2|kl",
                 help: "How the marginal term compares the generator's expected marginals with "
                   + "the released ones: λ·Σ‖q − p̂‖² or λ·Σ KL(p̂‖q).",
                 defaultText: defaults.marginalLoss.rawValue),
      OptionSpec(name: "marginal-batch", valueName: "n",
                 help: "Generated rows per step for the marginal term, drawn apart from the batch "
                   + "(0: the batch itself).", defaultText: "\(defaults.marginalBatch)"),
      OptionSpec(name: "kernel-weight", valueName: "w",
                 help: "Weight of the smoothed-sliced divergence of the projections (0 fits the "
                   + "marginals alone).", defaultText: "\(defaults.kernelWeight)"),
      OptionSpec(name: "keep", valueName: "best|last",
                 help: "The epoch the model keeps: the best (for a release with marginals, the "
                   + "smallest marginal fit, the mean total variation between the generator's "
                   + "and the released marginals; otherwise the smallest validation loss), or "
                   + "the last.",
                 defaultText: defaults.keep.rawValue),
      OptionSpec(name: "target", valueName: "column",
                 help: "The column users will predict, recorded in the model's schema (a kept "
                   + "column of the release).", defaultText: "the release schema's \"target\""),
      OptionSpec(name: "resume", valueName: "model",
                 help: "Continue training this model (same release and architecture) for "
                   + "--epochs more epochs."),
      OptionSpec(name: "output", valueName: "path", help: "The model file to write.",
                 defaultText: "model.slgm"),
      OptionSpec(name: "quiet", valueName: nil, help: "Print nothing but errors."),
    ],
    discussion: """
      The model file is written atomically after every epoch; Ctrl-C stops training and keeps
      the last complete epoch's model. The model carries the release's privacy statement.
      """)

  static func options(_ arguments: Arguments) throws -> FitOptions {
    var options = FitOptions()
    options.epochs = try arguments.int("epochs", range: 1...1_000_000) ?? options.epochs
    options.batch = try arguments.int("batch", range: 2...8192) ?? options.batch
    options.learningRate = try arguments.double("lr") ?? options.learningRate
    if let seed = arguments.string("seed") {
      guard let value = UInt64(seed) else {
        throw UsageError(message: "--seed is '\(seed)', must be a whole number ≥ 0")
      }
      options.seed = value
    }
    options.validation = try arguments.double("validation") ?? options.validation
    options.latent = try arguments.int("latent", range: 1...4096) ?? options.latent
    if let hidden = arguments.string("hidden") {
      let widths = hidden.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
      guard !widths.isEmpty, widths.allSatisfy({ $0 != nil && $0! >= 1 }) else {
        throw UsageError(message: "--hidden is '\(hidden)', must be widths like 256,256")
      }
      options.hidden = widths.map { $0! }
    }
    if let head = try arguments.choice("numeric-head", NumericHead.allCases.map(\.rawValue)) {
      options.numericHead = NumericHead(rawValue: head)!
    }
    if let name = try arguments.choice("divergence", Divergence.allCases.map(\.rawValue)) {
      options.estimator.divergence = Divergence(rawValue: name)!
    }
    options.estimator.tau = try arguments.double("tau") ?? options.estimator.tau
    options.marginalWeight = try arguments.double("marginal-weight") ?? options.marginalWeight
    if let name = try arguments.choice("marginal-loss", MarginalDistance.allCases.map(\.rawValue)) {
      options.marginalLoss = MarginalDistance(rawValue: name)!
    }
    options.marginalBatch = try arguments.int("marginal-batch", range: 0...65536) ?? options.marginalBatch
    options.kernelWeight = try arguments.double("kernel-weight") ?? options.kernelWeight
    if let keep = try arguments.choice("keep", FitOptions.KeptEpoch.allCases.map(\.rawValue)) {
      options.keep = FitOptions.KeptEpoch(rawValue: keep)!
    }
    options.target = arguments.string("target")
    if let text = arguments.string("bandwidths") {
      let values = text.split(separator: ",").map { Double($0) }
      guard !values.isEmpty, values.allSatisfy({ $0 != nil && $0! > 0 }) else {
        throw UsageError(message: "--bandwidths is '\(text)', must be positive numbers like 0.5,1,2")
      }
      options.estimator.bandwidthMultipliers = values.map { $0! }
    }
    do {
      try options.validate()
      try options.estimator.validate()
    } catch let error as FitError {
      throw UsageError(message: error.message)
    } catch {
      throw UsageError(message: "\(error)")
    }
    return options
  }

  static func run(_ arguments: Arguments) throws {
    Console.quiet = arguments.flag("quiet")
    let options = try options(arguments)
    let releasePath = arguments.positional(0)!
    let output = arguments.string("output") ?? "model.slgm"
    try OutputPath.refuse(output, ifAnyOf: [releasePath])
    let release = try Release(contentsOf: releasePath)
    let checksum = try Release.checksum(ofFileAt: releasePath)
    let resume = try arguments.string("resume").map { try Model(contentsOf: $0) }
    if options.estimator.divergence == .slicedWasserstein, release.header.sliceDim != 1 {
      throw UsageError(message: "--divergence sliced-wasserstein needs a release made with "
        + "--slice-dim 1 (this one has k = \(release.header.sliceDim))")
    }
    if release.header.marginals != nil {
      let term = options.marginalLoss == .l2 ? "λ·Σ‖expected marginal − released‖²"
        : "λ·Σ KL(released ‖ expected marginal)"
      Console.info("The release carries noisy marginals: the loss adds \(term) "
        + "(λ = \(options.marginalWeight)), numeric columns use binned heads.")
    }
    signal(SIGINT) { _ in interrupted.store(true, ordering: .relaxed) }
    Console.info("fit: \(release.header.rows) release rows, \(release.header.method), "
      + "\(options.estimator.divergence.rawValue), batch \(options.batch), "
      + "\(options.epochs) epochs → \(output)")
    let progress = ProgressLine()
    let model = try Trainer.fit(
      release: release, releaseChecksum: checksum, options: options, resume: resume,
      outputPath: output, shouldStop: { interrupted.load(ordering: .relaxed) }
    ) { p in
      let validation = p.validationLoss.map { String(format: "%.4f", $0) } ?? "–"
      progress.update(String(
        format: "epoch %d/%d  step %d/%d  %.1f steps/s  loss %.4f  validation %@  ETA %@",
        p.epoch, p.epochs, p.step, p.stepsPerEpoch, p.stepsPerSecond, p.loss, validation,
        duration(p.secondsRemaining)))
    }
    progress.finish()
    if interrupted.load(ordering: .relaxed) {
      Console.info("Interrupted: kept the model of epoch \(model.header.history.last?.epoch ?? 0).")
    }
    for record in model.header.history.suffix(options.epochs) {
      let fit = record.marginalFit.map { String(format: "  marginal fit %.4f", $0) } ?? ""
      Console.info(String(
        format: "epoch %3d  loss %.4f  validation %@%@  %.1f s", record.epoch,
        record.trainingLoss, record.validationLoss.map { String(format: "%.4f", $0) } ?? "–",
        fit, record.seconds))
    }
    let judge = model.header.history.last?.marginalFit != nil
      ? "best marginal fit" : "best validation loss"
    let why = model.header.training.keep == .last ? "the last" : judge
    Console.info("Wrote \(output) (kept epoch \(model.header.bestEpoch), \(why)). "
      + "It inherits the release's guarantee: "
      + "(ε, δ) = (\(model.header.release.privacy.epsilon), \(model.header.release.privacy.delta)).")
    for label in model.header.release.privacy.warningLabels { Console.error("WARNING: " + label) }
  }

  static func duration(_ seconds: Double) -> String {
    guard seconds.isFinite else { return "–" }
    let s = Int(seconds.rounded())
    return s >= 3600 ? "\(s / 3600)h\(s % 3600 / 60)m" : s >= 60 ? "\(s / 60)m\(s % 60)s" : "\(s)s"
  }
}
