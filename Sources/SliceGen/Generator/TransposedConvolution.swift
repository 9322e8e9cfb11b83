// The transposed-convolution generator for images (issue 18, `fit --sampler conditional
// --conv-channels`): the dense layers end in C₀ feature maps of h₀ × w₀ (a hidden layer,
// activated), and transposed convolutions with 4 × 4 kernels, stride 2 and padding 1 double both
// sides per layer until the last writes one map of the image's size: the pixel logits, row by
// row, the order the schema's pixel columns take. It needs a class-conditional architecture (the
// label is not a pixel).
//
// Layer j: input X (C_in × h × w, map after map), weight W (C_in × C_out·16, row-major:
// W[ci, (co·4 + ky)·4 + kx]), bias b (C_out); output Y (C_out × 2h × 2w):
//   Y[co, 2·iy − 1 + ky, 2·ix − 1 + kx] += Σ_ci X[ci, iy, ix] · W[ci, (co, ky, kx)]  (in range)
//   Y[co, ·] += b[co]
// computed for a chunk of rows at once (X's chunk channel-major, C_in × rows·h·w) as one product,
// then a scatter of each row's columns (col2im):
//   forward   P = Wᵀ·X            (C_out·16 × rows·h·w)   GEMM TN (long dim: C_in)
//             Y = scatter(P) + b
//   backward  Q = gather(dY)      (C_out·16 × rows·h·w)   the scatter's transpose
//             dW += X·Qᵀ          (C_in × C_out·16)       GEMM NT (long dim: rows·h·w)
//             db[co] += Σ dY[co, ·]
//             dX = W·Q            (C_in × rows·h·w)       GEMM NN
// `TransposedConvolution.reference` computes the forward sum directly, the plain reference the
// tests hold the product-and-scatter form to; the finite-difference tests check the backward.
// The per-row scatters and gathers run on the GEMM's threads (InChunks.swift), each row's
// outputs its own, so results do not depend on the thread count.

/// The transposed convolutions after the dense layers.
public struct Upsampling: Codable, Equatable, Sendable {
  /// The input channels of each transposed convolution; the first is the dense layers' maps.
  /// The last convolution writes one channel.
  public var channels: [Int]
  /// The first maps' height and width: the image's sides divided by 2^channels.count.
  public var height: Int
  public var width: Int

  public static let kernel = 4
  /// The most transposed convolutions (each doubles the sides).
  public static let layerRange = 1...4
  /// The channels of one map (`--conv-channels`).
  public static let channelRange = 1...1024

  public init(channels: [Int], height: Int, width: Int) {
    self.channels = channels
    self.height = height
    self.width = width
  }

  /// Layer j's shape: input channels, output channels, input height and width.
  public func layer(_ j: Int) -> TransposedConvolution {
    let scale = 1 << j
    return TransposedConvolution(
      inChannels: channels[j], outChannels: j + 1 < channels.count ? channels[j + 1] : 1,
      height: height * scale, width: width * scale)
  }

  public var layers: [TransposedConvolution] { channels.indices.map(layer) }
  /// The width of the dense layers' output: C₀·h₀·w₀.
  public var inputWidth: Int { channels[0] * height * width }
  /// The pixels the last layer writes.
  public var outputWidth: Int { height * width << (2 * channels.count) }
  public var parameterCount: Int { layers.reduce(0) { $0 + $1.parameterCount } }

  /// Why this cannot end a generator whose network must compute `logits` values (the pixels),
  /// or nil. Sizes are checked without overflow (a model file's header is untrusted).
  func problem(logits: Int) -> String? {
    guard Self.layerRange.contains(channels.count),
      channels.allSatisfy(Self.channelRange.contains),
      (1...4096).contains(height), (1...4096).contains(width)
    else {
      return "upsampling of channels \(channels) from \(height) x \(width) maps is outside "
        + "\(Self.layerRange) layers of \(Self.channelRange) channels"
    }
    guard outputWidth == logits else {
      return "upsampling writes \(outputWidth) pixels, the generator computes \(logits) logits"
    }
    return nil
  }

