// A sampler built from a release's consistent marginals alone: the maximum-entropy distribution
// that agrees with the 1-way tables and with a forest of the 2-way tables (Chow and Liu, IEEE
// Trans. Inf. Theory 1968; the model MST samples from, McKenna, Miklau, Sheldon 2021).
//
// On a forest, the maximum-entropy distribution with given pairwise marginals factorises as
// P(root) · Π P(child | parent), so rows are drawn column by column, each parent before its
// children (forward sampling). A pair that no 2-way table measured is independent in this model
// given the path between its columns: the sampler invents no association that the release does
// not support. A 2-way table counted on groups of fine bins (PairBins.swift) fixes the child's
// group given the parent's group; within the group the fine bin is drawn from the 1-way table
// (the maximum-entropy choice: nothing finer was measured).
//
// When the measured pairs contain a cycle (`select:K`), the forest keeps the pairs of largest
// mutual information (a maximum spanning forest, Kruskal) and reports how many it leaves out.
// Everything here reads released values only: post-processing, no privacy spent.

import Foundation

/// Forward sampler on a forest of a release's 2-way marginals.
public struct MarginalForest: Sendable {
  /// The child's side of one measured pair.
  struct Edge: Sendable {
    var parent: Int
    /// Fine bin of the parent → row of `conditional`.
    var parentGroups: [Int]
    /// Per parent group, the child's group probabilities.
    var conditional: [[Double]]
    /// Per child group, its fine bins and their weights within the group.
    var withinGroup: [(bins: [Int], weights: [Double])]
    /// Fine bin of the child → its group.
    var childGroups: [Int]
    /// Per child fine bin, its share of its group's weight (`withinGroup` normalised once).
    var shareInGroup: [Double]

    /// P(child fine bin y | parent fine bin x), the step a row takes along this edge.
    func transition(_ x: Int, _ y: Int) -> Double {
      let row = conditional[parentGroups[x]]
      let total = row.reduce(0, +)
      return total > 0 ? row[childGroups[y]] / total * shareInGroup[y] : 0
    }
  }

  /// Per column (encoding order), its fine 1-way probabilities.
  let oneWay: [[Double]]
  /// Per column, the pair that ties it to its parent; nil for a root.
  let edges: [Edge?]
  /// The columns with every parent before its children.
  let order: [Int]
  /// How many 2-way tables the forest uses, and how many it leaves out to break cycles.
  public let usedPairs: Int
  public let droppedPairs: Int
  /// The columns of the 2-way tables left out to break cycles.
  public let leftOut: [[String]]

  /// The forest of `marginals` over `columns` (the kept column names, encoding order). With
  /// `pairs: false`, no edges: every column is drawn on its own (the private floor).
  public init(columns: [String], marginals: [ReleasedMarginal], pairs: Bool = true) {
    let index = Dictionary(uniqueKeysWithValues: columns.enumerated().map { ($1, $0) })
    oneWay = columns.map { name in marginals.first { $0.columns == [name] }!.probabilities }
    let twoWay = pairs ? marginals.filter { $0.columns.count == 2 } : []
    // Maximum spanning forest by mutual information (Kruskal, PairSelection.swift).
    let chosen = PairPick.maximumSpanningTree(
      columns: columns.count,
      pairs: twoWay.map { (index[$0.columns[0]]!, index[$0.columns[1]]!) },
      weights: twoWay.map(Self.mutualInformation))
    var neighbours = [[(column: Int, marginal: ReleasedMarginal)]](
      repeating: [], count: columns.count)
    for marginal in chosen.map({ twoWay[$0] }) {
      let a = index[marginal.columns[0]]!, b = index[marginal.columns[1]]!
      neighbours[a].append((b, marginal))
      neighbours[b].append((a, marginal))
    }
    let used = chosen.count
    usedPairs = used
    droppedPairs = twoWay.count - used
    let kept = Set(chosen)
    leftOut = twoWay.indices.filter { !kept.contains($0) }.map { twoWay[$0].columns }
    // Orient every tree from its lowest column, breadth first.
    var edges = [Edge?](repeating: nil, count: columns.count)
    var order: [Int] = []
    var seen = [Bool](repeating: false, count: columns.count)
    for start in columns.indices where !seen[start] {
      seen[start] = true
      var queue = [start]
      var head = 0
      while head < queue.count {
        let parent = queue[head]
        head += 1
        order.append(parent)
        for (child, marginal) in neighbours[parent] where !seen[child] {
          seen[child] = true
          edges[child] = Self.edge(
            marginal, parent: parent, parentName: columns[parent], childOneWay: oneWay[child])
          queue.append(child)
        }
      }
    }
    self.edges = edges
    self.order = order
  }

  /// Fills `bins` (one fine bin per column) with a row drawn from the model.
  func draw(into bins: inout [Int], using rng: inout some RandomNumberGenerator) {
    for column in order {
      guard let edge = edges[column] else {
        bins[column] = Sampler.drawIndex(oneWay[column], using: &rng)
        continue
      }
      let group = Sampler.drawIndex(
        edge.conditional[edge.parentGroups[bins[edge.parent]]], using: &rng)
      let within = edge.withinGroup[group]
      bins[column] = within.bins[Sampler.drawIndex(within.weights, using: &rng)]
    }
  }

