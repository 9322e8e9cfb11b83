// The component a MERF release carries in place of projections (Docs/release-format.md, format 6;
// Docs/merf.md): the public feature map (D' frequencies drawn from the header's `projectionSeed`,
// length scale ℓ, the classes of a class-conditional release) and the noisy sum of the rows'
// embeddings, with its σ and L2 sensitivity. A reader trusts none of it: `problem()` checks that
// the sizes agree with the schema before anything uses them.

import Foundation
import SliceGenPrivacy

/// The noisy sum of random Fourier features of a MERF release.
public struct ReleasedMERF: Codable, Equatable, Sendable {
  /// D', the frequencies (2D' features per class block).
  public var frequencies: Int
  /// ℓ, the Gaussian kernel's length scale (a function of the schema: MERFFeatures.lengthScale).
  public var lengthScale: Double
  /// The target column and its categories, in encoding order, for a class-conditional release;
  /// nil otherwise.
  public var target: String?
  public var classes: [String]?
  /// The fixed-point grid of the exact sum, 2^−bits (MERFMechanism.fractionBits).
  public var fractionBits: Int
  /// The enforced bound on one row's feature part (B, or B_φ when class-conditional) and the
  /// label coordinate c (0 when not class-conditional), in real units.
  public var featureBound: Double
  public var labelValue: Double
  /// The L2 sensitivity of the sum under the release's relation, and its Gaussian noise σ.
  public var l2Sensitivity: Double
  public var sigma: Double
  /// The snapped noisy sum: class blocks of 2D' values ([cos, sin] of each frequency, class c at
  /// c·2D'), then one label coordinate per class; or the 2D' features alone.
  public var noisySum: [Double]

  /// The released vector's length.
  public var dimension: Int {
    classes.map { 2 * frequencies * $0.count + $0.count } ?? 2 * frequencies
  }

  /// The noisy mean embedding μ̃ = noisy sum / n (n public), the fit's target.
  public func noisyMean(rows n: Int) -> [Double] {
    noisySum.map { $0 / Double(max(n, 1)) }
  }

  /// The class proportions the label coordinates carry (each is c·count + noise): the noisy
  /// counts clipped at 0 and normalised, or nil for an unconditional release or when every
  /// coordinate is at most 0. Post-processing of the released sum.
  public var labelProbabilities: [Double]? {
    guard let classes, labelValue > 0 else { return nil }
    let start = 2 * frequencies * classes.count
    let counts = noisySum[start..<(start + classes.count)].map { max($0 / labelValue, 0) }
    let total = counts.reduce(0, +)
    return total > 0 ? counts.map { $0 / total } : nil
  }

  /// Why the component cannot describe a release of `header`, or nil.
  func problem(in header: ReleaseHeader) -> String? {
    guard (MERFFeatures.frequencyRange).contains(frequencies) else {
      return "merf.frequencies is \(frequencies), must be in \(MERFFeatures.frequencyRange)"
    }
    guard lengthScale.isFinite, lengthScale > 0 else {
      return "merf.lengthScale is \(lengthScale), must be finite and positive"
    }
    guard sigma.isFinite, sigma > 0, l2Sensitivity.isFinite, l2Sensitivity > 0 else {
      return "merf.sigma and merf.l2Sensitivity must be finite and positive"
    }
    guard target == header.schema.target || (target == nil && classes == nil) else {
      return "merf.target is \(target ?? "none"), the schema's is \(header.schema.target ?? "none")"
    }
    if let target {
      let block = Encoding(schema: header.schema).blocks.first { $0.name == target }
      guard let block, case .categorical(let categories, _) = block.kind,
        categories == classes
      else { return "merf.classes are not the categories of the target \(target)" }
    } else if classes != nil {
      return "merf.classes without a target"
    }
    guard noisySum.count == dimension, noisySum.allSatisfy(\.isFinite) else {
      return "merf.noisySum has \(noisySum.count) values, expected \(dimension) finite ones"
    }
    return nil
  }
}
