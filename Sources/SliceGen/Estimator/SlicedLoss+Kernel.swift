// One slice of the smoothed-sliced f-divergence: kernel mean matching ratio, loss, and gradient
// with respect to the synthetic projections. Generic over the arithmetic type T (Float, Double)
// and the input type In; the caller (SlicedLoss.swift) runs slices in parallel, one workspace
// per worker. Not here: bandwidth-independent bookkeeping, thread dispatch, sliced Wasserstein.
//
// For slice t, with R (b_r × k) the real and S (b_s × k) the synthetic projections:
//   bandwidth base h₀ = median over pairs i < i' of ‖R_i − R_i'‖ (real points only; for an even
//     number of pairs, the root of the mean of the two middle squared distances). It depends on
//     R alone, so treating it as a constant in the gradient is exact, not an approximation, and
//     the bandwidth does not chase the generator. h₀ = 1 if the median is 0 (all real points
//     equal) or there are fewer than two real points.
//   for each multiplier w_q:  h_q = w_q·h₀,
//     K_q[i,j] = exp(−‖R_i − S_j‖²/(2h_q²)),  A_q = (K_rr,q + τI)⁻¹  (Cholesky L_q L_qᵀ),
//     r_q = A_q (b_r/b_s) K_q 1                 (kernel mean matching, see Divergence.swift)
//   r = (1/H) Σ_q r_q,  r̃_i = max(r_i, floor),  loss_t = Σ_i g(r̃_i)  (the caller divides by m·b_r).
//
// Gradient (L = (1/(m b_r)) Σ_t loss_t). Only K_q depends on S:
//   ∂L/∂r_i   = g′(r̃_i)/(m b_r) if r_i > floor, else 0 (a clipped entry is locally constant);
//   r = (1/H) Σ_q (b_r/b_s) A_q c_q with c_q = K_q 1, A_q symmetric
//     ⇒ ∂L/∂c_q = (b_r/(b_s H)) A_q ∂L/∂r    (one more solve with L_q);
//   ∂c_q,i/∂S_j = ∂/∂S_j exp(−‖R_i − S_j‖²/(2h_q²)) = K_q[i,j] (R_i − S_j)/h_q²
//     ⇒ ∂L/∂S_j = Σ_q Σ_i (∂L/∂c_q,i) K_q[i,j] (R_i − S_j)/h_q².
// The difference R_i − S_j is formed per term (not Σ K R_i − S_j Σ K) to avoid cancellation.
//
// Cost per slice: 2·b_r·(b_r/2 + b_s)·k for distances, H·(b_r²/2 + b_r b_s) exponentials,
// H·b_r³/6 multiply–adds for the factors, 4H·b_r² for the solves, H·b_r·b_s·(k+1) for the
// gradient. Memory: H factors and H kernel blocks are kept between the forward and backward
// passes, H·(b_r² + b_r b_s) values of T.

import SliceGenNumerics

/// Buffers for one slice at a time, sized for the largest batch; reused every step.
final class KernelWorkspace<T: EstimatorScalar> {
  let maxBatch: Int
  let k: Int
  let bandwidths: Int
  let rT: UnsafeMutablePointer<T>  // (k, maxBatch) real coordinates, one row per dimension
  let sT: UnsafeMutablePointer<T>  // (k, maxBatch) synthetic coordinates
  let drr: UnsafeMutablePointer<T>  // (maxBatch, maxBatch) squared distances, upper part
  let drs: UnsafeMutablePointer<T>  // (maxBatch, maxBatch) real–synthetic squared distances
  let factors: UnsafeMutablePointer<T>  // (H, maxBatch, maxBatch) Cholesky factors L_q (Double)
  let blocked: [BlockedCholesky]  // (H) Float: the factors in the fast kernel's own storage
  let kernels: UnsafeMutablePointer<T>  // (H, maxBatch, maxBatch) K_q, row i real, column j syn.
  let perBandwidth: UnsafeMutablePointer<T>  // (H, maxBatch) r_q, then ∂L/∂c_q
  let ratio: UnsafeMutablePointer<Double>  // (maxBatch) r
  let lossGradient: UnsafeMutablePointer<Double>  // (maxBatch) ∂L/∂r
  let gradientSum: UnsafeMutablePointer<T>  // (k, maxBatch) ∂L/∂S, one row per dimension
  let pairs: UnsafeMutablePointer<T>  // (maxBatch·(maxBatch−1)/2) median scratch (Double)
  let orderStatistics: OrderStatisticsScratch  // median scratch (Float: radix selection)

