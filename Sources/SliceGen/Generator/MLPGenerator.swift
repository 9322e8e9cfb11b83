// The generator network: latent z → (Linear → activation)* → Linear → per-column heads → the
// encoded space. Forward and backward passes are written by hand; all parameters (and their
// gradients) live in one flat buffer with named offsets, so the optimiser is one loop.
//
// Generic over the scalar so the very same code runs in Double for the finite-difference
// gradient tests; Float runs the fast `GEMM` kernels, Double the plain reference loops.
//
// Layer l: weight W_l (in × out, row-major) at `weightOffset[l]`, bias b_l (out) right after.
//   forward   A_l = H_{l−1}·W_l + b_l            (batch × out)   GEMM NN
//             H_l = act(A_l)
//   backward  dW_l = H_{l−1}ᵀ·dA_l                (in × out)      GEMM TN (long dim: batch)
//             db_l = Σ_rows dA_l
//             dH_{l−1} = dA_l·W_lᵀ                (batch × in)    GEMM NT
// With upsampling (TransposedConvolution.swift) the last dense layer is hidden too, and
// transposed convolutions after it compute the logits.
// Heads (per block, a = the block's scale, g = ∂L/∂output, q = ∂L/∂head value):
//   numeric       y = a·v, v = σ(x) or clamp(x)   dx = (g·a + q)·v' (v(1−v), or 1 inside [0, 1])
//   nullable      y = a·(v(1−p), p)               dx_v = (g₀·a(1−p) + q_v)·v(1−v)
//                                                 dx_p = (−g₀·a·v + g₁·a + q_p)·p(1−p)
//   categorical   y = a·s, s = softmax(x)         dx_k = s_k·(u_k − Σ_j s_j u_j), u = g·a + q
//   binned        y₀ = a·Σ_present s_k c_k, y₁ = a·s_missing (if any); u_k = g₀·a·c_k (present)
//                 or g₁·a (missing), plus q_k; dx as for categorical.

import Foundation
import SliceGenNumerics

/// Scalars the network runs in.
public protocol NetworkScalar: BinaryFloatingPoint, Codable, Sendable {
  /// C (m × n) = A (m × k) · B (k × n) (+= when accumulate).
  static func nn(
    _ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Self>, _ b: UnsafePointer<Self>,
    _ c: UnsafeMutablePointer<Self>, accumulate: Bool)
  /// C (m × n) = A (m × k) · Bᵀ, B stored (n × k).
  static func nt(
    _ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Self>, _ b: UnsafePointer<Self>,
    _ c: UnsafeMutablePointer<Self>, accumulate: Bool)
  /// C (m × n) = Aᵀ · B, A stored (k × m), B (k × n).
  static func tn(
    _ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Self>, _ b: UnsafePointer<Self>,
    _ c: UnsafeMutablePointer<Self>, accumulate: Bool)
}

extension Float: NetworkScalar {
  public static func nn(
    _ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Float>,
    _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
    accumulate: Bool
  ) {
    GEMM.nn(m: m, n: n, k: k, a: a, b: b, c: c, accumulate: accumulate)
  }
  public static func nt(
    _ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Float>,
    _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
    accumulate: Bool
  ) {
    GEMM.nt(m: m, n: n, k: k, a: a, b: b, c: c, accumulate: accumulate)
  }
  public static func tn(
    _ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Float>,
    _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
    accumulate: Bool
  ) {
    GEMM.tn(m: m, n: n, k: k, a: a, b: b, c: c, accumulate: accumulate)
  }
}

