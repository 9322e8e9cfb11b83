// The methods `slicegen compare` runs, named with the vocabulary `release`, `plan`, `audit` and
// the release header use (Docs/compare.md). Each is one pipeline of slicegen commands; the
// command lines themselves live with the command (CompareCommand.swift), this file says what
// each method is.

import SliceGenPrivacy

/// A method of a privacy–utility comparison.
public enum CompareMethod: String, CaseIterable, Codable, Sendable {
  /// The paper's mechanism alone (release method "slicing"), fitted with the default divergence.
  case slicing
  /// The combined release: projections and Gaussian noisy marginals (today's default release).
  case slicingAndMarginals = "slicing+marginals"
  /// The paper's SliceWass baseline: the paper's mechanism with one-dimensional slices, fitted
  /// by the sliced Wasserstein distance.
  case sliceWass = "slicewass"
  /// DP-MERF (Harder et al. 2021): one noisy mean of random Fourier features, then fit on the
  /// MERF loss.
  case merf
  /// DP-SGD (`train-dpsgd`): a generator trained on the private rows with noisy clipped
  /// gradients, accounted under zero-out only.
  case dpSGD = "dp-sgd"
  /// DP-SGD with Ma and Zhang's additions (`train-dpsgd --clipping error-feedback
  /// --reconstruction-weight 10 --noise-injection 0.1`; λ and s as chosen on the digits,
  /// Docs/dpsgd.md), zero-out only.
  case dpSGDMaZhang = "dp-sgd-ma-zhang"
  /// The private floor: every 1-way marginal released at the same (ε, δ), columns sampled
  /// independently (a reference, not a contender: it learns no structure at all).
  case floor

  /// The floor's `--aggregate-share`: all but a thousandth of μ² to the 1-way marginals, so that
  /// their σ is within 0.1 % of a release of the marginals alone (at the default 0.9 the
  /// projections' share left Adult's marginals at σ = 22.7 against 19.0 at ε = 1).
  public static let floorAggregateShare = 0.999

  /// One line for the help and the report.
  public var summary: String {
    switch self {
    case .slicing:
      return "the paper's mechanism alone (release --marginals none), then fit"
    case .slicingAndMarginals:
      return "projections and Gaussian noisy marginals (the default release), then fit"
    case .sliceWass:
      return "the paper's SliceWass: release --marginals none --slice-dim 1, "
        + "fit --divergence sliced-wasserstein"
    case .merf:
      return "DP-MERF: release --mechanism merf (a noisy mean embedding), fit on its loss"
    case .dpSGD:
      return "DP-SGD: train-dpsgd on the private table (its defaults; zero-out only)"
    case .dpSGDMaZhang:
      return "DP-SGD with Ma and Zhang's additions: train-dpsgd "
        + Self.maZhangArguments.joined(separator: " ") + " (zero-out only)"
    case .floor:
      return "the private floor: 1-way marginals at the same (ε, δ), columns sampled "
        + "independently"
    }
  }

  /// `train-dpsgd`'s options for `dp-sgd-ma-zhang`: error feedback, the reconstruction term
  /// (λ = 10) and noise injection (s = 0.1), as measured on the digits (Docs/benchmarks.md, "Ma
  /// and Zhang's additions on the digits").
  public static let maZhangArguments = [
    "--clipping", "error-feedback", "--reconstruction-weight", "10", "--noise-injection", "0.1",
  ]

  /// Whether the method trains on the private rows with DP-SGD (its guarantee is the model's).
  public var isDPSGD: Bool { self == .dpSGD || self == .dpSGDMaZhang }

  /// Whether the method's guarantee is stated under `relation`.
  public func supports(_ relation: NeighbouringRelation) -> Bool {
    isDPSGD ? relation == .zeroOut : true
  }
}
