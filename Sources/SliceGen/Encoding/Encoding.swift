// The map from a schema's rows to the encoded space R^d (Docs/design.md, "Encoding"), and back.
//
// Each kept column c has weight w_c; W = sqrt(Σ_c w_c²). Blocks, in schema order:
//   numeric            1 entry   (w_c/W)·v,             v = (clamp(x) − lo)/(hi − lo) ∈ [0, 1]
//   numeric, nullable  2 entries (w_c/(√2·W))·(v, 0) when present, (w_c/(√2·W))·(0, 1) missing
//   categorical, K     K entries one-hot × w_c/(√2·W) (a nullable column adds a last "missing")
// Why this gives sensitivity 1 (replace-one) and norm ≤ 1 (zero-out):
//   numeric: two values differ by at most w_c/W, and |entry| ≤ w_c/W;
//   nullable numeric: the farthest pair is (1, 0) vs (0, 1): distance √2·w_c/(√2·W) = w_c/W,
//     and each encoding has norm ≤ w_c/(√2·W) ≤ w_c/W;
//   categorical: two one-hots differ in two places: √2·w_c/(√2·W) = w_c/W; norm w_c/(√2·W).
// Summing squares over columns: ‖e(x) − e(x')‖² ≤ Σ_c w_c²/W² = 1 and ‖e(x)‖² ≤ 1.
// This file does not read files; it encodes fields it is given. Tests: EncodingTests.swift.

import Foundation

/// The encoded layout of one kept column.
public struct EncodedBlock: Equatable, Sendable {
  public enum Kind: Equatable, Sendable {
    case numeric(lower: Double, upper: Double, integer: Bool)
    case nullableNumeric(lower: Double, upper: Double, integer: Bool)
    /// `categories` includes the trailing missing category of a nullable column.
    case categorical(categories: [String], missingIndex: Int?)
  }

  /// The column's name and position among the schema's columns (dropped ones included).
  public let name: String
  public let schemaIndex: Int
  public let kind: Kind
  /// First entry of the block in the encoded row, and its width.
  public let offset: Int
  public let width: Int
  /// The factor applied to the block's raw values (w_c/W or w_c/(√2·W)).
  public let scale: Float
}

/// The encoding of a schema (Docs/design.md, "Encoding").
public struct Encoding: Equatable, Sendable {
  public let schema: Schema
  public let blocks: [EncodedBlock]
  /// d, the encoded width.
  public let width: Int

  public init(schema: Schema) {
    self.schema = schema
    let kept = schema.columns.filter { !$0.drop }
    let totalWeight = sqrt(kept.reduce(0.0) { $0 + $1.weight * $1.weight })
    var blocks: [EncodedBlock] = []
    var offset = 0
    for (index, column) in schema.columns.enumerated() where !column.drop {
      let full = column.weight / totalWeight
      let half = full / 2.0.squareRoot()
      let kind: EncodedBlock.Kind
      let width: Int
      let scale: Double
      switch column.domain {
      case .numeric(let lower, let upper, let integer):
        if column.nullable {
          kind = .nullableNumeric(lower: lower, upper: upper, integer: integer)
          width = 2
          scale = half
        } else {
          kind = .numeric(lower: lower, upper: upper, integer: integer)
          width = 1
          scale = full
        }
      case .categorical(let categories, _):
        var all = categories
        var missingIndex: Int? = nil
        if column.nullable {
          missingIndex = all.count
          all.append(schema.missingTokens.first ?? "")
        }
        kind = .categorical(categories: all, missingIndex: missingIndex)
        width = all.count
        scale = half
      }
      // Round the scale down so that float rounding can never push a distance above 1.
      let floatScale = Float(scale).nextDown
      blocks.append(
        EncodedBlock(
          name: column.name, schemaIndex: index, kind: kind, offset: offset, width: width,
          scale: floatScale))
      offset += width
    }
    self.blocks = blocks
    self.width = offset
  }
}

extension Encoding {
  /// The norm of the encoding of a "middle" row: numeric values at the centre of their range,
  /// present, any one category. Public (it depends on the schema only); `plan` uses it.
  public var middleRowNorm: Double {
    var sum = 0.0
    for block in blocks {
      let a = Double(block.scale)
      switch block.kind {
      case .numeric, .nullableNumeric: sum += 0.25 * a * a
      case .categorical: sum += a * a
      }
    }
    return sum.squareRoot()
  }
}