extension Double: NetworkScalar {
  // The plain reference products (exact enough for finite differences).
  public static func nn(
    _ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Double>,
    _ b: UnsafePointer<Double>, _ c: UnsafeMutablePointer<Double>,
    accumulate: Bool
  ) {
    GEMMReference.product(.nn, m: m, n: n, k: k, a: a, b: b, c: c, accumulate: accumulate)
  }
  public static func nt(
    _ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Double>,
    _ b: UnsafePointer<Double>, _ c: UnsafeMutablePointer<Double>,
    accumulate: Bool
  ) {
    GEMMReference.product(.nt, m: m, n: n, k: k, a: a, b: b, c: c, accumulate: accumulate)
  }
  public static func tn(
    _ m: Int, _ n: Int, _ k: Int, _ a: UnsafePointer<Double>,
    _ b: UnsafePointer<Double>, _ c: UnsafeMutablePointer<Double>,
    accumulate: Bool
  ) {
    GEMMReference.product(.tn, m: m, n: n, k: k, a: a, b: b, c: c, accumulate: accumulate)
  }
}

/// The activations of one forward pass, kept for the backward pass.
public final class ForwardCache<T: NetworkScalar> {
  public let batch: Int
  /// H_0 = Z (with a condition: Z's noise and the label's one-hot), then A_l and H_l per hidden
  /// layer, then the logits.
  var inputs: [T]
  /// With a condition: each row's label category (ConditionalImageGenerator.swift).
  public internal(set) var labels: [Int]? = nil
  var preActivations: [[T]]
  var activations: [[T]]
  var logits: [T]
  /// Head values (batch × logitCount): v, (v, p), or probabilities, per block.
  public internal(set) var heads: [T]
  /// The encoded output (batch × d).
  public internal(set) var output: [T]

  init(batch: Int) {
    self.batch = batch
    inputs = []
    preActivations = []
    activations = []
    logits = []
    heads = []
    output = []
  }
}

/// A generator network over scalar T.
public struct Network<T: NetworkScalar> {
  public let architecture: GeneratorArchitecture
  /// Every weight and bias, layer after layer.
  public var parameters: [T]
  /// ∂L/∂parameters, same layout; `backward` accumulates into it.
  public var gradients: [T]
  let weightOffsets: [Int]
  /// Where each transposed convolution's weight starts (its bias follows); empty without
  /// upsampling.
  let convolutionOffsets: [Int]

  public var parameterCount: Int { parameters.count }

  /// A freshly initialised network: He-normal weights (√(2/in)), zero biases.
  public init(architecture: GeneratorArchitecture, using rng: inout some RandomNumberGenerator) {
    self.architecture = architecture
    let widths = architecture.widths
    (weightOffsets, convolutionOffsets) = Self.offsets(architecture)
    let total = architecture.parameterCount
    parameters = [T](repeating: 0, count: total)
    gradients = [T](repeating: 0, count: total)
    let convolutions = architecture.upsampling?.layers ?? []
    for l in 0..<(widths.count - 1) {
      let fanIn = widths[l]
      let last = l == widths.count - 2 && convolutions.isEmpty
      let std = (last ? 1 : 2) / Double(fanIn)
      for i in 0..<(fanIn * widths[l + 1]) {
        parameters[weightOffsets[l] + i] = T(Self.normal(&rng) * std.squareRoot())
      }
    }
    // A stride-2 4 × 4 kernel reaches each output from 2 × 2 taps per input channel.
    for (j, layer) in convolutions.enumerated() {
      let last = j == convolutions.count - 1
      let std = (last ? 1 : 2) / Double(4 * layer.inChannels)
      for i in 0..<layer.weightCount {
        parameters[convolutionOffsets[j] + i] = T(Self.normal(&rng) * std.squareRoot())
      }
    }
  }

  /// Where each dense layer's weight starts, then each transposed convolution's.
  static func offsets(_ architecture: GeneratorArchitecture) -> (dense: [Int], convolution: [Int]) {
    let widths = architecture.widths
    var (dense, convolution, total) = ([Int](), [Int](), 0)
    for l in 0..<(widths.count - 1) {
      dense.append(total)
      total += widths[l] * widths[l + 1] + widths[l + 1]
    }
    for layer in architecture.upsampling?.layers ?? [] {
      convolution.append(total)
      total += layer.parameterCount
    }
    return (dense, convolution)
  }

