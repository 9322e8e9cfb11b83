// Rényi-DP accounting of the sampled Gaussian mechanism: the noisy clipped gradient sum of DP-SGD
// (Docs/dpsgd-accounting.md). It answers "how much does T steps at sampling rate q and noise
// multiplier σ cost?", "which σ meets (ε, δ)?" and "how many steps does a budget allow?". It is
// not a privacy-loss-distribution accountant (tighter, not implemented here), and it does not
// cover fixed-size batches (sampling without replacement) or the replace-one relation.
//
// Mechanism. Each step draws a batch by Poisson sampling (every example independently with
// probability q), sums the examples' gradients clipped to L2 norm C, and adds N(0, σ²C²I). In
// units of C the sum has sensitivity 1, so σ is the noise multiplier.
//
// Neighbouring relation: add/remove one example (Mironov, Talwar, Zhang 2019, "Rényi differential
// privacy of the sampled Gaussian mechanism", arXiv 1908.10530). With n public, the form DP-SGD
// states is zero-out: one example replaced by a null example whose clipped gradient is 0. The
// released sums differ exactly as under removal, so the analysis below covers it
// (`NeighbouringRelation.zeroOut`, `SampledGaussianRDP.relation`). It does not cover replace-one.
//
// Proof sketch (per step).
// 1. Reduction to one dimension (as in Mironov et al., Section 3). Condition on which other
//    examples join the batch: that is the same under both neighbours, and a Rényi divergence of
//    two mixtures with the same weights is at most the largest divergence of the components, so
//    it is enough to bound each condition, where the others' sum is a fixed shift. With the
//    example's clipped gradient g (‖g‖ ≤ 1) the two laws are then N(0, σ²I) and
//    (1 − q)N(0, σ²I) + qN(g, σ²I) up to that shift. Rotate g onto the first axis: the other
//    coordinates are N(0, σ²) under both and drop out. A shift c = ‖g‖ < 1 with noise σ is the
//    same pair as shift 1 with noise σ/c, which is the σ pair convolved with N(0, (σ/c)² − σ²)
//    (post-processing), so c = 1 is the worst case: μ₀ = N(0, σ²), μ₁ = N(1, σ²),
//    μ = (1 − q)μ₀ + qμ₁.
// 2. The order-α RDP is ε(α) = ln(A_α)/(α − 1), A_α = E_{z∼μ₀}[(μ(z)/μ₀(z))^α]. Mironov et al.
//    also bound the reverse divergence, B_α = E_{z∼μ}[(μ₀(z)/μ(z))^α] ≤ A_α, so A_α covers both
//    directions (adding and removing the example).
// 3. With r(z) = μ₁(z)/μ₀(z) = e^{(2z − 1)/(2σ²)}, μ/μ₀ = (1 − q) + q·r, and
//    E_{μ₀}[r^k] = e^{(k² − k)/(2σ²)} (a Gaussian moment generating function).
//    Integer α: the binomial theorem gives the finite sum
//      A_α = Σ_{k=0}^{α} C(α, k) (1 − q)^{α−k} q^k e^{(k² − k)/(2σ²)}.
//    Since Σ_k C(α, k)(1 − q)^{α−k} q^k = 1 and the k = 0, 1 terms have k² − k = 0,
//      A_α − 1 = Σ_{k=2}^{α} C(α, k) (1 − q)^{α−k} q^k (e^{(k² − k)/(2σ²)} − 1),
//    a sum of positive terms: computed in log space it keeps full relative precision of A_α − 1
//    even when q is tiny (no cancellation against the 1).
//    Fractional α: split the line at z₀ = σ² ln((1 − q)/q) + 1/2, where q·r(z₀) = 1 − q. Below
//    z₀ expand (1 − q + qr)^α in powers of qr/(1 − q) ≤ 1, above it in powers of (1 − q)/(qr) ≤ 1
//    (binomial series, convergent for ratio ≤ 1 and α > 0), and integrate term by term
//    (justified by dominated convergence: the series of absolute values converges too):
//      A_α = Σ_{i≥0} (a_i + b_i),
//      a_i = C(α, i) q^i (1 − q)^{α−i} e^{(i² − i)/(2σ²)} · ½erfc((i − z₀)/(√2σ)),
//      b_i = C(α, i) q^{α−i} (1 − q)^i e^{(j² − j)/(2σ²)} · ½erfc((z₀ − j)/(√2σ)), j = α − i,
//    using E_{μ₀}[r^i; z ≤ z₀] = e^{(i² − i)/(2σ²)} Φ((z₀ − i)/σ) (the tilted law is N(i, σ²)).
//    This is the "signed" series: it sums to A_α exactly. "absSum" adds |a_i| + |b_i| instead,
//    which bounds A_α from above (item 5).
// 4. Truncation. a_i and b_i both carry the sign of C(α, i): positive for i ≤ ⌈α⌉, alternating
//    after. For i > α, |C(α, i + 1)/C(α, i)| = (i − α)/(i + 1) < 1, and the remaining factors of
//    |a_i| (resp. |b_i|) do not grow with i: with λ(x) = φ(x)/Φ(x) ≥ max(0, −x) (the Mills-ratio
//    inequality), the derivative in i of i·ln(q/(1 − q)) + (i² − i)/(2σ²) + ln Φ((z₀ − i)/σ) is
//    (i − z₀)/σ² − λ((z₀ − i)/σ)/σ ≤ 0, and the same argument in j covers b_i. So past α the
//    terms alternate with shrinking magnitudes, and the signed tail after index N is at most
//    |a_{N+1} + b_{N+1}| < |a_N + b_N| in absolute value. The signed sum stops at the first
//    N > α whose term is below 2^−53 of the partial sum and adds that term's magnitude once more
//    (an upper bound for the tail, invisible at double precision).
// 5. absSum keeps the stopping rule of the reference implementations the test vectors come from
//    (TF Privacy, Opacus): stop after the first index whose a_i and b_i are both below e^−30.
//    The absolute values left out past that index still add up to as much as 1e−7 of ε(α) at
//    α = 1.5 in the vectors, so this is not the full Σ(|a_i| + |b_i|) (which would miss them by
//    that much); it exceeds A_α by twice the negative terms it includes, far more than the
//    signed tail it omits.
//    Validity does not rest on that comparison: the code returns the larger of it and the
//    signed sum, so absSum ≥ signed, an upper bound, by construction.
// 6. q = 0: μ = μ₀ and ε(α) = 0. q = 1: the plain Gaussian mechanism, ε(α) = α/(2σ²).
// 7. Composition (Mironov 2017, Proposition 1): T adaptively chosen steps have RDP T·ε(α) at
//    every order, and RDP of different mechanisms at the same order adds.
// 8. Conversion to (ε, δ) at a fixed order α with RDP ρ:
//    classic (Mironov 2017, Proposition 3): ε = ρ + ln(1/δ)/(α − 1);
//    improved (Balle, Barthe, Gaboardi, Hsu, Sato 2020; Canonne, Kamath, Steinke 2020):
//      ε = ρ + ln((α − 1)/α) − (ln δ + ln α)/(α − 1).
//    Derivation of the improved one: with L the privacy-loss variable,
//    δ(ε) = E_P[(1 − e^{ε − L})₊]. For x = L − ε, (1 − e^{−x})₊ ≤ c·e^{(α−1)x} with the best
//    constant c = max_x (1 − e^{−x}) e^{−(α−1)x} = (1/α)(1 − 1/α)^{α−1} (at e^{−x} = 1 − 1/α),
//    and E_P[e^{(α−1)L}] = e^{(α−1)ρ}, so δ ≤ (1/α)(1 − 1/α)^{α−1} e^{(α−1)(ρ − ε)}; solving
//    for ε gives the formula. Every order gives a valid ε, so the minimum over a grid is valid;
//    the reported order is the first one attaining it. A negative value is raised to 0 ((ε, δ)
//    with ε < 0 implies (0, δ)). When the RDP is 0 at every order (q = 0 or no step), nothing
//    depends on the data and ε = 0 with no order.
//
// Numerics. Every term is handled by its logarithm (ln C(α, i) by the ratio recurrence,
// ln erfc with an asymptotic series where erfc underflows), and sums are kept as e^m·s with m
// the largest log term so far, so nothing overflows at α = 63 and small σ, where ln A_α runs
// into the thousands. The signed sum is formed as (positive part) − (negative part), both ≥ 0 and the
// negative part far below the positive (A_α ≥ 1). ε(α) ≥ 0 is a theorem (Rényi divergences are
// non-negative), so a rounding-level negative ln A_α is raised to 0, which only moves it
// toward the true value. For fractional orders the absolute error of ln A_α is a few units of
// 2^−53, which is a large relative error only when ε(α) itself is below about 1e−13.
// Calibration (σ) is one bisection (Bisection.swift) returning the noisier end; the step budget
// is solved order by order and checked against the forward computation.

