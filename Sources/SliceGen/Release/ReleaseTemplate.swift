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
      throw refuse("its projection seed was chosen by the user (--projection-seed), so U was "
        + "known before the data; shards need a first release whose seed was drawn at random")
    }
    guard h.merged == nil else {
      throw refuse("it is a merged release; give one of the shards (the first release)")
    }
    guard h.marginals == nil else {
      throw refuse("it carries noisy marginals; shards are released with projections only "
        + "(release the first shard without --marginals)")
    }
    guard let seed = UInt64(h.projectionSeed) else { throw refuse("its projection seed is not a number") }
    let settings = try ShardSettings(header: h, file: "--like \(path)")
    let u = try reader.directionBytes().littleEndianFloats()
    let regenerated = SlicingMechanism.directions(
      encodedWidth: h.encodedWidth, projectionCount: h.projections, seed: seed)
    guard u.map(\.bitPattern) == regenerated.map(\.bitPattern) else {
      throw refuse("its stored U is not the U of its seed \(h.projectionSeed) (a different "
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
    return o
  }
}
