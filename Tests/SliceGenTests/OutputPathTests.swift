import Foundation
import Testing

@testable import SliceGen

/// A small table of the mixed schema, and a release of it (test noise).
private func smallRelease(in directory: String) throws -> (csv: String, release: String) {
  var text = "age,income,colour,city,id\n"
  for i in 0..<120 {
    text += "\(20 + i % 60),\(i * 100),\(["red", "green", "blue"][i % 3]),A,0.5\n"
  }
  let csv = directory + "/data.csv"
  try Data(text.utf8).write(to: URL(fileURLWithPath: csv))
  var options = ReleaseOptions(epsilon: 2)
  options.delta = 1e-5
  options.slices = 4
  options.insecureTestNoiseSeed = 3
  let release = directory + "/r.slg"
  _ = try Releaser.release(
    csvPath: csv, schema: try mixedSchema(), options: options, outputPath: release)
  return (csv, release)
}

private func bytes(_ path: String) throws -> Data {
  try Data(contentsOf: URL(fileURLWithPath: path))
}

/// Expects `body` to throw an OutputPathError naming `output` and `input`, and `input` unchanged.
private func expectRefused(
  output: String, input: String, sourceLocation: SourceLocation = #_sourceLocation,
  _ body: () throws -> Void
) throws {
  let before = try bytes(input)
  #expect(sourceLocation: sourceLocation) { try body() } throws: { error in
    guard let error = error as? OutputPathError else { return false }
    return error.description.contains(output) && error.description.contains(input)
  }
  #expect(try bytes(input) == before, "the input was modified", sourceLocation: sourceLocation)
}

@Suite("Outputs never replace inputs")
struct OutputPathTests {
  @Test("the same file is recognised by path, relative path, symlink and hard link")
  func identity() throws {
    let directory = (TestPaths.write("a,b\n1,2\n", "in.csv") as NSString).deletingLastPathComponent
    let input = directory + "/in.csv"
    let manager = FileManager.default
    try manager.createSymbolicLink(atPath: directory + "/link.csv", withDestinationPath: input)
    try manager.linkItem(atPath: input, toPath: directory + "/hard.csv")
    try manager.createDirectory(atPath: directory + "/sub", withIntermediateDirectories: false)
    try manager.createSymbolicLink(atPath: directory + "/dirlink", withDestinationPath: directory)
    // A relative path to the input from the working directory (never changed: tests run in
    // parallel): up to the root, then down.
    let depth =
      URL(fileURLWithPath: manager.currentDirectoryPath).standardizedFileURL
      .pathComponents.count - 1
    let relative = String(repeating: "../", count: depth) + input.dropFirst()
    let spellings = [
      input, directory + "/link.csv", directory + "/hard.csv", relative,
      directory + "/sub/../in.csv", directory + "/./in.csv", directory + "/dirlink/in.csv",
    ]
    for same in spellings {
      #expect(throws: OutputPathError.self, "\(same)") {
        try OutputPath.refuse(same, ifAnyOf: [input])
      }
    }
    for other in [directory + "/out.csv", directory + "/sub/in.csv", "in.csv"] {
      #expect(throws: Never.self, "\(other)") {
        try OutputPath.refuse(other, ifAnyOf: [nil, input])
      }
    }
    // An output that does not exist yet, through a symlinked directory.
    #expect(throws: OutputPathError.self) {
      try OutputPath.refuse(directory + "/dirlink/new.slg", sameAs: directory + "/new.slg")
    }
  }

  @Test("release, discovery, shards, fit, sample and merge refuse an output that is an input")
  func libraryEntryPoints() throws {
    let directory = (TestPaths.temporary("x") as NSString).deletingLastPathComponent
    let (csv, releasePath) = try smallRelease(in: directory)
    var options = ReleaseOptions(epsilon: 2)
    options.delta = 1e-5
    options.insecureTestNoiseSeed = 3
    let schema = try mixedSchema()
    try expectRefused(output: csv, input: csv) {
      _ = try Releaser.release(csvPath: csv, schema: schema, options: options, outputPath: csv)
    }
    try expectRefused(output: csv, input: csv) {
      _ = try Releaser.releaseDiscoveringSchema(
        csvPath: csv, options: options, discoveryFraction: 0.1, outputPath: csv,
        schemaOutputPath: directory + "/s.json")
    }
    // The discovered schema's side file onto the private table.
    try expectRefused(output: csv, input: csv) {
      _ = try Releaser.releaseDiscoveringSchema(
        csvPath: csv, options: options, discoveryFraction: 0.1, outputPath: directory + "/d.slg",
        schemaOutputPath: csv)
    }
    #expect(!FileManager.default.fileExists(atPath: directory + "/d.slg"))
    // A shard onto its first release.
    let template = try ReleaseTemplate(firstReleaseAt: releasePath)
    var shardOptions = template.options
    shardOptions.insecureTestNoiseSeed = 4
    try expectRefused(output: releasePath, input: releasePath) {
      _ = try Releaser.release(
        csvPath: csv, schema: schema, options: shardOptions, outputPath: releasePath)
    }
    // fit onto its release; sample onto its model.
    let release = try Release(contentsOf: releasePath)
    var fit = FitOptions()
    fit.epochs = 1
    fit.batch = 32
    fit.latent = 4
    fit.hidden = [8]
    try expectRefused(output: releasePath, input: releasePath) {
      _ = try Trainer.fit(
        release: release, options: fit, outputPath: releasePath)
    }
    let modelPath = directory + "/m.slgm"
    _ = try Trainer.fit(release: release, options: fit, outputPath: modelPath)
    let model = try Model(contentsOf: modelPath)
    try expectRefused(output: modelPath, input: modelPath) {
      try Sampler.sample(model: model, rows: 10, seed: 1, outputPath: modelPath)
    }
    // merge onto one of its parts.
    let second = directory + "/second.slg"
    try FileManager.default.copyItem(atPath: releasePath, toPath: second)
    try expectRefused(output: second, input: second) {
      try ReleaseMerge.merge(paths: [releasePath, second], outputPath: second)
    }
    // Nothing was left behind by the refusals.
    let hidden = try FileManager.default.contentsOfDirectory(atPath: directory)
      .filter { $0.hasPrefix(".") }
    #expect(hidden.isEmpty, "\(hidden)")
  }
}
