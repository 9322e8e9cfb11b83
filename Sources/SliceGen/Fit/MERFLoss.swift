// The loss of `fit` on a MERF release (Docs/merf.md, "The fit"): the squared distance between the
// released noisy mean embedding μ̃ = noisy sum / n and the mean embedding of a batch of b
// generated rows,
//   L = ‖μ̃ − (1/b) Σ_i ψ(x̂_i)‖²,
// with ψ(x̂) = φ(x̂) (unconditional), or ψ(x̂) = (φ(x̂)·p_c/√2 in class block c, c_label·p) where
// p = the generator's softmax over the target's classes (the target block of x̂ divided by its
// scale) and c_label the release's label coordinate: the soft version of the release's one-hot.
// φ(x̂) = √(1/D')·[cos A, sin A], A = x̂·Ω (MERFFeatures.swift; Ω's target rows are zero).
//
// Gradient, by hand. With r = μ̃ − m̂ and G = −(2/b)·r (∂L/∂ψ_i, the same for every row):
//   unconditional:  ∂L/∂φ_i = G;
//   conditional:    ∂L/∂φ_i = Σ_c p_ic·G_c/√2,   ∂L/∂p_ic = φ_i·G_c/√2 + c_label·G_label,c;
//   then ∂L/∂A_ij = (−∂L/∂φ_cos,j·sin A_ij + ∂L/∂φ_sin,j·cos A_ij)/√D',  ∂L/∂x̂ = (∂L/∂A)·Ωᵀ,
//   plus ∂L/∂p / scale in the target block.
// `evaluateReference` is the loss written as plain loops in Double (A included), the version the
// tests hold the fast one to and take finite differences of. Post-processing of the release: no
// privacy cost.

import Foundation
import SliceGenNumerics

/// The MERF term of the fit and its gradient with respect to the generator's output rows.
struct MERFLoss {
  let features: MERFFeatures
  /// μ̃, the released noisy mean embedding.
  let target: [Double]
  /// C classes, or nil (unconditional).
  let classes: Int?
  let labelValue: Double
  /// The target's block in the output rows and its scale (class-conditional only).
  let labelOffset: Int
  let labelScale: Double

  init(release: Release) throws {
    let header = release.header
    guard let merf = header.merf else {
      throw FitError(message: "the release is not a MERF release")
    }
    let encoding = Encoding(schema: header.schema)
    guard let seed = UInt64(header.projectionSeed) else {
      throw FitError(message: "the release's projectionSeed is not a whole number")
    }
    features = MERFFeatures(
      encoding: encoding, frequencies: merf.frequencies, seed: seed,
      classConditional: merf.classes != nil, lengthScale: merf.lengthScale)
    target = merf.noisyMean(rows: header.rows)
    classes = merf.classes?.count
    labelValue = merf.labelValue
    labelOffset = features.labelBlock?.offset ?? 0
    labelScale = Double(features.labelBlock?.scale ?? 1)
  }

