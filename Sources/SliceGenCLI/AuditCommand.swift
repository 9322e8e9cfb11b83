// `slicegen audit`: an empirical lower bound on the ε of every mechanism slicegen ships, from the
// real release code run many times on worst-case neighbouring tables (Docs/audit.md). Reads no
// data and writes no file. It is a test of the code, not a privacy guarantee: a lower bound below
// ε is what a correct mechanism gives; a bound above ε means a bug.

import Foundation
import SliceGen

enum AuditCommand: Command {
  /// The options, each declared once: the help shows them in `spec`'s order.
  enum Options {
    static let mechanisms = Option<[AuditedMechanism]>(
      "mechanism", value: "list",
      help: "Comma-separated mechanisms to audit: "
        + AuditedMechanism.allCases.map(\.rawValue).joined(separator: ", ") + ", or all.",
      defaultText: "all",
      rule: "must be a comma-separated list of "
        + AuditedMechanism.allCases.map(\.rawValue).joined(separator: ", ") + " or all"
    ) { text in
      text == "all" ? AuditedMechanism.allCases : list(text, AuditedMechanism.init(rawValue:))
    }
    static let variants = Option<[BrokenVariant?]>(
      "variants", value: "list",
      help: "Comma-separated variants of each mechanism: shipped (the code as `release` runs "
        + "it), half-noise (every σ halved), sensitivity-sqrt2 (neighbouring rows √2 apart, "
        + "counts' σ divided by √2, dp-sgd clipping at √2·C) and no-clipping (dp-sgd only: "
        + "the canary's gradient of norm 2C unclipped). The broken ones exist only inside the "
        + "audit; each mechanism runs those that apply to it.",
      defaultText: "shipped,half-noise,sensitivity-sqrt2,no-clipping",
      rule: "must be a comma-separated list of shipped, half-noise, sensitivity-sqrt2, no-clipping"
    ) { text in
      list(text) { $0 == "shipped" ? .some(nil) : BrokenVariant(rawValue: $0).map { $0 } }
    }
    static let epsilon = Option<Double>.number(
      "epsilon", value: "ε", help: "The stated ε every mechanism is calibrated for.",
      defaultText: "1")
    static let delta = Option<Double>.number(
      "delta", value: "δ", help: "The stated δ.", defaultText: "1e-5")
    static let trials = Option<Int>.wholeNumber(
      "trials", value: "T",
      help: "Counted trials per neighbouring table (each trial is one release of the canary "
        + "table). At 10^5 even an ideal test reaches only about 0.6·ε at ε = 1.",
      defaultText: "1000000", range: trialsRange)
    static let selectionTrials = Option<Int>.wholeNumber(
      "selection-trials", value: "S",
      help: "Further trials per table that choose the test's threshold (never counted).",
      defaultText: "T/4", range: trialsRange)
    static let neighbors = Option<NeighbouringRelation>.choice(
      "neighbors",
      help: "The neighbouring relation of the canary pair (discovery is always replace-one, "
        + "dp-sgd always zero-out, the relation its guarantee states).",
      defaultText: "replace-one")
    static let encodedWidth = Option<Int>.wholeNumber(
      "encoded-width", value: "d", help: "The encoded width d of the canary rows.",
      defaultText: "8", range: 1...4096)
    static let slices = ReleaseCommand.Options.slices
    static let sliceDim = ReleaseCommand.Options.sliceDim
    static let aggregateShare = Option<Double>.number(
      "aggregate-share", value: "f",
      help: "In the combined release, the marginals' share of μ² (as release's --aggregate-share).",
      defaultText: "\(ReleaseOptions(epsilon: 1).aggregateShare)", rule: "must be in (0, 1)"
    ) { $0 > 0 && $0 < 1 }
    static let discoveryColumns = Option<Int>.wholeNumber(
      "discovery-columns", value: "C", help: "The columns of the audited discovery.",
      defaultText: "2", range: 1...1000)
    static let subsample = Option<Double>.number(
      "subsample", value: "q",
      help: "The Poisson sampling rate q in (0, 1] of dp-sgd's audited step (below 1 the "
        + "sampled Gaussian, σ calibrated for one step at q) and of the slicing release "
        + "(slicing, slicing-theorem1, slicing-fixed-u: as release --subsample, σ calibrated "
        + "for δ/q). Below 1, the default mechanism list is those four; the others have no "
        + "subsampled form.", defaultText: "1 (none)", rule: "must be in (0, 1]"
    ) { $0 > 0 && $0 <= 1 }
    static let seed = Option<UInt64>.seed(
      "seed",
      help: "The audit's own randomness: the fixed U of slicing-fixed-u. The mechanisms' noise "
        + "always comes from the OS-keyed generator, as in release, so repeated runs differ "
        + "within the confidence interval.", defaultText: "1")
    static let json = Flag("json", help: "Print one JSON array, one object per audit.")
    static let quiet = Flag.quiet

