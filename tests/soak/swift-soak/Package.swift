// swift-tools-version:5.9
// The Swift soak program (tests/soak/test_soak.py builds it): the generated package, by local path.
import PackageDescription

let package = Package(
    name: "PredictSoak",
    dependencies: [.package(path: "../../../generated/swift")],
    targets: [
        .executableTarget(name: "predict-soak",
                          dependencies: [.product(name: "Predict", package: "swift")]),
    ]
)
