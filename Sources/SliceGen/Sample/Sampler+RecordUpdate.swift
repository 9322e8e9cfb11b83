// Sampling from a release's marginals with the record update (RecordUpdate.swift): the forest's
// rows are drawn as public bin codes, in blocks of at most `updateBlockRows` rows, each block is
// moved toward the release's consistent marginals, and then decoded (a category, or a value
// within its numeric bin). Memory stays bounded by the block, whatever the number of rows.
// Post-processing of the release: no privacy spent.

import Foundation
import SliceGenNumerics

extension Sampler {
  /// Rows per block of the record update: 2^20 rows of 86 columns hold 360 MB of codes.
  static let updateBlockRows = 1 << 20

  /// The record update of one sample: how many tables it matched, and the largest
  /// total-variation distance between a matched table and the sample before and after (the
  /// largest over blocks).
  public struct UpdateSummary: Sendable, Equatable {
    public var tables: Int
    public var before: Double
    public var after: Double
  }

  /// Draws `rows` rows from `forest` in blocks, moves each block toward `targets`, decodes the
  /// rows and hands each to `body`.
  static func updatedForestRows(
    _ forest: MarginalForest, targets: [ReleasedMarginal], encoding: Encoding,
    bins columnBins: [ColumnBins], rows: Int, seed: UInt64,
    using rng: inout some RandomNumberGenerator, progress: (Int) -> Void,
    _ body: ([String]) throws -> Void
  ) throws -> UpdateSummary {
    let names = encoding.blocks.map(\.name)
    let c = names.count
    let update = RecordUpdate(columns: names, marginals: targets)
    var updateRNG = SeededStream.make(seed: seed, stream: SeededStream.recordUpdate)
    let missingToken = encoding.schema.missingTokens.first ?? ""
    var summary = UpdateSummary(tables: targets.count, before: 0, after: 0)
    var fields = [String](repeating: "", count: c)
    var bins = [Int](repeating: 0, count: c)
    var done = 0
    while done < rows {
      let b = min(updateBlockRows, rows - done)
      var codes = [Int32](repeating: 0, count: b * c)
      for r in 0..<b {
        forest.draw(into: &bins, using: &rng)
        for column in 0..<c { codes[r * c + column] = Int32(bins[column]) }
      }
      summary.before = max(summary.before, update.largestDistance(codes: codes, rows: b))
      update.update(codes: &codes, rows: b, using: &updateRNG)
      summary.after = max(summary.after, update.largestDistance(codes: codes, rows: b))
      for r in 0..<b {
        for (column, block) in encoding.blocks.enumerated() {
          let bin = Int(codes[r * c + column])
          if case .categorical(let categories, _) = block.kind {
            fields[column] = categories[bin]
          } else {
            fields[column] = numericField(
              bin: bin, of: columnBins[column], missingToken: missingToken, using: &rng)
          }
        }
        try body(fields)
        if (done + r + 1) % blockRows == 0 || done + r + 1 == rows { progress(done + r + 1) }
      }
      done += b
    }
    return summary
  }
}
