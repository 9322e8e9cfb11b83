// An IDX images file (magic 0x00000803: count × rows × columns unsigned bytes) with its labels
// file (magic 0x00000801: count unsigned bytes), as MNIST and Fashion-MNIST ship them: the two
// must hold the same number of items. IDXFile.swift reads and checks each file.
//
// Fashion-MNIST (Debian's `dataset-fashion-mnist`, /usr/share/datasets/fashion-mnist) has
// train-* (60,000) and t10k-* (10,000) files of 28 × 28 images, pixels 0…255 (0 is background),
// labels 0…9; they are gzipped, so gunzip them first.

/// Greyscale images, optionally labelled, read from IDX files.
public struct IDXImageSet: Equatable, Sendable {
  public let count: Int
  public let rows: Int
  public let columns: Int
  /// (count, rows, columns), row-major.
  public let pixels: [UInt8]
  /// One per image, or nil when read without a labels file.
  public let labels: [UInt8]?

  /// Reads `images` (and `labels`, when given).
  /// - Throws: `IDXError` naming the file that is unreadable, gzipped, of another kind, cut short
  ///   or too long, of images with no pixels, or whose counts disagree.
  public init(images: String, labels: String? = nil) throws(IDXError) {
    let file = try IDXFile(contentsOf: images, dimensionCount: 3)
    let (count, rows, columns) = (file.dimensions[0], file.dimensions[1], file.dimensions[2])
    guard rows >= 1, columns >= 1 else {
      throw IDXError(path: images, problem: .emptyImage(rows: rows, columns: columns))
    }
    var labelValues: [UInt8]? = nil
    if let labels {
      let labelFile = try IDXFile(contentsOf: labels, dimensionCount: 1)
      guard labelFile.dimensions[0] == count else {
        throw IDXError(
          path: images,
          problem: .countMismatch(
            images: count, labels: labelFile.dimensions[0], labelsPath: labels))
      }
      labelValues = labelFile.values
    }
    self.count = count
    self.rows = rows
    self.columns = columns
    self.pixels = file.values
    self.labels = labelValues
  }

  /// The pixels of image `index` (rows · columns values, row-major).
  public func image(_ index: Int) -> ArraySlice<UInt8> {
    precondition((0..<count).contains(index), "image \(index) of \(count)")
    let size = rows * columns
    return pixels[(index * size)..<((index + 1) * size)]
  }
}
