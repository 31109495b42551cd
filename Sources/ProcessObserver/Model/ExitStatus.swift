/// How a process ended: a normal exit with a code, death by a signal, or not known.
public enum ExitStatus: Hashable, Sendable {
    case exited(code: Int32)
    case signaled(signal: Int32, coreDumped: Bool)
    /// The end could not be learnt: an attached process that exited before it was tracked, an
    /// observation stopped before the exit, an attached cgroup (which has no root process).
    case unknown

    /// The seed convention: the exit code, or the negative signal number when a signal killed it;
    /// -1 when unknown (JSON writes it so, with `signal` null, which no real end has).
    public var code: Int32 {
        switch self {
        case .exited(let code): code
        case .signaled(let signal, _): -signal
        case .unknown: -1
        }
    }

    /// A normal exit with code 0.
    public var isSuccess: Bool { self == .exited(code: 0) }

    /// The exit code for a normal exit, nil when a signal killed the process.
    public var exitCode: Int32? {
        if case .exited(let code) = self { return code }
        return nil
    }

    /// The killing signal, nil for a normal exit.
    public var signal: Int32? {
        if case .signaled(let signal, _) = self { return signal }
        return nil
    }

    public var coreDumped: Bool {
        if case .signaled(_, let core) = self { return core }
        return false
    }

    /// The shell's convention: the code, or 128 + signal; -1 when unknown.
    public var shellCode: Int32 {
        switch self {
        case .exited(let code): code
        case .signaled(let signal, _): 128 + signal
        case .unknown: -1
        }
    }

    /// What JSON's `exit_code` and `signal` say: `-1` with no signal is `.unknown`.
    public init(code: Int32, signal: Int32?) {
        if let signal {
            self = .signaled(signal: signal, coreDumped: false)
        } else if code == -1 {
            self = .unknown
        } else {
            self = .exited(code: code)
        }
    }

    /// Decodes a `wait4(2)` status word (also the kernel's `task->exit_code` layout).
    public init(waitStatus status: Int32) {
        let sig = status & 0x7f
        if sig == 0 {
            self = .exited(code: (status >> 8) & 0xff)
        } else {
            self = .signaled(signal: sig, coreDumped: (status & 0x80) != 0)
        }
    }
}
