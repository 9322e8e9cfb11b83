// What a user asks of a release, and the one place those settings are checked: `validate()`
// before anything is read, `validate(encodedWidth:)` once the schema is known, `validate(rows:)`
// once the table's size is. Each throws an `OptionError` naming the option, the value and the
// rule; the command line calls the same functions and maps the error to a usage error.

import Foundation
import SliceGenPrivacy

/// What a user asks of a release.
public struct ReleaseOptions: Sendable {
  public var epsilon: Double
  /// nil: the default, the largest power of ten at most 1/(10·n) (n is public).
  public var delta: Double?
  public var slices: Int = 100
  public var sliceDim: Int = 2
  public var accountant: SlicingAccountantKind = .profile
  public var neighbors: NeighbouringRelation = .replaceOne
  /// Poisson subsampling rate in (0, 1), or nil.
  public var subsampling: Double? = nil
  /// A user-chosen projection seed (U known in advance: accounted as a Gaussian mechanism with
  /// sensitivity ‖U‖₂). nil: drawn by the secure generator.
  public var projectionSeed: UInt64? = nil
  public var acceptDataDerivedSchema = false
  /// Tests only: reproducible noise. The release is labelled NOT private.
  public var insecureTestNoiseSeed: UInt64? = nil
  /// Noisy marginals published beside the projections (Docs/privacy.md).
  public var marginals: MarginalSelection = .auto
  /// Share of the expected μ² given to the marginals, declared in advance (Docs/privacy.md).
  public var aggregateShare: Double = 0.9
  /// Equal-width bins of numeric columns in marginals (plus a point bin for the lower bound);
  /// an integer column of at most this many values gets one bin per value instead. 128 covers
  /// an age or hours a week, and the [0, 127] that discovery gives such a column.
  public var marginalBins: Int = 128
  /// In 2-way marginals, a numeric column with more than B + 1 bins is counted on at most B
  /// groups of them, plus its lower-bound bin (and missing bin): `--pair-bins` (PairBins.swift).
  /// nil (`--pair-bins auto`, the default): at most `defaultPairBins`, fewer when the 2-way
  /// tables would be mostly noise (`PairBinRule`, from n and σ; `Releaser.resolvePairBins`).
  public var pairBins: Int? = nil
  /// A shard (`--like`): U's seed, σ and the calibration come from a first release.
  public var template: ReleaseTemplate? = nil
  /// Set by `releaseDiscoveringSchema`: what discovery already spent (stated with the release).
  public var discoverySpend: DiscoverySpend? = nil
  /// With `--marginals tree` or `select:K`: the fractions of the aggregate μ² given to the 1-way
  /// marginals, the selection scores and the chosen 2-way marginals (declared in advance).
  /// nil (`auto`, the default): `PairSelectionSplit.automatic`, from the public n and σ
  /// (`Releaser.resolveRowRules`); `standard` where n is not known yet.
  public var pairSelectionSplit: PairSelectionSplit? = nil
  /// The split the release uses: the given or resolved one, else `standard`.
  var split: PairSelectionSplit { pairSelectionSplit ?? .standard }
  /// `--rounds R`: with `select:K`, pick the K pairs in R rounds, each scoring the remaining
  /// candidates against the model of everything released before it (Docs/pair-selection.md,
  /// "Adaptive rounds"). 1: one round against the independent model.
  public var selectionRounds: Int = 1
  /// `--selection-mechanism`: how the scores become picks (SelectionMechanism.swift); `auto`
  /// resolves from the options in `ReleasePlan`.
  public var selectionMechanism: SelectionMechanism = .auto
  /// `--mechanism merf`: D', the random Fourier frequencies of a DP-MERF release (Docs/merf.md),
  /// which then holds one noisy sum of embeddings and no projections; nil: a slicing release.
  public var merfFrequencies: Int? = nil
  /// `--length-scale`: ℓ of a DP-MERF release's kernel, a public choice; nil: the schema's rule
  /// (`MERFFeatures.lengthScale(encoding:classConditional:)`).
  public var merfLengthScale: Double? = nil

