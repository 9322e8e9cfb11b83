// `release` of a MERF release (Docs/merf.md): plan (the public feature map, the sensitivity and
// σ, all before any row is read), one pass over the rows (encode, random Fourier features, into
// the exact fixed-point sum of MERFMechanism), noise the sum once, write a file with no
// projections. The privacy-relevant steps (the enforced bound, the sum, calibration, noise,
// snapping) are calls into SliceGenPrivacy (MERFMechanism.swift); this file only moves data.

import Foundation
import SliceGenNumerics
import SliceGenPrivacy

extension Releaser {
  /// What a MERF release of `schema` with `options` spends and adds, from public facts alone
  /// (`release` before reading, `plan --mechanism merf`).
  public struct MERFPlan: Sendable {
    public var features: MERFFeatures
    /// F per class block, C classes or nil, the released vector's length.
    public var featureWidth: Int
    public var classes: [String]?
    public var dimension: Int
    public var l2Sensitivity: Double
    public var calibration: MERFCalibration
  }

  /// The plan of a MERF release (nothing is read). The seed only fixes Ω; the sensitivity and σ
  /// hold for every Ω (MERFMechanism enforces the bound on whatever features it receives).
  public static func merfPlan(schema: Schema, options: ReleaseOptions, delta: Double, seed: UInt64)
    throws -> MERFPlan
  {
    let encoding = Encoding(schema: schema)
    var classes: [String]? = nil
    if let target = schema.target {
      guard let block = encoding.blocks.first(where: { $0.name == target }),
        case .categorical(let categories, _) = block.kind
      else {
        throw ReleaseError(
          "--mechanism merf: the target \(target) is numeric; a class-conditional MERF release "
            + "needs a categorical target (or no target: remove \"target\" from the schema)")
      }
      classes = categories
    }
    let frequencies = options.merfFrequencies ?? MERFFeatures.defaultFrequencies
    let features = MERFFeatures(
      encoding: encoding, frequencies: frequencies, seed: seed,
      classConditional: classes != nil,
      lengthScale: options.merfLengthScale
        ?? MERFFeatures.lengthScale(encoding: encoding, classConditional: classes != nil))
    let mechanism = MERFMechanism(featureWidth: features.featureWidth, classes: classes?.count)
    let sensitivity = mechanism.l2Sensitivity(neighbors: options.neighbors)
    let calibration = try MERFCalibration.calibrate(
      epsilon: options.epsilon, delta: delta, l2Sensitivity: sensitivity,
      dimension: mechanism.dimension)
    return MERFPlan(
      features: features, featureWidth: features.featureWidth, classes: classes,
      dimension: mechanism.dimension, l2Sensitivity: sensitivity, calibration: calibration)
  }