  /// The child's conditional tables from one 2-way marginal.
  static func edge(
    _ marginal: ReleasedMarginal, parent: Int, parentName: String, childOneWay: [Double]
  ) -> Edge {
    let p = marginal.columns[0] == parentName ? 0 : 1
    let c = 1 - p
    let parentMap = marginal.groups(at: p) ?? BinGroups.identity(marginal.bins[p].count)
    let childMap = marginal.groups(at: c) ?? BinGroups.identity(marginal.bins[c].count)
    let (rows, cols) = (marginal.shape[p], marginal.shape[c])
    let childGroupMass = BinGroups.sums(childOneWay, map: childMap)
    var conditional = [[Double]](repeating: [Double](repeating: 0, count: cols), count: rows)
    for g in 0..<rows {
      for h in 0..<cols {
        let cell = p == 0 ? g * cols + h : h * rows + g
        conditional[g][h] = marginal.probabilities[cell]
      }
      // A parent group the table gives no mass: the child's own distribution.
      if conditional[g].reduce(0, +) <= 0 { conditional[g] = childGroupMass }
    }
    let withinGroup = BinGroups.members(childMap, weights: childOneWay)
    var shareInGroup = [Double](repeating: 0, count: childMap.count)
    for (bins, weights) in withinGroup {
      let total = weights.reduce(0, +)
      for (bin, weight) in zip(bins, weights) { shareInGroup[bin] = weight / total }
    }
    return Edge(
      parent: parent, parentGroups: parentMap, conditional: conditional, withinGroup: withinGroup,
      childGroups: childMap, shareInGroup: shareInGroup)
  }

  /// The model's joint distribution of every pair of columns (a < b) that `measured` does not
  /// name, over their fine bins (row-major, a's bins by b's): what the forest implies for the
  /// pairs no 2-way table measured. Columns in different trees are independent; within a tree,
  /// the joint of a and b is diag(P(a))·T₁·T₂⋯ along the path from a to b, T the transitions
  /// P(next | current) (Bayes' rule against the model's own marginals where the path climbs
  /// toward a root).
  /// - Complexity: per column a, Σ over the tree's edges of k_a·k_u·k_w multiply–adds.
  public func impliedJoints(excluding measured: Set<[Int]>) -> [(a: Int, b: Int, joint: [Double])] {
    let columns = oneWay.count
    // The model's own 1-way marginals, parents first.
    var marginal = oneWay
    var children = [[Int]](repeating: [], count: columns)
    for column in order {
      guard let edge = edges[column] else { continue }
      children[edge.parent].append(column)
      let kp = oneWay[edge.parent].count, kc = oneWay[column].count
      var m = [Double](repeating: 0, count: kc)
      for x in 0..<kp where marginal[edge.parent][x] > 0 {
        for y in 0..<kc { m[y] += marginal[edge.parent][x] * edge.transition(x, y) }
      }
      marginal[column] = m
    }
    // The transition matrix from u to its neighbour w (row-major k_u × k_w).
    func step(from u: Int, to w: Int) -> [Double] {
      let ku = oneWay[u].count, kw = oneWay[w].count
      var t = [Double](repeating: 0, count: ku * kw)
      if let edge = edges[w], edge.parent == u {
        for x in 0..<ku { for y in 0..<kw { t[x * kw + y] = edge.transition(x, y) } }
      } else {
        let edge = edges[u]!  // w is u's parent: P(w | u) = P(w) P(u | w) / P(u)
        for x in 0..<ku where marginal[u][x] > 0 {
          for y in 0..<kw {
            t[x * kw + y] = marginal[w][y] * edge.transition(y, x) / marginal[u][x]
          }
        }
      }
      return t
    }
    var out: [(a: Int, b: Int, joint: [Double])] = []
    for a in 0..<columns {
      let ka = oneWay[a].count
      var joints = [[Double]?](repeating: nil, count: columns)
      var diagonal = [Double](repeating: 0, count: ka * ka)
      for x in 0..<ka { diagonal[x * ka + x] = marginal[a][x] }
      joints[a] = diagonal
      var queue = [a], head = 0
      while head < queue.count {
        let u = queue[head]
        head += 1
        let neighbours = children[u] + (edges[u].map { [$0.parent] } ?? [])
        for w in neighbours where joints[w] == nil {
          let t = step(from: u, to: w)
          let ku = oneWay[u].count, kw = oneWay[w].count
          var joint = [Double](repeating: 0, count: ka * kw)
          let from = joints[u]!
          for x in 0..<ka {
            for z in 0..<ku where from[x * ku + z] != 0 {
              let v = from[x * ku + z]
              for y in 0..<kw { joint[x * kw + y] += v * t[z * kw + y] }
            }
          }
          joints[w] = joint
          queue.append(w)
        }
      }
      for b in (a + 1)..<columns where !measured.contains([a, b]) {
        if let joint = joints[b] {
          out.append((a, b, joint))
        } else {
          let kb = oneWay[b].count
          var joint = [Double](repeating: 0, count: ka * kb)
          for x in 0..<ka {
            for y in 0..<kb { joint[x * kb + y] = marginal[a][x] * marginal[b][y] }
          }
          out.append((a, b, joint))
        }
      }
    }
    return out
  }

  /// I(A; B) of a 2-way table's probabilities, in nats.
  static func mutualInformation(_ marginal: ReleasedMarginal) -> Double {
    let (rows, cols) = (marginal.shape[0], marginal.shape[1])
    let p = marginal.probabilities
    var a = [Double](repeating: 0, count: rows), b = [Double](repeating: 0, count: cols)
    for i in 0..<rows {
      for j in 0..<cols {
        a[i] += p[i * cols + j]
        b[j] += p[i * cols + j]
      }
    }
    var information = 0.0
    for i in 0..<rows {
      for j in 0..<cols where p[i * cols + j] > 0 {
        information += p[i * cols + j] * log(p[i * cols + j] / (a[i] * b[j]))
      }
    }
    return information
  }
}
