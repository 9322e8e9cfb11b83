// The marginal term of the fit (Docs/design.md, "The fit"; Docs/privacy.md, "Marginals beside
// the projections"): when a release carries noisy marginals, the
// generator's expected marginals over a batch are pulled toward the released (consistent)
// probabilities:
//   L_marg = λ · Σ_j ‖q_j − p̂_j‖²,  q_j = (1/b) Σ_i ⊗_{c ∈ j} p_c(i),
// or with `--marginal-loss kl`, L_marg = λ · Σ_j KL(p̂_j ‖ q_j) = λ · Σ_j Σ_x p̂ log(p̂/q), whose
// gradient −λ·p̂/q weighs a cell's error relative to its size (the L2 form under-weights the many
// small cells of a 2-way table; total variation, what the evaluation scores, counts them all),
// where p_c(i) is the head distribution of column c for synthetic row i (softmax probabilities of
// a categorical head, or of a numeric column's binned head over its public bins).
// Gradient (L2): ∂L/∂p_a(i)[x] = (2λ/b) Σ_y (q − p̂)[x, y] · p_b(i)[y] for a pair (a, b), and
// (2λ/b)(q − p̂)[x] for a 1-way table; KL replaces (q − p̂) by −p̂/(2q). Post-processing of the
// release: no privacy cost.
//
// As matrix products (`evaluate`): with P_c the (b × k_c) head values of column c over the batch,
//   q_ab = P_aᵀ·P_b / b (TN),  ∂L/∂P_a += (2λ/b)·P_b·R_abᵀ (NT),  ∂L/∂P_b += (2λ/b)·P_a·R_ab (NN),
// R_ab = q_ab − p̂_ab; one gather of every column's block, three Float GEMMs per pair.
//
// Grouped columns. A 2-way marginal may count a numeric column on public groups of its fine bins
// (pair bins, `ReleasedMarginal.binGroups`); the head stays over the fine bins. Its group
// probabilities are sums of head probabilities, P̃_c = P_c·G_c with G_c the (k_c × K_c) 0/1
// matrix of the map, so the products above run on P̃_c (b × K_c), and by the chain rule
// ∂L/∂P_c = ∂L/∂P̃_c·G_cᵀ: every fine bin of a group receives the group's gradient.
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
    /// Per column: whether the target counts it on the column's groups (`groups`).
    var grouped: [Bool]
    /// The target's share of λ: 1 for a released marginal, the implied-pair weight for a pair
    /// the forest of the released marginals implies.
    var weight: Double = 1
  }

  /// The released marginals.
  let targets: [Target]
  /// Pairs no released marginal measured, with the joint the forest of the released marginals
  /// implies for them (MarginalForest.impliedJoints): a weak pull that keeps the generator from
  /// inventing associations no released statistic supports. `impliedPerStep` of them enter each
  /// step, in turn.
  let implied: [Target]
  let impliedPerStep: Int
  /// For each kept column, the offset of its head values in a row of `heads`, and their count.
  let headOffsets: [Int]
  let headCounts: [Int]
  let headWidth: Int
  let weight: Double
  let distance: MarginalDistance
  /// For each kept column, its group map (fine bin → group) where a target groups it, else nil.
  let groups: [[Int]?]

  init(
    marginals: [ReleasedMarginal], names: [String], architecture: GeneratorArchitecture,
    weight: Double, distance: MarginalDistance = .l2,
    implied impliedJoints: [(a: Int, b: Int, joint: [Double])] = [], impliedWeight: Double = 0,
    impliedPerStep: Int = 0
  ) {
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
    var groups = [[Int]?](repeating: nil, count: counts.count)
    targets = marginals.map { m in
      let columns = m.columns.map { names.firstIndex(of: $0)! }
      var grouped: [Bool] = []
      for (position, c) in columns.enumerated() {
        guard let map = m.groups(at: position) else {
          precondition(m.shape[position] == counts[c], "head and marginal disagree on the bins")
          grouped.append(false)
          continue
        }
        precondition(
          map.count == counts[c] && m.shape[position] == BinGroups.count(map),
          "head and marginal disagree on the bins")
        precondition(groups[c] == nil || groups[c]! == map, "a column is grouped in two ways")
        groups[c] = map
        grouped.append(true)
      }
      return Target(
        columns: columns, shape: m.shape, probabilities: m.probabilities,
        grouped: grouped)
    }
    self.groups = groups
    // An implied pair at the resolution the released tables use for each column.
    implied = impliedJoints.map { a, b, joint in
      let ka = counts[a], kb = counts[b]
      precondition(joint.count == ka * kb, "head and implied joint disagree on the bins")
      let ma = groups[a] ?? BinGroups.identity(ka), mb = groups[b] ?? BinGroups.identity(kb)
      let (ga, gb) = (BinGroups.count(ma), BinGroups.count(mb))
      var table = [Double](repeating: 0, count: ga * gb)
      for x in 0..<ka { for y in 0..<kb { table[ma[x] * gb + mb[y]] += joint[x * kb + y] } }
      return Target(
        columns: [a, b], shape: [ga, gb], probabilities: table,
        grouped: [groups[a] != nil, groups[b] != nil], weight: impliedWeight)
    }
    self.impliedPerStep = impliedWeight > 0 ? min(impliedPerStep, implied.count) : 0
  }

  /// The targets of optimiser step `step`: every released marginal and the step's turn of the
  /// implied pairs.
  func active(step: Int) -> [Target] {
    guard impliedPerStep > 0 else { return targets }
    let start = (step &* impliedPerStep) % implied.count
    return targets + (0..<impliedPerStep).map { implied[(start + $0) % implied.count] }
  }

  /// Every used column's head values gathered contiguously: `blocks[c]` is (b × k_c) over the
  /// fine bins, and `blocks[columns + c]` (b × K_c) its group sums when a target groups column c.
  struct Blocks {
    var values: [[Float]]
    var widths: [Int]
    var used: Set<Int>
    var usedGrouped: Set<Int>
  }

  func gather(heads: [Float], batch b: Int, targets: [Target]) -> Blocks {
    let columns = headOffsets.count
    var blocks = [[Float]](repeating: [], count: 2 * columns)
    let widths = headCounts + groups.map { $0.map(BinGroups.count) ?? 0 }
    let used = Set(targets.flatMap(\.columns))
    let usedGrouped = Set(
      targets.flatMap { t in
        t.columns.indices.filter { t.grouped[$0] }.map { t.columns[$0] }
      })
    for c in used {
      let k = headCounts[c], o = headOffsets[c]
      var block = [Float](repeating: 0, count: b * k)
      heads.withUnsafeBufferPointer { h in
        block.withUnsafeMutableBufferPointer { out in
          for i in 0..<b {
            (out.baseAddress! + i * k).update(from: h.baseAddress! + i * headWidth + o, count: k)
          }
        }
      }
      blocks[c] = block
    }
    for c in usedGrouped {
      let map = groups[c]!, k = headCounts[c], kc = widths[columns + c]
      var coarse = [Float](repeating: 0, count: b * kc)  // (b × K_c) P_c·G_c
      blocks[c].withUnsafeBufferPointer { p in
        map.withUnsafeBufferPointer { g in
          coarse.withUnsafeMutableBufferPointer { out in
            for i in 0..<b {
              let row = p.baseAddress! + i &* k, sums = out.baseAddress! + i &* kc
              for x in 0..<k { sums[g[x]] += row[x] }
            }
          }
        }
      }
      blocks[columns + c] = coarse
    }
    return Blocks(values: blocks, widths: widths, used: used, usedGrouped: usedGrouped)
  }

  /// The slots of `blocks` a target reads (its columns, or their group sums).
  func slots(_ target: Target) -> [Int] {
    target.columns.indices.map { p in
      target.grouped[p] ? headOffsets.count + target.columns[p] : target.columns[p]
    }
  }

  /// The batch's expected marginal for a target, q = (1/b) Σ_i ⊗_c p_c(i), cell by cell
  /// (row-major over the target's shape).
  func expected(_ target: Target, _ blocks: Blocks, batch b: Int) -> [Double] {
    let slots = slots(target)
    if target.columns.count == 1 {
      let c = slots[0], k = target.shape[0]
      precondition(blocks.widths[c] == k, "head and marginal disagree on the bins")
      var q = [Double](repeating: 0, count: k)
      blocks.values[c].withUnsafeBufferPointer { p in
        for i in 0..<b { for x in 0..<k { q[x] += Double(p[i * k + x]) } }
      }
      return q.map { $0 / Double(b) }
    }
    let ca = slots[0], cb = slots[1]
    let ka = target.shape[0], kb = target.shape[1]
    precondition(blocks.widths[ca] == ka && blocks.widths[cb] == kb)
    var q = [Float](repeating: 0, count: ka * kb)  // (ka × kb) Σ_i p_a(i) ⊗ p_b(i)
    blocks.values[ca].withUnsafeBufferPointer { pa in
      blocks.values[cb].withUnsafeBufferPointer { pb in
        q.withUnsafeMutableBufferPointer { out in
          GEMM.tn(m: ka, n: kb, k: b, a: pa.baseAddress!, b: pb.baseAddress!, c: out.baseAddress!)
        }
      }
    }
    return q.map { Double($0) / Double(b) }
  }

  /// The model-selection criterion of a combined release: the mean over the released marginals
  /// of the total variation distance ½ Σ_x |q(x) − p̂(x)| between the generator's expected
  /// marginal over a batch and the released one. Total variation is what the evaluation's
  /// shapes and contingency scores measure (one minus it); read on a large batch of fresh
  /// latents it moves with the generator, not with the batch. Post-processing of the release.
  func meanTotalVariation(heads: [Float], batch b: Int) -> Double {
    let blocks = gather(heads: heads, batch: b, targets: targets)
    var sum = 0.0
    for target in targets {
      let q = expected(target, blocks, batch: b)
      var distance = 0.0
      for (x, p) in zip(q, target.probabilities) { distance += abs(x - p) }
      sum += distance / 2
    }
    return targets.isEmpty ? 0 : sum / Double(targets.count)
  }

  /// The term's value; adds ∂L/∂heads into `gradient` (batch × headWidth).
  /// - Complexity: three GEMMs of b·k_a·k_b multiply–adds per 2-way marginal (k: the target's
  ///   resolution), plus b·k_c additions per grouped column.
  func evaluate(heads: [Float], batch b: Int, gradient: inout [Float], step: Int = 0) -> Double {
    let columns = headOffsets.count
    let targets = active(step: step)
    let gathered = gather(heads: heads, batch: b, targets: targets)
    let blocks = gathered.values, widths = gathered.widths
    let used = gathered.used, usedGrouped = gathered.usedGrouped
    var blockGradients = widths.indices.map { slot in
      blocks[slot].isEmpty ? [Float]() : [Float](repeating: 0, count: blocks[slot].count)
    }
    var total = 0.0
    for target in targets {
      let scale = Float(2 * weight * target.weight / Double(b))
      let slots = slots(target)
      let q = expected(target, gathered, batch: b)
      if target.columns.count == 1 {
        let c = slots[0], k = target.shape[0]
        var residual = [Float](repeating: 0, count: k)
        for x in 0..<k {
          let (value, r) = cellTerm(q[x], target.probabilities[x])
          total += target.weight * value
          residual[x] = scale * Float(r)
        }
        blockGradients[c].withUnsafeMutableBufferPointer { g in
          for i in 0..<b { for x in 0..<k { g[i * k + x] += residual[x] } }
        }
        continue
      }
      let ca = slots[0], cb = slots[1]
      let ka = target.shape[0], kb = target.shape[1]
      var residual = [Float](repeating: 0, count: ka * kb)  // (ka × kb) (2λ/b)(q − p̂)
      for cell in 0..<(ka * kb) {
        let (value, r) = cellTerm(q[cell], target.probabilities[cell])
        total += target.weight * value
        residual[cell] = scale * Float(r)
      }
      residual.withUnsafeBufferPointer { rr in
        blocks[cb].withUnsafeBufferPointer { pb in
          blockGradients[ca].withUnsafeMutableBufferPointer { ga in
            GEMM.nt(
              m: b, n: ka, k: kb, a: pb.baseAddress!, b: rr.baseAddress!, c: ga.baseAddress!,
              accumulate: true)
          }
        }
        blocks[ca].withUnsafeBufferPointer { pa in
          blockGradients[cb].withUnsafeMutableBufferPointer { gb in
            GEMM.nn(
              m: b, n: kb, k: ka, a: pa.baseAddress!, b: rr.baseAddress!, c: gb.baseAddress!,
              accumulate: true)
          }
        }
      }
    }
    // Group gradients back to the fine bins: ∂L/∂P_c += ∂L/∂P̃_c·G_cᵀ.
    for c in usedGrouped {
      let map = groups[c]!, k = headCounts[c], kc = widths[columns + c]
      blockGradients[columns + c].withUnsafeBufferPointer { coarse in
        map.withUnsafeBufferPointer { g in
          blockGradients[c].withUnsafeMutableBufferPointer { fine in
            for i in 0..<b {
              let from = coarse.baseAddress! + i &* kc, to = fine.baseAddress! + i &* k
              for x in 0..<k { to[x] += from[g[x]] }
            }
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
  func evaluateReference(heads: [Float], batch b: Int, gradient: inout [Float], step: Int = 0)
    -> Double
  {
    var total = 0.0
    // Row i's distribution of the column at `position` of `target`, at the target's resolution
    // (the head over the fine bins, or its sums over the groups).
    func distribution(_ target: Target, _ position: Int, row i: Int) -> [Double] {
      let c = target.columns[position], o = i * headWidth + headOffsets[c]
      var p = [Double](repeating: 0, count: target.shape[position])
      for x in 0..<headCounts[c] {
        p[target.grouped[position] ? groups[c]![x] : x] += Double(heads[o + x])
      }
      return p
    }
    // Adds a gradient at the target's resolution to every fine bin of row i's head.
    func addGradient(_ g: [Double], _ target: Target, _ position: Int, row i: Int) {
      let c = target.columns[position], o = i * headWidth + headOffsets[c]
      for x in 0..<headCounts[c] {
        gradient[o + x] += Float(g[target.grouped[position] ? groups[c]![x] : x])
      }
    }
    for target in active(step: step) {
      let scale = 2 * weight * target.weight / Double(b)
      if target.columns.count == 1 {
        let k = target.shape[0]
        var q = [Double](repeating: 0, count: k)
        for i in 0..<b {
          let p = distribution(target, 0, row: i)
          for x in 0..<k { q[x] += p[x] }
        }
        var residual = [Double](repeating: 0, count: k)
        for x in 0..<k {
          let (value, r) = cellTerm(q[x] / Double(b), target.probabilities[x])
          residual[x] = scale * r
          total += target.weight * value
        }
        for i in 0..<b { addGradient(residual, target, 0, row: i) }
      } else {
        let ka = target.shape[0], kb = target.shape[1]
        var q = [Double](repeating: 0, count: ka * kb)
        for i in 0..<b {
          let pa = distribution(target, 0, row: i), pb = distribution(target, 1, row: i)
          for x in 0..<ka { for y in 0..<kb { q[x * kb + y] += pa[x] * pb[y] } }
        }
        var residual = [Double](repeating: 0, count: ka * kb)
        for cell in 0..<(ka * kb) {
          let (value, r) = cellTerm(q[cell] / Double(b), target.probabilities[cell])
          residual[cell] = scale * r
          total += target.weight * value
        }
        for i in 0..<b {
          let pa = distribution(target, 0, row: i), pb = distribution(target, 1, row: i)
          var ga = [Double](repeating: 0, count: ka), gb = [Double](repeating: 0, count: kb)
          for x in 0..<ka {
            for y in 0..<kb {
              ga[x] += residual[x * kb + y] * pb[y]
              gb[y] += residual[x * kb + y] * pa[x]
            }
          }
          addGradient(ga, target, 0, row: i)
          addGradient(gb, target, 1, row: i)
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
        return .binned(
          centers: centers, missingBin: columnBins.missingBin != nil, scale: block.scale)
      }
    }
  }
}
