// L-BFGS-B for unbounded variables, reproducing the iterates of scipy's
// `minimize(method="L-BFGS-B")` (scipy ≥ 1.15, the C translation of Zhu, Byrd, Lu & Nocedal's
// Fortran, version 3.0), so that slicegen's logistic regression stops where scikit-learn's does.
// It exists for that one purpose: the bounds, the Cauchy-point search along the projected
// gradient and the projected subspace step are left out, because with no bounds they do nothing.
//
// The algorithm, as scipy runs it when no variable has a bound:
//
//   evaluate f(x₀), g(x₀); stop if max|gᵢ| ≤ pgtol.
//   loop:
//     direction. With no correction pairs stored (the first iteration, or after a reset), the
//       generalised Cauchy point of the model with B = θI: z = x + t·(−g), t = ‖g‖²/(θ‖g‖²),
//       i.e. z = x − g/θ (θ = 1 before any update). Otherwise the quasi-Newton point
//       z = x − H g, H the limited-memory inverse Hessian of the last m pairs (sᵢ, yᵢ) with
//       H₀ = I/θ. scipy's subspace minimisation forms it from the compact representation
//       B = θI − W M Wᵀ, W = [Y θS] (Byrd, Nocedal & Schnabel 1994), as
//       z − x = (1/θ) r + (1/θ²) W K⁻¹ Wᵀ r with r = −g and K factored by Cholesky; with no
//       bounds every variable is free and that is B⁻¹r by Sherman–Morrison–Woodbury. The
//       two-loop recursion used here applies the same matrix H = B⁻¹ to the same vector
//       (Nocedal & Wright, Numerical Optimization, §7.2), so the two agree up to rounding.
//       d = z − x.
//     line search (MoreThuenteLineSearch, ftol 1e-3, gtol 0.9, xtol 0.1) on φ(α) = f(x + α d),
//       from α = min(1/‖d‖, 1e10) in the very first iteration, α = 1 afterwards, with
//       stpmax = 1e10; at most maxls evaluations. At α = 1 the trial point is z itself,
//       otherwise x + α d. A search that ends with a warning (rounding, xtol, stpmax) still
//       takes its last step, as scipy does. A search that fails (maxls evaluations without an
//       acceptable step, or d not a descent direction) restores x and, if pairs were stored,
//       drops them all and retries from the Cauchy point; with no pairs it ends the run
//       ("ABNORMAL").
//     one iteration done. scipy's driver counts it and stops at maxiter (before any other test,
//       so the 50th iterate of scikit-learn's max_iter = 50 is returned as it is), or when more
//       than maxfun evaluations have been made.
//     convergence: max|gᵢ| ≤ pgtol, or (f_old − f)/max(|f_old|, |f|, 1) ≤ factr·ε.
//     update: s = α d, y = g − g_old, sᵀy computed as α(gᵀd − g_oldᵀd). The pair is skipped
//       when sᵀy ≤ ε·(−α g_oldᵀd) (curvature too small); otherwise it replaces the oldest of m
//       and θ = yᵀy / sᵀy.
//
// Evaluations are counted as scipy's `nfev`: the one at x₀ and every trial step.
// Complexity: O(m·n) per iteration besides the evaluations; memory 2·m·n.

import Foundation

/// Minimises a smooth function of unbounded variables with scipy's L-BFGS-B path.
enum LBFGSB {
  /// scipy's options, with its defaults (`scipy.optimize.minimize(method="L-BFGS-B")`).
  struct Options: Sendable {
    /// maxcor: correction pairs kept (m).
    var memory = 10
    /// maxiter.
    var maxIterations = 15_000
    /// maxfun.
    var maxEvaluations = 15_000
    /// maxls: evaluations allowed in one line search.
    var maxLineSearchSteps = 20
    /// gtol (pgtol): stop when every |gᵢ| is at most this.
    var gradientTolerance = 1e-5
    /// ftol = factr·ε: stop when the relative decrease of f is at most this.
    var relativeDecreaseTolerance = 2.220446049250313e-09
  }

  enum Stop: Sendable, Equatable {
    /// max |gᵢ| ≤ gtol ("CONVERGENCE: NORM OF PROJECTED GRADIENT <= PGTOL").
    case gradientTolerance
    /// relative decrease ≤ ftol ("CONVERGENCE: RELATIVE REDUCTION OF F <= FACTR*EPSMCH").
    case relativeDecrease
    /// maxiter iterations ("STOP: TOTAL NO. OF ITERATIONS REACHED LIMIT").
    case iterationLimit
    /// more than maxfun evaluations ("STOP: TOTAL NO. OF F,G EVALUATIONS EXCEEDS LIMIT").
    case evaluationLimit
    /// The line search failed with no correction pairs to drop ("ABNORMAL"), or f or g is not
    /// finite at the start.
    case abnormal
  }

  struct Result: Sendable {
    var x: [Double]
    var value: Double
    var gradient: [Double]
    /// scipy's `nit`.
    var iterations: Int
    /// scipy's `nfev`.
    var evaluations: Int
    var stop: Stop
  }

