// Which marginals a release publishes, how rows map to their public bins, and how the released
// noisy counts are stored (in the release header, beside their consistent post-processed
// probabilities).

import Foundation

/// The `--marginals` choice.
public enum MarginalSelection: Equatable, Sendable {
  case none
  /// Every 1-way marginal.
  case oneWay
  /// Every 1-way and every 2-way marginal.
  case allPairs
  /// Every 1-way marginal and the named pairs (public knowledge, chosen before seeing the data).
  case pairs([[String]])
  /// Every 1-way marginal and the schema's target against every other kept column (its star:
  /// public, fixed by the schema; what a classifier of the target needs). Resolved to `pairs`
  /// before the data is read (`resolved(columns:candidateCells:targetPairs:)`).
  case target
  /// Every 1-way marginal, then the pairs of a maximum spanning tree on noisy scores (c − 1 pairs,
  /// chosen privately; PairSelection.swift).
  case tree
  /// Every 1-way marginal, then the K pairs with the largest noisy scores (chosen privately).
  case select(Int)
  /// The measured rule (Docs/pair-selection.md): the label's star on a schema of labelled
  /// images (`ImageSchema`; digits), else by width: `select:3c` for c ≤ 15 kept columns (Adult:
  /// 39 of 78 pairs), `tree` for wider tables (Caravan). Resolved from the schema alone, before
  /// the data is read (`resolved(columns:)`); the release records the resolved mode.
  case auto

  /// Whether the release publishes marginals.
  public var isEnabled: Bool { self != .none }

  /// The widest table (kept columns) that `auto` gives `select:3c`.
  public static let autoSelectMaximumColumns = 15

  /// `auto` made concrete for `c` kept columns; every other mode is returned as it is. With
  /// `candidateCells` (the cells of every candidate pair's table on pair bins), a table whose
  /// candidates exceed what private selection counts (`PairCounts` limits: 10,000 pairs, 2^24
  /// cells; a 785-column image has 307,720 pairs) falls back to the 1-way marginals, which scale
  /// to any width, plus `targetPairs` when given (the target's 2-way table with every other kept
  /// column, fixed by the schema: what a classifier of the target needs; `autoFallback` says why).
  /// With `labelledImage` (the schema is a set of labelled images and `targetPairs` its label's
  /// pairs), `auto` is the label's star at any width: on the digits it beat the tree at ε = 1 on
  /// every pair metric and on accuracy (Docs/benchmarks.md, "The target's star").
  public func resolved(
    columns c: Int, candidateCells: Int? = nil, targetPairs: [[String]]? = nil,
    labelledImage: Bool = false
  ) -> MarginalSelection {
    if case .target = self, let targetPairs, !targetPairs.isEmpty { return .pairs(targetPairs) }
    guard case .auto = self else { return self }
    if c < 2 { return .oneWay }
    if labelledImage, let targetPairs, !targetPairs.isEmpty { return .pairs(targetPairs) }
    if Self.autoFallback(columns: c, candidateCells: candidateCells) != nil {
      if let targetPairs, !targetPairs.isEmpty { return .pairs(targetPairs) }
      return .oneWay
    }
    if c <= Self.autoSelectMaximumColumns { return .select(min(3 * c, c * (c - 1) / 2)) }
    return .tree
  }

  /// Why `auto` selects no pairs on this table (what it measures instead: the 1-way marginals,
  /// and the target's 2-way tables when `target` names a kept column), or nil when it selects.
  public static func autoFallback(columns c: Int, candidateCells: Int?, target: String? = nil)
    -> String?
  {
    let measured =
      target.map {
        "measuring the 1-way marginals and \($0)'s 2-way table with each of the other \(c - 1) "
          + "columns"
      } ?? "measuring the 1-way marginals only"
    let candidates = c * (c - 1) / 2
    if candidates > PairCounts.maximumCandidates {
      return "--marginals auto: \(c) columns give \(candidates) candidate pairs, more than the "
        + "\(PairCounts.maximumCandidates) private selection counts; \(measured) (name pairs "
        + "with --marginals a:b,c:d for other 2-way tables)"
    }
    if let cells = candidateCells, cells > PairCounts.maximumCells {
      return "--marginals auto: the candidate pairs' tables have \(cells) cells, more than the "
        + "\(PairCounts.maximumCells) private selection counts; \(measured) (fewer --pair-bins, "
        + "or name pairs with --marginals a:b,c:d)"
    }
    return nil
  }

