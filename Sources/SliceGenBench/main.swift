// `slicegen-bench`: the performance benchmark (Docs/benchmarks.md). Prints, for this machine:
// GEMM GFLOP/s on the generator's shapes next to numpy/OpenBLAS in the same run (single- and
// two-threaded, ratios and their geometric mean), release rows/s, fit steps/s and seconds per
// epoch on Adult with the defaults and where the time goes, and each stage's peak memory; when
// named, the estimator's and the Cholesky factorisation's Float against Double. Subcommands:
// loader fuzzing, model selection, and the pair-selection split proxy.
//
// Each stage runs in a child process of this executable (`--stage NAME`), so that its peak
// resident memory is its own and the GEMM thread count (SLICEGEN_THREADS) is set per child.
// Timings are the best of several repetitions: on a shared machine the minimum is the figure
// least disturbed by other work. It measures; it asserts nothing (the tests do that).

import Foundation
import SliceGen

#if canImport(Glibc)
  import Glibc
#endif

let arguments = Array(CommandLine.arguments.dropFirst())

func value(of flag: String) -> String? {
  guard let i = arguments.firstIndex(of: flag), i + 1 < arguments.count else { return nil }
  return arguments[i + 1]
}

if arguments.first == "fuzz-loaders" {
  guard let mutations = Int(value(of: "--mutations") ?? "100000"), mutations >= 1,
    let seed = UInt64(value(of: "--seed") ?? "1")
  else {
    FileHandle.standardError.write(
      Data(
        "Error: --mutations must be a positive whole number and --seed a whole number ≥ 0\n".utf8))
    exit(64)
  }
  do {
    try FuzzBench.run(mutations: mutations, seed: seed)
  } catch {
    FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
    exit(1)
  }
  exit(0)
}

if arguments.first == "selection" {
  guard arguments.count >= 4, let epochs = Int(value(of: "--epochs") ?? "20"), epochs >= 2,
    let seed = UInt64(value(of: "--seed") ?? "0")
  else {
    FileHandle.standardError.write(
      Data(
        ("Usage: slicegen-bench selection RELEASE HOLDOUT.csv "
          + "SCHEMA.json [--epochs N ≥ 2] [--seed S] [--learning-rate R] [--marginal-weight L] "
          + "[--batch B]\n").utf8))
    exit(64)
  }
  do {
    var options = FitOptions()
    options.epochs = epochs
    options.seed = seed
    if let rate = value(of: "--learning-rate").flatMap(Double.init) { options.learningRate = rate }
    if let weight = value(of: "--marginal-weight").flatMap(Double.init) {
      options.marginalWeight = weight
    }
    if let batch = value(of: "--batch").flatMap(Int.init) { options.batch = batch }
    try options.validate()
    try SelectionBench.run(
      releasePath: arguments[1], holdout: arguments[2], schemaPath: arguments[3],
      options: options)
  } catch {
    FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
    exit(1)
  }
  exit(0)
}

if arguments.first == "pair-selection" {
  do {
    try PairSelectionBench.run()
  } catch {
    FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
    exit(1)
  }
  exit(0)
}

if arguments.contains("--help") || arguments.contains("-h") {
  print(
    """
    OVERVIEW: Measure slicegen's speed and memory on this machine.

    Usage: slicegen-bench [--only gemm|release|fit|estimator|cholesky] [--release-rows N]
                          [--fit-epochs N] [--no-numpy]
           slicegen-bench fuzz-loaders [--mutations N] [--seed S]
           slicegen-bench selection RELEASE HOLDOUT.csv SCHEMA.json [--epochs N] [--seed S]
                                    [--learning-rate R] [--marginal-weight L] [--batch B]
           slicegen-bench pair-selection

    OPTIONS:
      --only <stage>        Run one stage: gemm, release, fit, estimator or cholesky (the last
                            two only when named. estimator: loss-and-gradient time at b = 128,
                            256, 512, Float against Double; cholesky: factorisation time and
                            solution error, Float against Double, n = 128, 256, 512).
                            (default: gemm, release and fit)
      --release-rows <N>    Rows of the generated table the release stage releases (50 integer
                            and 5 ten-category columns, d = 100, m' = 200). (default: 1000000)
      --fit-epochs <N>      Epochs of the fit stage on the Adult release (ε = 4, defaults).
                            (default: 3)
      --no-numpy            Skip the numpy/OpenBLAS comparison of the GEMM stage.
      fuzz-loaders          Instead: N seeded mutants (bit flips, truncations, huge length
                            fields, re-signed header rewrites) of a small release, a release
                            with marginals and a model through the loaders; prints how many
                            loaded and how many were refused, by reason. (default: N = 100000,
                            S = 1)
      selection             Instead: fit RELEASE for N epochs (default 20) with the fit
                            defaults (or R, L, B) and fit seed S (default 0); after each epoch
                            sample as many
                            rows as HOLDOUT.csv and score them with evaluate's quality; print
                            each model-selection criterion beside it, its rank correlation with
                            the quality and the epoch it would keep.
      pair-selection        Instead: the proxy that chose the default split of the pair-selection
                            budget (Docs/pair-selection.md): for Adult and digits, each split and
                            mode at ε = 1, the mean over four seeded releases of the pair and
                            1-way total-variation distances and the captured dependence.
      --help                Show this help.

    Run it from the package root (it reads samples/adult). Results: Docs/benchmarks.md.
    """)
  exit(0)
}

