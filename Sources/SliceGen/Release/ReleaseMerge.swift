// `slicegen merge`: one release of the union of shards released with the same U, schema and σ
// (`release --like`). It checks that the shards agree on everything the guarantee depends on,
// names the first difference when they do not, and concatenates their rows (in the order given)
// into one release file, streaming: at most one chunk of rows is in memory, whatever n is.
// The guarantee (parallel composition if the shards hold disjoint rows; the fixed-U bound for rows
// chosen after U was public) is derived in SliceGenPrivacy/ShardAccounting.swift and
// Docs/privacy.md. Disjointness is assumed, not checked (only one release given twice is refused:
// the same file, or the same noisy rows in any order), so the header also states the ε of a row
// released several times (`repeatedRowEpsilon`).
// Merging is post-processing of the shards' outputs: it reads no private data and spends nothing.

import Foundation
import SliceGenPrivacy

/// Merges shard releases.
public enum ReleaseMerge {
  /// Rows copied per read.
  static let chunkRows = 4096

  /// Checks that `paths` can be merged and writes the union to `outputPath` atomically.
  ///
  /// ## Privacy
  /// If the parts hold disjoint rows, the output satisfies the largest (ε, δ) of its parts under
  /// their common relation (parallel composition: each row is protected once, by its shard's
  /// mechanism); its header also states the fixed-U bound for rows chosen after U was public, and
  /// the ε of a row released in 2 or 3 parts. Tests: ReleaseMergeTests.
  /// - Returns: the header as written.
  @discardableResult
  public static func merge(
    paths: [String], outputPath: String, progress: (Int) -> Void = { _ in }
  ) throws -> ReleaseHeader {
    guard paths.count >= 2 else { throw ReleaseError("merge needs at least two releases") }
    try OutputPath.refuse(outputPath, ifAnyOf: paths)
    let readers = try paths.map { try ReleaseFileReader(path: $0) }
    let checksums = try paths.map { try Release.storedChecksum(ofFileAt: $0) }
    for (i, reader) in readers.enumerated() {
      let h = reader.header
      let path = paths[i]
      guard h.merged == nil else {
        throw ReleaseError("\(path) is already a merged release; merge the shards in one command")
      }
      guard h.projectionSeedSource == "secure" else {
        throw ReleaseError(
          "\(path): its projection seed was chosen by the user; shards need U "
            + "drawn at random by the first release and copied with --like")
      }
      if let j = checksums[..<i].firstIndex(of: checksums[i]) {
        throw ReleaseError(
          "\(path) and \(paths[j]) are the same release (SHA-256 "
            + "\(checksums[i].prefix(16))…): merging it twice would count its rows twice")
      }
    }
    let first = readers[0].header
    for i in 1..<readers.count {
      if let difference = firstDifference(first, readers[i].header) {
        throw ReleaseError(
          "\(paths[i]) cannot be merged with \(paths[0]): they differ in \(difference). Shards "
            + "must be released with --like from the same first release (Docs/shards.md)")
      }
    }
    let discovered = readers.indices.filter { readers[$0].header.privacy.discovery != nil }
    guard discovered.count <= 1 else {
      throw ReleaseError(
        "\(paths[discovered[1]]) and \(paths[discovered[0]]) both discovered "
          + "their schema; only the first release discovers, the others copy it with --like")
    }
    // Every part's settings in range and its σ no smaller than they calibrate (a release file is
    // checksummed, not authenticated): the same checks as a --like template.
    for (i, reader) in readers.enumerated() {
      _ = try ShardSettings(header: reader.header, file: paths[i])
    }

    // U: the same bytes in every part, and the U of the seed.
    let directions = try readers.map { try $0.directionBytes() }
    for i in 1..<readers.count where directions[i] != directions[0] {
      throw ReleaseError(
        "\(paths[i]) cannot be merged with \(paths[0]): they differ in U (the "
          + "stored projection directions; SHA-256 \(hex(directions[i]).prefix(16))… vs "
          + "\(hex(directions[0]).prefix(16))…)")
    }
    let u = directions[0].littleEndianFloats()
    let regenerated = SlicingMechanism.directions(
      encodedWidth: first.encodedWidth, projectionCount: first.projections,
      seed: UInt64(first.projectionSeed) ?? 0)
    guard u.map(\.bitPattern) == regenerated.map(\.bitPattern) else {
      throw ReleaseError(
        "\(paths[0]): its stored U is not the U of its seed "
          + "\(first.projectionSeed) (a different slicegen version, or a modified file)")
    }

    // The merged guarantee.
    let rows = readers.reduce(0) { $0 + $1.header.rows }
    let (releaseEpsilon, releaseDelta) = releaseSpend(first)
    let epsilon = readers.map(\.header.privacy.epsilon).max()!
    let delta = readers.map(\.header.privacy.delta).max()!
    guard delta < 1 / Double(rows) else {
      throw ReleaseError(
        "the merged release would state δ = \(delta), which is not below 1/n = "
          + "\(1 / Double(rows)) for its n = \(rows) rows (a δ of 1/n allows publishing one row "
          + "in the clear). Release the first shard with --delta below 1/(10·total rows); "
          + "Docs/shards.md")
    }
    let fixed = ShardAccounting.fixedDirectionsEpsilon(
      directions: u, encodedWidth: first.encodedWidth, projections: first.projections,
      sigma: first.sigma, delta: releaseDelta, subsampling: first.privacy.subsampling)
    var header = first
    header.toolVersion = SliceGenVersion.current
    header.rows = rows
    header.shard = nil
    header.privacy.epsilon = epsilon
    header.privacy.delta = delta
    header.privacy.discovery = discovered.first.map { readers[$0].header.privacy.discovery! }
    header.privacy.noiseIsPrivate = readers.allSatisfy(\.header.privacy.noiseIsPrivate)
    header.privacy.domainProtected = readers.allSatisfy(\.header.privacy.domainProtected)
    header.merged = MergeInfo(
      parts: readers.indices.map { i in
        let h = readers[i].header
        return MergeInfo.Part(
          rows: h.rows, checksum: checksums[i], epsilon: h.privacy.epsilon,
          delta: h.privacy.delta, like: h.shard != nil)
      },
      releaseEpsilon: releaseEpsilon, releaseDelta: releaseDelta,
      fixedDirectionsEpsilon: fixed.epsilon, spectralNormBound: fixed.spectralNormBound,
      repeatedRows: [2, 3].map { k in
        MergeInfo.RepeatedRow(
          copies: k,
          epsilon: repeatedRowEpsilon(
            copies: k, sigma: first.sigma, encodedWidth: first.encodedWidth,
            projections: first.projections, delta: releaseDelta))
      })
    if first.marginals != nil {
      header.marginals = try mergedMarginals(readers.map(\.header), paths: paths, rows: rows)
    }
    header.privacy.statement = PrivacyText.mergedStatement(for: header)

    // Write: header, U, then every part's rows as raw bytes, checking each part's checksum.
    let (headerBytes, written) = try Release.encodedHeader(header)
    let file = try AtomicOutputFile(path: outputPath, hashing: true)
    try file.write(Release.magic)
    var length = UInt64(headerBytes.count).littleEndian
    try withUnsafeBytes(of: &length) { try file.write($0) }
    try file.write(headerBytes)
    try directions[0].withUnsafeBytes { try file.write($0) }
    var copied = 0
    var rowDigests: [UInt64] = []
    for reader in readers {
      var digest: UInt64 = 0
      while let chunk = try reader.nextRows(chunkRows) {
        try chunk.withUnsafeBytes { try file.write($0) }
        digest &+= rowMultisetDigest(chunk, rowBytes: 4 * first.projections)
        copied += chunk.count / (4 * first.projections)
        progress(copied)
      }
      try reader.skipToEnd()  // verifies the checksum of an empty part too
      rowDigests.append(digest)
    }
    precondition(copied == rows)
    // The same release given twice under other bytes (an edited header, rows in another order):
    // refused before the output is committed, like any error while copying.
    for i in readers.indices where readers[i].header.rows > 0 {
      if let j = readers.indices.first(where: {
        $0 < i && readers[$0].header.rows == readers[i].header.rows
          && rowDigests[$0] == rowDigests[i]
      }) {
        throw ReleaseError(
          "\(paths[i]) and \(paths[j]) hold the same noisy rows (in some order): "
            + "they are one release given twice, and merging would count its rows twice")
      }
    }
    try file.write(file.digest())
    try file.commit()
    return written
  }

