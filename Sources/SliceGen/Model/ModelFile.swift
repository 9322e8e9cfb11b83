// The model file (`.slgm`, Docs/model-format.md): a trained generator, the schema it decodes to,
// the privacy statement of the release it was trained on (a model inherits exactly that
// guarantee: training is post-processing), the training settings and history, and the state
// needed to resume. Same container as a release: magic, header length, JSON header, float32
// payload, SHA-256 trailer; written atomically, verified on load.
//
// A model trained directly on private rows (`slicegen train-nonprivate`) has no release: its
// header carries `nonPrivate` (NOT PRIVATE, NonPrivateTraining.swift) in place of `release`, and
// a header must hold exactly one of the two, so no reader can take one for the other.

import Foundation

/// Which release a model was trained on.
public struct ReleaseReference: Codable, Equatable, Sendable {
  /// The release file's own SHA-256 trailer, hex: identifies the exact release.
  public var checksum: String
  public var method: ReleaseMethod
  public var rows: Int
  public var privacy: ReleasePrivacy
}

/// One epoch of training.
public struct EpochRecord: Codable, Equatable, Sendable {
  public var epoch: Int
  public var steps: Int
  public var trainingLoss: Double
  public var validationLoss: Double?
  /// Combined releases: the mean total variation distance between the generator's expected
  /// marginals on a fixed batch of fresh latents and the released marginals (the criterion
  /// `--keep best` uses for them); nil for a release without marginals.
  public var marginalFit: Double? = nil
  public var seconds: Double
}

/// The header of a model file.
public struct ModelHeader: Codable, Equatable, Sendable {
  public static let formatName = "slicegen-model"
  /// The format version (FormatVersions.swift).
  public static let currentVersion = FormatVersions.model

  public var format = ModelHeader.formatName
  public var formatVersion = ModelHeader.currentVersion
  public var toolVersion: String
  /// The release a DP model was trained on; nil exactly when `nonPrivate` is set.
  public var release: ReleaseReference?
  /// Set, in place of `release`, on a model trained directly on private rows with no
  /// differential privacy (`slicegen train-nonprivate`, format version 3).
  public var nonPrivate: NonPrivateTraining? = nil
  /// Set, in place of `release`, on a model trained by DP-SGD directly on private rows
  /// (`slicegen train-dpsgd`, DPSGDTraining.swift, format version 4): its own (ε, δ).
  public var dpsgd: DPSGDTraining? = nil
  public var schema: Schema
  public var architecture: GeneratorArchitecture
  public var training: FitOptions
  public var history: [EpochRecord]
  /// The epoch whose parameters are stored as the model (the last, or the best validation loss:
  /// `training.keep`).
  public var bestEpoch: Int
  public var parameterCount: Int
  /// Adam's step count at the end of the last epoch (resume continues from there).
  public var optimizerSteps: Int
  /// Public bins of the kept columns when numeric columns have binned heads (marginal mode).
  public var bins: [ColumnBins]?
  /// Set when the model samples from the maximum-entropy forest of the release's marginals
  /// (`fit --sampler forest`, MarginalForest.swift) instead of its generator: those marginals,
  /// as released (format version 2).
  public var forest: [ReleasedMarginal]? = nil
}

/// A trained generator with its provenance.
public struct Model: Sendable {
  public var header: ModelHeader
  /// The kept parameters (best validation epoch).
  public var parameters: [Float]
  /// The state at the end of the last epoch, for `--resume`: parameters and Adam's moments.
  public var lastParameters: [Float]
  public var adamFirstMoment: [Float]
  public var adamSecondMoment: [Float]
  /// The file it was read from (nil when trained in memory): outputs must not replace it.
  public var path: String? = nil
}

/// A model file that cannot be read.
public struct ModelFileError: Error, CustomStringConvertible, Equatable {
  public var path: String
  public var reason: String
  public var description: String { "\(path): \(reason)" }
}

