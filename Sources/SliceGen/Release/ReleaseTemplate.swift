// `release --like first.slg`: the public parameters a shard copies from a first release (U's
// seed, schema, σ, slicing, relation, accountant, subsampling), and the refusals that keep the
// shards' guarantee sound (ShardAccounting.swift in SliceGenPrivacy has the argument). Nothing is
// taken on trust: the file is checksummed, not authenticated, so every setting is checked and σ is
// re-derived (ShardSettings.swift) before the shard copies it.

import Foundation
import SliceGenPrivacy

/// What a shard copies from its first release.
public struct ReleaseTemplate: Sendable {
  /// The first release's header.
  public let header: ReleaseHeader
  /// The first release's path (a shard's output must not replace it).
  public let path: String
  /// The first release file's SHA-256 (hex).
  public let checksum: String
  public let seed: UInt64
  /// The first release's own spend on the projections (without its discovery, if any).
  public let releaseEpsilon: Double
  public let releaseDelta: Double
  /// The fixed-U bound at the same σ (for contributors who choose rows after seeing U).
  public let shardInfo: ShardInfo
  /// The header's privacy settings, checked, with σ re-derived.
  public let settings: ShardSettings

  /// Reads and verifies `path` (streaming: the rows are hashed, never held).
  public init(firstReleaseAt path: String) throws {
    self.path = path
    let reader = try ReleaseFileReader(path: path)
    let h = reader.header
    func refuse(_ reason: String) -> ReleaseError { ReleaseError("--like \(path): \(reason)") }
    guard h.projectionSeedSource == "secure" else {
      throw refuse(
        "its projection seed was chosen by the user (--projection-seed), so U was "
          + "known before the data; shards need a first release whose seed was drawn at random")
    }
    guard h.merged == nil else {
      throw refuse("it is a merged release; give one of the shards (the first release)")
    }
    if h.marginals != nil {
      guard h.marginalBins != nil, h.pairBins != nil, h.privacy.implementation != nil else {
        throw refuse(
          "its marginals were released before format 3 (no record of their bins, "
            + "and their noisy counts were not snapped); release the first shard again")
      }
    }
    guard let seed = UInt64(h.projectionSeed) else {
      throw refuse("its projection seed is not a number")
    }
    let settings = try ShardSettings(header: h, file: "--like \(path)")
    let u = try reader.directionBytes().littleEndianFloats()
    let regenerated = SlicingMechanism.directions(
      encodedWidth: h.encodedWidth, projectionCount: h.projections, seed: seed)
    guard u.map(\.bitPattern) == regenerated.map(\.bitPattern) else {
      throw refuse(
        "its stored U is not the U of its seed \(h.projectionSeed) (a different "
          + "slicegen version, or a modified file)")
    }
    try reader.skipToEnd()
    header = h
    checksum = reader.checksum!
    self.seed = seed
    self.settings = settings
    releaseEpsilon = settings.epsilon
    releaseDelta = settings.delta
    let fixed = ShardAccounting.fixedDirectionsEpsilon(
      directions: u, encodedWidth: h.encodedWidth, projections: h.projections, sigma: h.sigma,
      delta: releaseDelta, subsampling: h.privacy.subsampling)
    shardInfo = ShardInfo(
      likeChecksum: checksum, fixedDirectionsEpsilon: fixed.epsilon,
      spectralNormBound: fixed.spectralNormBound)
  }

  /// The first release's calibration: its σ, copied bit for bit so that the shards merge (checked
  /// to be at least the σ re-derived from its settings), with the re-derived analysis.
  public var calibration: ReleaseCalibration {
    var calibration = settings.derived
    calibration.sigma = header.sigma
    return calibration
  }

  /// The σ of each of the first release's marginals, by its columns (nil without marginals).
  public var marginalSigmas: [[String]: Double]? {
    header.marginals.map { Dictionary(uniqueKeysWithValues: $0.map { ($0.columns, $0.sigma) }) }
  }

  /// Release options with every copied setting; ε and δ are the first release's own spend.
  public var options: ReleaseOptions {
    var o = ReleaseOptions(epsilon: releaseEpsilon)
    o.delta = releaseDelta
    o.slices = header.slices
    o.sliceDim = header.sliceDim
    o.accountant = settings.accountant
    o.neighbors = settings.neighbors
    o.subsampling = settings.subsampling
    o.template = self
    // With marginals: the first release's tables (every 1-way marginal and the 2-way ones it
    // measured, named now: the first release chose them from its own noisy output, public), on
    // the same bins, each with the first release's σ (`marginalSigmas`).
    if let marginals = header.marginals {
      let pairs = marginals.filter { $0.columns.count == 2 }.map(\.columns)
      o.marginals = pairs.isEmpty ? .oneWay : .pairs(pairs)
      o.marginalBins = header.marginalBins!
      o.pairBins = header.pairBins!
      o.aggregateShare = settings.aggregateShare
    } else {
      o.marginals = .none
    }
    return o
  }
}
