// The features and labels that `evaluate`'s image classifiers (SoftmaxRegression.swift,
// MLPClassifier.swift) train and test on, taken from a table in one place so that both models
// see the same numbers.
//
// Features: the pixels of an `ImageSchema`, each scaled to [0, 1] by the schema's public bounds,
// x = (v − lower) / (upper − lower) (a missing or unreadable value counts as 0); labels: the
// index of the row's category among the label's categories (rows whose label is missing or
// unknown are left out, of training and of the accuracy alike). Not here: scaling by the data
// (which would read private values), augmentation.

import Foundation

/// The labelled images of a table as a feature matrix and class indices.
struct ImageFeatures {
  /// (rows, width): each row's pixels in [0, 1], in the order of `pixelColumnNames`.
  var x: [Double]
  /// Each row's class, in 0..<`classes`.
  var y: [Int]
  /// Pixels per image.
  var width: Int
  /// The label's categories (0 without a label).
  var classes: Int

  var rows: Int { y.count }

  /// Features and labels given directly (x (rows, width), each label in 0..<classes).
  init(x: [Double], y: [Int], width: Int, classes: Int) {
    precondition(x.count == y.count * width && y.allSatisfy { (0..<classes).contains($0) })
    (self.x, self.y, self.width, self.classes) = (x, y, width, classes)
  }

  /// The image features and labels of `table` (see the file header); none without a label.
  init(_ table: EvaluationTable, layout: ImageSchema) {
    width = layout.width * layout.height
    classes = layout.label?.categories.count ?? 0
    x = []
    y = []
    guard let label = layout.label, let t = table.names.firstIndex(of: label.name),
      case .categorical(let labels) = table.columns[t]
    else { return }
    let pixels: [[Double]] = layout.pixelColumnNames.map { name in
      guard let c = table.names.firstIndex(of: name), case .numeric(let v) = table.columns[c]
      else { return [Double](repeating: .nan, count: table.rows) }
      return v
    }
    let index = Dictionary(
      label.categories.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    let span = layout.pixelUpper - layout.pixelLower
    for i in 0..<table.rows {
      guard let text = labels[i], let k = index[text] else { continue }
      y.append(k)
      for column in pixels {
        let v = (column[i] - layout.pixelLower) / span
        x.append(v.isNaN ? 0 : v)
      }
    }
  }

  /// The share of `predicted` equal to `y`; NaN when there are no rows.
  func accuracy(of predicted: [Int]) -> Double {
    guard !y.isEmpty else { return .nan }
    return Double(zip(predicted, y).filter { $0 == $1 }.count) / Double(y.count)
  }
}
