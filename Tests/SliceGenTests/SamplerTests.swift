import Foundation
import Testing

@testable import SliceGen

@Suite("Sampler")
struct SamplerTests {
  @Test("the private floor draws each column from its released 1-way marginal")
  func independentColumns() throws {
    let release = try TestPaths.adultRelease(marginals: .oneWay)
    let output = TestPaths.temporary("floor.csv")
    let rows = 20_000
    try Sampler.sampleMarginals(
      release: release, model: .independent, rows: rows, seed: 1, outputPath: output)
    var reader = try CSVReader(path: output)
    let names = release.header.schema.keptColumns.map(\.name)
    #expect(reader.header == names)
    var sexCounts: [String: Int] = [:]
    var ages: [Double] = []
    while let record = try reader.nextRecord() {
      sexCounts[record.fields[names.firstIndex(of: "sex")!], default: 0] += 1
      ages.append(Double(record.fields[names.firstIndex(of: "age")!])!)
    }
    #expect(sexCounts.values.reduce(0, +) == rows)
    // Frequencies within 4 standard errors of the released probabilities.
    let sex = release.header.marginals!.first { $0.columns == ["sex"] }!
    let categories = release.header.schema.columns.first { $0.name == "sex" }!.domain
    guard case .categorical(let sexCategories, _) = categories else {
      Issue.record("sex is categorical")
      return
    }
    for (k, category) in sexCategories.enumerated() {
      let p = sex.probabilities[k]
      let observed = Double(sexCounts[category, default: 0]) / Double(rows)
      #expect(abs(observed - p) < 4 * (p * (1 - p) / Double(rows)).squareRoot() + 1e-9)
    }
    // Ages are whole numbers within the schema's bounds.
    #expect(ages.allSatisfy { $0 == $0.rounded() && (17...90).contains($0) })
    // The same seed gives the same table.
    let again = TestPaths.temporary("floor2.csv")
    try Sampler.sampleMarginals(
      release: release, model: .independent, rows: rows, seed: 1, outputPath: again)
    #expect(FileManager.default.contentsEqual(atPath: output, andPath: again))
  }

  @Test("the private floor needs a release with marginals")
  func independentNeedsMarginals() throws {
    let release = try TestPaths.adultRelease(marginals: .none)
    let output = TestPaths.temporary("none.csv")
    #expect(throws: OptionError.self) {
      try Sampler.sampleMarginals(
        release: release, model: .independent, rows: 10, seed: 1, outputPath: output)
    }
    #expect(!FileManager.default.fileExists(atPath: output))
  }
}