import Foundation

/// The Rényi-DP accountant of the sampled Gaussian mechanism (DP-SGD's noisy clipped sum).
///
/// ## Privacy
/// One step is (α, ε(α))-RDP for every order α > 1, for datasets that differ by adding or removing
/// one example: for DP-SGD with a public dataset size, the zero-out relation
/// (`SampledGaussianRDP.relation`). Analysis: Mironov, Talwar, Zhang 2019, with the improved
/// RDP → (ε, δ) conversion of Balle et al. 2020 by default; proof sketch at the top of
/// Sources/SliceGenPrivacy/SampledGaussianRDP.swift. Checked against independent reference values
/// (Tests/Fixtures/sampled-gaussian-rdp.json) by
/// Tests/SliceGenPrivacyTests/SampledGaussianRDPTests.swift.
public struct SampledGaussianRDP: Sendable, Equatable {
  /// How A_α is summed at fractional orders (integer orders always use the finite binomial sum).
  public enum FractionalSeries: String, Codable, Sendable, CaseIterable {
    /// The exact two-series expansion (signed terms), summed to double precision.
    case signed
    /// The sum of the terms' absolute values with the reference implementations' stopping rule:
    /// a slightly larger bound, never below `signed`.
    case absSum
  }

  /// How RDP at one order becomes an (ε, δ) statement.
  public enum Conversion: String, Codable, Sendable, CaseIterable {
    /// ε = ρ + ln(1/δ)/(α − 1) (Mironov 2017).
    case classic
    /// ε = ρ + ln((α − 1)/α) − (ln δ + ln α)/(α − 1) (Balle et al. 2020; Canonne, Kamath,
    /// Steinke 2020): never larger than `classic` for α > 1.
    case improved

