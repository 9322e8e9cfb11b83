// The slicing mechanism (Docs/privacy.md, "The mechanism"): the one place where private encoded rows turn into released
// numbers. Everything an auditor needs to read about the release path is here and in the
// accountant: rows come in already encoded (‖x − x'‖ ≤ 1, ‖x‖ ≤ 1, Docs/schema.md), go out as
// O = XU + V with V iid N(0, σ²) from the secure generator, each entry snapped to a grid of
// spacing about σ/100 (SnappedGaussian.swift), optionally Poisson-subsampled, and shuffled with the
// secure generator.
//
// Deliberately not here: reading files, choosing σ (the accountant does), writing files.

import Dispatch
import Foundation
import SliceGenNumerics
import Synchronization

/// Collects the projections of encoded rows and turns them into a release.
///
/// ## Privacy
/// `finish(sigma:noise:)` returns (n × m') O = XU + V, V iid N(0, σ²), each entry snapped to
/// `SnappedGaussian.grid(sigma:)`, rows in a uniformly random order. With σ = s/√d from `SlicingAccountant` it meets the accountant's (ε, δ) under replace-one
/// (or zero-out) when U is drawn after the data is fixed (the χ²-mixture analysis, Docs/privacy.md, "The accountant"), or
/// under the analytic Gaussian analysis with sensitivity ‖U‖₂ when U was fixed by the user.
/// Before `finish`, the noise-free projections exist only inside this value; nothing reads them.
/// Tests: SlicingMechanismTests (noise level, shuffling, subsampling).
public struct SlicingMechanism {
  /// d and m'.
  public let encodedWidth: Int
  public let projectionCount: Int
  /// U (d × m') row-major, entries iid N(0, 1/d) from ChaCha20(seed).
  public let directions: [Float]
  /// Poisson subsampling rate, or nil.
  public let subsampling: Double?
  /// XU, in fixed-size chunks (no capacity doubling: memory is n·m' floats plus one chunk).
  private var store: ProjectionStore
  public private(set) var rows = 0
  /// Rows seen before subsampling.
  public private(set) var rowsSeen = 0
  private var noise: SecureNoise
  /// Signalled when the product of the last `append` is in the store.
  private var pendingProduct: DispatchSemaphore?

  /// - Parameters:
  ///   - seed: the projection seed; U is a public function of (seed, d, m').
  ///   - noise: the secure noise source (also used for subsampling and shuffling).
  public init(
    encodedWidth: Int, projectionCount: Int, seed: UInt64, subsampling: Double?,
    noise: SecureNoise
  ) {
    precondition(encodedWidth > 0 && projectionCount > 0)
    if let q = subsampling { precondition(q > 0 && q <= 1) }
    self.encodedWidth = encodedWidth
    self.projectionCount = projectionCount
    self.directions = Self.directions(
      encodedWidth: encodedWidth, projectionCount: projectionCount, seed: seed)
    self.subsampling = subsampling
    self.noise = noise
    self.store = ProjectionStore(width: projectionCount)
  }

  /// U for (d, m', seed): iid N(0, 1/d) from `ChaCha20(seed:)`, row-major (d × m').
  public static func directions(encodedWidth d: Int, projectionCount: Int, seed: UInt64)
    -> [Float]
  {
    var generator = ChaCha20(seed: seed)
    var u = [Float](repeating: 0, count: d * projectionCount)
    u.withUnsafeMutableBufferPointer {
      GaussianSampling.fill(
        $0, standardDeviation: Float(1 / Double(d).squareRoot()),
        using: &generator)
    }
    return u
  }

  /// Adds a block of encoded rows (rows × d, row-major).
  ///
  /// The rows are copied (the caller may reuse its buffer at once) and their product with U is
  /// computed on a thread of its own while the caller reads on; the next `append` or `finish`
  /// waits for it. Subsampling coins are drawn here, in order, on the caller's thread.
  public mutating func append(encoded: UnsafePointer<Float>, rows count: Int) {
    guard count > 0 else { return }
    waitForProduct()
    rowsSeen += count
    let d = encodedWidth
    let input = store.staging(floats: count * d)
    var kept = count
    if let q = subsampling, q < 1 {
      // Poisson subsampling: keep each row independently with probability q (secure coin).
      kept = 0
      for row in 0..<count where noise.includes(probability: q) {
        (input + kept * d).update(from: encoded + row * d, count: d)
        kept += 1
      }
      guard kept > 0 else { return }
    } else {
      input.update(from: encoded, count: count * d)
    }
    // Where the product goes: as many rows as fit in each chunk.
    var targets: [(UnsafeMutablePointer<Float>, Int)] = []
    var reserved = 0
    while reserved < kept {
      let (c, room) = store.reserve(rows: kept - reserved)
      targets.append((c, room))
      reserved += room
    }
    rows += kept
    let job = UnsafeSendable((input: UnsafePointer(input), targets: targets))
    let (mPrime, u, store, done) = (projectionCount, directions, store, DispatchSemaphore(value: 0))
    let thread = Thread {
      u.withUnsafeBufferPointer { u in
        var row = 0
        for (c, room) in job.value.targets {
          GEMM.nn(m: room, n: mPrime, k: d, a: job.value.input + row * d, b: u.baseAddress!, c: c)
          row += room
        }
      }
      withExtendedLifetime(store) {}
      done.signal()
    }
    thread.start()
    pendingProduct = done
  }