  /// Parses `auto`, `none`, `one-way`, `all-pairs`, `tree`, `select:K`, `target`, or `a:b,c:d`.
  /// - Throws: `OptionError` for `--marginals`, naming the text and the forms it may take.
  public init(parsing text: String) throws(OptionError) {
    switch text {
    case "none": self = .none
    case "auto": self = .auto
    case "one-way": self = .oneWay
    case "all-pairs": self = .allPairs
    case "tree": self = .tree
    case "target": self = .target
    case _ where text.hasPrefix("select:"):
      let k = text.dropFirst("select:".count)
      guard let count = Int(k), count > 0 else {
        throw OptionError(
          option: "marginals", value: "'\(text)'",
          rule: "K in select:K must be a whole number of pairs, at least 1")
      }
      self = .select(count)
    default:
      let pairs = text.split(separator: ",").map { $0.split(separator: ":").map(String.init) }
      guard !pairs.isEmpty, pairs.allSatisfy({ $0.count == 2 && $0[0] != $0[1] }) else {
        throw OptionError(
          option: "marginals", value: "'\(text)'",
          rule: "must be auto, none, one-way, all-pairs, tree, select:K, target, or pairs like "
            + "age:income,sex:race")
      }
      self = .pairs(pairs)
    }
  }

  /// The attribute sets (indices into the kept columns) to measure in the first round: for `tree`
  /// and `select:K`, the 1-way marginals (the pairs are chosen from noisy scores afterwards).
  func queries(columns names: [String]) throws -> [[Int]] {
    var sets = names.indices.map { [$0] }
    switch self {
    case .none: return []
    case .oneWay, .tree, .select: break
    case .auto, .target: preconditionFailure("resolve \(text) with resolved(columns:) first")
    case .allPairs:
      for i in names.indices { for j in (i + 1)..<names.count { sets.append([i, j]) } }
    case .pairs(let pairs):
      for pair in pairs {
        guard let i = names.firstIndex(of: pair[0]), let j = names.firstIndex(of: pair[1]) else {
          let missing = names.contains(pair[0]) ? pair[1] : pair[0]
          throw OptionError(
            option: "marginals", value: nil,
            rule: "names column \"\(ValueText.quoted(missing))\", which is not a released column")
        }
        sets.append([min(i, j), max(i, j)])
      }
    }
    return sets
  }

  /// The text `init(parsing:)` reads back: `auto`, `none`, `one-way`, `all-pairs`, `tree`,
  /// `select:K`, `target` or `a:b,c:d`.
  public var text: String {
    switch self {
    case .none: return "none"
    case .auto: return "auto"
    case .oneWay: return "one-way"
    case .allPairs: return "all-pairs"
    case .tree: return "tree"
    case .target: return "target"
    case .select(let k): return "select:\(k)"
    case .pairs(let pairs): return pairs.map { $0.joined(separator: ":") }.joined(separator: ",")
    }
  }

  /// `text`, with a long list of named pairs shortened to its count and first pair (messages).
  public var summary: String {
    guard case .pairs(let pairs) = self, pairs.count > 3 else { return text }
    return "\(pairs.count) named pairs (\(pairs[0].joined(separator: ":")), …)"
  }

  /// The mode of private pair selection (`tree`, `select:K`), nil for the others.
  public var selectionMode: PairSelectionMode? {
    switch self {
    case .tree: return .tree
    case .select(let k): return .largest(k)
    default: return nil
    }
  }

