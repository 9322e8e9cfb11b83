import Foundation
import Testing

@testable import SliceGen

@Suite("Generator")
struct GeneratorTests {
  static let blocks: [OutputBlock] = [
    .numeric(scale: 0.4), .nullableNumeric(scale: 0.3), .categorical(count: 4, scale: 0.35),
    .binned(centers: [0, 0.25, 0.75], missingBin: true, scale: 0.3),
    .binned(centers: [0, 0.5, 1], missingBin: false, scale: 0.2),
  ]

  /// L = Σ c·output + Σ e·heads with fixed random c, e: a loss touching every output and head.
  func loss(_ net: Network<Double>, _ z: [Double], _ c: [Double], _ e: [Double]) -> Double {
    let cache = z.withUnsafeBufferPointer { net.forward(latents: $0.baseAddress!, batch: 3) }
    return zip(cache.output, c).reduce(0) { $0 + $1.0 * $1.1 }
      + zip(cache.heads, e).reduce(0) { $0 + $1.0 * $1.1 }
  }

  @Test(
    "finite differences (Double) match backward for every parameter, every head and both activations",
    arguments: [
      (Activation.relu, NumericHead.sigmoid), (.leakyRelu, .sigmoid), (.relu, .clamp),
      (.relu, .linear),
    ])
  func gradientCheck(activation: Activation, head: NumericHead) throws {
    var rng = TestRNG(seed: 1)
    let architecture = GeneratorArchitecture(
      latent: 3, hidden: [5, 4], activation: activation, numericHead: head, blocks: Self.blocks)
    var net = Network<Double>(architecture: architecture, using: &rng)
    // Non-zero biases so that the check also covers them.
    for i in net.parameters.indices {
      net.parameters[i] += Double.random(in: -0.1...0.1, using: &rng)
    }
    let z = (0..<9).map { _ in Double.random(in: -1...1, using: &rng) }
    let c = (0..<(3 * architecture.outputWidth)).map { _ in Double.random(in: -1...1, using: &rng) }
    let e = (0..<(3 * architecture.logitCount)).map { _ in Double.random(in: -1...1, using: &rng) }
    let cache = z.withUnsafeBufferPointer { net.forward(latents: $0.baseAddress!, batch: 3) }
    net.zeroGradients()
    c.withUnsafeBufferPointer { cp in
      e.withUnsafeBufferPointer { ep in
        net.backward(cache, outputGradient: cp.baseAddress!, headGradient: ep.baseAddress!)
      }
    }
    let analytic = net.gradients
    var worst = 0.0
    let h = 1e-6
    for i in net.parameters.indices {
      let saved = net.parameters[i]
      net.parameters[i] = saved + h
      let up = loss(net, z, c, e)
      net.parameters[i] = saved - h
      let down = loss(net, z, c, e)
      net.parameters[i] = saved
      let numeric = (up - down) / (2 * h)
      worst = max(worst, abs(numeric - analytic[i]) / max(1, abs(numeric)))
    }
    // Central differences in Double: truncation O(h²) ≈ 1e-12, rounding ≈ 1e-16/h = 1e-10;
    // a ReLU kink within h of a pre-activation is improbable with these random values.
    #expect(worst < 1e-7, "largest relative difference \(worst)")
  }

  @Test("outputs live where encoded rows live")
  func domain() {
    var rng = TestRNG(seed: 2)
    let architecture = GeneratorArchitecture(latent: 4, hidden: [16], blocks: Self.blocks)
    let net = Network<Float>(architecture: architecture, using: &rng)
    let z = net.sampleLatents(count: 50, using: &rng)
    let cache = z.withUnsafeBufferPointer { net.forward(latents: $0.baseAddress!, batch: 50) }
    let d = architecture.outputWidth
    for i in 0..<50 {
      let row = Array(cache.output[(i * d)..<((i + 1) * d)])
      #expect(row[0] >= 0 && row[0] <= 0.4)
      #expect(row[1] >= 0 && row[2] >= 0 && row[1] + row[2] <= 0.3 + 1e-6)
      #expect(abs(row[3..<7].reduce(0, +) - 0.35) < 1e-5)
      #expect(row[7] >= 0 && row[7] + row[8] <= 0.3 + 1e-6)
      #expect(row[9] >= 0 && row[9] <= 0.2 + 1e-6)
    }
  }

  @Test("a parameter count that does not match the architecture is refused")
  func parameterCount() {
    let architecture = GeneratorArchitecture(latent: 2, hidden: [3], blocks: [.numeric(scale: 1)])
    #expect(throws: FitError.self) {
      try Network<Float>(architecture: architecture, parameters: [1, 2])
    }
  }
}

@Test(
  "clamp-recover: clamp forward; outside [0, 1] the gradient passes only back toward the interval")
func clampRecoverHead() throws {
  let architecture = GeneratorArchitecture(
    latent: 1, hidden: [2], numericHead: .clampRecover, blocks: [.numeric(scale: 1)])
  var rng = TestRNG(seed: 1)
  let net = Network<Double>(architecture: architecture, using: &rng)
  #expect(net.squash(-0.5) == 0 && net.squash(0.25) == 0.25 && net.squash(1.5) == 1)
  // Inside: the derivative, whatever the upstream sign.
  #expect(net.squashDerivative(0.25, 0.25, upstream: 3) == 1)
  #expect(net.squashDerivative(0.25, 0.25, upstream: -3) == 1)
  // Below 0: descent raises x only when ∂L/∂v < 0; above 1: lowers x only when ∂L/∂v > 0.
  #expect(net.squashDerivative(-0.5, 0, upstream: -2) == 1)
  #expect(net.squashDerivative(-0.5, 0, upstream: 2) == 0)
  #expect(net.squashDerivative(1.5, 1, upstream: 2) == 1)
  #expect(net.squashDerivative(1.5, 1, upstream: -2) == 0)
  // The plain clamp passes nothing outside.
  let clamp = Network<Double>(
    architecture: GeneratorArchitecture(
      latent: 1, hidden: [2], numericHead: .clamp, blocks: [.numeric(scale: 1)]), using: &rng)
  #expect(clamp.squashDerivative(-0.5, 0, upstream: -2) == 0)
}

@Test(
  "clamp-straight-through: clamp forward (what decoding writes); the gradient passes everywhere")
func clampStraightThroughHead() throws {
  let architecture = GeneratorArchitecture(
    latent: 1, hidden: [2], numericHead: .clampStraightThrough, blocks: [.numeric(scale: 1)])
  var rng = TestRNG(seed: 1)
  let net = Network<Double>(architecture: architecture, using: &rng)
  #expect(net.squash(-0.5) == 0 && net.squash(0.25) == 0.25 && net.squash(1.5) == 1)
  for x in [-0.5, 0.25, 1.5] {
    for upstream in [-2.0, 2.0] {
      #expect(net.squashDerivative(x, net.squash(x), upstream: upstream) == 1)
    }
  }
}
