import Foundation
import Testing

@testable import SliceGen
@testable import SliceGenPrivacy

/// A first release of 200 rows of the mixed table at (ε = 1, δ = 1e-5), m' = 16 (test noise).
private func firstRelease(
  accountant: SlicingAccountantKind = .profile, neighbors: NeighbouringRelation = .replaceOne,
  subsampling: Double? = nil
) throws -> (path: String, header: ReleaseHeader) {
  var text = "age,income,colour,city,id\n"
  for i in 0..<200 {
    let colour = ["red", "green", "blue"][i % 3]
    text += "\(20 + i % 60),\(i * 100),\(colour),\(i % 5 == 0 ? "" : "A"),0.5\n"
  }
  let csv = TestPaths.write(text)
  var options = ReleaseOptions(epsilon: 1)
  options.marginals = .none  // the paper's mechanism: the accountants and relations it allows
  options.delta = 1e-5
  options.slices = 8
  options.accountant = accountant
  options.neighbors = neighbors
  options.subsampling = subsampling
  options.insecureTestNoiseSeed = 3
  let output = TestPaths.temporary("first.slg")
  let report = try Releaser.release(
    csvPath: csv, schema: try mixedSchema(), options: options, outputPath: output)
  return (output, report.header)
}

/// Sets σ everywhere a consistent edit sets it: `sigma`, `noiseScale` = σ√d and the projections
/// component's σ.
private func setSigma(_ header: inout [String: Any], _ sigma: Double, encodedWidth d: Int) {
  header["sigma"] = sigma
  header["noiseScale"] = sigma * Double(d).squareRoot()
  var privacy = header["privacy"] as! [String: Any]
  var components = privacy["components"] as! [[String: Any]]
  components[0]["sigma"] = sigma
  privacy["components"] = components
  header["privacy"] = privacy
}

@Suite("release --like: the first release is checked, not trusted")
struct ReleaseTemplateTests {
  /// Every accountant, either relation, with subsampling; the header rewrite alone changes nothing.
  @Test(
    "an honest first release passes, its σ equal to the re-derived one",
    arguments: [
      (SlicingAccountantKind.profile, NeighbouringRelation.replaceOne, nil),
      (.theorem1, .replaceOne, nil), (.profile, .zeroOut, nil), (.profile, .replaceOne, 0.5),
    ] as [(SlicingAccountantKind, NeighbouringRelation, Double?)])
  func honest(
    accountant: SlicingAccountantKind, neighbors: NeighbouringRelation, subsampling: Double?
  ) throws {
    let (path, header) = try firstRelease(
      accountant: accountant, neighbors: neighbors, subsampling: subsampling)
    let template = try ReleaseTemplate(firstReleaseAt: try rewritingHeader(of: path) { _ in })
    #expect(template.settings.derived.sigma == header.sigma)
    #expect(template.calibration.sigma == header.sigma)
    #expect(template.options.accountant == accountant)
    #expect(template.options.neighbors == neighbors)
    #expect(template.options.subsampling == subsampling)
  }

  @Test("--like refuses a first release whose σ was lowered to 0.001 and its checksum recomputed")
  func loweredSigma() throws {
    let (path, header) = try firstRelease()
    #expect(header.sigma > 0.01)
    let edited = try rewritingHeader(of: path) {
      setSigma(&$0, 0.001, encodedWidth: header.encodedWidth)
    }
    let loaded = try Release(contentsOf: edited)  // the checksum matches: nothing else notices
    #expect(loaded.header.sigma == 0.001)
    #expect(loaded.header.privacy.epsilon == 1 && loaded.header.privacy.delta == 1e-5)
    let error = #expect(throws: ReleaseError.self) { try ReleaseTemplate(firstReleaseAt: edited) }
    let message = error?.message ?? ""
    #expect(message.hasPrefix("--like \(edited): header field sigma is 0.001, must be at least "))
    #expect(message.contains("\(header.sigma)"), "\(message)")
    #expect(message.contains("ε = 1.0, δ = 1e-05, m' = 16 projections"), "\(message)")
    // Lowering σ alone (noiseScale and the component left as they were) is refused too.
    let careless = try rewritingHeader(of: path) { $0["sigma"] = 0.001 }
    #expect(throws: ReleaseError.self) { try ReleaseTemplate(firstReleaseAt: careless) }
  }

