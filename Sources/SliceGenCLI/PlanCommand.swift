// `slicegen plan`: what a release would look like, before spending anything. Reads only the
// schema (public) and the numbers the user types.

import Foundation
import SliceGen

enum PlanCommand: Command {
  static let spec = CommandSpec(
    name: "plan",
    abstract: "Show the noise a release would get, for each accountant (reads no data).",
    options: [
      OptionSpec(name: "schema", valueName: "path", help: "The table's schema. Required."),
      OptionSpec(name: "rows", valueName: "n", help: "The number of rows (public). Required."),
      OptionSpec(name: "epsilon", valueName: "ε", help: "Privacy parameter ε > 0. Required."),
      OptionSpec(name: "delta", valueName: "δ", help: "Privacy parameter δ, below 1/n.",
                 defaultText: "the largest power of ten at most 1/(10n)"),
      OptionSpec(name: "slices", valueName: "m", help: "Number of slices m.", defaultText: "100"),
      OptionSpec(name: "slice-dim", valueName: "k", help: "Dimension k of each slice.",
                 defaultText: "2"),
      OptionSpec(name: "subsample", valueName: "q", help: "Poisson subsampling rate q in (0, 1)."),
      OptionSpec(name: "json", valueName: nil, help: "Print one JSON object."),
    ],
    discussion: """
      The noise-to-signal ratio of one projection of one row x is σ/(‖x‖/√d) = s/‖x‖ (U has
      N(0, 1/d) entries); shown for a row of norm 1 (the largest possible) and for the schema's
      "middle" row (numeric columns at the centre of their range). A mean over n rows has noise
      σ/√n per projection.
      """)

  static func run(_ arguments: Arguments) throws {
    guard let schemaPath = arguments.string("schema") else {
      throw UsageError(message: "--schema is required")
    }
    guard let n = try arguments.int("rows", range: 1...Int.max) else {
      throw UsageError(message: "--rows is required")
    }
    guard let epsilon = try arguments.double("epsilon") else {
      throw UsageError(message: "--epsilon is required")
    }
    let m = try arguments.int("slices", range: 1...100_000) ?? 100
    let k = try arguments.int("slice-dim", range: 1...10_000) ?? 2
    let q = try arguments.double("subsample")
    if let q, !(q > 0 && q < 1) { throw UsageError(message: "--subsample is \(q), must be in (0, 1)") }
    let delta = try arguments.double("delta") ?? ReleaseOptions.defaultDelta(rows: n)
    do {
      try PrivacyValidation.epsilon(epsilon)
      try PrivacyValidation.delta(delta)
    } catch let error as PrivacyParameterError {
      throw UsageError(message: error.description)
    }
    guard delta < 1 / Double(n) else {
      throw UsageError(message: "--delta is \(delta), must be below 1/n = \(1 / Double(n))")
    }
    let schema = try Schema(contentsOf: schemaPath)
    let encoding = Encoding(schema: schema)
    let d = encoding.width
    guard k <= d else { throw UsageError(message: "--slice-dim is \(k), must be at most d = \(d)") }
    let middleNorm = encoding.middleRowNorm

    var rows: [(String, ReleaseCalibration)] = []
    for accountant in [SlicingAccountantKind.profile, .theorem1] {
      rows.append((accountant.rawValue, try ReleaseCalibration.calibrate(
        epsilon: epsilon, delta: delta, slices: m, sliceDim: k, encodedWidth: d,
        accountant: accountant, neighbors: .replaceOne, subsampling: q, fixedDirections: nil)))
    }
    // The default release: projections plus `--marginals auto`, as `release` would calibrate it
    // (subsampling refuses the default, so with --subsample only the paper's mechanism is shown).
    var rounds: [(name: String, queries: Int, sigma: Double)] = []
    var mode = ""
    if q == nil {
      var options = ReleaseOptions(epsilon: epsilon)
      options.slices = m
      options.sliceDim = k
      let planned = try Releaser.plan(schema: schema, options: options, rows: n, delta: delta)
      rows.insert(("default", planned.calibration), at: 0)
      rounds = planned.rounds
      mode = planned.marginals.selectionMode ?? "fixed tables"
    }
    // A user-fixed projection seed: the same computation the release would do, on a typical U.
    let u = SlicingMechanism.directions(encodedWidth: d, projectionCount: m * k, seed: 1)
    rows.append(("fixed seed", try ReleaseCalibration.calibrate(
      epsilon: epsilon, delta: delta, slices: m, sliceDim: k, encodedWidth: d,
      accountant: .profile, neighbors: .replaceOne, subsampling: q, fixedDirections: u)))

    if arguments.flag("json") {
      var object: [String: JSONValue] = [
        "rows": .number(Double(n)), "epsilon": .number(epsilon), "delta": .number(delta),
        "encodedWidth": .number(Double(d)), "slices": .number(Double(m)),
        "sliceDim": .number(Double(k)), "middleRowNorm": .number(middleNorm),
      ]
      for (name, c) in rows {
        let s = c.sigma * Double(d).squareRoot()
        object[name] = .object([
          "sigma": .number(c.sigma), "noiseScale": .number(s),
          "noiseToSignalUnitRow": .number(s), "noiseToSignalMiddleRow": .number(s / middleNorm),
          "meanNoise": .number(c.sigma / Double(n).squareRoot()),
        ])
      }
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
      print(String(decoding: try encoder.encode(JSONValue.object(object)), as: UTF8.self))
      return
    }
    print("Plan: n = \(n) rows, d = \(d), m = \(m) slices × k = \(k) (m' = \(m * k)), "
      + "(ε, δ) = (\(epsilon), \(delta)), replace-one\(q.map { ", subsampling q = \($0)" } ?? "")")
    print("")
    print("  analysis       σ           s = σ√d     noise/signal (‖x‖=1)  (middle row)  mean noise σ/√n")
    for (name, c) in rows {
      let s = c.sigma * Double(d).squareRoot()
      print("  " + name.padding(toLength: 13, withPad: " ", startingAt: 0)
        + String(format: "  %-10.5g  %-10.5g  %-20.4g  %-12.4g  %.3g", c.sigma, s, s, s / middleNorm,
                 c.sigma / Double(n).squareRoot()))
    }
    for round in rounds {
      print("    marginals: " + String(format: "σ = %-10.5g", round.sigma)
        + " \(round.name) (\(round.queries) vector\(round.queries == 1 ? "" : "s"), \(mode))")
    }
    print("")
    print((rounds.isEmpty ? "" : "default is what `release` does: the projections with Gaussian "
      + "noisy marginals (--marginals auto), the rounds' σ below it; ")
      + "profile and theorem1 are the paper's mechanism alone (--marginals none) under the exact "
      + "χ²-mixture profile over a random U and the paper's bound; 'fixed seed' is what "
      + "--projection-seed costs (U known in advance).")
  }
}
