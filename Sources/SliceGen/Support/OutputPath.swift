// The one check that an output never replaces an input: `release copy.csv -o copy.csv` would
// otherwise rename the release over the private table, and `fit r.slg -o r.slg` would replace a
// release whose budget is spent. Every library entry point that writes a file calls it first,
// before reading data or creating any file; the CLI calls it too for files the library never sees
// by path (a `--schema` file, `evaluate`'s inputs).
//
// Two paths name the same file when either holds:
// - stat(2) gives the same device and inode (hard links, bind mounts, `./a` and `a`), or
// - their resolved paths are equal: absolute, `.` and `..` removed, symlinks resolved (for an
//   output that does not exist yet, its directory is resolved and its name appended).
// Deliberately not here: case-insensitive file systems beyond what the inode check catches (an
// output that does not exist yet cannot be the input).

import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// An output path that names one of the command's inputs.
public struct OutputPathError: Error, CustomStringConvertible, Equatable {
  /// The output as given.
  public var output: String
  /// The input it would replace, as given.
  public var input: String

  public var description: String {
    let same = output == input ? "it is the input" : "it is the same file as the input \(input)"
    return "refusing to write \(output): \(same), which writing would destroy. Choose another "
      + "output path (inputs are never modified)"
  }
}

/// Checks that outputs and inputs are different files.
public enum OutputPath {
  /// Throws `OutputPathError` when `output` names the same file as one of `inputs` (nil entries
  /// are skipped: optional inputs).
  public static func refuse(_ output: String, ifAnyOf inputs: [String?]) throws {
    let outputFile = FileIdentity(output)
    for case let input? in inputs where outputFile.isSame(as: FileIdentity(input)) {
      throw OutputPathError(output: output, input: input)
    }
  }

  /// Throws when two outputs of one command name the same file (a release and its side file).
  public static func refuse(_ output: String, sameAs other: String) throws {
    if FileIdentity(output).isSame(as: FileIdentity(other)) {
      throw OutputPathError(output: output, input: other)
    }
  }
}

/// What identifies a file: its device and inode when it exists, and its resolved path.
struct FileIdentity {
  var device: UInt64?
  var inode: UInt64?
  var resolvedPath: String

  init(_ path: String) {
    var info = stat()
    if stat(path, &info) == 0 {
      device = UInt64(truncatingIfNeeded: info.st_dev)
      inode = UInt64(truncatingIfNeeded: info.st_ino)
    }
    resolvedPath = Self.resolve(path)
  }

  func isSame(as other: FileIdentity) -> Bool {
    if let device, let inode, device == other.device, inode == other.inode { return true }
    return resolvedPath == other.resolvedPath
  }

  /// The absolute path with symlinks resolved; for a file that does not exist, its directory
  /// resolved and its name appended.
  static func resolve(_ path: String) -> String {
    let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
    if let real = realPath(absolute) { return real }
    let url = URL(fileURLWithPath: absolute)
    let directory = url.deletingLastPathComponent().path
    guard let real = realPath(directory) else { return absolute }
    return (real == "/" ? "" : real) + "/" + url.lastPathComponent
  }

  private static func realPath(_ path: String) -> String? {
    guard let pointer = realpath(path, nil) else { return nil }
    defer { free(pointer) }
    return String(cString: pointer)
  }
}
