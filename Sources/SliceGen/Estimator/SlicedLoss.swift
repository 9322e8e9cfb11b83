// The fit loop's loss: the smoothed-sliced divergence between a batch of released projections
// and a batch of smoothed synthetic projections, and its gradient with respect to the synthetic
// projections. This file holds the public type, the checks on its inputs and the parallel
// dispatch over slices; the per-slice mathematics is in SlicedLoss+Kernel.swift and
// SlicedLoss+Wasserstein.swift, the direction of each divergence in Divergence.swift.
//
// It deliberately does not sample rows, draw the smoothing noise or touch the generator: the
// caller adds N(0, σ²) to G(Z)·U before calling, and back-propagates the gradient through U and
// the network itself.
//
// Determinism: slice t is computed by exactly the same instructions whichever worker runs it,
// writes only its own gradient columns and its own partial loss, and the partial losses are
// summed in slice order. So the result does not depend on the number of threads.

import Dispatch
import Foundation

/// The smoothed-sliced divergence estimator of Docs/design.md ("The fit"), with reusable workspaces.
///
/// Layout: `real` is (realRows × m·k) and `synthetic` (syntheticRows × m·k), row-major; slice t is
/// columns t·k ..< (t+1)·k. The gradient has the synthetic layout.
///
/// Loss (kernel divergences): L = (1/(m·b_r)) Σ_t Σ_i g(r̃_{t,i}), r̃ the clipped kernel-mean-matching
/// estimate of p_syn/p_real at real point i of slice t, averaged over the bandwidth ensemble,
/// g chosen by `Divergence`. Sliced Wasserstein: mean over the m·k columns of the mean squared
/// difference of sorted values.
///
/// ## Privacy
/// None spent: the inputs are the release (already private) and synthetic data. The real
/// projections must be used as released: they are never re-noised here, and only the
/// synthetic ones carry the caller's fresh smoothing noise.
///
/// Value semantics: copies share workspaces until one of them evaluates (copy on write).
public struct SlicedLoss {
  /// The settings, validated at initialisation.
  public let configuration: EstimatorConfiguration
  /// m, the number of slices.
  public let slices: Int
  /// k, the dimension of each slice.
  public let sliceDimension: Int
  /// The largest batch (real or synthetic rows) evaluate accepts; workspaces are sized for it.
  public let maxBatch: Int

  private var storage: SlicedLossStorage

  /// Prepares an estimator for m slices of dimension k and batches of at most `maxBatch` rows.
  /// Workspaces are allocated on the first evaluation of each arithmetic type and reused.
  /// - Throws: `EstimatorError.invalidSetting` or `.invalidShape`.
  public init(
    configuration: EstimatorConfiguration = EstimatorConfiguration(), slices m: Int,
    sliceDimension k: Int, maxBatch: Int
  ) throws(EstimatorError) {
    try configuration.validate()
    guard m >= 1 else { throw .invalidShape(name: "slices", value: m, rule: "must be at least 1") }
    guard k >= 1 else {
      throw .invalidShape(name: "sliceDimension", value: k, rule: "must be at least 1")
    }
    guard maxBatch >= 1, maxBatch <= 1 << 15 else {
      throw .invalidShape(name: "maxBatch", value: maxBatch, rule: "must be in 1…32768")
    }
    self.configuration = configuration
    self.slices = m
    self.sliceDimension = k
    self.maxBatch = maxBatch
    let workers = min(configuration.threads ?? ProcessInfo.processInfo.activeProcessorCount, m * k)
    self.storage = SlicedLossStorage(workers: max(1, workers), columns: m * k)
  }

  /// Loss of a Float batch; writes ∂L/∂synthetic into `gradient` (same layout as `synthetic`)
  /// when given. Arithmetic follows `configuration.precision`.
  /// - Throws: `EstimatorError` on a bad shape, a non-finite input, or a failed factorisation.
  /// - Complexity: per slice and bandwidth b_r³/6 + O(b_r·b_s·k); slices run in parallel.
  public mutating func evaluate(
    real: UnsafeBufferPointer<Float>, realRows: Int, synthetic: UnsafeBufferPointer<Float>,
    syntheticRows: Int, gradient: UnsafeMutableBufferPointer<Float>?
  ) throws(EstimatorError) -> Double {
    try run(
      real: real, realRows: realRows, synthetic: synthetic, syntheticRows: syntheticRows,
      gradient: gradient, double: configuration.precision == .double)
  }

