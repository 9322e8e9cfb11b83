import Foundation
import SliceGenNumerics
import Testing

@testable import SliceGen

@Suite("TransposedConvolution")
struct TransposedConvolutionTests {
  /// An 8 × 8 image and a 3-category label after it; two transposed convolutions 3 → 2 → 1 from
  /// 2 × 2 maps (from 1 × 1 maps, 12 of a kernel's 16 taps would fall outside the output).
  static func architecture(activation: Activation) -> GeneratorArchitecture {
    let blocks =
      [OutputBlock](repeating: .numeric(scale: 0.5), count: 64)
      + [.categorical(count: 3, scale: 0.4)]
    return GeneratorArchitecture(
      latent: 3, hidden: [5], activation: activation, numericHead: .sigmoid, blocks: blocks,
      condition: LabelCondition(block: 64, probabilities: [0.3, 0.3, 0.4]),
      upsampling: Upsampling(channels: [3, 2], height: 2, width: 2))
  }

  @Test(
    "the product-and-scatter forward equals the direct sum, on uneven sides", arguments: [1, 3])
  func forwardMatchesReference(batch: Int) {
    let layer = TransposedConvolution(inChannels: 3, outChannels: 2, height: 2, width: 3)
    #expect(layer.outputSize == 2 * 4 * 6 && layer.parameterCount == 3 * 2 * 16 + 2)
    var rng = TestRNG(seed: 21)
    let parameters = (0..<layer.parameterCount).map { _ in Double.random(in: -1...1, using: &rng) }
    let x = (0..<(batch * layer.inputSize)).map { _ in Double.random(in: -1...1, using: &rng) }
    let y = Self.forward(layer, x, parameters, batch: batch)
    for i in 0..<batch {
      let input = Array(x[(i * layer.inputSize)..<((i + 1) * layer.inputSize)])
      let expected = layer.reference(input: input, parameters: parameters)
      let got = y[(i * layer.outputSize)..<((i + 1) * layer.outputSize)]
      let worst = zip(expected, got).map { abs($0 - $1) }.max()!
      #expect(worst < 1e-12, "row \(i): largest difference \(worst)")
    }
    // The Float kernels (the fast GEMM) agree with the Double reference.
    let yf = Self.forward(layer, x.map(Float.init), parameters.map(Float.init), batch: batch)
    #expect(zip(y, yf).allSatisfy { abs($0 - Double($1)) < 1e-5 })
    // Chunks of 2 rows (the last one short when batch is 3) give the same as one chunk, forward
    // and backward.
    let dy = (0..<(batch * layer.outputSize)).map { _ in Double.random(in: -1...1, using: &rng) }
    var results: [[Double]] = []
    for chunk in [batch, 2] {
      var out = [Double](repeating: .nan, count: batch * layer.outputSize)
      var gradients = [Double](repeating: 0, count: layer.parameterCount)
      var dx = [Double](repeating: .nan, count: batch * layer.inputSize)
      x.withUnsafeBufferPointer { xp in
        parameters.withUnsafeBufferPointer { pp in
          out.withUnsafeMutableBufferPointer { yp in
            layer.forward(
              xp.baseAddress!, batch: batch, parameters: pp.baseAddress!, into: yp.baseAddress!,
              chunk: chunk)
          }
          dy.withUnsafeBufferPointer { gp in
            gradients.withUnsafeMutableBufferPointer { wp in
              dx.withUnsafeMutableBufferPointer { dp in
                layer.backward(
                  input: xp.baseAddress!, outputGradient: gp.baseAddress!, batch: batch,
                  parameters: pp.baseAddress!, gradients: wp.baseAddress!,
                  inputGradient: dp.baseAddress!, chunk: chunk)
              }
            }
          }
        }
      }
      results.append(out + gradients + dx)
    }
    #expect(zip(results[0], results[1]).allSatisfy { abs($0 - $1) < 1e-12 })
    #expect(zip(results[0], y).allSatisfy { $0 == $1 })
    // A corner output is reached by one tap per channel of the input's corner only:
    // Y[co, 0, 0] = b[co] + Σ_ci X[ci, 0, 0]·W[ci, co, ky = 1, kx = 1].
    let corner =
      parameters[layer.weightCount]
      + (0..<3).reduce(0.0) { $0 + x[$1 * 6] * parameters[$1 * 32 + 5] }
    #expect(abs(y[0] - corner) < 1e-12)
  }

  /// The layer's forward pass over `batch` rows of x.
  static func forward<T: NetworkScalar>(
    _ layer: TransposedConvolution, _ x: [T], _ parameters: [T], batch: Int
  ) -> [T] {
    var y = [T](repeating: .nan, count: batch * layer.outputSize)
    x.withUnsafeBufferPointer { xp in
      parameters.withUnsafeBufferPointer { pp in
        y.withUnsafeMutableBufferPointer { yp in
          layer.forward(
            xp.baseAddress!, batch: batch, parameters: pp.baseAddress!, into: yp.baseAddress!)
        }
      }
    }
    return y
  }

  /// L = Σ c·output + Σ e·heads with fixed random c, e.
  func loss(_ net: Network<Double>, _ z: [Double], _ c: [Double], _ e: [Double]) -> Double {
    let cache = z.withUnsafeBufferPointer {
      net.forward(latents: $0.baseAddress!, batch: 3, labels: [2, 0, 1])
    }
    return zip(cache.output, c).reduce(0) { $0 + $1.0 * $1.1 }
      + zip(cache.heads, e).reduce(0) { $0 + $1.0 * $1.1 }
  }

