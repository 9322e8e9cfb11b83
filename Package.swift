// swift-tools-version: 6.0
// slicegen: differentially private synthetic tables with the slicing mechanism.
// Toolchain only: no package dependencies (see README, "Hard constraints").
import PackageDescription

// Host tuning (Docs/building.md). Built as the root package (the README's commands, CI), every
// target is compiled for the CPU it is built on (`-target-cpu native`): SIMD code then uses the
// host's vector width and fused multiply-add (measured: 5x faster GEMM on an AVX-512 host than
// the baseline x86-64 build, where `addingProduct` becomes a library call per lane).
// SwiftPM refuses unsafe flags in a versioned dependency, and a dependency's binary should not be
// tied to the build machine, so when slicegen is checked out as another package's dependency
// (its directory is under `…/checkouts/`) the manifest adds no flags. `SLICEGEN_PORTABLE=1`
// gives the portable build at the root too (for binaries that run on other machines).
let isDependency = Context.packageDirectory.contains("/checkouts/")
let portable = Context.environment["SLICEGEN_PORTABLE"].map { $0 != "0" && !$0.isEmpty } ?? false
// SLICEGEN_HOST_TUNED lets kernels ask for fused multiply–add (`addingProduct`), one instruction
// on any host from the last decade; the portable build keeps a separate multiply and add.
let hostTuned: [SwiftSetting] =
  isDependency || portable
  ? [] : [.unsafeFlags(["-target-cpu", "native"]), .define("SLICEGEN_HOST_TUNED")]

let package = Package(
  name: "slicegen",
  products: [
    .library(name: "SliceGen", targets: ["SliceGen"]),
    .executable(name: "slicegen", targets: ["SliceGenCLI"]),
    .executable(name: "slicegen-bench", targets: ["SliceGenBench"]),
  ],
  targets: [
    .target(name: "SliceGenNumerics", swiftSettings: hostTuned),
    .target(name: "SliceGenPrivacy", dependencies: ["SliceGenNumerics"], swiftSettings: hostTuned),
    .target(
      name: "SliceGen", dependencies: ["SliceGenPrivacy", "SliceGenNumerics"],
      swiftSettings: hostTuned),
    .executableTarget(name: "SliceGenCLI", dependencies: ["SliceGen"], swiftSettings: hostTuned),
    .executableTarget(
      name: "SliceGenBench", dependencies: ["SliceGen", "SliceGenNumerics"], swiftSettings: hostTuned),
    .testTarget(
      name: "SliceGenNumericsTests", dependencies: ["SliceGenNumerics"], swiftSettings: hostTuned),
    .testTarget(
      name: "SliceGenPrivacyTests", dependencies: ["SliceGenPrivacy"], swiftSettings: hostTuned),
    .testTarget(name: "SliceGenTests", dependencies: ["SliceGen"], swiftSettings: hostTuned),
    .testTarget(
      name: "SliceGenCLITests", dependencies: ["SliceGenCLI", "SliceGen"], exclude: ["Golden"],
      swiftSettings: hostTuned),
  ]
)
