// The Moré–Thuente line search (MINPACK-2 `dcsrch` and `dcstep`), as scipy's L-BFGS-B runs it:
// a safeguarded search for a step α > 0 along a descent direction with
//   sufficient decrease   φ(α) ≤ φ(0) + ftol·α·φ'(0)
//   curvature             |φ'(α)| ≤ gtol·|φ'(0)|
// (the strong Wolfe conditions). Each trial step comes from a cubic or quadratic interpolation
// of the values and slopes seen so far (dcstep's four cases), kept inside an interval
// [stmin, stmax] that either extrapolates (×1.1 … ×4 of the last move) or, once a minimiser is
// bracketed, shrinks; a bisection is forced when the bracket has not shrunk by a third in two
// steps. While no step has met the first condition with φ' ≥ 0 ("stage 1"), the interpolation
// runs on the modified function ψ(α) = φ(α) − φ(0) − ftol·α·φ'(0).
//
// Written from the algorithm of Moré & Thuente, "Line search algorithms with guaranteed
// sufficient decrease", ACM TOMS 20 (1994), and the decisions of scipy's `__lbfgsb.c` (≥ 1.15,
// a C translation of the Fortran), so that the same inputs give the same trial steps.
// It is not a general line-search library: no projection on bounds (L-BFGS-B's caller does that
// and slicegen has no bounds), no logging.

import Foundation

/// One line search along a fixed direction: feed it φ and φ' at each trial step it asks for.
struct MoreThuenteLineSearch {
  /// What the caller does next.
  enum Verdict: Equatable {
    /// Evaluate φ and φ' at this step and call `next` with them.
    case evaluate(Double)
    /// The last step met both conditions.
    case converged
    /// No step can meet both conditions: rounding prevents progress, the bracket is narrower
    /// than `xtol`, or the step sits on `stpmin` or `stpmax`. The last step is the best found.
    case warning
  }

  let ftol: Double, gtol: Double, xtol: Double, stpmin: Double, stpmax: Double
  /// The current trial step.
  private(set) var step: Double
  private var bracketed = false
  private var stage = 1
  private let finit: Double, ginit: Double, gtest: Double
  private var width: Double, width1: Double
  // Best step so far (stx) and the other end of the interval (sty), with φ and φ' there.
  private var stx = 0.0, fx: Double, gx: Double
  private var sty = 0.0, fy: Double, gy: Double
  private var stmin = 0.0, stmax: Double

  /// Starts a search at `step` from φ(0) = `value` and φ'(0) = `slope` (negative).
  /// L-BFGS-B uses ftol = 1e-3, gtol = 0.9, xtol = 0.1, stpmin = 0.
  /// The first verdict is always `.evaluate(step)`.
  init(
    step: Double, value: Double, slope: Double, ftol: Double = 1e-3, gtol: Double = 0.9,
    xtol: Double = 0.1, stpmin: Double = 0, stpmax: Double
  ) {
    precondition(step >= stpmin && step <= stpmax, "initial step outside [stpmin, stpmax]")
    precondition(slope < 0, "not a descent direction")
    precondition(ftol >= 0 && gtol >= 0 && xtol >= 0 && stpmin >= 0 && stpmax >= stpmin)
    self.ftol = ftol
    self.gtol = gtol
    self.xtol = xtol
    self.stpmin = stpmin
    self.stpmax = stpmax
    self.step = step
    finit = value
    ginit = slope
    gtest = ftol * slope
    width = stpmax - stpmin
    width1 = width / 0.5
    fx = value
    gx = slope
    fy = value
    gy = slope
    stmax = step + 4 * step
  }

  /// Takes φ and φ' at `step`; returns whether to stop or where to evaluate next.
  mutating func next(value f: Double, slope g: Double) -> Verdict {
    let ftest = finit + step * gtest
    if stage == 1 && f <= ftest && g >= 0 { stage = 2 }
    // Warnings first, convergence overrides them (as dcsrch orders its tests).
    var verdict: Verdict? = nil
    if bracketed && (step <= stmin || step >= stmax) { verdict = .warning }
    if bracketed && stmax - stmin <= xtol * stmax { verdict = .warning }
    if step == stpmax && f <= ftest && g <= gtest { verdict = .warning }
    if step == stpmin && (f > ftest || g >= gtest) { verdict = .warning }
    if f <= ftest && abs(g) <= gtol * -ginit { verdict = .converged }
    if let verdict { return verdict }

    if stage == 1 && f <= fx && f > ftest {
      // Lower value but not sufficient decrease: interpolate ψ, whose slope is φ' − gtest.
      var fxm = fx - stx * gtest, fym = fy - sty * gtest
      var gxm = gx - gtest, gym = gy - gtest
      Self.interpolate(
        stx: &stx, fx: &fxm, dx: &gxm, sty: &sty, fy: &fym, dy: &gym,
        stp: &step, fp: f - step * gtest, dp: g - gtest,
        bracketed: &bracketed, stpmin: stmin, stpmax: stmax)
      fx = fxm + stx * gtest
      fy = fym + sty * gtest
      gx = gxm + gtest
      gy = gym + gtest
    } else {
      Self.interpolate(
        stx: &stx, fx: &fx, dx: &gx, sty: &sty, fy: &fy, dy: &gy,
        stp: &step, fp: f, dp: g,
        bracketed: &bracketed, stpmin: stmin, stpmax: stmax)
    }
    if bracketed {
      // Bisect when two steps have not shrunk the bracket to two thirds.
      if abs(sty - stx) >= 0.66 * width1 { step = stx + 0.5 * (sty - stx) }
      width1 = width
      width = abs(sty - stx)
      stmin = min(stx, sty)
      stmax = max(stx, sty)
    } else {
      stmin = step + 1.1 * (step - stx)
      stmax = step + 4 * (step - stx)
    }
    step = min(max(step, stpmin), stpmax)
    // No further progress possible: fall back on the best step.
    if bracketed && (step <= stmin || step >= stmax || stmax - stmin <= xtol * stmax) {
      step = stx
    }
    return .evaluate(step)
  }

