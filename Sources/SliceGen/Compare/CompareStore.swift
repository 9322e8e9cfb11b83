// Where a comparison keeps its state, so that a grid too long for one sitting resumes:
//
//   DIR/settings.json        what every cell shares (tables, δ, relation, rows, epochs); a rerun
//                            with other settings is refused, naming the setting
//   DIR/cells/NAME.json      one finished cell's result, written atomically when it finishes
//   DIR/logs/NAME.log        the output of its commands
//   DIR/work/NAME/           its release, model and synthetic table while it runs (removed after)
//   DIR/pictures/NAME.png    on a labelled image table, the cell's synthetic images by class
//
// A cell whose result file exists is never run again; any other cell (never started, interrupted
// or failed) is run from the start. Methods, ε values and seeds may be added between sittings.

import Foundation

/// What every cell of a comparison shares. Two sittings of one grid must agree on all of it.
public struct CompareSettings: Codable, Equatable, Sendable {
  public var train: String
  /// SHA-256 of the training table, so that a changed file is not mixed with old cells.
  public var trainSHA256: String
  public var holdout: String
  public var schema: String
  public var delta: Double
  public var relation: String
  /// Synthetic rows per cell.
  public var rows: Int
  /// `fit --epochs` (nil: fit's default).
  public var epochs: Int?
  public var target: String?

  public init(
    train: String, trainSHA256: String, holdout: String, schema: String, delta: Double,
    relation: String, rows: Int, epochs: Int?, target: String?
  ) {
    self.train = train
    self.trainSHA256 = trainSHA256
    self.holdout = holdout
    self.schema = schema
    self.delta = delta
    self.relation = relation
    self.rows = rows
    self.epochs = epochs
    self.target = target
  }

  /// The settings whose values differ, as `name: old → new`.
  public func differences(from other: CompareSettings) -> [String] {
    func text<T>(_ value: T?) -> String { value.map { "\($0)" } ?? "default" }
    let pairs: [(String, String, String)] = [
      ("train", train, other.train), ("train SHA-256", trainSHA256, other.trainSHA256),
      ("holdout", holdout, other.holdout), ("schema", schema, other.schema),
      ("delta", "\(delta)", "\(other.delta)"), ("neighbors", relation, other.relation),
      ("rows", "\(rows)", "\(other.rows)"), ("epochs", text(epochs), text(other.epochs)),
      ("target", text(target), text(other.target)),
    ]
    return pairs.filter { $0.1 != $0.2 }.map { "\($0.0): \($0.1) → \($0.2)" }
  }
}

/// A comparison's directory.
public struct CompareStore: Sendable {
  public let directory: String
  public let settings: CompareSettings

  var settingsPath: String { directory + "/settings.json" }
  public var cellsDirectory: String { directory + "/cells" }
  public var logsDirectory: String { directory + "/logs" }
  public var workDirectory: String { directory + "/work" }
  public var picturesDirectory: String { directory + "/pictures" }

  /// Opens `directory` (created if missing) for `settings`: a directory of an earlier sitting
  /// must have been made with the same settings.
  public init(directory: String, settings: CompareSettings) throws {
    self.directory = directory
    self.settings = settings
    let files = FileManager.default
    var isDirectory: ObjCBool = false
    if files.fileExists(atPath: directory, isDirectory: &isDirectory), !isDirectory.boolValue {
      throw CompareError(message: "\(directory) exists and is not a directory")
    }
    for path in [directory, cellsDirectory, logsDirectory, workDirectory] {
      try files.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    if let data = files.contents(atPath: settingsPath) {
      let earlier: CompareSettings
      do {
        earlier = try JSONDecoder().decode(CompareSettings.self, from: data)
      } catch {
        throw CompareError(
          message: "\(settingsPath) is not a comparison's settings (\(error)); use another "
            + "directory")
      }
      let changed = earlier.differences(from: settings)
      guard changed.isEmpty else {
        throw CompareError(
          message: "\(directory) holds a comparison made with other settings ("
            + changed.joined(separator: "; ")
            + "); its finished cells would not be comparable: use another directory")
      }
    } else {
      try AtomicOutputFile.write(try Self.encode(settings), to: settingsPath)
    }
  }

  public func resultPath(_ cell: CompareCell) -> String { cellsDirectory + "/\(cell.name).json" }
  public func logPath(_ cell: CompareCell) -> String { logsDirectory + "/\(cell.name).log" }
  public func workPath(_ cell: CompareCell) -> String { workDirectory + "/\(cell.name)" }
  public func picturePath(_ cell: CompareCell) -> String {
    picturesDirectory + "/\(cell.name).png"
  }

  /// The cell's result if it finished in this or an earlier sitting.
  public func result(_ cell: CompareCell) throws -> CompareCellResult? {
    let path = resultPath(cell)
    guard let data = FileManager.default.contents(atPath: path) else { return nil }
    do {
      let result = try JSONDecoder().decode(CompareCellResult.self, from: data)
      guard result.cell == cell else {
        throw CompareError(message: "it holds cell \(result.cell.name)")
      }
      return result
    } catch {
      throw CompareError(
        message: "\(path) is not the result of cell \(cell.name) (\(error)); delete it to run "
          + "the cell again")
    }
  }

  /// Records a finished cell (atomically: an interrupted write leaves the cell unfinished).
  public func save(_ result: CompareCellResult) throws {
    try AtomicOutputFile.write(try Self.encode(result), to: resultPath(result.cell))
  }

  static func encode<T: Encodable>(_ value: T) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    return try encoder.encode(value)
  }
}
