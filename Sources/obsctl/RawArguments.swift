import ProcessObserver

/// The process's argv as the kernel gave it, byte for byte.
///
/// `CommandLine.arguments` decodes each argument as UTF-8 and replaces invalid sequences, which
/// would change the command we run; `CommandLine.unsafeArgv` keeps the exact bytes.
enum RawArguments {
    static func all() -> [[UInt8]] {
        (0..<Int(CommandLine.argc)).map { index in
            CommandLine.unsafeArgv[index].map { ByteString(cString: $0).bytes } ?? []
        }
    }

    /// The last `count` arguments: the command and its arguments, which ArgumentParser captured
    /// (lossily) as the trailing values.
    static func suffix(_ count: Int) -> [[UInt8]] {
        Array(all().suffix(count))
    }
}
