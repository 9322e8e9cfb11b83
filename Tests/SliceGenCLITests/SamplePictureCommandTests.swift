// `slicegen sample --png`: a picture of sampled images, one row per class, from a model of images;
// refused as a usage error naming --png for a model of any other table, with nothing written.

import Foundation
import Testing

@Suite("sample --png")
struct SamplePictureCommandTests {
  @Test("digits: release, fit and --png write a 582 × 582 grid of 10 classes × 10 images")
  func digits() throws {
    let directory = CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let made = try CLI.run([
      "release", CLI.path("samples/digits/train.csv"), "--schema",
      CLI.path("samples/digits/schema.json"), "--epsilon", "10", "-o", directory + "/d.slg",
      "--quiet",
    ])
    #expect(made.status == 0, "\(made.stderr)")
    let fit = try CLI.run(["fit", directory + "/d.slg", "-o", directory + "/d.slgm", "--quiet"])
    #expect(fit.status == 0, "\(fit.stderr)")
    let sample = try CLI.run(["sample", directory + "/d.slgm", "--png", directory + "/g.png"])
    #expect(sample.status == 0, "\(sample.stderr)")
    #expect(
      sample.stderr.hasPrefix(
        "Wrote \(directory)/g.png: 582 × 582 pixels, 10 classes × 10 images of 8 × 8 from "),
      "\(sample.stderr)")
    let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: directory + "/g.png")))
    // IHDR's width and height, big-endian, right after the signature and the chunk header.
    let side = { (at: Int) in bytes[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
    #expect(side(16) == 582 && side(20) == 582)
  }

  @Test(
    "digits on DP-MERF: fit --conv-channels trains the transposed-convolution generator, inspect names it, --png draws it"
  )
  func transposedConvolution() throws {
    let directory = CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let made = try CLI.run([
      "release", CLI.path("samples/digits/train.csv"), "--schema",
      CLI.path("samples/digits/schema.json"), "--epsilon", "10", "--neighbors", "zero-out",
      "--mechanism", "merf", "--features", "100", "-o", directory + "/d.slg", "--quiet",
    ])
    #expect(made.status == 0, "\(made.stderr)")
    let fit = try CLI.run([
      "fit", directory + "/d.slg", "--sampler", "conditional", "--conv-channels", "8,4",
      "--hidden", "32", "--epochs", "2", "-o", directory + "/d.slgm",
    ])
    #expect(fit.status == 0, "\(fit.stderr)")
    #expect(
      fit.stderr.contains("Class-conditional image generator: sigmoid pixels"), "\(fit.stderr)")
    // --numeric-head names the pixels' head.
    let clamped = try CLI.run([
      "fit", directory + "/d.slg", "--sampler", "conditional", "--numeric-head",
      "clamp-straight-through", "--hidden", "16", "--epochs", "1", "-o", directory + "/c.slgm",
    ])
    #expect(clamped.status == 0, "\(clamped.stderr)")
    #expect(
      clamped.stderr.contains("Class-conditional image generator: clamp-straight-through pixels"),
      "\(clamped.stderr)")
    let inspect = try CLI.run(["inspect", directory + "/d.slgm"])
    #expect(
      inspect.stdout.contains(
        "latent 64, hidden 32, then transposed convolutions 8 → 4 → 1 from 2 x 2 maps, "),
      "\(inspect.stdout)")
    let sample = try CLI.run([
      "sample", directory + "/d.slgm", "--png", directory + "/g.png", "--per-class", "2",
    ])
    #expect(sample.status == 0, "\(sample.stderr)")
    #expect(FileManager.default.fileExists(atPath: directory + "/g.png"))
  }

  @Test("--png with a model of a table without pixels: usage error naming --png, no file")
  func notImages() throws {
    let directory = CLI.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let made = try CLI.run([
      "release", CLI.path("samples/adult/train.csv"), "--schema",
      CLI.path("samples/adult/schema.json"), "--epsilon", "4", "-o", directory + "/a.slg",
      "--quiet",
    ])
    #expect(made.status == 0, "\(made.stderr)")
    let fit = try CLI.run([
      "fit", directory + "/a.slg", "--sampler", "forest", "-o", directory + "/a.slgm", "--quiet",
    ])
    #expect(fit.status == 0, "\(fit.stderr)")
    let sample = try CLI.run(["sample", directory + "/a.slgm", "--png", directory + "/g.png"])
    #expect(sample.status == 64, "\(sample.stderr)")
    #expect(
      sample.stderr.hasPrefix(
        "Error: --png needs a model of images: pixel columns px_<row>_<col>"),
      "\(sample.stderr)")
    #expect(sample.stderr.contains("this model's schema has no image layout"))
    #expect(sample.stderr.hasSuffix("See 'slicegen sample --help'.\n"))
    #expect(!FileManager.default.fileExists(atPath: directory + "/g.png"))
  }
}
