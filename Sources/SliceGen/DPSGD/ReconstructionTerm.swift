// The reconstruction term of `train-dpsgd --reconstruction-weight λ` (Docs/dpsgd.md,
// "Reconstruction loss and noise injection"), after the image generator of Ma and Zhang, which
// adds a variational autoencoder's loss to DP-SGD training so that every private row also teaches
// the generator directly: an encoder E maps the row x to the mean μ and log-variance ℓ of a latent,
// z = μ + exp(ℓ/2)·ε with ε ~ N(0, I) PUBLIC (a seeded stream, the same on neighbouring tables),
// and the row's loss is
//   r(x) = λ·(‖G(z) − x‖² + KL),   KL = ½·Σ_k (μ_k² + e^{ℓ_k} − ℓ_k − 1)  (KL(N(μ, e^ℓ) ‖ N(0, I))),
// added to the row's MMD term f_i (MMDGradients.swift).
//
// Privacy: ∇r depends on x, the parameters (θ_G, θ_E) and public noise only, like ∇f_i. DP-SGD
// clips the joint per-row vector [∇_{θ_G}(f_i + r), ∇_{θ_E} r] to C and adds the noise to every
// coordinate of both, so a row still moves the step's sum by at most C: the sensitivity, the
// accounting and the neighbouring relation are those of plain DP-SGD (the encoder's parameters
// are outputs of the same noisy steps, and are not written to the model).
//
// Encoder: one hidden ReLU layer, h = relu(W₁ᵀx + b₁), (μ, ℓ) = W₂ᵀh + b₂ (W₁: d × H, W₂:
// H × 2L, row-major, input-major as in MLPGenerator), ℓ clamped to [−ℓ_max, ℓ_max] (the
// derivative is 0 where the clamp binds). Gradient by hand, in Double:
//   g_out = 2λ(G(z) − x);  g_z = the generator's input gradient of g_out;
//   g_μ = g_z + λμ;  g_ℓ = g_z ⊙ ε·e^{ℓ/2}/2 + λ(e^ℓ − 1)/2;
//   then through W₂, the ReLU and W₁. `loss` is the same value, for finite differences.

import Foundation

/// A one-hidden-layer encoder of rows into a latent's mean and log-variance (generic over the
/// scalar, as the generator is, so the tests run it in Double).
struct LatentEncoder<T: NetworkScalar>: Sendable {
  let inputWidth: Int
  let hiddenWidth: Int
  let latent: Int
  /// W₁ (d × H), b₁ (H), W₂ (H × 2L), b₂ (2L).
  var parameters: [T]

  var parameterCount: Int { parameters.count }

  /// W₁, b₁, W₂ and b₂ of an encoder of this shape.
  static func parameterCount(inputWidth d: Int, hiddenWidth h: Int, latent l: Int) -> Int {
    d * h + h + h * 2 * l + 2 * l
  }
  var offsets: (b1: Int, w2: Int, b2: Int) {
    let b1 = inputWidth * hiddenWidth
    let w2 = b1 + hiddenWidth
    return (b1, w2, w2 + hiddenWidth * 2 * latent)
  }

  /// He-initialised W₁, W₂ scaled by 0.1 (so μ ≈ 0 and ℓ ≈ 0 at the start), zero biases.
  init(
    inputWidth: Int, hiddenWidth: Int, latent: Int, using rng: inout some RandomNumberGenerator
  ) {
    self.inputWidth = inputWidth
    self.hiddenWidth = hiddenWidth
    self.latent = latent
    let (d, h, o) = (inputWidth, hiddenWidth, 2 * latent)
    var p = [T](
      repeating: 0, count: Self.parameterCount(inputWidth: d, hiddenWidth: h, latent: latent))
    let s1 = (2 / Double(d)).squareRoot()
    for k in 0..<(d * h) { p[k] = T(s1 * MLPGenerator.normal(&rng)) }
    let s2 = 0.1 * (1 / Double(h)).squareRoot()
    for k in 0..<(h * o) { p[d * h + h + k] = T(s2 * MLPGenerator.normal(&rng)) }
    parameters = p
  }

  /// Hidden pre-activations, and the outputs (μ then ℓ, ℓ unclamped).
  func forward(_ x: UnsafePointer<T>) -> (pre: [Double], out: [Double]) {
    let (d, h, o) = (inputWidth, hiddenWidth, 2 * latent)
    let off = offsets
    var pre = (0..<h).map { Double(parameters[off.b1 + $0]) }
    for i in 0..<d where x[i] != 0 {
      let xi = Double(x[i])
      for j in 0..<h { pre[j] += xi * Double(parameters[i * h + j]) }
    }
    var out = (0..<o).map { Double(parameters[off.b2 + $0]) }
    for j in 0..<h where pre[j] > 0 {
      for k in 0..<o { out[k] += pre[j] * Double(parameters[off.w2 + j * o + k]) }
    }
    return (pre, out)
  }
}