    static let trialsRange = 100...1_000_000_000

    /// Each comma-separated word read by `read`; nil when one is not understood.
    static func list<T>(_ text: String, _ read: (String) -> T?) -> [T]? {
      let words = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
      var out: [T] = []
      for word in words {
        guard let value = read(word) else { return nil }
        out.append(value)
      }
      return out
    }
  }

  static let spec = CommandSpec(
    name: "audit",
    abstract: "Measure a lower bound on each mechanism's ε from its real release code.",
    options: [
      Options.mechanisms, Options.variants, Options.epsilon, Options.delta, Options.trials,
      Options.selectionTrials, Options.neighbors, Options.encodedWidth, Options.slices,
      Options.sliceDim, Options.aggregateShare, Options.discoveryColumns, Options.subsample,
      Options.seed,
      Options.json, Options.quiet,
    ],
    discussion: """
      For each mechanism: two neighbouring one-row tables built for the worst case (a canary
      row and its replacement at encoded distance 1; counts in different cells), the same
      mechanism calls release makes (σ from its calibration, noise from its secure generator)
      run S + T times on each, a threshold test on the privacy loss chosen on the S trials, and
      from its errors on the T trials a lower bound on ε at 95 % confidence (Clopper–Pearson):
        ε_lb = max(ln((1 − δ − FNR⁺)/FPR⁺), ln((1 − δ − FPR⁺)/FNR⁺), 0).
      Mechanisms:
        slicing            the release, U drawn per release, σ from the exact profile
        slicing-theorem1   the same with σ from Theorem 1 (the ratio shows its slack)
        slicing-fixed-u    U fixed by a projection seed (analytic Gaussian bound)
        slicing+marginals  projections and Gaussian marginals (the composed profile)
        discovery          private domain discovery (release without --schema)
        merf               DP-MERF (release --mechanism merf): the noisy sum of random Fourier
                           features, the canary moving it by exactly its sensitivity
        dp-sgd             one DP-SGD step of train-dpsgd (Poisson batch at --subsample q,
                           per-example clipping to C, the noisy sum), σ calibrated for that
                           one step; zero-out: the canary's gradient (norm 2C, clipped to C)
                           present or absent
      "exact ε" is the ε at δ of exactly the mechanism the trials run (the ideal analysis of the
      σ they pass and the neighbours they feed in, without the implementation margin): the
      stated ε for a shipped mechanism, less for Theorem 1 (its slack), more for a broken
      variant (what it truly leaks). The lower bound can approach it, never pass it.
      A shipped mechanism passes when its lower bound is at most ε; a broken variant is caught
      when its bound exceeds ε. The command exits 1 when a shipped mechanism's bound exceeds ε
      (a privacy bug, or the 5 % chance of the interval). Progress goes to stderr, the table (or
      --json) to stdout. Example:
        slicegen audit --mechanism slicing --epsilon 1 --delta 1e-5
      See Docs/audit.md.
      """)