  /// The loss of `b` output rows x (b × d) and, when `gradient` is given, ∂L/∂x (b × d).
  /// The per-row work (φ, ∂L/∂A, the label's dot products) and the per-class sums run on
  /// `GEMM.threads` threads; every value is the same sequence of operations whichever thread
  /// computes it, so the result does not depend on the thread count.
  func evaluate(x: UnsafePointer<Float>, rows b: Int, gradient: UnsafeMutablePointer<Float>?)
    -> Double
  {
    let dPrime = features.frequencies
    let f = features.featureWidth
    let d = features.encodedWidth
    let half = 0.5.squareRoot()
    var a = [Float](repeating: 0, count: b * dPrime)
    a.withUnsafeMutableBufferPointer { features.arguments(of: x, rows: b, into: $0.baseAddress!) }
    // φ of every row (b × F, Double) and the soft labels p (b × C).
    var phi = [Double](repeating: 0, count: b * f)
    let c = classes ?? 0
    var p = [Double](repeating: 0, count: b * c)
    a.withUnsafeBufferPointer { aa in
      phi.withUnsafeMutableBufferPointer { out in
        let (aa, out) = (UncheckedSendable(aa.baseAddress!), UncheckedSendable(out.baseAddress!))
        InChunks.run(b) { rows in
          for i in rows {
            features.features(arguments: aa.value + i * dPrime, into: out.value + i * f)
          }
        }
      }
    }
    for i in 0..<b {
      for k in 0..<c { p[i * c + k] = Double(x[i * d + labelOffset + k]) / labelScale }
    }
    // m̂ and r = μ̃ − m̂: each block of r (a class's, or a range of the unconditional one) sums
    // over the rows in order.
    var r = target
    let inverse = 1 / Double(b)
    r.withUnsafeMutableBufferPointer { rr in
      let rr = UncheckedSendable(rr.baseAddress!)
      if classes == nil {
        InChunks.run(f) { columns in
          for i in 0..<b {
            for j in columns { rr.value[j] -= inverse * phi[i * f + j] }
          }
        }
      } else {
        InChunks.run(c) { block in
          for k in block {
            for i in 0..<b {
              let w = inverse * p[i * c + k] * half
              for j in 0..<f { rr.value[k * f + j] -= w * phi[i * f + j] }
              rr.value[c * f + k] -= inverse * labelValue * p[i * c + k]
            }
          }
        }
      }
    }
    let loss = r.reduce(0) { $0 + $1 * $1 }
    guard let gradient else { return loss }
    let g = r.map { -2 * inverse * $0 }
    // ∂L/∂A from φ itself: φ_j = √(1/D')·cos A_j and φ_{D'+j} = √(1/D')·sin A_j, so
    // √(1/D')·(−∂L/∂φ_j·sin A_j + ∂L/∂φ_{D'+j}·cos A_j) = −∂L/∂φ_j·φ_{D'+j} + ∂L/∂φ_{D'+j}·φ_j.
    var dA = [Float](repeating: 0, count: b * dPrime)
    dA.withUnsafeMutableBufferPointer { da in
      let da = UncheckedSendable(da.baseAddress!)
      InChunks.run(b) { rows in
        var dPhi = [Double](repeating: 0, count: f)
        for i in rows {
          if classes == nil {
            for j in 0..<f { dPhi[j] = g[j] }
          } else {
            for j in 0..<f { dPhi[j] = 0 }
            for k in 0..<c {
              let w = p[i * c + k] * half
              for j in 0..<f { dPhi[j] += w * g[k * f + j] }
            }
          }
          let row = i * f
          for j in 0..<dPrime {
            da.value[i * dPrime + j] = Float(
              -dPhi[j] * phi[row + dPrime + j] + dPhi[dPrime + j] * phi[row + j])
          }
        }
      }
    }
    dA.withUnsafeBufferPointer { da in
      features.omega.withUnsafeBufferPointer { o in
        GEMM.nt(
          m: b, n: d, k: dPrime, a: da.baseAddress!, b: o.baseAddress!, c: gradient)
      }
    }
    if classes != nil {
      let out = UncheckedSendable(gradient)
      InChunks.run(b) { rows in
        for i in rows {
          for k in 0..<c {
            var dot = 0.0
            for j in 0..<f { dot += phi[i * f + j] * g[k * f + j] }
            let dp = dot * half + labelValue * g[c * f + k]
            out.value[i * d + labelOffset + k] += Float(dp / labelScale)
          }
        }
      }
    }
    return loss
  }

  /// The loss as plain loops in Double, A = x·Ω included (tests).
  func evaluateReference(x: [Double], rows b: Int) -> Double {
    let dPrime = features.frequencies
    let f = features.featureWidth
    let d = features.encodedWidth
    let c = classes ?? 0
    var r = target
    for i in 0..<b {
      var phi = [Double](repeating: 0, count: f)
      for j in 0..<dPrime {
        var t = 0.0
        for k in 0..<d { t += x[i * d + k] * Double(features.omega[k * dPrime + j]) }
        phi[j] = cos(t) / Double(dPrime).squareRoot()
        phi[dPrime + j] = sin(t) / Double(dPrime).squareRoot()
      }
      if classes == nil {
        for j in 0..<f { r[j] -= phi[j] / Double(b) }
      } else {
        for k in 0..<c {
          let pk = x[i * d + labelOffset + k] / labelScale
          for j in 0..<f { r[k * f + j] -= pk * phi[j] / 2.0.squareRoot() / Double(b) }
          r[c * f + k] -= labelValue * pk / Double(b)
        }
      }
    }
    return r.reduce(0) { $0 + $1 * $1 }
  }
}
