// The JSON header of a release file (Docs/release-format.md): everything about a release except
// its two matrices. Every field is public by construction: parameters, the schema, n, and the
// privacy statement. Nothing derived from the data besides the noisy matrices (and n, public in
// slicegen's privacy model) goes here; clamping counts, for example, are shown to the data owner on
// the terminal and never written.

import Foundation

/// One privacy-spending component of a release, as listed by `inspect`.
public struct ReleaseComponent: Codable, Equatable, Sendable {
  /// "projections", or an aggregate's name.
  public var name: String
  /// The Gaussian noise standard deviation of the component.
  public var sigma: Double
  /// Its L2 sensitivity under the release's neighbouring relation (for projections: per row, in
  /// the encoded space, 1; the χ²-mixture accounts for U).
  public var l2Sensitivity: Double
  /// Its share of the expected μ² (1 when alone).
  public var share: Double
  /// J: how many vectors the component releases, each with this σ and sensitivity, so that it
  /// spends μ² = J·(Δ/σ)² (aggregates); nil for the projections (their μ² is the χ² mixture's).
  public var queries: Int? = nil
}

/// The privacy guarantee a release carries, as stated in its header.
public struct ReleasePrivacy: Codable, Equatable, Sendable {
  public var epsilon: Double
  public var delta: Double
  /// The neighbouring relation the guarantee is stated for.
  public var neighbors: NeighbouringRelation
  /// `profile`, `theorem1` (χ²-mixture analyses over a random U), or `analytic-gaussian`
  /// (fixed, user-chosen U: Gaussian mechanism with sensitivity ‖U‖₂).
  public var accountant: ReleaseAccountant
  /// Which analysis applies and why, in one sentence.
  public var analysis: String
  /// Certified upper bound on ‖U‖₂ when U was fixed by the user.
  public var spectralNormBound: Double?
  /// Poisson subsampling rate, when the release was subsampled.
  public var subsampling: Double?
  public var components: [ReleaseComponent]
  /// False when the schema was drafted from the data: then the domain itself is not protected.
  public var domainProtected: Bool
  /// False only for test releases made with reproducible noise: such a file is NOT private.
  public var noiseIsPrivate: Bool
  /// The guarantee in plain words.
  public var statement: String
  /// Set when the schema was discovered from this table under privacy (no --schema): the
  /// discovery's spend and the release's, which add up to (epsilon, delta).
  public var discovery: DiscoverySpend? = nil
  /// What the floating-point implementation adds to the ideal mechanism's (ε, δ), already
  /// inside (epsilon, delta) (ImplementationMargin.swift, Docs/privacy.md). nil in files of
  /// format 1–2, whose noisy values were not snapped.
  public var implementation: ImplementationMargin? = nil
}

/// The budget spent on private domain discovery, composed with the release by basic sequential
/// composition: (ε, δ) = (ε_discovery + ε_release, δ_discovery + δ_release).
public struct DiscoverySpend: Codable, Equatable, Sendable {
  /// The declared fraction f of ε and δ given to discovery.
  public var fraction: Double
  /// The discovery's (ε, δ) under replace-one (δ is the budget; `spentDelta` ≤ it).
  public var epsilon: Double
  public var delta: Double
  public var spentDelta: Double
  /// The release's own (ε, δ): the rest of the budget.
  public var releaseEpsilon: Double
  public var releaseDelta: Double
  /// Round-1 and round-2 noise of an ordinary column, and its partition-selection threshold
  /// (rows).
  public var typeSigma: Double
  public var valueSigma: Double
  public var selectionThreshold: Double
  public var columns: Int
  /// The declared target, its round-2 noise and threshold (its larger share of the budget);
  /// absent in files written before targets existed.
  public var target: String? = nil
  public var targetValueSigma: Double? = nil
  public var targetSelectionThreshold: Double? = nil
}

/// A release made with `--like first.slg`: same U (seed), schema, σ and slicing as the first.
public struct ShardInfo: Codable, Equatable, Sendable {
  /// The SHA-256 of the first release file this one copies.
  public var likeChecksum: String
  /// ε at the stated δ if a contributor chose rows after seeing U (published with the first
  /// release): the fixed-U Gaussian bound, sensitivity ‖U‖₂ ≤ `spectralNormBound`, same σ.
  public var fixedDirectionsEpsilon: Double
  public var spectralNormBound: Double
}

