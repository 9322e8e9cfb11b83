// Many small greyscale images of one size in one picture: `rows` × `columns` cells, filled row by
// row, each image enlarged `scale` times (nearest neighbour, so an 8 × 8 digit becomes a visible
// block of 8·scale pixels a side), cells separated from each other and from the edge by `gap`
// pixels of `gapLevel`. A cell without an image is left at `gapLevel` too.
//
// Pixel values are mapped linearly from `valueRange` to 0…255 and rounded to nearest:
// v ↦ round(255 · (v − lower) / (upper − lower)), clamped to 0…255, NaN to 0. Digits use
// 0...16, 8-bit images 0...255, a sigmoid output 0...1. High values are white, as MNIST is
// usually shown.
//
// The picture is (rows·h·scale + (rows + 1)·gap) × (columns·w·scale + (columns + 1)·gap) pixels for
// images of w × h.

/// A layout of equally sized greyscale images in rows and columns.
public struct ImageGrid: Equatable, Sendable {
  /// One image's width and height, in its own pixels.
  public var imageWidth: Int
  public var imageHeight: Int
  public var rows: Int
  public var columns: Int
  /// Pixels between cells and around the edge (0 for none).
  public var gap: Int
  /// Each image pixel becomes a `scale` × `scale` block.
  public var scale: Int
  /// The grey of the gaps and of empty cells (0 black … 255 white).
  public var gapLevel: UInt8

  public init(
    imageWidth: Int, imageHeight: Int, rows: Int, columns: Int, gap: Int = 1, scale: Int = 1,
    gapLevel: UInt8 = 128
  ) {
    self.imageWidth = imageWidth
    self.imageHeight = imageHeight
    self.rows = rows
    self.columns = columns
    self.gap = gap
    self.scale = scale
    self.gapLevel = gapLevel
  }

  /// The largest scale factor accepted.
  public static let maximumScale = 64

  /// The picture's width and height in pixels.
  /// - Throws: `PNGError` when a dimension is not positive (the gap may be 0), the scale is above
  ///   `maximumScale`, or the picture would pass `PNGImage.maximumBytes`.
  public func pictureSize() throws(PNGError) -> (width: Int, height: Int) {
    guard imageWidth >= 1, imageHeight >= 1, rows >= 1, columns >= 1, gap >= 0,
      (1...Self.maximumScale).contains(scale)
    else {
      throw PNGError.size(
        "a grid of \(rows) × \(columns) images of \(imageWidth) × \(imageHeight) pixels, scale "
          + "\(scale), gap \(gap): every count must be at least 1, the gap at least 0, the "
          + "scale at most \(Self.maximumScale)")
    }
    func side(_ cells: Int, _ pixels: Int) -> Int? {
      let gaps = CheckedSize.sum(cells, 1).flatMap { CheckedSize.product($0, gap) }
      return CheckedSize.sum(CheckedSize.product(cells, pixels, scale), gaps)
    }
    guard let width = side(columns, imageWidth), let height = side(rows, imageHeight),
      let bytes = CheckedSize.product(width, height), bytes <= PNGImage.maximumBytes
    else {
      throw PNGError.size(
        "a grid of \(rows) × \(columns) images of \(imageWidth) × \(imageHeight) pixels at "
          + "scale \(scale) is larger than the encoder's limit of \(PNGImage.maximumBytes) bytes")
    }
    return (width, height)
  }

  /// The grey level (0…255) of `value` on `range` (see the file header).
  public static func level<T: BinaryFloatingPoint>(_ value: T, on range: ClosedRange<T>) -> UInt8 {
    guard !value.isNaN else { return 0 }
    let fraction = (value - range.lowerBound) / (range.upperBound - range.lowerBound)
    let scaled = (255 * fraction).rounded()
    return scaled <= 0 ? 0 : scaled >= 255 ? 255 : UInt8(scaled)
  }

  /// The grid as a greyscale picture. Image i goes to row i / columns, column i % columns; each
  /// image is row-major, imageWidth · imageHeight values.
  /// - Throws: `PNGError` when the layout is invalid (see `pictureSize()`), there are more images
  ///   than cells, an image has the wrong number of values, or `valueRange` is not a finite range
  ///   of positive width.
  public func picture<T: BinaryFloatingPoint>(
    of images: [[T]], valueRange: ClosedRange<T>
  ) throws(PNGError) -> PNGImage {
    try picture(ofCells: images.map(Optional.some), valueRange: valueRange)
  }

  /// The grid as a greyscale picture with some cells left blank: cell i holds `cells[i]`, or
  /// `gapLevel` throughout when it is nil (a class of which too few images were drawn).
  /// - Throws: `PNGError` as `picture(of:valueRange:)`.
  public func picture<T: BinaryFloatingPoint>(
    ofCells images: [[T]?], valueRange: ClosedRange<T>
  ) throws(PNGError) -> PNGImage {
    let (width, height) = try pictureSize()
    guard valueRange.lowerBound.isFinite, valueRange.upperBound.isFinite,
      valueRange.lowerBound < valueRange.upperBound
    else {
      throw PNGError.size("the value range \(valueRange) must be finite with lower below upper")
    }
    guard images.count <= rows * columns else {
      throw PNGError.size("\(images.count) images do not fit in \(rows) × \(columns) cells")
    }
    let perImage = imageWidth * imageHeight
    if let bad = images.firstIndex(where: { ($0?.count ?? perImage) != perImage }) {
      throw PNGError.size(
        "image \(bad) has \(images[bad]?.count ?? 0) values; a \(imageWidth) × \(imageHeight) image "
          + "has \(perImage)")
    }
    var pixels = [UInt8](repeating: gapLevel, count: width * height)  // (height, width)
    for (index, image) in images.enumerated() {
      guard let image else { continue }
      let top = gap + (index / columns) * (imageHeight * scale + gap)
      let left = gap + (index % columns) * (imageWidth * scale + gap)
      for y in 0..<imageHeight {
        for x in 0..<imageWidth {
          let level = Self.level(image[y * imageWidth + x], on: valueRange)
          for dy in 0..<scale {
            let start = (top + y * scale + dy) * width + left + x * scale
            for dx in 0..<scale { pixels[start + dx] = level }
          }
        }
      }
    }
    return try PNGImage(width: width, height: height, colourType: .greyscale, pixels: pixels)
  }
}
