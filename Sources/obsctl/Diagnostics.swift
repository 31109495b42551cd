import SystemPackage

/// Messages for people, on stderr, unbuffered, each prefixed `obsctl: `.
enum Diagnostics {
    static func print(_ message: String) {
        _ = try? FileDescriptor.standardError.writeAll(Array(("obsctl: " + message + "\n").utf8))
    }
}
