// swift-tools-version: 6.0
// slicegen: differentially private synthetic tables with the slicing mechanism.
// Toolchain only: no package dependencies (see README, "Hard constraints").
import PackageDescription

let package = Package(
  name: "slicegen",
  products: [
    .library(name: "SliceGen", targets: ["SliceGen"]),
    .executable(name: "slicegen", targets: ["SliceGenCLI"]),
  ],
  targets: [
    .target(name: "SliceGenNumerics"),
    .target(name: "SliceGenPrivacy", dependencies: ["SliceGenNumerics"]),
    .target(name: "SliceGen", dependencies: ["SliceGenPrivacy", "SliceGenNumerics"]),
    .executableTarget(name: "SliceGenCLI", dependencies: ["SliceGen"]),
    .testTarget(name: "SliceGenNumericsTests", dependencies: ["SliceGenNumerics"]),
    .testTarget(name: "SliceGenPrivacyTests", dependencies: ["SliceGenPrivacy"]),
    .testTarget(name: "SliceGenTests", dependencies: ["SliceGen"]),
    .testTarget(
      name: "SliceGenCLITests", dependencies: ["SliceGenCLI", "SliceGen"], exclude: ["Golden"]),
  ]
)