extension ModelHeader {
  /// Why the header cannot describe a model, or nil: a generator whose layer widths are positive
  /// and whose parameter count (computed without overflow) is `parameterCount`, with one output
  /// block per kept column of the schema, of that column's encoded width.
  func problem() -> String? {
    let a = architecture
    guard parameterCount >= 0 else { return "parameterCount is \(parameterCount)" }
    guard a.latent >= 1, a.hidden.allSatisfy({ $0 >= 1 }) else {
      return "layer widths latent \(a.latent), hidden \(a.hidden) must be at least 1"
    }
    var logits = 0
    for block in a.blocks {
      switch block {
      case .numeric, .nullableNumeric: logits += block.logitCount
      case .categorical(let count, _):
        guard count >= 1, count <= 1 << 24 else { return "a categorical head of \(count) logits" }
        logits += count
      case .binned(let centers, let missing, _):
        guard !centers.isEmpty else { return "a binned head without bins" }
        logits += centers.count + (missing ? 1 : 0)
      }
    }
    var widths = [a.latent] + a.hidden + [logits]
    if let condition = a.condition {
      if let problem = condition.problem(blocks: a.blocks, latent: a.latent) { return problem }
      widths = [condition.inputWidth(latent: a.latent)] + a.hidden + [logits - condition.count]
      guard formatVersion >= 4 else {
        return "a class-conditional model needs format version 4 or later (this says "
          + "\(formatVersion))"
      }
    }
    if let upsampling = a.upsampling {
      guard a.condition != nil else { return "upsampling needs a class-conditional generator" }
      if let problem = upsampling.problem(logits: widths[widths.count - 1]) { return problem }
      guard formatVersion >= 8 else {
        return "a transposed-convolution model needs format version 8 or later (this says "
          + "\(formatVersion))"
      }
      widths[widths.count - 1] = upsampling.inputWidth
    }
    var count: Int? = 0
    for (input, output) in zip(widths, widths.dropFirst()) {
      count = CheckedSize.sum(count, CheckedSize.product(input, output), output)
    }
    count = CheckedSize.sum(count, a.upsampling?.parameterCount ?? 0)
    guard count == parameterCount else {
      return "parameterCount is \(parameterCount), the architecture has "
        + (count.map(String.init) ?? "more than any file can hold")
    }
    let encoding = Encoding(schema: schema)
    guard a.blocks.count == encoding.blocks.count,
      zip(a.blocks, encoding.blocks).allSatisfy({ $0.width == $1.width })
    else { return "the generator's output blocks do not match the schema's columns" }
    if let bins, bins.count != a.blocks.count {
      return "\(bins.count) binned columns for \(a.blocks.count) output blocks"
    }
    if let dpsgd {
      guard release == nil, nonPrivate == nil else {
        return "a DP-SGD model (dpsgd) has no release and no NOT PRIVATE marker"
      }
      guard dpsgd.mechanism == DPSGDTraining.mechanismName, dpsgd.neighbors == .zeroOut else {
        return "dpsgd must state mechanism \"dp-sgd\" under zero-out"
      }
      guard formatVersion >= 5 else {
        return "a DP-SGD model needs format version 5 or later (this says \(formatVersion))"
      }
      guard forest == nil else { return "a DP-SGD model has no release marginals to sample" }
    }
    switch (release, nonPrivate) {
    case (nil, nil) where dpsgd != nil: break
    case (nil, nil): return "neither a release nor the NOT PRIVATE marker (nonPrivate)"
    case (.some, .some): return "both a release and the NOT PRIVATE marker (nonPrivate)"
    case (nil, .some(let marker)):
      guard marker.statement == NonPrivateTraining.statement else {
        return "nonPrivate.statement must read \"\(NonPrivateTraining.statement)\""
      }
      guard formatVersion >= 3 else {
        return "a NOT PRIVATE model needs format version 3 or later (this says \(formatVersion))"
      }
      guard forest == nil else { return "a NOT PRIVATE model has no release marginals to sample" }
    case (.some, nil): break
    }
    guard bestEpoch >= 0, optimizerSteps >= 0 else {
      return "bestEpoch \(bestEpoch) and optimizerSteps \(optimizerSteps) must be at least 0"
    }
    if let forest {
      guard bins != nil else { return "a forest model without the columns' bins" }
      let kept = schema.keptColumns.map(\.name)
      if let why = ReleasedMarginal.problem(forest, keptColumns: kept) { return "forest: " + why }
      // The sampler draws from these: every one a probability.
      for m in forest where !m.probabilities.allSatisfy({ $0.isFinite && $0 >= 0 }) {
        return "forest: marginal \(m.columns.joined(separator: "×")) has a probability that is "
          + "negative or not finite"
      }
      for m in forest
      where zip(m.columns, m.bins).contains(where: { bins![kept.firstIndex(of: $0)!] != $1 }) {
        return
          "forest: marginal \(m.columns.joined(separator: "×")) has bins other than the model's"
      }
    }
    return nil
  }
}

