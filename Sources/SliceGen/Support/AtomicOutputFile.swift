// A file written in pieces and published whole: bytes go to a hidden temporary file in the target
// directory, and `commit()` renames it into place (rename is atomic on POSIX file systems). If the
// writer is dropped or `discard()` is called first, the temporary file is removed, so a failed
// command never leaves a partial output; a process killed by SIGINT, SIGTERM or SIGHUP removes
// it too, once the program opted in (AtomicOutputFile+Signals.swift). Optionally hashes
// everything written (SHA-256).

import Dispatch
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// An output that is invisible until it is complete.
public final class AtomicOutputFile {
  public let path: String
  let temporaryPath: String
  private var handle: FileHandle?
  private var buffer: [UInt8] = []
  private let bufferLimit = 1 << 20
  private var hasher: SHA256?
  public private(set) var bytesWritten = 0
  /// The temporary path's slot in the signal handler's registry, until committed or discarded.
  private var registrySlot: Int?

  /// Creates the temporary file; fails with a message naming `path` when it cannot be written.
  public init(path: String, hashing: Bool = false) throws {
    self.path = path
    let url = URL(fileURLWithPath: path)
    let directory = url.deletingLastPathComponent().path
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory),
      isDirectory.boolValue
    else {
      throw OutputError(path: path, reason: "the directory \(directory) does not exist")
    }
    var existingIsDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &existingIsDirectory),
      existingIsDirectory.boolValue
    {
      throw OutputError(path: path, reason: "is a directory")
    }
    let name = url.lastPathComponent
    let temporary =
      directory + "/." + name + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    temporaryPath = temporary
    // Registered before it exists: a signal in between unlinks a file that is not there yet.
    registrySlot = TemporaryFileRegistry.register(temporary)
    guard FileManager.default.createFile(atPath: temporaryPath, contents: nil) else {
      unregisterTemporaryPath()
      throw OutputError(path: path, reason: "cannot create a file in \(directory) (permission?)")
    }
    guard let handle = FileHandle(forWritingAtPath: temporaryPath) else {
      try? FileManager.default.removeItem(atPath: temporaryPath)
      unregisterTemporaryPath()
      throw OutputError(path: path, reason: "cannot open for writing")
    }
    self.handle = handle
    if hashing { hasher = SHA256() }
    buffer.reserveCapacity(bufferLimit)
  }

  deinit { discard() }

  /// Appends raw bytes. Large writes (from 256 KiB) go straight to the file without a copy, and
  /// when hashing, the write(2) runs on another thread while this one hashes the same bytes
  /// (both only read them; the call returns when both are done).
  public func write(_ bytes: UnsafeRawBufferPointer) throws {
    bytesWritten += bytes.count
    let direct = bytes.count >= directLimit
    // Buffered bytes go out first, so the file keeps the order of the calls.
    if direct || buffer.count + bytes.count > bufferLimit { try flush() }
    if direct {
      guard hasher != nil else { return try writeToHandle(bytes) }
      let writer = self.writer ?? BackgroundWriter()
      self.writer = writer
      let job = DirectWrite(file: self, bytes: bytes)
      writer.start(job)
      hasher!.update(bytes)
      writer.wait()
      if let error = job.error { throw error }
    } else {
      hasher?.update(bytes)
      buffer.append(contentsOf: bytes)
    }
  }

  private let directLimit = 1 << 18
  private var writer: BackgroundWriter?

  /// One dedicated thread that runs write jobs one at a time (a thread of its own rather than the
  /// Dispatch pool, whose threads may all be blocked by the caller's own workers).
  private final class BackgroundWriter: @unchecked Sendable {
    private let ready = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)
    private var job: DirectWrite?

    init() {
      let thread = Thread { [self] in
        while true {
          ready.wait()
          guard let job else { return }
          job.run()
          done.signal()
        }
      }
      thread.start()
    }

    func start(_ job: DirectWrite) {
      self.job = job
      ready.signal()
    }

    func wait() { done.wait() }

    /// Ends the thread.
    func stop() {
      job = nil
      ready.signal()
    }

  }

  /// One write(2) job handed to another thread; the caller waits for it before reading `error`.
  private final class DirectWrite: @unchecked Sendable {
    let file: AtomicOutputFile
    let bytes: UnsafeRawBufferPointer
    var error: Error?
    init(file: AtomicOutputFile, bytes: UnsafeRawBufferPointer) {
      self.file = file
      self.bytes = bytes
    }
    func run() {
      do { try file.writeToHandle(bytes) } catch { self.error = error }
    }
  }

  public func write(_ bytes: [UInt8]) throws {
    try bytes.withUnsafeBytes { try write($0) }
  }

  public func write(_ text: String) throws {
    try write(Array(text.utf8))
  }

  /// Appends Float values as little-endian float32.
  public func write(floats: UnsafeBufferPointer<Float>) throws {
    #if _endian(little)
      try write(UnsafeRawBufferPointer(floats))
    #else
      try write(floats.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) })
    #endif
  }

  /// The SHA-256 of everything written so far (only when created with `hashing: true`).
  public func digest() -> [UInt8] {
    var copy = hasher!
    return copy.finalize()
  }

  private func flush() throws {
    guard !buffer.isEmpty else { return }
    try buffer.withUnsafeBytes { try writeToHandle($0) }
    buffer.removeAll(keepingCapacity: true)
  }

  /// write(2) until every byte is out (retrying short writes and EINTR).
  private func writeToHandle(_ bytes: UnsafeRawBufferPointer) throws {
    guard let handle else { throw OutputError(path: path, reason: "already closed") }
    let descriptor = handle.fileDescriptor
    var offset = 0
    while offset < bytes.count {
      let written = systemWrite(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
      if written < 0 {
        if errno == EINTR { continue }
        let reason = String(cString: strerror(errno))
        throw OutputError(path: path, reason: "write failed (\(reason))")
      }
      offset += written
    }
  }

  /// Flushes, syncs and renames the file into place.
  public func commit() throws {
    stopWriter()
    try flush()
    guard let handle else { throw OutputError(path: path, reason: "already closed") }
    try? handle.synchronize()
    try? handle.close()
    self.handle = nil
    if rename(temporaryPath, path) != 0 {
      let reason = String(cString: strerror(errno))
      try? FileManager.default.removeItem(atPath: temporaryPath)
      unregisterTemporaryPath()
      throw OutputError(path: path, reason: "cannot move the finished file into place (\(reason))")
    }
    unregisterTemporaryPath()
  }

  private func unregisterTemporaryPath() {
    if let registrySlot { TemporaryFileRegistry.unregister(registrySlot) }
    registrySlot = nil
  }

  private func stopWriter() {
    writer?.stop()
    writer = nil
  }

  /// Removes the temporary file; nothing is published.
  public func discard() {
    stopWriter()
    if let handle {
      try? handle.close()
      self.handle = nil
      try? FileManager.default.removeItem(atPath: temporaryPath)
    }
    unregisterTemporaryPath()
  }

  /// Writes `data` to `path` atomically.
  public static func write(_ data: Data, to path: String) throws {
    let file = try AtomicOutputFile(path: path)
    try data.withUnsafeBytes { try file.write($0) }
    try file.commit()
  }
}

#if canImport(Glibc)
  private let systemWrite = Glibc.write
#elseif canImport(Darwin)
  private let systemWrite = Darwin.write
#endif

/// An output file that cannot be written.
public struct OutputError: Error, CustomStringConvertible, Equatable {
  public var path: String
  public var reason: String
  public var description: String { "\(path): \(reason)" }
}