  public init(epsilon: Double) { self.epsilon = epsilon }

  /// The largest `pairBins` the automatic rule gives, written only here.
  public static let defaultPairBins = 16

  /// How many pairs each of R selection rounds picks out of K: ⌊K/R⌋, the first K mod R
  /// rounds one more (public: fixed before the data).
  public static func pairsPerRound(pairs k: Int, rounds r: Int) -> [Int] {
    precondition(r >= 1 && k >= r)
    return (0..<r).map { k / r + ($0 < k % r ? 1 : 0) }
  }

  /// The default δ for n rows: the largest power of ten at most 1/(10n).
  public static func defaultDelta(rows n: Int) -> Double {
    pow(10, (log10(1 / (10 * Double(max(n, 1))))).rounded(.down))
  }
}

extension ReleaseOptions {
  /// The number of slices m (`--slices`).
  public static let slicesRange = 1...100_000
  /// The dimension k of a slice (`--slice-dim`); at most the encoded width d as well.
  public static let sliceDimRange = 1...10_000
  /// The most projections m' = m·k one release computes.
  public static let maximumProjections = 1_000_000
  /// Public bins of a numeric column in the marginals (`--marginal-bins`).
  public static let marginalBinsRange = 2...4096
  /// Groups of a numeric column's bins in 2-way marginals (`--pair-bins`).
  public static let pairBinsRange = 1...4096
  /// Selection rounds (`--rounds`).
  public static let selectionRoundsRange = 1...1000

  /// Checks every setting that needs neither the schema nor the data: ε, δ, the slicing, the
  /// subsampling rate, the marginals' share and bins, and the combinations the release cannot
  /// make (subsampling with marginals).
  /// - Throws: `OptionError` naming the option, its value and the rule.
  public func validate() throws(OptionError) {
    if let rule = PrivacyValidation.epsilonRule(epsilon) {
      throw OptionError(option: "epsilon", value: "\(epsilon)", rule: rule)
    }
    if let delta, let rule = PrivacyValidation.deltaRule(delta) {
      throw OptionError(option: "delta", value: "\(delta)", rule: rule)
    }
    if let error = OptionError.outside("slices", slices, Self.slicesRange) { throw error }
    if let error = OptionError.outside("slice-dim", sliceDim, Self.sliceDimRange) { throw error }
    let mPrime = slices * sliceDim
    guard mPrime <= Self.maximumProjections else {
      throw OptionError(
        option: "slices", value: "\(slices)",
        rule: "must make at most \(Self.maximumProjections) projections with --slice-dim "
          + "\(sliceDim) (m × k is \(mPrime))")
    }
    if let q = subsampling, let error = OptionError.notFraction("subsample", q) { throw error }
    if let error = OptionError.notFraction("aggregate-share", aggregateShare) { throw error }
    if let error = OptionError.outside("marginal-bins", marginalBins, Self.marginalBinsRange) {
      throw error
    }
    if let pairBins, let error = OptionError.outside("pair-bins", pairBins, Self.pairBinsRange) {
      throw error
    }
    if let error = OptionError.outside("rounds", selectionRounds, Self.selectionRoundsRange) {
      throw error
    }
    try validateSelectionRounds(marginals: marginals)
    if selectionMechanism == .exponential, selectionRounds > 1 {
      throw OptionError(
        option: "selection-mechanism", value: "exponential",
        rule: "picks in one round only; --rounds \(selectionRounds) needs gaussian (or auto)")
    }
    try validateMERF()
    if subsampling != nil, marginals.isEnabled {
      throw OptionError(
        option: "subsample", value: nil,
        rule: "cannot be combined with marginals (the default is --marginals auto): the "
          + "marginals compose exactly with the projections but subsampling's amplification "
          + "does not carry over to them. Add --marginals none to release the paper's "
          + "subsampled mechanism, or drop --subsample (the combined release is the better "
          + "one on every table measured, Docs/benchmarks.md)")
    }
    if accountant == .theorem1, marginals.isEnabled, template == nil {
      throw OptionError(
        option: "accountant", value: "theorem1",
        rule: "cannot account for marginals (the default is --marginals auto): they compose "
          + "only under the exact profile. Add --marginals none to release the paper's "
          + "mechanism alone, or drop --accountant (profile is the default)")
    }
  }