extension Model {
  static let magic = Array("SLICEGNM".utf8)

  /// Writes the model atomically.
  public func write(to path: String) throws {
    let p = header.parameterCount
    precondition(parameters.count == p && lastParameters.count == p)
    precondition(adamFirstMoment.count == p && adamSecondMoment.count == p)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
    var json = Array(try encoder.encode(header))
    json.append(0x0A)
    let padded = (16 + json.count + 63) / 64 * 64 - 16
    json += [UInt8](repeating: 0x20, count: padded - json.count)
    let file = try AtomicOutputFile(path: path, hashing: true)
    try file.write(Self.magic)
    var length = UInt64(json.count).littleEndian
    try withUnsafeBytes(of: &length) { try file.write($0) }
    try file.write(json)
    for buffer in [parameters, lastParameters, adamFirstMoment, adamSecondMoment] {
      try buffer.withUnsafeBufferPointer { try file.write(floats: $0) }
    }
    try file.write(file.digest())
    try file.commit()
  }

  /// Reads and verifies a model file.
  public init(contentsOf path: String) throws {
    func fail(_ reason: String) -> ModelFileError { ModelFileError(path: path, reason: reason) }
    guard FileManager.default.fileExists(atPath: path) else { throw fail("no such file") }
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      throw fail("cannot read (\(error.localizedDescription))")
    }
    let bytes = [UInt8](data)
    guard bytes.count >= 48, Array(bytes[0..<8]) == Self.magic else {
      if bytes.count >= 8, Array(bytes[0..<8]) == Array("SLICEGEN".utf8) {
        throw fail("this is a release file, not a model (train one with 'slicegen fit')")
      }
      throw fail("not a slicegen model file (bad magic)")
    }
    // The length field is checked against the file's size before anything else is done with it.
    let field = bytes[8..<16].enumerated().reduce(UInt64(0)) {
      $0 | UInt64($1.element) << (8 * UInt64($1.offset))
    }
    let length = try CheckedSize.headerLength(field, fileSize: bytes.count, fail: fail)
    // Check the version before the checksum so an old file gets the right message.
    let headerData = Data(bytes[16..<(16 + length)])
    if let object = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any],
      let version = object["formatVersion"] as? Int,
      !FormatVersions.readableModels.contains(version)
    {
      let readable = FormatVersions.readableModels
      throw fail(
        "model format version \(version); this slicegen (\(SliceGenVersion.current)) "
          + "reads versions \(readable.lowerBound) to \(readable.upperBound): retrain with "
          + "'slicegen fit'")
    }
    var hasher = SHA256()
    bytes.withUnsafeBytes {
      hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<(bytes.count - 32)]))
    }
    guard hasher.finalize() == Array(bytes[(bytes.count - 32)...]) else {
      throw fail("checksum mismatch: the file is corrupted or truncated")
    }
    let header: ModelHeader
    do {
      header = try JSONDecoder().decode(ModelHeader.self, from: headerData)
    } catch {
      throw fail("the header is not a valid model header (\(error))")
    }
    if let why = header.problem() { throw fail("inconsistent header: " + why) }
    let p = header.parameterCount
    // Checked: p comes from the file (a crafted header can make 16·p overflow).
    guard let expected = CheckedSize.sum(16, length, CheckedSize.product(16, p), 32),
      bytes.count == expected
    else {
      throw fail(
        "inconsistent sizes: parameterCount \(p) needs 16 + \(length) + 16 × \(p) + 32 "
          + "bytes, the file has \(bytes.count)")
    }
    var buffers: [[Float]] = []
    bytes.withUnsafeBytes { raw in
      for index in 0..<4 {
        let offset = 16 + length + 4 * p * index
        buffers.append(
          (0..<p).map {
            Float(
              bitPattern: UInt32(
                littleEndian: raw.loadUnaligned(fromByteOffset: offset + 4 * $0, as: UInt32.self)))
          })
      }
    }
    self.init(
      header: header, parameters: buffers[0], lastParameters: buffers[1],
      adamFirstMoment: buffers[2], adamSecondMoment: buffers[3])
    self.path = path
  }
}
