// Deliberately broken versions of the shipped mechanisms, for `slicegen audit` only: they show
// that the audit notices a mechanism that leaks more than it states (its lower bound exceeds the
// stated ε). The breakage is applied by the audit's own code (AuditScenario.swift) to the σ it
// passes to the mechanism, or to the neighbouring rows it feeds in; the mechanisms themselves and
// `release` know nothing of it. Nothing outside Sources/SliceGen/Audit refers to this type.

/// A bug planted in a mechanism by the audit.
public enum BrokenVariant: String, CaseIterable, Codable, Sendable {
  /// Every σ multiplied by 0.5 after calibration (μ doubles).
  case halfNoise = "half-noise"
  /// The sensitivity understated by √2: the neighbouring encoded rows are √2 apart where the
  /// accountant assumes 1 (an unscaled one-hot encoding), and every count's σ is divided by √2
  /// (calibrated for Δ = 1 where replace-one moves a count vector by √2). μ grows by √2.
  case sensitivityRootTwo = "sensitivity-sqrt2"
  /// DP-SGD only: per-example clipping skipped, so the canary's gradient of norm 2C enters the
  /// sum whole where the accountant assumes at most C (μ doubles).
  case clippingSkipped = "no-clipping"

  /// Whether the bug can be planted in `mechanism`: `no-clipping` needs a clipping step
  /// (dp-sgd); the other two apply to every mechanism (for dp-sgd, `sensitivity-sqrt2` clips at
  /// √2·C where the noise is calibrated for C).
  public func applies(to mechanism: AuditedMechanism) -> Bool {
    self != .clippingSkipped || mechanism == .dpsgd
  }

  /// The variants that apply to `mechanism`, in declaration order.
  public static func variants(for mechanism: AuditedMechanism) -> [BrokenVariant] {
    allCases.filter { $0.applies(to: mechanism) }
  }

  /// The factor applied to σ of Gaussian counts (marginals, discovery).
  var countSigmaFactor: Double {
    switch self {
    case .halfNoise: return 0.5
    case .sensitivityRootTwo: return 1 / 2.0.squareRoot()
    case .clippingSkipped: return 1
    }
  }

  /// The factor applied to σ of the projections.
  var projectionSigmaFactor: Double { self == .halfNoise ? 0.5 : 1 }

  /// The factor applied to the distance between the neighbouring encoded rows (and to DP-SGD's
  /// clipping bound).
  var rowDistanceFactor: Float { self == .sensitivityRootTwo ? Float(2).squareRoot() : 1 }
}
