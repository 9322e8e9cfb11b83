// Validation of user-supplied privacy parameters, with messages that name the parameter and the
// rule (as Google's differential-privacy library does), NaN and infinity included.

/// A privacy parameter that breaks its rule.
public struct PrivacyParameterError: Error, CustomStringConvertible, Equatable {
  public var message: String
  public var description: String { message }
}

/// Checks on ε and δ.
public enum PrivacyValidation {
  /// The largest ε slicegen states: beyond it a guarantee says nothing useful, and the noise
  /// would fall below what the floating-point bound covers.
  public static let maximumEpsilon = 1000.0

  /// The smallest δ: the accountant's own error terms are about 2e−26, and δ/1024 must cover the
  /// implementation's tails (ImplementationMargin).
  public static let minimumDelta = 1e-20

  /// ε must be positive, finite and at most `maximumEpsilon`.
  public static func epsilon(_ value: Double) throws {
    if let rule = epsilonRule(value) {
      throw PrivacyParameterError(message: "epsilon is \(value), \(rule)")
    }
  }

  /// The rule ε = `value` breaks ("must be positive and finite"), or nil when it is valid.
  public static func epsilonRule(_ value: Double) -> String? {
    guard value.isFinite, value > 0 else { return "must be positive and finite" }
    guard value <= maximumEpsilon else {
      return "must be at most \(maximumEpsilon) (a larger ε promises nothing useful)"
    }
    return nil
  }

  /// δ must be in [`minimumDelta`, 1).
  public static func delta(_ value: Double) throws {
    if let rule = deltaRule(value) {
      throw PrivacyParameterError(message: "delta is \(value), \(rule)")
    }
  }

  /// The rule δ = `value` breaks ("must be in (0, 1)"), or nil when it is valid.
  public static func deltaRule(_ value: Double) -> String? {
    guard value.isFinite, value > 0, value < 1 else { return "must be in (0, 1)" }
    guard value >= minimumDelta else {
      return "must be at least \(minimumDelta) (the accountant's own error is about 2e-26)"
    }
    return nil
  }
}

/// Which neighbouring tables a guarantee is stated for.
public enum NeighbouringRelation: String, StoredChoice, Sendable {
  /// Same size, one row replaced by any other row of the declared domain (bounded DP).
  case replaceOne = "replace-one"
  /// One row replaced by the all-zero encoded row (the paper's relation).
  case zeroOut = "zero-out"

  public init(from decoder: any Decoder) throws { self = try Self.decodeChoice(from: decoder) }
}

/// The accountant of the χ²-mixture analysis (`--accountant`).
public enum SlicingAccountantKind: String, StoredChoice, Sendable {
  /// The exact privacy profile (tightest).
  case profile
  /// The paper's Theorem 1 (for reproduction).
  case theorem1

  public init(from decoder: any Decoder) throws { self = try Self.decodeChoice(from: decoder) }
}

/// The analysis a release's σ was calibrated with, as its header states it: one of the
/// χ²-mixture accountants over a random U, or the analytic Gaussian mechanism for a U the user
/// fixed.
public enum ReleaseAccountant: String, StoredChoice, Sendable {
  case profile
  case theorem1
  case analyticGaussian = "analytic-gaussian"

  public init(_ kind: SlicingAccountantKind) {
    switch kind {
    case .profile: self = .profile
    case .theorem1: self = .theorem1
    }
  }

  /// The χ²-mixture accountant, nil for the analytic Gaussian.
  public var slicingKind: SlicingAccountantKind? {
    switch self {
    case .profile: return .profile
    case .theorem1: return .theorem1
    case .analyticGaussian: return nil
    }
  }

  public init(from decoder: any Decoder) throws { self = try Self.decodeChoice(from: decoder) }
}
