// Rows of chosen classes from a class-conditional image generator (ConditionalImageGenerator.swift):
// `sample --png` asks for `perClass` images of every class and gets exactly those, with no
// rejection. Post-processing of the release: no privacy is spent.

import Foundation
import SliceGenNumerics

extension Sampler {
  /// For a model with a label condition: `perClass` rows of each category of the label in its
  /// order (a missing category skipped), decoded as `generateRows` decodes, handed to `body`.
  /// - Throws: `FitError` when the model is not class-conditional; what `body` throws.
  public static func conditionalRows(
    model: Model, perClass: Int, seed: UInt64, _ body: ([String]) throws -> Void
  ) throws {
    let architecture = model.header.architecture
    guard let condition = architecture.condition,
      case .categorical(let categories, let missingIndex) = Encoding(schema: model.header.schema)
        .blocks[condition.block].kind
    else { throw FitError(message: "the model is not a class-conditional generator") }
    let encoding = Encoding(schema: model.header.schema)
    let generator = try MLPGenerator(architecture: architecture, parameters: model.parameters)
    var rng = SeededStream.make(seed: seed, stream: SeededStream.sampling)
    let latent = architecture.latent
    let none = [Bool](repeating: false, count: encoding.blocks.count)
    var fields: [String] = []
    for k in categories.indices where k != missingIndex {
      var latents = [Float](repeating: 0, count: perClass * latent)
      latents.withUnsafeMutableBufferPointer {
        GaussianSampling.fill($0, standardDeviation: 1, using: &rng)
      }
      let cache = latents.withUnsafeBufferPointer {
        generator.forward(
          latents: $0.baseAddress!, batch: perClass,
          labels: [Int](repeating: k, count: perClass))
      }
      try cache.output.withUnsafeBufferPointer { out in
        for i in 0..<perClass {
          encoding.decode(
            out.baseAddress! + i * encoding.width, into: &fields, using: &rng, sample: true,
            decodedElsewhere: none)
          try body(fields)
        }
      }
    }
  }
}