  /// The stack for an image of `imageHeight × imageWidth` with `channels`, or nil when a side is
  /// not divisible by 2^channels.count.
  public init?(channels: [Int], imageHeight: Int, imageWidth: Int) {
    let factor = 1 << channels.count
    guard !channels.isEmpty, imageHeight % factor == 0, imageWidth % factor == 0 else {
      return nil
    }
    self.init(channels: channels, height: imageHeight / factor, width: imageWidth / factor)
  }
}

/// One transposed convolution: 4 × 4 kernel, stride 2, padding 1.
public struct TransposedConvolution: Equatable, Sendable {
  public var inChannels: Int
  public var outChannels: Int
  /// The input maps' sides; the output's are twice them.
  public var height: Int
  public var width: Int

  /// C_out·16: the product's rows.
  var columnRows: Int { outChannels * Upsampling.kernel * Upsampling.kernel }
  public var inputSize: Int { inChannels * height * width }
  public var outputSize: Int { outChannels * 4 * height * width }
  /// The weight's entries; the bias follows them.
  public var weightCount: Int { inChannels * columnRows }
  public var parameterCount: Int { weightCount + outChannels }

  /// Calls `body(column row, input position, output position)` for every kernel tap that lands
  /// inside the output: the scatter's (and the gather's) index map.
  @inline(__always)
  func forEachTap(_ body: (Int, Int, Int) -> Void) {
    let (k, outWidth, outPlane) = (Upsampling.kernel, 2 * width, 4 * height * width)
    // oy = 2·iy − 1 + ky lies in [0, 2h) except for iy = 0 with ky = 0 and iy = h − 1 with
    // ky = 3 (likewise for x): the loops skip exactly those.
    for co in 0..<outChannels {
      for ky in 0..<k {
        let rowsFrom = ky == 0 ? 1 : 0
        let rowsTo = ky == k - 1 ? height - 1 : height
        for kx in 0..<k {
          let row = (co * k + ky) * k + kx
          let columnsFrom = kx == 0 ? 1 : 0
          let columnsTo = kx == k - 1 ? width - 1 : width
          guard rowsFrom < rowsTo, columnsFrom < columnsTo else { continue }
          for iy in rowsFrom..<rowsTo {
            let output = co * outPlane + (2 * iy - 1 + ky) * outWidth - 1 + kx
            for ix in columnsFrom..<columnsTo {
              body(row, iy * width + ix, output + 2 * ix)
            }
          }
        }
      }
    }
  }

  /// Rows of the batch per product: the chunk's columns (C_out·16 × rows·h·w) stay near 2²¹
  /// values (8 MB in Float), and one product spans many rows (a product over one row's h·w = 49
  /// columns runs the GEMM far below its speed).
  func chunkRows(batch: Int) -> Int {
    max(1, min(batch, (1 << 21) / max(1, columnRows * height * width)))
  }

  /// Y (batch × outputSize) from X (batch × inputSize); `parameters` holds W then b. The rows
  /// are taken a chunk at a time (`chunk` rows, tests pass a small one; `chunkRows` by default):
  /// X's chunk is laid out channel-major (C_in × rows·h·w) so one product serves all its rows.
  func forward<T: NetworkScalar>(
    _ x: UnsafePointer<T>, batch: Int, parameters: UnsafePointer<T>,
    into y: UnsafeMutablePointer<T>, chunk given: Int? = nil
  ) {
    let (plane, hw, chunk) = (4 * height * width, height * width, given ?? chunkRows(batch: batch))
    var inputs = [T](repeating: 0, count: inChannels * chunk * hw)
    var columns = [T](repeating: 0, count: columnRows * chunk * hw)
    inputs.withUnsafeMutableBufferPointer { xt in
      columns.withUnsafeMutableBufferPointer { p in
        let (xt, p) = (xt.baseAddress!, p.baseAddress!)
        for first in stride(from: 0, to: batch, by: chunk) {
          let rows = min(chunk, batch - first)
          let span = rows * hw
          transpose(x + first * inputSize, rows: rows, into: xt)
          T.tn(columnRows, span, inChannels, parameters, xt, p, accumulate: false)
          InChunks.run(rows) { chunkRows in
            for r in chunkRows {
              let out = y + (first + r) * outputSize
              for co in 0..<outChannels {
                let bias = parameters[weightCount + co]
                for o in 0..<plane { out[co * plane + o] = bias }
              }
              let column = p + r * hw
              forEachTap { row, input, output in out[output] += column[row * span + input] }
            }
          }
        }
      }
    }
  }

