// Noisy marginals over public bins (Docs/privacy.md, "Marginals beside the projections"): the
// second way a release turns private rows into published numbers, beside the slicing mechanism. Rows come in
// as public bin codes (one code per column, computed from the schema's bins); each query counts
// the rows in every cell of a set of columns; `finish` adds Gaussian noise to every count.
//
// Sensitivity: under replace-one a row leaves one cell and enters another, so a count vector
// changes by (−1, +1) in two cells: L2 sensitivity √2. (Under zero-out the row is replaced by
// the all-zero encoded row, which also lies in one cell of every table: the same √2.)
// Publication: each noisy count is snapped to the integers (or a coarser power-of-two grid when
// σ > 128), SnappedGaussian.swift: the released numbers carry no low-order bits of the counts.
// Deliberately not here: choosing σ (the composed accountant does), choosing the bins (the schema),
// and post-processing (consistency lives in SliceGen).

import SliceGenNumerics

/// Counts marginals of binned rows and releases them with Gaussian noise.
///
/// ## Privacy
/// Each query j is a Gaussian mechanism with L2 sensitivity √2 and noise σ_j: μ_j = √2/σ_j in
/// Gaussian-DP terms. With the projections they compose into one Gaussian per U with
/// μ² = Q/s² + Σ_j μ_j² (Dong, Roth, Su 2022, composition of GDP is exact), which
/// `SlicingAccountant.delta(…, aggregateMuSquared:)` turns into the exact (ε, δ) profile. The
/// published counts are snapped (`SnappedGaussian`). Tests: MarginalTests, SnappedGaussianTests.
public struct MarginalMechanism {
  /// One marginal: the columns (indices into the per-row code vector) and their bin counts.
  public struct Query: Codable, Equatable, Sendable {
    public var columns: [Int]
    public var shape: [Int]
    public init(columns: [Int], shape: [Int]) {
      precondition(columns.count == shape.count && !columns.isEmpty)
      self.columns = columns
      self.shape = shape
    }
    public var cellCount: Int { shape.reduce(1, *) }
  }

  /// L2 sensitivity of one count vector under replace-one.
  public static let l2Sensitivity = 2.0.squareRoot()

  public let queries: [Query]
  public let codesPerRow: Int
  private var counts: [[Double]]
  public private(set) var rows = 0

  public init(queries: [Query], codesPerRow: Int) {
    self.queries = queries
    self.codesPerRow = codesPerRow
    counts = queries.map { [Double](repeating: 0, count: $0.cellCount) }
  }

  /// A mechanism over counts the caller has already made, one per query (each row of the table
  /// in exactly one cell of each; for example the chosen pairs' 2-way tables, counted with every
  /// candidate pair before the private choice). The sensitivity is the same √2.
  public init(queries: [Query], counts: [[Double]], rows: Int) {
    precondition(queries.count == counts.count)
    precondition(zip(queries, counts).allSatisfy { $0.cellCount == $1.count })
    self.queries = queries
    codesPerRow = 0
    self.counts = counts
    self.rows = rows
  }

  /// Adds rows given as bin codes (rows × codesPerRow, row-major, each code < its shape).
  public mutating func add(codes: UnsafePointer<Int32>, rows count: Int) {
    for q in queries.indices {
      let query = queries[q]
      counts[q].withUnsafeMutableBufferPointer { cells in
        for row in 0..<count {
          let base = codes + row * codesPerRow
          var cell = 0
          for (position, column) in query.columns.enumerated() {
            cell = cell * query.shape[position] + Int(base[column])
          }
          cells[cell] += 1
        }
      }
    }
    rows += count
  }

  /// The exact counts, one vector per query: PRIVATE. Only a partition of a partitioned release
  /// reads them, to hand them to its merge in a file marked private that no other command reads
  /// (PartitionedRelease.swift); the merge adds the noise once, through `finish`.
  public var exactCounts: [[Double]] { counts }

  /// Adds N(0, σ_j²) to every count of query j, snaps the sums to the count grid
  /// (`SnappedGaussian.countGrid`) and returns them.
  public mutating func finish(sigmas: [Double], noise: inout SecureNoise) -> [[Double]] {
    precondition(sigmas.count == queries.count)
    var out: [[Double]] = []
    for (q, sigma) in sigmas.enumerated() {
      precondition(sigma > 0 && sigma.isFinite)
      out.append(
        noise.snappedGaussian(
          counts[q], sigma: sigma, grid: SnappedGaussian.countGrid(sigma: sigma)))
    }
    counts = []
    return out
  }
}
