// The fit options added for the combined release: the marginal term on its own batch, the
// kernel term's weight (0: marginals alone), which epoch is kept, and model files written before
// these options existed.

import Foundation
import Testing

@testable import SliceGen

@Suite("Fit options")
struct FitOptionsTests {
  /// A 1,500-row table whose category `city` is skewed (80 % A) and tied to age, released with
  /// all marginals at a large ε (reproducible test noise).
  func marginalRelease() throws -> Release {
    let schema = try mixedSchema()
    var rng = TestRNG(seed: 9)
    var text = "age,income,colour,city,id\n"
    for _ in 0..<1500 {
      let age = Int.random(in: 17...90, using: &rng)
      let city = Double.random(in: 0..<1, using: &rng) < 0.8 ? "A" : "B"
      text +=
        "\(age),\(Int.random(in: 0...100000, using: &rng)),"
        + "\(["red", "green", "blue"].randomElement(using: &rng)!),\(city),0.5\n"
    }
    var options = ReleaseOptions(epsilon: 20)
    options.delta = 1e-5
    options.slices = 10
    options.marginals = .allPairs
    options.projectionSeed = 3
    options.insecureTestNoiseSeed = 4
    let path = TestPaths.temporary("fo.slg")
    _ = try Releaser.release(
      csvPath: TestPaths.write(text), schema: schema, options: options, outputPath: path)
    return try Release(contentsOf: path)
  }

  func small() -> FitOptions {
    var fit = FitOptions()
    fit.epochs = 3
    fit.batch = 32
    fit.hidden = [16]
    fit.latent = 8
    fit.learningRate = 1e-2
    fit.marginalBatch = 256
    fit.sampler = .generator  // these tests train; `auto` would pick the forest
    return fit
  }

  /// Options that break one rule each, and the message.
  static let refusals: [(FitOptions, String)] = {
    var list: [(FitOptions, String)] = []
    func add(_ edit: (inout FitOptions) -> Void, _ message: String) {
      var options = FitOptions()
      edit(&options)
      list.append((options, message))
    }
    add({ $0.epochs = 0 }, "--epochs is 0, must be from 1 to 1000000")
    add({ $0.batch = 1 }, "--batch is 1, must be from 2 to 8192")
    add({ $0.learningRate = .nan }, "--lr is nan, must be in (0, 1)")
    add({ $0.validation = 0.6 }, "--validation is 0.6, must be in [0, 0.5]")
    add({ $0.latent = 4097 }, "--latent is 4097, must be from 1 to 4096")
    add(
      { $0.hidden = [64, 0] },
      "--hidden is '64,0', must be one or more widths from 1 to 8192, like 256,256")
    add(
      { $0.hidden = [] },
      "--hidden is '', must be one or more widths from 1 to 8192, like 256,256")
    add({ $0.marginalWeight = -1 }, "--marginal-weight is -1.0, must be non-negative")
    add({ $0.marginalBatch = 65537 }, "--marginal-batch is 65537, must be from 0 to 65536")
    add({ $0.kernelWeight = .infinity }, "--kernel-weight is inf, must be non-negative")
    add({ $0.estimator.tau = 0 }, "--tau is 0.0, must be positive and finite")
    add(
      { $0.estimator.bandwidthMultipliers = [] },
      "--bandwidths is [], must hold at least one multiplier")
    add(
      { $0.estimator.bandwidthMultipliers = [1, -2] },
      "--bandwidths is -2.0, each must be positive and finite")
    // Library-only settings are named as the library names them, without an option's dashes.
    add(
      { $0.estimator.ratioFloor = 2 },
      "setting estimator.ratioFloor is 2.0, must be in the open interval (0, 1)")
    add({ $0.estimator.threads = 0 }, "setting estimator.threads is 0, must be at least 1")
    return list
  }()

  @Test(
    "validate() names the option, the value and the rule, the estimator's included",
    arguments: refusals)
  func refused(options: FitOptions, message: String) {
    do {
      try options.validate()
      Issue.record("\(message): accepted")
    } catch {
      #expect(error.description == message)
    }
  }

  @Test("the defaults are valid")
  func defaultsValid() throws {
    try FitOptions().validate()
  }

  @Test("the marginals alone (kernel weight 0, own batch) reproduce a skewed released marginal")
  func marginalsAlone() throws {
    let release = try marginalRelease()
    var fit = small()
    fit.kernelWeight = 0
    fit.epochs = 6
    let model = try Trainer.fit(
      release: release, options: fit,
      outputPath: TestPaths.temporary("fo.slgm"))
    var a = 0
    try Sampler.generateRows(model: model, rows: 4000, seed: 2) { if $0[3] == "A" { a += 1 } }
    // Released (noisy, ε = 20) share of A ≈ 0.8; an untrained generator gives about 0.5. The
    // sampling error of 4,000 draws is ±0.013 (2σ); the fit leaves a few hundredths.
    #expect(abs(Double(a) / 4000 - 0.8) < 0.06, "share of A: \(Double(a) / 4000)")
  }

