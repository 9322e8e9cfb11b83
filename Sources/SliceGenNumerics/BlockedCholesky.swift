// Fast Float Cholesky factor A = L·Lᵀ and solves for the kernel estimator's many small systems
// (one (b × b) matrix K + τI per slice and bandwidth, b = 64 … 512, two solves per factor).
//
// It deliberately is not general: Float only, no pivoting, one matrix at a time (the caller runs
// independent matrices on different threads), and its own padded storage, which the caller
// fills. The row-by-row kernel in Cholesky.swift (any stride, Float and Double) stays the
// general entry point; `CholeskyReference` is the ground truth both are tested against.
//
// Why another kernel: the row-by-row (Banachiewicz) form computes every L[i,j] as a dot product,
// so it pays one horizontal vector reduction per entry, which on 128 × 128 costs more than the
// multiply–adds. This one works on columns, blocked by 16 (one SIMD16 vector):
//
// Storage: the caller writes A's upper triangle row by row (row i, columns j ≥ i, at
// i·stride + j). Read the other way, that is A's lower triangle stored by columns: column c of
// the lower triangle is contiguous at c·stride, rows c…n−1. Everything below uses that view;
// "column c, rows r…" is one or more SIMD16 loads. L ends up in the same place (column c of L at
// c·stride + r, r ≥ c).
//
//   for each block J of 16 columns c0 ..< c0+16:
//     (a) factor the diagonal block D = L_D·L_Dᵀ, right-looking on its 16 columns held as
//         vectors: col_p /= sqrt(pivot_p); col_q −= L[q,p]·col_p for q > p;
//     (b) L_D⁻¹ by rows (N_p = (e_p − Σ_{q<p} L[p,q]·N_q)/L[p,p]) and by columns
//         (M_p = (e_p − Σ_{q>p} L[q,p]·M_q)/L[p,p], the rows of L_D⁻ᵀ), both vector recurrences;
//     (c) panel, rows i below the block: L[i, J] = A[i, J]·L_D⁻ᵀ, i.e. column by column
//         newcol_c = Σ_{p≤c} L_D⁻¹[c,p]·col_p over 16-row chunks (broadcast multiply–adds);
//     (d) trailing update of every later column j, rows from j's block onwards:
//         col_j −= Σ_{p<16} L[j, c0+p]·col_{c0+p}, four columns j at a time sharing the loads.
//   No step transposes or reduces a vector horizontally. Steps (a) and (d) also write the part of
//   each diagonal block above the diagonal (in the column view); that is scratch in this type's
//   own storage, zeroed before use and never read as a result. Padding rows n ..< stride are
//   zero and stay zero.
//
// Solves, L·Lᵀ x = b:
//   forward  z_J = L_D⁻¹·y_J (Σ_p y_p·M_p), then y[later rows] −= Σ_p z_p·col_{c0+p}[later rows];
//   backward acc_p = y_{c0+p} − col_{c0+p}[later]·x[later] (16 dot products: the one place with
//            horizontal sums, 16 per block), x_J = L_D⁻ᵀ·acc (Σ_p acc_p·N_p).
// Using the inverse of a 16 × 16 diagonal block instead of substitution changes rounding only;
// the tests hold factor and solutions to the reference within Float tolerances.
//
// Failure: a pivot that is not positive and finite throws `CholeskyFailure` with its row, as the
// general kernel does (NaN in the input reaches a pivot).

/// A Cholesky factorisation workspace for matrices of order up to `capacity`.
///
/// Fill the upper triangle (i ≤ j < n) of `matrix` row by row (row stride `stride`), call
/// `factor(order:)`, then `solve` any number of right-hand sides. Not thread-safe; one per worker.
public final class BlockedCholesky {
  /// The largest order this workspace takes.
  public let capacity: Int
  /// Row stride of `matrix`: capacity rounded up to a multiple of 16.
  public let stride: Int
  /// (capacity × stride) A's upper triangle by rows (= lower triangle by columns), then L's
  /// columns in the same places.
  public let matrix: UnsafeMutablePointer<Float>
  private let inverseColumns: UnsafeMutablePointer<SIMD16<Float>>  // (blocks, 16) M_p
  private let inverseRows: UnsafeMutablePointer<SIMD16<Float>>  // (blocks, 16) N_p = row p of L_D⁻¹
  private let work: UnsafeMutablePointer<Float>  // (stride) padded right-hand side
  private let coefficients: UnsafeMutablePointer<Float>  // (4 · 16) −L[j, J] of four columns
  private let diagonal: UnsafeMutablePointer<SIMD16<Float>>  // (16) the diagonal block's columns
  // (16) e_p (a lane insert at a variable index goes through memory)
  private let units: UnsafeMutablePointer<SIMD16<Float>>
  /// The order of the last successful factorisation (0 before the first).
  public private(set) var order = 0

