// The one place a release's options are checked: every rule, NaN and infinity included, with the
// option, the value and the rule in the error.

import Foundation
import Testing

@testable import SliceGen

/// Release options at ε = 1 changed by `edit`.
private func edited(_ edit: (inout ReleaseOptions) -> Void) -> ReleaseOptions {
  var options = ReleaseOptions(epsilon: 1)
  edit(&options)
  return options
}

@Suite("Release options")
struct ReleaseOptionsTests {
  /// Options that break one rule each, and the message.
  static let refusals: [(ReleaseOptions, String)] = {
    var list: [(ReleaseOptions, String)] = []
    func add(_ edit: (inout ReleaseOptions) -> Void, _ message: String) {
      list.append((edited(edit), message))
    }
    add({ $0.epsilon = 0 }, "--epsilon is 0.0, must be positive and finite")
    add({ $0.epsilon = .nan }, "--epsilon is nan, must be positive and finite")
    add({ $0.epsilon = .infinity }, "--epsilon is inf, must be positive and finite")
    add(
      { $0.epsilon = 1001 },
      "--epsilon is 1001.0, must be at most 1000.0 (a larger ε promises nothing useful)")
    add({ $0.delta = 1 }, "--delta is 1.0, must be in (0, 1)")
    add(
      { $0.delta = 1e-21 },
      "--delta is 1e-21, must be at least 1e-20 (the accountant's own error is about 2e-26)")
    add({ $0.slices = 0 }, "--slices is 0, must be from 1 to 100000")
    add({ $0.sliceDim = 10_001 }, "--slice-dim is 10001, must be from 1 to 10000")
    add(
      {
        $0.slices = 100_000
        $0.sliceDim = 11
      },
      "--slices is 100000, must make at most 1000000 projections with --slice-dim 11 (m × k "
        + "is 1100000)")
    add({ $0.subsampling = 1 }, "--subsample is 1.0, must be in (0, 1)")
    add({ $0.aggregateShare = .nan }, "--aggregate-share is nan, must be in (0, 1)")
    add({ $0.marginalBins = 1 }, "--marginal-bins is 1, must be from 2 to 4096")
    add({ $0.pairBins = 0 }, "--pair-bins is 0, must be from 1 to 4096")
    add(
      { $0.subsampling = 0.5 },
      "--subsample cannot be combined with marginals (the default is --marginals auto): the "
        + "marginals compose exactly with the projections but subsampling's amplification "
        + "does not carry over to them. Add --marginals none to release the paper's "
        + "subsampled mechanism, or drop --subsample (the combined release is the better one "
        + "on every table measured, Docs/benchmarks.md)")
    return list
  }()

  @Test("validate() names the option, the value and the rule", arguments: refusals)
  func refused(options: ReleaseOptions, message: String) {
    #expect(throws: OptionError.self) { try options.validate() }
    do {
      try options.validate()
    } catch {
      #expect(error.description == message)
    }
  }

  @Test("the defaults, and the paper's subsampled mechanism, are valid")
  func valid() throws {
    try ReleaseOptions(epsilon: 1).validate()
    try edited {
      $0.subsampling = 0.5
      $0.marginals = .none
      $0.delta = 1e-9
    }.validate()
    try edited {
      $0.slices = 100_000
      $0.sliceDim = 10
    }.validate()
  }

  @Test("the checks that need the schema's width or the table's rows")
  func contextual() throws {
    let options = edited { $0.sliceDim = 13 }
    try options.validate(encodedWidth: 13)
    #expect(
      throws: OptionError(
        option: "slice-dim", value: "13",
        rule: "must be from 1 to d = 12 (the schema's encoded width)")
    ) { try options.validate(encodedWidth: 12) }
    // The default δ is below 1/n for every n; a given one may not be.
    try ReleaseOptions(epsilon: 1).validate(rows: 1)
    #expect(throws: OptionError.self) { try edited { $0.delta = 0.01 }.validate(rows: 100) }
    try edited { $0.delta = 0.009 }.validate(rows: 100)
    #expect(throws: OptionError(option: "rows", value: "0", rule: "must be at least 1")) {
      try ReleaseOptions(epsilon: 1).validate(rows: 0)
    }
  }

  @Test(
    "the discovery budget is a fraction in (0, 1)",
    arguments: [0.0, 1.0, -0.1, .nan, .infinity])
  func discoveryFraction(f: Double) {
    #expect(throws: OptionError.self) { try ReleaseOptions.validate(discoveryFraction: f) }
  }

  @Test("an OptionError reads '--option is value, rule', or '--option rule' without a value")
  func description() {
    #expect(
      OptionError(option: "slices", value: "0", rule: "must be from 1 to 100000").description
        == "--slices is 0, must be from 1 to 100000")
    #expect(
      OptionError(option: "subsample", value: nil, rule: "cannot be combined").description
        == "--subsample cannot be combined")
  }
}
