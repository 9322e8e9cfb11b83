// Deterministic mutations of valid release and model files, for the loader fuzz test
// (LoaderFuzzingTests) and `slicegen-bench fuzz-loaders`. Every mutant must either load or throw
// a ReleaseFileError / ModelFileError / ReleaseError: a trap (overflow, precondition, index out of
// range) would end the process, which is the failure these runs look for.
//
// Mutations, drawn with a seeded SplitMix64:
// - flip: one to four random bits anywhere in the file;
// - header flip: one to four bytes of the 16-byte prefix or the JSON header replaced;
// - truncate: the file cut at a random length;
// - extend: one to 64 random bytes appended;
// - length field: bytes 8..<16 set to a huge, negative-as-signed, off-by-one or random value;
// - field rewrite (re-signed): a number of the JSON header (rows, sigma, parameterCount, …)
//   replaced by an extreme value, the header length and the SHA-256 trailer recomputed, so the
//   header's own checks are reached, as with a crafted file;
// - re-signed flip: header bytes replaced and the trailer recomputed.
// Deliberately not here: what `fit` or `sample` do with a file that loads (a crafted but
// consistent header can still describe a poor model); the loaders' checks are what is tested.

import Foundation

/// Mutates valid files and runs the loaders on them.
public enum LoaderFuzzing {
  /// Which loader a file goes to.
  public enum Kind: String, Sendable {
    /// `Release(contentsOf:)`, then `ReleaseFileReader` to the end, then `ReleaseTemplate`.
    case release
    /// `Model(contentsOf:)`.
    case model
  }

  /// How many mutants loaded, and how many were refused, by class of reason.
  public struct Tally: Sendable {
    public var loaded = 0
    public var refused: [String: Int] = [:]
    public var total: Int { loaded + refused.values.reduce(0, +) }
    public init() {}

    public mutating func add(_ other: Tally) {
      loaded += other.loaded
      for (key, count) in other.refused { refused[key, default: 0] += count }
    }
  }

