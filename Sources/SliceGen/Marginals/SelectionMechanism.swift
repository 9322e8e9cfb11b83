// How a release with private pair selection turns scores into picks (Docs/pair-selection.md,
// "The exponential mechanism"): publish the whole vector of scores with Gaussian noise (L2
// sensitivity 2√P) and pick from it, or pick one pair at a time by the exponential mechanism
// (k picks, accounted as √k Gaussian mechanisms: ExponentialSelection.swift). `auto` resolves
// from the options alone (public): the exponential mechanism for one round of `tree` or
// `select:K`, where k picks are fewer than the P scores, and Gaussian scores for `--rounds R`
// > 1 (the adaptive rounds were built and measured with them).

/// `--selection-mechanism`: `gaussian`, `exponential` or `auto`.
public enum SelectionMechanism: String, Equatable, Sendable, CaseIterable {
  case auto
  case gaussian
  case exponential

  /// The mechanism a release with `rounds` selection rounds runs (never `auto`).
  public func resolved(rounds: Int) -> SelectionMechanism {
    switch self {
    case .auto: return rounds == 1 ? .exponential : .gaussian
    default: return self
    }
  }
}