  /// Reads `csvPath`, releases the noisy sum of its rows' embeddings, writes `outputPath`.
  static func releaseMERF(
    csvPath: String, schema: Schema, options: ReleaseOptions, outputPath: String,
    progress: (Int) -> Void
  ) throws -> ReleaseReport {
    let start = Date()
    var noise =
      options.insecureTestNoiseSeed.map(SecureNoise.insecureForTesting(seed:)) ?? SecureNoise()
    let seed = options.projectionSeed ?? noise.randomSeed()
    // With δ given, plan (and calibrate) before reading anything, so a refusal comes at once.
    let early = try options.delta.map {
      try merfPlan(schema: schema, options: options, delta: $0, seed: seed)
    }
    let encoding = Encoding(schema: schema)
    let d = encoding.width
    var reader = try CSVReader(path: csvPath)
    var encoder = try RowEncoder(encoding: encoding, header: reader.header, path: csvPath)
    let classConditional = schema.target != nil
    let features = MERFFeatures(
      encoding: encoding, frequencies: options.merfFrequencies ?? MERFFeatures.defaultFrequencies,
      seed: seed, classConditional: classConditional,
      lengthScale: options.merfLengthScale
        ?? MERFFeatures.lengthScale(encoding: encoding, classConditional: classConditional))
    var classCount: Int? = nil
    if classConditional, let block = features.labelBlock { classCount = block.width }
    var mechanism = MERFMechanism(
      featureWidth: features.featureWidth, classes: classCount,
      isPrivate: options.insecureTestNoiseSeed == nil)
    let chunkRows = 1024
    let frequencies = features.frequencies
    var chunk = [Float](repeating: 0, count: chunkRows * d)
    var arguments = [Float](repeating: 0, count: chunkRows * frequencies)
    var phi = [Double](repeating: 0, count: features.featureWidth)
    var filled = 0
    func flush() {
      guard filled > 0 else { return }
      chunk.withUnsafeBufferPointer { x in
        arguments.withUnsafeMutableBufferPointer { a in
          features.arguments(of: x.baseAddress!, rows: filled, into: a.baseAddress!)
          phi.withUnsafeMutableBufferPointer { p in
            for row in 0..<filled {
              let encoded = x.baseAddress! + row * d
              var zero = true
              for i in 0..<d where encoded[i] != 0 {
                zero = false
                break
              }
              features.features(arguments: a.baseAddress! + row * frequencies, into: p.baseAddress!)
              mechanism.add(
                features: UnsafeBufferPointer(p), label: features.label(of: encoded),
                isZeroRow: zero)
            }
          }
        }
      }
      filled = 0
    }
    try chunk.withUnsafeMutableBufferPointer { rowBuffer in
      let rows = rowBuffer.baseAddress!
      while try reader.withNextRawRecord({ record in
        try encoder.encode(record, into: rows + filled * d)
      }) != nil {
        filled += 1
        if filled == chunkRows {
          flush()
          progress(mechanism.rows)
        }
      }
    }
    flush()
    let n = mechanism.rows
    guard n > 0 else { throw ReleaseError("\(csvPath): the file has a header but no rows") }
    try options.validate(rows: n)
    let delta = options.delta ?? ReleaseOptions.defaultDelta(rows: n)
    let plan = try early ?? merfPlan(schema: schema, options: options, delta: delta, seed: seed)
    precondition(plan.dimension == mechanism.dimension)
    let sigma = plan.calibration.sigma
    let noisy = try mechanism.finish(sigma: sigma, noise: &noise)

    let component = ReleaseComponent(
      name: "merf", sigma: sigma, l2Sensitivity: plan.l2Sensitivity, share: 1, queries: 1)
    let privacy = ReleasePrivacy(
      epsilon: options.epsilon, delta: delta, neighbors: options.neighbors,
      accountant: .analyticGaussian,
      analysis: "DP-MERF: one Gaussian mechanism on the exact fixed-point sum of bounded "
        + "random-Fourier-feature embeddings (L2 sensitivity \(PrivacyText.g(plan.l2Sensitivity)) "
        + "under \(options.neighbors.rawValue), enforced per row), σ by the analytic Gaussian "
        + "mechanism",
      spectralNormBound: nil, subsampling: nil, components: [component],
      domainProtected: !schema.dataDerived, noiseIsPrivate: mechanism.isPrivate, statement: "",
      implementation: plan.calibration.margin)
    var header = ReleaseHeader(
      toolVersion: SliceGenVersion.current, method: .merf, schema: schema, rows: n,
      encodedWidth: d, slices: 0, sliceDim: 0, projections: 0, projectionSeed: String(seed),
      projectionSeedSource: options.projectionSeed == nil ? "secure" : "user", sigma: sigma,
      noiseScale: sigma, privacy: privacy, marginals: nil, projectionsOffset: 0, releaseOffset: 0)
    header.merf = ReleasedMERF(
      frequencies: frequencies, lengthScale: features.lengthScale,
      target: classConditional ? schema.target : nil, classes: plan.classes,
      fractionBits: MERFMechanism.fractionBits, featureBound: mechanism.featureBoundValue,
      labelValue: Double(mechanism.labelUnit) / Double(1 << MERFMechanism.fractionBits),
      l2Sensitivity: plan.l2Sensitivity, sigma: sigma, noisySum: noisy)
    header.privacy.statement = PrivacyText.statement(for: header, populationRows: n)
    header = try Release.write(header: header, projections: [], to: outputPath) { _ in }
    let names = encoding.blocks.map(\.name)
    return ReleaseReport(
      header: header, clamped: named(encoder.clampedCounts, names),
      catchAll: named(encoder.catchAllCounts, names), seconds: Date().timeIntervalSince(start))
  }
}
