// The privacy settings a shard copies from a release header (`release --like first.slg`, and
// every part of `merge`), each checked against its rule before anything is copied, and the σ those
// settings calibrate. Deliberately not here: the calibration itself (ReleaseCalibration in
// SliceGenPrivacy, called as the release calls it) and the checks on U and the seed
// (ReleaseTemplate, ReleaseMerge).
//
// Why σ is re-derived. A release file carries a SHA-256 of its bytes, which detects corruption but
// authenticates nothing: anyone can edit a header and recompute the checksum. A shard that copied
// σ on trust would release new private rows with whatever noise the file names while stating the
// file's (ε, δ). So σ is recomputed from the header's (ε, δ, m', d, accountant, relation,
// subsampling) by the same call a release makes, and the header's σ must be at least that.
// One-sided: a larger σ is sound, since δ(ε) of the Gaussian mechanism, and so of the χ² mixture
// over U, falls as σ grows at fixed ε. The relative tolerance of 1e-9 is ten times the root
// finder's (1e-10 in SlicingAccountant), so a file written honestly by a slicegen whose root
// finder stopped at a slightly different point is not refused. A σ smaller by 1e-9 relative
// raises δ by 1e-9 times δ's elasticity in σ, relative: about 13 at ε = 1, δ = 1e-5, m' = 16
// and 16 at m' = 200, so about 2e-8 of δ, far below the digits a δ is stated to.

import Foundation
import SliceGenPrivacy

/// The checked privacy settings of a projections-only release with a secure seed.
public struct ShardSettings: Sendable {
  /// The projections' own spend (without discovery, if the schema was discovered).
  public var epsilon: Double
  public var delta: Double
  public var accountant: SlicingAccountantKind
  public var neighbors: NeighbouringRelation
  public var subsampling: Double?
  /// The calibration the settings give today (σ re-derived; the header's σ is at least this).
  public var derived: ReleaseCalibration

  /// How far below the re-derived σ a header's σ may be, relative (see the file header).
  public static let sigmaTolerance = 1e-9

