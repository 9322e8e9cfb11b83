// The empirical privacy audit (Docs/audit.md): runs a scenario's trials on all cores, chooses the
// distinguishing test on one batch and counts its errors on another, and reports the ε lower
// bound next to the stated ε. Deliberately not here: the mechanisms and their neighbours
// (AuditScenario.swift), the statistics (EpsilonLowerBound.swift, ClopperPearson.swift), and any
// output formatting (the command's).
//
// Protocol, per scenario: S selection trials on D and S on D' → threshold τ (the one whose
// Clopper–Pearson bound on the selection trials is largest); then T fresh trials
// on D and T on D' → false positives and negatives at τ → ε_lb at 95 % confidence. The selection
// trials are never counted, so τ is independent of the counted errors, which the Clopper–Pearson
// interval requires.

import Dispatch
import Foundation
import Synchronization

/// One audited scenario's outcome.
public struct AuditResult: Codable, Sendable {
  public var mechanism: AuditedMechanism
  /// nil: as shipped.
  public var variant: BrokenVariant?
  public var statedEpsilon: Double
  public var delta: Double
  /// The 95 % lower bound on the true ε at δ.
  public var lowerBound: Double
  /// lowerBound / statedEpsilon.
  public var ratio: Double
  /// The exact ε of the mechanism as run (AuditScenario.exactEpsilon): a broken variant's true
  /// ε, Theorem 1's true ε below its statement.
  public var exactEpsilon: Double
  public var trials: Int
  public var selectionTrials: Int
  public var threshold: Double
  public var errors: EpsilonLowerBound
  public var seconds: Double
  public var measures: String

  /// Whether the result is what a correct audit expects: a shipped mechanism's bound at most its
  /// ε; a broken variant's above it ("caught").
  public var asExpected: Bool {
    variant == nil ? lowerBound <= statedEpsilon : lowerBound > statedEpsilon
  }
}

/// Runs audits.
public enum PrivacyAudit {
  /// Audits `scenario` with `trials` counted and `selectionTrials` selection trials per table.
  /// - Parameter progress: called on the calling thread about five times a second with (trials
  ///   done, trials in all), counting both tables and both batches.
  public static func run(
    _ scenario: AuditScenario, trials: Int, selectionTrials: Int,
    progress: (Int, Int) -> Void = { _, _ in }
  ) -> AuditResult {
    precondition(trials > 0 && selectionTrials > 0)
    let start = Date()
    let total = 2 * (trials + selectionTrials)
    let select = scores(scenario, perTable: selectionTrials) { done in
      progress(done, total)
    }
    let test = EpsilonLowerBound.choose(
      scoresD: select.d, scoresDPrime: select.dPrime, delta: scenario.delta)
    let counted = scores(scenario, perTable: trials) { done in
      progress(2 * selectionTrials + done, total)
    }
    let bound = EpsilonLowerBound.evaluate(
      test, scoresD: counted.d, scoresDPrime: counted.dPrime, delta: scenario.delta)
    return AuditResult(
      mechanism: scenario.mechanism, variant: scenario.variant,
      statedEpsilon: scenario.epsilon, delta: scenario.delta, lowerBound: bound.epsilon,
      ratio: bound.epsilon / scenario.epsilon, exactEpsilon: scenario.exactEpsilon,
      trials: trials, selectionTrials: selectionTrials,
      threshold: test.threshold, errors: bound, seconds: Date().timeIntervalSince(start),
      measures: scenario.mechanism.measures)
  }

  /// `perTable` trials on D and on D', spread over the cores (Dispatch.concurrentPerform in
  /// chunks); `progress` gets the number done, on the calling thread.
  static func scores(
    _ scenario: AuditScenario, perTable n: Int, progress: (Int) -> Void
  ) -> (d: [Double], dPrime: [Double]) {
    let buffer = ScoreBuffer(count: 2 * n)
    let done = TrialCounter()
    let chunk = 64
    let chunks = (2 * n + chunk - 1) / chunk
    let finished = DispatchSemaphore(value: 0)
    DispatchQueue.global().async {
      DispatchQueue.concurrentPerform(iterations: chunks) { c in
        let range = (c * chunk)..<min(2 * n, (c + 1) * chunk)
        for t in range {
          buffer.pointer[t] = scenario.score(neighbour: t >= n)
        }
        done.value.add(range.count, ordering: .relaxed)
      }
      finished.signal()
    }
    while finished.wait(timeout: .now() + 0.2) == .timedOut {
      progress(done.value.load(ordering: .relaxed))
    }
    progress(2 * n)
    let all = Array(buffer.pointer)
    return (Array(all[..<n]), Array(all[n...]))
  }
}

/// Scores written by worker threads, each to its own indices, read after they finish.
private final class ScoreBuffer: @unchecked Sendable {
  let pointer: UnsafeMutableBufferPointer<Double>
  init(count: Int) {
    pointer = .allocate(capacity: count)
    pointer.initialize(repeating: .nan)
  }
  deinit { pointer.deallocate() }
}

/// Trials finished, for progress.
private final class TrialCounter: Sendable {
  let value = Atomic<Int>(0)
}