  /// How many pairs the private selection measures among `columns` columns: c − 1 for a tree,
  /// K for select:K (both fixed before the data is read); nil without private selection.
  func pairsToSelect(columns c: Int) throws -> Int? {
    switch self {
    case .tree: return c - 1
    case .select(let k):
      let candidates = c * (c - 1) / 2
      guard k <= candidates else {
        throw OptionError(
          option: "marginals", value: nil,
          rule: "select:\(k) asks for \(k) pairs, but the \(c) released columns have only "
            + "\(candidates) pairs")
      }
      return k
    default: return nil
    }
  }
}

/// One released marginal, as stored in the release header.
public struct ReleasedMarginal: Codable, Equatable, Sendable {
  /// Names of the columns, and their fine public bins (the 1-way resolution).
  public var columns: [String]
  public var bins: [ColumnBins]
  /// The table's shape: per column, its number of groups (`binGroups`), or of fine bins.
  public var shape: [Int]
  public var sigma: Double
  public var l2Sensitivity: Double
  /// The noisy counts as released (row-major over `shape`).
  public var noisyCounts: [Double]
  /// Post-processed: non-negative, summing to one, consistent across marginals.
  public var probabilities: [Double]
  /// Set when a column is counted on groups of its fine bins (the pair bins of a 2-way marginal,
  /// PairBins.swift): one map per column, fine bin → group, identity maps written out. Absent:
  /// every column on its fine bins (files written before pair bins).
  public var binGroups: [[Int]]? = nil

  enum CodingKeys: String, CodingKey {
    case columns, bins, shape, sigma, l2Sensitivity, noisyCounts, probabilities, binGroups
  }

  public init(
    columns: [String], bins: [ColumnBins], shape: [Int], sigma: Double, l2Sensitivity: Double,
    noisyCounts: [Double], probabilities: [Double], binGroups: [[Int]]? = nil
  ) {
    self.columns = columns
    self.bins = bins
    self.shape = shape
    self.sigma = sigma
    self.l2Sensitivity = l2Sensitivity
    self.noisyCounts = noisyCounts
    self.probabilities = probabilities
    self.binGroups = binGroups
  }

  /// Files of format 1–3 store each column's bins in every marginal that names it; format 4
  /// stores them once, in the header's `bins` (FormatVersions.swift), and the reader fills them in
  /// (`ReleaseHeader.fillMarginalBins`).
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    columns = try c.decode([String].self, forKey: .columns)
    bins = try c.decodeIfPresent([ColumnBins].self, forKey: .bins) ?? []
    shape = try c.decode([Int].self, forKey: .shape)
    sigma = try c.decode(Double.self, forKey: .sigma)
    l2Sensitivity = try c.decode(Double.self, forKey: .l2Sensitivity)
    noisyCounts = try c.decode([Double].self, forKey: .noisyCounts)
    probabilities = try c.decode([Double].self, forKey: .probabilities)
    binGroups = try c.decodeIfPresent([[Int]].self, forKey: .binGroups)
  }

  /// Written with its bins only when it holds them (formats 1–3); a format-4 writer empties them
  /// first (`Release.encodedHeader`), the header holding every column's once.
  public func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(columns, forKey: .columns)
    if !bins.isEmpty { try c.encode(bins, forKey: .bins) }
    try c.encode(shape, forKey: .shape)
    try c.encode(sigma, forKey: .sigma)
    try c.encode(l2Sensitivity, forKey: .l2Sensitivity)
    try c.encode(noisyCounts, forKey: .noisyCounts)
    try c.encode(probabilities, forKey: .probabilities)
    try c.encodeIfPresent(binGroups, forKey: .binGroups)
  }

  /// The group map of the column at `position`, or nil when it keeps its fine bins.
  public func groups(at position: Int) -> [Int]? {
    guard let map = binGroups?[position], !BinGroups.isIdentity(map) else { return nil }
    return map
  }

  /// Why this marginal cannot be read against `keptColumns` (the schema's kept column names),
  /// or nil: sizes, bins, shape and group maps must agree.
  func problem(keptColumns: [String]) -> String? {
    let name = "marginal \(columns.joined(separator: "×"))"
    if let unknown = columns.first(where: { !keptColumns.contains($0) }) {
      return "\(name): column \"\(unknown)\" is not a released column"
    }
    guard !columns.isEmpty, bins.count == columns.count, shape.count == columns.count else {
      return "\(name): columns, bins and shape differ in length"
    }
    if let maps = binGroups, maps.count != columns.count {
      return "\(name): \(maps.count) group maps for \(columns.count) columns"
    }
    for p in columns.indices {
      guard bins[p].count >= 1, shape[p] >= 1 else { return "\(name): an empty column" }
      if let map = binGroups?[p] {
        if let why = BinGroups.problem(map, fineBins: bins[p].count, groups: shape[p]) {
          return "\(name), column \"\(columns[p])\": \(why)"
        }
      } else if shape[p] != bins[p].count {
        return "\(name): shape \(shape[p]) for \(bins[p].count) bins of \"\(columns[p])\""
      }
    }
    var cells = 1
    for k in shape {
      let (product, overflow) = cells.multipliedReportingOverflow(by: k)
      guard !overflow else { return "\(name): too many cells" }
      cells = product
    }
    guard probabilities.count == cells, noisyCounts.count == cells else {
      return "\(name): \(probabilities.count) probabilities and \(noisyCounts.count) counts for "
        + "\(cells) cells"
    }
    return nil
  }
}

