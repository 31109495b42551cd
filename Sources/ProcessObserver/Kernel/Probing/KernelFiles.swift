#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Small reads of kernel-provided files (/proc, /sys), backed by `open(2)`/`read(2)`.
enum KernelFiles {
    /// The whole file as text (bytes that are not UTF-8 become U+FFFD), nil when it cannot be
    /// opened or read. The bytes come from `ProcFS.readFile`, the one small-file reader.
    static func read(_ path: String) -> String? {
        ProcFS.readFile(path).map { String(decoding: $0, as: UTF8.self) }
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }
}
