// `sample` as a library call: draw synthetic rows from a trained model and write them as CSV,
// streaming in blocks so that memory does not depend on the number of rows. Decoding follows the
// schema (Encoding+Decode.swift): integers rounded, values clamped to the domain, categories drawn
// from the generator's probabilities, missing values written with the schema's first token.
// Post-processing of the release: no privacy is spent.

import Foundation
import SliceGenNumerics

/// Draws synthetic tables from models.
public enum Sampler {
  /// Rows generated per block.
  static let blockRows = 4096
  /// The most rows one call writes (`sample --rows`): 10⁹ rows is already hundreds of gigabytes
  /// of CSV for a table like Adult; a larger count is far more likely a typo than a wish.
  public static let maximumRows = 1_000_000_000

  /// Checks a row count (`--rows`): from 1 to `maximumRows`.
  public static func validate(rows: Int) throws(OptionError) {
    if let error = OptionError.outside("rows", rows, 1...maximumRows) { throw error }
  }

  /// Writes `rows` synthetic rows to `outputPath` (atomically: nothing is left on failure).
  /// A model that samples from its release's marginals moves its rows toward them as
  /// `recordUpdate` says (RecordUpdate.swift); the summary says what the update did (nil: it
  /// did not run).
  @discardableResult
  public static func sample(
    model: Model, rows: Int, seed: UInt64, outputPath: String,
    recordUpdate: RecordUpdate.Mode = .auto, progress: (Int) -> Void = { _ in }
  ) throws -> UpdateSummary? {
    try validate(rows: rows)
    try OutputPath.refuse(outputPath, ifAnyOf: [model.path])
    let writer = try CSVWriter(path: outputPath)
    let encoding = Encoding(schema: model.header.schema)
    try writer.writeRecord(encoding.blocks.map(\.name))
    let summary = try generateRows(
      model: model, rows: rows, seed: seed, recordUpdate: recordUpdate, progress: progress
    ) { fields in
      try writer.writeRecord(fields)
    }
    try writer.finish()
    return summary
  }

  /// Generates rows block by block and hands each decoded row to `body`; the record update's
  /// summary as in `sample`.
  @discardableResult
  public static func generateRows(
    model: Model, rows: Int, seed: UInt64, recordUpdate: RecordUpdate.Mode = .auto,
    progress: (Int) -> Void = { _ in }, _ body: ([String]) throws -> Void
  ) throws -> UpdateSummary? {
    let encoding = Encoding(schema: model.header.schema)
    var rng = SeededStream.make(seed: seed, stream: SeededStream.sampling)
    // A forest model always has a release (ModelHeader.problem()).
    if let marginals = model.header.forest, let bins = model.header.bins,
      let release = model.header.release
    {
      let forest = MarginalForest(columns: encoding.blocks.map(\.name), marginals: marginals)
      return try marginalRows(
        forest, marginals: marginals, releaseRows: release.rows,
        recordUpdate: recordUpdate, encoding: encoding, bins: bins, rows: rows, seed: seed,
        using: &rng, progress: progress, body)
    }
    let generator = try MLPGenerator(
      architecture: model.header.architecture, parameters: model.parameters)
    // Columns with binned heads are decoded from their heads alone (each field once).
    let binned = model.header.architecture.blocks.map { block in
      if case .binned = block { return true }
      return false
    }
    let latent = model.header.architecture.latent
    var latents = [Float](repeating: 0, count: blockRows * latent)
    var fields: [String] = []
    var done = 0
    while done < rows {
      let b = min(blockRows, rows - done)
      latents.withUnsafeMutableBufferPointer {
        GaussianSampling.fill(
          UnsafeMutableBufferPointer(rebasing: $0[0..<(b * latent)]),
          standardDeviation: 1, using: &rng)
      }
      let cache = latents.withUnsafeBufferPointer {
        generator.forward(latents: $0.baseAddress!, batch: b)
      }
      try cache.output.withUnsafeBufferPointer { out in
        for i in 0..<b {
          encoding.decode(
            out.baseAddress! + i * encoding.width, into: &fields, using: &rng,
            sample: true, decodedElsewhere: binned)
          if let bins = model.header.bins {
            decodeBinned(
              heads: cache.heads, row: i, architecture: model.header.architecture,
              bins: bins, encoding: encoding, into: &fields, using: &rng)
          }
          try body(fields)
        }
      }
      done += b
      progress(done)
    }
    return nil
  }

  /// Numeric columns with binned heads: draw a bin from the head's probabilities, then a value
  /// uniformly within it (the exact value for a point bin or an integer-valued bin).
  static func decodeBinned(
    heads: [Float], row: Int, architecture: GeneratorArchitecture, bins: [ColumnBins],
    encoding: Encoding, into fields: inout [String], using rng: inout some RandomNumberGenerator
  ) {
    let width = architecture.logitCount
    var offset = 0
    let missingToken = encoding.schema.missingTokens.first ?? ""
    for (c, block) in architecture.blocks.enumerated() {
      defer { offset += block.logitCount }
      guard case .binned = block else { continue }
      let p = heads[(row * width + offset)..<(row * width + offset + block.logitCount)]
      let chosen = drawIndex(p, using: &rng)
      fields[c] = numericField(
        bin: chosen, of: bins[c], missingToken: missingToken, using: &rng)
    }
  }

