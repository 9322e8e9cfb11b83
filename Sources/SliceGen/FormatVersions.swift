// The one place that owns the versions of slicegen's file formats and what each version added
// (Docs/release-format.md, Docs/model-format.md). Every change to what a file holds bumps its
// version here, says what the new version added, and keeps older files readable where it can.

/// Versions of the release and model formats.
public enum FormatVersions {
  /// Release files:
  /// - 1: the header, U and O (the paper's mechanism), and marginals on fine bins;
  /// - 2: `binGroups` on marginals counted on pair bins (their `shape` is no longer the fine bins'
  ///   counts, which a version-1 reader would misread);
  /// - 3: noisy values snapped to a grid, and `privacy.implementation` (the floating-point margin);
  /// - 4: each column's bins stored once, in the header's `bins`, not in every marginal;
  /// - 5: `pairSelection.rounds`, the adaptive selection rounds of `--rounds` (a version-4 reader
  ///   would take the whole selection for one round);
  /// - 6: method `merf` and its `merf` component (DP-MERF: one noisy sum of random Fourier
  ///   features, no projections: m = k = m' = 0), which a version-5 reader would refuse as
  ///   inconsistent sizes at best.
  /// - 7: `pairSelection.mechanism` "exponential": pairs picked one at a time by the exponential
  ///   mechanism, with no scores published (a version-6 reader would take the empty score vector
  ///   for a Gaussian one and misstate the selection).
  public static let release = 7
  /// The release versions this slicegen reads.
  public static let readableReleases = 1...release

  /// The lowest version that describes `header`, the one a writer stamps, so that files older
  /// readers read correctly stay readable by them.
  static func release(for header: ReleaseHeader) -> Int {
    if header.pairSelection?.mechanism != nil { return 7 }
    if header.merf != nil { return 6 }
    if header.pairSelection?.rounds != nil { return 5 }
    if header.bins != nil { return 4 }
    if header.privacy.implementation != nil { return 3 }
    return (header.marginals ?? []).contains { $0.binGroups != nil } ? 2 : 1
  }

  /// Release templates (`slicegen release-template`, PartitionTemplate.swift):
  /// - 1: the schema, the resolved release options, U's seed, δ, n, σ and the partition names.
  public static let template = 1

  /// Partial files (`slicegen release-partition`, PartitionFile.swift), read by `release-merge`
  /// of the same slicegen only:
  /// - 1: the header, a partition's noisy projections, its exact marginal and candidate counts.
  public static let partial = 1

  /// Model files:
  /// - 1: the header, the kept and last parameters, Adam's moments;
  /// - 2: `forest`, the released marginals a model samples from in place of its generator
  ///   (MarginalForest.swift); a version-1 reader would sample the untrained generator;
  /// - 3: `nonPrivate` in place of `release`: a generator trained directly on private rows with no
  ///   differential privacy (`slicegen train-nonprivate`, NonPrivateTraining.swift), which a
  ///   version-2 reader must not load (it would find no release and no warning);
  /// - 4: `architecture.condition`, a class-conditional image generator whose first layer also
  ///   reads the label (ConditionalImageGenerator.swift), which a version-3 reader would misread;
  /// - 5: `dpsgd` in place of `release`: a generator trained by DP-SGD on private rows
  ///   (`slicegen train-dpsgd`, DPSGDTraining.swift) with its own (ε, δ), which a version-4
  ///   reader would take for a model with no statement;
  /// - 6: `dpsgd.feedbackNorm`, error-feedback clipping, whose noise unit is C + 2C₂ rather than
  ///   C (a version-5 reader would misstate the noise);
  /// - 7: `dpsgd.reconstructionWeight` and `dpsgd.noiseInjection`, Ma and Zhang's reconstruction
  ///   term and noise injection in DP-SGD training (a version-6 reader would describe the training
  ///   without them);
  /// - 8: `architecture.upsampling`, the transposed-convolution image generator
  ///   (TransposedConvolution.swift), whose parameters a version-7 reader would lay out as a
  ///   dense network's.
  /// A model of another version is refused with a message to retrain: models are cheap to remake
  /// from their release.
  public static let model = 8
  /// The model versions this slicegen reads.
  public static let readableModels = 1...model

  /// The lowest version that describes `header`, the one a writer stamps.
  static func model(for header: ModelHeader) -> Int {
    if header.architecture.upsampling != nil { return 8 }
    if header.dpsgd?.reconstructionWeight != nil || header.dpsgd?.noiseInjection != nil {
      return 7
    }
    if header.dpsgd?.feedbackNorm != nil { return 6 }
    if header.dpsgd != nil { return 5 }
    if header.architecture.condition != nil { return 4 }
    if header.nonPrivate != nil { return 3 }
    return header.forest == nil ? 1 : 2
  }
}
