import Foundation
import Testing

@testable import SliceGen

@Suite("MembershipInference")
struct MembershipInferenceTests {
  /// Columns: age (numeric, range 100), colour (categorical), x (numeric, range 10), flat
  /// (numeric, range 0).
  static let ranges: [Double?] = [100, nil, 10, 0]

  static func table(
    _ age: [Double], _ colour: [String?], _ x: [Double], _ flat: [Double]
  ) -> EvaluationTable {
    EvaluationTable(
      names: ["age", "colour", "x", "flat"],
      columns: [.numeric(age), .categorical(colour), .numeric(x), .numeric(flat)])
  }

  @Test("the row distance on hand-computed rows: numeric, categorical, missing, a flat column")
  func distance() {
    let a = Self.table(
      [30, 55, 30, .nan], ["red", "blue", nil, nil], [.nan, .nan, 5, 2], [1, 1, 1, 2])
    func d(_ i: Int, _ j: Int) -> Double {
      MembershipInference.distance(a, i, a, j, ranges: Self.ranges)
    }
    // Rows 0 and 1: |30 − 55|/100 + (red ≠ blue) + (both missing) + (1 = 1), over 4 columns.
    #expect(abs(d(0, 1) - (0.25 + 1 + 0 + 0) / 4) < 1e-15)
    // Rows 0 and 2: same age, a category against a missing one, a number against a missing one.
    #expect(d(0, 2) == 2.0 / 4)  // (0 + 1 + 1 + 0)/4
    // Rows 2 and 3: a missing age against 30, both colours missing, |5 − 2|/10, 1 ≠ 2 in the
    // flat column (range 0: equal or not).
    #expect(abs(d(2, 3) - (1 + 0 + 0.3 + 1) / 4) < 1e-15)
    #expect(d(3, 3) == 0 && d(1, 1) == 0)
    #expect(d(1, 3) == d(3, 1))
  }

  @Test("closer-to-train counts strict wins; protection, medians and a tied AUC by hand")
  func scoresByHand() {
    // Synthetic rows' distances to train / holdout: a tie (not closer), holdout closer, train
    // closer: share 1/3, protection min(1, 2·2/3) = 1, medians 0.2 and 0.1.
    // Attack: members at distances 0.1 and 0.5, non-members at 0.5 and 0.9. Of the 4
    // member/non-member pairs the member is closer in 3 and tied in 1: AUC (3 + 0.5)/4.
    let scores = MembershipInference.scores(
      syntheticToTrain: [0, 0.2, 0.3], syntheticToHoldout: [0, 0.1, 0.5],
      trainToSynthetic: [0.1, 0.5], holdoutToSynthetic: [0.5, 0.9])
    #expect(abs(scores.closerToTrain - 1.0 / 3) < 1e-15)
    #expect(scores.dcrOverfittingProtection == 1 && abs(scores.tied - 1.0 / 3) < 1e-15)
    #expect(scores.medianDCRToTrain == 0.2 && scores.medianDCRToHoldout == 0.1)
    #expect(scores.distanceAttackAUC == 0.875)
    #expect(scores.syntheticRows == 3 && scores.trainRows == 2 && scores.holdoutRows == 2)
    // Every synthetic row closer to train: protection 0.
    let copied = MembershipInference.scores(
      syntheticToTrain: [0, 0], syntheticToHoldout: [0.1, 0.2], trainToSynthetic: [0],
      holdoutToSynthetic: [0.3])
    #expect(copied.closerToTrain == 1 && copied.dcrOverfittingProtection == 0)
    #expect(MembershipInference.median([3, 1, 2, 10]) == 2.5)
  }

