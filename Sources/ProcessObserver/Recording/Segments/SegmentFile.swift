import SystemPackage

/// A segment file found in a segmented recording's directory.
struct SegmentFile {
    var name: SegmentName
    var path: String

    /// The segments in `directory`, in sequence order. A segment found both raw and compressed
    /// (its writer was killed between compressing it and removing the raw file) is read raw.
    /// Throws when the directory cannot be read or holds no segment.
    static func list(_ directory: String) throws(ObserverError) -> [SegmentFile] {
        let entries: [[UInt8]]
        do throws(Errno) {
            entries = try Syscall.directoryNames(directory)
        } catch {
            throw .recordingUnreadable(directory, call: "opendir", errno: error)
        }
        var bySequence: [Int: SegmentName] = [:]
        for entry in entries {
            guard let name = SegmentName(fileName: String(decoding: entry, as: UTF8.self)) else { continue }
            if let seen = bySequence[name.sequence], !seen.compressed { continue }
            bySequence[name.sequence] = name
        }
        guard !bySequence.isEmpty else {
            throw .noSegments(directory)
        }
        return bySequence.values.sorted().map { SegmentFile(name: $0, path: directory + "/" + $0.fileName) }
    }

    func open() throws(ObserverError) -> FileDescriptor {
        do {
            return try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec])
        } catch {
            throw .recordingUnreadable(path, call: "open", errno: error as? Errno ?? .ioError)
        }
    }

    /// Opens the segment as it is now, in a recording still being written: a raw segment
    /// compressed since the listing is opened as its `.gz`; nil when it is gone (removed by
    /// retention meanwhile, which a later header accounts for).
    func openNow() throws(ObserverError) -> (file: SegmentFile, fd: FileDescriptor)? {
        var candidates = [self]
        if !name.compressed {
            var compressed = name
            compressed.compressed = true
            let directory = String(path.dropLast(name.fileName.count))
            candidates.append(SegmentFile(name: compressed, path: directory + compressed.fileName))
        }
        for candidate in candidates {
            do throws(ObserverError) {
                return (candidate, try candidate.open())
            } catch {
                if error.underlying != .noSuchFileOrDirectory { throw error }
            }
        }
        return nil
    }
}
