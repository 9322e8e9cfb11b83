// Tests of the proportional-noise regularisation term (Network+ProportionalNoise.swift): its
// value against the formula written out by hand, and its gradient against finite differences.

import Foundation
import Testing

@testable import SliceGen

@Suite("proportional-noise regularisation")
struct ProportionalNoiseTests {
  static let blocks: [OutputBlock] = [
    .numeric(scale: 0.4), .categorical(count: 3, scale: 0.35), .nullableNumeric(scale: 0.3),
  ]

  /// A small network with non-zero biases and its latents (batch 3).
  func network(_ activation: Activation) -> (Network<Double>, [Double]) {
    var rng = TestRNG(seed: 7)
    let architecture = GeneratorArchitecture(
      latent: 3, hidden: [5, 4], activation: activation, numericHead: .sigmoid,
      blocks: Self.blocks)
    var net = Network<Double>(architecture: architecture, using: &rng)
    for i in net.parameters.indices {
      net.parameters[i] += Double.random(in: -0.1...0.1, using: &rng)
    }
    let z = (0..<9).map { _ in Double.random(in: -1...1, using: &rng) }
    return (net, z)
  }

  /// R by the formula of the file header, with plain loops over a fresh forward pass.
  func penalty(_ net: Network<Double>, _ z: [Double], lambda: Double) -> Double {
    let cache = z.withUnsafeBufferPointer { net.forward(latents: $0.baseAddress!, batch: 3) }
    let widths = net.architecture.widths
    var total = 0.0
    for l in 0..<(widths.count - 1) {
      let input = l == 0 ? cache.inputs : cache.activations[l - 1]
      for r in 0..<3 {
        for i in 0..<widths[l] {
          for j in 0..<widths[l + 1] {
            let w = net.parameters[net.weightOffsets[l] + i * widths[l + 1] + j]
            total += w * w * input[r * widths[l] + i] * input[r * widths[l] + i]
          }
        }
      }
    }
    return lambda * total / 3
  }

  @Test("R is (λ/b)·Σ W²·H², zero at λ = 0, and adds nothing to the gradient then")
  func value() {
    var (net, z) = network(.relu)
    let cache = z.withUnsafeBufferPointer { net.forward(latents: $0.baseAddress!, batch: 3) }
    net.zeroGradients()
    #expect(net.addProportionalNoisePenalty(cache, weight: 0) == 0)
    #expect(net.gradients.allSatisfy { $0 == 0 })
    let r = net.addProportionalNoisePenalty(cache, weight: 0.3)
    let expected = penalty(net, z, lambda: 0.3)
    #expect(r > 0)
    #expect(abs(r - expected) <= 1e-12 * expected, "R \(r), by hand \(expected)")
  }

  @Test(
    "finite differences (Double) match the analytic gradient for every parameter",
    arguments: [Activation.relu, .leakyRelu])
  func gradientCheck(activation: Activation) {
    var (net, z) = network(activation)
    let cache = z.withUnsafeBufferPointer { net.forward(latents: $0.baseAddress!, batch: 3) }
    net.zeroGradients()
    _ = net.addProportionalNoisePenalty(cache, weight: 0.7)
    let analytic = net.gradients
    let numeric = centralDifferences(net.parameters) { w in
      var copy = net
      copy.parameters = w
      return penalty(copy, z, lambda: 0.7)
    }
    let worst = zip(numeric, analytic).map { abs($0 - $1) / max(1, abs($0)) }.max()!
    // Central differences in Double: truncation O(h²) ≈ 1e-12, rounding ≈ 1e-16/h = 1e-10; a
    // ReLU kink within h = 1e-6 of a pre-activation is improbable with these random values.
    #expect(worst < 1e-7, "largest relative difference \(worst)")
    // The hidden activations' term reaches the first layer's biases (not only the weights).
    let firstBiases = net.weightOffsets[0] + 3 * 5
    #expect(analytic[firstBiases..<(firstBiases + 5)].contains { $0 != 0 })
  }
}