  static func run(_ arguments: Arguments) throws {
    Console.quiet = arguments[Options.quiet]
    var settings = AuditSettings()
    settings.epsilon = arguments[Options.epsilon] ?? 1
    settings.delta = arguments[Options.delta] ?? 1e-5
    settings.neighbors = arguments[Options.neighbors] ?? .replaceOne
    settings.encodedWidth = arguments[Options.encodedWidth] ?? 8
    settings.slices = arguments[Options.slices] ?? settings.slices
    settings.sliceDim = arguments[Options.sliceDim] ?? settings.sliceDim
    settings.aggregateShare = arguments[Options.aggregateShare] ?? settings.aggregateShare
    settings.discoveryColumns = arguments[Options.discoveryColumns] ?? 2
    settings.seed = arguments[Options.seed] ?? 1
    settings.subsample = arguments[Options.subsample] ?? 1
    let trials = arguments[Options.trials] ?? 1_000_000
    let selectionTrials = arguments[Options.selectionTrials] ?? max(100, trials / 4)
    for (option, value) in [(Options.trials, trials), (Options.selectionTrials, selectionTrials)]
    where !Options.trialsRange.contains(value) {
      throw UsageError(
        message: "--\(option.info.name) is \(value), must be a whole number from "
          + "\(Options.trialsRange.lowerBound) to \(Options.trialsRange.upperBound)")
    }
    var options = ReleaseOptions(epsilon: settings.epsilon)
    options.slices = settings.slices
    options.sliceDim = settings.sliceDim
    try options.validate()
    let mechanisms =
      arguments[Options.mechanisms]
      ?? AuditedMechanism.allCases.filter { settings.subsample == 1 || $0.supportsSubsampling }
    if settings.subsample < 1 {
      for mechanism in mechanisms where !mechanism.supportsSubsampling {
        throw UsageError(
          message: "--subsample \(settings.subsample) does not apply to \(mechanism.rawValue) "
            + "(only to slicing, slicing-theorem1, slicing-fixed-u and dp-sgd)")
      }
    }
    let variants = arguments[Options.variants] ?? [nil] + BrokenVariant.allCases.map { $0 }
    // Calibrate every scenario first, so that a refused parameter fails before any trial. A
    // variant that does not apply to a mechanism (no-clipping outside dp-sgd) is left out.
    var scenarios: [AuditScenario] = []
    for mechanism in mechanisms {
      for variant in variants where variant?.applies(to: mechanism) ?? true {
        scenarios.append(try AuditScenario(mechanism, variant: variant, settings: settings))
      }
    }
    if scenarios.isEmpty {
      throw UsageError(
        message: "--variants: none of the variants applies to the mechanisms asked for "
          + "(no-clipping applies to dp-sgd only)")
    }
    var results: [AuditResult] = []
    for (i, scenario) in scenarios.enumerated() {
      let name = "\(scenario.mechanism.rawValue) (\(scenario.variant?.rawValue ?? "shipped"))"
      let progress = ProgressLine()
      let result = PrivacyAudit.run(
        scenario, trials: trials, selectionTrials: selectionTrials
      ) { done, total in
        progress.update(
          "audit \(i + 1)/\(scenarios.count) \(name): \(done)/\(total) trials, "
            + String(format: "%.0f s", progress.elapsed))
      }
      progress.finish()
      Console.info(
        "audit \(i + 1)/\(scenarios.count) \(name): ε_lb = "
          + String(format: "%.3f", result.lowerBound) + " in "
          + String(format: "%.1f s", result.seconds))
      results.append(result)
    }
    if arguments[Options.json] {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
      print(String(decoding: try encoder.encode(results), as: UTF8.self))
    } else {
      print(table(results))
    }
    let leaks = results.filter { $0.variant == nil && !$0.asExpected }
    if !leaks.isEmpty {
      throw AuditFailure(
        message: "the lower bound of "
          + leaks.map(\.mechanism.rawValue).joined(separator: ", ")
          + " exceeds the stated ε (a privacy bug, or the interval's 5 % failure chance: "
          + "rerun to tell)")
    }
  }

  struct AuditFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
  }

  /// The plain table: one line per audit.
  static func table(_ results: [AuditResult]) -> String {
    func pad(_ s: String, _ n: Int) -> String {
      s.count >= n ? s : s + String(repeating: " ", count: n - s.count)
    }
    let widths = [18, 19, 9, 8, 8, 8, 7, 11, 11, 11, 9, 11]
    let head = [
      "mechanism", "variant", "stated ε", "δ", "exact ε", "ε_lb", "ratio", "trials", "FPR⁺",
      "FNR⁺", "seconds", "verdict",
    ]
    var lines = [zip(head, widths).map { pad($0, $1) }.joined(separator: " ")]
    for r in results {
      let verdict =
        r.variant == nil
        ? (r.asExpected ? "ok (≤ ε)" : "EXCEEDS ε") : (r.asExpected ? "caught" : "not caught")
      let cells = [
        r.mechanism.rawValue, r.variant?.rawValue ?? "shipped",
        String(format: "%.3g", r.statedEpsilon), String(format: "%.0e", r.delta),
        String(format: "%.3f", r.exactEpsilon), String(format: "%.3f", r.lowerBound),
        String(format: "%.3f", r.ratio), "\(r.trials)",
        String(format: "%.3e", r.errors.falsePositiveRateUpper),
        String(format: "%.3e", r.errors.falseNegativeRateUpper),
        String(format: "%.1f", r.seconds), verdict,
      ]
      lines.append(zip(cells, widths).map { pad($0, $1) }.joined(separator: " "))
    }
    return lines.map { $0.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) }
      .joined(separator: "\n")
  }
}
