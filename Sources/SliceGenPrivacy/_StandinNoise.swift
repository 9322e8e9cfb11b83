// TEMPORARY stand-in until the noise helper's SecureNoise lands. Not for commit.
import SliceGenNumerics

public struct SecureNoise {
  var generator: ChaCha20
  public let isPrivate: Bool
  public init() {
    var system = SystemRandomNumberGenerator()
    let key = (0..<32).map { _ in UInt8.random(in: 0...255, using: &system) }
    generator = ChaCha20(key: key)
    isPrivate = true
  }
  init(seed: UInt64) { generator = ChaCha20(seed: seed); isPrivate = false }
  public static func insecureForTesting(seed: UInt64) -> SecureNoise { SecureNoise(seed: seed) }
  public mutating func addGaussian(to buffer: UnsafeMutableBufferPointer<Float>, sigma: Double) {
    GaussianSampling.addNoise(to: buffer, standardDeviation: Float(sigma), using: &generator)
  }
  public mutating func uniformInt(below n: Int) -> Int { Int.random(in: 0..<n, using: &generator) }
  public mutating func includes(probability q: Double) -> Bool {
    Double(generator.next() >> 11) * 0x1p-53 < q
  }
  public mutating func randomSeed() -> UInt64 { generator.next() }
}
