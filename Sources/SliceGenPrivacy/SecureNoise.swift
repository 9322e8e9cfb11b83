// The source of every random choice that protects privacy: the noise V of the release, the noise
// of aggregate counts, the Poisson subsampling coins, the row shuffle and the projection seed.
//
// Construction. A ChaCha20 keystream (RFC 8439) keyed with 32 bytes and a 12-byte nonce from the
// operating system (Swift's SystemRandomNumberGenerator: getrandom(2) on Linux, arc4random on
// Darwin), drawn fresh for every SecureNoise value. Gaussian values by the polar method
// (SliceGenNumerics/GaussianSampling.swift) on 53-bit uniforms; bounded integers by rejection,
// so they are exactly uniform.
//
// Threat model.
// Defends against:
//  - predictable or reused noise: the key comes from the OS for every release, is never written
//    anywhere, and no user input (no seed, no option) reaches it; a user's --seed only drives
//    post-processing (training, sampling), and --projection-seed only the public U (then the
//    accounting changes to the worst case over neighbours, see ReleaseCalibration);
//  - an observer of the release who knows everything but the key: ChaCha20 is a
//    cryptographically secure stream, so the noise is computationally indistinguishable from
//    truly random noise.
// Does not defend against:
//  - floating-point attacks (Mironov, CCS 2012): the Gaussian values are doubles rounded to
//    float32 and added to float32 projections, so the set of reachable outputs depends slightly on
//    the true value; an attacker who sees exact float bits could in principle learn about the
//    low-order bits of x·U. Mitigations not implemented: a discrete Gaussian on a grid (Canonne,
//    Kamath, Steinke 2020) with the projections snapped to the same grid, or snapping the outputs
//    (Mironov's snapping mechanism). The accounting assumes ideal real-valued Gaussians;
//  - timing side channels (the polar method's rejection loop is data-independent, but nothing is
//    constant-time), a compromised operating-system generator, or someone reading the process's
//    memory on the data owner's machine while it runs (the key and the private rows are there).
// A test-only switch (`insecureForTesting(seed:)`) makes the noise reproducible; its releases say
// "NOT PRIVATE" in their statement.
//
// Bulk noise on several threads (`GaussianNoiseStreams`): a fresh 256-bit key is drawn from this
// source's keystream, and stream number t is ChaCha20 under that key with nonce (t, "slic"): a
// distinct nonce per stream, counter from 0. ChaCha20 is a pseudorandom function of (key, nonce,
// counter), so distinct streams are computationally independent and none repeats another's words;
// the key is as unpredictable as the source (the OS key, or the test seed). The caller numbers the
// streams by position in its output (never by thread), so the noise does not depend on how many
// threads draw it, and uses each number once.

import SliceGenNumerics

/// The cryptographically secure noise source of releases.
///
/// ## Privacy
/// Every privacy guarantee slicegen states assumes its noise comes from here.
public struct SecureNoise {
  private var stream: ChaCha20
  /// False only for the test-only reproducible source.
  public let isPrivate: Bool

  /// A source keyed from the operating system.
  public init() {
    var system = SystemRandomNumberGenerator()
    var key = [UInt8](repeating: 0, count: 32)
    var nonce = [UInt8](repeating: 0, count: 12)
    for i in key.indices { key[i] = UInt8.random(in: 0...255, using: &system) }
    for i in nonce.indices { nonce[i] = UInt8.random(in: 0...255, using: &system) }
    stream = ChaCha20(key: key, nonce: nonce)
    isPrivate = true
  }

  private init(testSeed: UInt64) {
    stream = ChaCha20(seed: testSeed)
    isPrivate = false
  }

  /// TESTS ONLY: reproducible noise. A release made with it is labelled NOT private.
  public static func insecureForTesting(seed: UInt64) -> SecureNoise {
    SecureNoise(testSeed: seed)
  }

  /// Adds N(0, σ²) to every entry.
  public mutating func addGaussian(to buffer: UnsafeMutableBufferPointer<Float>, sigma: Double) {
    GaussianSampling.addNoise(to: buffer, standardDeviation: Float(sigma), using: &stream)
  }

  /// A uniform integer in 0..<n (rejection sampling: exactly uniform).
  public mutating func uniformInt(below n: Int) -> Int {
    precondition(n > 0)
    return Int(UInt64.random(in: 0..<UInt64(n), using: &stream))
  }

  /// A coin that is true with probability q (53-bit resolution).
  public mutating func includes(probability q: Double) -> Bool {
    Double(stream.next() >> 11) * 0x1p-53 < q
  }

  /// A fresh secure 64-bit value (the projection seed when the user gives none).
  public mutating func randomSeed() -> UInt64 { stream.next() }

  /// Independent Gaussian noise streams under a fresh key drawn from this source (for filling
  /// large buffers on several threads; see the header comment).
  public mutating func gaussianStreams() -> GaussianNoiseStreams {
    var key = SIMD8<UInt32>()
    for i in 0..<4 {
      let word = stream.next()
      key[2 * i] = UInt32(truncatingIfNeeded: word)
      key[2 * i + 1] = UInt32(truncatingIfNeeded: word >> 32)
    }
    return GaussianNoiseStreams(key: key, isPrivate: isPrivate)
  }
}

/// Numbered, independent N(0, σ²) noise streams under one secret key (from `SecureNoise`).
///
/// ## Privacy
/// Stream t is ChaCha20(key, nonce = (t, "slic"), counter 0) through the polar method in bulk
/// (`GaussianSampling.addNoise(to:standardDeviation:keystream:)`, bit-identical to the plain
/// sampler). Use each stream number once; which numbers cover which output is the caller's fixed
/// layout, so the values do not depend on the number of threads. Safe to share between threads.
public struct GaussianNoiseStreams: Sendable {
  private let key: SIMD8<UInt32>
  /// False only when the key came from the test-only source.
  public let isPrivate: Bool

  fileprivate init(key: SIMD8<UInt32>, isPrivate: Bool) {
    self.key = key
    self.isPrivate = isPrivate
  }

  /// The most values one stream may fill: about 2^26 values use some 10^7 of the 2^32 blocks a
  /// nonce allows, so the block counter cannot wrap.
  public static let maximumStreamLength = 1 << 26

  /// Adds N(0, σ²) to every entry, from stream number `stream`.
  public func addGaussian(
    to buffer: UnsafeMutableBufferPointer<Float>, sigma: Double, stream: UInt64
  ) {
    precondition(buffer.count <= Self.maximumStreamLength)
    var keystream = ChaCha20(
      keyWords: key,
      nonceWords: SIMD3(
        UInt32(truncatingIfNeeded: stream), UInt32(truncatingIfNeeded: stream >> 32),
        0x6369_6c73),  // "slic"
      counter: 0)
    GaussianSampling.addNoise(to: buffer, standardDeviation: Float(sigma), keystream: &keystream)
  }
}
