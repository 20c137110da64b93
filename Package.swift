// swift-tools-version:6.0
import PackageDescription

// Neuvo depends on no packages: the Swift toolchain plus two system C libraries, libsqlite3 and libcurl.
// Arrows of the module graph are documented in docs/ARCHITECTURE.md.
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6)
]

// Linux only: the HTTP server is built on epoll, eventfd and accept4 (no platforms are claimed).
let package = Package(
    name: "neuvo",
    products: [
        .executable(name: "neuvo", targets: ["neuvo"]),
        // Libraries for the fuzz targets in Tests/Fuzz (a separate package that depends on this one by path).
        .library(name: "NeuvoCore", targets: ["NeuvoCore"]),
        .library(name: "NeuvoSupport", targets: ["NeuvoSupport"]),
        .library(name: "NeuvoStorage", targets: ["NeuvoStorage"]),
        .library(name: "NeuvoCrypto", targets: ["NeuvoCrypto"]),
        .library(name: "NeuvoLanguage", targets: ["NeuvoLanguage"]),
        .library(name: "NeuvoCatalog", targets: ["NeuvoCatalog"]),
        .library(name: "NeuvoArrangements", targets: ["NeuvoArrangements"]),
        .library(name: "NeuvoHTTP", targets: ["NeuvoHTTP"]),
        .library(name: "NeuvoNotifications", targets: ["NeuvoNotifications"]),
        .library(name: "NeuvoAPI", targets: ["NeuvoAPI"]),
        // The fuzz targets drive the API in memory through the tests' client.
        .library(name: "NeuvoTestSupport", targets: ["NeuvoTestSupport"]),
    ],
    targets: [
        // System libraries, wrapped by shim headers for what Swift cannot import (variadics, macros).
        .systemLibrary(
            name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(
            name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // epoll, eventfd and accept4, which Swift's Glibc module does not export (part of glibc: nothing to link).
        .systemLibrary(name: "CLinux", path: "Sources/CLinux"),

        // The shared vocabulary: Language, the city's time zone and default language, dispatch defaults.
        .target(name: "NeuvoCore", swiftSettings: swiftSettings),

        // Foundations: configuration, redacting logs, clock; storage; crypto.
        .target(name: "NeuvoSupport", dependencies: ["NeuvoCore"], swiftSettings: swiftSettings),
        .target(name: "NeuvoStorage", dependencies: ["CSQLite", "NeuvoSupport"], swiftSettings: swiftSettings),
        // Optimised in debug builds too: Wycheproof's vectors and the fuzzer run hundreds of big-number
        // verifications, each several times slower unoptimised.
        .target(
            name: "NeuvoCrypto", swiftSettings: swiftSettings + [.unsafeFlags(["-O"], .when(configuration: .debug))]),

        // The language engine: pure functions of text and trained parameters.
        // Optimised in debug builds too: every test that loads the catalog trains the classifier, which is
        // about ten times slower unoptimised.
        .target(
            name: "NeuvoLanguage", dependencies: ["NeuvoCore"], resources: [.copy("Resources/LanguageModel.bin")],
            swiftSettings: swiftSettings + [.unsafeFlags(["-O"], .when(configuration: .debug))]),

        // The catalog the binary ships with: the top-level intents/ and locales/ (the one copy staff edit), copied by
        // the build into this target's resource bundle beside the binary. Its path is the package root so that it
        // can name those folders; it builds only Sources/NeuvoBundledCatalog (the other folders are excluded below).
        .target(
            name: "NeuvoBundledCatalog", path: ".", sources: ["Sources/NeuvoBundledCatalog"],
            resources: [.copy("intents"), .copy("locales")], swiftSettings: swiftSettings),

        // The intent catalog and translations that staff edit, validated and trained into a snapshot.
        .target(name: "NeuvoCatalog", dependencies: ["NeuvoLanguage", "NeuvoSupport"], swiftSettings: swiftSettings),

        // The city's Service Map: import, bundled data, search in three languages.
        .target(
            name: "NeuvoRegistry", dependencies: ["NeuvoStorage", "NeuvoLanguage", "NeuvoSupport"],
            exclude: ["Resources/SOURCES.md"],
            resources: [
                .copy("Resources/tpr_v4_ontology_tree.json"), .copy("Resources/tpr_v4_ontology_words.json"),
                .copy("Resources/tpr_units_detailed.json"), .copy("Resources/playgrounds_helsinki.json"),
                .copy("Resources/neuvo_sample_units.json"), .copy("Resources/helsinki_districts.json"),
                .copy("Resources/service_aliases.json"),
            ], swiftSettings: swiftSettings),

        // Residents and what the city arranged for them: shared by the conversation and the gateway.
        .target(
            name: "NeuvoArrangements", dependencies: ["NeuvoCore", "NeuvoStorage", "NeuvoSupport"],
            swiftSettings: swiftSettings),

        // A generic HTTP/1.1 server (sockets, parser, router) and a plain-HTTP client; knows nothing of Neuvo.
        .target(name: "NeuvoHTTP", dependencies: ["CLinux", "NeuvoSupport"], swiftSettings: swiftSettings),

        // The conversation: sessions, dialogue policy and actions over the catalog, registry and arrangements.
        .target(
            name: "NeuvoConversation",
            dependencies: [
                "NeuvoCatalog", "NeuvoLanguage", "NeuvoArrangements", "NeuvoRegistry", "NeuvoStorage", "NeuvoSupport",
            ], swiftSettings: swiftSettings),

        // The notification gateway: notices, templates, outbox, dispatcher, SMTP and signed-webhook SMS channels.
        .target(
            name: "NeuvoNotifications",
            dependencies: [
                "CCurl", "NeuvoCore", "NeuvoCrypto", "NeuvoSupport", "NeuvoStorage", "NeuvoArrangements",
                "NeuvoCatalog", "NeuvoHTTP",
            ], swiftSettings: swiftSettings),

        // Neuvo's HTTP API and web widget over the generic server.
        .target(
            name: "NeuvoAPI",
            dependencies: [
                "NeuvoHTTP", "NeuvoConversation", "NeuvoNotifications", "NeuvoArrangements", "NeuvoCatalog",
                "NeuvoBundledCatalog", "NeuvoRegistry", "NeuvoLanguage",
                "NeuvoStorage", "NeuvoCrypto", "NeuvoSupport", "NeuvoCore",
            ],
            resources: [.copy("Resources/widget"), .copy("Resources/staff"), .copy("Resources/openapi.json")],
            swiftSettings: swiftSettings),

        // The command line: a generic declarative parser, then Neuvo's commands, then the executable.
        .target(name: "ArgumentParsing", dependencies: ["NeuvoSupport"], swiftSettings: swiftSettings),
        .target(
            name: "NeuvoCLI",
            dependencies: [
                "ArgumentParsing", "NeuvoSupport", "NeuvoStorage", "NeuvoLanguage", "NeuvoCatalog",
                "NeuvoBundledCatalog", "NeuvoRegistry",
                "NeuvoArrangements", "NeuvoConversation", "NeuvoNotifications", "NeuvoCrypto", "NeuvoAPI", "CSQLite",
                "CCurl",
            ],
            swiftSettings: swiftSettings),
        .executableTarget(name: "neuvo", dependencies: ["NeuvoCLI", "ArgumentParsing"], swiftSettings: swiftSettings),

        // What the test targets share: temporary folders, the project root, shared data, polling, the Python peers.
        .target(
            name: "NeuvoTestSupport", dependencies: ["NeuvoHTTP"], path: "Tests/NeuvoTestSupport",
            swiftSettings: swiftSettings),

        .testTarget(
            name: "NeuvoCoreTests", dependencies: ["NeuvoTestSupport", "NeuvoCore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "NeuvoSupportTests", dependencies: ["NeuvoTestSupport", "NeuvoSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "NeuvoStorageTests", dependencies: ["NeuvoTestSupport", "NeuvoStorage"], swiftSettings: swiftSettings),
        .testTarget(
            name: "NeuvoCryptoTests", dependencies: ["NeuvoTestSupport", "NeuvoCrypto"], exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "NeuvoLanguageTests", dependencies: ["NeuvoTestSupport", "NeuvoLanguage"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "NeuvoCatalogTests",
            dependencies: ["NeuvoTestSupport", "NeuvoCatalog", "NeuvoLanguage", "NeuvoSupport"],
            exclude: ["Fixtures"], swiftSettings: swiftSettings),
        .testTarget(
            name: "NeuvoArrangementsTests", dependencies: ["NeuvoTestSupport", "NeuvoArrangements", "NeuvoStorage"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "NeuvoRegistryTests",
            dependencies: ["NeuvoTestSupport", "NeuvoRegistry", "NeuvoStorage", "NeuvoLanguage"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "NeuvoHTTPTests", dependencies: ["NeuvoTestSupport", "NeuvoHTTP"], swiftSettings: swiftSettings),
        .testTarget(
            name: "NeuvoConversationTests",
            dependencies: [
                "NeuvoTestSupport",
                "NeuvoConversation", "NeuvoCatalog", "NeuvoLanguage", "NeuvoArrangements", "NeuvoRegistry",
                "NeuvoStorage",
                "NeuvoSupport",
            ], swiftSettings: swiftSettings),
        .testTarget(
            name: "NeuvoNotificationsTests",
            dependencies: [
                "NeuvoTestSupport",
                "NeuvoNotifications", "NeuvoCrypto", "NeuvoSupport", "NeuvoStorage", "NeuvoArrangements",
                "NeuvoCatalog",
            ], exclude: ["Peers"], swiftSettings: swiftSettings),
        .testTarget(
            name: "NeuvoAPITests",
            dependencies: [
                "NeuvoTestSupport",
                "NeuvoAPI", "NeuvoHTTP", "NeuvoCatalog", "NeuvoNotifications", "NeuvoArrangements", "NeuvoStorage",
                "NeuvoSupport", "NeuvoCrypto", "NeuvoCore", "NeuvoBundledCatalog",
            ], exclude: ["Fixtures"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ArgumentParsingTests", dependencies: ["NeuvoTestSupport", "ArgumentParsing"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "NeuvoCLITests",
            dependencies: [
                "NeuvoTestSupport", "NeuvoCLI", "NeuvoAPI", "NeuvoSupport", "NeuvoStorage", "NeuvoArrangements",
            ],
            swiftSettings: swiftSettings),
    ]
)

// The bundled catalog's target is rooted at the package: everything else there is another target's or not built.
if let bundled = package.targets.first(where: { $0.name == "NeuvoBundledCatalog" }) {
    bundled.exclude =
        ["NOTICE", "README.md", "Tests", "benchmarks", "docs"]
        + package.targets.filter { $0.type != .test && $0 !== bundled }.map { $0.path ?? "Sources/\($0.name)" }
}
