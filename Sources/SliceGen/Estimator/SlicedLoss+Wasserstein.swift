// The sliced 2-Wasserstein objective of the paper's "SliceWass" baseline, on the same release
// and the same fit loop: every released column is a 1-D slice (k = 1 in the paper; with k > 1
// each of the m·k columns counts as its own slice). Not here: kernels, ratios, dispatch.
//
// For column c with b real values x and b synthetic values y (equal batch sizes), the squared
// W2 distance between the two empirical measures is the mean squared difference of the sorted
// values: W_c = (1/b) Σ_p (y_(p) − x_(p))², and the loss is the mean over the m' columns,
//   L = (1/(m' b)) Σ_c Σ_p (y_(p) − x_(p))².
// Away from ties the sort permutation is locally constant, so
//   ∂L/∂y_{π(p)} = 2 (y_(p) − x_(p)) / (m' b),   π the permutation sorting y,
// i.e. the gradient is scattered back through the permutation. Ties are broken by row index,
// so the result is deterministic. Sorting is an in-place heapsort: no allocation per step.

/// Buffers for one column at a time.
final class WassersteinWorkspace {
  let real: UnsafeMutablePointer<Double>  // (maxBatch) sorted real values
  let synthetic: UnsafeMutablePointer<Double>  // (maxBatch) synthetic values, row order
  let order: UnsafeMutablePointer<Int>  // (maxBatch) rows of the synthetic values, sorted

  init(maxBatch: Int) {
    real = .allocate(capacity: max(maxBatch, 1))
    synthetic = .allocate(capacity: max(maxBatch, 1))
    order = .allocate(capacity: max(maxBatch, 1))
  }

  deinit {
    real.deallocate()
    synthetic.deallocate()
    order.deallocate()
  }

  /// Σ_p (y_(p) − x_(p))² of column c (the caller divides by m'·b); writes the gradient
  /// column scaled by `gradientScale` = 1/(m'·b) when `gradient` is given.
  func evaluate<In: BinaryFloatingPoint>(
    column c: Int, real x: UnsafePointer<In>, synthetic y: UnsafePointer<In>, rows b: Int,
    rowWidth: Int, gradientScale: Double, gradient: UnsafeMutablePointer<In>?
  ) -> Double {
    for p in 0..<b {
      real[p] = Double(x[p &* rowWidth &+ c])
      synthetic[p] = Double(y[p &* rowWidth &+ c])
      order[p] = p
    }
    heapSort(count: b) { i, j in
      real[i] < real[j]
    } swap: { i, j in
      swap(&real[i], &real[j])
    }
    let values = synthetic
    heapSort(count: b) { i, j in
      let u = values[order[i]], v = values[order[j]]
      return u < v || (u == v && order[i] < order[j])
    } swap: { i, j in
      swap(&order[i], &order[j])
    }
    var loss = 0.0
    for p in 0..<b {
      let row = order[p]
      let difference = synthetic[row] - real[p]
      loss += difference * difference
      if let gradient { gradient[row &* rowWidth &+ c] = In(2 * difference * gradientScale) }
    }
    return loss
  }
}

/// Heapsort of positions 0..<count through an index comparison and an index swap.
/// - Complexity: O(count·log count), no allocation.
@inline(__always)
func heapSort(
  count n: Int, less: (Int, Int) -> Bool, swap exchange: (Int, Int) -> Void
) {
  func siftDown(_ start: Int, _ end: Int) {
    var root = start
    while true {
      var child = 2 &* root &+ 1
      if child >= end { return }
      if child &+ 1 < end && less(child, child &+ 1) { child &+= 1 }
      if !less(root, child) { return }
      exchange(root, child)
      root = child
    }
  }
  if n < 2 { return }
  var start = n / 2 - 1
  while start >= 0 {
    siftDown(start, n)
    start -= 1
  }
  var end = n - 1
  while end > 0 {
    exchange(0, end)
    siftDown(0, end)
    end -= 1
  }
}
