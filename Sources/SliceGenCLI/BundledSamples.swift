// Where `slicegen demo` finds the bundled Adult sample when no `--data` is given, so that the
// demo runs from any directory and not only from the repository root. It is not a search of the
// disk: it looks in three places, in order, for a folder holding `samples/adult/schema.json`:
//   1. the current directory;
//   2. the folders above the executable, symlinks resolved: a binary built by SwiftPM lives in
//      <root>/.build/<config>/slicegen or <root>/.build/<triple>/<config>/slicegen;
//   3. the folders above this source file as it was compiled (#filePath): the package the binary
//      was built from, even when the binary was copied elsewhere.

import Foundation

enum BundledSamples {
  /// The sample's folder, relative to the package root.
  static let folder = "samples/adult"
  /// The file that marks a package root holding the sample.
  static let marker = folder + "/schema.json"

  /// The roots to try, in order (each ancestor of the executable and of the source file, nearest
  /// first, without repeats).
  static func roots(executable: String?, sourceFile: String) -> [String] {
    // "." for the current directory, so that the demo's messages say `samples/adult` there.
    var roots = ["."]
    func ancestors(of path: String) {
      var url = URL(fileURLWithPath: path).resolvingSymlinksInPath().deletingLastPathComponent()
      while true {
        if !roots.contains(url.path) { roots.append(url.path) }
        let parent = url.deletingLastPathComponent()
        if parent.path == url.path || url.path == "/" { break }
        url = parent
      }
    }
    if let executable { ancestors(of: executable) }
    ancestors(of: sourceFile)
    return roots
  }

  /// The first root's sample folder that holds `schema.json`, or nil.
  static func locate(
    roots: [String], fileExists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }
  ) -> String? {
    for root in roots where fileExists(join(root, marker)) { return join(root, folder) }
    return nil
  }

  /// The sample folder for this process, or nil.
  static func locate() -> String? {
    locate(roots: roots(executable: executablePath(), sourceFile: #filePath))
  }

  /// The failure when no root holds the sample: where it looked, and `--data`.
  static func notFoundMessage(currentDirectory: String, executable: String?) -> String {
    "cannot find the bundled sample (\(marker)) in the current directory (\(currentDirectory)), "
      + "above the slicegen executable (\(executable ?? "unknown path")) or in the package it was "
      + "built from; give its folder with --data <folder> (a folder with train.csv, test.csv and "
      + "schema.json, like samples/adult of the slicegen repository)"
  }

  /// This process's executable: /proc/self/exe on Linux, else the first argument made absolute.
  static func executablePath() -> String? {
    if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
      return path
    }
    if let path = Bundle.main.executablePath { return path }
    let first = CommandLine.arguments.first ?? ""
    guard first.contains("/") else { return nil }
    return URL(fileURLWithPath: first).standardizedFileURL.path
  }

  static func join(_ root: String, _ relative: String) -> String {
    root == "." ? relative : root.hasSuffix("/") ? root + relative : root + "/" + relative
  }
}
