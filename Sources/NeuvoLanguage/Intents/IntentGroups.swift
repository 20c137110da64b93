/// Families of intents, read from their names: an intent's group is the part of its name before the first dot
/// ("unit.opening_hours" → "unit"), or, in names without a dot, before the first underscore (MASSIVE's
/// "alarm_set" → "alarm"); a name with neither is a group of its own. The classifier trains a second SVM to tell
/// the groups apart (`IntentClassifierOptions.groupWeight`).
struct IntentGroups: Sendable, Hashable {
    /// The group of each class, in the classifier's class order.
    let groupOfClass: [Int]
    /// The groups' names, in first-seen order.
    let names: [String]

    var count: Int { names.count }

    /// nil when grouping says nothing: no group holds two intents, or everything is one group.
    init?(intents: [String]) {
        var index: [String: Int] = [:]
        var names: [String] = []
        var groupOfClass: [Int] = []
        for intent in intents {
            let name = Self.group(of: intent)
            if let known = index[name] {
                groupOfClass.append(known)
            } else {
                index[name] = names.count
                groupOfClass.append(names.count)
                names.append(name)
            }
        }
        guard names.count >= 2, names.count < intents.count else { return nil }
        self.groupOfClass = groupOfClass
        self.names = names
    }

    static func group(of intent: String) -> String {
        let separator: Character = intent.contains(".") ? "." : "_"
        return intent.split(separator: separator, maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init)
            ?? intent
    }
}
