// The one root finder of every calibration (σ, s, μ, ε, a threshold): bisection on a monotone
// pass/fail condition that always returns the end that passes. "Passes" is the privacy side: the
// noise scale that meets δ, the μ that stays within budget, the ε that is a true bound. So every
// calibration rounds toward more noise (or a larger stated ε) by construction, to a relative
// width of `relativeTolerance`, and an imprecise answer can only cost utility, never privacy.

/// Bisection that returns the passing end.
public enum Bisection {
  /// The relative width of the final bracket: 1e-12 (the callers' conditions are accurate to
  /// about 1e-14 relative, so a narrower bracket would only chase rounding).
  public static let relativeTolerance = 1e-12

  /// Brackets that grow beyond this are reported as "no value passes".
  static let largestBracket = 0x1p100

  /// The smallest x > 0 with `passes(x)`, to `relativeTolerance`, for a condition that fails below
  /// a threshold and passes above it; nil when nothing up to 2^100 passes.
  public static func smallestPassing(_ passes: (Double) -> Bool) -> Double? {
    var high = 1.0
    while !passes(high) {
      high *= 2
      if high > largestBracket { return nil }
    }
    var low = 0.0
    for _ in 0..<400 {
      let middle = 0.5 * (low + high)
      if passes(middle) { high = middle } else { low = middle }
      if high - low <= relativeTolerance * high { break }
    }
    return high
  }

  /// The largest x ≥ 0 with `passes(x)`, to `relativeTolerance`, for a condition that passes
  /// below a threshold and fails above it (0 when only 0 passes; nil when 2^100 still passes).
  public static func largestPassing(_ passes: (Double) -> Bool) -> Double? {
    var high = 1.0
    while passes(high) {
      high *= 2
      if high > largestBracket { return nil }
    }
    var low = 0.0
    for _ in 0..<400 {
      let middle = 0.5 * (low + high)
      if passes(middle) { low = middle } else { high = middle }
      if high - low <= relativeTolerance * high { break }
    }
    return low
  }
}