  /// Minimises `objective` from `start`. `objective(x, &g)` returns f(x) and writes ∇f(x) in g.
  /// `onIteration` sees each new iterate (iteration number from 1, x, f).
  static func minimize(
    from start: [Double], options: Options = Options(),
    onIteration: ((Int, [Double], Double) -> Void)? = nil,
    _ objective: (_ x: [Double], _ gradient: inout [Double]) -> Double
  ) -> Result {
    let n = start.count
    let m = options.memory
    precondition(n > 0 && m > 0 && options.maxLineSearchSteps > 0)
    let epsilon = 2.220446049250313e-16
    var x = start
    var g = [Double](repeating: 0, count: n)
    var f = objective(x, &g)
    var evaluations = 1
    func result(_ stop: Stop, _ iterations: Int) -> Result {
      Result(
        x: x, value: f, gradient: g, iterations: iterations, evaluations: evaluations,
        stop: stop)
    }
    guard f.isFinite, g.allSatisfy(\.isFinite) else { return result(.abnormal, 0) }
    if infinityNorm(g) <= options.gradientTolerance { return result(.gradientTolerance, 0) }

    // Correction pairs: a ring of m rows; pair k (0 = oldest) sits in row (head + k) % m.
    var s = [Double](repeating: 0, count: m * n)  // (m, n)
    var y = [Double](repeating: 0, count: m * n)  // (m, n)
    var sy = [Double](repeating: 0, count: m)  // sᵀy of each slot, as scipy stores it (dr)
    var count = 0, head = 0
    var theta = 1.0
    var iterations = 0
    var z = [Double](repeating: 0, count: n)
    var d = [Double](repeating: 0, count: n)
    var alpha = [Double](repeating: 0, count: m)

    while true {
      // Direction: z, then d = z − x.
      if count == 0 {
        // Cauchy point of B = θI along −g: t = −f1/f2 with f1 = −‖g‖², f2 = −θ f1.
        var f1 = 0.0
        for i in 0..<n { f1 -= g[i] * g[i] }
        let t = max(0, -f1 / (-theta * f1))
        for i in 0..<n { z[i] = x[i] + t * -g[i] }
      } else {
        // Two-loop recursion: q = −g; newest to oldest αₖ = ρₖ sₖᵀq, q −= αₖ yₖ; r = q/θ;
        // oldest to newest βₖ = ρₖ yₖᵀr, r += (αₖ − βₖ) sₖ. Then r = −H g.
        var q = g.map { -$0 }
        for k in stride(from: count - 1, through: 0, by: -1) {
          let row = ((head + k) % m) * n
          var dot = 0.0
          for i in 0..<n { dot += s[row + i] * q[i] }
          alpha[k] = dot / sy[(head + k) % m]
          for i in 0..<n { q[i] -= alpha[k] * y[row + i] }
        }
        for i in 0..<n { q[i] /= theta }
        for k in 0..<count {
          let row = ((head + k) % m) * n
          var dot = 0.0
          for i in 0..<n { dot += y[row + i] * q[i] }
          let beta = dot / sy[(head + k) % m]
          for i in 0..<n { q[i] += (alpha[k] - beta) * s[row + i] }
        }
        for i in 0..<n { z[i] = x[i] + q[i] }
      }
      for i in 0..<n { d[i] = z[i] - x[i] }

      // Line search from x along d.
      let dtd = dot(d, d)
      let dnorm = dtd.squareRoot()
      let stpmax = 1e10
      let firstStep = iterations == 0 ? min(1 / dnorm, stpmax) : 1
      let xOld = x, gOld = g, fOld = f
      let gdOld = dot(g, d)
      var failed = !(gdOld < 0)
      var step = firstStep, gd = gdOld
      if !failed {
        var search = MoreThuenteLineSearch(
          step: firstStep, value: f, slope: gdOld, stpmax: stpmax)
        var verdict = MoreThuenteLineSearch.Verdict.evaluate(firstStep)
        var trials = 0
        while case .evaluate(let next) = verdict {
          if trials >= options.maxLineSearchSteps {
            failed = true
            break
          }
          step = next
          if step == 1 {
            x = z
          } else {
            for i in 0..<n { x[i] = step * d[i] + xOld[i] }
          }
          f = objective(x, &g)
          evaluations += 1
          trials += 1
          gd = dot(g, d)
          verdict = search.next(value: f, slope: gd)
        }
      }
      if failed {
        x = xOld
        g = gOld
        f = fOld
        if count == 0 { return result(.abnormal, iterations) }
        count = 0
        head = 0
        theta = 1
        continue
      }

      // A new iterate.
      iterations += 1
      onIteration?(iterations, x, f)
      if iterations >= options.maxIterations { return result(.iterationLimit, iterations) }
      if evaluations > options.maxEvaluations { return result(.evaluationLimit, iterations) }
      if infinityNorm(g) <= options.gradientTolerance {
        return result(.gradientTolerance, iterations)
      }
      if fOld - f <= options.relativeDecreaseTolerance * max(abs(fOld), abs(f), 1) {
        return result(.relativeDecrease, iterations)
      }

      // Update the pairs with s = step·d, y = g − g_old.
      let dr = (gd - gdOld) * step
      if dr <= epsilon * (-gdOld * step) { continue }  // curvature too small: skip
      let slot: Int
      if count < m {
        slot = (head + count) % m
        count += 1
      } else {
        slot = head
        head = (head + 1) % m
      }
      let row = slot * n
      var yy = 0.0
      for i in 0..<n {
        s[row + i] = step == 1 ? d[i] : step * d[i]
        let yi = g[i] - gOld[i]
        y[row + i] = yi
        yy += yi * yi
      }
      sy[slot] = dr
      theta = yy / dr
    }
  }

  static func dot(_ a: [Double], _ b: [Double]) -> Double {
    var sum = 0.0
    for i in a.indices { sum += a[i] * b[i] }
    return sum
  }

  static func infinityNorm(_ v: [Double]) -> Double {
    var largest = 0.0
    for x in v {
      if x.isNaN { return x }
      largest = max(largest, abs(x))
    }
    return largest
  }
}
