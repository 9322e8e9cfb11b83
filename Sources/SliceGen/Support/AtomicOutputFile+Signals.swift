// Temporary files of AtomicOutputFile removed when the process is killed by SIGINT, SIGTERM or
// SIGHUP: without this, a release interrupted while writing left its hidden
// `.name.tmp-PID-N` file behind (57 MB seen), since neither `discard()` nor `deinit` runs.
//
// A process-wide registry of the temporary paths, as C strings made in advance, in a fixed table
// of atomic slots: the signal handler does only async-signal-safe work (atomic loads, unlink(2),
// signal(2), raise(2)) and allocates nothing. It then restores the default action and re-raises
// the signal, so the parent sees the process killed by it (a shell reports 130 or 143).
//
// Freeing a path's C string races with a handler on another thread that may be reading it. The
// handler first sets `terminating`, then reads the slots; unregistering first clears the slot,
// then frees only if `terminating` is still false. With sequentially consistent operations on
// both sides, either the handler sees the cleared slot or the unregistering thread sees the flag
// (and leaks the few bytes, as the process is about to end anyway).
//
// Deliberately not here: SIGKILL (cannot be caught), more than `capacity` files open at once
// (the rest are not tracked; a command has one or two), and installing handlers behind the
// caller's back: a program opts in with `removeTemporaryFilesOnSignals()` (the CLI does).

import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The registry of temporary paths the signal handler removes.
enum TemporaryFileRegistry {
  static let capacity = 64
  /// Each slot: the bit pattern of a malloc'd C string, or 0.
  static let slots: InlineArray<64, Atomic<Int>> = InlineArray { _ in Atomic(0) }
  /// Set by the handler before it reads the slots.
  static let terminating = Atomic<Bool>(false)

  /// Registers `path`; returns its slot, or nil when the table is full.
  static func register(_ path: String) -> Int? {
    guard let copy = strdup(path) else { return nil }
    let bits = Int(bitPattern: copy)
    for index in 0..<capacity {
      if slots[index].compareExchange(
        expected: 0, desired: bits, ordering: .sequentiallyConsistent
      ).exchanged {
        return index
      }
    }
    free(copy)
    return nil
  }

  /// Forgets the path in `slot` (after the file was renamed into place or removed).
  static func unregister(_ slot: Int) {
    let bits = slots[slot].exchange(0, ordering: .sequentiallyConsistent)
    guard bits != 0, !terminating.load(ordering: .sequentiallyConsistent) else { return }
    free(UnsafeMutablePointer<CChar>(bitPattern: bits))
  }

  /// The paths registered now (for tests).
  static var registeredPaths: [String] {
    (0..<capacity).compactMap { index in
      let bits = slots[index].load(ordering: .sequentiallyConsistent)
      return UnsafePointer<CChar>(bitPattern: bits).map { String(cString: $0) }
    }
  }

  /// The handler: unlink every registered path, then die of the signal.
  static let handler: @convention(c) (Int32) -> Void = { signalNumber in
    TemporaryFileRegistry.terminating.store(true, ordering: .sequentiallyConsistent)
    for index in 0..<TemporaryFileRegistry.capacity {
      let bits = TemporaryFileRegistry.slots[index].load(ordering: .sequentiallyConsistent)
      if let path = UnsafePointer<CChar>(bitPattern: bits) { unlink(path) }
    }
    signal(signalNumber, SIG_DFL)
    raise(signalNumber)
  }
}

extension AtomicOutputFile {
  /// Installs handlers for SIGINT, SIGTERM and SIGHUP that remove every temporary file still
  /// open, then end the process by the same signal. A signal whose action is not the default
  /// (ignored, as for a background job's SIGINT, or handled by the program) is left alone.
  /// The three signals are unblocked in the calling thread: a process inherits its parent's
  /// signal mask, and a child started from a Dispatch worker thread (which blocks nearly every
  /// signal) would otherwise hold SIGTERM pending forever and could not be stopped.
  /// Call once, early, on the main thread (the `slicegen` executable does, before any command).
  public static func removeTemporaryFilesOnSignals() {
    // Touch the registry's globals here, so the handler never runs their lazy initialisation.
    _ = TemporaryFileRegistry.terminating.load(ordering: .relaxed)
    _ = TemporaryFileRegistry.slots[0].load(ordering: .relaxed)
    var unblocked = sigset_t()
    sigemptyset(&unblocked)
    for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
      let previous = signal(signalNumber, TemporaryFileRegistry.handler)
      if previous != nil {
        // Not SIG_DFL: put the previous action back.
        signal(signalNumber, previous)
      }
      sigaddset(&unblocked, signalNumber)
    }
    pthread_sigmask(SIG_UNBLOCK, &unblocked, nil)
  }
}
