import ProcessObserver

/// Bytes and calls per file, from the `close` events (`Docs/REPORT.md`, Files): what each path
/// was read and written, summed over every descriptor of it the tree closed, in bounded memory
/// like `PathCounts` (exact totals always, per-path figures for the first `capacity` paths).
public struct FileBytes: Sendable, Hashable {
    public static let capacity = 20_000

    /// One file's figures, summed over its closes.
    public struct Entry: Sendable, Hashable {
        public var path: String
        public var bytesRead: UInt64 = 0
        public var bytesWritten: UInt64 = 0
        public var reads: UInt64 = 0
        public var writes: UInt64 = 0
        /// `close` events of this file (one per descriptor that did I/O on it, in each process).
        public var closes = 0

        public init(path: String) { self.path = path }

        public var bytes: UInt64 { bytesRead &+ bytesWritten }

        mutating func add(_ c: FileClose) {
            bytesRead &+= c.bytesRead
            bytesWritten &+= c.bytesWritten
            reads &+= c.reads
            writes &+= c.writes
            closes += 1
        }
    }

    public private(set) var entries: [String: Entry] = [:]
    /// Every close counted, those on paths past `capacity` included.
    public private(set) var total = Entry(path: "")
    /// Closes on paths that arrived after `capacity` distinct ones (in `total`, in no entry).
    public private(set) var overflow = 0

    public init() {}

    public var isEmpty: Bool { total.closes == 0 }
    public var distinct: Int { entries.count }

    mutating func add(_ close: FileClose) {
        total.add(close)
        let path = EventText.file(EventPath(passed: close.path, absolute: close.absolutePath))
        if entries[path] != nil || entries.count < Self.capacity {
            entries[path, default: Entry(path: path)].add(close)
        } else {
            overflow += 1
        }
    }

    /// The `limit` files with the most bytes read and written, ties by calls, then by path.
    public func top(_ limit: Int) -> [Entry] {
        entries.values.sorted {
            ($0.bytes, $0.reads + $0.writes, $1.path) > ($1.bytes, $1.reads + $1.writes, $0.path)
        }.prefix(limit).map { $0 }
    }
}