  /// Checks every privacy field of `h` and re-derives σ.
  /// - Parameter file: how errors name the file (its path, or "--like path").
  /// - Throws: `ReleaseError` naming the file, the header field, its value and the rule.
  ///
  /// ## Privacy
  /// A shard released with the header's σ satisfies the header's (ε, δ) under its relation
  /// whenever this returns (the calibration's guarantee, σ only larger). Tests:
  /// ReleaseTemplateTests.
  public init(header h: ReleaseHeader, file: String) throws {
    func refuse(_ field: String, _ value: Any, _ rule: String) -> ReleaseError {
      ReleaseError("\(file): header field \(field) is \(value), \(rule)")
    }
    func quoted(_ text: String) -> String { "\"\(text)\"" }
    func names<T: RawRepresentable & CaseIterable>(_: T.Type) -> String where T.RawValue == String {
      T.allCases.map { quoted($0.rawValue) }.joined(separator: " or ")
    }

    // Sizes, as a release checks them (Releaser), and d from the schema the shard will encode with.
    let p = h.privacy
    let d = Encoding(schema: h.schema).width
    guard h.encodedWidth == d else {
      throw refuse("encodedWidth", h.encodedWidth,
        "must be \(d), the encoded width of the header's own schema")
    }
    guard (1...100_000).contains(h.slices) else {
      throw refuse("slices", h.slices, "must be from 1 to 100000")
    }
    guard (1...d).contains(h.sliceDim) else {
      throw refuse("sliceDim", h.sliceDim, "must be from 1 to d = \(d)")
    }
    let (mPrime, overflow) = h.slices.multipliedReportingOverflow(by: h.sliceDim)
    guard !overflow, h.projections == mPrime, mPrime <= 1_000_000 else {
      throw refuse("projections", h.projections,
        "must be slices × sliceDim = \(h.slices) × \(h.sliceDim), at most 1000000")
    }
    guard h.method == "slicing" else {
      throw refuse("method", quoted(h.method), "must be \"slicing\" (projections only)")
    }

    // Names: an unknown one is an error, never a default.
    guard let accountant = SlicingAccountantKind(rawValue: p.accountant) else {
      throw refuse("privacy.accountant", quoted(p.accountant),
        "must be \(names(SlicingAccountantKind.self)) (the analyses of a U drawn at random)")
    }
    guard let neighbors = NeighbouringRelation(rawValue: p.neighbors) else {
      throw refuse("privacy.neighbors", quoted(p.neighbors),
        "must be \(names(NeighbouringRelation.self))")
    }

    // Numbers, NaN and infinity included.
    guard h.sigma.isFinite, h.sigma > 0 else {
      throw refuse("sigma", h.sigma, "must be positive and finite")
    }
    let rootD = Double(d).squareRoot()
    guard abs(h.noiseScale - h.sigma * rootD) <= 1e-9 * h.sigma * rootD else {
      throw refuse("noiseScale", h.noiseScale, "must be sigma·√d = \(h.sigma * rootD)")
    }
    guard p.epsilon.isFinite, p.epsilon > 0 else {
      throw refuse("privacy.epsilon", p.epsilon, "must be positive and finite")
    }
    guard p.delta.isFinite, p.delta > 0, p.delta < 1 else {
      throw refuse("privacy.delta", p.delta, "must be in (0, 1)")
    }
    if let q = p.subsampling {
      guard q.isFinite, q > 0, q < 1 else {
        throw refuse("privacy.subsampling", q, "must be in (0, 1) or null")
      }
    }
    guard p.components.count == 1, let c = p.components.first, c.name == "projections",
      c.sigma.bitPattern == h.sigma.bitPattern, c.l2Sensitivity == 1, c.share == 1,
      c.queries == nil
    else {
      throw refuse("privacy.components", p.components.map(\.name),
        "must be one component \"projections\" with the header's sigma, l2Sensitivity 1 and "
          + "share 1")
    }

    // The projections' own (ε, δ): the whole budget, or what discovery left.
    var epsilon = p.epsilon
    var delta = p.delta
    if let spend = p.discovery {
      guard neighbors == .replaceOne else {
        throw refuse("privacy.neighbors", quoted(p.neighbors),
          "must be \"replace-one\" when the schema was discovered (privacy.discovery is set)")
      }
      guard spend.fraction.isFinite, spend.fraction > 0, spend.fraction < 1 else {
        throw refuse("privacy.discovery.fraction", spend.fraction, "must be in (0, 1)")
      }
      for (field, value) in [("epsilon", spend.epsilon), ("releaseEpsilon", spend.releaseEpsilon)]
      where !(value.isFinite && value > 0) {
        throw refuse("privacy.discovery.\(field)", value, "must be positive and finite")
      }
      for (field, value) in [("delta", spend.delta), ("releaseDelta", spend.releaseDelta)]
      where !(value.isFinite && value > 0 && value < 1) {
        throw refuse("privacy.discovery.\(field)", value, "must be in (0, 1)")
      }
      guard spend.epsilon + spend.releaseEpsilon <= p.epsilon else {
        throw refuse("privacy.epsilon", p.epsilon,
          "must be at least discovery's epsilon + releaseEpsilon = "
            + "\(spend.epsilon + spend.releaseEpsilon) (sequential composition)")
      }
      guard spend.delta + spend.releaseDelta <= p.delta else {
        throw refuse("privacy.delta", p.delta,
          "must be at least discovery's delta + releaseDelta = "
            + "\(spend.delta + spend.releaseDelta) (sequential composition)")
      }
      epsilon = spend.releaseEpsilon
      delta = spend.releaseDelta
    }

    // σ, re-derived by the release's own calibration.
    let derived: ReleaseCalibration
    do {
      derived = try ReleaseCalibration.calibrate(
        epsilon: epsilon, delta: delta, slices: h.slices, sliceDim: h.sliceDim, encodedWidth: d,
        accountant: accountant, neighbors: neighbors, subsampling: p.subsampling,
        fixedDirections: nil)
    } catch let error as PrivacyParameterError {
      throw ReleaseError("\(file): its privacy settings cannot be calibrated: \(error.message)")
    }
    let settings = "ε = \(epsilon), δ = \(delta), m' = \(h.projections) projections, d = \(d), "
      + "accountant \(accountant.rawValue), \(neighbors.rawValue), "
      + (p.subsampling.map { "subsampling \($0)" } ?? "no subsampling")
    guard derived.sigma.isFinite else {
      throw ReleaseError("\(file): no finite σ meets \(settings)")
    }
    guard h.sigma >= derived.sigma * (1 - Self.sigmaTolerance) else {
      throw refuse("sigma", h.sigma,
        "must be at least \(derived.sigma), the σ calibrated for \(settings): less noise than "
          + "its stated guarantee needs (the file was edited, or made by a faulty slicegen)")
    }
    self.epsilon = epsilon
    self.delta = delta
    self.accountant = accountant
    self.neighbors = neighbors
    subsampling = p.subsampling
    self.derived = derived
  }
}
