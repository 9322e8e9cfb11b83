// Per-example clipping of DP-SGD (Docs/dpsgd.md, "Clipping"). Every mode returns a vector of L2
// norm at most κ·C (κ from `DPSGDCalibration.clippingFactor`), computed in double precision, so
// the double-precision sum of a batch has sensitivity C under zero-out (DPSGDCalibration.swift,
// item 2).
//
// fixed      g·min(1, κC/‖g‖)                   (Abadi et al., CCS 2016)
// adaptive   as fixed, with the C of the step (AdaptiveClipping.swift)
// error-feedback  as fixed; the bias is fed back, clipped to C₂ (ErrorFeedback.swift)
// automatic  g·κC/(‖g‖ + γ)                      (Bu, Wang, Zha, Karypis, NeurIPS 2023): norm
//            κC·‖g‖/(‖g‖ + γ) < κC for every g, so the bound needs no case split.
// Rounding: the scale s is a double; each coordinate s·g_c is one rounded product, so the result's
// norm is at most (1 + u)·s·‖g‖ plus the norm's own rounding (a few u relative): the clip aims at
// κC·(1 − 2^−40) so that it lands at or below κC (the test checks it on random vectors).

import Foundation

/// Per-example gradient clipping.
public struct DPSGDClipper: Sendable {
  public var mode: DPSGDClipping
  /// κ·C, the largest norm a clipped gradient may have.
  public var bound: Double
  /// γ of automatic clipping.
  public var stability: Double

  public init(mode: DPSGDClipping, bound: Double, stability: Double = 0.01) {
    precondition(bound > 0 && bound.isFinite && stability > 0)
    self.mode = mode
    self.bound = bound
    self.stability = stability
  }

  /// The L2 norm of g, in double precision.
  public static func norm(_ g: [Float]) -> Double {
    var s = 0.0
    for v in g { s += Double(v) * Double(v) }
    return s.squareRoot()
  }

  /// The factor g is multiplied by, given ‖g‖.
  public func scale(norm: Double) -> Double {
    let target = bound * (1 - 0x1p-40)
    switch mode {
    case .fixed, .adaptive, .errorFeedback: return norm > target ? target / norm : 1
    case .automatic: return target / (norm + stability)
    }
  }

  /// Adds the clipped g into `sum` (double precision) and returns ‖g‖ before clipping.
  @discardableResult
  public func accumulate(_ g: [Float], into sum: inout [Double]) -> Double {
    precondition(g.count == sum.count)
    let n = Self.norm(g)
    // A non-finite gradient contributes nothing (a zero vector is within any bound).
    guard n.isFinite else { return n }
    let s = scale(norm: n)
    for c in g.indices { sum[c] += s * Double(g[c]) }
    return n
  }

  /// The clipped g alone (for tests and diagnostics).
  public func clipped(_ g: [Float]) -> [Double] {
    var out = [Double](repeating: 0, count: g.count)
    accumulate(g, into: &out)
    return out
  }
}