  /// The ε at `delta` of a row released `copies` times (k shards, or k times in one table), by the
  /// exact profile accountant, whatever accountant calibrated σ.
  ///
  /// ## Privacy
  /// Neighbours differ in the k copies of one row, x against x'. Conditional on U each copy's
  /// output is a Gaussian mechanism with the same shift (x − x')U and its own independent noise, so
  /// the k outputs together are one Gaussian mechanism with μ² = k·‖(x − x')U‖²/σ² = k·c²·Q/s²,
  /// the same Q ~ χ²(m') for every copy (s = σ√d, c = ‖x − x'‖ ≤ 1; shuffling is
  /// post-processing). That is the χ²-mixture profile at noise scale s/√k (SlicingAccountant).
  /// With Poisson subsampling each copy's output is a post-processing of its unsubsampled output
  /// (a coin and an independent draw of the other rows), so the unsubsampled profile is an upper
  /// bound: this ε ignores the amplification. Tests: ReleaseMergeTests.
  static func repeatedRowEpsilon(
    copies k: Int, sigma: Double, encodedWidth d: Int, projections mPrime: Int, delta: Double
  ) -> Double {
    precondition(k >= 1 && sigma > 0 && delta > 0 && delta < 1)
    let s = sigma * Double(d).squareRoot()
    // With the implementation margin of k·m' published values (ImplementationMargin.swift).
    let shift = ShiftMargin.randomDirections(encodedWidth: d, projections: mPrime)
    let margin = ImplementationMargin(affectedValues: k * mPrime, delta: delta, shift: shift)
    return SlicingAccountant.epsilon(
      delta: margin.idealDelta(delta), noiseScale: s / Double(k).squareRoot(),
      projections: mPrime, shift: shift) + margin.epsilon
  }