  init(maxBatch: Int, sliceDimension k: Int, bandwidths: Int) {
    self.maxBatch = maxBatch
    self.k = k
    self.bandwidths = bandwidths
    let b2 = maxBatch * maxBatch
    func make<U: BinaryFloatingPoint>(_ count: Int, _: U.Type) -> UnsafeMutablePointer<U> {
      let p = UnsafeMutablePointer<U>.allocate(capacity: max(count, 1))
      p.initialize(repeating: 0, count: max(count, 1))
      return p
    }
    rT = make(k * maxBatch, T.self)
    sT = make(k * maxBatch, T.self)
    drr = make(b2, T.self)
    drs = make(b2, T.self)
    factors = make(T.self == Float.self ? 0 : bandwidths * b2, T.self)
    blocked =
      T.self == Float.self
      ? (0..<bandwidths).map { _ in BlockedCholesky(capacity: maxBatch) } : []
    kernels = make(bandwidths * b2, T.self)
    perBandwidth = make(bandwidths * maxBatch, T.self)
    ratio = make(maxBatch, Double.self)
    lossGradient = make(maxBatch, Double.self)
    gradientSum = make(k * maxBatch, T.self)
    let pairCount = maxBatch * (maxBatch - 1) / 2
    pairs = make(T.self == Float.self ? 0 : pairCount, T.self)
    orderStatistics = OrderStatisticsScratch(capacity: T.self == Float.self ? pairCount : 0)
  }

  deinit {
    for p in [rT, sT, drr, drs, factors, kernels, perBandwidth, gradientSum, pairs] {
      p.deallocate()
    }
    ratio.deallocate()
    lossGradient.deallocate()
  }

