// The MMD loss of the DP-SGD generator, split into the part that reads private rows one at a time
// and the part that does not (Docs/dpsgd.md, "The loss").
//
// With a Gaussian-mixture kernel k(x, y) = Σ_h exp(−‖x − y‖²/(2h²)) (bandwidths h PUBLIC: fixed
// multiples of the encoding's unit, never a function of the data), a real batch x_1..x_B and a
// synthetic batch y_j = G(z_j), j = 1..m:
//   MMD² = const − (2/(Bm)) Σ_i Σ_j k(x_i, y_j) + (1/m²) Σ_j Σ_j' k(y_j, y_j').
// Only the cross term reads real rows, as the sum over i of
//   f_i(θ) = −(2/m) Σ_j k(x_i, G(z_j)),
// and DP-SGD clips ∇f_i per example, sums, adds noise and divides by the expected batch size
// (so B above becomes qn). The synthetic term's gradient reads no private row and is added
// exactly.
//
// Derivatives on the synthetic outputs (∂₂k(x, y) = k_h(x, y)·(x − y)/h² per bandwidth):
//   ∂f_i/∂y_j       = −(2/m) Σ_h k_h(x_i, y_j)·(x_i − y_j)/h²
//   ∂L_fake/∂y_j    = −(2/m²) Σ_j' Σ_h k_h(y_j, y_j')·(y_j − y_j')/h²
// and the generator's backward pass (linear in its upstream gradient) maps them to ∂/∂θ. One
// backward pass per real row gives that row's gradient alone: it depends on x_i, θ and the public
// latents, on no other private row (which is what the sensitivity argument needs).
// The plain computation is the reference; the tests check it against finite differences of f_i.

import Foundation

/// The Gaussian-mixture kernel of the DP-SGD MMD loss.
public struct MMDKernel: Sendable, Equatable {
  /// h, each positive.
  public let bandwidths: [Double]

  /// Bandwidths in units of the encoding: encoded rows have norm at most 1 (every column's block
  /// is scaled so), so two rows are at most 2 apart; 0.1, 0.25 and 0.5 resolve single-column
  /// differences as well as global shape. Public: no data is read.
  public static let standard = MMDKernel(bandwidths: [0.1, 0.25, 0.5])

  public init(bandwidths: [Double]) {
    precondition(!bandwidths.isEmpty && bandwidths.allSatisfy { $0 > 0 && $0.isFinite })
    self.bandwidths = bandwidths
  }

  /// Adds scale·Σ_h k_h(x, y)·(x − y)/h² into `out` (length d) and returns Σ_h k_h(x, y).
  @inline(__always)
  func addGradient(
    x: UnsafePointer<Float>, y: UnsafePointer<Float>, width d: Int, scale: Double,
    into out: UnsafeMutablePointer<Float>
  ) -> Double {
    var squared = 0.0
    for c in 0..<d {
      let diff = Double(x[c]) - Double(y[c])
      squared += diff * diff
    }
    var value = 0.0
    var factor = 0.0
    for h in bandwidths {
      let k = exp(-squared / (2 * h * h))
      value += k
      factor += k / (h * h)
    }
    let f = scale * factor
    for c in 0..<d { out[c] += Float(f * (Double(x[c]) - Double(y[c]))) }
    return value
  }

  /// ∂f_i/∂y (m × d) for the real row x (length d) against the synthetic rows y (m × d), and
  /// f_i = −(2/m) Σ_j k(x, y_j).
  public func crossGradient(row x: UnsafePointer<Float>, synthetic y: [Float], width d: Int)
    -> (value: Double, gradient: [Float])
  {
    let m = y.count / d
    var g = [Float](repeating: 0, count: m * d)
    var total = 0.0
    y.withUnsafeBufferPointer { yy in
      g.withUnsafeMutableBufferPointer { gg in
        for j in 0..<m {
          total += addGradient(
            x: x, y: yy.baseAddress! + j * d, width: d, scale: -2 / Double(m),
            into: gg.baseAddress! + j * d)
        }
      }
    }
    return (-2 / Double(m) * total, g)
  }

  /// ∂L_fake/∂y (m × d) and L_fake = (1/m²) Σ_j Σ_j' k(y_j, y_j').
  public func syntheticGradient(_ y: [Float], width d: Int) -> (value: Double, gradient: [Float]) {
    let m = y.count / d
    var g = [Float](repeating: 0, count: m * d)
    var total = 0.0
    y.withUnsafeBufferPointer { yy in
      g.withUnsafeMutableBufferPointer { gg in
        for j in 0..<m {
          for j2 in 0..<m {
            // ∂/∂y_j of k(y_j, y_j') is −k·(y_j − y_j')/h²: addGradient with x = y_j', y = y_j.
            total += addGradient(
              x: yy.baseAddress! + j2 * d, y: yy.baseAddress! + j * d, width: d,
              scale: 2 / Double(m * m), into: gg.baseAddress! + j * d)
          }
        }
      }
    }
    return (total / Double(m * m), g)
  }
}

extension Network {
  /// ∂/∂θ of a loss whose gradient on the outputs of `cache` is `outputGradient`, alone (the
  /// network's own `gradients` buffer is overwritten).
  mutating func parameterGradient(_ cache: ForwardCache<T>, outputGradient: [T]) -> [T] {
    zeroGradients()
    outputGradient.withUnsafeBufferPointer { backward(cache, outputGradient: $0.baseAddress!) }
    return gradients
  }
}