  public init(capacity: Int) {
    precondition(capacity >= 1, "BlockedCholesky: capacity \(capacity)")
    self.capacity = capacity
    stride = (capacity + 15) / 16 * 16
    let blocks = stride / 16
    matrix = .allocate(capacity: stride * stride)
    matrix.initialize(repeating: 0, count: stride * stride)
    inverseColumns = .allocate(capacity: blocks * 16)
    inverseColumns.initialize(repeating: SIMD16(), count: blocks * 16)
    inverseRows = .allocate(capacity: blocks * 16)
    inverseRows.initialize(repeating: SIMD16(), count: blocks * 16)
    work = .allocate(capacity: stride)
    work.initialize(repeating: 0, count: stride)
    coefficients = .allocate(capacity: 64)
    coefficients.initialize(repeating: 0, count: 64)
    diagonal = .allocate(capacity: 16)
    diagonal.initialize(repeating: SIMD16(), count: 16)
    units = .allocate(capacity: 16)
    for p in 0..<16 {
      var e = SIMD16<Float>()
      e[p] = 1
      (units + p).initialize(to: e)
    }
  }

  deinit {
    matrix.deallocate()
    inverseColumns.deallocate()
    inverseRows.deallocate()
    work.deallocate()
    coefficients.deallocate()
    diagonal.deallocate()
    units.deallocate()
  }

  /// L[i, j] of the last factorisation (0 above the diagonal).
  public func factorEntry(row i: Int, column j: Int) -> Float {
    precondition(i < order && j < order)
    return j <= i ? matrix[j * stride + i] : 0
  }

  @inline(__always)
  private func load(_ column: Int, _ row: Int) -> SIMD16<Float> {
    UnsafeRawPointer(matrix + (column &* stride &+ row)).loadUnaligned(as: SIMD16<Float>.self)
  }

  @inline(__always)
  private func store(_ v: SIMD16<Float>, _ column: Int, _ row: Int) {
    UnsafeMutableRawPointer(matrix + (column &* stride &+ row)).storeBytes(
      of: v, as: SIMD16<Float>.self)
  }

  /// Factors the matrix (order n) in place.
  /// - Throws: `CholeskyFailure` at the first pivot that is not positive and finite.
  /// - Complexity: n³/6 multiply–adds, almost all as SIMD16 instructions.
  public func factor(order n: Int) throws(CholeskyFailure) {
    precondition(n >= 1 && n <= capacity, "BlockedCholesky: order \(n), capacity \(capacity)")
    order = 0
    let s = stride
    let rowsEnd = (n + 15) / 16 * 16  // rows touched by 16-row chunks
    // Scratch above the diagonal inside each diagonal block, and padding rows: zero.
    for c in 0..<n {
      let column = matrix + c &* s
      let blockStart = c / 16 * 16
      if blockStart < c { (column + blockStart).update(repeating: 0, count: c &- blockStart) }
      if n < rowsEnd { (column + n).update(repeating: 0, count: rowsEnd &- n) }
    }
    let blocks = rowsEnd / 16
    for block in 0..<blocks {
      let c0 = block &* 16
      let w = min(16, n &- c0)
      try factorDiagonalBlock(block: block, c0: c0, w: w)
      guard c0 &+ 16 < n else { break }
      computePanel(block: block, c0: c0, rowsEnd: rowsEnd)
      updateTrailing(c0: c0, n: n, rowsEnd: rowsEnd)
    }
    order = n
  }