    /// The ε this conversion states for RDP ρ at order α and the given δ (may be negative for
    /// large δ; callers raise it to 0).
    public func epsilon(rdp rho: Double, order alpha: Double, delta: Double) -> Double {
      switch self {
      case .classic:
        return rho + log(1 / delta) / (alpha - 1)
      case .improved:
        return rho + log((alpha - 1) / alpha) - (log(delta) + log(alpha)) / (alpha - 1)
      }
    }
  }

  /// Named grids of Rényi orders.
  public enum OrderGrid: String, Codable, Sendable, CaseIterable {
    /// 1.1, 1.2, …, 10.9, then 12, 13, …, 63 (the default of Opacus): 151 orders.
    case opacus

    /// The orders, ascending.
    public var orders: [Double] {
      switch self {
      case .opacus: return OrderGrid.opacusOrders
      }
    }

    // n/10 is one correctly rounded division, so 8.1 here is the same Double as the literal 8.1.
    static let opacusOrders: [Double] =
      (11...109).map { Double($0) / 10 } + (12...63).map { Double($0) }
  }

  /// The neighbouring relation of every statement this accountant makes: add/remove one example,
  /// which for DP-SGD (dataset size public) is zero-out.
  public static let relation = NeighbouringRelation.zeroOut

  /// q, the probability with which each example joins a batch (Poisson sampling), in [0, 1].
  public let sampleRate: Double
  /// σ, the noise standard deviation in units of the clipping norm, positive and finite.
  public let noiseMultiplier: Double
  /// The summation used at fractional orders.
  public let series: FractionalSeries

