// Order statistics of the strictly upper triangle of a square matrix of non-negative Floats: the
// median pairwise distance of the kernel estimator's bandwidth (SlicedLoss+Kernel.swift), where a
// quickselect over the b(b−1)/2 pair distances of every slice was a quarter of a fit step.
//
// Radix selection. For finite x ≥ 0 the IEEE-754 bit pattern, read as an unsigned integer,
// orders exactly as the value does, so the top 12 of the 31 magnitude bits (the exponent and the
// first four mantissa bits: buckets 1/16 of an octave wide) sort the values into 4,096 buckets
// in one counting pass. Prefix sums name the bucket(s) holding the wanted ranks; a second pass
// copies just those values out, and a quickselect on that short list finishes. Same answer as a
// full sort, bit for bit (it returns elements of the input, not interpolations); cost two linear
// passes plus a select on one bucket. Not for negative zero, NaN or negative values (squared
// distances are none of those).
//
// The plain reference is a sort; OrderStatisticsTests holds the two together.

/// Scratch for `upperTriangleOrderStatistics`: a histogram and room for one bucket's values.
final class OrderStatisticsScratch {
  static let bucketBits = 12
  let histogram: UnsafeMutablePointer<Int32>  // (4096)
  let values: UnsafeMutablePointer<Float>  // (capacity)
  let capacity: Int

  init(capacity: Int) {
    self.capacity = max(capacity, 1)
    histogram = .allocate(capacity: 1 << Self.bucketBits)
    values = .allocate(capacity: self.capacity + 1)  // + 1: the branchless copy's spare slot
  }

  deinit {
    histogram.deallocate()
    values.deallocate()
  }
}

/// The values of ranks `rank − 1` (nil when rank is 0) and `rank` (0-based, ascending) among
/// a[i·stride + j] for 0 ≤ i < j < n: the n(n−1)/2 entries above the diagonal.
/// - Precondition: every such entry is finite and ≥ +0; rank < n(n−1)/2; the scratch holds at
///   least n(n−1)/2 values.
/// - Complexity: O(n²) in two passes, plus a quickselect over the values of at most two buckets.
func upperTriangleOrderStatistics(
  _ a: UnsafePointer<Float>, order n: Int, stride: Int, rank: Int,
  scratch: OrderStatisticsScratch
) -> (below: Float?, at: Float) {
  let count = n * (n - 1) / 2
  precondition(rank >= 0 && rank < count && scratch.capacity >= count)
  let shift = UInt32(31 - OrderStatisticsScratch.bucketBits)
  let buckets = 1 << OrderStatisticsScratch.bucketBits
  let histogram = scratch.histogram
  histogram.update(repeating: 0, count: buckets)
  for i in 0..<(n - 1) {
    let row = UnsafeRawPointer(a + i &* stride).assumingMemoryBound(to: UInt32.self)
    for j in (i + 1)..<n { histogram[Int(row[j] &>> shift)] &+= 1 }
  }
  // Buckets of ranks rank − 1 and rank: lowBucket ≤ highBucket, nothing in between.
  let lowRank = max(rank - 1, 0)
  var seen = 0
  var bucket = 0
  while seen + Int(histogram[bucket]) <= lowRank {
    seen += Int(histogram[bucket])
    bucket += 1
  }
  let lowBucket = bucket
  let before = seen  // values in buckets below lowBucket
  while seen + Int(histogram[bucket]) <= rank {
    seen += Int(histogram[bucket])
    bucket += 1
  }
  let highBucket = bucket
  // Copy out the values of buckets lowBucket…highBucket (ranks `before` onwards). Branchless:
  // every value is stored at the end of the list and the end moves only for those in range
  // (noisy projections crowd the buckets near the median, so a branch here mispredicts often).
  // The store one past the last kept value needs one spare slot.
  let values = scratch.values
  var m = 0
  let lo = UInt32(lowBucket), width = UInt32(highBucket - lowBucket)
  for i in 0..<(n - 1) {
    let row = a + i &* stride
    let bits = UnsafeRawPointer(row).assumingMemoryBound(to: UInt32.self)
    for j in (i + 1)..<n {
      values[m] = row[j]
      m &+= (bits[j] &>> shift) &- lo <= width ? 1 : 0
    }
  }
  let local = rank - before
  select(values, m, local)
  let at = values[local]
  guard rank > 0 else { return (nil, at) }
  // Rank − 1: the largest value before position `local` after the partition.
  var below = -Float.infinity
  for p in 0..<local where values[p] > below { below = values[p] }
  return (below, at)
}