  /// Accumulates ∂L/∂W and ∂L/∂b into `gradients` and writes ∂L/∂X (batch × inputSize) into
  /// `inputGradient`, given X and ∂L/∂Y (batch × outputSize); chunked as `forward`.
  /// (Tested against finite differences through the network, and chunk by chunk against one
  /// chunk in TransposedConvolutionTests.)
  func backward<T: NetworkScalar>(
    input x: UnsafePointer<T>, outputGradient dy: UnsafePointer<T>, batch: Int,
    parameters: UnsafePointer<T>, gradients: UnsafeMutablePointer<T>,
    inputGradient dx: UnsafeMutablePointer<T>, chunk given: Int? = nil
  ) {
    let (plane, hw, chunk) = (4 * height * width, height * width, given ?? chunkRows(batch: batch))
    var inputs = [T](repeating: 0, count: inChannels * chunk * hw)
    var columns = [T](repeating: 0, count: columnRows * chunk * hw)
    var rowTotals = [T](repeating: 0, count: chunk * outChannels)
    inputs.withUnsafeMutableBufferPointer { xt in
      columns.withUnsafeMutableBufferPointer { q in
        rowTotals.withUnsafeMutableBufferPointer { totals in
          let (xt, q, totals) = (xt.baseAddress!, q.baseAddress!, totals.baseAddress!)
          for first in stride(from: 0, to: batch, by: chunk) {
            let rows = min(chunk, batch - first)
            let span = rows * hw
            q.update(repeating: 0, count: columnRows * span)
            InChunks.run(rows) { chunkRows in
              for r in chunkRows {
                let g = dy + (first + r) * outputSize
                let column = q + r * hw
                forEachTap { row, input, output in column[row * span + input] = g[output] }
                for co in 0..<outChannels {
                  var total: T = 0
                  for o in 0..<plane { total += g[co * plane + o] }
                  totals[r * outChannels + co] = total
                }
              }
            }
            // The bias gradient adds the rows' totals in row order, whatever the threads.
            for r in 0..<rows {
              for co in 0..<outChannels {
                gradients[weightCount + co] += totals[r * outChannels + co]
              }
            }
            transpose(x + first * inputSize, rows: rows, into: xt)
            T.nt(inChannels, columnRows, span, xt, q, gradients, accumulate: true)
            T.nn(inChannels, span, columnRows, parameters, q, xt, accumulate: false)
            // xt now holds ∂L/∂X channel-major: back to one row after another.
            InChunks.run(rows) { chunkRows in
              for r in chunkRows {
                let out = dx + (first + r) * inputSize
                for ci in 0..<inChannels {
                  for k in 0..<hw { out[ci * hw + k] = xt[ci * span + r * hw + k] }
                }
              }
            }
          }
        }
      }
    }
  }

  /// `rows` rows of X (each C_in × h·w) laid out channel-major: out[ci, r·h·w + k] = X[r, ci, k].
  private func transpose<T>(_ x: UnsafePointer<T>, rows: Int, into out: UnsafeMutablePointer<T>) {
    let hw = height * width
    for r in 0..<rows {
      for ci in 0..<inChannels {
        let from = x + r * inputSize + ci * hw
        let to = out + ci * rows * hw + r * hw
        to.update(from: from, count: hw)
      }
    }
  }

