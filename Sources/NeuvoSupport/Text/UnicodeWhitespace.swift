extension Unicode.Scalar {
    /// Unicode's White_Space property, with ASCII decided directly: the properties table's look-up for every scalar
    /// cost more than the rest of an access-log line, and than ending a chat reply's link.
    public var isUnicodeWhitespace: Bool {
        isASCII ? value == 0x20 || (0x09...0x0D).contains(value) : properties.isWhitespace
    }
}
