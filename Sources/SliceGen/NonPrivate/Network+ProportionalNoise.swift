// The loss regularisation of Aguilera-Martínez and Berzal (2024), "Differential Privacy
// Regularization: Protecting Training Data Through Loss Function Regularization"
// (arXiv:2409.17144), transcribed to the generator network, with its gradient. It is a
// heuristic offered for measurement beside the DP methods (`train-nonprivate --regularisation
// proportional-noise`): it is deliberately not a privacy mechanism and proves nothing.
//
// The paper's idea, as far as its published summary states it: instead of adding noise to the
// gradients as DP-SGD does, add to the loss the expected effect of Gaussian noise on the
// parameters whose scale is proportional to each parameter ("proportional" noise). For a linear
// unit ŷ = Σ_i w_i x_i under the squared error, ε_i ~ N(0, σ² w_i²) gives
//   E[(y − Σ_i (w_i + ε_i) x_i)²] = (y − ŷ)² + σ² Σ_i w_i² x_i²,
// an input-dependent weight decay: each weight is penalised by the square of the input it
// multiplies. Docs/non-private-baseline.md lists where this transcription had to interpret.
//
// For each linear layer l of the network, A_l = H_{l−1}·W_l + b_l over a batch of b rows
// (H_0 = Z, the latents; H_l = act(A_l)), with λ in the role of σ²:
//   R = (λ/b) Σ_l Σ_r Σ_{i,j} W_l[i,j]² · H_{l−1}[r,i]²
// Write c_l[i] = Σ_j W_l[i,j]² and s_l[i] = Σ_r H_{l−1}[r,i]². Then
//   R = (λ/b) Σ_l Σ_i c_l[i] · s_l[i]
//   ∂R/∂W_l[i,j]     = (2λ/b) · s_l[i] · W_l[i,j]                         (direct)
//   ∂R/∂H_{l−1}[r,i] = (2λ/b) · c_l[i] · H_{l−1}[r,i]        for l ≥ 1 (H_0 = Z is no parameter)
// and that second term flows down the network like any loss gradient on a hidden layer:
//   δA_{l−1} = (∂R/∂H_{l−1} + δA_l·W_lᵀ) ⊙ act′(A_{l−1}),
//   ∂R/∂W_{l−1} += H_{l−2}ᵀ·δA_{l−1},  ∂R/∂b_{l−1} += Σ_r δA_{l−1}.
// Biases are not penalised (as in conventional weight decay); the heads and the output get no
// gradient (R does not depend on the last layer's output).

import Foundation

extension Network {
  /// Adds ∂R/∂parameters of the proportional-noise term to `gradients` and returns R, for the
  /// forward pass `cache` of this network (see the file header for R).
  /// - Complexity: O(b · Σ_l in_l · out_l), one backward pass through the hidden layers.
  public mutating func addProportionalNoisePenalty(_ cache: ForwardCache<T>, weight lambda: Double)
    -> Double
  {
    let b = cache.batch
    guard lambda > 0, b > 0 else { return 0 }
    precondition(architecture.upsampling == nil, "the penalty covers dense networks only")
    let widths = architecture.widths
    let layers = widths.count - 1
    let factor = 2 * lambda / Double(b)
    let leaky: T = architecture.activation == .leakyRelu ? T(0.2) : 0
    var total = 0.0
    // δA_l of the layer above the one being visited (b × out_l), nil for the last layer.
    var deltaAbove: [T]? = nil
    parameters.withUnsafeBufferPointer { p in
      gradients.withUnsafeMutableBufferPointer { g in
        for l in stride(from: layers - 1, through: 0, by: -1) {
          let (fanIn, fanOut) = (widths[l], widths[l + 1])
          let input = l == 0 ? cache.inputs : cache.activations[l - 1]  // (b, fanIn)
          let w = p.baseAddress! + weightOffsets[l]  // (fanIn, fanOut)
          let dw = g.baseAddress! + weightOffsets[l]
          let db = dw + fanIn * fanOut
          var c = [Double](repeating: 0, count: fanIn)
          var s = [Double](repeating: 0, count: fanIn)
          for i in 0..<fanIn {
            var sum = 0.0
            let row = w + i * fanOut
            for j in 0..<fanOut { sum += Double(row[j]) * Double(row[j]) }
            c[i] = sum
          }
          input.withUnsafeBufferPointer { h in
            for r in 0..<b {
              let row = h.baseAddress! + r * fanIn
              for i in 0..<fanIn { s[i] += Double(row[i]) * Double(row[i]) }
            }
            // Direct: (2λ/b)·s_l[i]·W_l[i,j].
            for i in 0..<fanIn {
              total += c[i] * s[i]
              let f = T(factor * s[i])
              let (gradientRow, weightRow) = (dw + i * fanOut, w + i * fanOut)
              for j in 0..<fanOut { gradientRow[j] += f * weightRow[j] }
            }
            // Through the layers above: H_{l−1}ᵀ·δA_l and Σ_r δA_l.
            if let deltaAbove {
              deltaAbove.withUnsafeBufferPointer { d in
                T.tn(fanIn, fanOut, b, h.baseAddress!, d.baseAddress!, dw, accumulate: true)
                for r in 0..<b {
                  let row = d.baseAddress! + r * fanOut
                  for j in 0..<fanOut { db[j] += row[j] }
                }
              }
            }
          }
          guard l > 0 else { break }
          // ∂R/∂H_{l−1} = δA_l·W_lᵀ + (2λ/b)·c_l[i]·H_{l−1}[r,i], then through act′(A_{l−1}).
          var delta = [T](repeating: 0, count: b * fanIn)
          delta.withUnsafeMutableBufferPointer { out in
            if let deltaAbove {
              deltaAbove.withUnsafeBufferPointer { d in
                T.nt(b, fanIn, fanOut, d.baseAddress!, w, out.baseAddress!, accumulate: false)
              }
            }
            let pre = cache.preActivations[l - 1]
            for r in 0..<b {
              for i in 0..<fanIn {
                let e = r * fanIn + i
                out[e] += T(factor * c[i]) * input[e]
                if pre[e] <= 0 { out[e] *= leaky }
              }
            }
          }
          deltaAbove = delta
        }
      }
    }
    return lambda * total / Double(b)
  }
}
