// Tests of Ma and Zhang's additions to the DP-SGD generator (ReconstructionTerm.swift and the
// noise injection of MLPGenerator.forward): the reconstruction term's gradient in the generator's
// and the encoder's parameters against finite differences (Double network, with injected noise),
// the input gradient of `backward`, and that zero injected noise changes nothing.

import Foundation
import Testing

@testable import SliceGen

@Suite("DP-SGD reconstruction term and noise injection")
struct ReconstructionTermTests {
  /// The small Double generator of DPSGDTests (sigmoid heads: smooth) and its real row, a
  /// Double encoder, ε and injected noise.
  func setup(seed: UInt64) -> (
    Network<Double>, LatentEncoder<Double>, [Double], [Double], [[Double]]
  ) {
    let (net, _, x) = DPSGDTests().setup(seed: seed)
    var rng = TestRNG(seed: seed + 100)
    var encoder = LatentEncoder<Double>(inputWidth: x.count, hiddenWidth: 7, latent: 3, using: &rng)
    for i in encoder.parameters.indices {
      encoder.parameters[i] += Double.random(in: -0.3...0.3, using: &rng)
    }
    let epsilon = (0..<3).map { _ in Double.random(in: -1...1, using: &rng) }
    let noise = [6, 5].map { w in (0..<w).map { _ in Double.random(in: -0.2...0.2, using: &rng) } }
    return (net, encoder, x, epsilon, noise)
  }

  /// The largest relative error of `analytic` against central differences of `loss` in each
  /// parameter of `parameters`.
  func worstError(
    _ parameters: [Double], _ analytic: [Double], loss: ([Double]) -> Double
  ) -> Double {
    let h = 1e-6
    var worst = 0.0
    for i in parameters.indices {
      var plus = parameters
      plus[i] += h
      var minus = parameters
      minus[i] -= h
      let numeric = (loss(plus) - loss(minus)) / (2 * h)
      worst = max(worst, abs(numeric - analytic[i]) / max(1e-4, abs(numeric)))
    }
    return worst
  }

  @Test("the gradient in the generator's and the encoder's parameters matches finite differences")
  func finiteDifferences() {
    let term = ReconstructionTerm(weight: 0.7)
    for seed: UInt64 in [1, 2, 3] {
      var (net, encoder, x, epsilon, noise) = setup(seed: seed)
      func loss(_ n: Network<Double>, _ e: LatentEncoder<Double>) -> Double {
        x.withUnsafeBufferPointer {
          term.loss(
            row: $0.baseAddress!, epsilon: epsilon, hiddenNoise: noise, encoder: e, generator: n)
        }
      }
      net.zeroGradients()
      let encoderGradient = x.withUnsafeBufferPointer {
        term.accumulateGradient(
          row: $0.baseAddress!, epsilon: epsilon, hiddenNoise: noise, encoder: encoder,
          generator: &net)
      }
      let generatorGradient = net.gradients
      let worst = worstError(net.parameters, generatorGradient) { p in
        var n = net
        n.parameters = p
        return loss(n, encoder)
      }
      let worstEncoder = worstError(encoder.parameters, encoderGradient) { p in
        var e = encoder
        e.parameters = p
        return loss(net, e)
      }
      #expect(worst < 1e-5, "generator, seed \(seed): worst relative error \(worst)")
      #expect(worstEncoder < 1e-5, "encoder, seed \(seed): worst relative error \(worstEncoder)")
      #expect(encoderGradient.contains { abs($0) > 1e-3 }, "the encoder's gradient is not zero")
    }
  }

  @Test("backward's input gradient matches finite differences in the latents")
  func inputGradient() {
    var (net, _, x, _, noise) = setup(seed: 4)
    let z = [0.3, -0.8, 1.1, -0.2, 0.5, 0.9]  // two rows
    let noise2 = noise.map { $0 + $0 }  // two rows of injected noise per layer
    func loss(_ z: [Double]) -> Double {
      let out = z.withUnsafeBufferPointer {
        net.forward(latents: $0.baseAddress!, batch: 2, hiddenNoise: noise2)
      }.output
      return zip(out, x + x).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
    }
    let cache = z.withUnsafeBufferPointer {
      net.forward(latents: $0.baseAddress!, batch: 2, hiddenNoise: noise2)
    }
    let g = zip(cache.output, x + x).map { 2 * ($0 - $1) }
    var analytic = [Double](repeating: 0, count: z.count)
    g.withUnsafeBufferPointer { gg in
      analytic.withUnsafeMutableBufferPointer { out in
        net.backward(cache, outputGradient: gg.baseAddress!, inputGradient: out.baseAddress!)
      }
    }
    for i in z.indices {
      var plus = z
      plus[i] += 1e-6
      var minus = z
      minus[i] -= 1e-6
      let numeric = (loss(plus) - loss(minus)) / 2e-6
      #expect(abs(numeric - analytic[i]) <= 1e-6 * max(1, abs(numeric)), "latent \(i)")
    }
  }

  @Test("zero injected noise is the plain forward pass; other noise moves the output")
  func noiseInjection() {
    let (net, _, _, _, _) = setup(seed: 5)
    let z = [0.3, -0.8, 1.1]
    let plain = z.withUnsafeBufferPointer { net.forward(latents: $0.baseAddress!, batch: 1) }
    let zero = z.withUnsafeBufferPointer {
      net.forward(
        latents: $0.baseAddress!, batch: 1,
        hiddenNoise: [[Double](repeating: 0, count: 6), [Double](repeating: 0, count: 5)])
    }
    #expect(plain.output == zero.output)
    var rng = TestRNG(seed: 9)
    let drawn = DPSGDTrainer.hiddenNoise(0.5, architecture: net.architecture, count: 1, using: &rng)
    #expect(drawn?.map(\.count) == [6, 5])
    #expect(
      DPSGDTrainer.hiddenNoise(0, architecture: net.architecture, count: 1, using: &rng) == nil)
    let noisy = z.withUnsafeBufferPointer {
      net.forward(
        latents: $0.baseAddress!, batch: 1, hiddenNoise: drawn!.map { $0.map(Double.init) })
    }
    #expect(noisy.output != plain.output)
  }
}
