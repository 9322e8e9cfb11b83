// The self-contained HTML report of `evaluate`: the privacy statement of the release the data came
// from, the score table, real-vs-synthetic distribution overlays per column, a heat map of pair
// scores, the training loss curve when the model is given, and for labelled images a grid of the
// synthetic table's first images of each class (an inline PNG). Inline SVG, CSS and data URIs
// only: nothing is fetched from anywhere.

import Foundation

/// Writes evaluation reports as HTML.
public enum HTMLReport {
  /// Images of each class the report shows for a table of labelled images.
  public static let imagesPerClass = 10

  /// - Parameter images: the schema's image layout when it has a label: the report then shows
  ///   the synthetic table's first `imagesPerClass` images of each class.
  public static func write(
    report: EvaluationReport, real: EvaluationTable, synthetic: EvaluationTable, model: Model?,
    images: ImageSchema? = nil, diagnostics: [DPSGDDiagnostics]? = nil, to path: String
  ) throws {
    // The tables are in memory without their paths (the CLI checks those); the model has one.
    try OutputPath.refuse(path, ifAnyOf: [model?.path])
    var html = """
      <!doctype html><html lang="en"><head><meta charset="utf-8"><title>slicegen evaluation</title>
      <style>body{font:14px system-ui,sans-serif;margin:24px;max-width:1100px;color:#222}
      h1{font-size:22px}h2{font-size:17px;margin-top:28px}table{border-collapse:collapse}
      td,th{padding:3px 10px;border-bottom:1px solid #ddd;text-align:right}th:first-child,
      td:first-child{text-align:left}.warn{background:#fff3cd;padding:8px;border:1px solid #e0c060}
      .grid{display:flex;flex-wrap:wrap;gap:12px}.card{border:1px solid #ddd;padding:6px}
      .privacy{background:#eef5ff;padding:10px;border:1px solid #9bbcf0}</style></head><body>
      <h1>slicegen evaluation</h1>
      """
    if let model, let marker = model.header.nonPrivate {
      html +=
        "<div class=\"warn\"><b>\(escape(marker.statement)).</b> The model was trained "
        + "directly on \(marker.rows) private rows (regularisation: "
        + "\(escape(marker.regularisation.rawValue))); any membership score below is empirical, "
        + "not a guarantee.</div>"
    } else if let model, let dpsgd = model.header.dpsgd {
      html +=
        "<div class=\"privacy\"><b>Privacy.</b> \(escape(dpsgd.statement))<br>"
        + "Mechanism: dp-sgd; (ε, δ) = (\(dpsgd.epsilon), \(dpsgd.delta)) under "
        + "\(escape(dpsgd.neighbors.rawValue)).</div>"
    } else if let model, let release = model.header.release {
      let p = release.privacy
      html +=
        "<div class=\"privacy\"><b>Privacy.</b> \(escape(p.statement))<br>"
        + "Release method: \(escape(release.method.rawValue)); accountant \(escape(p.accountant.rawValue)); "
        + "(ε, δ) = (\(p.epsilon), \(p.delta)) under \(escape(p.neighbors.rawValue)).</div>"
    } else {
      html += "<p>No model file given: the privacy statement of the release is not shown.</p>"
    }
    for warning in report.warnings {
      html +=
        "<p class=\"warn\"><b>Warning (\(escape(warning.metric))):</b> "
        + "\(escape(warning.message))</p>"
    }
    html += outsideSchema(report.outsideSchema)
    for (name, scores) in [
      ("synthetic", report.synthetic), ("independent", report.independent),
      ("real", report.real),
    ] {
      guard let unseen = scores?.unseenHoldoutCategories, !unseen.isEmpty else { continue }
      html +=
        "<p>Note: the \(name) table's logistic regression met categories only in the "
        + "holdout, encoded as zeros (SDMetrics raises and gives no score): "
        + unseen.map {
          "\(escape($0.column)) \($0.categories) (\($0.rows) rows, first “\(escape($0.first))”)"
        }.joined(separator: "; ") + ".</p>"
    }
    html +=
      "<p>Evaluation reads real data; this report is for the data owner and is not private.</p>"
    // Score table.
    html +=
      "<h2>Scores (SDMetrics definitions)</h2><table><tr><th>metric</th><th>synthetic</th>"
      + "<th>independent columns</th><th>real training rows</th></tr>"
    let summary = report.summary()
    for key in report.reportKeys {
      let t = summary[key]!
      html +=
        "<tr><td>\(key)</td><td>\(f(t.synthetic))</td><td>\(f(t.independent))</td>"
        + "<td>\(f(t.real))</td></tr>"
    }
    html += "</table>"
    if let privacy = report.privacy { html += membership(privacy) }
    // Loss curve.
    if let model, model.header.history.count >= 1 {
      html += "<h2>Training</h2>" + lossCurve(model.header.history)
    }
    if let diagnostics {
      html +=
        "<h2>DP-SGD training diagnostics</h2><p class=\"warn\">"
        + escape(DPSGDDiagnostics.warning)
        + ": this section is for the data owner and must not be published.</p>"
        + DPSGDDiagnostics.svg(diagnostics)
    }
    if let images, images.label != nil {
      let pictures = try ClassPictures(
        table: synthetic, layout: images, perClass: imagesPerClass)
      let png = Data(try pictures.picture().encoded()).base64EncodedString()
      let short = pictures.shortClasses
      html +=
        "<h2>Synthetic images, one row per class</h2><p>The first \(imagesPerClass) images of "
        + "each class of the synthetic table, in its order"
        + (short.isEmpty
          ? "."
          : "; classes with fewer (their rows end blank): "
            + escape(short.joined(separator: ", ")) + ".")
        + "</p><img alt=\"synthetic images by class\" src=\"data:image/png;base64,\(png)\">"
    }
    // Per-column overlays.
    html += "<h2>Columns: real (blue) vs synthetic (orange)</h2><div class=\"grid\">"
    for c in real.names.indices {
      let score = report.synthetic.columns[real.names[c]] ?? .nan
      html +=
        "<div class=\"card\"><div><b>\(escape(real.names[c]))</b> "
        + "score \(f(score))</div>\(overlay(real.columns[c], synthetic.columns[c]))</div>"
    }
    html += "</div><h2>Pair trends (synthetic)</h2>" + heatMap(real.names, report.synthetic.pairs)
    html +=
      "<p>Cells with a bold outline are the pairs the QualityReport counts (real association "
      + "above its thresholds).</p></body></html>\n"
    try AtomicOutputFile.write(Data(html.utf8), to: path)
  }

