// `slicegen sample --record-update`: on by default (auto) where the forest leaves measured pairs
// out, reported on the terminal; refused with the private floor and with a generator model.

import Foundation
import Testing

@Suite("sample --record-update")
struct RecordUpdateCommandTests {
  @Test(
    "Adult with the defaults: fit picks the forest, sample moves rows and says so; off does not")
  func adultDefaults() throws {
    let directory = CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let made = try CLI.run([
      "release", CLI.path("samples/adult/train.csv"), "--schema",
      CLI.path("samples/adult/schema.json"), "--epsilon", "1", "--slices", "5", "-o",
      directory + "/a.slg", "--quiet",
    ])
    #expect(made.status == 0, "\(made.stderr)")
    let fit = try CLI.run([
      "fit", directory + "/a.slg", "--epochs", "2", "-o", directory + "/a.slgm",
    ])
    #expect(fit.status == 0, "\(fit.stderr)")
    #expect(
      fit.stderr.contains("Note: --epochs set how a generator trains; this model trains none"),
      "\(fit.stderr)")
    #expect(
      fit.stderr.contains("2-way marginals out, and 'sample' moves its rows"), "\(fit.stderr)")
    let sample = try CLI.run([
      "sample", directory + "/a.slgm", "--rows", "2000", "-o", directory + "/s.csv",
    ])
    #expect(sample.status == 0, "\(sample.stderr)")
    #expect(sample.stderr.contains("Record update: rows moved toward "), "\(sample.stderr)")
    let off = try CLI.run([
      "sample", directory + "/a.slgm", "--rows", "2000", "-o", directory + "/o.csv",
      "--record-update", "off",
    ])
    #expect(off.status == 0 && !off.stderr.contains("Record update"), "\(off.stderr)")
    // The private floor never moves rows; a generator model has no marginals to move toward.
    let floor = try CLI.run([
      "sample", directory + "/a.slg", "--independent", "--record-update", "on", "--rows", "10",
      "-o", directory + "/f.csv",
    ])
    #expect(floor.status == 64, "\(floor.stderr)")
    #expect(floor.stderr.contains("--record-update cannot be combined with --independent"))
    #expect(!FileManager.default.fileExists(atPath: directory + "/f.csv"))
    let generator = try CLI.run([
      "fit", directory + "/a.slg", "--sampler", "generator", "--epochs", "1", "-o",
      directory + "/g.slgm", "--quiet",
    ])
    #expect(generator.status == 0, "\(generator.stderr)")
    let refused = try CLI.run([
      "sample", directory + "/g.slgm", "--record-update", "on", "--rows", "10", "-o",
      directory + "/g.csv",
    ])
    #expect(refused.status == 64, "\(refused.stderr)")
    #expect(
      refused.stderr.contains("--record-update is on, needs rows drawn from a release's marginals"),
      "\(refused.stderr)")
    #expect(!FileManager.default.fileExists(atPath: directory + "/g.csv"))
  }
}
