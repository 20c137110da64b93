import Foundation

/// A channel that delivers into a folder instead of a provider, as Django's file e-mail backend does: each email
/// becomes `<notice id>.eml` (the exact message SMTP would carry) and each SMS `<notice id>.sms.json` (the exact
/// body the webhook would carry). Configured with a `file:` URL (`NEUVO_SMTP_URL=file:///tmp/neuvo-outbox`), so a
/// newcomer sees notices without any provider. A retry of the same notice overwrites its file.
public struct FileChannel: NotificationChannel {
    public let kind: ChannelKind
    public let folder: URL
    private let composer: EmailComposer

    public init(kind: ChannelKind, folder: URL, from: String = "neuvo@localhost", fromName: String? = nil) {
        self.kind = kind
        self.folder = folder
        composer = EmailComposer(
            fromAddress: from, fromName: fromName,
            messageIDDomain: from.split(separator: "@").last.map(String.init) ?? "localhost")
    }

    /// The folder a `file:` URL names, or nil for any other URL.
    public static func folder(of url: URL) -> URL? {
        guard url.scheme?.lowercased() == "file", !url.path.isEmpty else { return nil }
        return URL(fileURLWithPath: url.path, isDirectory: true)
    }

    public func send(_ message: OutgoingMessage) async -> DeliveryOutcome {
        let bytes: [UInt8]
        let name: String
        switch kind {
        case .email:
            do {
                bytes = try composer.compose(message, date: Date())
            } catch {
                return .permanentFailure(reason: "\(error)")
            }
            name = message.noticeID + ".eml"
        case .sms:
            bytes = SMSWebhookChannel.body(for: message)
            name = message.noticeID + ".sms.json"
        }
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data(bytes).write(to: folder.appendingPathComponent(name), options: .atomic)
            return .accepted(providerMessageID: "file:" + name)
        } catch {
            // A full disk or a missing permission may pass: worth retrying.
            return .temporaryFailure(reason: "cannot write \(name): \(error.localizedDescription)", retryAfter: nil)
        }
    }
}
