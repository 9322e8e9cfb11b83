// The privacy–utility plot of a comparison, as a self-contained SVG: one line per method, a
// metric's mean over seeds against ε (log scale when the ε values span more than a factor of 3),
// error bars of ± one standard deviation, and the two references of the same split as dashed
// horizontal lines (shuffled real columns, real rows). Written by hand: no plotting library.

import Foundation

/// Draws a `CompareSummary`.
public enum PrivacyUtilityPlot {
  static let width = 720.0
  static let height = 440.0
  static let margin = (left: 70.0, right: 190.0, top: 40.0, bottom: 56.0)
  /// One colour per method, in the summary's order (then repeated).
  static let colours = [
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf",
  ]

  /// The SVG text of `metric` against ε.
  public static func svg(_ summary: CompareSummary, metric: String) -> String {
    let rows = summary.rows.filter { $0.scores[metric] != nil }
    let epsilons = Set(rows.map(\.epsilon)).sorted()
    let plotWidth = width - margin.left - margin.right
    let plotHeight = height - margin.top - margin.bottom
    let logScale = (epsilons.first.map { epsilons.last! / $0 } ?? 1) > 3 && epsilons.first! > 0
    func scaleX(_ e: Double) -> Double {
      guard let lo = epsilons.first, let hi = epsilons.last, hi > lo else {
        return margin.left + plotWidth / 2
      }
      let t = logScale ? log(e / lo) / log(hi / lo) : (e - lo) / (hi - lo)
      return margin.left + plotWidth * (0.05 + 0.9 * t)
    }
    var values: [Double] = []
    for row in rows {
      let s = row.scores[metric]!
      values += [s.mean - s.std, s.mean + s.std]
    }
    values += [summary.shuffled[metric], summary.real[metric]].compactMap { $0 }
    let finite = values.filter(\.isFinite)
    var lo = finite.min() ?? 0
    var hi = finite.max() ?? 1
    if hi - lo < 1e-6 {
      lo -= 0.05
      hi += 0.05
    }
    let pad = (hi - lo) * 0.08
    lo -= pad
    hi += pad
    func scaleY(_ v: Double) -> Double { margin.top + plotHeight * (1 - (v - lo) / (hi - lo)) }
    func f(_ x: Double) -> String { String(format: "%.1f", x) }

    let about = [summary.delta.map { "δ = \($0)" }, summary.relation].compactMap { $0 }
    let title = "\(metric) against ε" + (about.isEmpty ? "" : " (\(about.joined(separator: ", ")))")
    var svg =
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" "
      + "height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" "
      + "font-family=\"sans-serif\" font-size=\"12\">\n"
      + "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      + "<text x=\"\(f(margin.left))\" y=\"22\" font-size=\"14\">\(escape(title))</text>\n"
    // Axes, y ticks and the grid.
    let bottom = margin.top + plotHeight
    svg +=
      "<line x1=\"\(f(margin.left))\" y1=\"\(f(bottom))\" x2=\"\(f(margin.left + plotWidth))\" "
      + "y2=\"\(f(bottom))\" stroke=\"black\"/>\n"
    svg +=
      "<line x1=\"\(f(margin.left))\" y1=\"\(f(margin.top))\" x2=\"\(f(margin.left))\" "
      + "y2=\"\(f(bottom))\" stroke=\"black\"/>\n"
    for i in 0...5 {
      let v = lo + (hi - lo) * Double(i) / 5
      let y = scaleY(v)
      svg +=
        "<line x1=\"\(f(margin.left))\" y1=\"\(f(y))\" x2=\"\(f(margin.left + plotWidth))\" "
        + "y2=\"\(f(y))\" stroke=\"#e5e5e5\"/>\n"
      svg +=
        "<text x=\"\(f(margin.left - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\">"
        + String(format: "%.3f", v) + "</text>\n"
    }
    for e in epsilons {
      let x = scaleX(e)
      svg +=
        "<line x1=\"\(f(x))\" y1=\"\(f(bottom))\" x2=\"\(f(x))\" y2=\"\(f(bottom + 5))\" "
        + "stroke=\"black\"/>\n"
      svg +=
        "<text x=\"\(f(x))\" y=\"\(f(bottom + 18))\" text-anchor=\"middle\">"
        + CompareCell.text(e) + "</text>\n"
    }
    svg +=
      "<text x=\"\(f(margin.left + plotWidth / 2))\" y=\"\(f(height - 12))\" "
      + "text-anchor=\"middle\">ε\(logScale ? " (log scale)" : "")</text>\n"

    // References.
    var legend: [(label: String, colour: String, dashed: Bool)] = []
    for (label, value, colour) in [
      ("shuffled real columns", summary.shuffled[metric], "#777777"),
      ("real rows", summary.real[metric], "#000000"),
    ] {
      guard let value, value.isFinite else { continue }
      let y = scaleY(value)
      svg +=
        "<line x1=\"\(f(margin.left))\" y1=\"\(f(y))\" x2=\"\(f(margin.left + plotWidth))\" "
        + "y2=\"\(f(y))\" stroke=\"\(colour)\" stroke-dasharray=\"6 4\"/>\n"
      legend.append((label, colour, true))
    }

    // One line per method.
    var methods: [CompareMethod] = []
    for row in rows where !methods.contains(row.method) { methods.append(row.method) }
    for (i, method) in methods.enumerated() {
      let colour = colours[i % colours.count]
      let mine = rows.filter { $0.method == method }.sorted { $0.epsilon < $1.epsilon }
      let points = mine.map { (scaleX($0.epsilon), scaleY($0.scores[metric]!.mean)) }
      if points.count > 1 {
        svg +=
          "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" points=\""
          + points.map { "\(f($0.0)),\(f($0.1))" }.joined(separator: " ") + "\"/>\n"
      }
      for (row, point) in zip(mine, points) {
        let s = row.scores[metric]!
        if s.std > 0 {
          svg +=
            "<line x1=\"\(f(point.0))\" y1=\"\(f(scaleY(s.mean - s.std)))\" x2=\"\(f(point.0))\" "
            + "y2=\"\(f(scaleY(s.mean + s.std)))\" stroke=\"\(colour)\"/>\n"
        }
        svg +=
          "<circle cx=\"\(f(point.0))\" cy=\"\(f(point.1))\" r=\"3.5\" fill=\"\(colour)\"/>\n"
      }
      legend.append((method.rawValue, colour, false))
    }

    // The legend, right of the plot.
    let legendX = margin.left + plotWidth + 16
    for (i, item) in legend.enumerated() {
      let y = margin.top + 10 + Double(i) * 20
      svg +=
        "<line x1=\"\(f(legendX))\" y1=\"\(f(y))\" x2=\"\(f(legendX + 22))\" y2=\"\(f(y))\" "
        + "stroke=\"\(item.colour)\" stroke-width=\"2\""
        + (item.dashed ? " stroke-dasharray=\"6 4\"" : "") + "/>\n"
      svg +=
        "<text x=\"\(f(legendX + 28))\" y=\"\(f(y + 4))\">\(escape(item.label))</text>\n"
    }
    return svg + "</svg>\n"
  }

  static func escape(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;")
  }
}