  /// With `--mechanism merf`: D' in range, and none of what only a slicing release does
  /// (marginals, subsampling, shards, discovery; the CLI refuses the options themselves).
  func validateMERF() throws(OptionError) {
    guard let frequencies = merfFrequencies else {
      if merfLengthScale != nil {
        throw OptionError(
          option: "length-scale", value: nil, rule: "applies only with --mechanism merf")
      }
      return
    }
    if let error = OptionError.outside("features", frequencies, MERFFeatures.frequencyRange) {
      throw error
    }
    if let scale = merfLengthScale,
      !(scale.isFinite && MERFFeatures.lengthScaleRange.contains(scale))
    {
      throw OptionError(
        option: "length-scale", value: "\(scale)",
        rule: "must be from \(MERFFeatures.lengthScaleRange.lowerBound) to "
          + "\(MERFFeatures.lengthScaleRange.upperBound)")
    }
    let conflict: (option: String, value: String?)? =
      marginals.isEnabled
      ? ("marginals", marginals.text)
      : subsampling != nil
        ? ("subsample", nil)
        : template != nil
          ? ("like", nil)
          : discoverySpend != nil
            ? ("schema", nil) : nil
    if let (option, value) = conflict {
      throw OptionError(
        option: option, value: value,
        rule: "applies only to a slicing release: --mechanism merf releases one noisy sum of "
          + "random Fourier features (no projections, no marginals, no subsampling, no shards, "
          + "and it needs --schema)")
    }
  }

  /// Checks `--rounds` against the marginals (`auto` is checked again once resolved): more than
  /// one round needs `select:K` with K ≥ R.
  func validateSelectionRounds(marginals: MarginalSelection) throws(OptionError) {
    guard selectionRounds > 1 else { return }
    switch marginals {
    case .auto: return
    case .select(let k) where k >= selectionRounds: return
    case .select(let k):
      throw OptionError(
        option: "rounds", value: "\(selectionRounds)",
        rule: "must be at most the \(k) pairs of --marginals select:\(k) (each round picks at "
          + "least one)")
    default:
      throw OptionError(
        option: "rounds", value: "\(selectionRounds)",
        rule: "must be 1 unless --marginals is select:K, whose K pairs are picked over the "
          + "rounds (here --marginals is \(marginals.summary))")
    }
  }

  /// Checks the slice dimension against the encoded width d of the schema (k ≤ d).
  public func validate(encodedWidth d: Int) throws(OptionError) {
    guard sliceDim <= d else {
      throw OptionError(
        option: "slice-dim", value: "\(sliceDim)",
        rule: "must be from 1 to d = \(d) (the schema's encoded width)")
    }
  }

  /// Checks the table's n rows (at least one) and δ, given or default, against them: δ < 1/n.
  public func validate(rows n: Int) throws(OptionError) {
    guard n >= 1 else {
      throw OptionError(option: "rows", value: "\(n)", rule: "must be at least 1")
    }
    let delta = delta ?? Self.defaultDelta(rows: n)
    guard delta < 1 / Double(n) else {
      throw OptionError(
        option: "delta", value: "\(delta)",
        rule: "must be below 1/n = \(1 / Double(n)) for n = \(n) rows (a δ of 1/n allows "
          + "publishing one row in the clear; the default is at most 1/(10n))")
    }
  }

  /// Checks a discovery budget f (`--discovery-budget`): the fraction of ε and δ spent
  /// discovering the domain, in (0, 1).
  public static func validate(discoveryFraction f: Double) throws(OptionError) {
    if let error = OptionError.notFraction(
      "discovery-budget", f,
      ": the fraction of ε and δ spent discovering the domain (the "
        + "release gets the rest)")
    {
      throw error
    }
  }
}
