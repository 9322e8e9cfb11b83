// The error of a setting a user chose badly: the option, the value and the rule it breaks. Every
// options type checks its settings in one place (`ReleaseOptions.validate()`,
// `FitOptions.validate()`, `Sampler.validate(rows:)`, …) and throws this; the command line turns
// it into a usage error (exit 64), library callers get the evidence in fields.

/// A setting that breaks its rule, named as on the command line.
///
/// `description` reads `--slices is 0, must be from 1 to 100000` when the value is the problem,
/// or `--subsample cannot be combined with marginals …` when the option is refused whatever its
/// value.
public struct OptionError: Error, Equatable, Sendable, CustomStringConvertible {
  /// The option's command-line name without dashes (`slice-dim`); the library's settings are
  /// named this way in every message.
  public var option: String
  /// The value as the message shows it (`0`, `'abc'`), or nil when the option is refused
  /// whatever its value.
  public var value: String?
  /// What the value must be (`must be from 1 to 100000`), or why the option is refused.
  public var rule: String
  /// False for a library-only setting (`estimator.ratioFloor`): the message names it without
  /// the dashes of an option no command takes.
  public var onCommandLine: Bool

  public init(option: String, value: String?, rule: String, onCommandLine: Bool = true) {
    self.option = option
    self.value = value
    self.rule = rule
    self.onCommandLine = onCommandLine
  }

  public var description: String {
    let name = onCommandLine ? "--\(option)" : "setting \(option)"
    guard let value else { return "\(name) \(rule)" }
    return "\(name) is \(value), \(rule)"
  }

  /// `value` must lie in `range`: nil when it does, else the error naming the range.
  static func outside<T: Comparable & CustomStringConvertible>(
    _ option: String, _ value: T, _ range: ClosedRange<T>
  ) -> OptionError? {
    range.contains(value)
      ? nil
      : OptionError(
        option: option, value: "\(value)",
        rule: "must be from \(range.lowerBound) to \(range.upperBound)")
  }

  /// `value` must be finite and in the open interval (0, 1): nil when it is.
  static func notFraction(_ option: String, _ value: Double, _ why: String = "") -> OptionError? {
    value.isFinite && value > 0 && value < 1
      ? nil
      : OptionError(option: option, value: "\(value)", rule: "must be in (0, 1)" + why)
  }
}
