import SystemPackage

/// The closed segments of a `SegmentedRecordingWriter`, shared between the writer and the
/// thread that compresses them (`obs-segments`), and what retention removed.
///
/// Every member is guarded by `lock`. The compression of a segment runs without it; a segment
/// removed meanwhile is noted in `discard`, and the compression's output is removed when done.
final class SegmentStore: @unchecked Sendable {
    let directory: String
    let compressionLevel: Int32?
    private let lock = ConditionLock()
    /// Closed segments, oldest first.
    private var closed: [SegmentStats] = []
    /// Sequences waiting to be compressed, oldest first.
    private var queue: [Int] = []
    /// Sequences removed while being compressed.
    private var discard: Set<Int> = []
    private var removed = RecordingHeader.Retention()
    private var thread: OSThread?
    private var stopping = false

    init(directory: String, compressionLevel: Int32?) {
        self.directory = directory
        self.compressionLevel = compressionLevel
    }

    /// What retention (and a full disk) removed so far.
    var retention: RecordingHeader.Retention { lock.withLock { removed } }

    /// The closed segments' bytes on disk.
    var closedBytes: UInt64 { lock.withLock { closed.reduce(0) { $0 + $1.bytesOnDisk } } }

    /// Starts the compression thread (none when segments are left uncompressed).
    func start() {
        guard compressionLevel != nil, thread == nil else { return }
        thread = OSThread(name: "obs-segments") { [self] in compressLoop() }
    }

    /// Lets the compression thread finish the segments queued, and waits for it.
    func stop() {
        lock.withLock {
            stopping = true
            lock.broadcast()
        }
        thread?.join()
        thread = nil
    }

    private func path(_ name: SegmentName) -> String { directory + "/" + name.fileName }

    /// Takes a segment the writer has closed, and queues it for compression.
    func close(_ segment: SegmentStats) {
        var segment = segment
        segment.state = .closed
        lock.withLock {
            closed.append(segment)
            if compressionLevel != nil {
                queue.append(segment.name.sequence)
                lock.broadcast()
            }
        }
    }

    /// Removes the oldest closed segment, to free space on a full disk; false when none is left.
    func removeOldest(forSpace: Bool) -> Bool {
        lock.withLock {
            guard !closed.isEmpty else { return false }
            removeLocked(at: 0)
            return true
        }
    }

    /// Removes the oldest closed segments while they and the segment being closed (`openBytes`)
    /// hold more than `budget` bytes, and those whose last event is older than `olderThanNs`.
    func applyRetention(openBytes: UInt64, budget: UInt64, olderThanNs: UInt64?) {
        lock.withLock {
            var total = closed.reduce(openBytes) { $0 + $1.bytesOnDisk }
            while let oldest = closed.first {
                let last = oldest.lastNs ?? oldest.closedNs ?? oldest.openedNs
                let tooOld = olderThanNs.map { last < $0 } ?? false
                guard total > budget || tooOld else { break }
                total -= oldest.bytesOnDisk
                removeLocked(at: 0)
            }
        }
    }

    private func removeLocked(at index: Int) {
        let segment = closed.remove(at: index)
        removed.add(segment)
        let sequence = segment.name.sequence
        queue.removeAll { $0 == sequence }
        if segment.state == .compressing { discard.insert(sequence) }
        try? Syscall.removeFile(path(segment.name))
    }

    /// The compression thread: compresses queued segments one at a time into `<name>.gz.tmp`,
    /// renames it into place, then removes the raw file. A compression that fails (a full disk)
    /// leaves the segment uncompressed.
    private func compressLoop() {
        guard let level = compressionLevel else { return }
        lock.lock()
        while true {
            while queue.isEmpty, !stopping { lock.wait() }
            guard !queue.isEmpty else { break }
            let sequence = queue.removeFirst()
            guard let index = closed.firstIndex(where: { $0.name.sequence == sequence }) else { continue }
            closed[index].state = .compressing
            let raw = closed[index].name
            lock.unlock()
            var compressed = raw
            compressed.compressed = true
            let temporary = path(raw) + SegmentName.temporarySuffix
            var done = true
            do throws(Errno) {
                try Gzip.compressFile(path(raw), to: temporary, level: level)
                try Syscall.rename(temporary, to: path(compressed))
            } catch {
                try? Syscall.removeFile(temporary)
                done = false
            }
            lock.lock()
            if discard.remove(sequence) != nil {
                try? Syscall.removeFile(path(compressed))
                continue
            }
            guard let now = closed.firstIndex(where: { $0.name.sequence == sequence }) else { continue }
            if done {
                try? Syscall.removeFile(path(raw))
                closed[now].name = compressed
                closed[now].state = .compressed
                closed[now].bytesOnDisk = Syscall.fileSize(path(compressed)) ?? closed[now].bytesOnDisk
            } else {
                closed[now].state = .closed
            }
        }
        lock.unlock()
    }
}
