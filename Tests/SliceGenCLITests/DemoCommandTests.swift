import Foundation
import Testing

@testable import SliceGenCLI

@Suite("slicegen demo")
struct DemoCommandTests {
  @Test("run from another directory, demo finds the bundled sample (then stops on --output)")
  func findsSamplesFromAnyDirectory() throws {
    // The whole demo takes minutes; an --output that is a file stops it right after the data
    // was found, before anything is read or written.
    let directory = CLI.temporaryDirectory()
    CLI.write("not a folder\n", to: directory + "/taken")
    let result = try CLI.run(["demo", "--output", "taken"], currentDirectory: directory)
    #expect(result.status == 1)
    let samples = CLI.repository.appendingPathComponent("samples/adult").resolvingSymlinksInPath()
    #expect(result.stderr.contains("Data: \(samples.path)\n"), "\(result.stderr)")
    #expect(result.stderr.contains("Error: --output taken is a file, not a folder"))
    #expect(!result.stderr.contains("cannot read the schema file"))
    #expect(CLI.files(in: directory) == ["taken"])
  }

  @Test("in the repository root the sample is ./samples/adult")
  func currentDirectoryFirst() throws {
    let directory = CLI.temporaryDirectory()
    CLI.write("not a folder\n", to: directory + "/taken")
    let result = try CLI.run(
      ["demo", "--output", directory + "/taken"], currentDirectory: CLI.repository.path)
    #expect(result.status == 1)
    #expect(result.stderr.contains("Data: samples/adult\n"), "\(result.stderr)")
  }

  @Test("a --data folder without schema.json is named in the failure")
  func dataWithoutSchema() throws {
    let directory = CLI.temporaryDirectory()
    let result = try CLI.run(["demo", "--data", directory])
    #expect(result.status == 1)
    #expect(result.stderr.contains("Error: --data \(directory): no schema.json there"))
  }

  @Test("the roots: the current directory, then above the executable, then the build path")
  func roots() throws {
    let root = CLI.temporaryDirectory()
    let binary = root + "/.build/x86_64-unknown-linux-gnu/release"
    try FileManager.default.createDirectory(atPath: binary, withIntermediateDirectories: true)
    let roots = BundledSamples.roots(
      executable: binary + "/slicegen", sourceFile: "/elsewhere/Sources/SliceGenCLI/Demo.swift")
    let resolvedRoot = URL(fileURLWithPath: root).resolvingSymlinksInPath().path
    #expect(roots.first == ".")
    #expect(roots.firstIndex(of: resolvedRoot) == 4)  // release, triple, .build, root
    #expect(roots.contains("/elsewhere"))
    #expect(roots.filter { $0 == "/" }.count == 1)
    // Nothing there yet: not found. With the sample's schema in the root: found there.
    let others = roots.filter { $0 != "." && !$0.hasPrefix("/elsewhere") && $0 != "/" }
    #expect(BundledSamples.locate(roots: others) == nil)
    try FileManager.default.createDirectory(
      atPath: root + "/samples/adult", withIntermediateDirectories: true)
    CLI.write("{}", to: root + "/samples/adult/schema.json")
    #expect(BundledSamples.locate(roots: others) == resolvedRoot + "/samples/adult")
    // The current directory wins, and is written relative.
    #expect(
      BundledSamples.locate(roots: roots, fileExists: { $0 == "samples/adult/schema.json" })
        == "samples/adult")
  }

  @Test("the not-found message says where it looked and names --data")
  func notFoundMessage() {
    let message = BundledSamples.notFoundMessage(
      currentDirectory: "/tmp/x", executable: "/opt/bin/slicegen")
    #expect(message.contains("samples/adult/schema.json"))
    #expect(message.contains("/tmp/x") && message.contains("/opt/bin/slicegen"))
    #expect(message.contains("--data <folder>"))
  }
}
