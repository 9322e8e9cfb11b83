// One run of a program as a child process, with its own wall time and peak resident memory, for
// `slicegen compare` (which runs slicegen's own commands, one cell step at a time).
//
// Foundation's Process reaps its child itself and keeps the resource usage to itself, and
// getrusage(RUSAGE_CHILDREN) reports the largest of all children so far, not this one's. So the
// child is started with posix_spawn and reaped with wait4, which returns the usage of exactly
// that child: ru_maxrss, its peak resident set in KiB on Linux.

import Foundation

#if canImport(Glibc)
  import Glibc
#endif

struct ChildProcess {
  /// How one run ended.
  struct Outcome: Sendable {
    /// The exit status; a signal's number + 128 when the child was killed (as a shell reports it).
    var status: Int32
    var seconds: Double
    /// Peak resident memory of the child, bytes.
    var peakBytes: Int
  }

  /// The path of the running executable (to run slicegen's own commands).
  static var currentExecutable: String {
    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
      ?? Bundle.main.executablePath ?? CommandLine.arguments[0]
  }

  /// Runs `executable` with `arguments`, stdin empty, stdout and stderr appended to the two
  /// files (which may be the same), and waits for it.
  static func run(
    _ executable: String, _ arguments: [String], stdout: String, stderr: String
  ) throws -> Outcome {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    let append = O_WRONLY | O_CREAT | O_APPEND
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, stdout, append, 0o644)
    if stderr == stdout {
      posix_spawn_file_actions_adddup2(&actions, 1, 2)
    } else {
      posix_spawn_file_actions_addopen(&actions, 2, stderr, append, 0o644)
    }

    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    let start = Date()
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
    guard spawned == 0 else {
      throw ChildProcessError(
        message: "could not start \(executable): \(String(cString: strerror(spawned)))")
    }
    var status: Int32 = 0
    var usage = rusage()
    while wait4(pid, &status, 0, &usage) == -1 {
      guard errno == EINTR else {
        throw ChildProcessError(message: "waiting for \(executable) failed: errno \(errno)")
      }
    }
    let seconds = Date().timeIntervalSince(start)
    // The <sys/wait.h> macros, which Swift does not import: the low 7 bits are the signal that
    // ended the child (0: it exited), bits 8-15 its exit code.
    let signal = status & 0x7f
    let code = signal == 0 ? (status >> 8) & 0xff : 128 + signal
    return Outcome(status: code, seconds: seconds, peakBytes: Int(usage.ru_maxrss) * 1024)
  }
}

struct ChildProcessError: Error, CustomStringConvertible {
  var message: String
  var description: String { message }
}
