// Training diagnostics of DP-SGD (`train-dpsgd --diagnostics file.csv`), per epoch. NOT PRIVATE:
// they are computed from the raw per-example gradients of the private rows (before clipping and
// noise) and are not accounted; they are for studying the training on data one may look at, never
// for publication. The CSV's first line and the plot's title say so.
//
// Per epoch (means over its steps, each step's batch B of the Poisson sample):
//   epsilon          ε spent at the end of the epoch (data-independent);
//   clippedFraction  the examples whose gradient was scaled down (factor below 1; automatic
//                    normalisation C/(‖g‖ + γ) scales gradients of norm below C up, and those
//                    are not counted);
//   clippingBias     ‖mean clipped − mean unclipped‖ of the batch (sums divided by B);
//   cosine           cos(mean clipped, mean unclipped): the gradient misalignment of Esipova,
//                    Ghomi, Luo, Cresswell, "Disparate impact in differential privacy from
//                    gradient misalignment", ICLR 2023;
//   noiseToSignal    ‖noise‖/‖clipped sum‖ of the update (the snapped noisy sum minus the sum).

import Foundation

/// One epoch's diagnostics.
public struct DPSGDDiagnostics: Sendable, Equatable {
  public static let warning =
    "NOT PRIVATE: computed from raw per-example gradients of the private rows; not accounted"
  public var epoch: Int
  public var epsilon: Double
  public var clippedFraction: Double
  public var clippingBias: Double
  public var cosine: Double
  public var noiseToSignal: Double

  /// Running sums over one epoch's steps.
  struct Accumulator {
    var examples = 0
    var clipped = 0
    var steps = 0
    var bias = 0.0
    var cosine = 0.0
    var noiseToSignal = 0.0

    mutating func add(clippedSum: [Double], unclippedSum: [Double], noisySum: [Double], count: Int)
    {
      guard count > 0 else { return }
      var (distance, dot, a, b, noise) = (0.0, 0.0, 0.0, 0.0, 0.0)
      for k in clippedSum.indices {
        let (c, u) = (clippedSum[k] / Double(count), unclippedSum[k] / Double(count))
        distance += (c - u) * (c - u)
        dot += c * u
        a += c * c
        b += u * u
        noise += (noisySum[k] - clippedSum[k]) * (noisySum[k] - clippedSum[k])
      }
      steps += 1
      bias += distance.squareRoot()
      cosine += a > 0 && b > 0 ? dot / (a.squareRoot() * b.squareRoot()) : 0
      let signal = a.squareRoot() * Double(count)
      noiseToSignal += signal > 0 ? noise.squareRoot() / signal : 0
    }

    func finish(epoch: Int, epsilonSpent: Double) -> DPSGDDiagnostics {
      let s = Double(max(steps, 1))
      return DPSGDDiagnostics(
        epoch: epoch, epsilon: epsilonSpent,
        clippedFraction: examples > 0 ? Double(clipped) / Double(examples) : 0,
        clippingBias: bias / s, cosine: cosine / s, noiseToSignal: noiseToSignal / s)
    }
  }

