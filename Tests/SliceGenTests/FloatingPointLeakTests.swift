import Foundation
import SliceGenPrivacy
import Testing

@testable import SliceGen

/// The outside review's attack on noisy counts (issue 13, defect 1), run on real releases: for
/// each released value y with its σ, which integer counts c in the window [y − 8σ, y + 8σ] are
/// consistent with y = c + z for a noise value z the sampler can produce? Before format 3 the
/// noise was a float32 added in double, so y − c had to be a float32: that pinned 79 of 4,974
/// Adult cells to their true count. Now every candidate must remain consistent.
@Suite("Floating-point leak of noisy counts")
struct FloatingPointLeakTests {
  /// Candidates c in the window for which y − c is a value the old sampler could add (a float32).
  static func float32Consistent(_ y: Double, sigma: Double) -> (consistent: Int, window: Int) {
    let low = Int((y - 8 * sigma).rounded(.down)), high = Int((y + 8 * sigma).rounded(.up))
    let consistent = (low...high).filter { c in
      let z = y - Double(c)
      return Double(Float(z)) == z
    }.count
    return (consistent, high - low + 1)
  }

  /// Candidates c for which y − c is on the snapped grid (a value the new sampler can publish).
  static func gridConsistent(_ y: Double, sigma: Double, grid: Double) -> (Int, Int) {
    let low = Int((y - 8 * sigma).rounded(.down)), high = Int((y + 8 * sigma).rounded(.up))
    let consistent = (low...high).filter { c in
      let z = y - Double(c)
      return (z / grid).rounded() * grid == z
    }.count
    return (consistent, high - low + 1)
  }

  @Test("no released count or score of an Adult release with marginals singles out a count")
  func adultRelease() throws {
    // Secure noise, the combined release on 4,000 Adult rows (the attack needs no more).
    let schema = try Schema(contentsOf: TestPaths.adultSchema)
    let rows = try String(contentsOfFile: TestPaths.adultTrain, encoding: .utf8)
      .split(separator: "\n", omittingEmptySubsequences: true).prefix(4001)
    let csv = TestPaths.write(rows.joined(separator: "\n") + "\n")
    for epsilon in [1.0, 4.0] {
      var options = ReleaseOptions(epsilon: epsilon)
      options.delta = 1e-6
      options.slices = 20
      options.marginals = .select(20)
      options.selectionMechanism = .gaussian  // publishes the noisy scores this checks
      let path = TestPaths.temporary("leak.slg")
      _ = try Releaser.release(csvPath: csv, schema: schema, options: options, outputPath: path)
      let header = try Release(contentsOf: path).header
      #expect(!header.hasFloatingPointLeak && header.formatVersion >= 3)
      var cells = 0
      for marginal in try #require(header.marginals) {
        let grid = SnappedGaussian.countGrid(sigma: marginal.sigma)
        for y in marginal.noisyCounts {
          cells += 1
          let (consistent, window) = Self.float32Consistent(y, sigma: marginal.sigma)
          #expect(consistent == window, "count \(y), σ = \(marginal.sigma)")
          let (onGrid, all) = Self.gridConsistent(y, sigma: marginal.sigma, grid: grid)
          #expect(onGrid == all)
        }
      }
      let selection = try #require(header.pairSelection)
      let grid = SnappedGaussian.grid(sigma: selection.sigma)
      for y in selection.noisyScores {
        cells += 1
        // Scores are not integers; every value on the score grid is consistent with every
        // integer shift of a multiple of the grid, and y itself is on the grid.
        #expect((y / grid).rounded() * grid == y)
        let (consistent, window) = Self.float32Consistent(y, sigma: selection.sigma)
        #expect(consistent == window, "score \(y), σ = \(selection.sigma)")
      }
      #expect(cells > 1000)
    }
  }

  @Test("the old publication rule is caught by the same attack (the test can fail)")
  func oldRuleIsCaught() {
    // c + Double(Float noise), as format 2 published it, for counts around 1,000 at σ = 10.
    var rng = SystemRandomNumberGenerator()
    var pinned = 0
    for _ in 0..<200 {
      let c = Double(Int.random(in: 500...5000, using: &rng))
      let noise = Float(Double.random(in: -1...1, using: &rng) * 30)
      let y = c + Double(noise)
      let (consistent, window) = Self.float32Consistent(y, sigma: 10)
      if consistent < window { pinned += 1 }
    }
    #expect(pinned > 20)
  }

  @Test("absurd parameters are refused before the CSV is read (issue 13, defect 6)")
  func upFront() throws {
    let schema = try Schema(contentsOf: TestPaths.adultSchema)
    // The CSV does not exist: an error about ε or δ shows the check came first.
    for (epsilon, delta, message) in [
      (1e308, 1e-5, "epsilon is 1e+308, must be at most"),
      (1, 1e-30, "delta is 1e-30, must be at least"),
    ] as [(Double, Double, String)] {
      var options = ReleaseOptions(epsilon: epsilon)
      options.delta = delta
      #expect(throws: (any Error).self) {
        try Releaser.release(
          csvPath: "/nonexistent/private.csv", schema: schema, options: options,
          outputPath: TestPaths.temporary("never.slg"))
      }
      do {
        _ = try Releaser.release(
          csvPath: "/nonexistent/private.csv", schema: schema, options: options,
          outputPath: TestPaths.temporary("never.slg"))
      } catch {
        #expect("\(error)".contains(message), "\(error)")
      }
    }
  }
}