  /// Loss of a Double batch, computed in Double throughout (for gradient checks and analysis).
  public mutating func evaluate(
    real: UnsafeBufferPointer<Double>, realRows: Int, synthetic: UnsafeBufferPointer<Double>,
    syntheticRows: Int, gradient: UnsafeMutableBufferPointer<Double>?
  ) throws(EstimatorError) -> Double {
    try run(
      real: real, realRows: realRows, synthetic: synthetic, syntheticRows: syntheticRows,
      gradient: gradient, double: true)
  }

  private mutating func run<In: BinaryFloatingPoint>(
    real: UnsafeBufferPointer<In>, realRows br: Int, synthetic: UnsafeBufferPointer<In>,
    syntheticRows bs: Int, gradient: UnsafeMutableBufferPointer<In>?, double: Bool
  ) throws(EstimatorError) -> Double {
    let width = slices * sliceDimension
    try checkShapes(real.count, br, synthetic.count, bs, gradient?.count, width)
    try checkFinite(real, br, width, "real")
    try checkFinite(synthetic, bs, width, "synthetic")
    if !isKnownUniquelyReferenced(&storage) {
      storage = SlicedLossStorage(workers: storage.workers, columns: storage.columns)
    }
    let storage = self.storage
    let configuration = self.configuration
    let m = slices, k = sliceDimension, nb = maxBatch
    let realBase = real.baseAddress!, syntheticBase = synthetic.baseAddress!
    let gradientBase = gradient?.baseAddress
    let partial = storage.partialLoss
    let failures = storage.failures
    for t in 0..<storage.columns { failures[t] = nil }

    if configuration.divergence == .slicedWasserstein {
      storage.prepareWasserstein(maxBatch: nb)
      let scale = 1 / (Double(width) * Double(br))
      storage.parallel(units: width) { worker, c in
        partial[c] = storage.wasserstein[worker].evaluate(
          column: c, real: realBase, synthetic: syntheticBase, rows: br, rowWidth: width,
          gradientScale: scale, gradient: gradientBase)
      }
      return (0..<width).reduce(0.0) { $0 + partial[$1] } * scale
    }

    let scale = 1 / (Double(m) * Double(br))
    let bandwidths = configuration.bandwidthMultipliers.count
    func sweep<T: EstimatorScalar>(_ workspaces: [KernelWorkspace<T>]) {
      storage.parallel(units: m) { worker, t in
        do throws(EstimatorError) {
          partial[t] = try workspaces[worker].evaluate(
            slice: t, real: realBase, realRows: br, synthetic: syntheticBase, syntheticRows: bs,
            rowWidth: width, configuration: configuration, gradientScale: scale,
            gradient: gradientBase)
        } catch {
          partial[t] = .nan
          failures[t] = error
        }
      }
    }
    if double {
      sweep(storage.doubleWorkspaces(maxBatch: nb, k: k, bandwidths: bandwidths))
    } else {
      sweep(storage.floatWorkspaces(maxBatch: nb, k: k, bandwidths: bandwidths))
    }
    for t in 0..<m { if let failure = failures[t] { throw failure } }
    return (0..<m).reduce(0.0) { $0 + partial[$1] } * scale
  }