  /// Validates q ∈ [0, 1] and σ > 0 (NaN and infinity rejected) with messages naming the rule.
  public init(sampleRate: Double, noiseMultiplier: Double, series: FractionalSeries = .signed)
    throws
  {
    guard sampleRate.isFinite, sampleRate >= 0, sampleRate <= 1 else {
      throw PrivacyParameterError(message: "sample rate is \(sampleRate), must be in [0, 1]")
    }
    guard noiseMultiplier.isFinite, noiseMultiplier > 0 else {
      throw PrivacyParameterError(
        message: "noise multiplier is \(noiseMultiplier), must be positive and finite")
    }
    self.sampleRate = sampleRate
    self.noiseMultiplier = noiseMultiplier
    self.series = series
  }

  // MARK: RDP

  /// ε(α) of one step at order α > 1 (proof sketch items 3–6).
  ///
  /// - Complexity: O(α) at integer orders; at fractional orders, the number of series terms
  ///   until they fall below 2^−53 of the sum: a handful for small q, up to tens of thousands for
  ///   α near 1 with q near ½, capped at 10⁶ (where the tail bound still makes it an upper bound).
  public func rdp(order alpha: Double) -> Double {
    precondition(alpha > 1 && alpha.isFinite, "Rényi order \(alpha) must be finite and > 1")
    let q = sampleRate
    let sigma = noiseMultiplier
    if q == 0 { return 0 }
    if q == 1 { return alpha / (2 * sigma * sigma) }
    let logA: Double
    if alpha == alpha.rounded(), alpha < 0x1p52 {
      logA = Self.logAInteger(sampleRate: q, sigma: sigma, order: Int(alpha))
    } else {
      logA = Self.logAFractional(sampleRate: q, sigma: sigma, order: alpha, series: series)
    }
    precondition(!logA.isNaN, "ln A is NaN at q = \(q), σ = \(sigma), α = \(alpha)")
    return max(logA, 0) / (alpha - 1)
  }

  /// T·ε(α) at each order: the RDP of `steps` steps (composition, proof sketch item 7).
  public func rdp(orders: [Double], steps: Int) -> [Double] {
    precondition(steps >= 0)
    return orders.map { steps == 0 ? 0 : Double(steps) * rdp(order: $0) }
  }

  // MARK: (ε, δ)

  /// The smallest ε over `orders` after `steps` steps, and the order that attains it (nil when
  /// nothing depends on the data: q = 0 or no step, ε = 0).
  public func epsilon(
    steps: Int, delta: Double, orders: [Double] = OrderGrid.opacus.orders,
    conversion: Conversion = .improved
  ) throws -> (epsilon: Double, order: Double?) {
    try PrivacyValidation.delta(delta)
    try Self.validateSteps(steps)
    return Self.epsilon(
      rdp: rdp(orders: orders, steps: steps), orders: orders, delta: delta, conversion: conversion)
  }

