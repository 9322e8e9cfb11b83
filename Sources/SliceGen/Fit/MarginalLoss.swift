// The marginal term of the fit (DESIGN §5, §4b): when a release carries noisy marginals, the
// generator's expected marginals over a batch are pulled toward the released (consistent)
// probabilities:
//   L_marg = λ · Σ_j ‖q_j − p̂_j‖²,  q_j = (1/b) Σ_i ⊗_{c ∈ j} p_c(i),
// where p_c(i) is the head distribution of column c for synthetic row i (softmax probabilities of
// a categorical head, or of a numeric column's binned head over its public bins).
// Gradient: ∂L/∂p_a(i)[x] = (2λ/b) Σ_y (q − p̂)[x, y] · p_b(i)[y] for a pair (a, b), and
// (2λ/b)(q − p̂)[x] for a 1-way table. Post-processing of the release: no privacy cost.

import Foundation

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

  init(marginals: [ReleasedMarginal], names: [String], architecture: GeneratorArchitecture,
       weight: Double) {
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
    targets = marginals.map { m in
      Target(columns: m.columns.map { names.firstIndex(of: $0)! }, shape: m.shape,
             probabilities: m.probabilities)
    }
  }

  /// The term's value; adds ∂L/∂heads into `gradient` (batch × headWidth).
  func evaluate(heads: [Float], batch b: Int, gradient: inout [Float]) -> Double {
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
          residual[x] = q[x] / Double(b) - target.probabilities[x]
          total += residual[x] * residual[x]
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
          residual[cell] = q[cell] / Double(b) - target.probabilities[cell]
          total += residual[cell] * residual[cell]
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
