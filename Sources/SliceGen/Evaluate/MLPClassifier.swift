// A small multilayer perceptron for `evaluate` on images: trained on labelled rows (synthetic, or
// the real training split), its accuracy measured on the real holdout, beside the softmax
// regression (SoftmaxRegression.swift). Where the linear model asks "do the classes sit on the
// right sides of hyperplanes?", this one asks whether a non-linear classifier learns as much from
// the synthetic images as from real ones.
//
// Features and labels: `ImageFeatures` (ImageFeatures.swift), pixels scaled to [0, 1] by the
// schema's public bounds, shared with the softmax regression.
//
// Model: d inputs → H = 128 ReLU units → K logits → softmax. Parameters in one flat buffer,
// input-major so that every inner loop runs along a contiguous row:
//   W1 (d, H), b1 (H), W2 (H, K), b2 (K).
// Forward, for one row x (d):
//   a = b1 + Σₜ xₜ W1[t, :]   (H)        r = max(a, 0)   (H)
//   z = b2 + Σⱼ rⱼ W2[j, :]   (K)        p = softmax(z)  (K)
//   loss = logsumexp(z) − z_y
// Backward, the mean over a batch of B rows (micrograd's chain rule, written out):
//   dz = (p − e_y) / B                     (K)
//   db2 += dz,   dW2[j, :] += rⱼ dz
//   da_j = [a_j > 0] Σ_c W2[j, c] dz_c     (H)
//   db1 += da,   dW1[t, :] += xₜ da
// Rows of x or r that are zero (most pixels of a digit, half the ReLUs) are skipped: they add
// nothing forward or backward. No regularisation, no dropout.
//
// Training: He initialisation (W1 ~ N(0, 2/d), W2 ~ N(0, 2/H), biases 0), Adam (Adam.swift,
// η = 10⁻³) on mini-batches of 64 rows in a fresh shuffled order each epoch, 30 epochs or
// 3,000 steps, whichever comes first (so a 1,500-row table trains 30 epochs, a 60,000-row
// one about 3). All randomness comes from `SeededStream.mlpClassifier`, started afresh for each
// model, so the same tables and seed give the same accuracy. It trains in Float; the
// loss is generic so that the gradient test runs in Double. Not here: early stopping, a
// validation split, learning-rate schedules, GEMM (the loops are plain; the sparsity of images
// keeps them fast enough).

import Foundation
import SliceGenNumerics

/// A fitted one-hidden-layer ReLU network with a softmax output.
struct MLPClassifier {
  /// The sizes of the network and the offsets of its parameters in the flat buffer.
  struct Shape {
    var inputs: Int
    var hidden: Int
    var classes: Int

    var w1: Int { 0 }
    var b1: Int { inputs * hidden }
    var w2: Int { b1 + hidden }
    var b2: Int { w2 + hidden * classes }
    var count: Int { b2 + classes }
  }

  /// W1 (d, H), b1 (H), W2 (H, K), b2 (K).
  var parameters: [Float]
  var shape: Shape
  /// Adam steps taken.
  var steps = 0

  /// Hidden ReLU units.
  static let hidden = 128
  /// Epochs, unless `maximumSteps` comes first.
  static let epochs = 30
  static let batchSize = 64
  static let maximumSteps = 3_000
  static let learningRate: Float = 1e-3