  /// The smallest ε over the orders of an RDP curve (for example the sum of several mechanisms'
  /// curves on the same orders), with the first order attaining it; (0, nil) when the curve is 0
  /// everywhere. Orders must be > 1 and δ in (0, 1).
  public static func epsilon(
    rdp: [Double], orders: [Double], delta: Double, conversion: Conversion = .improved
  ) -> (epsilon: Double, order: Double?) {
    precondition(rdp.count == orders.count && !orders.isEmpty, "one RDP value per order")
    precondition(orders.allSatisfy { $0 > 1 && $0.isFinite }, "Rényi orders must be > 1")
    precondition(delta > 0 && delta < 1)
    if rdp.allSatisfy({ $0 == 0 }) { return (0, nil) }
    var best = Double.infinity
    var bestOrder: Double?
    for (alpha, rho) in zip(orders, rdp) {
      let e = conversion.epsilon(rdp: rho, order: alpha, delta: delta)
      if e < best {
        best = e
        bestOrder = alpha
      }
    }
    return (max(best, 0), bestOrder)
  }

  /// The ε no noise can beat: the conversion's value at RDP 0, minimised over the orders. A target
  /// at or below it cannot be met with any σ (the grid's largest order sets it: about 0.10 for
  /// δ = 1e-5 on the Opacus grid).
  public static func epsilonFloor(
    delta: Double, orders: [Double] = OrderGrid.opacus.orders, conversion: Conversion = .improved
  ) -> Double {
    max(orders.map { conversion.epsilon(rdp: 0, order: $0, delta: delta) }.min() ?? .infinity, 0)
  }

  // MARK: Inverses

  /// The largest number of steps whose ε is at most `epsilon` (0 when one step already exceeds
  /// it; `Int.max` when no step costs anything, q = 0).
  ///
  /// At each order the bound is linear in T, so T_α = ⌊(ε − c_α)/ε(α)⌋ with c_α the conversion's
  /// constant, and the answer is the largest T_α, then settled against the forward computation
  /// (`epsilon(steps:delta:orders:conversion:)`): the largest T it states within the target.
  public func maximumSteps(
    epsilon target: Double, delta: Double, orders: [Double] = OrderGrid.opacus.orders,
    conversion: Conversion = .improved
  ) throws -> Int {
    try PrivacyValidation.epsilon(target)
    try PrivacyValidation.delta(delta)
    let perStep = rdp(orders: orders, steps: 1)
    if perStep.allSatisfy({ $0 == 0 }) { return Int.max }
    let cap = 0x1p62
    var best = 0.0
    for (alpha, rho) in zip(orders, perStep) where rho > 0 {
      let constant = conversion.epsilon(rdp: 0, order: alpha, delta: delta)
      best = max(best, min(((target - constant) / rho).rounded(.down), cap))
    }
    var steps = Int(best)
    func cost(_ t: Int) -> Double {
      Self.epsilon(
        rdp: perStep.map { t == 0 ? 0 : Double(t) * $0 }, orders: orders, delta: delta,
        conversion: conversion
      ).epsilon
    }
    // The division can land one step off either way; the forward computation decides.
    while steps > 0 && cost(steps) > target { steps -= 1 }
    while steps < Int(cap) && cost(steps + 1) <= target { steps += 1 }
    return steps
  }