extension ReleaseHeader {
  /// Why the marginals of this header cannot be read, or nil: every marginal must be well formed
  /// (`ReleasedMarginal.problem`), every kept column must have its 1-way marginal, and a column
  /// must have the same fine bins in every marginal.
  func marginalsProblem() -> String? {
    guard let marginals else { return nil }
    return ReleasedMarginal.problem(marginals, keptColumns: schema.keptColumns.map(\.name))
  }

  /// The fine public bins of every kept column, in encoding order: the one place that reads
  /// them from a release; the header's `bins` (format 4), else each column's 1-way marginal's
  /// (formats 1–3; every loaded header has one per kept column, `marginalsProblem`). nil
  /// without marginals.
  public var columnBins: [ColumnBins]? {
    guard let marginals else { return nil }
    if let bins { return bins }
    var byName: [String: ColumnBins] = [:]
    for m in marginals where m.columns.count == 1 { byName[m.columns[0]] = m.bins[0] }
    return schema.keptColumns.map { byName[$0.name]! }
  }

  /// Fills every marginal's bins from the header's `bins` (format 4); why it cannot, or nil. A
  /// column that is not kept is left for `marginalsProblem` to name.
  mutating func fillMarginalBins() -> String? {
    guard let bins, marginals != nil else { return nil }
    let kept = schema.keptColumns.map(\.name)
    guard bins.count == kept.count else {
      return "the header's bins have \(bins.count) entries for \(kept.count) kept columns"
    }
    for i in marginals!.indices {
      let columns = marginals![i].columns
      guard !marginals![i].bins.isEmpty || columns.allSatisfy(kept.contains) else { continue }
      if !marginals![i].bins.isEmpty {
        return "marginal \(columns.joined(separator: "×")) carries bins of its own in a file "
          + "whose header holds them"
      }
      marginals![i].bins = columns.map { bins[kept.firstIndex(of: $0)!] }
    }
    return nil
  }
}

extension ReleasedMarginal {
  /// Why a set of marginals cannot be read against `keptColumns`, or nil: every marginal must
  /// be well formed (`problem(keptColumns:)`), every kept column must have its 1-way marginal,
  /// and a column must have the same fine bins in every marginal.
  static func problem(_ marginals: [ReleasedMarginal], keptColumns kept: [String]) -> String? {
    var fine: [String: ColumnBins] = [:]
    for m in marginals {
      if let why = m.problem(keptColumns: kept) { return why }
      for (name, bins) in zip(m.columns, m.bins) {
        if let other = fine[name], other != bins {
          return "column \"\(name)\" has different bins in two marginals"
        }
        fine[name] = bins
      }
    }
    if let missing = kept.first(where: { name in !marginals.contains { $0.columns == [name] } }) {
      return "column \"\(missing)\" has no 1-way marginal"
    }
    return nil
  }
}