  @Test(
    "finite differences (Double) match backward for every parameter and the input",
    arguments: [Activation.relu, .leakyRelu])
  func gradientCheck(activation: Activation) throws {
    let architecture = Self.architecture(activation: activation)
    // Inputs 2 + 3, hidden 5, then the first maps (3 of 2 × 2) from the dense layers.
    #expect(architecture.widths == [5, 5, 12])
    let convolutions = (3 * 2 * 16 + 2) + (2 * 1 * 16 + 1)
    #expect(architecture.parameterCount == 5 * 5 + 5 + 5 * 12 + 12 + convolutions)
    var rng = TestRNG(seed: 22)
    var net = Network<Double>(architecture: architecture, using: &rng)
    #expect(net.parameterCount == architecture.parameterCount)
    for i in net.parameters.indices {
      net.parameters[i] += Double.random(in: -0.1...0.1, using: &rng)
    }
    let z = (0..<9).map { _ in Double.random(in: -1.5...1.5, using: &rng) }
    let c = (0..<(3 * architecture.outputWidth)).map { _ in Double.random(in: -1...1, using: &rng) }
    let e = (0..<(3 * architecture.logitCount)).map { _ in Double.random(in: -1...1, using: &rng) }
    let cache = z.withUnsafeBufferPointer {
      net.forward(latents: $0.baseAddress!, batch: 3, labels: [2, 0, 1])
    }
    // The label block is the one-hot; every pixel is a sigmoid in (0, 0.5).
    #expect(cache.output[64] == 0 && cache.output[66] == Double(Float(0.4)))
    #expect((0..<64).allSatisfy { cache.output[$0] > 0 && cache.output[$0] < 0.5 })
    net.zeroGradients()
    var inputGradient = [Double](repeating: .nan, count: 3 * 5)
    c.withUnsafeBufferPointer { cp in
      e.withUnsafeBufferPointer { ep in
        inputGradient.withUnsafeMutableBufferPointer { gp in
          net.backward(
            cache, outputGradient: cp.baseAddress!, headGradient: ep.baseAddress!,
            inputGradient: gp.baseAddress!)
        }
      }
    }
    let analytic = net.gradients
    let numeric = centralDifferences(net.parameters) { p in
      var probe = net
      probe.parameters = p
      return loss(probe, z, c, e)
    }
    let worst = zip(numeric, analytic).map { abs($0 - $1) / max(1, abs($0)) }.max()!
    #expect(worst < 1e-7, "largest relative difference \(worst)")
    // With the leaky activation no unit is dead, so every convolution weight and bias is reached
    // (a wrong index map would leave some at zero).
    let last = analytic[(analytic.count - convolutions)...]
    if activation == .leakyRelu { #expect(!last.contains(0)) }
    // ∂L/∂z of the two noise latents per row, against finite differences in z.
    let numericZ = centralDifferences(z) { loss(net, $0, c, e) }
    for i in 0..<3 {
      for j in 0..<2 {
        let difference = abs(numericZ[i * 3 + j] - inputGradient[i * 5 + j])
        #expect(difference < 1e-7, "row \(i), latent \(j)")
      }
    }
  }

  @Test("fit --conv-channels: the sides must halve that often; only with --sampler conditional")
  func refusals() throws {
    let schema = try ImageSchema(
      width: 28, height: 28, pixelLower: 0, pixelUpper: 255,
      label: .init(name: "label", categories: ["a", "b"])
    ).schema()
    var options = FitOptions()
    options.sampler = .conditional
    options.convolutionChannels = [64, 32]
    let architecture = try ConditionalImageGenerator.architecture(
      schema: schema, marginals: nil, options: options)
    #expect(architecture.upsampling == Upsampling(channels: [64, 32], height: 7, width: 7))
    #expect(architecture.widths.last == 64 * 49)
    options.convolutionChannels = [64, 32, 16]
    #expect(throws: OptionError.self) {
      try ConditionalImageGenerator.architecture(schema: schema, marginals: nil, options: options)
    }
    options.convolutionChannels = [64, 0]
    #expect(throws: OptionError.self) { try options.validate() }
    options.convolutionChannels = [64]
    try options.validate()
    options.sampler = .generator
    #expect(throws: OptionError.self) { try options.validate() }
  }

  @Test(
    "fit on a DP-MERF release of the digits with transposed convolutions: the loss falls, format 8, inspect names them, pictures"
  )
  func digitsFit() throws {
    let loaded = try MERFTests.digitsRelease(target: "target")
    var fit = FitOptions()
    fit.sampler = .conditional
    fit.convolutionChannels = [8, 4]
    fit.epochs = 3
    fit.batch = 64
    fit.hidden = [32]
    fit.latent = 8
    fit.seed = 2
    let path = TestPaths.temporary("conv.slgm")
    let trained = try Trainer.fit(release: loaded, options: fit, outputPath: path)
    let (before, after) = try MERFTests.judgeLosses(trained, release: loaded, seed: fit.seed)
    #expect(after < before, "MERF loss \(before) → \(after)")
    let model = try Model(contentsOf: path)
    #expect(model.header.formatVersion == 8)
    #expect(model.header.problem() == nil)
    #expect(
      model.header.architecture.upsampling == Upsampling(channels: [8, 4], height: 2, width: 2))
    #expect(
      ModelSummary(header: model.header).text(path: path).contains(
        "then transposed convolutions 8 → 4 → 1 from 2 x 2 maps"))
    var old = model.header
    old.formatVersion = 7
    #expect(old.problem()?.contains("format version 8") == true)
    var wrong = model.header
    wrong.architecture.upsampling?.channels = [8, 4, 2]
    #expect(wrong.problem()?.contains("upsampling writes") == true)
    let pictures = try ClassPictures(model: model, perClass: 3, seed: 5)
    #expect(pictures.drawn == 30 && pictures.images.allSatisfy { $0.count == 3 })
    #expect(pictures.images.joined().joined().allSatisfy { (0...16).contains($0) })
  }
}