  /// A network with the given parameters; throws when the count does not match.
  public init(architecture: GeneratorArchitecture, parameters: [T]) throws {
    guard parameters.count == architecture.parameterCount else {
      throw FitError(
        message: "the model has \(parameters.count) parameters, its architecture "
          + "needs \(architecture.parameterCount)")
    }
    self.architecture = architecture
    (weightOffsets, convolutionOffsets) = Self.offsets(architecture)
    self.parameters = parameters
    gradients = [T](repeating: 0, count: parameters.count)
  }

  /// One N(0, 1) draw for initialisation, from the numerics module's sampler (the one sampler
  /// of training; the privacy samplers live in SliceGenPrivacy).
  static func normal(_ rng: inout some RandomNumberGenerator) -> Double {
    GaussianSampling.pair(using: &rng).0
  }

  public mutating func zeroGradients() {
    gradients.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
  }

  /// Runs the network on `batch` latents (batch × latent). A class-conditional generator uses
  /// `labels` (one category per row) when given, else draws them from the latents.
  /// `hiddenNoise`, when given, holds one array per hidden layer (batch × its width), added to
  /// that layer's pre-activations before the activation: the noise injection of DP-SGD's
  /// `--noise-injection` (public noise; the cache keeps the noisy pre-activations, so `backward`
  /// differentiates the noisy network, whose derivative in θ has the same form).
  public func forward(
    latents: UnsafePointer<T>, batch b: Int, labels: [Int]? = nil, hiddenNoise: [[T]]? = nil
  ) -> ForwardCache<T> {
    let widths = architecture.widths
    let cache = ForwardCache<T>(batch: b)
    (cache.inputs, cache.labels) = conditionedInput(latents: latents, batch: b, labels: labels)
    var current = cache.inputs
    let layers = widths.count - 1
    parameters.withUnsafeBufferPointer { p in
      for l in 0..<layers {
        let (fanIn, fanOut) = (widths[l], widths[l + 1])
        var a = [T](repeating: 0, count: b * fanOut)
        let w = p.baseAddress! + weightOffsets[l]
        let bias = w + fanIn * fanOut
        current.withUnsafeBufferPointer { h in
          a.withUnsafeMutableBufferPointer { out in
            T.nn(b, fanOut, fanIn, h.baseAddress!, w, out.baseAddress!, accumulate: false)
            for i in 0..<b {
              let row = out.baseAddress! + i * fanOut
              for j in 0..<fanOut { row[j] += bias[j] }
            }
          }
        }
        if l == layers - 1 && architecture.upsampling == nil {
          cache.logits = expandedLogits(a, batch: b)
        } else {
          if let hiddenNoise, l < hiddenNoise.count {
            let noise = hiddenNoise[l]
            precondition(noise.count == a.count, "hiddenNoise: one value per hidden unit and row")
            for k in a.indices { a[k] += noise[k] }
          }
          cache.preActivations.append(a)
          let leaky: T = architecture.activation == .leakyRelu ? T(0.2) : 0
          current = a.map { $0 > 0 ? $0 : $0 * leaky }
          cache.activations.append(current)
        }
      }
    }
    if architecture.upsampling != nil { upsample(cache) }
    heads(cache)
    return cache
  }

