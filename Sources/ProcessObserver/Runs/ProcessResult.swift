/// What `wait()` returns: how the process ended, what it cost, and any captured output.
public struct ProcessResult: Sendable {
    public var processID: Int32
    public var status: ExitStatus
    /// The run profile (the same figures every subscriber's closing `profile` event carries;
    /// `lostSubscriber` here is summed over all subscribers).
    public var profile: RunProfile
    /// Captured standard output, when `.capture` was asked for.
    public var standardOutput: [UInt8]?
    public var standardError: [UInt8]?
    /// More output was written than the capture cap kept.
    public var standardOutputTruncated: Bool
    public var standardErrorTruncated: Bool
    /// Processes the kernel backend still tracked at the end although the run was over. Expected
    /// empty: a non-empty list is a defect worth reporting.
    public var leftoverTrackedProcesses: [Int32]
}
