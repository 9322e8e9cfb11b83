// slicegen's library: schema, CSV, encoding, release files, generator, fit, sample, evaluate.
// The privacy-spending code lives in SliceGenPrivacy; this module only asks it for releases.

@_exported import SliceGenPrivacy

/// The version written into every file slicegen produces.
public enum SliceGenVersion {
  public static let current = "0.1.0"
}
