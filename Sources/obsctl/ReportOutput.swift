import ProcessObserver
import SystemPackage

/// Where `report` and `export` write: standard output, or `-o FILE` (created or truncated).
enum ReportOutput {
    static func open(_ path: String?) throws -> BufferedOutput {
        guard let path else { return BufferedOutput(fd: .standardOutput) }
        do {
            let fd = try FileDescriptor.open(
                FilePath(path), .writeOnly, options: [.create, .truncate, .closeOnExec],
                permissions: FilePermissions(rawValue: 0o666))
            return BufferedOutput(fd: fd)
        } catch {
            let errno = error as? Errno ?? .ioError
            Diagnostics.print(
                "cannot open \(ByteString(path).shellQuoted) for writing: \(errno) (\(ErrnoName.name(of: errno.rawValue)))."
            )
            throw ObsctlExitCode.exit(ObsctlExitCode.obsctlFailed)
        }
    }

    /// Closes a file output, and turns a failed write into obsctl's failure (125).
    static func finish(_ out: BufferedOutput, path: String?) throws {
        if let failure = out.failure {
            Diagnostics.print(
                "writing \(path.map { ByteString($0).shellQuoted } ?? "standard output") failed: \(failure) "
                    + "(\(ErrnoName.name(of: failure.rawValue))).")
            throw ObsctlExitCode.exit(ObsctlExitCode.obsctlFailed)
        }
        if out.fd.rawValue > 2 { try? out.fd.close() }
    }

    /// Colour only on a terminal, and never when NO_COLOR is set to anything (no-color.org) or
    /// TERM is `dumb`.
    static func wantsColour(_ output: BufferedOutput) -> Bool {
        guard output.isTerminal else { return false }
        if let noColor = Environment.inherit.value(of: "NO_COLOR"), !noColor.isEmpty { return false }
        if Environment.inherit.value(of: "TERM") == "dumb" { return false }
        return true
    }
}