  /// Solves L·Lᵀ x = b in place for the last factorisation (`b` has `order` entries).
  /// - Complexity: 2·n²/2 multiply–adds as SIMD16 instructions.
  public func solve(_ b: UnsafeMutablePointer<Float>) {
    let n = order
    precondition(n > 0, "BlockedCholesky: solve before factor")
    let rowsEnd = (n + 15) / 16 * 16
    let y = work
    y.update(from: b, count: n)
    if n < rowsEnd { (y + n).update(repeating: 0, count: rowsEnd &- n) }
    let raw = UnsafeMutableRawPointer(y)
    let blocks = rowsEnd / 16
    // Forward: z_J = L_D⁻¹ y_J, then y[later] −= Σ_p z_p·col_{c0+p}[later].
    for block in 0..<blocks {
      let c0 = block &* 16
      let yJ = raw.load(fromByteOffset: c0 &* 4, as: SIMD16<Float>.self)
      let z = combination(SIMD16(), inverseColumns + block &* 16, 0..<16) { p in yJ[p] }
      raw.storeBytes(of: z, toByteOffset: c0 &* 4, as: SIMD16<Float>.self)
      let negated = -z
      var ic = c0 &+ 16
      while ic < rowsEnd {
        var acc = raw.load(fromByteOffset: ic &* 4, as: SIMD16<Float>.self)
        for p in 0..<16 {
          acc = acc.adding(product: SIMD16(repeating: negated[p]), load(c0 &+ p, ic))
        }
        raw.storeBytes(of: acc, toByteOffset: ic &* 4, as: SIMD16<Float>.self)
        ic &+= 16
      }
    }
    // Backward: acc_p = y_{c0+p} − col_{c0+p}[later]·x[later], x_J = L_D⁻ᵀ acc.
    var block = blocks &- 1
    while block >= 0 {
      let c0 = block &* 16
      var acc = raw.load(fromByteOffset: c0 &* 4, as: SIMD16<Float>.self)
      if c0 &+ 16 < rowsEnd {
        for p in 0..<16 {
          var t0 = SIMD16<Float>(), t1 = SIMD16<Float>()
          var ic = c0 &+ 16
          while ic &+ 32 <= rowsEnd {
            t0 = t0.adding(
              product: load(c0 &+ p, ic), raw.load(fromByteOffset: ic &* 4, as: SIMD16<Float>.self))
            t1 = t1.adding(
              product: load(c0 &+ p, ic &+ 16),
              raw.load(fromByteOffset: (ic &+ 16) &* 4, as: SIMD16<Float>.self))
            ic &+= 32
          }
          if ic < rowsEnd {
            t0 = t0.adding(
              product: load(c0 &+ p, ic), raw.load(fromByteOffset: ic &* 4, as: SIMD16<Float>.self))
          }
          acc[p] -= (t0 + t1).sum()
        }
      }
      let x = combination(SIMD16(), inverseRows + block &* 16, 0..<16) { p in acc[p] }
      raw.storeBytes(of: x, toByteOffset: c0 &* 4, as: SIMD16<Float>.self)
      block &-= 1
    }
    b.update(from: y, count: n)
  }

  // MARK: - Steps of the factorisation

  /// start + Σ_{p in range} coefficient(p)·vectors[p], with four accumulators: a single one
  /// would make every multiply–add wait for the previous one (latency, not throughput, bound).
  @inline(__always)
  private func combination(
    _ start: SIMD16<Float>, _ vectors: UnsafePointer<SIMD16<Float>>, _ range: Range<Int>,
    _ coefficient: (Int) -> Float
  ) -> SIMD16<Float> {
    var a0 = start, a1 = SIMD16<Float>(), a2 = SIMD16<Float>(), a3 = SIMD16<Float>()
    var p = range.lowerBound
    while p &+ 4 <= range.upperBound {
      a0 = a0.adding(product: SIMD16(repeating: coefficient(p)), vectors[p])
      a1 = a1.adding(product: SIMD16(repeating: coefficient(p &+ 1)), vectors[p &+ 1])
      a2 = a2.adding(product: SIMD16(repeating: coefficient(p &+ 2)), vectors[p &+ 2])
      a3 = a3.adding(product: SIMD16(repeating: coefficient(p &+ 3)), vectors[p &+ 3])
      p &+= 4
    }
    while p < range.upperBound {
      a0 = a0.adding(product: SIMD16(repeating: coefficient(p)), vectors[p])
      p &+= 1
    }
    return (a0 + a1) + (a2 + a3)
  }

