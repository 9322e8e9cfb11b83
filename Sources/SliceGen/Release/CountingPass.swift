// The one pass of a release over the private rows: read the CSV, encode each row (with its bin
// codes, from the values as read), hand the rows to the slicing mechanism and add them to the
// exact counts of the marginals and of the candidate pairs. Nothing leaves this pass without
// noise: the counts go to the Gaussian mechanisms (Releaser+Marginals.swift), the rows stay
// inside SlicingMechanism until it noises them, and the clamping counters go to the data owner's
// terminal only.

import Foundation
import SliceGenNumerics

/// The rows of one CSV, encoded and counted.
struct CountingPass {
  var mechanism: SlicingMechanism
  var marginals: MarginalMechanism
  /// Every candidate pair's exact table, with private pair selection only.
  var pairCounts: PairCounts?
  /// Per kept column: values clamped into the declared bounds / mapped to the catch-all.
  var clamped: [Int]
  var catchAll: [Int]

  /// Rows encoded per chunk.
  static let chunkRows = 4096

  /// Reads every row of `csvPath` into `mechanism` and the plan's counts.
  /// - Parameter progress: called after each chunk with the number of rows read.
  init(
    csvPath: String, plan: ReleasePlan, mechanism: SlicingMechanism,
    progress: (Int) -> Void
  ) throws {
    var mechanism = mechanism
    var marginals = plan.marginalMechanism()
    var pairCounts = try plan.options.marginals.selectionMode.map { mode in
      try PairCounts(binCounts: plan.pairBinning.counts, mode: mode)
    }
    let d = plan.encoding.width
    let c = plan.names.count
    let counting = plan.hasMarginals
    var reader = try CSVReader(path: csvPath)
    var encoder = try RowEncoder(
      encoding: plan.encoding, header: reader.header, path: csvPath,
      bins: counting ? plan.bins : nil)
    let chunkRows = Self.chunkRows
    var chunk = [Float](repeating: 0, count: chunkRows * d)
    // Per row: its fine bin codes (c), then its pair codes (c).
    var codes = [Int32](repeating: 0, count: counting ? chunkRows * 2 * c : 0)
    var filled = 0
    try chunk.withUnsafeMutableBufferPointer { rowBuffer in
      try codes.withUnsafeMutableBufferPointer { codeBuffer in
        let rows = rowBuffer.baseAddress!
        let codeBase = counting ? codeBuffer.baseAddress : nil
        func flush() {
          mechanism.append(encoded: rows, rows: filled)
          if let codeBase {
            for row in 0..<filled {
              let rowCodes = codeBase + row * 2 * c
              plan.pairBinning.mapCodes(rowCodes, into: rowCodes + c)
            }
            marginals.add(codes: codeBase, rows: filled)
            pairCounts?.add(codes: codeBase + c, rows: filled, codesPerRow: 2 * c)
          }
          filled = 0
        }
        while try reader.withNextRawRecord({ record in
          try encoder.encode(
            record, into: rows + filled * d, codes: codeBase.map { $0 + filled * 2 * c })
        }) != nil {
          filled += 1
          if filled == chunkRows {
            flush()
            progress(mechanism.rowsSeen)
          }
        }
        flush()
      }
    }
    self.mechanism = mechanism
    self.marginals = marginals
    self.pairCounts = pairCounts
    clamped = encoder.clampedCounts
    catchAll = encoder.catchAllCounts
  }
}
