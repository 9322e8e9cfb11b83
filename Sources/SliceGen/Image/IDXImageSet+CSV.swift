// An IDX image set as the table a release reads: one row per image, the pixel columns
// px_<row>_<col> of ImageSchema (from 0, row by row) with the pixel values as whole numbers, then
// the label column when the set has labels. The schema to release it with comes from
// `slicegen schema --image <columns>x<rows> --pixel-range 0..255 --label label:0..9` and names
// the same columns in the same order.

extension IDXImageSet {
  /// Writes the first `limit` images (all when nil) as CSV, atomically.
  /// - Throws: the writer's error when the file cannot be written.
  /// - Complexity: O(limit · rows · columns).
  public func writeCSV(to path: String, labelColumn: String = "label", limit: Int? = nil) throws {
    let count = min(limit ?? self.count, self.count)
    precondition(count >= 0, "limit must not be negative")
    let layout = ImageSchema(width: columns, height: rows, pixelLower: 0, pixelUpper: 255)
    let writer = try CSVWriter(path: path)
    try writer.writeRecord(layout.pixelColumnNames + (labels == nil ? [] : [labelColumn]))
    // The 256 possible field texts, made once.
    let texts = (0...255).map { String($0) }
    var fields = [String](repeating: "", count: rows * columns + (labels == nil ? 0 : 1))
    for index in 0..<count {
      for (offset, value) in image(index).enumerated() { fields[offset] = texts[Int(value)] }
      if let labels { fields[rows * columns] = texts[Int(labels[index])] }
      try writer.writeRecord(fields)
    }
    try writer.finish()
  }
}