  /// (a) and (b): the diagonal block's factor (its 16 columns as vectors over its 16 rows) and
  /// the rows and columns of its inverse. Lanes and columns beyond w (last block) are zero.
  private func factorDiagonalBlock(block: Int, c0: Int, w: Int) throws(CholeskyFailure) {
    let d = diagonal
    for p in 0..<16 { d[p] = p < w ? load(c0 &+ p, c0) : SIMD16() }
    let lane = SIMD16<Int32>(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15)
    for p in 0..<w {
      let pivot = d[p][p]
      guard pivot > 0, pivot.isFinite else {
        throw CholeskyFailure(pivot: c0 &+ p, value: Double(pivot))
      }
      // Column p of L: lanes ≥ p; the scratch lanes above the diagonal become 0.
      let column = (d[p] * (1 / pivot.squareRoot())).replacing(with: 0, where: lane .< Int32(p))
      d[p] = column
      for q in (p &+ 1)..<max(w, p &+ 1) {
        d[q] = d[q].adding(product: SIMD16(repeating: -column[q]), column)
      }
    }
    for p in 0..<16 where p < w { store(d[p], c0 &+ p, c0) }
    // N_p = (e_p − Σ_{q<p} L[p,q]·N_q)/L[p,p], L[p,q] = d[q][p].
    let nRows = inverseRows + block &* 16
    for p in 0..<16 {
      guard p < w else {
        nRows[p] = SIMD16()
        continue
      }
      let v = combination(units[p], nRows, 0..<p) { q in -d[q][p] }
      nRows[p] = v * (1 / d[p][p])
    }
    // M_p = (e_p − Σ_{q>p} L[q,p]·M_q)/L[p,p], L[q,p] = d[p][q]; p from the last down.
    let m = inverseColumns + block &* 16
    var p = 15
    while p >= 0 {
      if p >= w {
        m[p] = SIMD16()
      } else {
        let column = d[p]
        let v = combination(units[p], m, (p &+ 1)..<max(w, p &+ 1)) { q in -column[q] }
        m[p] = v * (1 / column[p])
      }
      p &-= 1
    }
  }

  /// (c) L[i, J] = A[i, J]·L_D⁻ᵀ for rows below the block: newcol_c = Σ_{p≤c} L_D⁻¹[c,p]·col_p,
  /// 16 rows at a time, in place (c from the last down, so each reads only old columns).
  private func computePanel(block: Int, c0: Int, rowsEnd: Int) {
    let inverse = UnsafeRawPointer(inverseRows + block &* 16).assumingMemoryBound(to: Float.self)
    // inverse[c·16 + p] = L_D⁻¹[c, p] (row c of the inverse, as scalars).
    var ic = c0 &+ 16
    let d = diagonal
    while ic < rowsEnd {
      for p in 0..<16 { d[p] = load(c0 &+ p, ic) }
      var c = 15
      while c >= 0 {
        let coefficients = inverse + c &* 16
        store(combination(SIMD16(), d, 0..<(c &+ 1)) { p in coefficients[p] }, c0 &+ c, ic)
        c &-= 1
      }
      ic &+= 16
    }
  }

  /// (d) col_j[rows ≥ block(j)] −= Σ_p L[j, c0+p]·col_{c0+p} for every column j ≥ c0+16, four
  /// columns of a block at a time.
  private func updateTrailing(c0: Int, n: Int, rowsEnd: Int) {
    let s = stride
    let negated = coefficients
    var j = c0 &+ 16
    while j < n {
      let blockEnd = min((j / 16 + 1) * 16, n)
      let columns = min(4, blockEnd &- j)
      let firstRow = j / 16 * 16
      // −L[j+r, c0+p] = −col_{c0+p}[j+r].
      for r in 0..<columns {
        for p in 0..<16 { negated[r &* 16 &+ p] = -matrix[(c0 &+ p) &* s &+ j &+ r] }
      }
      if columns == 4 {
        var ic = firstRow
        while ic < rowsEnd {
          var a0 = load(j, ic), a1 = load(j &+ 1, ic), a2 = load(j &+ 2, ic), a3 = load(j &+ 3, ic)
          for p in 0..<16 {
            let v = load(c0 &+ p, ic)
            a0 = a0.adding(product: SIMD16(repeating: negated[p]), v)
            a1 = a1.adding(product: SIMD16(repeating: negated[16 &+ p]), v)
            a2 = a2.adding(product: SIMD16(repeating: negated[32 &+ p]), v)
            a3 = a3.adding(product: SIMD16(repeating: negated[48 &+ p]), v)
          }
          store(a0, j, ic)
          store(a1, j &+ 1, ic)
          store(a2, j &+ 2, ic)
          store(a3, j &+ 3, ic)
          ic &+= 16
        }
      } else {
        for r in 0..<columns {
          var ic = firstRow
          while ic < rowsEnd {
            var a = load(j &+ r, ic)
            for p in 0..<16 {
              a = a.adding(product: SIMD16(repeating: negated[r &* 16 &+ p]), load(c0 &+ p, ic))
            }
            store(a, j &+ r, ic)
            ic &+= 16
          }
        }
      }
      j &+= columns
    }
  }
}
