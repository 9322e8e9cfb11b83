// The marginal term of the fit (DESIGN §5, §4b): when a release carries noisy marginals, the
// generator's expected marginals over a batch are pulled toward the released (consistent)
// probabilities:
//   L_marg = λ · Σ_j ‖q_j − p̂_j‖²,  q_j = (1/b) Σ_i ⊗_{c ∈ j} p_c(i),
// or with `--marginal-loss kl`, L_marg = λ · Σ_j KL(p̂_j ‖ q_j) = λ · Σ_j Σ_x p̂ log(p̂/q), whose
// gradient −λ·p̂/q weighs a cell's error relative to its size (the L2 form under-weights the many
// small cells of a 2-way table; total variation, what the evaluation scores, counts them all),
// where p_c(i) is the head distribution of column c for synthetic row i (softmax probabilities of
// a categorical head, or of a numeric column's binned head over its public bins).
// Gradient (L2): ∂L/∂p_a(i)[x] = (2λ/b) Σ_y (q − p̂)[x, y] · p_b(i)[y] for a pair (a, b), and
// (2λ/b)(q − p̂)[x] for a 1-way table; KL replaces (q − p̂) by −p̂/(2q). Post-processing of the release: no privacy cost.
//
// As matrix products (`evaluate`): with P_c the (b × k_c) head values of column c over the batch,
//   q_ab = P_aᵀ·P_b / b (TN),  ∂L/∂P_a += (2λ/b)·P_b·R_abᵀ (NT),  ∂L/∂P_b += (2λ/b)·P_a·R_ab (NN),
// R_ab = q_ab − p̂_ab; one gather of every column's block, three Float GEMMs per pair.
// `evaluateReference` is the same term written as plain loops in Double, the version the tests
// hold the fast one to.

import Foundation
import SliceGenNumerics

/// Evaluates the marginal term and its gradient with respect to the generator's head values.
struct MarginalLoss {
  struct Target {
    var columns: [Int]
    var shape: [Int]
    var probabilities: [Double]
  }

  let targets: [Target]
  /// For each kept column, the offset of its head values in a row of `heads`, and their count.
  let headOffsets: [Int]
  let headCounts: [Int]
  let headWidth: Int
  let weight: Double
  let distance: MarginalDistance

  init(marginals: [ReleasedMarginal], names: [String], architecture: GeneratorArchitecture,
       weight: Double, distance: MarginalDistance = .l2) {
    var offsets: [Int] = [], counts: [Int] = []
    var offset = 0
    for block in architecture.blocks {
      offsets.append(offset)
      counts.append(block.logitCount)
      offset += block.logitCount
    }
    headOffsets = offsets
    headCounts = counts
    headWidth = offset
    self.weight = weight
    self.distance = distance
    targets = marginals.map { m in
      Target(columns: m.columns.map { names.firstIndex(of: $0)! }, shape: m.shape,
             probabilities: m.probabilities)
    }
  }

  /// The term's value; adds ∂L/∂heads into `gradient` (batch × headWidth).
  /// - Complexity: three GEMMs of b·k_a·k_b multiply–adds per 2-way marginal.
  func evaluate(heads: [Float], batch b: Int, gradient: inout [Float]) -> Double {
    let columns = headOffsets.count
    // Every column's block, contiguous: blocks[c] is (b × k_c); gradients alike.
    var blocks = [[Float]](repeating: [], count: columns)
    var blockGradients = [[Float]](repeating: [], count: columns)
    let used = Set(targets.flatMap(\.columns))
    for c in used {
      let k = headCounts[c], o = headOffsets[c]
      var block = [Float](repeating: 0, count: b * k)
      heads.withUnsafeBufferPointer { h in
        block.withUnsafeMutableBufferPointer { out in
          for i in 0..<b { (out.baseAddress! + i * k).update(from: h.baseAddress! + i * headWidth + o, count: k) }
        }
      }
      blocks[c] = block
      blockGradients[c] = [Float](repeating: 0, count: b * k)
    }
    var total = 0.0
    let scale = Float(2 * weight / Double(b))
    for target in targets {
      if target.columns.count == 1 {
        let c = target.columns[0], k = target.shape[0]
        precondition(headCounts[c] == k, "head and marginal disagree on the bins")
        var q = [Double](repeating: 0, count: k)
        blocks[c].withUnsafeBufferPointer { p in
          for i in 0..<b { for x in 0..<k { q[x] += Double(p[i * k + x]) } }
        }
        var residual = [Float](repeating: 0, count: k)
        for x in 0..<k {
          let (value, r) = cellTerm(q[x] / Double(b), target.probabilities[x])
          total += value
          residual[x] = scale * Float(r)
        }
        blockGradients[c].withUnsafeMutableBufferPointer { g in
          for i in 0..<b { for x in 0..<k { g[i * k + x] += residual[x] } }
        }
        continue
      }
      let ca = target.columns[0], cb = target.columns[1]
      let ka = target.shape[0], kb = target.shape[1]
      precondition(headCounts[ca] == ka && headCounts[cb] == kb)
      var q = [Float](repeating: 0, count: ka * kb)  // (ka × kb) Σ_i p_a(i) ⊗ p_b(i)
      blocks[ca].withUnsafeBufferPointer { pa in
        blocks[cb].withUnsafeBufferPointer { pb in
          q.withUnsafeMutableBufferPointer { out in
            GEMM.tn(m: ka, n: kb, k: b, a: pa.baseAddress!, b: pb.baseAddress!, c: out.baseAddress!)
          }
        }
      }
      var residual = [Float](repeating: 0, count: ka * kb)  // (ka × kb) (2λ/b)(q − p̂)
      for cell in 0..<(ka * kb) {
        let (value, r) = cellTerm(Double(q[cell]) / Double(b), target.probabilities[cell])
        total += value
        residual[cell] = scale * Float(r)
      }
      residual.withUnsafeBufferPointer { rr in
        blocks[cb].withUnsafeBufferPointer { pb in
          blockGradients[ca].withUnsafeMutableBufferPointer { ga in
            GEMM.nt(m: b, n: ka, k: kb, a: pb.baseAddress!, b: rr.baseAddress!, c: ga.baseAddress!,
                    accumulate: true)
          }
        }
        blocks[ca].withUnsafeBufferPointer { pa in
          blockGradients[cb].withUnsafeMutableBufferPointer { gb in
            GEMM.nn(m: b, n: kb, k: ka, a: pa.baseAddress!, b: rr.baseAddress!, c: gb.baseAddress!,
                    accumulate: true)
          }
        }
      }
    }
    for c in used {
      let k = headCounts[c], o = headOffsets[c]
      blockGradients[c].withUnsafeBufferPointer { g in
        gradient.withUnsafeMutableBufferPointer { out in
          for i in 0..<b {
            let row = out.baseAddress! + i * headWidth + o
            for x in 0..<k { row[x] += g[i * k + x] }
          }
        }
      }
    }
    return weight * total
  }

