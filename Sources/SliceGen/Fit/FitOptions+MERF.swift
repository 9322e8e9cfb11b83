// `fit`'s defaults on a DP-MERF release (Docs/merf.md, "How long to fit"). A MERF release has one
// target, the noisy mean embedding, and no rows: `--epochs` counts passes over n rows that the
// loss never reads, so the table defaults (batch 128, 10 epochs, the last epoch) gave 117 steps
// on 1,497 digits and 2,280 on Adult, a fit too short on the first and, at that batch, unstable
// on both (the loss of the noisy target jumps up past a few hundred steps and the generator
// collapses). Measured on the digits, Caravan and Adult (Docs/benchmarks.md, "DP-MERF's fit
// defaults"): a batch of 1,024 generated rows (an 8 times less noisy gradient of the same loss),
// a fixed number of steps whatever n is, and the epoch whose loss on a fixed judge batch is
// lowest (`--keep best`: it catches a late collapse). All are choices of post-processing: they
// read the release only and cost no privacy.

extension FitOptions {
  /// Generated rows per step on a MERF release.
  public static let merfBatch = 1024
  /// Steps of one fit on a MERF release (the epochs are set to give about this many).
  public static let merfSteps = 400

  /// The fewest steps of one epoch of a MERF fit: each epoch ends with the judge (4,096 generated
  /// rows, Trainer+MERF.swift) and a model write, which would outweigh a one-step epoch.
  public static let merfMinimumStepsPerEpoch = 10

  /// The steps of one epoch of a MERF fit on a release of n rows: those of a table release
  /// (⌊training rows / batch⌋), at least `merfMinimumStepsPerEpoch`.
  public static func merfStepsPerEpoch(rows n: Int, batch: Int, validation: Double) -> Int {
    max(
      TrainingSetup.split(rows: n, validation: validation, batch: batch).stepsPerEpoch,
      merfMinimumStepsPerEpoch)
  }

  /// The epochs that give at least `steps` steps of `batch` in a MERF fit on a release of n rows.
  public static func merfEpochs(forSteps steps: Int, rows n: Int, batch: Int, validation: Double)
    -> Int
  {
    let perEpoch = merfStepsPerEpoch(rows: n, batch: batch, validation: validation)
    return min(max(1, (steps + perEpoch - 1) / perEpoch), epochsRange.upperBound)
  }

  /// These options with the MERF defaults (batch, epochs, kept epoch) in place of every one not
  /// named in `given` (option names as on the command line: "batch", "epochs", "keep").
  public func withMERFDefaults(rows n: Int, given: Set<String> = []) -> FitOptions {
    var options = self
    if !given.contains("batch") { options.batch = Self.merfBatch }
    if !given.contains("epochs") {
      options.epochs = Self.merfEpochs(
        forSteps: Self.merfSteps, rows: n, batch: options.batch, validation: options.validation)
    }
    if !given.contains("keep") { options.keep = .best }
    return options
  }
}