  /// SplitMix64: small, seeded, the same on every platform.
  struct Generator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
  }

  /// Extreme values written over numbers of the header.
  static let extremes = [
    "-1", "0", "1", "2", "9223372036854775807", "-9223372036854775808", "4611686018427387904",
    "3037000500", "65536", "1e308", "-1e308", "1e-320", "-0.0", "0.5", "1.5", "2e9",
  ]

  /// The JSON header of `bytes` (a valid file's), its byte range.
  static func headerRange(_ bytes: [UInt8]) -> Range<Int>? {
    guard bytes.count >= 48 else { return nil }
    var length = 0
    for i in 0..<8 { length |= Int(bytes[8 + i]) << (8 * i) }
    guard length > 0, 16 + length + 32 <= bytes.count else { return nil }
    return 16..<(16 + length)
  }

  /// Replaces the header with `json` (re-padded to a multiple of 64 from the file's start) and
  /// recomputes the length field and the SHA-256 trailer.
  static func resigned(_ bytes: [UInt8], header json: [UInt8]) -> [UInt8] {
    guard let range = headerRange(bytes) else { return bytes }
    var header = json
    let padded = (16 + header.count + 63) / 64 * 64 - 16
    header += [UInt8](repeating: 0x20, count: padded - header.count)
    var out = Array(bytes[0..<8])
    for i in 0..<8 {
      out.append(UInt8(truncatingIfNeeded: UInt64(header.count) >> (8 * UInt64(i))))
    }
    out += header
    out += bytes[range.upperBound..<(bytes.count - 32)]
    var hasher = SHA256()
    hasher.update(out)
    return out + hasher.finalize()
  }

  /// Re-signs `bytes` as they are (the trailer of every byte before it).
  static func resigned(_ bytes: [UInt8]) -> [UInt8] {
    guard bytes.count >= 32 else { return bytes }
    var body = Array(bytes.dropLast(32))
    var hasher = SHA256()
    hasher.update(body)
    body += hasher.finalize()
    return body
  }

  /// One to four random bits of `bytes` flipped.
  static func flipBits(_ bytes: inout [UInt8], using rng: inout Generator) {
    for _ in 0..<Int.random(in: 1...4, using: &rng) {
      bytes[Int.random(in: 0..<bytes.count, using: &rng)] ^=
        1 << UInt8.random(in: 0..<8, using: &rng)
    }
  }

  /// One to 64 random bytes appended.
  static func appendRandomBytes(_ bytes: inout [UInt8], using rng: inout Generator) {
    for _ in 0..<Int.random(in: 1...64, using: &rng) {
      bytes.append(UInt8.random(in: 0...255, using: &rng))
    }
  }

  /// The `index`-th mutant of `bytes` (deterministic in `seed` and `index`), and its kind.
  public static func mutant(of bytes: [UInt8], seed: UInt64, index: Int) -> (String, [UInt8]) {
    var rng = Generator(state: seed &* 0x2545_F491_4F6C_DD1D &+ UInt64(index))
    var out = bytes
    let header = headerRange(bytes) ?? 0..<min(bytes.count, 64)
    switch Int.random(in: 0..<7, using: &rng) {
    case 0:
      flipBits(&out, using: &rng)
      return ("flip", out)
    case 1:
      for _ in 0..<Int.random(in: 1...4, using: &rng) {
        let at = Int.random(in: 0..<header.upperBound, using: &rng)
        out[at] = UInt8.random(in: 0...255, using: &rng)
      }
      return ("header flip", out)
    case 2:
      return ("truncate", Array(out.prefix(Int.random(in: 0..<out.count, using: &rng))))
    case 3:
      appendRandomBytes(&out, using: &rng)
      return ("extend", out)
    case 4:
      let size = UInt64(out.count)
      let values: [UInt64] = [
        .max, 1 << 63, (1 << 63) - 1, UInt64(Int.max) - 15, UInt64(Int.max) - 47, 0,
        size - 48, size - 47, size, rng.next(), UInt64.random(in: 0..<size, using: &rng),
      ]
      let value = values[Int.random(in: 0..<values.count, using: &rng)]
      for i in 0..<8 { out[8 + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
      return ("length field", out)
    case 5:
      // A number of the header replaced by an extreme value, then re-signed.
      let json = Array(bytes[header])
      var numbers: [Range<Int>] = []
      var i = 0
      while i < json.count {
        let c = json[i]
        // A number starts after a space, colon, bracket or comma.
        let digit = c == UInt8(ascii: "-") || (c >= 0x30 && c <= 0x39)
        if digit, i > 0, " :[,".utf8.contains(json[i - 1]) {
          var j = i + 1
          while j < json.count, "0123456789.eE+-".utf8.contains(json[j]) { j += 1 }
          numbers.append(i..<j)
          i = j
        } else {
          i += 1
        }
      }
      guard let target = numbers.randomElement(using: &rng) else { return ("field rewrite", out) }
      let value = Array(extremes.randomElement(using: &rng)!.utf8)
      var edited = Array(json[..<target.lowerBound]) + value + Array(json[target.upperBound...])
      while edited.last == 0x20 { edited.removeLast() }
      return ("field rewrite", resigned(bytes, header: edited))
    default:
      for _ in 0..<Int.random(in: 1...3, using: &rng) {
        out[Int.random(in: header, using: &rng)] = UInt8.random(in: 0x20...0x7E, using: &rng)
      }
      return ("re-signed flip", resigned(out))
    }
  }

  /// Loads the file at `path` with the loaders of `kind`; nil when it loads, else the class of
  /// the refusal (a short phrase taken from the message).
  public static func load(_ path: String, as kind: Kind) -> String? {
    do {
      switch kind {
      case .release:
        let release = try Release(contentsOf: path)
        let reader = try ReleaseFileReader(path: path)
        try reader.skipToEnd()
        if release.header.marginals == nil {
          _ = try ReleaseTemplate(firstReleaseAt: path)
        }
      case .model:
        _ = try Model(contentsOf: path)
      }
      return nil
    } catch {
      return reason(of: "\(error)")
    }
  }

  /// A refusal's class, from its message.
  static func reason(of message: String) -> String {
    let classes = [
      ("bad magic", "bad magic"), ("release file, not a model", "bad magic"),
      ("header length field", "header length field"), ("checksum", "checksum"),
      ("truncated", "truncated"), ("trailing bytes", "trailing bytes"),
      ("not a valid", "header is not valid JSON or misses a field"),
      ("format", "format or version"), ("inconsistent sizes", "inconsistent sizes"),
      ("inconsistent header", "inconsistent model header"),
      ("invalid privacy", "invalid privacy fields"), ("marginal", "marginals"),
      ("bins", "marginals"), ("header field", "a header field with a value it cannot take"),
      ("--like", "not usable as a first release (--like)"),
    ]
    for (needle, name) in classes where message.contains(needle) { return name }
    return "other: " + String(message.prefix(80))
  }

  /// Runs `count` mutants of the file at `validPath` through the loaders of `kind`, writing each
  /// to `scratchPath`. A mutant that traps ends the process.
  public static func run(
    validPath: String, kind: Kind, count: Int, seed: UInt64, scratchPath: String
  ) throws -> Tally {
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: validPath)))
    var tally = Tally()
    for index in 0..<count {
      let (_, mutant) = mutant(of: bytes, seed: seed, index: index)
      try Data(mutant).write(to: URL(fileURLWithPath: scratchPath))
      if let reason = load(scratchPath, as: kind) {
        tally.refused[reason, default: 0] += 1
      } else {
        tally.loaded += 1
      }
    }
    return tally
  }
}