  /// The values of the synthetic table outside the schema: a table per column, or a line saying
  /// there are none.
  static func outsideSchema(_ columns: [OutsideSchemaCount]) -> String {
    guard !columns.isEmpty else {
      return "<p>Values outside the schema (synthetic table): none.</p>"
    }
    let total = columns.reduce(0) { $0 + $1.count }
    var html =
      "<h2>Values outside the schema (synthetic table)</h2><p class=\"warn\">\(total) "
      + "value\(total == 1 ? "" : "s") in \(columns.count) column\(columns.count == 1 ? "" : "s") "
      + "lie outside the schema; they are scored as written.</p><table><tr><th>column</th>"
      + "<th>values</th><th>why</th><th>first (line)</th></tr>"
    for column in columns {
      html +=
        "<tr><td>\(escape(column.column))</td><td>\(column.count)</td>"
        + "<td>\(escape(column.reasons))</td>"
        + "<td>\(escape(column.firstValue)) (\(column.firstLine))</td></tr>"
    }
    return html + "</table>"
  }

  /// The membership inference scores beside the utility scores, with the words that say what
  /// they are not.
  static func membership(_ scores: MembershipScores) -> String {
    let rows = [
      ("closer to train (share of synthetic rows; about 0.5 is ideal)", scores.closerToTrain),
      ("tied (as close to both samples; counted as not closer)", scores.tied),
      ("DCR overfitting protection (SDMetrics; 1 is best)", scores.dcrOverfittingProtection),
      ("median distance to the closest training row", scores.medianDCRToTrain),
      ("median distance to the closest holdout row", scores.medianDCRToHoldout),
      ("distance attack AUC (0.5: no membership signal)", scores.distanceAttackAUC),
    ]
    return
      "<h2>Membership inference (empirical, not a privacy guarantee)</h2><p>Measured on random "
      + "samples: \(scores.syntheticRows) synthetic rows against \(scores.trainRows) training "
      + "and \(scores.holdoutRows) holdout rows (distance to closest record); "
      + "\(scores.attackMembers) members and \(scores.attackNonMembers) non-members against "
      + "\(scores.attackSyntheticRows) synthetic rows (the attack). These are measurements of "
      + "one attack, never an ε: "
      + "the guarantee is the release's (ε, δ).</p><table><tr><th>measure</th><th>value</th></tr>"
      + rows.map { "<tr><td>\(escape($0.0))</td><td>\(f($0.1))</td></tr>" }.joined()
      + "</table>"
  }