  /// The mean cross-entropy over the rows `batch` of `x` (rows, d) with labels `y`, and its
  /// gradient (written over `gradient`, `shape.count` values), at `theta`.
  /// - Complexity: O(|batch| · H · (d + K)), less the zero inputs and inactive units.
  static func loss<T: BinaryFloatingPoint>(
    _ theta: [T], gradient: inout [T], x: [T], labels y: [Int], batch: ArraySlice<Int>,
    shape: Shape
  ) -> Double {
    let d = shape.inputs, h = shape.hidden, k = shape.classes
    precondition(theta.count == shape.count && gradient.count == shape.count)
    var total = 0.0
    let scale = 1 / Double(max(batch.count, 1))
    var a = [T](repeating: 0, count: h)  // (H)
    var z = [T](repeating: 0, count: k)  // (K)
    var dz = [T](repeating: 0, count: k)  // (K)
    var da = [T](repeating: 0, count: h)  // (H)
    var p = [Double](repeating: 0, count: k)  // (K)
    theta.withUnsafeBufferPointer { w in
      gradient.withUnsafeMutableBufferPointer { g in
        x.withUnsafeBufferPointer { x in
          a.withUnsafeMutableBufferPointer { a in
            z.withUnsafeMutableBufferPointer { z in
              dz.withUnsafeMutableBufferPointer { dz in
                da.withUnsafeMutableBufferPointer { da in
                  g.update(repeating: 0)
                  for i in batch {
                    let row = i &* d
                    forward(w, x: x, row: row, shape: shape, a: a, z: z)
                    // Softmax in Double, the maximum taken out so that no exp overflows.
                    var top = -Double.infinity
                    for c in 0..<k { top = max(top, Double(z[c])) }
                    var sum = 0.0
                    for c in 0..<k {
                      p[c] = exp(Double(z[c]) - top)
                      sum += p[c]
                    }
                    total += top + log(sum) - Double(z[y[i]])
                    for c in 0..<k {
                      dz[c] = T((p[c] / sum - (c == y[i] ? 1 : 0)) * scale)
                      g[shape.b2 &+ c] += dz[c]
                    }
                    for j in 0..<h {
                      let r = a[j]
                      guard r > 0 else {
                        da[j] = 0
                        continue
                      }
                      let base = shape.w2 &+ j &* k
                      var back: T = 0
                      for c in 0..<k {
                        g[base &+ c] += r * dz[c]
                        back += w[base &+ c] * dz[c]
                      }
                      da[j] = back
                      g[shape.b1 &+ j] += back
                    }
                    for t in 0..<d {
                      let v = x[row &+ t]
                      if v == 0 { continue }
                      let base = shape.w1 &+ t &* h
                      for j in 0..<h { g[base &+ j] += v * da[j] }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    return total * scale
  }

  /// The hidden activations r = max(a, 0) (H) and logits z (K) of the row at `row` of `x`.
  @inline(__always)
  static func forward<T: BinaryFloatingPoint>(
    _ w: UnsafeBufferPointer<T>, x: UnsafeBufferPointer<T>, row: Int, shape: Shape,
    a: UnsafeMutableBufferPointer<T>, z: UnsafeMutableBufferPointer<T>
  ) {
    let d = shape.inputs, h = shape.hidden, k = shape.classes
    for j in 0..<h { a[j] = w[shape.b1 &+ j] }
    for t in 0..<d {
      let v = x[row &+ t]
      if v == 0 { continue }
      let base = shape.w1 &+ t &* h
      for j in 0..<h { a[j] += v * w[base &+ j] }
    }
    for j in 0..<h { a[j] = max(a[j], 0) }
    for c in 0..<k { z[c] = w[shape.b2 &+ c] }
    for j in 0..<h {
      let r = a[j]
      if r == 0 { continue }
      let base = shape.w2 &+ j &* k
      for c in 0..<k { z[c] += r * w[base &+ c] }
    }
  }

  /// He-initialised parameters: W1 ~ N(0, 2/d), W2 ~ N(0, 2/H), biases 0.
  static func initialParameters(
    shape: Shape, using rng: inout some RandomNumberGenerator
  ) -> [Float] {
    var theta = [Float](repeating: 0, count: shape.count)
    func fill(_ start: Int, _ count: Int, fanIn: Int) {
      let sigma = (2 / Double(max(fanIn, 1))).squareRoot()
      var i = start
      while i < start + count {
        let (u, v) = GaussianSampling.pair(using: &rng)
        theta[i] = Float(u * sigma)
        if i + 1 < start + count { theta[i + 1] = Float(v * sigma) }
        i += 2
      }
    }
    fill(shape.w1, shape.inputs * shape.hidden, fanIn: shape.inputs)
    fill(shape.w2, shape.hidden * shape.classes, fanIn: shape.hidden)
    return theta
  }

  /// Trains on `data` (see the file header for the schedule).
  /// - Complexity: O(min(30 n, 3,000 · 64) · H · d), less the zero pixels.
  static func fit(
    _ data: ImageFeatures, hidden: Int = hidden, using rng: inout some RandomNumberGenerator
  ) -> MLPClassifier {
    let shape = Shape(inputs: data.width, hidden: hidden, classes: data.classes)
    var theta = initialParameters(shape: shape, using: &rng)
    let x = data.x.map { Float($0) }
    var gradient = [Float](repeating: 0, count: shape.count)
    var adam = Adam(parameterCount: shape.count)
    var order = Array(0..<data.rows)
    var steps = 0
    training: for _ in 0..<epochs {
      order.shuffle(using: &rng)
      for start in stride(from: 0, to: order.count, by: batchSize) {
        if steps == maximumSteps { break training }
        let batch = order[start..<min(start + batchSize, order.count)]
        _ = loss(theta, gradient: &gradient, x: x, labels: data.y, batch: batch, shape: shape)
        adam.step(parameters: &theta, gradients: gradient, learningRate: learningRate)
        steps += 1
      }
    }
    return MLPClassifier(parameters: theta, shape: shape, steps: steps)
  }

  /// The predicted class of each row of `x` (rows, d): the largest logit (the first on a tie).
  func predict(_ x: [Double]) -> [Int] {
    let d = shape.inputs, k = shape.classes
    let features = x.map { Float($0) }
    var a = [Float](repeating: 0, count: shape.hidden)
    var z = [Float](repeating: 0, count: k)
    return parameters.withUnsafeBufferPointer { w in
      features.withUnsafeBufferPointer { x in
        a.withUnsafeMutableBufferPointer { a in
          z.withUnsafeMutableBufferPointer { z in
            (0..<(x.count / max(d, 1))).map { i in
              Self.forward(w, x: x, row: i * d, shape: shape, a: a, z: z)
              var best = 0
              for c in 1..<max(k, 1) where z[c] > z[best] { best = c }
              return best
            }
          }
        }
      }
    }
  }

  /// Trained on `train`'s image rows, the accuracy on `test`'s; NaN when either has none. The
  /// model's randomness is `SeededStream.mlpClassifier` under `seed`, started afresh.
  static func accuracy(
    train: EvaluationTable, test: EvaluationTable, layout: ImageSchema, seed: UInt64 = 0
  ) -> Double {
    let training = ImageFeatures(train, layout: layout)
    let testing = ImageFeatures(test, layout: layout)
    guard training.classes > 0, training.rows > 0, testing.rows > 0 else { return .nan }
    var rng = SeededStream.make(seed: seed, stream: SeededStream.mlpClassifier)
    let model = fit(training, using: &rng)
    return testing.accuracy(of: model.predict(testing.x))
  }
}