  /// One cell's term and half its derivative with respect to q:
  /// L2 (q − p)² and q − p; KL p·log(p/q) and −p/(2q) (q floored at 1e-9, 0·log 0 = 0).
  @inline(__always)
  func cellTerm(_ q: Double, _ p: Double) -> (Double, Double) {
    switch distance {
    case .l2:
      let r = q - p
      return (r * r, r)
    case .kl:
      let floored = max(q, 1e-9)
      return (p > 0 ? p * Foundation.log(p / floored) : 0, -0.5 * p / floored)
    }
  }

  /// `evaluate` as plain loops in Double: the reference the tests compare it with.
  func evaluateReference(heads: [Float], batch b: Int, gradient: inout [Float]) -> Double {
    var total = 0.0
    let scale = 2 * weight / Double(b)
    for target in targets {
      if target.columns.count == 1 {
        let c = target.columns[0], k = target.shape[0], o = headOffsets[c]
        precondition(headCounts[c] == k, "head and marginal disagree on the bins")
        var q = [Double](repeating: 0, count: k)
        for i in 0..<b { for x in 0..<k { q[x] += Double(heads[i * headWidth + o + x]) } }
        var residual = [Double](repeating: 0, count: k)
        for x in 0..<k {
          let (value, r) = cellTerm(q[x] / Double(b), target.probabilities[x])
          residual[x] = r
          total += value
        }
        for i in 0..<b { for x in 0..<k { gradient[i * headWidth + o + x] += Float(scale * residual[x]) } }
      } else {
        let ca = target.columns[0], cb = target.columns[1]
        let ka = target.shape[0], kb = target.shape[1]
        let oa = headOffsets[ca], ob = headOffsets[cb]
        precondition(headCounts[ca] == ka && headCounts[cb] == kb)
        var q = [Double](repeating: 0, count: ka * kb)
        heads.withUnsafeBufferPointer { h in
          q.withUnsafeMutableBufferPointer { qq in
            for i in 0..<b {
              let pa = h.baseAddress! + i * headWidth + oa, pb = h.baseAddress! + i * headWidth + ob
              for x in 0..<ka {
                let px = Double(pa[x])
                if px == 0 { continue }
                for y in 0..<kb { qq[x * kb + y] += px * Double(pb[y]) }
              }
            }
          }
        }
        var residual = [Double](repeating: 0, count: ka * kb)
        for cell in 0..<(ka * kb) {
          let (value, r) = cellTerm(q[cell] / Double(b), target.probabilities[cell])
          residual[cell] = r
          total += value
        }
        heads.withUnsafeBufferPointer { h in
          gradient.withUnsafeMutableBufferPointer { g in
            for i in 0..<b {
              let pa = h.baseAddress! + i * headWidth + oa, pb = h.baseAddress! + i * headWidth + ob
              let ga = g.baseAddress! + i * headWidth + oa, gb = g.baseAddress! + i * headWidth + ob
              for x in 0..<ka {
                var sa = 0.0
                let px = Double(pa[x])
                for y in 0..<kb {
                  let r = residual[x * kb + y]
                  sa += r * Double(pb[y])
                  gb[y] += Float(scale * r * px)
                }
                ga[x] += Float(scale * sa)
              }
            }
          }
        }
      }
    }
    return weight * total
  }
}

extension Encoding {
  /// Generator heads for marginal mode: categorical columns as usual, numeric columns as
  /// categoricals over their public bins (centres in [0, 1]; a missing bin when nullable).
  func binnedOutputBlocks(bins: [ColumnBins]) -> [OutputBlock] {
    zip(blocks, bins).map { block, columnBins in
      switch block.kind {
      case .categorical(let categories, _):
        return .categorical(count: categories.count, scale: block.scale)
      case .numeric, .nullableNumeric:
        let present = columnBins.count - (columnBins.missingBin == nil ? 0 : 1)
        let centers = (0..<present).map { k -> Float in
          let interval = columnBins.unitInterval(of: k)
          return Float((interval.lowerBound + interval.upperBound) / 2)
        }
        return .binned(centers: centers, missingBin: columnBins.missingBin != nil, scale: block.scale)
      }
    }
  }
}