/// r(x) and its gradient, for one private row.
struct ReconstructionTerm: Sendable {
  /// λ.
  let weight: Double

  /// The largest |ℓ|.
  static let logVarianceBound = 8.0

  static func clamped(_ logVariance: Double) -> Double {
    min(max(logVariance, -logVarianceBound), logVarianceBound)
  }

  /// z from the encoder's outputs and ε.
  static func latent<T: NetworkScalar>(_ out: [Double], epsilon: [T], latent l: Int) -> [T] {
    (0..<l).map { k in T(out[k] + exp(clamped(out[l + k]) / 2) * Double(epsilon[k])) }
  }

  /// r(x) (the reference the tests take finite differences of).
  func loss<T: NetworkScalar>(
    row x: UnsafePointer<T>, epsilon: [T], hiddenNoise: [[T]]?, encoder: LatentEncoder<T>,
    generator: Network<T>
  ) -> Double {
    let l = encoder.latent
    let (_, out) = encoder.forward(x)
    let z = Self.latent(out, epsilon: epsilon, latent: l)
    let cache = z.withUnsafeBufferPointer {
      generator.forward(latents: $0.baseAddress!, batch: 1, hiddenNoise: hiddenNoise)
    }
    var squared = 0.0
    for c in 0..<encoder.inputWidth {
      let e = Double(cache.output[c]) - Double(x[c])
      squared += e * e
    }
    var kl = 0.0
    for k in 0..<l {
      let lv = Self.clamped(out[l + k])
      kl += 0.5 * (out[k] * out[k] + exp(lv) - lv - 1)
    }
    return weight * (squared + kl)
  }

  /// Adds ∂r/∂θ_G into `generator.gradients` (which it does not zero) and returns ∂r/∂θ_E.
  func accumulateGradient<T: NetworkScalar>(
    row x: UnsafePointer<T>, epsilon: [T], hiddenNoise: [[T]]?, encoder: LatentEncoder<T>,
    generator: inout Network<T>
  ) -> [T] {
    let (d, h, l) = (encoder.inputWidth, encoder.hiddenWidth, encoder.latent)
    let o = 2 * l
    let (pre, out) = encoder.forward(x)
    let z = Self.latent(out, epsilon: epsilon, latent: l)
    let cache = z.withUnsafeBufferPointer {
      generator.forward(latents: $0.baseAddress!, batch: 1, hiddenNoise: hiddenNoise)
    }
    let gOut = (0..<d).map { c in T(2 * weight * (Double(cache.output[c]) - Double(x[c]))) }
    var gz = [T](repeating: 0, count: generator.architecture.widths[0])
    gOut.withUnsafeBufferPointer { g in
      gz.withUnsafeMutableBufferPointer { zz in
        generator.backward(cache, outputGradient: g.baseAddress!, inputGradient: zz.baseAddress!)
      }
    }
    // ∂r/∂(μ, ℓ).
    var gO = [Double](repeating: 0, count: o)
    for k in 0..<l {
      gO[k] = Double(gz[k]) + weight * out[k]
      let raw = out[l + k]
      guard abs(raw) < Self.logVarianceBound else { continue }
      let s = exp(raw / 2)
      gO[l + k] = Double(gz[k]) * Double(epsilon[k]) * s / 2 + weight * (s * s - 1) / 2
    }
    // Back through W₂, the ReLU and W₁.
    let off = encoder.offsets
    var g = [T](repeating: 0, count: encoder.parameterCount)
    var gPre = [Double](repeating: 0, count: h)
    for j in 0..<h where pre[j] > 0 {
      var total = 0.0
      for k in 0..<o {
        g[off.w2 + j * o + k] = T(pre[j] * gO[k])
        total += Double(encoder.parameters[off.w2 + j * o + k]) * gO[k]
      }
      gPre[j] = total
    }
    for k in 0..<o { g[off.b2 + k] = T(gO[k]) }
    for j in 0..<h { g[off.b1 + j] = T(gPre[j]) }
    for i in 0..<d where x[i] != 0 {
      let xi = Double(x[i])
      for j in 0..<h where gPre[j] != 0 { g[i * h + j] = T(xi * gPre[j]) }
    }
    return g
  }
}