  /// The forward sum written out directly, one output value at a time (the plain reference of
  /// `forward`): Y[co, oy, ox] = b[co] + Σ over ci and the taps that reach (oy, ox).
  public func reference(input x: [Double], parameters: [Double]) -> [Double] {
    let k = Upsampling.kernel
    var y = [Double](repeating: 0, count: outputSize)
    for co in 0..<outChannels {
      for oy in 0..<(2 * height) {
        for ox in 0..<(2 * width) {
          var total = parameters[weightCount + co]
          for ci in 0..<inChannels {
            for ky in 0..<k {
              // oy = 2·iy − 1 + ky: iy = (oy + 1 − ky) / 2 when that is whole and in range.
              let ty = oy + 1 - ky
              guard ty >= 0, ty % 2 == 0, ty / 2 < height else { continue }
              for kx in 0..<k {
                let tx = ox + 1 - kx
                guard tx >= 0, tx % 2 == 0, tx / 2 < width else { continue }
                let weight = parameters[ci * columnRows + (co * k + ky) * k + kx]
                total += x[(ci * height + ty / 2) * width + tx / 2] * weight
              }
            }
          }
          y[(co * 2 * height + oy) * 2 * width + ox] = total
        }
      }
    }
    return y
  }
}

extension Network {
  /// The transposed convolutions of a forward pass: from the last dense layer's activations
  /// (the first maps) to the logits; each hidden map's pre-activation and activation are kept.
  func upsample(_ cache: ForwardCache<T>) {
    guard let upsampling = architecture.upsampling else { return }
    let b = cache.batch
    let leaky: T = architecture.activation == .leakyRelu ? T(0.2) : 0
    var current = cache.activations[cache.activations.count - 1]
    let layers = upsampling.layers
    parameters.withUnsafeBufferPointer { p in
      for (j, layer) in layers.enumerated() {
        var a = [T](repeating: 0, count: b * layer.outputSize)
        current.withUnsafeBufferPointer { x in
          a.withUnsafeMutableBufferPointer { y in
            layer.forward(
              x.baseAddress!, batch: b, parameters: p.baseAddress! + convolutionOffsets[j],
              into: y.baseAddress!)
          }
        }
        if j == layers.count - 1 {
          cache.logits = expandedLogits(a, batch: b)
        } else {
          cache.preActivations.append(a)
          current = a.map { $0 > 0 ? $0 : $0 * leaky }
          cache.activations.append(current)
        }
      }
    }
  }

  /// The transposed convolutions of a backward pass: accumulates their gradients given δ on the
  /// logits the network computes, and returns δ on the last dense layer's pre-activation.
  mutating func upsamplingBackward(_ cache: ForwardCache<T>, delta logitDelta: [T]) -> [T] {
    guard let upsampling = architecture.upsampling else { return logitDelta }
    let b = cache.batch
    let leaky: T = architecture.activation == .leakyRelu ? T(0.2) : 0
    let layers = upsampling.layers
    // The first convolution reads the activations of the last dense layer, which come after
    // those of the hidden dense layers: index `dense − 1 + j` for convolution j.
    let dense = architecture.widths.count - 1
    var delta = logitDelta
    parameters.withUnsafeBufferPointer { p in
      gradients.withUnsafeMutableBufferPointer { g in
        for (j, layer) in layers.enumerated().reversed() {
          let input = cache.activations[dense - 1 + j]
          var previous = [T](repeating: 0, count: b * layer.inputSize)
          input.withUnsafeBufferPointer { x in
            delta.withUnsafeBufferPointer { dy in
              previous.withUnsafeMutableBufferPointer { dx in
                layer.backward(
                  input: x.baseAddress!, outputGradient: dy.baseAddress!, batch: b,
                  parameters: p.baseAddress! + convolutionOffsets[j],
                  gradients: g.baseAddress! + convolutionOffsets[j], inputGradient: dx.baseAddress!)
              }
            }
          }
          let pre = cache.preActivations[dense - 1 + j]
          for i in previous.indices where pre[i] <= 0 { previous[i] *= leaky }
          delta = previous
        }
      }
    }
    return delta
  }
}
