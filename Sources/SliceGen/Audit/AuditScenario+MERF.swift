// The audit of a MERF release (Docs/audit.md, Docs/merf.md): σ from the same
// `Releaser.merfPlan` a release uses (MERFCalibration, the analytic Gaussian σ for the enforced
// sensitivity), one canary row through the real feature map (MERFFeatures, Ω from a fresh secure
// seed per trial) and the real mechanism (MERFMechanism: the enforced bound, the exact sum, the
// secure snapped noise).
//
// Worst-case neighbours. The table's schema: d − 2 numeric columns and a two-class categorical
// target, so the release is class-conditional. zero-out: D = {(v, class 0)}, D' = {the all-zero
// encoded row}, whose embedding is zero: the sum moves by ‖ψ(x)‖ = 1, the sensitivity.
// replace-one: D = {(v, class 0)}, D' = {(v, class 1)}: the two embeddings sit in disjoint blocks,
// so the sum moves by √(‖ψ‖² + ‖ψ'‖²) = √2, the sensitivity again. Both are attained for every Ω,
// so the audit is as tight as the calibration. Score: the Gaussian privacy loss
// (⟨o − a, Δ⟩ − ‖Δ‖²/2)/σ², a and b the exact sums under D and D' (the mechanism's own), Δ = b − a.

import Foundation
import SliceGenNumerics
import SliceGenPrivacy

extension AuditScenario {
  /// The canary table's schema: `width` − 2 numeric columns in [0, 1] and a two-class target.
  static func merfSchema(width d: Int) throws -> Schema {
    var columns = (0..<max(1, d - 2)).map {
      SchemaColumn(name: "x\($0)", domain: .numeric(lower: 0, upper: 1, integer: false))
    }
    columns.append(
      SchemaColumn(name: "y", domain: .categorical(categories: ["a", "b"], catchAll: nil)))
    return try Schema(columns: columns, missingTokens: [""], target: "y")
  }

  /// MERF: σ as `release --mechanism merf` calibrates it, one canary row per trial.
  static func merf(_ settings: AuditSettings, _ variant: BrokenVariant?) throws -> Built {
    let schema = try merfSchema(width: settings.encodedWidth)
    let encoding = Encoding(schema: schema)
    var options = ReleaseOptions(epsilon: settings.epsilon)
    options.delta = settings.delta
    options.neighbors = settings.neighbors
    options.marginals = .none
    options.merfFrequencies = settings.merfFrequencies
    let plan = try Releaser.merfPlan(
      schema: schema, options: options, delta: settings.delta, seed: 0)
    let sigma = plan.calibration.sigma * (variant?.countSigmaFactor ?? 1)
    let d = encoding.width
    let label = encoding.blocks.last!
    // The canary's features: every numeric entry at its block's full scale (a unit row in the
    // numeric part), then its class's one-hot.
    var x = [Float](repeating: 0, count: d)
    for block in encoding.blocks.dropLast() { x[block.offset] = block.scale }
    var xPrime = x
    x[label.offset] = label.scale
    if settings.neighbors == .replaceOne {
      xPrime[label.offset + 1] = label.scale
    } else {
      xPrime = [Float](repeating: 0, count: d)
    }
    let frequencies = settings.merfFrequencies
    let (canary, replacement) = (x, xPrime)
    let trial: @Sendable (Bool) -> Double = { neighbour in
      var noise = SecureNoise()
      let features = MERFFeatures(
        encoding: encoding, frequencies: frequencies, seed: noise.randomSeed(),
        classConditional: true,
        lengthScale: MERFFeatures.lengthScale(encoding: encoding, classConditional: true))
      func mechanism(_ row: [Float]) -> MERFMechanism {
        var m = MERFMechanism(featureWidth: features.featureWidth, classes: 2)
        var a = [Float](repeating: 0, count: frequencies)
        var phi = [Double](repeating: 0, count: features.featureWidth)
        row.withUnsafeBufferPointer { r in
          a.withUnsafeMutableBufferPointer {
            features.arguments(of: r.baseAddress!, rows: 1, into: $0.baseAddress!)
          }
          a.withUnsafeBufferPointer { aa in
            phi.withUnsafeMutableBufferPointer {
              features.features(arguments: aa.baseAddress!, into: $0.baseAddress!)
            }
          }
          phi.withUnsafeBufferPointer {
            m.add(
              features: $0, label: features.label(of: r.baseAddress!),
              isZeroRow: row.allSatisfy { $0 == 0 })
          }
        }
        return m
      }
      let a = mechanism(canary).exactSum
      let b = mechanism(replacement).exactSum
      var released = mechanism(neighbour ? replacement : canary)
      guard let o = try? released.finish(sigma: sigma, noise: &noise) else { return 0 }
      var inner = 0.0, shiftSquared = 0.0
      for j in o.indices {
        let shift = b[j] - a[j]
        inner += (o[j] - a[j]) * shift
        shiftSquared += shift * shift
      }
      return (inner - shiftSquared / 2) / (sigma * sigma)
    }
    // The exact ε: a Gaussian mechanism of μ = Δ/σ, the enforced sensitivity being attained by
    // the canary pair for every Ω (header).
    let exact = gaussianEpsilon(mu: plan.calibration.l2Sensitivity / sigma, delta: settings.delta)
    return (sigma, [], exact, trial)
  }
}
