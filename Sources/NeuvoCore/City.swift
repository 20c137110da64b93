import Foundation

/// The city Neuvo serves, in one place: its time zone (quiet hours, deadlines, service hours and dates in
/// messages are all reckoned in it) and the language residents are addressed in when nothing says otherwise.
public enum City {
    /// Europe/Helsinki. Should the system's time zone database lack it, a fixed UTC+2 (Helsinki's standard time)
    /// stands in rather than a crash.
    public static let timeZone: TimeZone =
        TimeZone(identifier: "Europe/Helsinki") ?? TimeZone(secondsFromGMT: 2 * 3600) ?? .gmt

    /// Finnish: the language of a resident or a session that has none yet.
    public static let defaultLanguage: Language = .fi
}

/// How hard the dispatcher pushes each channel unless configured otherwise: the defaults of both the
/// `dispatch.*` settings and `DispatcherSettings`, declared once.
public enum DispatchDefaults {
    /// Seconds a claimed notice stays one dispatcher's before another may take it over.
    public static let leaseSeconds: Double = 300
    /// The first retry's delay in seconds; later ones double, with jitter.
    public static let retryBaseSeconds: Double = 30
    public static let emailRate: Double = 100
    public static let smsRate: Double = 1000
    public static let emailConcurrency = 4
    public static let smsConcurrency = 32
}