  /// Head values and the encoded output from the logits.
  func heads(_ cache: ForwardCache<T>) {
    let b = cache.batch
    let logitCount = architecture.logitCount
    let d = architecture.outputWidth
    var heads = [T](repeating: 0, count: b * logitCount)
    var output = [T](repeating: 0, count: b * d)
    let condition = architecture.condition
    for i in 0..<b {
      var x = i * logitCount
      var y = i * d
      for (index, block) in architecture.blocks.enumerated() {
        if let condition, index == condition.block, let labels = cache.labels,
          case .categorical(_, let scale) = block
        {
          // The label's head is the one-hot of the row's category (no parameters behind it).
          heads[x + labels[i]] = 1
          output[y + labels[i]] = T(scale)
          x += block.logitCount
          y += block.width
          continue
        }
        switch block {
        case .numeric(let scale):
          let v = squash(cache.logits[x])
          heads[x] = v
          output[y] = T(scale) * v
        case .nullableNumeric(let scale):
          let v = squash(cache.logits[x])
          let p = Self.sigmoid(cache.logits[x + 1])
          heads[x] = v
          heads[x + 1] = p
          output[y] = T(scale) * v * (1 - p)
          output[y + 1] = T(scale) * p
        case .categorical(let count, let scale):
          Self.softmax(cache.logits, from: x, count: count, into: &heads)
          for k in 0..<count { output[y + k] = T(scale) * heads[x + k] }
        case .binned(let centers, let missing, let scale):
          let count = centers.count + (missing ? 1 : 0)
          Self.softmax(cache.logits, from: x, count: count, into: &heads)
          var value: T = 0
          for k in 0..<centers.count { value += heads[x + k] * T(centers[k]) }
          output[y] = T(scale) * value
          if missing { output[y + 1] = T(scale) * heads[x + centers.count] }
        }
        x += block.logitCount
        y += block.width
      }
    }
    cache.heads = heads
    cache.output = output
  }

  /// The numeric head: v from its logit.
  @inline(__always)
  func squash(_ x: T) -> T {
    switch architecture.numericHead {
    case .sigmoid: return Self.sigmoid(x)
    case .linear: return x
    case .clamp, .clampRecover, .clampStraightThrough: return min(max(x, 0), 1)
    }
  }

  /// dv/dx of the numeric head at logit x with value v; for `clampRecover`, the factor that
  /// back-propagation uses given the upstream gradient ∂L/∂v (see NumericHead).
  @inline(__always)
  func squashDerivative(_ x: T, _ v: T, upstream: T = 0) -> T {
    switch architecture.numericHead {
    case .sigmoid: return v * (1 - v)
    case .linear, .clampStraightThrough: return 1
    case .clamp: return x > 0 && x < 1 ? 1 : 0
    case .clampRecover:
      if x > 0 && x < 1 { return 1 }
      // Gradient descent moves x by −η·∂L/∂x: back toward [0, 1] when ∂L/∂v < 0 below it, > 0 above.
      return (x <= 0 && upstream < 0) || (x >= 1 && upstream > 0) ? 1 : 0
    }
  }

  @inline(__always)
  static func sigmoid(_ x: T) -> T {
    let e = Foundation.exp(-Double(x))
    return T(1 / (1 + e))
  }

  static func softmax(_ logits: [T], from start: Int, count: Int, into out: inout [T]) {
    var largest = -Double.infinity
    for k in 0..<count { largest = max(largest, Double(logits[start + k])) }
    var total = 0.0
    for k in 0..<count {
      let e = Foundation.exp(Double(logits[start + k]) - largest)
      out[start + k] = T(e)
      total += e
    }
    for k in 0..<count { out[start + k] = T(Double(out[start + k]) / total) }
  }