  @Test("the kernel equals the plain reference bit for bit on odd shapes")
  func kernelMatchesReference() {
    var rng = TestRNG(seed: 19)
    func random(_ rows: Int) -> EvaluationTable {
      func number(_ scale: Double) -> Double {
        Double.random(in: 0..<1, using: &rng) < 0.15
          ? .nan : (Double.random(in: 0...scale, using: &rng) * 4).rounded() / 4
      }
      let colours: [String?] = ["red", "blue", "green", nil]
      return Self.table(
        (0..<rows).map { _ in number(100) },
        (0..<rows).map { _ in colours.randomElement(using: &rng)! },
        (0..<rows).map { _ in number(10) },
        (0..<rows).map { _ in Double(Int.random(in: 0...1, using: &rng)) })
    }
    for (m, n) in [(7, 13), (1, 5), (5, 1), (0, 3), (3, 0), (31, 17)] {
      let a = random(m), b = random(n)
      let reference = MembershipInference.distances(a, b, ranges: Self.ranges)
      let encoded = MembershipInference.EncodedRows.encode([a, b], Self.ranges)
      #expect(
        MembershipInference.nearest(encoded[0], in: encoded[1]) == reference.fromFirst,
        "\(m)×\(n)")
      #expect(
        MembershipInference.nearest(encoded[1], in: encoded[0]) == reference.fromSecond,
        "\(m)×\(n)")
    }
  }

  /// Rows from one distribution: two continuous columns and two categorical ones.
  static func draw(_ rows: Int, using rng: inout some RandomNumberGenerator) -> EvaluationTable {
    let levels = ["a", "b", "c", "d", "e"]
    return EvaluationTable(
      names: ["u", "v", "k", "l"],
      columns: [
        .numeric((0..<rows).map { _ in Double.random(in: 0...100, using: &rng) }),
        .numeric((0..<rows).map { _ in Double.random(in: 0...100, using: &rng) }),
        .categorical((0..<rows).map { _ in levels.randomElement(using: &rng)! }),
        .categorical((0..<rows).map { _ in levels.randomElement(using: &rng)! }),
      ])
  }

  @Test("copied training rows: closer to train near 1, protection near 0, AUC well above 0.5")
  func copiesAndIndependentDraws() {
    var rng = TestRNG(seed: 7)
    let ranges: [Double?] = [100, 100, nil, nil]
    let train = Self.draw(1_000, using: &rng), holdout = Self.draw(1_000, using: &rng)
    let copy = MembershipInference.measure(
      train: train, holdout: holdout, synthetic: train, ranges: ranges, using: &rng)
    // Each copy is at distance 0 from its training row and (continuous columns) further from
    // every holdout row; each member is at distance 0 from its copy.
    #expect(copy.closerToTrain > 0.99 && copy.dcrOverfittingProtection < 0.02)
    #expect(copy.distanceAttackAUC > 0.95)
    #expect(copy.medianDCRToTrain == 0 && copy.medianDCRToHoldout > 0)
    // An independent draw: each synthetic row is as likely to be closer to either sample, so the
    // share is Binomial(1000, 1/2)/1000 with sd 0.016; the AUC of two exchangeable samples of
    // 1000 has sd √((n₁ + n₂ + 1)/(12 n₁ n₂)) ≈ 0.013. Tolerance 0.06: about 4 sd.
    let fresh = MembershipInference.measure(
      train: train, holdout: holdout, synthetic: Self.draw(1_000, using: &rng), ranges: ranges,
      using: &rng)
    #expect(abs(fresh.closerToTrain - 0.5) < 0.06, "\(fresh)")
    #expect(fresh.dcrOverfittingProtection > 0.88, "\(fresh)")
    #expect(abs(fresh.distanceAttackAUC - 0.5) < 0.06, "\(fresh)")
  }

  @Test("samples: at most the caps, training rows at most the holdout sample's size")
  func sampleCaps() {
    var rng = TestRNG(seed: 11)
    let ranges: [Double?] = [100, 100, nil, nil]
    let train = Self.draw(300, using: &rng), holdout = Self.draw(200, using: &rng)
    let scores = MembershipInference.measure(
      train: train, holdout: holdout, synthetic: Self.draw(500, using: &rng), ranges: ranges,
      queryCap: 50, searchCap: 150, using: &rng)
    #expect(scores.syntheticRows == 50 && scores.holdoutRows == 150 && scores.trainRows == 150)
    #expect(scores.attackMembers == 50 && scores.attackNonMembers == 50)
    #expect(scores.attackSyntheticRows == 150)
    let small = MembershipInference.measure(
      train: holdout, holdout: train, synthetic: holdout, ranges: ranges, using: &rng)
    #expect(small.trainRows == 200 && small.holdoutRows == 300 && small.syntheticRows == 200)
    #expect(small.attackMembers == 200 && small.attackNonMembers == 300)
    let indices = MembershipInference.sample(50, 20, using: &rng)
    #expect(Set(indices).count == 20 && indices.allSatisfy { (0..<50).contains($0) })
  }

  @Test("evaluate with privacy ranges reports the scores; the JSON has the privacy key")
  func evaluatorReportsPrivacy() throws {
    var rng = TestRNG(seed: 5)
    let train = Self.draw(100, using: &rng), holdout = Self.draw(100, using: &rng)
    let report = try Evaluator.evaluate(
      real: holdout, synthetic: train, train: train, target: nil,
      privacyRanges: [100, 100, nil, nil])
    #expect(report.privacy?.closerToTrain ?? 0 > 0.9)
    let json = try JSONSerialization.jsonObject(with: try report.json()) as? [String: Any]
    let privacy = json?["privacy"] as? [String: Any]
    for key in [
      "closerToTrain", "dcrOverfittingProtection", "medianDCRToTrain", "medianDCRToHoldout",
      "distanceAttackAUC", "tied", "syntheticRows", "trainRows", "holdoutRows", "note",
    ] {
      #expect(privacy?[key] != nil, "\(key)")
    }
    let without = try Evaluator.evaluate(real: holdout, synthetic: train, train: train, target: nil)
    #expect(without.privacy == nil)
    let plain = try JSONSerialization.jsonObject(with: try without.json()) as? [String: Any]
    #expect(plain?["privacy"] == nil)
  }
}