  /// The smallest noise multiplier σ (the noisier end of a bisection, to 1e-12 relative) whose ε
  /// after `steps` steps at sampling rate q is at most `epsilon`.
  ///
  /// Throws when a parameter breaks its rule, or when the target is at or below
  /// `epsilonFloor(delta:orders:conversion:)`, which no σ can reach.
  public static func noiseMultiplier(
    epsilon target: Double, delta: Double, sampleRate: Double, steps: Int,
    orders: [Double] = OrderGrid.opacus.orders, conversion: Conversion = .improved,
    series: FractionalSeries = .signed
  ) throws -> Double {
    try PrivacyValidation.epsilon(target)
    try PrivacyValidation.delta(delta)
    try validateSteps(steps)
    guard sampleRate.isFinite, sampleRate > 0, sampleRate <= 1 else {
      throw PrivacyParameterError(
        message: "sample rate is \(sampleRate), must be in (0, 1] to calibrate noise")
    }
    guard steps > 0 else {
      throw PrivacyParameterError(message: "steps is 0, must be at least 1 to calibrate noise")
    }
    let floor = epsilonFloor(delta: delta, orders: orders, conversion: conversion)
    func unreachable() -> PrivacyParameterError {
      PrivacyParameterError(
        message: "epsilon is \(target), must be above \(floor), the least the RDP conversion "
          + "states at delta \(delta) on these orders whatever the noise")
    }
    guard target > floor else { throw unreachable() }
    // Passes when some order meets the target (each order is a valid bound on its own), so the
    // scan stops at the first such order.
    let sigma = Bisection.smallestPassing { sigma in
      guard
        let accountant = try? SampledGaussianRDP(
          sampleRate: sampleRate, noiseMultiplier: sigma, series: series)
      else { return false }
      return orders.contains { alpha in
        let rho = Double(steps) * accountant.rdp(order: alpha)
        return conversion.epsilon(rdp: rho, order: alpha, delta: delta) <= target
      }
    }
    guard let sigma else { throw unreachable() }
    return sigma
  }

  static func validateSteps(_ steps: Int) throws {
    guard steps >= 0 else {
      throw PrivacyParameterError(message: "steps is \(steps), must be at least 0")
    }
  }

  // MARK: A_α in log space

  /// ln A_α at an integer order α ≥ 2, from ln(A_α − 1) (proof sketch item 3).
  static func logAInteger(sampleRate q: Double, sigma: Double, order alpha: Int) -> Double {
    precondition(alpha >= 2 && q > 0 && q < 1)
    let logQ = log(q)
    let logOneMinusQ = log1p(-q)
    let a = Double(alpha)
    var excess = LogSum()  // A_α − 1
    var logCoefficient = log(a * (a - 1) / 2)  // ln C(α, 2)
    for k in 2...alpha {
      let kk = Double(k)
      let exponent = (kk * kk - kk) / (2 * sigma * sigma)
      excess.add(
        logTerm: logCoefficient + kk * logQ + (a - kk) * logOneMinusQ + logExpm1(exponent))
      if k < alpha { logCoefficient += log((a - kk) / (kk + 1)) }
    }
    // ln A = ln(1 + e^L) with L = ln(A − 1), without overflow for large L.
    let l = excess.logValue
    return l > 0 ? l + log1p(exp(-l)) : log1p(exp(l))
  }

  /// ln A_α at a fractional order α > 1 by the two-series expansion (proof sketch items 3–5).
  static func logAFractional(
    sampleRate q: Double, sigma: Double, order alpha: Double, series: FractionalSeries
  ) -> Double {
    precondition(alpha > 1 && q > 0 && q < 1)
    let logQ = log(q)
    let logOneMinusQ = log1p(-q)
    let z0 = sigma * sigma * (logOneMinusQ - logQ) + 0.5
    let erfcScale = 1 / (2.0.squareRoot() * sigma)
    let halfInverseVariance = 1 / (2 * sigma * sigma)
    let logHalf = -log(2.0)
    let referenceCut = -30.0  // the reference implementations' e^−30
    let precisionCut = -53 * log(2.0)  // 2^−53 of the partial sum
    // A guard, never reached on the Opacus grid (at most about 60,000 terms were needed for
    // orders down to 1.01); stopping there still gives an upper bound (item 4).
    let maximumTerms = 1_000_000.0

    var positive = LogSum()
    var negative = LogSum()
    var absolute = LogSum()
    var absoluteDone = false
    var logCoefficient = 0.0  // ln |C(α, i)|
    var coefficientNegative = false
    var i = 0.0
    while true {
      let j = alpha - i
      let logLower =  // ln |a_i|
        logCoefficient + i * logQ + j * logOneMinusQ + (i * i - i) * halfInverseVariance
        + logErfc((i - z0) * erfcScale) + logHalf
      let logUpper =  // ln |b_i|
        logCoefficient + j * logQ + i * logOneMinusQ + (j * j - j) * halfInverseVariance
        + logErfc((z0 - j) * erfcScale) + logHalf
      let logTerm = logAdd(logLower, logUpper)  // |a_i + b_i| = |a_i| + |b_i| (same sign)
      if coefficientNegative {
        negative.add(logTerm: logTerm)
      } else {
        positive.add(logTerm: logTerm)
      }
      if !absoluteDone {
        absolute.add(logTerm: logTerm)
        absoluteDone = max(logLower, logUpper) < referenceCut || i >= maximumTerms
      }
      if absoluteDone && i > alpha {
        let logSum = logDifference(positive.logValue, negative.logValue)
        if logTerm < logSum + precisionCut || i >= maximumTerms {
          // The alternating tail is smaller than this term (item 4): adding it once more makes
          // the sum an upper bound wherever the loop stops.
          positive.add(logTerm: logTerm)
          break
        }
      }
      // C(α, i + 1) = C(α, i)·(α − i)/(i + 1); α is not an integer, so the ratio is never 0.
      let ratio = (alpha - i) / (i + 1)
      if ratio < 0 { coefficientNegative.toggle() }
      logCoefficient += log(abs(ratio))
      i += 1
    }
    let signed = logDifference(positive.logValue, negative.logValue)
    switch series {
    case .signed: return signed
    case .absSum: return max(absolute.logValue, signed)
    }
  }

