// Tests of MLPClassifier: the hand-written backward pass against central finite differences in
// Double on a tiny network; Gaussian blobs in 16 dimensions learned well above chance; the same
// seed giving the same accuracy; and `evaluate` reporting mlpAccuracy for labelled images only.

import Foundation
import SliceGenNumerics
import Testing

@testable import SliceGen

@Suite("MLP classifier")
struct MLPClassifierTests {
  @Test("the gradient agrees with central finite differences on a tiny network, in Double")
  func gradientCheck() {
    var rng = TestRNG(seed: 11)
    let shape = MLPClassifier.Shape(inputs: 5, hidden: 4, classes: 3)
    let n = 7
    // Some zero inputs, as in images, so the skipped rows are exercised too.
    let x = (0..<(n * shape.inputs)).map { j -> Double in
      j % 4 == 0 ? 0 : Double.random(in: 0...1, using: &rng)
    }
    let y = (0..<n).map { $0 % shape.classes }
    let w = (0..<shape.count).map { _ in Double.random(in: -1...1, using: &rng) }
    let batch = Array(0..<n)[...]
    var g = [Double](repeating: 0, count: shape.count)
    _ = MLPClassifier.loss(w, gradient: &g, x: x, labels: y, batch: batch, shape: shape)
    var scratch = g
    let numeric = centralDifferences(w) {
      MLPClassifier.loss($0, gradient: &scratch, x: x, labels: y, batch: batch, shape: shape)
    }
    for j in w.indices {
      // Central differences err by O(h²) ≈ 1e-12 away from a ReLU kink (random weights put no
      // pre-activation within h of 0 here) plus rounding ≈ 1e-16 / h = 1e-10; 1e-7 allows both.
      #expect(abs(numeric[j] - g[j]) < 1e-7, "parameter \(j): \(numeric[j]) vs \(g[j])")
    }
  }

  /// Three Gaussian blobs in 16 dimensions: centres drawn in [0.2, 0.8]¹⁶, spread σ = 0.1 per
  /// coordinate, clipped to [0, 1].
  static func blobs(_ rows: Int, seed: UInt64) -> ImageFeatures {
    var rng = TestRNG(seed: 5)
    let centres = (0..<3).map { _ in (0..<16).map { _ in Double.random(in: 0.2...0.8, using: &rng) }
    }
    var draws = TestRNG(seed: seed)
    var x: [Double] = [], y: [Int] = []
    for i in 0..<rows {
      let k = i % 3
      y.append(k)
      for c in centres[k] {
        let (u, _) = GaussianSampling.pair(using: &draws)
        x.append(min(max(c + 0.1 * u, 0), 1))
      }
    }
    return ImageFeatures(x: x, y: y, width: 16, classes: 3)
  }

  @Test("three Gaussian blobs in 16 dimensions: above 0.9 accuracy on new points (chance 1/3)")
  func blobsAreLearned() {
    let train = Self.blobs(300, seed: 1), test = Self.blobs(300, seed: 2)
    var rng = SeededStream.make(seed: 0, stream: SeededStream.mlpClassifier)
    let model = MLPClassifier.fit(train, using: &rng)
    // 300 rows in batches of 64: 5 steps an epoch, 30 epochs.
    #expect(model.steps == 150)
    let accuracy = test.accuracy(of: model.predict(test.x))
    // The centres lie ≈ √16 · 0.25 ≈ 1 apart against σ = 0.1 per coordinate: the classes barely
    // overlap, and a network that learned anything gets nearly every point.
    #expect(accuracy > 0.9, "accuracy \(accuracy)")
    #expect(train.accuracy(of: model.predict(train.x)) > 0.9)
  }

  @Test("the same tables and seed give the same parameters and accuracy; another seed differs")
  func determinism() {
    let train = Self.blobs(120, seed: 3), test = Self.blobs(90, seed: 4)
    func fit(_ seed: UInt64) -> MLPClassifier {
      var rng = SeededStream.make(seed: seed, stream: SeededStream.mlpClassifier)
      return MLPClassifier.fit(train, hidden: 16, using: &rng)
    }
    let first = fit(7), second = fit(7), other = fit(8)
    #expect(first.parameters == second.parameters)
    #expect(first.predict(test.x) == second.predict(test.x))
    #expect(first.parameters != other.parameters)
  }

  /// 4 × 4 images in 0…255 with a label of three classes: class c lights row c of the image
  /// (plus noise), so the classes are easy to tell apart.
  static func imageTable(_ rows: Int, seed: UInt64) -> (EvaluationTable, ImageSchema) {
    let layout = ImageSchema(
      width: 4, height: 4, pixelLower: 0, pixelUpper: 255,
      label: ImageSchema.Label(name: "digit", categories: ["a", "b", "c"]))
    var rng = TestRNG(seed: seed)
    let labels = (0..<rows).map { ["a", "b", "c"][$0 % 3] }
    var columns: [EvaluationTable.Column] = []
    for r in 0..<4 {
      for _ in 0..<4 {
        columns.append(
          .numeric(
            labels.indices.map { i in
              let lit = ["a", "b", "c"][i % 3] == ["a", "b", "c", "-"][r]
              return (lit ? 200 : 20) + Double.random(in: 0...30, using: &rng).rounded()
            }))
      }
    }
    let table = EvaluationTable(
      names: layout.pixelColumnNames + ["digit"], columns: columns + [.categorical(labels)])
    return (table, layout)
  }

  @Test("evaluate reports mlpAccuracy (synthetic and real) for labelled images, not otherwise")
  func evaluatorReportsIt() throws {
    let (real, layout) = Self.imageTable(60, seed: 1)
    let (synthetic, _) = Self.imageTable(90, seed: 2)
    let (train, _) = Self.imageTable(90, seed: 3)
    let report = try Evaluator.evaluate(
      real: real, synthetic: synthetic, train: train, target: "digit", images: layout)
    let mlp = try #require(report.summary()["mlpAccuracy"])
    #expect(report.reportKeys.suffix(2) == ["softmaxAccuracy", "mlpAccuracy"])
    #expect((mlp.synthetic ?? 0) > 0.9 && (mlp.real ?? 0) > 0.9)
    #expect(mlp.independent == nil)
    let json = String(decoding: try report.json(), as: UTF8.self)
    #expect(json.contains("\"mlpAccuracy\""))
    // The same call again: the same accuracy (the MLP's stream starts afresh).
    let again = try Evaluator.evaluate(
      real: real, synthetic: synthetic, train: train, target: "digit", images: layout)
    #expect(again.synthetic.mlpAccuracy == report.synthetic.mlpAccuracy)
    // Without an image layout the key is absent.
    let plain = try Evaluator.evaluate(
      real: real, synthetic: synthetic, train: train, target: "digit")
    #expect(plain.synthetic.mlpAccuracy == nil && plain.summary()["mlpAccuracy"] == nil)
    #expect(!plain.reportKeys.contains("mlpAccuracy"))
    #expect(!String(decoding: try plain.json(), as: UTF8.self).contains("mlpAccuracy"))
  }
}
