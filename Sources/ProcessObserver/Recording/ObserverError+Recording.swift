import SystemPackage

// MARK: - the errors of reading a recording

extension ObserverError {
    /// `reading the recording "<name>"`, quoted like hostile bytes in the human event format.
    static func readingRecording(_ name: String) -> String { "reading the recording \(ByteString(name).shellQuoted)" }

    static func recordingUnreadable(_ name: String, call: String, errno: Errno) -> ObserverError {
        let reason: String
        let remedy: String?
        switch errno {
        case .noSuchFileOrDirectory:
            reason = "the file does not exist"
            remedy = "Check the path, or record one with obsctl watch --json -o FILE"
        case .permissionDenied: (reason, remedy) = ("this user may not read it", "Check its permissions")
        case .isDirectory: (reason, remedy) = ("it is a directory", "Give the recording file itself")
        default: (reason, remedy) = ("it cannot be read", nil)
        }
        return ObserverError(
            .recordingUnreadable, failure: readingRecording(name), reason: reason, call: call, errno: errno,
            remedy: remedy)
    }

    static func invalidRecording(_ name: String, reason: String) -> ObserverError {
        ObserverError(
            .invalidRecording, failure: readingRecording(name), reason: reason,
            remedy: "Give a file written by obsctl watch --json (-o FILE)")
    }
}
