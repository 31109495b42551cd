import ArgumentParser
import ProcessObserver

/// Every exit code obsctl itself chooses, in one table (`Docs/CLI.md` lists the same). Otherwise
/// `obsctl watch` exits with the observed command's own code, or 128 + the signal that killed it.
enum ObsctlExitCode {
    /// `--strict` and a named category is unavailable; `--pid` names no process, or eBPF (which
    /// reports an attached process's exit) is unavailable.
    static let unavailable: Int32 = 1
    /// `diff`: a gate (`--fail-on`, `--max-ratio`) was violated.
    static let gateViolated: Int32 = 1
    /// `diff`: a gate was asked for and the comparison cannot be trusted (a side lost events,
    /// was cut short, or was observed otherwise), without `--allow-incomplete`.
    static let untrustedComparison: Int32 = 2
    /// A usage error: a bad flag or value (swift-argument-parser's `ValidationError`, EX_USAGE).
    static let usage: Int32 = ExitCode.validationFailure.rawValue
    /// `report`/`export`/`diff`: the recording is not one (not JSON Lines, a damaged line, another
    /// major schema version): EX_DATAERR.
    static let invalidInput: Int32 = 65
    /// `report`/`export`/`diff`: the recording cannot be opened or read (missing, a directory, no
    /// permission): EX_NOINPUT.
    static let cannotReadInput: Int32 = 66
    /// obsctl's own failure: the event file (or a report's `-o` file) cannot be opened or written, the eBPF backend fails to load,
    /// the command cannot be started for a reason other than the two below.
    static let obsctlFailed: Int32 = 125
    /// The command was found but cannot be executed (EACCES, ENOEXEC).
    static let notExecutable: Int32 = 126
    /// The command was not found.
    static let notFound: Int32 = 127
    /// 128 + N: the command was killed by signal N, or, with `--pid`, obsctl stopped observing on
    /// signal N (SIGPIPE when the reader of the events went away).
    static func signaled(_ signal: Int32) -> Int32 { 128 + signal }

    /// The exit code for a command that could not be started.
    static func forSpawnFailure(_ error: ObserverError) -> Int32 {
        switch error.code {
        case .executableNotFound: notFound
        case .notExecutable: notExecutable
        default: obsctlFailed
        }
    }

    static func exit(_ code: Int32) -> ExitCode { ExitCode(code) }
}
