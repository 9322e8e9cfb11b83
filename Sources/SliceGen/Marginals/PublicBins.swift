// Public bins: a discrete domain for every kept column, computed from the schema alone (never from
// the data), over which marginals are counted and the generator's marginal term is evaluated.
//
//   categorical: one bin per category (+ one for missing when nullable);
//   numeric, integer, at most `maximumBins` distinct values: one bin per value;
//   numeric otherwise: a point bin for the lower bound (values pile up there, e.g. a capital gain
//     of 0), then `maximumBins` equal-width bins over (lower, upper] (+ missing when nullable).

import Foundation

/// The public discretisation of one column.
public struct ColumnBins: Codable, Equatable, Sendable {
  public enum Kind: String, Codable, Sendable { case categorical, integerValues, pointAndWidth }
  public var name: String
  public var kind: Kind
  /// Number of bins, missing bin included.
  public var count: Int
  /// Numeric: the domain and, for `pointAndWidth`, the number of equal-width bins.
  public var lower: Double
  public var upper: Double
  public var widthBins: Int
  public var integer: Bool
  /// Index of the missing bin, if the column is nullable.
  public var missingBin: Int?

  /// The bin of a numeric value already clamped to [lower, upper].
  public func bin(of value: Double) -> Int {
    switch kind {
    case .categorical:
      preconditionFailure("categorical bins come from category indices")
    case .integerValues:
      return min(max(Int((value - lower).rounded()), 0), Int(upper - lower))
    case .pointAndWidth:
      if value <= lower { return 0 }
      let unit = (value - lower) / (upper - lower)
      return 1 + min(Int((unit * Double(widthBins)).rounded(.up)) - 1, widthBins - 1)
    }
  }

  /// The interval of unit values v ∈ [0, 1] covered by a numeric bin (a point bin has zero width).
  public func unitInterval(of bin: Int) -> ClosedRange<Double> {
    switch kind {
    case .categorical:
      preconditionFailure("categorical bins have no interval")
    case .integerValues:
      let v = Double(bin) / (upper - lower)
      return v...v
    case .pointAndWidth:
      if bin == 0 { return 0...0 }
      let w = 1 / Double(widthBins)
      return (Double(bin - 1) * w)...(Double(bin) * w)
    }
  }
}

extension Encoding {
  /// The public bins of every kept column, in block order.
  public func publicBins(maximumBins: Int = 32) -> [ColumnBins] {
    blocks.map { block in
      switch block.kind {
      case .categorical(let categories, let missingIndex):
        return ColumnBins(
          name: block.name, kind: .categorical, count: categories.count,
          lower: 0, upper: 0, widthBins: 0, integer: false, missingBin: missingIndex)
      case .numeric(let lower, let upper, let integer),
        .nullableNumeric(let lower, let upper, let integer):
        let nullable: Bool
        if case .nullableNumeric = block.kind { nullable = true } else { nullable = false }
        var bins: ColumnBins
        if integer, upper - lower + 1 <= Double(maximumBins) {
          bins = ColumnBins(
            name: block.name, kind: .integerValues, count: Int(upper - lower) + 1,
            lower: lower, upper: upper, widthBins: 0, integer: true, missingBin: nil)
        } else {
          bins = ColumnBins(
            name: block.name, kind: .pointAndWidth, count: maximumBins + 1,
            lower: lower, upper: upper, widthBins: maximumBins, integer: integer,
            missingBin: nil)
        }
        if nullable {
          bins.missingBin = bins.count
          bins.count += 1
        }
        return bins
      }
    }
  }
}

extension Encoding {
  /// The public bin codes of every row of the CSV at `path`, (rows, columns) row-major, as a
  /// release computes them (`RowEncoder` with these bins: each code from the field's value), with
  /// the bins they index. Exact private data: for measurements on public sample tables
  /// (slicegen-bench pair-selection) and tests, never on a release path.
  /// - Throws: the reader's and the encoder's errors (`CSVError`, `HeaderError`, `EncodingError`).
  /// - Complexity: O(rows · width).
  @_spi(Benchmarks)
  public func binCodes(csvPath path: String, maximumBins: Int = 32) throws -> (
    codes: [Int32], rows: Int, bins: [ColumnBins]
  ) {
    let bins = publicBins(maximumBins: maximumBins)
    var reader = try CSVReader(path: path)
    var encoder = try RowEncoder(encoding: self, header: reader.header, path: path, bins: bins)
    var row = [Float](repeating: 0, count: width)  // (width) one encoded row
    var one = [Int32](repeating: 0, count: bins.count)  // (columns) its codes
    var codes: [Int32] = []
    var rows = 0
    while let record = try reader.nextRecord() {
      try row.withUnsafeMutableBufferPointer { r in
        try one.withUnsafeMutableBufferPointer { c in
          try encoder.encode(
            record.fields, line: record.line, into: r.baseAddress!, codes: c.baseAddress!)
        }
      }
      codes += one
      rows += 1
    }
    return (codes, rows, bins)
  }
}