  /// The CSV of a list of epochs, its first line a comment with the warning.
  public static func csv(_ rows: [DPSGDDiagnostics]) -> String {
    var lines = [
      "# \(warning)",
      "epoch,epsilon,clipped_fraction,clipping_bias,cosine,noise_to_signal",
    ]
    for r in rows {
      lines.append(
        "\(r.epoch),\(r.epsilon),\(r.clippedFraction),\(r.clippingBias),\(r.cosine),"
          + "\(r.noiseToSignal)")
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// The epochs of a CSV that `csv(_:)` wrote (`evaluate --diagnostics`, for the HTML report).
  /// Errors name the file, the line, the column and the value.
  public static func parse(_ text: String, path: String) throws -> [DPSGDDiagnostics] {
    let header = "epoch,epsilon,clipped_fraction,clipping_bias,cosine,noise_to_signal"
    let names = header.split(separator: ",").map(String.init)
    var rows: [DPSGDDiagnostics] = []
    var sawHeader = false
    for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let line = raw.trimmingCharacters(in: .whitespaces)
      let number = index + 1
      if line.isEmpty || line.hasPrefix("#") { continue }
      if !sawHeader {
        guard line == header else {
          throw DiagnosticsFileError(
            message: "\(path), line \(number): expected the header \"\(header)\" of "
              + "train-dpsgd --diagnostics")
        }
        sawHeader = true
        continue
      }
      let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
      guard fields.count == names.count else {
        throw DiagnosticsFileError(
          message: "\(path), line \(number): \(fields.count) fields, expected \(names.count)")
      }
      var values: [Double] = []
      for (column, field) in fields.enumerated() {
        guard let value = Double(field), value.isFinite else {
          throw DiagnosticsFileError(
            message: "\(path), line \(number), column \(column + 1) (\(names[column])): "
              + "\"\(field)\" is not a finite number")
        }
        values.append(value)
      }
      guard let epoch = Int(fields[0]), epoch >= 1 else {
        throw DiagnosticsFileError(
          message: "\(path), line \(number), column 1 (epoch): \"\(fields[0])\" is not an "
            + "epoch number")
      }
      rows.append(
        DPSGDDiagnostics(
          epoch: epoch, epsilon: values[1], clippedFraction: values[2], clippingBias: values[3],
          cosine: values[4], noiseToSignal: values[5]))
    }
    guard sawHeader, !rows.isEmpty else {
      throw DiagnosticsFileError(
        message: "\(path): no epochs (not a train-dpsgd --diagnostics file)")
    }
    return rows
  }

  /// A small SVG: one panel per quantity against the epoch (hand-written line plots).
  public static func svg(_ rows: [DPSGDDiagnostics]) -> String {
    let series: [(String, (DPSGDDiagnostics) -> Double)] = [
      ("ε spent", { $0.epsilon }), ("fraction clipped", { $0.clippedFraction }),
      ("clipping bias", { $0.clippingBias }), ("cosine(clipped, unclipped)", { $0.cosine }),
      ("noise / signal", { $0.noiseToSignal }),
    ]
    let (panelWidth, panelHeight, margin) = (300.0, 170.0, 40.0)
    let width = 3 * panelWidth
    let height = 2 * panelHeight + 30
    var out =
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
      + "font-family=\"sans-serif\" font-size=\"11\">\n"
      + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      + "<text x=\"10\" y=\"18\" font-size=\"13\" fill=\"#a00\">DP-SGD diagnostics per epoch — "
      + "\(escape(warning))</text>\n"
    for (index, (name, value)) in series.enumerated() {
      let left = Double(index % 3) * panelWidth + margin
      let top = Double(index / 3) * panelHeight + 30 + 20
      let w = panelWidth - margin - 15
      let h = panelHeight - 50
      let values = rows.map(value).filter(\.isFinite)
      let low = min(values.min() ?? 0, 0)
      let high = max(values.max() ?? 1, low + 1e-12)
      let epochs = rows.map { Double($0.epoch) }
      let (e0, e1) = (epochs.min() ?? 0, max(epochs.max() ?? 1, (epochs.min() ?? 0) + 1))
      out += "<text x=\"\(left)\" y=\"\(top - 6)\">\(escape(name))</text>\n"
      out +=
        "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(w)\" height=\"\(h)\" fill=\"none\" "
        + "stroke=\"#888\"/>\n"
      out += "<text x=\"\(left - 4)\" y=\"\(top + 8)\" text-anchor=\"end\">\(short(high))</text>\n"
      out += "<text x=\"\(left - 4)\" y=\"\(top + h)\" text-anchor=\"end\">\(short(low))</text>\n"
      out += "<text x=\"\(left)\" y=\"\(top + h + 14)\">epoch \(Int(e0))</text>\n"
      out += "<text x=\"\(left + w)\" y=\"\(top + h + 14)\" text-anchor=\"end\">\(Int(e1))</text>\n"
      let points = rows.compactMap { r -> String? in
        let v = value(r)
        guard v.isFinite else { return nil }
        let px = left + (Double(r.epoch) - e0) / (e1 - e0) * w
        let py = top + h - (v - low) / (high - low) * h
        return String(format: "%.1f,%.1f", px, py)
      }
      out +=
        "<polyline fill=\"none\" stroke=\"#1f5fbf\" stroke-width=\"1.5\" points=\""
        + points.joined(separator: " ") + "\"/>\n"
    }
    return out + "</svg>\n"
  }

  static func short(_ v: Double) -> String { String(format: "%.3g", v) }

  static func escape(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;")
  }
}

/// A diagnostics file that cannot be read.
public struct DiagnosticsFileError: Error, CustomStringConvertible, Sendable {
  public var message: String
  public init(message: String) { self.message = message }
  public var description: String { message }
}
