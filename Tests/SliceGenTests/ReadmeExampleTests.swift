import Foundation
import SliceGen
import Testing

/// The README's library example, verbatim apart from paths (a temporary directory) and a short
/// run (1 epoch, 300 rows).
@Test("the README's library example compiles and runs")
func readmeExample() throws {
  let directory = URL(fileURLWithPath: TestPaths.temporary("x")).deletingLastPathComponent().path
  let releasePath = directory + "/adult.slg"
  let modelPath = directory + "/adult.slgm"
  let syntheticPath = directory + "/synthetic.csv"

  let schema = try Schema(contentsOf: TestPaths.adultSchema)
  var options = ReleaseOptions(epsilon: 4)
  options.delta = 1e-5
  _ = try Releaser.release(
    csvPath: TestPaths.adultTrain, schema: schema,
    options: options, outputPath: releasePath)
  let release = try Release(contentsOf: releasePath)
  var fit = FitOptions()
  fit.epochs = 1
  let model = try Trainer.fit(release: release, options: fit, outputPath: modelPath)
  try Sampler.sample(model: model, rows: 300, seed: 0, outputPath: syntheticPath)

  var reader = try CSVReader(path: syntheticPath)
  var rows = 0
  while try reader.nextRecord() != nil { rows += 1 }
  #expect(rows == 300)
  #expect(reader.header.count == 13)
}
