// swift-tools-version:6.0
import PackageDescription

// libFuzzer targets for Neuvo. A separate package because each target is an executable whose only entry point is
// `LLVMFuzzerTestOneInput` (no main): `swift build` of the root package could not link it. Build and run with
// run.sh (see README.md).
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6)
]

let package = Package(
    name: "neuvo-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "neuvo", path: "../..")
    ],
    targets: [
        .executableTarget(
            name: "FuzzHTTPParser", dependencies: [.product(name: "NeuvoHTTP", package: "neuvo")],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "FuzzHTTPResponse", dependencies: [.product(name: "NeuvoHTTP", package: "neuvo")],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "FuzzAPIBodies",
            dependencies: [
                .product(name: "NeuvoAPI", package: "neuvo"), .product(name: "NeuvoHTTP", package: "neuvo"),
                .product(name: "NeuvoCatalog", package: "neuvo"),
                .product(name: "NeuvoNotifications", package: "neuvo"),
                .product(name: "NeuvoArrangements", package: "neuvo"), .product(name: "NeuvoStorage", package: "neuvo"),
                .product(name: "NeuvoSupport", package: "neuvo"), .product(name: "NeuvoCrypto", package: "neuvo"),
                .product(name: "NeuvoTestSupport", package: "neuvo"),
            ], swiftSettings: swiftSettings),
        .executableTarget(
            name: "FuzzTemplates",
            dependencies: [
                .product(name: "NeuvoCatalog", package: "neuvo"),
                .product(name: "NeuvoNotifications", package: "neuvo"),
            ], swiftSettings: swiftSettings),
        .executableTarget(
            name: "FuzzCatalogLoader",
            dependencies: [
                .product(name: "NeuvoCatalog", package: "neuvo"), .product(name: "NeuvoSupport", package: "neuvo"),
            ], swiftSettings: swiftSettings),
        .executableTarget(
            name: "FuzzEntities", dependencies: [.product(name: "NeuvoLanguage", package: "neuvo")],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "FuzzJWS", dependencies: [.product(name: "NeuvoCrypto", package: "neuvo")],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "FuzzRedaction", dependencies: [.product(name: "NeuvoSupport", package: "neuvo")],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "FuzzRateLimits",
            dependencies: [
                .product(name: "NeuvoSupport", package: "neuvo"), .product(name: "NeuvoHTTP", package: "neuvo"),
            ],
            swiftSettings: swiftSettings),
    ]
)
