// Tests of CheckedSize: the sums and products a loader computes from sizes a file states about
// itself, at the edges where plain arithmetic would trap (overflow, negative fields, a missing
// term), and the header-length check against the file's actual size.

import Testing

@testable import SliceGen

@Suite("Checked sizes")
struct CheckedSizeTests {
  @Test("products: exact below Int.max, nil on overflow or a negative factor")
  func products() {
    #expect(CheckedSize.product() == 1)
    #expect(CheckedSize.product(4, 0, .max) == 0)
    #expect(CheckedSize.product(4, 108, 200) == 4 * 108 * 200)
    // 2^62 · 2 = 2^63 overflows; 2^62 · 1 does not.
    #expect(CheckedSize.product(1 << 62, 2) == nil)
    #expect(CheckedSize.product(1 << 62, 1) == 1 << 62)
    // Overflow in an intermediate product is caught even when a later factor is 0.
    #expect(CheckedSize.product(.max, 2, 0) == nil)
    #expect(CheckedSize.product(3, -1) == nil)
    #expect(CheckedSize.product(-1, -1) == nil, "two negatives must not cancel")
  }

  @Test("sums: exact below Int.max, nil on overflow, a negative term or a missing one")
  func sums() {
    #expect(CheckedSize.sum() == 0)
    #expect(CheckedSize.sum(16, 300, 32) == 348)
    #expect(CheckedSize.sum(.max, 0) == .max)
    #expect(CheckedSize.sum(.max, 1) == nil)
    #expect(CheckedSize.sum(1, -1) == nil, "a negative field must not shrink the total")
    // A failed product inside the sum (the loaders' pattern) makes the whole sum fail.
    #expect(CheckedSize.sum(16, CheckedSize.product(1 << 62, 4), 32) == nil)
    #expect(CheckedSize.sum(16, CheckedSize.product(4, 10, 20), 32) == 16 + 800 + 32)
  }

  struct Refusal: Error { var message: String }

  @Test("the header length must be positive and fit between the 16-byte prefix and the checksum")
  func headerLength() throws {
    let fail = { (message: String) -> Error in Refusal(message: message) }
    // A file of 100 bytes has room for 100 − 16 − 32 = 52 bytes of header.
    #expect(try CheckedSize.headerLength(52, fileSize: 100, fail: fail) == 52)
    #expect(try CheckedSize.headerLength(1, fileSize: 100, fail: fail) == 1)
    for (field, size) in [(0, 100), (53, 100), (1, 48), (1, 10), (UInt64.max, 100)]
      as [(UInt64, Int)]
    {
      #expect(throws: Refusal.self, "field \(field), file \(size) bytes") {
        try CheckedSize.headerLength(field, fileSize: size, fail: fail)
      }
    }
    // The message names the field, its value and the room there is.
    do {
      _ = try CheckedSize.headerLength(UInt64.max, fileSize: 100, fail: fail)
    } catch let error as Refusal {
      #expect(error.message.contains("bytes 8 to 15"))
      #expect(error.message.contains("\(UInt64.max)"))
      #expect(error.message.contains("at most 52 bytes"))
    }
  }
}