  /// The sum (wrapping) of a 64-bit hash of every row in `chunk`: summed over a part, equal for
  /// two parts that hold the same rows in any order, without holding a hash per row. It catches
  /// one release given twice under different bytes; it is no defence against a crafted file (a
  /// sum of hashes can be steered), and none is needed there: the same rows released twice with
  /// fresh noise are indistinguishable from other rows anyway.
  static func rowMultisetDigest(_ chunk: Data, rowBytes: Int) -> UInt64 {
    chunk.withUnsafeBytes { raw in
      var sum: UInt64 = 0
      var offset = 0
      while offset + rowBytes <= raw.count {
        var hasher = Hasher()
        hasher.combine(bytes: UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + rowBytes)]))
        sum &+= UInt64(truncatingIfNeeded: hasher.finalize())
        offset += rowBytes
      }
      return sum
    }
  }

  /// The spend of a release's projections alone (without its discovery).
  static func releaseSpend(_ h: ReleaseHeader) -> (epsilon: Double, delta: Double) {
    if let spend = h.privacy.discovery { return (spend.releaseEpsilon, spend.releaseDelta) }
    return (h.privacy.epsilon, h.privacy.delta)
  }

  /// The first setting in which two shard headers differ, in words, or nil.
  /// The merged marginals: every part counts the same tables on the same bins with the same σ
  /// (checked), each on its own rows with its own noise, so the sum of the parts' noisy counts is
  /// the table of all rows plus the sum of k independent noises, σ√k (post-processing: each row's
  /// counts were released once, by its own part). The consistent probabilities are recomputed
  /// from the sums.
  static func mergedMarginals(_ headers: [ReleaseHeader], paths: [String], rows: Int) throws
    -> [ReleasedMarginal]
  {
    let first = headers[0].marginals!
    for (i, h) in headers.enumerated().dropFirst() {
      guard let marginals = h.marginals, marginals.count == first.count,
        zip(marginals, first).allSatisfy({ a, b in
          a.columns == b.columns && a.bins == b.bins && a.shape == b.shape
            && a.binGroups == b.binGroups && a.sigma.bitPattern == b.sigma.bitPattern
        })
      else {
        throw ReleaseError(
          "\(paths[i]) cannot be merged with \(paths[0]): their marginals "
            + "differ (tables, bins or σ); shards with marginals come from one first release "
            + "with --like")
      }
    }
    let names = headers[0].schema.keptColumns.map(\.name)
    let allBins = headers[0].columnBins!
    let k = Double(headers.count)
    let specs = first.map { m in
      Releaser.MarginalSpec(
        columns: m.columns.map { names.firstIndex(of: $0)! }, shape: m.shape, groups: m.binGroups)
    }
    let sums = first.indices.map { t in
      headers.reduce([Double](repeating: 0, count: first[t].noisyCounts.count)) { total, h in
        zip(total, h.marginals![t].noisyCounts).map(+)
      }
    }
    let sigmas = first.map { $0.sigma * k.squareRoot() }
    return Releaser.consistentMarginals(
      tables: specs, counts: sums, sigmas: sigmas, names: names, bins: allBins, rows: rows)
  }

  static func firstDifference(_ a: ReleaseHeader, _ b: ReleaseHeader) -> String? {
    func differ<T: Equatable>(_ what: String, _ x: T, _ y: T) -> String? {
      x == y ? nil : "\(what): \(y) vs \(x)"
    }
    if let d = differ("the projection seed (U)", a.projectionSeed, b.projectionSeed) { return d }
    if let d = differ("the encoded width d", a.encodedWidth, b.encodedWidth) { return d }
    if let d = differ("the number of slices m", a.slices, b.slices) { return d }
    if let d = differ("the slice dimension k", a.sliceDim, b.sliceDim) { return d }
    // What the encoding depends on (the free-text source and the discovery record are
    // descriptive, and a JSON round trip may move a record's last digit).
    if a.schema.columns != b.schema.columns || a.schema.missingTokens != b.schema.missingTokens
      || a.schema.dataDerived != b.schema.dataDerived
    {
      return "the schema (\(schemaDifference(a.schema, b.schema)))"
    }
    if a.sigma.bitPattern != b.sigma.bitPattern {
      return "σ: \(b.sigma) vs \(a.sigma)"
    }
    if let d = differ("the neighbouring relation", a.privacy.neighbors, b.privacy.neighbors) {
      return d
    }
    if let d = differ("the accountant", a.privacy.accountant, b.privacy.accountant) { return d }
    if a.privacy.subsampling != b.privacy.subsampling {
      return "the subsampling rate: \(b.privacy.subsampling.map { "\($0)" } ?? "none") vs "
        + "\(a.privacy.subsampling.map { "\($0)" } ?? "none")"
    }
    let (ea, da) = releaseSpend(a)
    let (eb, db) = releaseSpend(b)
    if ea != eb || da != db {
      return "the release's own (ε, δ): (\(eb), \(db)) vs (\(ea), \(da))"
    }
    return nil
  }

  static func schemaDifference(_ a: Schema, _ b: Schema) -> String {
    if a.columns.map(\.name) != b.columns.map(\.name) {
      return "columns \(b.columns.map(\.name)) vs \(a.columns.map(\.name))"
    }
    for (x, y) in zip(a.columns, b.columns) where x != y {
      return "column \"\(x.name)\" is declared differently"
    }
    if a.missingTokens != b.missingTokens { return "missing-value tokens" }
    return "dataDerived"
  }

  static func hex(_ data: Data) -> String {
    var hasher = SHA256()
    data.withUnsafeBytes { hasher.update($0) }
    return SHA256.hexText(hasher.finalize())
  }
}