/// A release made by `slicegen merge` of shards that agree on U, schema, σ and slicing.
public struct MergeInfo: Codable, Equatable, Sendable {
  public struct Part: Codable, Equatable, Sendable {
    public var rows: Int
    /// SHA-256 of the part's file.
    public var checksum: String
    /// The part's own stated guarantee.
    public var epsilon: Double
    public var delta: Double
    public var like: Bool
  }
  public var parts: [Part]
  /// The per-row guarantee of the projections alone (every part's release spend).
  public var releaseEpsilon: Double
  public var releaseDelta: Double
  /// As in ShardInfo: ε at releaseDelta for a contributor who chose rows after seeing U.
  public var fixedDirectionsEpsilon: Double
  public var spectralNormBound: Double
  /// A row present in several shards, or several times in one table.
  public struct RepeatedRow: Codable, Equatable, Sendable {
    /// k, how many times the row was released.
    public var copies: Int
    /// ε at releaseDelta of the k-fold composition of the shard mechanism (exact profile).
    public var epsilon: Double
  }
  /// The ε at releaseDelta for rows released 2 and 3 times (nil in files merged before they were
  /// stated): the disjointness the merged guarantee assumes is not checked.
  public var repeatedRows: [RepeatedRow]? = nil
}

/// What a release holds: the paper's mechanism alone (`slicing`), the projections with
/// Gaussian noisy marginals (`slicing+marginals`), or one noisy sum of random Fourier features
/// and no projections (`merf`, DP-MERF: ReleasedMERF.swift). Every report names it; `release
/// --mechanism`, `plan` and the header use these names.
public enum ReleaseMethod: String, StoredChoice, Sendable {
  case slicing
  case slicingAndMarginals = "slicing+marginals"
  case merf

  public init(from decoder: any Decoder) throws { self = try Self.decodeChoice(from: decoder) }
}

/// The header of a release file.
public struct ReleaseHeader: Codable, Equatable, Sendable {
  public static let formatName = "slicegen-release"
  /// The newest format version and the versions this slicegen reads (FormatVersions.swift).
  public static let currentVersion = FormatVersions.release
  public static let readableVersions = FormatVersions.readableReleases

  public var format: String = ReleaseHeader.formatName
  public var formatVersion: Int = ReleaseHeader.currentVersion
  public var toolVersion: String
  /// The paper's mechanism alone, or with noisy marginals.
  public var method: ReleaseMethod
  public var schema: Schema
  /// n: released rows (after subsampling, when used).
  public var rows: Int
  /// d: the encoded width.
  public var encodedWidth: Int
  /// m slices of dimension k; m' = m·k projections.
  public var slices: Int
  public var sliceDim: Int
  public var projections: Int
  /// The seed of U (decimal text: a UInt64 does not fit a JSON double), and who chose it:
  /// "secure" (drawn at release time) or "user".
  public var projectionSeed: String
  public var projectionSeedSource: String
  /// σ of the noise added to every projection, and s = σ·√d.
  public var sigma: Double
  public var noiseScale: Double
  public var privacy: ReleasePrivacy
  /// Noisy marginals over public bins (method "slicing+marginals"), or nil.
  public var marginals: [ReleasedMarginal]?
  /// With marginals (format 3): the public bins of numeric columns (`--marginal-bins`) and the
  /// pair-bin groups (`--pair-bins`) they were counted on, so a shard counts the same tables.
  public var marginalBins: Int? = nil
  public var pairBins: Int? = nil
  /// With marginals (format 4): every kept column's fine public bins, once, in encoding order
  /// (the marginals name their columns; files of format 1–3 repeat the bins in each marginal).
  public var bins: [ColumnBins]? = nil
  /// Where the matrices start, from the beginning of the file: U (d × m'), then O (n × m'),
  /// little-endian float32, row-major; a 32-byte SHA-256 of all preceding bytes ends the file.
  public var projectionsOffset: Int
  public var releaseOffset: Int
  /// Set for a release made with `--like`.
  public var shard: ShardInfo? = nil
  /// Set for a release made by `slicegen merge`.
  public var merged: MergeInfo? = nil
  /// The private choice of 2-way marginals (`--marginals tree` or `select:K`): candidates, their
  /// noisy scores and the pairs picked from them; nil otherwise.
  public var pairSelection: ReleasedPairSelection? = nil
  /// Method "merf" (format 6): the noisy sum of random Fourier features; nil otherwise.
  public var merf: ReleasedMERF? = nil
}

extension ReleaseHeader {
  /// The lowest format version that describes this header, the one a writer stamps
  /// (FormatVersions.swift).
  public var requiredFormatVersion: Int { FormatVersions.release(for: self) }

  /// True for files written before format 3 that carry noisy marginals or scores: their noisy
  /// values were published in full double precision, and the low-order bits of a value can
  /// reveal its exact count (fixed in format 3; Docs/privacy.md).
  public var hasFloatingPointLeak: Bool {
    privacy.implementation == nil && (marginals != nil || pairSelection != nil || merf != nil)
  }
}
