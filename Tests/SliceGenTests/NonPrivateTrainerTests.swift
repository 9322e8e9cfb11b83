// Tests of `train-nonprivate` as a library call (NonPrivateTrainer.swift) and of the NOT PRIVATE
// marker in the model file (ModelFile.swift, FormatVersions.swift): the marker survives a round
// trip, files without it read as private models, a header with neither or both is refused,
// training lowers the loss and the regularisation lowers its term, bad input leaves no file.

import Foundation
import Testing

@testable import SliceGen

@Suite("non-private training")
struct NonPrivateTrainerTests {
  /// 240 rows of the mixed schema with a relation between age and colour.
  static let table: String = {
    var rng = TestRNG(seed: 11)
    var lines = ["age,income,colour,city,id"]
    for _ in 0..<240 {
      let colour = ["red", "green", "blue"][Int.random(in: 0..<3, using: &rng)]
      let age = (colour == "red" ? 25 : 60) + Int.random(in: -8...8, using: &rng)
      let income = Bool.random(using: &rng) ? "NA" : "\(Int.random(in: 0..<90_000, using: &rng))"
      let city = ["A", "B", ""][Int.random(in: 0..<3, using: &rng)]
      lines.append("\(age),\(income),\(colour),\(city),0.5")
    }
    return lines.joined(separator: "\n") + "\n"
  }()

  static func options(epochs: Int = 6, regularisation: LossRegularisation = .none)
    -> NonPrivateOptions
  {
    var options = NonPrivateOptions()
    options.fit.epochs = epochs
    options.fit.batch = 40
    options.fit.latent = 4
    options.fit.hidden = [24]
    options.fit.learningRate = 0.01
    options.slices = 8
    options.regularisation = regularisation
    options.regularisationWeight = 0.05
    return options
  }

  static func train(_ options: NonPrivateOptions) throws -> (Model, String) {
    let csv = TestPaths.write(table)
    let path = TestPaths.temporary("np.slgm")
    let model = try NonPrivateTrainer.train(
      csvPath: csv, schema: try mixedSchema(), options: options, outputPath: path)
    return (model, path)
  }

  @Test("the model says NOT PRIVATE, has no release, is format 3 and survives a round trip")
  func marker() throws {
    let (model, path) = try Self.train(Self.options(epochs: 1))
    #expect(model.header.release == nil)
    #expect(model.header.nonPrivate?.statement == "NOT PRIVATE: no differential-privacy guarantee")
    #expect(model.header.nonPrivate?.rows == 240)
    #expect(model.header.formatVersion == 3 && FormatVersions.model >= 3)
    let read = try Model(contentsOf: path)
    #expect(read.header == model.header)
    #expect(read.parameters == model.parameters)
    let text = ModelSummary(header: read.header).text(path: path)
    #expect(text.contains("NOT PRIVATE: no differential-privacy guarantee"))
    for word in ["ε", "epsilon", "δ"] { #expect(!text.contains(word)) }
    let json = try ModelSummary(header: read.header).jsonText()
    #expect(json.contains("\"private\" : false") && !json.contains("epsilon"))
  }

  @Test("a DP model (no nonPrivate key, as every file before version 3) reads as private")
  func oldFilesArePrivate() throws {
    let release = try TestPaths.adultRelease(marginals: .none)
    var fit = FitOptions()
    fit.epochs = 1
    fit.latent = 4
    fit.hidden = [8]
    let path = TestPaths.temporary("dp.slgm")
    _ = try Trainer.fit(release: release, options: fit, outputPath: path)
    let bytes = try String(decoding: Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
    #expect(!bytes.contains("nonPrivate"))
    let read = try Model(contentsOf: path)
    #expect(read.header.formatVersion == 1)
    #expect(read.header.release != nil && read.header.nonPrivate == nil)
    #expect(ModelSummary(header: read.header).text(path: path).contains("ε"))
    // A header cannot carry a release and the marker at once.
    var both = try Self.train(Self.options(epochs: 1)).0.header
    both.release = read.header.release
    #expect(both.problem()?.contains("both a release and") == true)
  }

  @Test("a header without the marker or the release, a reworded marker or version 2 is refused")
  func markerChecked() throws {
    let (_, path) = try Self.train(Self.options(epochs: 1))
    let cases: [(String, (inout [String: Any]) -> Void)] = [
      ("neither a release nor", { $0["nonPrivate"] = nil }),
      ("must read", { $0.set("nonPrivate.statement", "private enough") }),
      ("format version 3", { $0["formatVersion"] = 2 }),
    ]
    for (expected, edit) in cases {
      let edited = try rewritingHeader(of: path, edit)
      do {
        _ = try Model(contentsOf: edited)
        Issue.record("loaded a model with \(expected)")
      } catch let error as ModelFileError {
        #expect(error.reason.contains(expected), "\(error)")
      }
    }
  }

  @Test("training lowers the loss; the regularisation lowers its own term")
  func training() throws {
    let (plain, _) = try Self.train(Self.options(epochs: 8))
    let history = plain.header.history.map(\.trainingLoss)
    #expect(history.count == 8 && history.allSatisfy(\.isFinite))
    #expect(history.last! < 0.8 * history.first!, "\(history)")
    let (regularised, _) = try Self.train(
      Self.options(epochs: 8, regularisation: .proportionalNoise))
    #expect(regularised.header.nonPrivate?.regularisation == .proportionalNoise)
    // R of both models on the same fixed latents: the regularised one keeps it smaller.
    func r(_ model: Model) throws -> Double {
      var net = try MLPGenerator(
        architecture: model.header.architecture, parameters: model.parameters)
      var rng = TestRNG(seed: 3)
      let z = net.sampleLatents(count: 256, using: &rng)
      let cache = z.withUnsafeBufferPointer { net.forward(latents: $0.baseAddress!, batch: 256) }
      net.zeroGradients()
      return net.addProportionalNoisePenalty(cache, weight: 1)
    }
    let (withTerm, without) = (try r(regularised), try r(plain))
    #expect(withTerm < 0.8 * without, "\(withTerm) against \(without)")
  }

  @Test("a missing table, too few rows or a bad option throw with the evidence and write nothing")
  func badInput() throws {
    let path = TestPaths.temporary("never.slgm")
    let schema = try mixedSchema()
    #expect(throws: CSVError.self) {
      try NonPrivateTrainer.train(
        csvPath: "/nonexistent/private.csv", schema: schema, options: Self.options(),
        outputPath: path)
    }
    let short = TestPaths.write("age,income,colour,city,id\n30,1,red,A,0\n")
    do {
      _ = try NonPrivateTrainer.train(
        csvPath: short, schema: schema, options: Self.options(), outputPath: path)
      Issue.record("trained on one row")
    } catch let error as NonPrivateTrainingError {
      #expect(error.message.contains(short) && error.message.contains("1 rows"))
    }
    var options = Self.options()
    options.regularisationWeight = -.infinity
    #expect(throws: OptionError.self) {
      try NonPrivateTrainer.train(
        csvPath: TestPaths.write(Self.table), schema: schema, options: options, outputPath: path)
    }
    #expect(!FileManager.default.fileExists(atPath: path))
    #expect(
      try FileManager.default.contentsOfDirectory(
        atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path
      ).isEmpty)
  }
}
