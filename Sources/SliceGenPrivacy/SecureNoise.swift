// The source of every random choice that protects privacy: the noise V of the release, the noise
// of aggregate counts, the Poisson subsampling coins, the row shuffle and the projection seed.
//
// Construction. A ChaCha20 keystream (RFC 8439) keyed with 32 bytes and a 12-byte nonce from the
// operating system (Swift's SystemRandomNumberGenerator: getrandom(2) on Linux, arc4random on
// Darwin), drawn fresh for every SecureNoise value. Gaussian values by `PreciseGaussian`
// (SnappedGaussian.swift: Box–Muller in double precision with a proven coupling to the exact
// Gaussian), published only through `SnappedGaussian.snap` (the noisy value rounded to a grid far
// coarser than the sampler's resolution); σ is used as the Double the calibration returned, never
// narrowed. Bounded integers by rejection, so they are exactly uniform.
//
// Threat model.
// Defends against:
//  - predictable or reused noise: the key comes from the OS for every release, is never written
//    anywhere, and no user input (no seed, no option) reaches it; a user's --seed only drives
//    post-processing (training, sampling), and --projection-seed only the public U (then the
//    accounting changes to the worst case over neighbours, see ReleaseCalibration);
//  - an observer of the release who knows everything but the key: ChaCha20 is a
//    cryptographically secure stream, so the noise is computationally indistinguishable from
//    truly random noise;
//  - floating-point attacks on the published numbers (Mironov, CCS 2012): every noisy value is
//    snapped to a grid of spacing at least σ/128, so its low-order bits carry nothing about the
//    query; the sampler's remaining distance from an exact Gaussian is bounded and accounted
//    (Docs/privacy.md, "What is published, bit for bit").
// Does not defend against:
//  - timing side channels (nothing is constant-time: the binade loop of the uniform and the
//    libm calls take data-independent but variable time), a compromised operating-system
//    generator, or someone reading the process's memory on the data owner's machine while it runs
//    (the key and the private rows are there).
// A test-only switch (`insecureForTesting(seed:)`) makes the noise reproducible; its releases say
// "NOT PRIVATE" in their statement.
//
// Noise on several threads (`GaussianNoiseStreams`): a fresh 256-bit key is drawn from this
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

  /// Each value plus N(0, σ²) noise, snapped to `grid` (`SnappedGaussian.snap`).
  public mutating func snappedGaussian(_ values: [Double], sigma: Double, grid: Double)
    -> [Double]
  {
    precondition(sigma > 0 && sigma.isFinite && grid > 0)
    var out = values
    var i = 0
    while i < out.count {
      let (a, b) = PreciseGaussian.pair(using: &stream)
      out[i] = SnappedGaussian.snap(values[i], noise: sigma * a, grid: grid)
      if i + 1 < out.count {
        out[i + 1] = SnappedGaussian.snap(values[i + 1], noise: sigma * b, grid: grid)
      }
      i += 2
    }
    return out
  }

  /// A uniform integer in 0..<n (rejection sampling: exactly uniform).
  public mutating func uniformInt(below n: Int) -> Int {
    precondition(n > 0)
    return Int(UInt64.random(in: 0..<UInt64(n), using: &stream))
  }

  /// A uniform 128-bit integer in 0..<n (Lemire's method with rejection: exactly uniform).
  public mutating func uniformWide(below n: UInt128) -> UInt128 {
    precondition(n > 0)
    return UInt128.random(in: 0..<n, using: &stream)
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
/// Stream t is ChaCha20(key, nonce = (t, "slic"), counter 0) through `PreciseGaussian`; every
/// noisy value is snapped (`SnappedGaussian.snap`). Use each stream number once; which numbers
/// cover which output is the caller's fixed layout, so the values do not depend on the number of
/// threads. Safe to share between threads.
public struct GaussianNoiseStreams: Sendable {
  private let key: SIMD8<UInt32>
  /// False only when the key came from the test-only source.
  public let isPrivate: Bool

  fileprivate init(key: SIMD8<UInt32>, isPrivate: Bool) {
    self.key = key
    self.isPrivate = isPrivate
  }

  /// The most values one stream may fill: about 2^26 values use some 2·10^7 of the 2^32 blocks a
  /// nonce allows, so the block counter cannot wrap.
  public static let maximumStreamLength = 1 << 26

  /// Replaces every value q by q + N(0, σ²) snapped to `grid`, from stream number `stream`.
  /// The grid must make every snapped value a float (the caller checks |q| + 40σ < 2^23·grid).
  public func addSnappedGaussian(
    to buffer: UnsafeMutableBufferPointer<Float>, sigma: Double, grid: Double, stream: UInt64
  ) {
    precondition(buffer.count <= Self.maximumStreamLength)
    precondition(sigma > 0 && sigma.isFinite && grid > 0)
    var keystream = BufferedChaCha20(
      ChaCha20(
        keyWords: key,
        nonceWords: SIMD3(
          UInt32(truncatingIfNeeded: stream), UInt32(truncatingIfNeeded: stream >> 32),
          0x6369_6c73),  // "slic"
        counter: 0))
    let n = buffer.count
    var i = 0
    while i < n {
      let (a, b) = PreciseGaussian.pair(using: &keystream)
      buffer[i] = Self.float(SnappedGaussian.snap(Double(buffer[i]), noise: sigma * a, grid: grid))
      if i + 1 < n {
        buffer[i + 1] = Self.float(
          SnappedGaussian.snap(Double(buffer[i + 1]), noise: sigma * b, grid: grid))
      }
      i += 2
    }
  }

  /// A snapped value as a float; exact by the caller's range check.
  @inline(__always)
  private static func float(_ y: Double) -> Float {
    let f = Float(y)
    precondition(Double(f) == y, "a snapped projection is not a float: the grid is too fine")
    return f
  }
}
