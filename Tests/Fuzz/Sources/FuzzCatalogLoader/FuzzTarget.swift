import Foundation
import NeuvoCatalog
import NeuvoSupport

// Properties:
// - CatalogLoader never crashes on any intent or locale file, and every problem names a file, a line ≥ 0 (0 for
//   a whole file or folder, else at most the file's line count), a column ≥ 0 and a non-empty message and hint;
// - JSONDocument.parse agrees with Foundation's JSONSerialization on whether a UTF-8 text is JSON, except where
//   JSONDocument differs on purpose (see `deliberatelyStricter` and `hasInfiniteNumber`); its errors point inside
//   the text.
//
// Input: the intents file (intents/greeting.json), a 0x00 byte, the locales file (locales/general.json).

private let root: URL = {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("neuvo-fuzz-catalog-\(getpid())")
    for folder in ["intents", "locales"] {
        try! FileManager.default.createDirectory(
            at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
    }
    return root
}()
private let intentsFile = "intents/greeting.json"
private let localesFile = "locales/general.json"

/// Where JSONDocument refuses what JSONSerialization accepts, on purpose:
/// - a key twice in one object: RFC 8259 §4 says names SHOULD be unique, and staff files must not depend on which
///   one wins (Swift compares keys by canonical equivalence, so "\u00e9" and "e\u0301" are the same key);
/// - nesting of 256 levels or more: RFC 8259 §9 lets a parser limit depth;
/// - a comma before ']' or '}': RFC 8259 forbids it; JSONSerialization (swift-foundation) accepts it.
private func deliberatelyStricter(_ error: JSONSyntaxError) -> Bool {
    error.message.contains("appears twice in this object") || error.message.hasPrefix("nesting is deeper than")
        || error.message.hasPrefix("remove the comma before")
}

/// Where JSONDocument accepts what JSONSerialization refuses: a number beyond Double's range (such as 1e400) is
/// valid RFC 8259 grammar (§9 lets a parser limit the range); JSONDocument reads it as ±infinity.
private func hasInfiniteNumber(_ node: JSONNode) -> Bool {
    switch node.value {
    case .number(let number): !number.isFinite
    case .array(let items): items.contains(where: hasInfiniteNumber)
    case .object(let members): members.contains { hasInfiniteNumber($0.value) }
    case .null, .bool, .string: false
    }
}

private func lineCount(_ bytes: ArraySlice<UInt8>) -> Int {
    bytes.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
}

private func checkJSONDocument(_ bytes: ArraySlice<UInt8>) {
    // A NUL makes JSONSerialization guess UTF-16 or UTF-32; a BOM is tolerated by both; skip invalid UTF-8.
    guard !bytes.contains(0), !bytes.starts(with: [0xEF, 0xBB, 0xBF]),
        let text = String(validating: bytes, as: UTF8.self)
    else { return }
    let foundation = (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil
    do {
        let node = try JSONDocument.parse(text)
        if !foundation && !hasInfiniteNumber(node) {
            fatalError("JSONDocument accepts what JSONSerialization refuses: \(text.debugDescription)")
        }
    } catch {
        // Lines by Unicode scalars, as the parser counts them: "\r\n" is one Character, and splitting the String
        // at "\n" would not see that line break.
        let lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
        guard error.position.line >= 1, error.position.line <= lines.count, error.position.column >= 1,
            error.position.column <= lines[error.position.line - 1].count + 1
        else { fatalError("error \(error) points outside \(text.debugDescription)") }
        if foundation && !deliberatelyStricter(error) {
            fatalError("JSONDocument refuses (\(error)) what JSONSerialization accepts: \(text.debugDescription)")
        }
    }
}

/// Builds the folders before fuzzing (and keeps the first input's allocations apart from them).
@_cdecl("LLVMFuzzerInitialize")
public func initialize(
    _ argc: UnsafeMutablePointer<CInt>?,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?
) -> CInt {
    _ = root
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCatalogLoader(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let separator = input.firstIndex(of: 0) ?? input.endIndex
    let intents = input[..<separator]
    let locales = separator < input.endIndex ? input[(separator + 1)...] : []

    checkJSONDocument(intents)
    checkJSONDocument(locales)

    try! Data(intents).write(to: root.appendingPathComponent(intentsFile))
    try! Data(locales).write(to: root.appendingPathComponent(localesFile))
    let result = CatalogLoader(root: root).load()
    let lines = [intentsFile: lineCount(intents), localesFile: lineCount(locales)]
    for problem in result.problems {
        let maximumLine = lines[problem.file] ?? 0
        guard !problem.file.isEmpty, problem.line >= 0, problem.line <= maximumLine, problem.column >= 0,
            !problem.message.isEmpty, !problem.hint.isEmpty
        else {
            fatalError("malformed problem \(problem) (file \(problem.file.debugDescription), line \(problem.line))")
        }
    }
    return 0
}