  @Test("kernel weight 0 without marginals is refused: there would be nothing to fit")
  func nothingToFit() throws {
    let (csv, schema) = (
      TestPaths.write(
        "age,income,colour,city,id\n" + String(repeating: "30,5,red,A,0.5\n", count: 50)),
      try mixedSchema()
    )
    var options = ReleaseOptions(epsilon: 5)
    options.marginals = .none
    options.delta = 1e-4
    options.slices = 5
    options.insecureTestNoiseSeed = 1
    let path = TestPaths.temporary("nf.slg")
    _ = try Releaser.release(csvPath: csv, schema: schema, options: options, outputPath: path)
    var fit = small()
    fit.kernelWeight = 0
    #expect(
      throws: OptionError(
        option: "kernel-weight", value: nil,
        rule: "0 leaves nothing to fit: the release has no marginals (or --marginal-weight is 0)")
    ) {
      try Trainer.fit(
        release: try Release(contentsOf: path), options: fit,
        outputPath: TestPaths.temporary("nf.slgm"))
    }
  }

  @Test("the marginal batch changes training and stays deterministic")
  func marginalBatchDeterminism() throws {
    let release = try marginalRelease()
    func run(_ rows: Int) throws -> [Float] {
      var fit = small()
      fit.marginalBatch = rows
      return try Trainer.fit(
        release: release, options: fit,
        outputPath: TestPaths.temporary("mb\(rows).slgm")
      ).lastParameters
    }
    let own = try run(256)
    #expect(try run(256) == own)
    #expect(try run(0) != own)
  }

  @Test(
    "keep last keeps the last epoch; keep best keeps the smallest marginal fit (a release with marginals)"
  )
  func keptEpoch() throws {
    let release = try marginalRelease()
    var fit = small()
    fit.keep = .last
    let last = try Trainer.fit(
      release: release, options: fit,
      outputPath: TestPaths.temporary("kl.slgm"))
    #expect(last.header.bestEpoch == fit.epochs)
    #expect(last.parameters == last.lastParameters)
    fit.keep = .best
    var epochParameters: [[Float]] = []
    let best = try Trainer.fit(
      release: release, options: fit,
      outputPath: TestPaths.temporary("kb.slgm"),
      afterEpoch: { epochParameters.append($0.lastParameters) })
    let fits = best.header.history.map(\.marginalFit)
    #expect(fits.count == fit.epochs && fits.allSatisfy { $0 != nil && $0! > 0 && $0! < 1 })
    let smallest = fits.indices.min { fits[$0]! < fits[$1]! }!
    #expect(best.header.bestEpoch == smallest + 1)
    #expect(best.parameters == epochParameters[smallest])
    // The two runs share their seed: the same epochs, only the kept parameters differ.
    #expect(best.lastParameters == last.lastParameters)
  }

  @Test(
    "options written before marginalBatch, kernelWeight and keep existed decode as they trained")
  func olderModelOptions() throws {
    var json =
      try JSONSerialization.jsonObject(with: JSONEncoder().encode(FitOptions())) as! [String: Any]
    for key in ["marginalBatch", "kernelWeight", "keep"] { json.removeValue(forKey: key) }
    let decoded = try JSONDecoder().decode(
      FitOptions.self, from: JSONSerialization.data(withJSONObject: json))
    #expect(decoded.marginalBatch == 0)  // those models trained the marginal term on the batch
    #expect(decoded.kernelWeight == 1)
    #expect(decoded.keep == .best)
    #expect(decoded.epochs == FitOptions().epochs)
    // And a round trip keeps every field.
    var options = FitOptions()
    options.marginalBatch = 77
    options.kernelWeight = 0.5
    options.keep = .last
    #expect(
      try JSONDecoder().decode(FitOptions.self, from: JSONEncoder().encode(options)) == options)
  }

  @Test(
    "a DP-MERF release's defaults: batch 1,024, about 400 steps, the best epoch; given ones stay")
  func merfDefaults() {
    // digits: 1,497 rows, 1,347 trained on, one batch of 1,024 an epoch, so 10 (the minimum).
    let digits = FitOptions().withMERFDefaults(rows: 1497)
    #expect(digits.batch == 1024 && digits.keep == .best)
    #expect(FitOptions.merfStepsPerEpoch(rows: 1497, batch: 1024, validation: 0.1) == 10)
    #expect(digits.epochs == 40, "40 epochs of 10 steps")
    // Adult: 32,561 rows, 29,305 trained on: 28 steps an epoch, 15 epochs (420 steps).
    let adult = FitOptions().withMERFDefaults(rows: 32561)
    #expect(FitOptions.merfStepsPerEpoch(rows: 32561, batch: 1024, validation: 0.1) == 28)
    #expect(adult.epochs == 15)
    // A setting the user gave is kept; the epochs follow a given batch.
    var given = FitOptions()
    given.batch = 256
    given.epochs = 3
    let kept = given.withMERFDefaults(rows: 32561, given: ["batch", "keep"])
    #expect(kept.batch == 256 && kept.keep == FitOptions().keep)
    #expect(kept.epochs == 4, "⌈400 / 114⌉ epochs of ⌊29,305 / 256⌋ steps")
    #expect(given.withMERFDefaults(rows: 32561, given: ["epochs"]).epochs == 3)
    // Tiny releases: the batch is the training rows, the epochs still reach the steps.
    #expect(FitOptions().withMERFDefaults(rows: 40).epochs == 40)
  }
}