  /// The text of a value drawn in numeric bin `bin`: the missing token for the missing bin, else
  /// a value uniform within the bin (the exact value for a point bin or an integer-valued bin).
  static func numericField(
    bin: Int, of columnBins: ColumnBins, missingToken: String,
    using rng: inout some RandomNumberGenerator
  ) -> String {
    if bin == columnBins.missingBin { return missingToken }
    let interval = columnBins.unitInterval(of: bin)
    var unit = Double.random(in: interval, using: &rng)
    if columnBins.integer, case .pointAndWidth = columnBins.kind, bin > 0 {
      // Integers strictly inside (lower, upper]: keep the draw above the point bin.
      let span = columnBins.upper - columnBins.lower
      unit = max(unit, 1 / span)
    }
    return Encoding.number(unit, columnBins.lower, columnBins.upper, columnBins.integer)
  }

  /// Index k drawn with probability weights[k] / Σ weights (the last index when rounding leaves
  /// the draw past the end).
  static func drawIndex<C: Collection>(
    _ weights: C, using rng: inout some RandomNumberGenerator
  ) -> Int where C.Element: BinaryFloatingPoint {
    var u = Double.random(in: 0..<1, using: &rng) * weights.reduce(0.0) { $0 + Double($1) }
    for (k, weight) in weights.enumerated() {
      u -= Double(weight)
      if u < 0 { return k }
    }
    return weights.count - 1
  }
}

extension Sampler {
  /// Which model of a release's marginals `sampleMarginals` draws from.
  public enum MarginalModel: Sendable {
    /// Every column on its own from its 1-way marginal: the private floor (Docs/benchmarks.md),
    /// a reference for what a release that learns no structure between columns gives at the
    /// same (ε, δ).
    case independent
    /// The maximum-entropy model of the 1-way tables and a forest of the 2-way tables
    /// (MarginalForest.swift).
    case forest
  }

  /// What `sampleMarginals` drew from, and what the record update did (nil: it did not run).
  public struct MarginalSample: Sendable {
    public var forest: MarginalForest
    public var update: UpdateSummary?
  }

  /// Writes `rows` rows drawn from a model of the release's consistent marginals to
  /// `outputPath` atomically, and returns the model it drew from. With `.forest`, the rows are
  /// moved toward the release's marginals as `recordUpdate` says (RecordUpdate.swift); the
  /// private floor (`.independent`) never is. Post-processing of the release, no privacy spent.
  @discardableResult
  public static func sampleMarginals(
    release: Release, model kind: MarginalModel, rows: Int, seed: UInt64, outputPath: String,
    recordUpdate: RecordUpdate.Mode = .auto, progress: (Int) -> Void = { _ in }
  ) throws -> MarginalSample {
    try validate(rows: rows)
    try OutputPath.refuse(outputPath, ifAnyOf: [release.path])
    let header = release.header
    guard let columnBins = header.columnBins, let marginals = header.marginals else {
      throw OptionError(
        option: kind == .independent ? "independent" : "forest", value: nil,
        rule: "needs a release with 1-way marginals (release --marginals one-way, or any mode "
          + "but none); this one has the projections only")
    }
    let encoding = Encoding(schema: header.schema)
    let forest = MarginalForest(
      columns: encoding.blocks.map(\.name), marginals: marginals, pairs: kind == .forest)
    var rng = SeededStream.make(seed: seed, stream: SeededStream.independentSampling)
    let writer = try CSVWriter(path: outputPath)
    try writer.writeRecord(encoding.blocks.map(\.name))
    let update = try marginalRows(
      forest, marginals: marginals, releaseRows: header.rows,
      recordUpdate: kind == .forest ? recordUpdate : .off, encoding: encoding, bins: columnBins,
      rows: rows, seed: seed, using: &rng, progress: progress
    ) { try writer.writeRecord($0) }
    try writer.finish()
    return MarginalSample(forest: forest, update: update)
  }

  /// Rows from `forest`, with the record update toward `marginals` when `recordUpdate` runs.
  static func marginalRows(
    _ forest: MarginalForest, marginals: [ReleasedMarginal], releaseRows: Int,
    recordUpdate: RecordUpdate.Mode, encoding: Encoding, bins: [ColumnBins], rows: Int,
    seed: UInt64, using rng: inout some RandomNumberGenerator, progress: (Int) -> Void,
    _ body: ([String]) throws -> Void
  ) throws -> UpdateSummary? {
    guard
      let targets = RecordUpdate.targets(
        recordUpdate, marginals: marginals, leftOut: forest.leftOut, rows: releaseRows)
    else {
      try forestRows(
        forest, encoding: encoding, bins: bins, rows: rows, using: &rng, progress: progress, body)
      return nil
    }
    return try updatedForestRows(
      forest, targets: targets, encoding: encoding, bins: bins, rows: rows, seed: seed,
      using: &rng, progress: progress, body)
  }

  /// Draws `rows` rows from `forest`, decodes each (a category, or a value within its numeric
  /// bin) and hands it to `body`.
  static func forestRows(
    _ forest: MarginalForest, encoding: Encoding, bins columnBins: [ColumnBins], rows: Int,
    using rng: inout some RandomNumberGenerator, progress: (Int) -> Void,
    _ body: ([String]) throws -> Void
  ) throws {
    let missingToken = encoding.schema.missingTokens.first ?? ""
    var fields = [String](repeating: "", count: encoding.blocks.count)
    var bins = [Int](repeating: 0, count: encoding.blocks.count)
    for row in 0..<rows {
      forest.draw(into: &bins, using: &rng)
      for (c, block) in encoding.blocks.enumerated() {
        if case .categorical(let categories, _) = block.kind {
          fields[c] = categories[bins[c]]
        } else {
          fields[c] = numericField(
            bin: bins[c], of: columnBins[c], missingToken: missingToken, using: &rng)
        }
      }
      try body(fields)
      if (row + 1) % blockRows == 0 || row + 1 == rows { progress(row + 1) }
    }
  }
}
