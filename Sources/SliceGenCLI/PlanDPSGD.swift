// `slicegen plan --mechanism dp-sgd`: what DP-SGD (`train-dpsgd`) costs, from public numbers
// alone (no schema, no rows): ε after T steps at rate q and noise multiplier σ, or the σ an ε
// needs. The accountant is the RDP accountant of the sampled Gaussian mechanism
// (Sources/SliceGenPrivacy/SampledGaussianRDP.swift) with the improved RDP → (ε, δ) conversion
// (Balle et al. 2020) on the Opacus order grid, under zero-out (add/remove one row).
// `train-dpsgd` adds its implementation margin to this (Docs/dpsgd.md).

import Foundation
import SliceGen
import SliceGenPrivacy

extension PlanCommand {
  static func runDPSGD(_ arguments: Arguments) throws {
    let releaseOnly: [any OptionDeclaration] =
      Options.releaseOnly + Options.discoveryOnly + [Options.schema, Options.columns, Options.rows]
    if let given = releaseOnly.first(where: arguments.isGiven) {
      throw UsageError(
        message: "--\(given.info.name) does not apply with --mechanism dp-sgd (its plan needs "
          + "only --sample-rate, --steps, --delta and --noise-multiplier or --epsilon)")
    }
    let q = try arguments.required(Options.sampleRate, example: "--sample-rate 0.01")
    let steps = try arguments.required(Options.steps, example: "--steps 1000")
    let delta = try arguments.required(Options.delta, example: "--delta 1e-5")
    let sigmaGiven = arguments[Options.noiseMultiplier]
    let epsilonGiven = arguments[Options.epsilon]
    guard (sigmaGiven == nil) != (epsilonGiven == nil) else {
      throw UsageError(
        message: "--mechanism dp-sgd needs exactly one of --noise-multiplier (to get ε) and "
          + "--epsilon (to get σ)")
    }
    let sigma =
      try sigmaGiven
      ?? SampledGaussianRDP.noiseMultiplier(
        epsilon: epsilonGiven!, delta: delta, sampleRate: q, steps: steps)
    let accountant = try SampledGaussianRDP(sampleRate: q, noiseMultiplier: sigma)
    let improved = try accountant.epsilon(steps: steps, delta: delta, conversion: .improved)
    let classic = try accountant.epsilon(steps: steps, delta: delta, conversion: .classic)
    if arguments[Options.json] {
      let object: [String: JSONValue] = [
        "mechanism": .string(DPSGDTraining.mechanismName),
        "neighbors": .string(SampledGaussianRDP.relation.rawValue),
        "sampleRate": .number(q), "noiseMultiplier": .number(sigma),
        "steps": .number(Double(steps)), "delta": .number(delta),
        "epsilon": .number(improved.epsilon), "order": .number(improved.order ?? 0),
        "epsilonClassic": .number(classic.epsilon),
        "conversion": .string("improved"), "orderGrid": .string("opacus"),
      ]
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
      print(String(decoding: try encoder.encode(JSONValue.object(object)), as: UTF8.self))
      return
    }
    func order(_ o: Double?) -> String { o.map { " at order α = \($0)" } ?? "" }
    print(
      "DP-SGD plan (mechanism dp-sgd): q = \(q), σ = \(String(format: "%.6g", sigma))"
        + (sigmaGiven == nil ? " (smallest σ for ε = \(epsilonGiven!), rounded up)" : "")
        + ", T = \(steps) steps, δ = \(delta), zero-out (add/remove one row, n public).")
    print("")
    print(
      "  ε = \(String(format: "%.4f", improved.epsilon))\(order(improved.order))  "
        + "(RDP of the sampled Gaussian mechanism, improved conversion of Balle et al. 2020, "
        + "Opacus order grid)")
    print(
      "  ε = \(String(format: "%.4f", classic.epsilon))\(order(classic.order))  "
        + "(the classic conversion of Mironov 2017, for comparison)")
    print("")
    print(
      "train-dpsgd adds an implementation margin to this (the floating-point noise of T × "
        + "parameters values: Docs/dpsgd.md) and accounts q + 2^-53.")
  }
}
