import Foundation
import NeuvoCatalog
import NeuvoLanguage
import NeuvoNotifications

// Properties:
// - Template(parsing:) either parses or reports an offset where "((" starts in the source;
// - a template with every placeholder filled never fails to render, nor one with only the required placeholders
//   filled, and every value passes through the escape function;
// - a notice's HTML (NoticeRenderer, email) never contains a value's '<', '>', '"', '&' or "'" unescaped, with
//   the real locales and with the fuzzed template as a notice text; every notice renders when all its placeholders
//   have a value.
//
// Input: byte 0 picks the notice and language; the rest, as UTF-8, split at U+0001: the template source, then
// the values. Each value gets `marker` characters after '<', '>', '"', '&' and "'"; the HTML must not contain
// them raw.

private let projectRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
private let realRenderer: NoticeRenderer = {
    let result = CatalogLoader(root: projectRoot).load()
    guard !result.locales.isEmpty else { fatalError("no locales under \(projectRoot.path)") }
    return NoticeRenderer(locales: LocaleTable(result.locales))
}()
/// A catalog folder whose only file is rewritten per input with the fuzzed template as the texts of a notice.
private let scratchRoot: URL = {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("neuvo-fuzz-templates-\(getpid())")
    try! FileManager.default.createDirectory(
        at: root.appendingPathComponent("locales"), withIntermediateDirectories: true)
    return root
}()
private let markerCandidates: [Character] = ["\u{2603}", "\u{2604}", "\u{1F9EA}", "\u{E000}", "\u{1D11E}"]
private let languages: [Language] = [.fi, .sv, .en]

/// Must match what HTML.escape does (not public): the escaping under test for the plain Template path.
private func referenceEscape(_ text: String) -> String {
    var output = ""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": output += "&amp;"
        case "<": output += "&lt;"
        case ">": output += "&gt;"
        case "\"": output += "&quot;"
        case "'": output += "&#39;"
        default: output.unicodeScalars.append(scalar)
        }
    }
    return output
}

private func values(for names: some Sequence<String>, from pool: [String]) -> [String: String] {
    var values: [String: String] = [:]
    for (index, name) in names.sorted().enumerated() { values[name] = pool[index % pool.count] }
    return values
}

private func checkHTML(_ html: String, markers: [String], context: String) {
    // On the bytes: a Character-wise search would miss a marker joined to the character before it.
    for marker in markers where html.utf8.firstRange(of: marker.utf8) != nil {
        fatalError("unescaped value \(marker.debugDescription) in the HTML of \(context): \(html.debugDescription)")
    }
}

private func renderNotice(
    _ renderer: NoticeRenderer, _ notice: NoticeTemplate, _ language: Language, pool: [String], markers: [String]
) {
    var names: Set<String> = []
    for part in ["subject", "body"] {
        for forms in renderer.locales.strings["notice.\(notice.rawValue).\(part)"]?.translations.values.map({ $0 })
            ?? []
        {
            names.formUnion(forms.placeholders)
        }
    }
    let filled = values(for: names, from: pool)
    do {
        let message = try renderer.render(notice, channel: .email, locale: language.rawValue, values: filled)
        checkHTML(message.html ?? "", markers: markers, context: "\(notice.rawValue) (\(language.rawValue))")
    } catch {
        fatalError("\(notice.rawValue) (\(language.rawValue)) with every placeholder filled does not render: \(error)")
    }
}

/// Builds the globals before fuzzing, so their allocations are not taken for a leak of the first input.
@_cdecl("LLVMFuzzerInitialize")
public func initialize(
    _ argc: UnsafeMutablePointer<CInt>?,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?
) -> CInt {
    _ = realRenderer
    _ = scratchRoot
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTemplates(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let input = UnsafeBufferPointer(start: data, count: size)
    let text = String(decoding: input[1...], as: UTF8.self)
    let segments = text.split(separator: "\u{1}", omittingEmptySubsequences: false).map(String.init)
    let source = segments[0]
    let language = languages[Int(input[0]) % languages.count]
    let notice = NoticeTemplate.allCases[Int(input[0] / 3) % NoticeTemplate.allCases.count]

    // A character absent from the input: after '<' etc. it can only come from a value left unescaped.
    let marker = markerCandidates.first { !text.contains($0) }
    let markers = marker.map { marker in ["<", ">", "\"", "&", "'"].map { $0 + String(marker) } } ?? []
    let suffix = markers.joined(separator: " ")
    let pool = segments.count > 1 ? segments[1...].map { $0 + suffix } : [suffix]

    renderNotice(realRenderer, notice, language, pool: pool, markers: markers)

    let template: Template
    do {
        template = try Template(parsing: source)
    } catch {
        let characters = Array(source)
        switch error {
        case .unclosedPlaceholder(let offset), .emptyPlaceholder(let offset):
            guard offset >= 0, offset + 1 < characters.count, characters[offset] == "(", characters[offset + 1] == "("
            else { fatalError("\(error) does not point at '((' in \(source.debugDescription)") }
        case .invalidName: break
        }
        return 0
    }
    do {
        let escaped = try template.render(values(for: template.placeholders, from: pool), escape: referenceEscape)
        if !source.contains(where: { "<>\"&'".contains($0) }) {
            checkHTML(escaped, markers: markers, context: "the template \(source.debugDescription)")
        }
        _ = try template.render(values(for: template.requiredPlaceholders, from: pool))
    } catch {
        fatalError("\(source.debugDescription) with its placeholders filled does not render: \(error)")
    }

    // The fuzzed template as the subject and body of a notice, through the loader and the renderer's HTML path.
    // The loader skips blank texts (a missing translation).
    guard !source.allSatisfy(\.isWhitespace), let literal = try? JSONEncoder().encode(source),
        let quoted = String(data: literal, encoding: .utf8)
    else {
        return 0
    }
    let texts = #"{"fi": \#(quoted), "sv": \#(quoted), "en": \#(quoted)}"#
    let file = #"{"notice.reminder.subject": \#(texts), "notice.reminder.body": \#(texts)}"#
    try! Data(file.utf8).write(to: scratchRoot.appendingPathComponent("locales/notices.json"))
    let loaded = CatalogLoader(root: scratchRoot).load()
    guard loaded.locales["notice.reminder.body"]?.translations.count == 3,
        loaded.locales["notice.reminder.subject"]?.translations.count == 3
    else { fatalError("a template that parses was not loaded: \(source.debugDescription) \(loaded.problems)") }
    if !source.contains(where: { "<>\"&'".contains($0) }) {
        renderNotice(
            NoticeRenderer(locales: LocaleTable(loaded.locales)), .reminder, language, pool: pool, markers: markers)
    }
    return 0
}
