/// The three languages Neuvo serves: Finnish and Swedish (Helsinki's official languages) and English.
public enum Language: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case fi
    case sv
    case en

    public static func < (lhs: Language, rhs: Language) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}