  static func f(_ x: Double?) -> String {
    guard let x, !x.isNaN else { return "–" }
    return String(format: "%.3f", x)
  }

  static func escape(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
  }

  /// Two overlaid bar charts: 20 equal-width bins of the real range, or the real categories.
  static func overlay(_ a: EvaluationTable.Column, _ b: EvaluationTable.Column) -> String {
    var labels: [String] = []
    var pa: [Double] = [], pb: [Double] = []
    switch (a, b) {
    case (.numeric(let x), .numeric(let y)):
      let fx = x.filter { !$0.isNaN }, fy = y.filter { !$0.isNaN }
      guard let lo = fx.min(), let hi = fx.max(), hi > lo else { return "" }
      func hist(_ v: [Double]) -> [Double] {
        var h = [Double](repeating: 0, count: 20)
        for value in v { h[min(max(Int((value - lo) / (hi - lo) * 20), 0), 19)] += 1 }
        return h.map { $0 / Double(max(v.count, 1)) }
      }
      pa = hist(fx)
      pb = hist(fy)
      labels = [String(format: "%g", lo), String(format: "%g", hi)]
    case (.categorical(let x), .categorical(let y)):
      var counts: [String: Double] = [:]
      for v in x { counts[v ?? "(missing)", default: 0] += 1 }
      let top = counts.sorted { $0.value > $1.value }.prefix(20).map(\.key)
      var cy: [String: Double] = [:]
      for v in y { cy[v ?? "(missing)", default: 0] += 1 }
      pa = top.map { counts[$0]! / Double(x.count) }
      pb = top.map { (cy[$0] ?? 0) / Double(max(y.count, 1)) }
      labels = [top.first ?? "", top.last ?? ""]
    default:
      return ""
    }
    let w = 260.0, h = 110.0
    let peak = max(pa.max() ?? 1, pb.max() ?? 1, 1e-9)
    let bw = w / Double(pa.count)
    var svg =
      "<svg width=\"\(Int(w))\" height=\"\(Int(h + 16))\" xmlns=\"http://www.w3.org/2000/svg\">"
    for (i, (va, vb)) in zip(pa, pb).enumerated() {
      let x = Double(i) * bw
      let ha = va / peak * h, hb = vb / peak * h
      svg += String(
        format:
          "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#4a7bd0\" opacity=\"0.6\"/>",
        x, h - ha, bw * 0.9, ha)
      svg += String(
        format:
          "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#f08a24\" opacity=\"0.55\"/>",
        x + bw * 0.2, h - hb, bw * 0.6, hb)
    }
    svg += "<text x=\"0\" y=\"\(Int(h + 13))\" font-size=\"10\">\(escape(labels[0]))</text>"
    svg +=
      "<text x=\"\(Int(w))\" y=\"\(Int(h + 13))\" font-size=\"10\" text-anchor=\"end\">\(escape(labels[1]))</text></svg>"
    return svg
  }

