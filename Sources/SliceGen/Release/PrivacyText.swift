// The privacy statement of a release in plain words: what is protected, against which neighbour,
// by which analysis, and what is public. `inspect`, models and reports quote it.

import Foundation

enum PrivacyText {
  static func statement(for header: ReleaseHeader, populationRows n: Int) -> String {
    let p = header.privacy
    let relation = p.neighbors == "zero-out"
      ? "two tables that differ in one row, that row replaced by the all-zero encoded row (the "
        + "paper's zero-out relation)"
      : "two tables of the same size that differ in one row, replaced by any other row of the "
        + "declared domain (replace-one, bounded DP)"
    var text = "This release satisfies (ε = \(g(p.epsilon)), δ = \(g(p.delta)))-differential "
      + "privacy for \(relation). "
    switch p.accountant {
    case "analytic-gaussian":
      text += "The projection directions U were fixed by the user before the release, so it is "
        + "accounted as a Gaussian mechanism with L2 sensitivity ‖U‖₂ ≤ \(g(p.spectralNormBound ?? .nan)) "
        + "(analytic Gaussian mechanism, Balle & Wang 2018). "
    case "theorem1":
      text += "U was drawn at release time from a secure seed; the guarantee follows the paper's "
        + "Theorem 1 (Greenewald et al. 2024), a looser RDP bound kept for reproduction. "
    default:
      text += "U was drawn at release time from a secure seed; the guarantee is the exact "
        + "privacy profile of the slicing mechanism averaged over U (a χ²(m')-mixture of "
        + "Gaussian mechanisms; DESIGN §4). "
    }
    if header.marginals != nil {
      text += "The release also holds Gaussian noisy marginals over public bins (each count vector "
        + "has L2 sensitivity √2); they are composed exactly with the projections (Gaussian "
        + "mechanisms compose with μ² adding), and the (ε, δ) above covers the whole release. "
    }
    if let selection = header.pairSelection {
      text += "The 2-way marginals were chosen privately (\(selection.mode)): after the 1-way "
        + "marginals were released, each of the \(selection.candidates.count) candidate pairs got "
        + "the score ‖C − n·p̂_a⊗p̂_b‖₁ (exact 2-way counts against the independent model of the "
        + "released 1-way marginals; one replaced row moves each score by at most 2, so the score "
        + "vector has L2 sensitivity 2√P = \(g(selection.l2Sensitivity))), released with Gaussian "
        + "noise (σ = \(g(selection.sigma))), and the pairs were picked from the noisy scores "
        + "(post-processing). Each round's μ was fixed before the data was read, and Gaussian "
        + "mechanisms compose adaptively with μ² adding, so the (ε, δ) above covers the selection "
        + "too. "
    }
    if let q = p.subsampling {
      text += "Rows were Poisson-subsampled at rate \(g(q)) with a secure coin before release; "
        + "the stated δ already includes the amplification (δ = q·δ_base(ε), same relation). "
    }
    text += "Public, and not protected: the number of rows (\(n)), the schema, U and every "
      + "parameter. "
    if !p.domainProtected {
      text += "The schema was drafted from the data, so the domain itself (bounds and categories) "
        + "is NOT protected. "
    }
    if !p.noiseIsPrivate {
      text = "NOT PRIVATE: made with reproducible test noise. " + text
    }
    text += "Everything computed from this release alone (fitting, sampling, tuning) is "
      + "post-processing and keeps this guarantee."
    return text
  }

  static func g(_ x: Double) -> String {
    if x == x.rounded(), abs(x) < 1e9 { return String(Int64(x)) }
    return String(format: "%.4g", x)
  }
}
