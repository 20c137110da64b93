/// Compares two byte sequences without exiting early on their content, so timing reveals at most whether the
/// lengths differ (lengths of MACs and digests are public).
public func constantTimeEquals(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
    guard a.count == b.count else { return false }
    let contiguous = a.withContiguousStorageIfAvailable { left in
        b.withContiguousStorageIfAvailable { right in
            accumulateDifference(left, right)
        }
    }
    if let contiguous, let difference = contiguous {
        return difference == 0
    }
    var difference: UInt8 = 0
    for (x, y) in zip(a, b) {
        difference |= x ^ y
    }
    return difference == 0
}

/// OR of all byte differences; kept out of line so the optimizer sees one plain loop with no data-dependent branch.
@inline(never)
private func accumulateDifference(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> UInt8 {
    var difference: UInt8 = 0
    for index in 0..<a.count {
        difference |= a[index] ^ b[index]
    }
    return difference
}
