#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    // No getrandom(2) there; dlsym finds nothing and the /dev/urandom path is used.
    import Darwin
#endif

/// Cryptographically secure random bytes from the kernel: getrandom(2), falling back to /dev/urandom.
public enum SecureRandom {
    public static func bytes(_ count: Int) -> [UInt8] {
        precondition(count >= 0, "SecureRandom.bytes: negative count")
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            fill(UnsafeMutableRawBufferPointer(buffer))
            initialized = count
        }
    }

    /// Fills `buffer` completely or traps: returning weak or partial randomness would be worse than crashing.
    public static func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        if let getrandom = getrandomFunction {
            var offset = 0
            while offset < buffer.count {
                // getrandom(2) may return fewer bytes than asked for large requests or after a signal.
                let result = getrandom(base + offset, buffer.count - offset, 0)
                if result > 0 {
                    offset += result
                } else if result < 0 && errno == EINTR {
                    continue
                } else if result < 0 && errno == ENOSYS && offset == 0 {
                    break
                } else {
                    fatalError("SecureRandom: getrandom failed, errno \(errno)")
                }
            }
            if offset == buffer.count { return }
        }
        fillFromURandom(base, count: buffer.count)
    }

    private typealias GetRandom = @convention(c) (UnsafeMutableRawPointer?, Int, UInt32) -> Int

    /// Glibc's Swift module does not export <sys/random.h>, so look the symbol up once at run time.
    private static let getrandomFunction: GetRandom? = {
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "getrandom") else { return nil }
        return unsafeBitCast(symbol, to: GetRandom.self)
    }()

    private static func fillFromURandom(_ base: UnsafeMutableRawPointer, count: Int) {
        let descriptor = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { fatalError("SecureRandom: cannot open /dev/urandom, errno \(errno)") }
        defer { close(descriptor) }
        var offset = 0
        while offset < count {
            let result = read(descriptor, base + offset, count - offset)
            if result > 0 {
                offset += result
            } else if result < 0 && errno == EINTR {
                continue
            } else {
                fatalError("SecureRandom: reading /dev/urandom failed, errno \(errno)")
            }
        }
    }
}
