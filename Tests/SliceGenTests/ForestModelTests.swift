import Foundation
import Testing

@testable import SliceGen

@Suite("Forest models")
struct ForestModelTests {
  func fitOptions(_ sampler: ModelSampler) -> FitOptions {
    var options = FitOptions()
    options.epochs = 1
    options.hidden = [16]
    options.latent = 4
    options.marginalBatch = 64
    options.sampler = sampler
    return options
  }

  @Test("auto samples a tree release from its forest: nothing trained, format 2, read back")
  func treeReleaseGivesForest() throws {
    let release = try TestPaths.adultRelease(marginals: .tree)
    let names = release.header.schema.keptColumns.map(\.name)
    #expect(
      ModelSampler.auto.resolved(marginals: release.header.marginals, columns: names) == .forest)
    let path = TestPaths.temporary("forest.slgm")
    let model = try Trainer.fit(release: release, options: fitOptions(.auto), outputPath: path)
    #expect(model.header.forest == release.header.marginals)
    #expect(model.header.history.isEmpty && model.header.optimizerSteps == 0)
    #expect(model.header.formatVersion == 2)
    let read = try Model(contentsOf: path)
    #expect(read.header == model.header)
    #expect(ModelSummary(header: read.header).text(path: path).contains("maximum-entropy forest"))

    // Its rows follow the release's measured pair: the 2-way table of the first chosen pair.
    let pair = release.header.marginals!.first { $0.columns.count == 2 }!
    let output = TestPaths.temporary("forest.csv")
    let rows = 20_000
    try Sampler.sample(model: read, rows: rows, seed: 4, outputPath: output)
    var reader = try CSVReader(path: output)
    #expect(reader.header == names)
    let (a, b) = (names.firstIndex(of: pair.columns[0])!, names.firstIndex(of: pair.columns[1])!)
    let encoding = Encoding(schema: release.header.schema)
    let bins = release.header.columnBins!
    func cell(_ c: Int, _ text: String) -> Int {
      if case .categorical(let categories, _) = encoding.blocks[c].kind {
        return categories.firstIndex(of: text)!
      }
      let block = encoding.blocks[c]
      guard case .numeric(let lower, let upper, _) = block.kind else { return bins[c].count - 1 }
      let value = min(max(Double(text)!, lower), upper)
      return bins[c].bin(of: value)
    }
    var counts = [Double](repeating: 0, count: pair.probabilities.count)
    let mapA = pair.groups(at: 0) ?? BinGroups.identity(bins[a].count)
    let mapB = pair.groups(at: 1) ?? BinGroups.identity(bins[b].count)
    while let record = try reader.nextRecord() {
      let x = mapA[cell(a, record.fields[a])], y = mapB[cell(b, record.fields[b])]
      counts[x * pair.shape[1] + y] += 1 / Double(rows)
    }
    for (observed, p) in zip(counts, pair.probabilities) {
      #expect(abs(observed - p) < 4 * (p * (1 - p) / Double(rows)).squareRoot() + 1e-3)
    }
  }

  @Test(
    "auto: the forest wherever the release has 2-way tables, cycles included; else the generator")
  func generatorOtherwise() throws {
    let names = ["a", "b", "c"]
    #expect(ModelSampler.auto.resolved(marginals: nil, columns: names) == .generator)
    let cycles = try TestPaths.adultRelease(marginals: .select(20))
    let kept = cycles.header.schema.keptColumns.map(\.name)
    #expect(
      ModelSampler.auto.resolved(marginals: cycles.header.marginals, columns: kept) == .forest)
    #expect(
      ModelSampler.generator.resolved(marginals: cycles.header.marginals, columns: kept)
        == .generator)
    let oneWay = try TestPaths.adultRelease(marginals: .oneWay)
    #expect(
      ModelSampler.auto.resolved(marginals: oneWay.header.marginals, columns: kept) == .generator)
    let path = TestPaths.temporary("generator.slgm")
    let model = try Trainer.fit(release: oneWay, options: fitOptions(.auto), outputPath: path)
    #expect(model.header.forest == nil && model.header.formatVersion == 1)
    #expect(model.header.history.count == 1)
  }

  @Test("resume refuses forest models, and forest on a release without marginals")
  func refusals() throws {
    let tree = try TestPaths.adultRelease(marginals: .tree)
    let forestPath = TestPaths.temporary("f.slgm")
    let forest = try Trainer.fit(
      release: tree, options: fitOptions(.forest), outputPath: forestPath)
    #expect(throws: FitError.self) {
      try Trainer.check(release: tree, options: fitOptions(.generator), resume: forest)
    }
    let generator = try Trainer.fit(
      release: tree, options: fitOptions(.generator), outputPath: TestPaths.temporary("g.slgm"))
    #expect(generator.header.forest == nil)
    #expect(throws: FitError.self) {
      try Trainer.check(release: tree, options: fitOptions(.forest), resume: generator)
    }
    let none = try TestPaths.adultRelease(marginals: .none)
    #expect(throws: OptionError.self) {
      try Trainer.check(release: none, options: fitOptions(.forest))
    }
  }
}

@Test("a forest model whose marginals hold a negative or non-finite probability is refused")
func forestModelProbabilitiesChecked() throws {
  let release = try TestPaths.adultRelease(marginals: .tree)
  var fit = FitOptions()
  fit.sampler = .forest
  let model = try Trainer.fit(
    release: release, options: fit,
    outputPath: TestPaths.temporary("good-forest.slgm"))
  #expect(model.header.problem() == nil)
  for bad in [-0.25, Double.nan, Double.infinity] {
    var header = model.header
    header.forest![3].probabilities[0] = bad
    #expect(header.problem()?.contains("negative or not finite") == true, "\(bad)")
  }
}