if let stage = value(of: "--stage") {
  // Child: run one stage, print its lines, then its peak memory.
  switch stage {
  case "gemm": GEMMBench.run()
  case "release": ReleaseBench.run(rows: Int(value(of: "--release-rows") ?? "") ?? 1_000_000)
  case "fit": FitBench.run(epochs: Int(value(of: "--fit-epochs") ?? "") ?? 3)
  case "estimator": EstimatorBench.run()
  case "cholesky": CholeskyBench.run()
  default:
    FileHandle.standardError.write(Data("Error: unknown stage '\(stage)'\n".utf8))
    exit(64)
  }
  var usage = rusage()
  getrusage(RUSAGE_SELF.rawValue, &usage)
  print(String(format: "  peak resident memory: %.0f MiB", Double(usage.ru_maxrss) / 1024))
  exit(0)
}

/// Runs this executable with `--stage` in a child process, streaming its output.
func runStage(_ stage: String, environment extra: [String: String] = [:]) {
  fflush(nil)
  let process = Process()
  process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
  if !FileManager.default.isExecutableFile(atPath: process.executableURL!.path) {
    process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
  }
  process.arguments = ["--stage", stage] + Array(arguments)
  var environment = ProcessInfo.processInfo.environment
  for (k, v) in extra { environment[k] = v }
  process.environment = environment
  do {
    try process.run()
    process.waitUntilExit()
  } catch {
    print("  could not run stage \(stage): \(error)")
  }
}

let only = value(of: "--only")
let stages = ["gemm", "release", "fit", "estimator", "cholesky"]
if let only, !stages.contains(only) {
  FileHandle.standardError.write(
    Data(
      "Error: --only is \"\(only)\", must be one of \(stages.joined(separator: ", "))\n".utf8))
  exit(64)
}
print(
  "slicegen-bench on \(ProcessInfo.processInfo.activeProcessorCount) cores, \(machineDescription())"
)
if only == nil || only == "gemm" {
  for threads in [1, 2] {
    print("\n== GEMM, \(threads) thread\(threads == 1 ? "" : "s") (SLICEGEN_THREADS=\(threads))")
    runStage(
      "gemm", environment: ["SLICEGEN_THREADS": "\(threads)", "OPENBLAS_NUM_THREADS": "\(threads)"])
  }
}
if only == nil || only == "release" {
  print("\n== release")
  runStage("release")
}
if only == "estimator" {
  print("\n== the smoothed-sliced estimator (m = 100, k = 2, three bandwidths)")
  runStage("estimator")
}
if only == "cholesky" {
  print("\n== Cholesky, Float against Double, on kernel matrices plus τI")
  runStage("cholesky")
}
if only == nil || only == "fit" {
  print("\n== fit on Adult (ε = 4 release, fit defaults)")
  runStage("fit")
}

func machineDescription() -> String {
  let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
  let model =
    info.split(separator: "\n").first { $0.hasPrefix("model name") }?
    .split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
  let avx512 = info.contains(" avx512f") ? "AVX-512" : (info.contains(" avx2") ? "AVX2" : "no AVX2")
  #if SLICEGEN_HOST_TUNED
    let build = "host-tuned build"
  #else
    let build = "portable build"
  #endif
  return "\(model) (\(avx512)), \(build)"
}
