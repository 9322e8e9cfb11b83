// An 8-bit greyscale or RGB picture and its PNG encoding (ISO/IEC 15948, the PNG specification),
// written by hand: the signature, then the chunks IHDR, IDAT and IEND, each
// [length: 4 bytes big-endian][type: 4 ASCII bytes][data][CRC-32 of type and data]. IDAT holds a
// zlib stream (ZlibStream.swift) of the scanlines, each preceded by its filter byte 0 ("none").
// Not here: compression (stored deflate blocks only), palettes, alpha, 16-bit depth, interlacing,
// ancillary chunks. The tests decode the output with Python's standard library (zlib, struct).
//
// ImageGrid.swift lays many small images out in one picture.

import Foundation

/// An 8-bit picture, row-major, channels interleaved: `pixels` has shape (height, width,
/// channels).
public struct PNGImage: Equatable, Sendable {
  /// The PNG colour types this encoder writes (IHDR's colour type field).
  public enum ColourType: UInt8, Sendable {
    /// One byte per pixel: 0 black, 255 white.
    case greyscale = 0
    /// Three bytes per pixel: red, green, blue.
    case rgb = 2

    /// Bytes per pixel.
    public var channels: Int { self == .greyscale ? 1 : 3 }
  }

  public let width: Int
  public let height: Int
  public let colourType: ColourType
  /// (height, width, channels), row 0 at the top.
  public let pixels: [UInt8]

  /// The largest width or height PNG allows (2^31 − 1).
  public static let maximumSide = Int(Int32.max)
  /// The largest scanline data this encoder builds in memory (1 GiB).
  public static let maximumBytes = 1 << 30

  /// A picture of `width` × `height` pixels.
  /// - Throws: `PNGError` when a side is not from 1 to `maximumSide`, the picture's data would
  ///   pass `maximumBytes`, or `pixels` does not hold width · height · channels bytes.
  public init(width: Int, height: Int, colourType: ColourType, pixels: [UInt8]) throws(PNGError) {
    guard (1...Self.maximumSide).contains(width), (1...Self.maximumSide).contains(height) else {
      throw PNGError.size(
        "the picture is \(width) × \(height) pixels: each side must be from 1 to "
          + "\(Self.maximumSide)")
    }
    guard let expected = CheckedSize.product(width, height, colourType.channels),
      let scanlines = CheckedSize.product(height, expected / height + 1),
      scanlines <= Self.maximumBytes
    else {
      throw PNGError.size(
        "the picture is \(width) × \(height) pixels: larger than the encoder's limit of "
          + "\(Self.maximumBytes) bytes")
    }
    guard pixels.count == expected else {
      throw PNGError.size(
        "a \(width) × \(height) \(colourType) picture has \(expected) bytes of pixels, "
          + "got \(pixels.count)")
    }
    self.width = width
    self.height = height
    self.colourType = colourType
    self.pixels = pixels
  }

  /// The eight bytes every PNG file starts with.
  public static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

  /// The PNG file's bytes.
  /// - Complexity: O(width · height · channels).
  public func encoded() -> [UInt8] {
    var header = ZlibStream.bigEndian(UInt32(width)) + ZlibStream.bigEndian(UInt32(height))
    // Bit depth 8, colour type, compression 0 (deflate), filter method 0, no interlace.
    header += [8, colourType.rawValue, 0, 0, 0]
    let rowBytes = width * colourType.channels
    var scanlines: [UInt8] = []
    scanlines.reserveCapacity(height * (rowBytes + 1))
    for row in 0..<height {
      scanlines.append(0)  // filter type 0: the row's bytes as they are
      scanlines += pixels[(row * rowBytes)..<((row + 1) * rowBytes)]
    }
    var file = Self.signature
    Self.appendChunk("IHDR", header, to: &file)
    Self.appendChunk("IDAT", ZlibStream.stored(scanlines), to: &file)
    Self.appendChunk("IEND", [], to: &file)
    return file
  }

  /// Writes the PNG file atomically (nothing at `path` until it is complete).
  /// - Throws: `OutputError` when the file cannot be written.
  public func write(to path: String) throws {
    try AtomicOutputFile.write(Data(encoded()), to: path)
  }

  /// Appends one chunk: length, type, data, CRC-32 of type and data.
  private static func appendChunk(_ type: String, _ data: [UInt8], to file: inout [UInt8]) {
    let typeBytes = Array(type.utf8)
    precondition(typeBytes.count == 4, "a chunk type has four letters")
    file += ZlibStream.bigEndian(UInt32(data.count))
    var crc = CRC32()
    crc.update(typeBytes)
    crc.update(data)
    file += typeBytes
    file += data
    file += ZlibStream.bigEndian(crc.value)
  }
}

/// A picture the encoder cannot make.
public enum PNGError: Error, Equatable, CustomStringConvertible {
  /// Dimensions or pixel data that do not fit.
  case size(String)

  public var description: String {
    switch self {
    case .size(let message): return "PNG: \(message)"
    }
  }
}
