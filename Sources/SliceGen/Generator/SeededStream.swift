// The seeded random streams of post-processing: training, sampling and evaluation each draw from
// ChaCha20 keyed by (the user's seed, a fixed stream id), so a seed reproduces a run bit for bit
// and the steps never share a stream. None of these streams touches private data: the noise
// of a release comes from SecureNoise (SliceGenPrivacy), never from here.

import SliceGenNumerics

/// Seeded ChaCha20 streams for training, sampling and evaluation.
public enum SeededStream {
  /// `sample`'s stream id: "ZMPL" in ASCII (a typo of "SMPL", kept so that seeded samples stay
  /// reproducible across versions).
  public static let sampling: UInt64 = 0x5A4D_504C
  /// `sample --independent`'s stream id: "INDP" in ASCII.
  public static let independentSampling: UInt64 = 0x494E_4450
  /// The record update's stream id (`sample --update-records`): "RUPD" in ASCII.
  public static let recordUpdate: UInt64 = 0x5255_5044
  /// `evaluate`'s stream id: "EVAL" in ASCII.
  public static let evaluation: UInt64 = 0x4556_414C
  /// The stream id of `evaluate`'s MLP classifier on images (MLPClassifier.swift): "MLPC" in
  /// ASCII. Each model starts it afresh, so its accuracy does not depend on what else
  /// `evaluate` drew.
  public static let mlpClassifier: UInt64 = 0x4D4C_5043

  /// ChaCha20 keyed by `seed` (bytes 0–7, little-endian) and `stream` (bytes 8–15), with byte 16
  /// set apart from `ChaCha20(seed:)`, which draws U from a release's seed.
  public static func make(seed: UInt64, stream: UInt64) -> ChaCha20 {
    var key = [UInt8](repeating: 0, count: 32)
    for i in 0..<8 {
      key[i] = UInt8(truncatingIfNeeded: seed >> (8 * UInt64(i)))
      key[8 + i] = UInt8(truncatingIfNeeded: stream >> (8 * UInt64(i)))
    }
    key[16] = 0x5A
    return ChaCha20(key: key)
  }
}