  static func heatMap(_ names: [String], _ pairs: [PairScore]) -> String {
    let cell = 34.0, left = 130.0, top = 10.0
    let n = names.count
    var svg =
      "<svg width=\"\(Int(left + cell * Double(n) + 10))\" height=\"\(Int(top + cell * Double(n) + 120))\" xmlns=\"http://www.w3.org/2000/svg\">"
    var index: [String: Int] = [:]
    for (i, name) in names.enumerated() { index[name] = i }
    for p in pairs {
      guard let i = index[p.first], let j = index[p.second] else { continue }
      for (r, c) in [(i, j), (j, i)] {
        let v = p.score.isNaN ? 0 : p.score
        let red = Int(255 * (1 - v)), green = Int(200 * v)
        svg += String(
          format:
            "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"rgb(%d,%d,80)\" stroke=\"%@\" stroke-width=\"%@\"><title>%@ × %@: %.3f</title></rect>",
          left + Double(c) * cell, top + Double(r) * cell, cell - 2, cell - 2, red, green,
          p.meetsThreshold ? "#000" : "none", p.meetsThreshold ? "2" : "0", escape(p.first),
          escape(p.second), v)
        svg += String(
          format:
            "<text x=\"%.0f\" y=\"%.0f\" font-size=\"9\" fill=\"#fff\" text-anchor=\"middle\">%.2f</text>",
          left + Double(c) * cell + cell / 2 - 1, top + Double(r) * cell + cell / 2 + 3, v)
      }
    }
    for (i, name) in names.enumerated() {
      svg += String(
        format: "<text x=\"%.0f\" y=\"%.0f\" font-size=\"11\" text-anchor=\"end\">%@</text>",
        left - 4, top + Double(i) * cell + cell / 2 + 4, escape(name))
      svg += String(
        format: "<text transform=\"translate(%.0f,%.0f) rotate(60)\" font-size=\"11\">%@</text>",
        left + Double(i) * cell + cell / 2, top + Double(n) * cell + 6, escape(name))
    }
    return svg + "</svg>"
  }

  static func lossCurve(_ history: [EpochRecord]) -> String {
    let w = 520.0, h = 180.0, pad = 40.0
    let train = history.map(\.trainingLoss)
    let validation = history.compactMap(\.validationLoss)
    func path(_ v: [Double]) -> (String, Double, Double) {
      guard let lo = v.min(), let hi = v.max() else { return ("", 0, 0) }
      let span = hi > lo ? hi - lo : 1
      let points = v.enumerated().map { i, y in
        String(
          format: "%.1f,%.1f", pad + Double(i) / Double(max(v.count - 1, 1)) * (w - 2 * pad),
          h - pad / 2 - (y - lo) / span * (h - pad))
      }
      return (points.joined(separator: " "), lo, hi)
    }
    let (tp, tlo, thi) = path(train)
    let (vp, vlo, vhi) = path(validation)
    var svg =
      "<svg width=\"\(Int(w))\" height=\"\(Int(h + 20))\" xmlns=\"http://www.w3.org/2000/svg\">"
    svg += "<polyline points=\"\(tp)\" fill=\"none\" stroke=\"#4a7bd0\" stroke-width=\"2\"/>"
    svg += "<polyline points=\"\(vp)\" fill=\"none\" stroke=\"#f08a24\" stroke-width=\"2\"/>"
    svg += String(
      format:
        "<text x=\"4\" y=\"%.0f\" font-size=\"11\" fill=\"#4a7bd0\">training loss (%.4g … %.4g)</text>",
      h + 14, tlo, thi)
    svg += String(
      format:
        "<text x=\"%.0f\" y=\"%.0f\" font-size=\"11\" fill=\"#f08a24\">validation sliced-W₂ (%.4g … %.4g), per epoch, each curve on its own scale</text>",
      230.0, h + 14, vlo, vhi)
    return svg + "</svg>"
  }
}