  @Test("the σ check is one-sided, with a relative tolerance of 1e-9")
  func sigmaTolerance() throws {
    let (path, header) = try firstRelease()
    func template(sigma: Double) throws -> ReleaseTemplate {
      try ReleaseTemplate(
        firstReleaseAt: try rewritingHeader(of: path) {
          setSigma(&$0, sigma, encodedWidth: header.encodedWidth)
        })
    }
    // A root finder that stops a little lower (1e-12 relative) still passes.
    #expect(
      try template(sigma: header.sigma * (1 - 1e-12)).calibration.sigma
        == header.sigma * (1 - 1e-12))
    // More noise than needed is sound (δ(ε) falls as σ grows): copied as is.
    #expect(try template(sigma: 2 * header.sigma).calibration.sigma == 2 * header.sigma)
    let error = #expect(throws: ReleaseError.self) {
      try template(sigma: header.sigma * (1 - 1e-6))
    }
    #expect(error?.message.contains("header field sigma") == true)
  }

  @Test("unknown names and out-of-range numbers are errors naming the file, the field, the value")
  func invalidFields() throws {
    let (path, header) = try firstRelease()
    let d = header.encodedWidth
    let cases: [(edit: (inout [String: Any]) -> Void, expected: String)] = [
      (
        { $0.set("privacy.accountant", "magic") },
        "header field privacy.accountant is \"magic\", must be \"profile\", \"theorem1\" or "
          + "\"analytic-gaussian\""
      ),
      (
        { $0.set("privacy.accountant", "analytic-gaussian") },
        "header field privacy.accountant is \"analytic-gaussian\""
      ),
      (
        { $0.set("method", "slicing+magic") },
        "header field method is \"slicing+magic\", must be \"slicing\", \"slicing+marginals\" or "
          + "\"merf\""
      ),
      (
        { $0.set("privacy.neighbors", "zero-in") },
        "header field privacy.neighbors is \"zero-in\", must be \"replace-one\" or \"zero-out\""
      ),
      // Numbers out of range are refused by the release loader itself (every command that reads
      // a release), before --like sees them: the message names the file, the field and the value.
      ({ setSigma(&$0, 0, encodedWidth: d) }, "sigma is 0.0, must be finite and positive"),
      ({ setSigma(&$0, -1, encodedWidth: d) }, "sigma is -1.0, must be finite and positive"),
      ({ $0.set("privacy.delta", 0.0) }, "delta is 0.0, must be in (0, 1)"),
      ({ $0.set("privacy.delta", 1.0) }, "delta is 1.0, must be in (0, 1)"),
      ({ $0.set("privacy.epsilon", -1.0) }, "epsilon is -1.0, must be finite and positive"),
      ({ $0.set("privacy.subsampling", 1.5) }, "subsampling is 1.5, must be in (0, 1)"),
      // −1 × −16 = 16 = m': the file's size checks pass, the count check does not.
      (
        {
          $0["slices"] = -1
          $0["sliceDim"] = -16
        }, "slices is -1, must be"
      ),
    ]
    for (edit, expected) in cases {
      let edited = try rewritingHeader(of: path, edit)
      let error = #expect(throws: (any Error).self) {
        try ReleaseTemplate(firstReleaseAt: edited)
      }
      let message = error.map { "\($0)" } ?? ""
      #expect(message.contains(edited), "\(message)")
      #expect(message.contains(expected), "\(message)")
    }
  }

  @Test("a first release whose schema was discovered is checked at the release's own share")
  func discovered() throws {
    var text = "age,colour\n"
    for i in 0..<2000 { text += "\(20 + i % 60),\(["red", "green", "blue"][i % 3])\n" }
    let csv = TestPaths.write(text)
    var options = ReleaseOptions(epsilon: 4)
    options.marginals = .none
    options.delta = 1e-6
    options.slices = 8
    options.insecureTestNoiseSeed = 5
    let output = TestPaths.temporary("first.slg")
    let (report, _) = try Releaser.releaseDiscoveringSchema(
      csvPath: csv, options: options, discoveryFraction: 0.1, outputPath: output,
      schemaOutputPath: output + ".schema.json")
    let spend = try #require(report.header.privacy.discovery)
    let template = try ReleaseTemplate(firstReleaseAt: output)
    #expect(template.settings.epsilon == spend.releaseEpsilon)
    #expect(template.settings.derived.sigma == report.header.sigma)
    // A total below the two spends' sum is refused (sequential composition).
    let edited = try rewritingHeader(of: output) { $0.set("privacy.epsilon", 3.5) }
    let error = #expect(throws: ReleaseError.self) { try ReleaseTemplate(firstReleaseAt: edited) }
    #expect(error?.message.contains("header field privacy.epsilon is 3.5") == true)
  }
}
