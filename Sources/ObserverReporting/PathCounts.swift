/// Operations per path, in bounded memory: exact totals always, exact per-path counts for the
/// first `capacity` distinct paths, and the operations on any path beyond them counted together
/// in `overflow` (a flood of distinct paths must not grow a report without bound).
public struct PathCounts: Sendable, Hashable {
    public static let capacity = 20_000

    public private(set) var counts: [String: Int] = [:]
    /// Operations on paths that arrived after `capacity` distinct ones.
    public private(set) var overflow = 0
    public private(set) var total = 0

    public init() {}

    public mutating func add(_ path: String, count: Int = 1) {
        total += count
        if counts[path] != nil || counts.count < Self.capacity {
            counts[path, default: 0] += count
        } else {
            overflow += count
        }
    }

    /// Adds another table's operations, path by path (the paths past its capacity stay counted
    /// together).
    public mutating func add(_ other: PathCounts) {
        for (path, count) in other.counts.sorted(by: { $0.key < $1.key }) { add(path, count: count) }
        overflow += other.overflow
        total += other.overflow
    }

    public var distinct: Int { counts.count }
    public var isEmpty: Bool { total == 0 }

    /// The `limit` paths with the most operations, ties by path.
    public func top(_ limit: Int) -> [(path: String, count: Int)] {
        counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(limit).map {
            ($0.key, $0.value)
        }
    }

    /// Paths grouped by their directory (everything before the last `/`, `.` for a bare name):
    /// distinct paths and operations per directory, most operations first.
    public func byDirectory(_ limit: Int) -> [(directory: String, paths: Int, count: Int)] {
        var groups: [String: (paths: Int, count: Int)] = [:]
        for (path, count) in counts {
            let directory = Self.directory(of: path)
            groups[directory, default: (0, 0)].paths += 1
            groups[directory, default: (0, 0)].count += count
        }
        return groups.sorted { $0.value.count != $1.value.count ? $0.value.count > $1.value.count : $0.key < $1.key }
            .prefix(limit).map { ($0.key, $0.value.paths, $0.value.count) }
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash]) + "/"
    }
}
