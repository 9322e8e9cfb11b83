// Tests of OptionError: the two shapes of its message (a value that breaks a rule, an option
// refused whatever its value) and the range and fraction checks every options type shares, at
// their bounds and on NaN and infinity.

import Testing

@testable import SliceGen

@Suite("Option errors")
struct OptionErrorTests {
  @Test("the message names the option (with dashes on the command line), the value, the rule")
  func messages() {
    let valued = OptionError(option: "slices", value: "0", rule: "must be from 1 to 100000")
    #expect(valued.description == "--slices is 0, must be from 1 to 100000")
    let refused = OptionError(
      option: "subsample", value: nil, rule: "cannot be combined with marginals")
    #expect(refused.description == "--subsample cannot be combined with marginals")
    #expect(valued != OptionError(option: "slices", value: "1", rule: valued.rule))
    // A library-only setting is named without the dashes of an option no command takes.
    let setting = OptionError(
      option: "estimator.ratioFloor", value: "2.0", rule: "must be below 1", onCommandLine: false)
    #expect(setting.description == "setting estimator.ratioFloor is 2.0, must be below 1")
  }

  @Test("outside: both bounds are inside, one step beyond is outside and named with the range")
  func ranges() {
    #expect(OptionError.outside("slices", 1, 1...100_000) == nil)
    #expect(OptionError.outside("slices", 100_000, 1...100_000) == nil)
    let below = OptionError.outside("slices", 0, 1...100_000)
    #expect(below?.option == "slices")
    #expect(below?.value == "0")
    #expect(below?.rule == "must be from 1 to 100000")
    #expect(OptionError.outside("slices", 100_001, 1...100_000) != nil)
    #expect(OptionError.outside("tau", 0.5, 0.0...1.0) == nil)
    #expect(OptionError.outside("tau", 1.0.nextUp, 0.0...1.0) != nil)
    // NaN is in no range.
    #expect(OptionError.outside("tau", Double.nan, 0.0...1.0) != nil)
  }

  @Test("notFraction: (0, 1) open at both ends, NaN and infinity refused, the reason appended")
  func fractions() {
    for good in [Double.leastNonzeroMagnitude, 0.5, 1.0.nextDown] {
      #expect(OptionError.notFraction("validation", good) == nil, "\(good)")
    }
    for bad in [0, 1, -0.5, 2, .nan, .infinity, -.infinity] as [Double] {
      let error = OptionError.notFraction("validation", bad, " (a share of the rows)")
      #expect(error?.value == "\(bad)")
      #expect(error?.rule == "must be in (0, 1) (a share of the rows)")
    }
  }
}
