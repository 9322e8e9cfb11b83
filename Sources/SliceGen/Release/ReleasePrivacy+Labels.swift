// The warnings a release carries in its privacy statement, as lines a command prints wherever a
// release or anything made from it (a model, a synthetic table) is shown: `release`, `inspect`,
// `fit`, `sample`. A model stores its release's `ReleasePrivacy` whole (ModelFile.swift), so
// these labels survive training and sampling.

extension ReleasePrivacy {
  /// One line per reason the guarantee does not hold as stated, or none: test noise (NOT
  /// private at all) and a domain drafted from the data (NOT protected).
  public var warningLabels: [String] {
    var labels: [String] = []
    if !noiseIsPrivate {
      labels.append(
        "NOT PRIVATE: the release was made with reproducible test noise "
          + "(SLICEGEN_INSECURE_TEST_NOISE_SEED); nothing made from it is private.")
    }
    if !domainProtected {
      labels.append(
        "domain NOT protected: the release's schema was drafted from the data "
          + "(--accept-data-derived-schema); its bounds and categories are not private.")
    }
    return labels
  }
}