  /// Waits for the product started by the last `append`.
  private mutating func waitForProduct() {
    pendingProduct?.wait()
    pendingProduct = nil
  }

  /// Adds N(0, σ²) to every projection, shuffles the rows, and hands out O (rows × m').
  /// Holds O twice at the peak; releases stream with `finish(sigma:workers:deliver:)` instead.
  public mutating func finish(sigma: Double) -> [Float] {
    var out = [Float]()
    out.reserveCapacity(rows * projectionCount)
    finish(sigma: sigma) { block in out.append(contentsOf: block) }
    return out
  }

  /// Rows per noise segment: a public function of m' alone (never of the thread count), so the
  /// numbering of noise streams, hence the noise, is fixed by the release's shape.
  static func segmentRows(projectionCount: Int) -> Int {
    max(1, (1 << 17) / projectionCount)
  }

  /// Hands out O = XU + V (snapped) in row order, in blocks of whole rows, on the calling thread.
  ///
  /// The row order is a uniformly random permutation (Fisher–Yates with the secure generator,
  /// drawn before any noise); output row i is projected row π(i) plus N(0, σ²) noise. The noise
  /// of segment t (rows t·r ..< (t+1)·r, r = `segmentRows`) is independent stream t of one fresh
  /// secure key (`GaussianNoiseStreams`), so the output does not depend on `workers`. Up to
  /// `workers` background threads gather and noise segments ahead of `deliver` (a ring of eight
  /// segment buffers per worker, so memory beyond XU stays small). After this call the
  /// projections are gone: `rows` stays, but a second `finish` is a programmer error.
  /// - Parameter deliver: called with consecutive blocks of O; an error it throws stops the
  ///   workers and is rethrown.
  public mutating func finish(
    sigma: Double, workers: Int = SlicingMechanism.defaultWorkers,
    deliver: (UnsafeBufferPointer<Float>) throws -> Void
  ) rethrows {
    precondition(sigma > 0 && sigma.isFinite)
    precondition(
      Self.snappedValuesAreFloats(directions: directions, width: projectionCount, sigma: sigma),
      "σ is too small for the projections' grid (ReleaseCalibration refuses such an ε)")
    waitForProduct()
    precondition(rows == store.rows, "finish called twice")
    precondition(rows <= Int(UInt32.max))
    let n = rows
    let width = projectionCount
    // Fisher–Yates over row indices with the secure generator: O's row i is XU's row π(i).
    let permutation = UnsafeMutablePointer<UInt32>.allocate(capacity: max(n, 1))
    defer { permutation.deallocate() }
    for i in 0..<n { permutation[i] = UInt32(truncatingIfNeeded: i) }
    var i = n - 1
    while i > 0 {
      let j = noise.uniformInt(below: i + 1)
      let t = permutation[i]
      permutation[i] = permutation[j]
      permutation[j] = t
      i -= 1
    }
    let streams = noise.gaussianStreams()
    let grid = SnappedGaussian.grid(sigma: sigma)
    let segmentRows = Self.segmentRows(projectionCount: width)
    let segments = (n + segmentRows - 1) / segmentRows
    let store = self.store
    self.store = ProjectionStore(width: width)
    defer { store.deallocate() }
    let workerCount = max(1, min(workers, segments))
    // Segment t is made by worker t % W into slot t % S; S = 8·W is a multiple of W, so each slot
    // has one owner and its two semaphores strictly alternate (free → filled → free …).
    let pipeline = SegmentPipeline(slots: 8 * workerCount, slotFloats: segmentRows * width)
    let order = UnsafeSendable(UnsafePointer(permutation))
    // Dedicated threads, not the Dispatch pool: the workers block on semaphores, and a pool
    // sized to the cores would then starve other work queued on it (the file writer's).
    let group = DispatchGroup()
    for w in 0..<workerCount {
      group.enter()
      let thread = Thread {
        defer { group.leave() }
        var t = w
        while t < segments {
          let slot = t % pipeline.slots
          pipeline.free[slot].wait()
          if pipeline.cancelled.load(ordering: .acquiring) { break }
          let first = t * segmentRows
          let count = min(segmentRows, n - first)
          let out = pipeline.buffer(slot)
          for r in 0..<count {
            (out + r * width).update(from: store.row(Int(order.value[first + r])), count: width)
          }
          streams.addSnappedGaussian(
            to: UnsafeMutableBufferPointer(start: out, count: count * width), sigma: sigma,
            grid: grid, stream: UInt64(t))
          pipeline.filled[slot].signal()
          t += workerCount
        }
      }
      thread.start()
    }
    do {
      for t in 0..<segments {
        let slot = t % pipeline.slots
        pipeline.filled[slot].wait()
        let count = min(segmentRows, n - t * segmentRows)
        try deliver(UnsafeBufferPointer(start: pipeline.buffer(slot), count: count * width))
        pipeline.free[slot].signal()
      }
    } catch {
      pipeline.cancelled.store(true, ordering: .releasing)
      for slot in 0..<pipeline.slots { pipeline.free[slot].signal() }
      group.wait()
      throw error
    }
    group.wait()
  }