  /// Accumulates ∂L/∂parameters into `gradients`, given ∂L/∂output (batch × d) and, optionally,
  /// ∂L/∂head values (batch × logitCount). With `inputGradient`, also writes ∂L/∂input there
  /// (batch × the first layer's width: the latents, then a conditional generator's one-hot
  /// label), overwriting it.
  public mutating func backward(
    _ cache: ForwardCache<T>, outputGradient: UnsafePointer<T>?,
    headGradient: UnsafePointer<T>? = nil, inputGradient: UnsafeMutablePointer<T>? = nil
  ) {
    let b = cache.batch
    let widths = architecture.widths
    let logitCount = architecture.logitCount
    let d = architecture.outputWidth
    // Heads.
    var delta = [T](repeating: 0, count: b * logitCount)
    for i in 0..<b {
      var x = i * logitCount
      var y = i * d
      for (index, block) in architecture.blocks.enumerated() {
        if index == architecture.condition?.block {
          // The label's head does not depend on the parameters: δ stays 0 there.
          x += block.logitCount
          y += block.width
          continue
        }
        func g(_ j: Int) -> T { outputGradient.map { $0[y + j] } ?? 0 }
        func q(_ j: Int) -> T { headGradient.map { $0[x + j] } ?? 0 }
        switch block {
        case .numeric(let scale):
          let v = cache.heads[x]
          let upstream = g(0) * T(scale) + q(0)
          delta[x] = upstream * squashDerivative(cache.logits[x], v, upstream: upstream)
        case .nullableNumeric(let scale):
          let v = cache.heads[x]
          let p = cache.heads[x + 1]
          let a = T(scale)
          let upstream = g(0) * a * (1 - p) + q(0)
          delta[x] = upstream * squashDerivative(cache.logits[x], v, upstream: upstream)
          delta[x + 1] = (-g(0) * a * v + g(1) * a + q(1)) * p * (1 - p)
        case .categorical(let count, let scale):
          var dot: T = 0
          for k in 0..<count { dot += cache.heads[x + k] * (g(k) * T(scale) + q(k)) }
          for k in 0..<count {
            delta[x + k] = cache.heads[x + k] * (g(k) * T(scale) + q(k) - dot)
          }
        case .binned(let centers, let missing, let scale):
          let count = centers.count + (missing ? 1 : 0)
          var u = [T](repeating: 0, count: count)
          for k in 0..<centers.count { u[k] = g(0) * T(scale) * T(centers[k]) + q(k) }
          if missing { u[centers.count] = g(1) * T(scale) + q(centers.count) }
          var dot: T = 0
          for k in 0..<count { dot += cache.heads[x + k] * u[k] }
          for k in 0..<count { delta[x + k] = cache.heads[x + k] * (u[k] - dot) }
        }
        x += block.logitCount
        y += block.width
      }
    }
    delta = compactedDelta(delta, batch: b)
    if architecture.upsampling != nil { delta = upsamplingBackward(cache, delta: delta) }
    // Layers, last to first.
    let layers = widths.count - 1
    parameters.withUnsafeBufferPointer { p in
      gradients.withUnsafeMutableBufferPointer { grad in
        for l in stride(from: layers - 1, through: 0, by: -1) {
          let (fanIn, fanOut) = (widths[l], widths[l + 1])
          let input = l == 0 ? cache.inputs : cache.activations[l - 1]
          let dw = grad.baseAddress! + weightOffsets[l]
          let db = dw + fanIn * fanOut
          input.withUnsafeBufferPointer { h in
            delta.withUnsafeBufferPointer { da in
              T.tn(fanIn, fanOut, b, h.baseAddress!, da.baseAddress!, dw, accumulate: true)
              for i in 0..<b {
                let row = da.baseAddress! + i * fanOut
                for j in 0..<fanOut { db[j] += row[j] }
              }
            }
          }
          if l == 0, let inputGradient {
            delta.withUnsafeBufferPointer { da in
              T.nt(
                b, fanIn, fanOut, da.baseAddress!, p.baseAddress! + weightOffsets[l],
                inputGradient, accumulate: false)
            }
          }
          guard l > 0 else { break }
          var previous = [T](repeating: 0, count: b * fanIn)
          delta.withUnsafeBufferPointer { da in
            previous.withUnsafeMutableBufferPointer { out in
              T.nt(
                b, fanIn, fanOut, da.baseAddress!, p.baseAddress! + weightOffsets[l],
                out.baseAddress!, accumulate: false)
            }
          }
          let pre = cache.preActivations[l - 1]
          let leaky: T = architecture.activation == .leakyRelu ? T(0.2) : 0
          for i in previous.indices where pre[i] <= 0 { previous[i] *= leaky }
          delta = previous
        }
      }
    }
  }
}

/// The generator slicegen trains: Float, fast kernels.
public typealias MLPGenerator = Network<Float>

extension Network {
  /// Standard normal latents (batch × latent).
  public func sampleLatents(count: Int, using rng: inout some RandomNumberGenerator) -> [T] {
    (0..<(count * architecture.latent)).map { _ in T(Self.normal(&rng)) }
  }
}