  /// Loss sum Σ_i g(r̃_i) of slice t (not yet divided by m·b_r); when `gradient` is given,
  /// writes ∂L/∂S into its columns t·k ..< (t+1)·k, using `gradientScale` = 1/(m·b_r).
  func evaluate<In: BinaryFloatingPoint>(
    slice t: Int, real: UnsafePointer<In>, realRows br: Int, synthetic: UnsafePointer<In>,
    syntheticRows bs: Int, rowWidth: Int, configuration: EstimatorConfiguration,
    gradientScale: Double, gradient: UnsafeMutablePointer<In>?
  ) throws(EstimatorError) -> Double {
    let k = self.k
    let h = bandwidths
    let nb = maxBatch
    // Gather the slice, transposed: rT[d·nb + i] = R[i, t·k + d].
    for d in 0..<k {
      let column = t &* k &+ d
      for i in 0..<br { rT[d &* nb &+ i] = T(real[i &* rowWidth &+ column]) }
      for j in 0..<bs { sT[d &* nb &+ j] = T(synthetic[j &* rowWidth &+ column]) }
    }
    // Squared distances: drr (upper, j > i) and drs (full).
    for i in 0..<br {
      let rowRR = drr + i &* nb
      let rowRS = drs + i &* nb
      for j in (i &+ 1)..<max(br, i &+ 1) { rowRR[j] = 0 }
      for j in 0..<bs { rowRS[j] = 0 }
      for d in 0..<k {
        let xi = rT[d &* nb &+ i]
        addSquaredDifferences(rowRR + (i &+ 1), rT + (d &* nb &+ i &+ 1), xi, br &- i &- 1)
        addSquaredDifferences(rowRS, sT + d &* nb, xi, bs)
      }
    }
    let base = medianDistance(br)
    let ratioScale = Double(br) / Double(bs)
    for i in 0..<br { ratio[i] = 0 }
    let multipliers = configuration.bandwidthMultipliers
    let tau = T(configuration.tau)
    // Kernels first, then factors: a kernel derived from another (below) must be read before
    // that one is factored in place.
    let sources = blocked.isEmpty ? [Int?](repeating: nil, count: h) : kernelSources(multipliers)
    for pass in 0..<2 {
      for q in 0..<h where (sources[q] == nil) == (pass == 0) {
        fillKernels(
          q, source: sources[q],
          gamma: 1 / (2 * T(multipliers[q]) * base * T(multipliers[q]) * base),
          br: br, bs: bs, tau: tau, ratioScale: T(ratioScale))
      }
    }
    for q in 0..<h {
      let rq = perBandwidth + q &* nb
      do throws(CholeskyFailure) {
        if blocked.isEmpty {
          try factorInPlace(factors + q &* nb &* nb, br, nb)
        } else {
          try blocked[q].factor(order: br)
        }
      } catch {
        throw .notPositiveDefinite(
          slice: t, bandwidth: Double(T(multipliers[q]) * base), pivot: error.pivot)
      }
      solve(q, rq, br)
      for i in 0..<br { ratio[i] += Double(rq[i]) }
    }
    // Ensemble average, clipping, loss and ∂L/∂r.
    let divergence = configuration.divergence
    let floor = configuration.ratioFloor
    var loss = 0.0
    for i in 0..<br {
      let raw = ratio[i] / Double(h)
      let clipped = max(raw, floor)
      loss += divergence.ratioLoss(clipped)
      lossGradient[i] = raw > floor ? divergence.ratioLossDerivative(clipped) * gradientScale : 0
    }
    guard let gradient else { return loss }
    // Backward: ∂L/∂c_q = (b_r/(b_s H)) A_q ∂L/∂r, then ∂L/∂S_j.
    for e in 0..<(k &* nb) { gradientSum[e] = 0 }
    let cScale = ratioScale / Double(h)
    for q in 0..<h {
      let bandwidth = T(multipliers[q]) * base
      let inverseSquare = 1 / (bandwidth * bandwidth)
      let kq = kernels + q &* nb &* nb
      let wq = perBandwidth + q &* nb
      for i in 0..<br { wq[i] = T(lossGradient[i] * cScale) }
      solve(q, wq, br)
      for i in 0..<br {
        let coefficient = wq[i] * inverseSquare
        if coefficient == 0 { continue }
        for d in 0..<k {
          addWeightedDifferences(
            gradientSum + d &* nb, kq + i &* nb, coefficient, rT[d &* nb &+ i], sT + d &* nb, bs)
        }
      }
    }
    for j in 0..<bs {
      for d in 0..<k {
        gradient[j &* rowWidth &+ t &* k &+ d] = In(gradientSum[d &* nb &+ j])
      }
    }
    return loss
  }

  /// Median over i < i' < b_r of ‖R_i − R_i'‖ (see the file header), from drr.
  private func medianDistance(_ br: Int) -> T {
    let count = br * (br - 1) / 2
    guard count > 0 else { return 1 }
    if T.self == Float.self {
      // Radix selection (OrderStatistics.swift): the same order statistics, in two passes.
      let (below, at) = upperTriangleOrderStatistics(
        UnsafeRawPointer(drr).assumingMemoryBound(to: Float.self), order: br, stride: nb,
        rank: count / 2, scratch: orderStatistics)
      var squared = T(at)
      if count % 2 == 0 { squared = (squared + T(below!)) / 2 }
      let median = squared.squareRoot()
      return median > 0 && median.isFinite ? median : 1
    }
    var e = 0
    for i in 0..<(br - 1) {
      let row = drr + i &* nb
      for j in (i + 1)..<br {
        pairs[e] = row[j]
        e &+= 1
      }
    }
    let mid = count / 2
    select(pairs, count, mid)
    var squared = pairs[mid]
    if count % 2 == 0 {
      var below = pairs[0]
      for p in 1..<mid where pairs[p] > below { below = pairs[p] }
      squared = (squared + below) / 2
    }
    let median = squared.squareRoot()
    return median > 0 && median.isFinite ? median : 1
  }

  private var nb: Int { maxBatch }

