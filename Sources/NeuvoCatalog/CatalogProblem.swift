/// One thing wrong with the catalog, located precisely enough for staff to fix it.
public struct CatalogProblem: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable, Codable {
        case error
        case warning
        /// For review, never fatal: cross-validation disagreements. They depend on how the folds fall, and clearing
        /// them all by rewording examples taught the model the catalog rather than residents (see docs/CATALOG.md).
        case note
    }

    public let file: String
    public let line: Int
    public let column: Int
    public let severity: Severity
    public let message: String
    public let hint: String

    public init(file: String, line: Int, column: Int = 1, severity: Severity = .error, message: String, hint: String) {
        self.file = file
        self.line = line
        self.column = column
        self.severity = severity
        self.message = message
        self.hint = hint
    }

    /// `intents/greeting.json:12:5: error: ... (hint: ...)`, the form editors and CI logs link to.
    public var description: String {
        "\(file):\(line):\(column): \(severity.rawValue): \(message)" + (hint.isEmpty ? "" : " (hint: \(hint))")
    }
}
