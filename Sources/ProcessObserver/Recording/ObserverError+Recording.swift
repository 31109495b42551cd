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

extension ObserverError {
    /// A directory given as a recording that holds no segment: unreadable (EX_NOINPUT), as a
    /// missing file is.
    static func noSegments(_ directory: String) -> ObserverError {
        ObserverError(
            .recordingUnreadable, failure: readingRecording(directory),
            reason: "it is a directory that holds no recording segments (segment-*.jsonl, segment-*.jsonl.gz)",
            remedy: "Give a recording file, or a directory obsctl watch --record wrote")
    }
}

// MARK: - the errors of writing a segmented recording

extension ObserverError {
    static func recordingNotWritable(_ directory: String, call: String, errno: Errno) -> ObserverError {
        let reason: String
        let remedy: String?
        switch errno {
        case .noSuchFileOrDirectory:
            (reason, remedy) = ("its parent directory does not exist", "Create the parent directory first")
        case .permissionDenied, .readOnlyFileSystem:
            (reason, remedy) = ("this user may not write there", "Choose a directory this user may write")
        case .fileExists, .notDirectory:
            (reason, remedy) = ("it exists and is not a directory", "Give a directory, or a path that does not exist")
        case .noSpace, .diskQuotaExceeded:
            (reason, remedy) = ("its disk is full", "Free space, or record to another disk")
        default: (reason, remedy) = ("it cannot be written", nil)
        }
        return ObserverError(
            .recordingNotWritable, failure: "recording to \(ByteString(directory).shellQuoted)", reason: reason,
            call: call, errno: errno, remedy: remedy)
    }

    static func recordingDirectoryInUse(_ directory: String) -> ObserverError {
        ObserverError(
            .recordingNotWritable, failure: "recording to \(ByteString(directory).shellQuoted)",
            reason: "the directory already holds a recording's segments",
            remedy: "Give a new or empty directory for each run (obsctl report reads the old one)")
    }
}