  /// For each bandwidth q, a directly computed bandwidth q′ with w_q′ = 2·w_q, or nil. Then
  /// γ_q = 4·γ_q′ and K_q = K_q′⁴ entrywise: two squarings instead of an exponential (the default
  /// multipliers {0.5, 1, 2} need two exponentials instead of three). Derived only from direct
  /// kernels, so the relative error stays within 4× the exponential's (≲ 9 ulp). Float only.
  private func kernelSources(_ multipliers: [Double]) -> [Int?] {
    var sources = [Int?](repeating: nil, count: multipliers.count)
    for q in multipliers.indices.sorted(by: { multipliers[$0] > multipliers[$1] }) {
      sources[q] = multipliers.indices.first {
        multipliers[$0] == 2 * multipliers[q] && sources[$0] == nil
      }
    }
    return sources
  }

  /// K_rr,q + τI (upper triangle, by rows) into bandwidth q's factor storage (the Float kernel's
  /// own padded matrix, or this workspace's buffer, mirrored for the general Double kernel, which
  /// reads the lower triangle), K_rs,q into `kernels`, and r_q's right-hand side (b_r/b_s)·K_q 1.
  private func fillKernels(
    _ q: Int, source: Int?, gamma: T, br: Int, bs: Int, tau: T, ratioScale: T
  ) {
    let fast = blocked.isEmpty ? nil : blocked[q]
    let lStride = fast?.stride ?? nb
    let l =
      fast.map { UnsafeMutableRawPointer($0.matrix).assumingMemoryBound(to: T.self) }
      ?? factors + q &* nb &* nb
    let kq = kernels + q &* nb &* nb
    let rq = perBandwidth + q &* nb
    if let source {
      // Float only (kernelSources): K_q = K_source⁴.
      func float(_ p: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<Float> {
        UnsafeMutableRawPointer(p).assumingMemoryBound(to: Float.self)
      }
      let from = float(
        UnsafeMutableRawPointer(blocked[source].matrix).assumingMemoryBound(to: T.self))
      let kFrom = float(kernels + source &* nb &* nb)
      for i in 0..<br {
        let diagonal = i &* lStride &+ i
        _ = Float.fourthPower(
          from + (diagonal &+ 1), into: float(l) + (diagonal &+ 1), count: br &- i &- 1)
        l[diagonal] = 1 + tau
        rq[i] =
          ratioScale * T(Float.fourthPower(kFrom + i &* nb, into: float(kq) + i &* nb, count: bs))
      }
      return
    }
    for i in 0..<br {
      let diagonal = i &* lStride &+ i
      _ = T.negativeExp(
        drr + (i &* nb &+ i &+ 1), scale: gamma, into: l + (diagonal &+ 1), count: br &- i &- 1)
      l[diagonal] = 1 + tau
      rq[i] = ratioScale * T.negativeExp(drs + i &* nb, scale: gamma, into: kq + i &* nb, count: bs)
    }
    if fast == nil {
      for i in 0..<br { for j in (i &+ 1)..<max(br, i &+ 1) { l[j &* nb &+ i] = l[i &* nb &+ j] } }
    }
  }

  /// (K_rr,q + τI) x = b in place with bandwidth q's factor.
  private func solve(_ q: Int, _ b: UnsafeMutablePointer<T>, _ br: Int) {
    if blocked.isEmpty {
      solveInPlace(factors + q &* nb &* nb, br, nb, b)
    } else {
      blocked[q].solve(UnsafeMutableRawPointer(b).assumingMemoryBound(to: Float.self))
    }
  }
}

// MARK: - Small kernels

/// row[j] += (coords[j] − x)² for j < count.
@inline(__always)
func addSquaredDifferences<T: EstimatorScalar>(
  _ row: UnsafeMutablePointer<T>, _ coords: UnsafePointer<T>, _ x: T, _ count: Int
) {
  let rr = UnsafeMutableRawPointer(row), rc = UnsafeRawPointer(coords)
  let xv = SIMD16<T>(repeating: x)
  let width = MemoryLayout<T>.stride
  var j = 0
  while j &+ 16 <= count {
    let o = j &* width
    let diff = rc.loadUnaligned(fromByteOffset: o, as: SIMD16<T>.self) - xv
    let sum = rr.loadUnaligned(fromByteOffset: o, as: SIMD16<T>.self) + diff * diff
    rr.storeBytes(of: sum, toByteOffset: o, as: SIMD16<T>.self)
    j &+= 16
  }
  while j < count {
    let diff = coords[j] - x
    row[j] += diff * diff
    j &+= 1
  }
}

/// sum[j] += c·kernel[j]·(x − coords[j]) for j < count.
@inline(__always)
func addWeightedDifferences<T: EstimatorScalar>(
  _ sum: UnsafeMutablePointer<T>, _ kernel: UnsafePointer<T>, _ c: T, _ x: T,
  _ coords: UnsafePointer<T>, _ count: Int
) {
  let rs = UnsafeMutableRawPointer(sum), rk = UnsafeRawPointer(kernel)
  let rc = UnsafeRawPointer(coords)
  let cv = SIMD16<T>(repeating: c), xv = SIMD16<T>(repeating: x)
  let width = MemoryLayout<T>.stride
  var j = 0
  while j &+ 16 <= count {
    let o = j &* width
    let kv = rk.loadUnaligned(fromByteOffset: o, as: SIMD16<T>.self) * cv
    let diff = xv - rc.loadUnaligned(fromByteOffset: o, as: SIMD16<T>.self)
    let s = rs.loadUnaligned(fromByteOffset: o, as: SIMD16<T>.self) + kv * diff
    rs.storeBytes(of: s, toByteOffset: o, as: SIMD16<T>.self)
    j &+= 16
  }
  while j < count {
    sum[j] += c * kernel[j] * (x - coords[j])
    j &+= 1
  }
}

/// Partially sorts a[0..<n] so that a[kth] is the value a full sort would put there, smaller
/// or equal values before it (Hoare quickselect, median-of-three pivot; deterministic).
func select<T: Comparable>(_ a: UnsafeMutablePointer<T>, _ n: Int, _ kth: Int) {
  var lo = 0, hi = n - 1
  while hi > lo {
    let mid = lo + (hi - lo) / 2
    // Median of three as pivot.
    if a[mid] < a[lo] { swap(&a[mid], &a[lo]) }
    if a[hi] < a[lo] { swap(&a[hi], &a[lo]) }
    if a[hi] < a[mid] { swap(&a[hi], &a[mid]) }
    let pivot = a[mid]
    var i = lo, j = hi
    while i <= j {
      while a[i] < pivot { i += 1 }
      while pivot < a[j] { j -= 1 }
      if i <= j {
        if i != j { swap(&a[i], &a[j]) }
        i += 1
        j -= 1
      }
    }
    if kth <= j {
      hi = j
    } else if kth >= i {
      lo = i
    } else {
      return
    }
  }
}

@inline(__always)
func factorInPlace<T: EstimatorScalar>(
  _ l: UnsafeMutablePointer<T>, _ n: Int, _ stride: Int
) throws(CholeskyFailure) {
  if T.self == Float.self {
    try Cholesky.factor(
      UnsafeMutableRawPointer(l).assumingMemoryBound(to: Float.self), order: n, stride: stride)
  } else {
    try Cholesky.factor(
      UnsafeMutableRawPointer(l).assumingMemoryBound(to: Double.self), order: n, stride: stride)
  }
}

@inline(__always)
func solveInPlace<T: EstimatorScalar>(
  _ l: UnsafePointer<T>, _ n: Int, _ stride: Int, _ b: UnsafeMutablePointer<T>
) {
  if T.self == Float.self {
    Cholesky.solve(
      factor: UnsafeRawPointer(l).assumingMemoryBound(to: Float.self), order: n, stride: stride,
      UnsafeMutableRawPointer(b).assumingMemoryBound(to: Float.self))
  } else {
    Cholesky.solve(
      factor: UnsafeRawPointer(l).assumingMemoryBound(to: Double.self), order: n, stride: stride,
      UnsafeMutableRawPointer(b).assumingMemoryBound(to: Double.self))
  }
}
