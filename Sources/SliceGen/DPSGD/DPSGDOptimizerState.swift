// The optimisers of `train-dpsgd` (post-processing of the noisy gradients: none costs privacy).
// Adam is the shared one (Sources/SliceGen/Generator/Adam.swift). DP-AdamBC follows Tang, Panda,
// Sankararaman, Mahoney, Chaudhuri, "DP-AdamBC: Your DP-Adam Is Actually DP-SGD (Unless You Apply
// Bias Correction)", AAAI 2024: the privatised gradient g̃ = ḡ + ξ with ξ ~ N(0, Φ·I),
// Φ = (σC/(qn))², so E[g̃²] = E[ḡ²] + Φ and Adam's second moment is dominated by the noise's
// variance, which makes Adam a rescaled SGD. Their correction subtracts it:
//   m_t = β₁m + (1 − β₁)g̃,  v_t = β₂v + (1 − β₂)g̃²,  m̂ = m_t/(1 − β₁ᵗ),  v̂ = v_t/(1 − β₂ᵗ),
//   θ ← θ − η·m̂/√max(v̂ − Φ, γ′).
// γ′ is their numerical-stability floor in units of a variance (`--adam-bc-floor`).

import Foundation

/// One optimiser's state over the generator's flat parameters.
struct DPSGDOptimizerState {
  let kind: DPSGDOptimizer
  var adam: Adam
  /// Φ, the per-coordinate variance of the noise in the averaged gradient (DP-AdamBC).
  let noiseVariance: Double
  /// γ′ (DP-AdamBC).
  let floor: Double

  init(kind: DPSGDOptimizer, parameterCount: Int, noiseVariance: Double, floor: Double) {
    self.kind = kind
    adam = Adam(parameterCount: parameterCount)
    self.noiseVariance = noiseVariance
    self.floor = floor
  }

  mutating func step(parameters: inout [Float], gradients: [Float], learningRate: Double) {
    switch kind {
    case .sgd:
      for i in parameters.indices { parameters[i] -= Float(learningRate) * gradients[i] }
    case .adam:
      adam.step(parameters: &parameters, gradients: gradients, learningRate: Float(learningRate))
    case .dpAdamBC:
      biasCorrectedStep(parameters: &parameters, gradients: gradients, learningRate: learningRate)
    }
  }

  /// The DP-AdamBC update (header), moments kept in `adam`'s buffers.
  private mutating func biasCorrectedStep(
    parameters: inout [Float], gradients: [Float], learningRate: Double
  ) {
    var m = adam.firstMoment
    var v = adam.secondMoment
    let t = adam.steps + 1
    let (b1, b2) = (Double(adam.beta1), Double(adam.beta2))
    let c1 = 1 - pow(b1, Double(t))
    let c2 = 1 - pow(b2, Double(t))
    for i in parameters.indices {
      let g = Double(gradients[i])
      let mi = b1 * Double(m[i]) + (1 - b1) * g
      let vi = b2 * Double(v[i]) + (1 - b2) * g * g
      m[i] = Float(mi)
      v[i] = Float(vi)
      let denominator = max(vi / c2 - noiseVariance, floor).squareRoot()
      parameters[i] -= Float(learningRate * (mi / c1) / denominator)
    }
    adam.restore(firstMoment: m, secondMoment: v, steps: t)
  }
}
