// Tests of PrivacyValidation (PrivacyParameters.swift) at the edges of each rule: the bounds
// themselves, one ulp beyond, zero of either sign, NaN and both infinities; messages that name
// the parameter, its value and the rule; and the stored enums of a release's privacy record.

import Foundation
import Testing

@testable import SliceGenPrivacy

@Suite("Privacy parameters")
struct PrivacyParametersTests {
  @Test("ε: positive, finite, at most 1000; both bounds and one ulp beyond")
  func epsilonRule() {
    for good in [Double.leastNonzeroMagnitude, 1e-3, 1, PrivacyValidation.maximumEpsilon] {
      #expect(PrivacyValidation.epsilonRule(good) == nil, "\(good)")
    }
    for bad in [0, -0.0, -1, .nan, .infinity, -.infinity] as [Double] {
      #expect(PrivacyValidation.epsilonRule(bad) == "must be positive and finite", "\(bad)")
    }
    let above = PrivacyValidation.maximumEpsilon.nextUp
    #expect(PrivacyValidation.epsilonRule(above)?.hasPrefix("must be at most 1000.0") == true)
  }

  @Test("δ: in [1e-20, 1); both bounds and one ulp beyond")
  func deltaRule() {
    for good in [PrivacyValidation.minimumDelta, 1e-5, 1.0.nextDown] {
      #expect(PrivacyValidation.deltaRule(good) == nil, "\(good)")
    }
    for bad in [0, 1, -1e-5, .nan, .infinity, -.infinity] as [Double] {
      #expect(PrivacyValidation.deltaRule(bad) == "must be in (0, 1)", "\(bad)")
    }
    let below = PrivacyValidation.minimumDelta.nextDown
    #expect(PrivacyValidation.deltaRule(below)?.hasPrefix("must be at least 1e-20") == true)
  }

  @Test("the thrown message names the parameter and its value before the rule")
  func messages() {
    for (value, check) in [(-1.0, "epsilon"), (.nan, "epsilon"), (2, "delta"), (0, "delta")] {
      do {
        if check == "epsilon" {
          try PrivacyValidation.epsilon(value)
        } else {
          try PrivacyValidation.delta(value)
        }
        Issue.record("\(check) = \(value) was accepted")
      } catch let error as PrivacyParameterError {
        let rule =
          check == "epsilon"
          ? PrivacyValidation.epsilonRule(value)! : PrivacyValidation.deltaRule(value)!
        #expect(error.description == "\(check) is \(value), \(rule)")
      } catch {
        Issue.record("unexpected \(error)")
      }
    }
  }

  @Test("the accountant of a release maps to and from the χ²-mixture accountants")
  func accountants() {
    for kind in SlicingAccountantKind.allCases {
      #expect(ReleaseAccountant(kind).slicingKind == kind)
      #expect(ReleaseAccountant(kind).rawValue == kind.rawValue)
    }
    #expect(ReleaseAccountant.analyticGaussian.slicingKind == nil)
  }

  @Test("the stored texts of the relation and the accountants read back as the same cases")
  func storedTexts() throws {
    let relations = NeighbouringRelation.allCases
    let data = try JSONEncoder().encode(relations)
    #expect(String(decoding: data, as: UTF8.self) == #"["replace-one","zero-out"]"#)
    #expect(try JSONDecoder().decode([NeighbouringRelation].self, from: data) == relations)
    let accountants = ReleaseAccountant.allCases
    #expect(
      try JSONDecoder().decode(
        [ReleaseAccountant].self, from: JSONEncoder().encode(accountants)) == accountants)
  }
}
