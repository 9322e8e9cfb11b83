// The merge's uniformly random order over more rows than it holds at once
// (PartitionedRelease.merge). Each row goes to one of B bucket files, chosen uniformly and
// independently with the secure generator; then each bucket is read back, put in a uniformly
// random order (Fisher–Yates, secure generator) and handed out, bucket after bucket.
//
// Why the order is uniform: the procedure treats every row alike and independently of its
// content (an iid uniform bucket, then a uniform order inside each bucket), so the law of the
// output order is invariant under relabelling the rows: every permutation of the n rows is equally
// likely. (It is the sort of the rows by iid keys (bucket, rank) with ties broken at random.)
//
// Memory: one bucket, about n·m'·4/B bytes. The bucket files hold noisy projections only (already
// private), sit beside the output, and are removed when drained, when this value is dropped (an
// error), or on SIGINT, SIGTERM or SIGHUP (TemporaryFileRegistry).

import Foundation
import SliceGenPrivacy

/// Rows shuffled through bucket files.
final class ShuffleBuckets {
  /// At most this many files (the signal handler's registry has 64 slots in all).
  static let maximumBuckets = 32

  let width: Int
  private let paths: [String]
  private var handles: [FileHandle?]
  private var slots: [Int?]
  private var buffers: [[Float]]
  private(set) var counts: [Int]
  private let flushFloats = 1 << 16

  /// B for `rows` rows of `width` floats.
  static func bucketCount(
    rows: Int, width: Int, bucketBytes: Int = PartitionedRelease.shuffleBucketBytes
  ) -> Int {
    let bytes = Double(rows) * Double(width) * 4
    return min(maximumBuckets, max(1, Int((bytes / Double(bucketBytes)).rounded(.up))))
  }

  /// Creates B empty bucket files beside `outputPath`.
  init(beside outputPath: String, count: Int, width: Int) throws {
    precondition(count >= 1 && count <= Self.maximumBuckets && width >= 1)
    self.width = width
    let url = URL(fileURLWithPath: outputPath)
    let directory = url.deletingLastPathComponent().path
    let stem = directory + "/." + url.lastPathComponent + ".shuffle-\(getpid())-"
    paths = (0..<count).map { stem + "\($0)" }
    handles = []
    slots = []
    buffers = Array(repeating: [], count: count)
    counts = Array(repeating: 0, count: count)
    for path in paths {
      slots.append(TemporaryFileRegistry.register(path))
      guard FileManager.default.createFile(atPath: path, contents: nil),
        let handle = FileHandle(forWritingAtPath: path)
      else {
        handles.append(nil)
        throw OutputError(path: outputPath, reason: "cannot create the shuffle file \(path)")
      }
      handles.append(handle)
    }
  }

  deinit { removeFiles() }

  /// Sends each row of `rows` (whole rows of `width`) to a uniformly random bucket.
  func add(_ rows: UnsafeBufferPointer<Float>, noise: inout SecureNoise) throws {
    precondition(rows.count % width == 0)
    for r in 0..<(rows.count / width) {
      let b = paths.count == 1 ? 0 : noise.uniformInt(below: paths.count)
      buffers[b].append(contentsOf: rows[(r * width)..<((r + 1) * width)])
      counts[b] += 1
      if buffers[b].count >= flushFloats { try flush(b) }
    }
  }

  /// Hands out every row, bucket after bucket, each bucket in a uniformly random order, in blocks
  /// of whole rows; the files are removed as they are drained.
  func drain(
    noise: inout SecureNoise, deliver: (UnsafeBufferPointer<Float>) throws -> Void
  ) throws {
    for b in paths.indices {
      try flush(b)
      try handles[b]?.close()
      handles[b] = nil
      let n = counts[b]
      var rows = [Float](repeating: 0, count: n * width)
      if n > 0 {
        guard let data = FileManager.default.contents(atPath: paths[b]),
          data.count == 4 * n * width
        else { throw ReleaseError("the shuffle file \(paths[b]) could not be read back") }
        rows.withUnsafeMutableBytes { _ = data.copyBytes(to: $0) }
      }
      try? FileManager.default.removeItem(atPath: paths[b])
      var order = Array(0..<n)
      var i = n - 1
      while i > 0 {
        order.swapAt(i, noise.uniformInt(below: i + 1))
        i -= 1
      }
      let blockRows = 4096
      var block = [Float](repeating: 0, count: blockRows * width)
      var first = 0
      try rows.withUnsafeBufferPointer { all in
        while first < n {
          let count = min(blockRows, n - first)
          for r in 0..<count {
            let source = order[first + r] * width
            for j in 0..<width { block[r * width + j] = all[source + j] }
          }
          try block.withUnsafeBufferPointer {
            try deliver(UnsafeBufferPointer(rebasing: $0[0..<(count * width)]))
          }
          first += count
        }
      }
    }
    removeFiles()
  }

  private func flush(_ b: Int) throws {
    guard !buffers[b].isEmpty, let handle = handles[b] else { return }
    try buffers[b].withUnsafeBytes { try handle.write(contentsOf: $0) }
    buffers[b].removeAll(keepingCapacity: true)
  }

  private func removeFiles() {
    for b in paths.indices {
      try? handles[b]?.close()
      handles[b] = nil
      try? FileManager.default.removeItem(atPath: paths[b])
      if let slot = slots[b] { TemporaryFileRegistry.unregister(slot) }
      slots[b] = nil
    }
  }
}