  // MARK: Log-space helpers

  /// ln(e^x + e^y).
  static func logAdd(_ x: Double, _ y: Double) -> Double {
    let high = max(x, y)
    let low = min(x, y)
    if low == -.infinity { return high }
    return high + log1p(exp(low - high))
  }

  /// ln(e^x − e^y) for y < x (the signed series: positive part minus negative part).
  static func logDifference(_ x: Double, _ y: Double) -> Double {
    if y == -.infinity { return x }
    precondition(y < x, "negative part \(y) not below positive part \(x)")
    return x + log1p(-exp(y - x))
  }

  /// ln(e^x − 1) for x > 0, without overflow for large x.
  static func logExpm1(_ x: Double) -> Double {
    x > 30 ? x + log1p(-exp(-x)) : log(expm1(x))
  }

  /// ln erfc(x). Below x = 20 the C library's erfc (erfc(20) ≈ 5e-176 is still a normal number);
  /// above, the asymptotic series
  ///   erfc(x) = e^{−x²}/(x√π) · (1 − 1/(2x²) + 1·3/(2x²)² − 1·3·5/(2x²)³ + …),
  /// whose eleventh term is below 2e-22 at x ≥ 20 (the first ten are kept; the omitted rest is
  /// smaller than the first omitted term, the series being alternating with shrinking terms there).
  static func logErfc(_ x: Double) -> Double {
    if x < 20 { return log(erfc(x)) }
    let w = 1 / (2 * x * x)
    var term = 1.0
    var sum = 1.0
    for k in 1...10 {
      term *= -Double(2 * k - 1) * w
      sum += term
    }
    return -x * x - log(x) - 0.5 * log(Double.pi) + log(sum)
  }
}

/// A sum of positive terms given by their logarithms, kept as e^scale · sum with the largest term
/// so far as the scale: no term overflows, and each is added in ordinary arithmetic relative to
/// the largest, so the sum is as accurate as a plain floating-point sum.
struct LogSum {
  private var scale = -Double.infinity
  private var sum = 0.0

  mutating func add(logTerm: Double) {
    if logTerm == -.infinity { return }
    if logTerm <= scale {
      sum += exp(logTerm - scale)
    } else {
      sum = sum * exp(scale - logTerm) + 1
      scale = logTerm
    }
  }

  /// The logarithm of the sum (−∞ when empty).
  var logValue: Double { scale == -.infinity ? -.infinity : scale + log(sum) }
}
