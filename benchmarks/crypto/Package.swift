// swift-tools-version:6.0
import PackageDescription

// The JWS verification benchmark's Swift side: a separate package (depending on the root one by path, as
// Tests/Fuzz does) so that the product needs no benchmark-only target. Built and run by run.sh.
let package = Package(
    name: "neuvo-crypto-bench",
    dependencies: [.package(name: "neuvo", path: "../..")],
    targets: [
        .executableTarget(
            name: "jws-bench", dependencies: [.product(name: "NeuvoCrypto", package: "neuvo")],
            swiftSettings: [.swiftLanguageMode(.v6)])
    ]
)
