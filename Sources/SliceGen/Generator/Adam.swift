// Adam (Kingma & Ba 2015) over flat buffers: one loop over all parameters.

import Foundation

/// The Adam optimiser's state.
public struct Adam: Sendable {
  public var beta1: Float = 0.9
  public var beta2: Float = 0.999
  public var epsilon: Float = 1e-8
  public private(set) var steps = 0
  public private(set) var firstMoment: [Float]
  public private(set) var secondMoment: [Float]

  public init(parameterCount: Int) {
    firstMoment = [Float](repeating: 0, count: parameterCount)
    secondMoment = [Float](repeating: 0, count: parameterCount)
  }

  /// Continues from a saved state.
  public mutating func restore(firstMoment m: [Float], secondMoment v: [Float], steps: Int) {
    precondition(m.count == firstMoment.count && v.count == secondMoment.count)
    firstMoment = m
    secondMoment = v
    self.steps = steps
  }

  /// θ ← θ − η_t·m/(√v + ε) with η_t = η·√(1 − β₂ᵗ)/(1 − β₁ᵗ): Kingma & Ba's bias-corrected step
  /// in the efficient order of their section 2, the same as θ − η·m̂/(√v̂ + ε̂) with
  /// ε̂ = ε/√(1 − β₂ᵗ) (AdamTests holds it to that algorithm written out).
  public mutating func step(parameters: inout [Float], gradients: [Float], learningRate: Float) {
    steps += 1
    let b1 = beta1, b2 = beta2, eps = epsilon
    let correction1 = 1 - Float(pow(Double(b1), Double(steps)))
    let correction2 = 1 - Float(pow(Double(b2), Double(steps)))
    let rate = learningRate * correction2.squareRoot() / correction1
    parameters.withUnsafeMutableBufferPointer { p in
      gradients.withUnsafeBufferPointer { g in
        firstMoment.withUnsafeMutableBufferPointer { m in
          secondMoment.withUnsafeMutableBufferPointer { v in
            for i in 0..<p.count {
              let gi = g[i]
              m[i] = b1 * m[i] + (1 - b1) * gi
              v[i] = b2 * v[i] + (1 - b2) * gi * gi
              p[i] -= rate * m[i] / (v[i].squareRoot() + eps)
            }
          }
        }
      }
    }
  }
}
