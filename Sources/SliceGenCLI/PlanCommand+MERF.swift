// `slicegen plan --mechanism merf`: the σ a DP-MERF release would get (Docs/merf.md), from the
// schema, n, ε, δ and the relation; nothing is read.

import Foundation
import SliceGen

extension PlanCommand {
  static func runMERF(_ arguments: Arguments, schemaPath: String, rows n: Int, epsilon: Double)
    throws
  {
    if let given = (Options.releaseOnly + [Options.discoveryBudget, Options.target]).first(
      where: arguments.isGiven)
    {
      throw UsageError(
        message: "--\(given.info.name) does not apply to --mechanism merf (a MERF release has "
          + "no projections; it takes --features and --neighbors)")
    }
    var options = ReleaseOptions(epsilon: epsilon)
    options.marginals = .none
    options.neighbors = arguments[Options.neighbors] ?? .replaceOne
    options.merfFrequencies = arguments[Options.features] ?? MERFFeatures.defaultFrequencies
    let delta = arguments[Options.delta] ?? ReleaseOptions.defaultDelta(rows: max(n, 1))
    options.delta = delta
    try options.validate()
    try options.validate(rows: n)
    let schema = try Schema(contentsOf: schemaPath)
    // The seed fixes Ω only; σ does not depend on it.
    let plan = try Releaser.merfPlan(schema: schema, options: options, delta: delta, seed: 0)
    let sigma = plan.calibration.sigma
    // The fit's target is the noisy mean: noise σ/n per value, against values of size ~1/√(2D').
    let meanNoise = sigma / Double(n)
    if arguments[Options.json] {
      let object: [String: JSONValue] = [
        "mechanism": .string(ReleaseMethod.merf.rawValue), "rows": .number(Double(n)),
        "epsilon": .number(epsilon), "delta": .number(delta),
        "neighbors": .string(options.neighbors.rawValue),
        "frequencies": .number(Double(plan.features.frequencies)),
        "lengthScale": .number(plan.features.lengthScale),
        "classes": .number(Double(plan.classes?.count ?? 0)),
        "dimension": .number(Double(plan.dimension)),
        "l2Sensitivity": .number(plan.l2Sensitivity), "sigma": .number(sigma),
        "meanNoise": .number(meanNoise),
        "implementationEpsilon": .number(plan.calibration.margin.epsilon),
      ]
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
      print(String(decoding: try encoder.encode(JSONValue.object(object)), as: UTF8.self))
      return
    }
    func g(_ x: Double) -> String { String(format: "%.5g", x) }
    print(
      "Plan: DP-MERF (--mechanism merf), n = \(n) rows, (ε, δ) = (\(epsilon), \(delta)), "
        + "\(options.neighbors.rawValue)")
    print(
      "  features      \(plan.features.frequencies) frequencies (\(plan.featureWidth) features), "
        + "length scale ℓ = \(g(plan.features.lengthScale)), "
        + (plan.classes.map { "class-conditional on \(schema.target ?? "") (\($0.count) classes)" }
          ?? "not class-conditional") + ": \(plan.dimension) noisy values")
    print("  sensitivity   \(g(plan.l2Sensitivity)) (L2, of the sum of embeddings)")
    print("  σ             \(g(sigma)) per value of the sum (analytic Gaussian)")
    print("  mean noise    σ/n = \(g(meanNoise)) per value of the mean embedding")
    print(
      "  floating point  ε + \(String(format: "%.3g", plan.calibration.margin.epsilon)) over "
        + "\(plan.dimension) values (inside ε)")
  }
}