  /// Whether every snapped projection is a float: |xU_j| + 40σ < 2^23·Λ for every encoded row
  /// (‖x‖ ≤ 1, so |xU_j| ≤ ‖U_j‖ up to rounding), Λ = `SnappedGaussian.grid(sigma:)`.
  public static func snappedValuesAreFloats(directions u: [Float], width: Int, sigma: Double)
    -> Bool
  {
    var largest = 0.0
    var norms = [Double](repeating: 0, count: width)
    for (i, v) in u.enumerated() { norms[i % width] += Double(v) * Double(v) }
    for v in norms { largest = max(largest, v.squareRoot()) }
    return 1.01 * largest + 40 * sigma < 0x1p23 * SnappedGaussian.grid(sigma: sigma)
  }

  /// Background threads for `finish`: the machine's cores.
  public static var defaultWorkers: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

  /// Whether the noise source is the OS-seeded secure generator (false only in tests).
  public var noiseIsPrivate: Bool { noise.isPrivate }
}

/// XU in chunks of a fixed number of rows, allocated as rows arrive (no copying, no doubling).
private final class ProjectionStore: @unchecked Sendable {
  let width: Int
  let chunkRows: Int
  private(set) var chunks: [UnsafeMutablePointer<Float>] = []
  private(set) var rows = 0
  /// The input rows of the product in flight.
  private var stagingBuffer: UnsafeMutablePointer<Float>?
  private var stagingCapacity = 0

  /// A buffer of at least `floats` entries for input rows (reused; its old contents are gone).
  func staging(floats: Int) -> UnsafeMutablePointer<Float> {
    if stagingCapacity < floats {
      stagingBuffer?.deallocate()
      stagingBuffer = .allocate(capacity: floats)
      stagingCapacity = floats
    }
    return stagingBuffer!
  }

  init(width: Int) {
    self.width = width
    // About 4 MiB per chunk.
    chunkRows = max(1, (1 << 20) / width)
  }

  /// Room for up to `rows` more rows in the current chunk (a new one when it is full): where to
  /// write them and how many fit. The rows count as stored.
  func reserve(rows wanted: Int) -> (UnsafeMutablePointer<Float>, Int) {
    let used = rows % chunkRows
    if used == 0 && rows / chunkRows == chunks.count {
      chunks.append(.allocate(capacity: chunkRows * width))
    }
    let room = min(wanted, chunkRows - used)
    let start = chunks[rows / chunkRows] + used * width
    rows += room
    return (start, room)
  }

  @inline(__always)
  func row(_ i: Int) -> UnsafePointer<Float> {
    UnsafePointer(chunks[i / chunkRows] + (i % chunkRows) * width)
  }

  func deallocate() {
    for chunk in chunks { chunk.deallocate() }
    chunks = []
    rows = 0
    stagingBuffer?.deallocate()
    stagingBuffer = nil
    stagingCapacity = 0
  }

  deinit {
    for chunk in chunks { chunk.deallocate() }
    stagingBuffer?.deallocate()
  }
}

/// The ring of segment buffers between `finish`'s workers and its caller.
private final class SegmentPipeline: @unchecked Sendable {
  let slots: Int
  let slotFloats: Int
  let storage: UnsafeMutablePointer<Float>
  let free: [DispatchSemaphore]
  let filled: [DispatchSemaphore]
  let cancelled = Atomic<Bool>(false)

  init(slots: Int, slotFloats: Int) {
    self.slots = slots
    self.slotFloats = slotFloats
    storage = .allocate(capacity: slots * slotFloats)
    free = (0..<slots).map { _ in DispatchSemaphore(value: 1) }
    filled = (0..<slots).map { _ in DispatchSemaphore(value: 0) }
  }

  func buffer(_ slot: Int) -> UnsafeMutablePointer<Float> { storage + slot * slotFloats }

  deinit { storage.deallocate() }
}

/// A pointer handed to worker threads that only read through it while the owner waits.
private struct UnsafeSendable<T>: @unchecked Sendable {
  let value: T
  init(_ value: T) { self.value = value }
}
