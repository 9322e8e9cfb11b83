// Usage errors from anywhere, the parser or the library's validation of the options, end the
// same way: exit 64, `Error: …`, the command's usage line and where its help is. They come before
// anything is read or written.

import Foundation
import Testing

@Suite("usage errors")
struct UsageErrorTests {
  @Test("a value that looks like an option is refused with the whole usage block")
  func optionAsValue() throws {
    let result = try CLI.run(["release", "x.csv", "--schema", "--epsilon", "1"])
    #expect(result.status == 64)
    #expect(result.stdout.isEmpty)
    #expect(
      result.stderr == """
        Error: missing value for '--schema <path>': '--epsilon' is an option (write \
        --schema=<path> for a value that starts with '-')
        Usage: slicegen release <csv> [options]
        See 'slicegen release --help'.

        """)
  }

  @Test(
    "the parser's and the library's refusals: exit 64, message, usage, help; nothing written",
    arguments: [
      // The parser.
      (
        ["release", "x.csv", "--epsilon", "1", "--slices", "many"],
        "--slices is 'many', must be a whole number from 1 to 100000"
      ),
      (
        ["evaluate", "--real", "-o"],
        "missing value for '--real <holdout.csv>': '-o' is an option"
      ),
      (["inspect"], "missing argument <file>"),
      // The command's own combinations.
      (["release", "x.csv"], "--epsilon is required (for example --epsilon 1)"),
      (["merge", "a.slg"], "missing argument <release>"),
      (["evaluate", "--real", "r.csv"], "--real, --synthetic and --schema are required"),
      (
        ["plan", "--columns", "3", "--rows", "100", "--epsilon", "1", "--slices", "5"],
        "--slices applies only with --schema (a plan of a release)"
      ),
      (
        ["plan", "--schema", "s.json", "--rows", "100", "--epsilon", "1", "--target", "y"],
        "--target applies only with --columns (a plan of discovery)"
      ),
      // The library's validation (ReleaseOptions, FitOptions, Sampler, DiscoveryPlan,
      // SchemaDrafter), before any file is opened.
      (["release", "x.csv", "--epsilon", "0"], "--epsilon is 0.0, must be positive and finite"),
      (
        ["release", "x.csv", "--epsilon", "1", "--slices", "0"],
        "--slices is 0, must be from 1 to 100000"
      ),
      (
        ["release", "x.csv", "--epsilon", "1", "--aggregate-share", "1"],
        "--aggregate-share is 1.0, must be in (0, 1)"
      ),
      (
        ["release", "x.csv", "--epsilon", "1", "--subsample", "0.5"],
        "--subsample cannot be combined with marginals (the default is --marginals auto)"
      ),
      (
        ["release", "x.csv", "--epsilon", "1", "--accountant", "theorem1"],
        "--accountant is theorem1, cannot account for marginals (the default is --marginals auto)"
      ),
      (["fit", "x.slg", "--lr", "2"], "--lr is 2.0, must be in (0, 1)"),
      (["fit", "x.slg", "--tau", "0"], "--tau is 0.0, must be positive and finite"),
      (["fit", "x.slg", "--bandwidths", "1,-2"], "--bandwidths is -2.0, each must be positive"),
      (
        ["fit", "x.slg", "--hidden", "0"],
        "--hidden is '0', must be one or more widths from 1 to 8192, like 256,256"
      ),
      (["sample", "m.slgm", "--rows", "-5"], "--rows is -5, must be from 1 to 1000000000"),
      (
        ["plan", "--schema", "s.json", "--rows", "0", "--epsilon", "1"],
        "--rows is 0, must be at least 1"
      ),
      (
        ["plan", "--columns", "3", "--rows", "100", "--epsilon", "1", "--discovery-budget", "1"],
        "--discovery-budget is 1.0, must be in (0, 1): the fraction of ε and δ"
      ),
      (
        ["schema", "x.csv", "--max-categories", "0"],
        "--max-categories is 0, must be from 1 to 1000000"
      ),
      (["demo", "--epsilon", "2000"], "--epsilon is 2000.0, must be at most 1000.0"),
      (["demo", "--epochs", "0"], "--epochs is 0, must be from 1 to 1000000"),
      (["sample", "m.slgm", "--per-class", "3"], "--per-class needs --png"),
      (
        ["sample", "m.slgm", "--png", "g.png", "--rows", "5"],
        "--rows cannot be combined with --png"
      ),
      (
        ["sample", "m.slgm", "--png", "g.png", "--record-update", "on"],
        "--record-update cannot be combined with --png"
      ),
      (
        ["sample", "m.slgm", "--png", "g.png", "--per-class", "0"],
        "--per-class is 0, must be from 1 to 100"
      ),
    ])
  func refused(arguments: [String], message: String) throws {
    let directory = CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let result = try CLI.run(arguments, currentDirectory: directory)
    let command = arguments[0]
    #expect(result.status == 64, "\(result.stderr)")
    #expect(result.stderr.hasPrefix("Error: " + message), "\(result.stderr)")
    #expect(result.stderr.contains("\nUsage: slicegen \(command) "), "\(result.stderr)")
    #expect(result.stderr.hasSuffix("\nSee 'slicegen \(command) --help'.\n"), "\(result.stderr)")
    #expect(CLI.files(in: directory).isEmpty)
  }

  @Test("refusals that need the input come before any status line and exit 64 too")
  func refusedAfterReading() throws {
    let directory = CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let release = directory + "/k2.slg"
    let made = try CLI.run([
      "release", CLI.path("samples/adult/train.csv"), "--schema",
      CLI.path("samples/adult/schema.json"), "--epsilon", "4", "--marginals", "none",
      "--slices", "10", "-o", release, "--quiet",
    ])
    #expect(made.status == 0, "\(made.stderr)")
    // What fit checks against the release (k = 2 here): refused before "fit: …" is printed.
    let fit = try CLI.run([
      "fit", release, "--divergence", "sliced-wasserstein", "-o", directory + "/m.slgm",
    ])
    #expect(fit.status == 64, "\(fit.stderr)")
    #expect(fit.stderr.hasPrefix("Error: --divergence sliced-wasserstein needs a release made"))
    #expect(!fit.stderr.contains("fit: "))
    #expect(!FileManager.default.fileExists(atPath: directory + "/m.slgm"))
    // Privacy parameters the accountant cannot meet (m' = 1 under Theorem 1).
    let calibration = try CLI.run([
      "release", CLI.path("samples/adult/train.csv"), "--schema",
      CLI.path("samples/adult/schema.json"), "--epsilon", "1", "--delta", "1e-5",
      "--marginals", "none", "--accountant", "theorem1", "--slices", "1", "--slice-dim", "1",
      "-o", directory + "/t.slg",
    ])
    #expect(calibration.status == 64, "\(calibration.stderr)")
    #expect(calibration.stderr.contains("cannot carry slicegen's floating-point margin"))
    #expect(calibration.stderr.hasSuffix("See 'slicegen release --help'.\n"))
    #expect(!FileManager.default.fileExists(atPath: directory + "/t.slg"))
  }
}