  private func checkShapes(
    _ realCount: Int, _ br: Int, _ syntheticCount: Int, _ bs: Int, _ gradientCount: Int?,
    _ width: Int
  ) throws(EstimatorError) {
    let wasserstein = configuration.divergence == .slicedWasserstein
    let rule = "must be in \(wasserstein ? 1 : 2)…\(maxBatch) (maxBatch)"
    guard br >= (wasserstein ? 1 : 2), br <= maxBatch else {
      throw .invalidShape(name: "realRows", value: br, rule: rule)
    }
    guard bs >= 1, bs <= maxBatch else {
      throw .invalidShape(name: "syntheticRows", value: bs, rule: "must be in 1…\(maxBatch)")
    }
    if wasserstein && br != bs {
      throw .invalidShape(
        name: "syntheticRows", value: bs,
        rule: "must equal realRows (\(br)) for sliced Wasserstein")
    }
    guard realCount >= br * width else {
      throw .invalidShape(
        name: "real.count", value: realCount, rule: "must be at least realRows·m·k = \(br * width)")
    }
    guard syntheticCount >= bs * width else {
      throw .invalidShape(
        name: "synthetic.count", value: syntheticCount,
        rule: "must be at least syntheticRows·m·k = \(bs * width)")
    }
    if let gradientCount, gradientCount < bs * width {
      throw .invalidShape(
        name: "gradient.count", value: gradientCount,
        rule: "must be at least syntheticRows·m·k = \(bs * width)")
    }
  }

  private func checkFinite<In: BinaryFloatingPoint>(
    _ x: UnsafeBufferPointer<In>, _ rows: Int, _ width: Int, _ name: String
  ) throws(EstimatorError) {
    for e in 0..<(rows * width) where !x[e].isFinite {
      throw .nonFiniteInput(matrix: name, row: e / width, column: e % width)
    }
  }
}

/// Workspaces and per-slice results shared by the copies of one `SlicedLoss`.
final class SlicedLossStorage {
  let workers: Int
  let columns: Int
  let partialLoss: UnsafeMutablePointer<Double>  // (m·k) partial loss of each slice or column
  let failures: UnsafeMutablePointer<EstimatorError?>  // (m·k)
  private var floats: [KernelWorkspace<Float>] = []
  private var doubles: [KernelWorkspace<Double>] = []
  private(set) var wasserstein: [WassersteinWorkspace] = []

  init(workers: Int, columns: Int) {
    self.workers = workers
    self.columns = columns
    partialLoss = .allocate(capacity: columns)
    partialLoss.initialize(repeating: 0, count: columns)
    failures = .allocate(capacity: columns)
    failures.initialize(repeating: nil, count: columns)
  }

  deinit {
    partialLoss.deallocate()
    failures.deinitialize(count: columns)
    failures.deallocate()
  }

  func floatWorkspaces(maxBatch: Int, k: Int, bandwidths: Int) -> [KernelWorkspace<Float>] {
    if floats.isEmpty {
      floats = (0..<workers).map { _ in
        KernelWorkspace(maxBatch: maxBatch, sliceDimension: k, bandwidths: bandwidths)
      }
    }
    return floats
  }

  func doubleWorkspaces(maxBatch: Int, k: Int, bandwidths: Int) -> [KernelWorkspace<Double>] {
    if doubles.isEmpty {
      doubles = (0..<workers).map { _ in
        KernelWorkspace(maxBatch: maxBatch, sliceDimension: k, bandwidths: bandwidths)
      }
    }
    return doubles
  }

  func prepareWasserstein(maxBatch: Int) {
    if wasserstein.isEmpty {
      wasserstein = (0..<workers).map { _ in WassersteinWorkspace(maxBatch: maxBatch) }
    }
  }

  /// Runs body(worker, unit) for unit in 0..<units; worker w takes units w, w + W, w + 2W, …
  func parallel(units: Int, _ body: (Int, Int) -> Void) {
    let count = min(workers, units)
    if count <= 1 {
      for unit in 0..<units { body(0, unit) }
      return
    }
    withoutActuallyEscaping(body) { body in
      let box = UncheckedSendable(body)
      DispatchQueue.concurrentPerform(iterations: count) { worker in
        var unit = worker
        while unit < units {
          box.value(worker, unit)
          unit += count
        }
      }
    }
  }
}

/// Hands a value to Dispatch's worker threads. Sound here because every worker touches only its
/// own workspace and its own slice's outputs.
struct UncheckedSendable<Value>: @unchecked Sendable {
  let value: Value
  init(_ value: Value) { self.value = value }
}