  /// dcstep: a safeguarded new trial step from the interval (stx, sty) and the trial stp, and the
  /// updated interval. The step with the least value so far stays in stx; its slope points
  /// towards stp.
  static func interpolate(
    stx: inout Double, fx: inout Double, dx: inout Double,
    sty: inout Double, fy: inout Double, dy: inout Double,
    stp: inout Double, fp: Double, dp: Double, bracketed: inout Bool,
    stpmin: Double, stpmax: Double
  ) {
    let sgnd = dp * (dx / abs(dx))
    // The cubic through (stx, fx, dx) and (stp, fp, dp) has its minimiser at
    //   stx + r (stp − stx), r = p/q, with θ = 3(fx − fp)/(stp − stx) + dx + dp,
    //   γ = ±sqrt(θ² − dx·dp) (scaled by s to avoid overflow), p = γ − dx + θ, q = 2γ − dx + dp.
    let stpf: Double
    if fp > fx {
      // Case 1: higher value, minimum bracketed. Cubic if closer to stx than the quadratic
      // (values and stx's slope), else the average of the two.
      let theta = 3 * (fx - fp) / (stp - stx) + dx + dp
      let s = max(abs(theta), max(abs(dx), abs(dp)))
      var gamma = s * ((theta / s) * (theta / s) - (dx / s) * (dp / s)).squareRoot()
      if stp < stx { gamma = -gamma }
      let p = (gamma - dx) + theta
      let q = ((gamma - dx) + gamma) + dp
      let stpc = stx + (p / q) * (stp - stx)
      let stpq = stx + ((dx / ((fx - fp) / (stp - stx) + dx)) / 2) * (stp - stx)
      stpf = abs(stpc - stx) < abs(stpq - stx) ? stpc : stpc + (stpq - stpc) / 2
      bracketed = true
    } else if sgnd < 0 {
      // Case 2: lower value, slopes of opposite sign: bracketed. Cubic if farther from stp than
      // the secant step, else the secant.
      let theta = 3 * (fx - fp) / (stp - stx) + dx + dp
      let s = max(abs(theta), max(abs(dx), abs(dp)))
      var gamma = s * ((theta / s) * (theta / s) - (dx / s) * (dp / s)).squareRoot()
      if stp > stx { gamma = -gamma }
      let p = (gamma - dp) + theta
      let q = ((gamma - dp) + gamma) + dx
      let stpc = stp + (p / q) * (stx - stp)
      let stpq = stp + (dp / (dp - dx)) * (stx - stp)
      stpf = abs(stpc - stp) > abs(stpq - stp) ? stpc : stpq
      bracketed = true
    } else if abs(dp) < abs(dx) {
      // Case 3: lower value, same sign, slope shrinking. The cubic step only if the cubic tends
      // to infinity in the step's direction or its minimiser lies beyond stp; else stpmin/max.
      let theta = 3 * (fx - fp) / (stp - stx) + dx + dp
      let s = max(abs(theta), max(abs(dx), abs(dp)))
      var gamma = s * max(0, (theta / s) * (theta / s) - (dx / s) * (dp / s)).squareRoot()
      if stp > stx { gamma = -gamma }
      let p = (gamma - dp) + theta
      let q = (gamma + (dx - dp)) + gamma
      let r = p / q
      let stpc: Double
      if r < 0 && gamma != 0 {
        stpc = stp + r * (stx - stp)
      } else if stp > stx {
        stpc = stpmax
      } else {
        stpc = stpmin
      }
      let stpq = stp + (dp / (dp - dx)) * (stx - stp)
      if bracketed {
        // Closer of cubic and secant, at most two thirds of the way to sty.
        var f = abs(stpc - stp) < abs(stpq - stp) ? stpc : stpq
        f = stp > stx ? min(stp + 0.66 * (sty - stp), f) : max(stp + 0.66 * (sty - stp), f)
        stpf = f
      } else {
        // Farther of cubic and secant, inside [stpmin, stpmax].
        let f = abs(stpc - stp) > abs(stpq - stp) ? stpc : stpq
        stpf = max(stpmin, min(stpmax, f))
      }
    } else {
      // Case 4: lower value, same sign, slope not shrinking. Bracketed: the cubic through stp
      // and sty; otherwise jump to stpmin or stpmax.
      if bracketed {
        let theta = 3 * (fp - fy) / (sty - stp) + dy + dp
        let s = max(abs(theta), max(abs(dy), abs(dp)))
        var gamma = s * ((theta / s) * (theta / s) - (dy / s) * (dp / s)).squareRoot()
        if stp > sty { gamma = -gamma }
        let p = (gamma - dp) + theta
        let q = ((gamma - dp) + gamma) + dy
        stpf = stp + (p / q) * (sty - stp)
      } else {
        stpf = stp > stx ? stpmax : stpmin
      }
    }
    // Update the interval: stx keeps the least value, sty the other end.
    if fp > fx {
      sty = stp
      fy = fp
      dy = dp
    } else {
      if sgnd < 0 {
        sty = stx
        fy = fx
        dy = dx
      }
      stx = stp
      fx = fp
      dx = dp
    }
    stp = stpf
  }
}
