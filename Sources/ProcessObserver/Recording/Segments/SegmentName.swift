/// A segment's file name: `segment-<sequence>-<opened>.jsonl`, `.jsonl.gz` once compressed, for
/// example `segment-00000042-20261207T194400Z.jsonl.gz`. The sequence number is zero-padded to
/// eight digits so that names sort in time order (the time, UTC to the second, is for people
/// listing the directory). A compression under way writes `<name>.gz.tmp` first and renames it
/// into place, so a `.gz` file is always complete; readers ignore every other name.
public struct SegmentName: Sendable, Hashable, Comparable {
    public var sequence: Int
    /// When the segment was opened, in nanoseconds since the Unix epoch.
    public var openedWallNs: Int64
    public var compressed: Bool

    public init(sequence: Int, openedWallNs: Int64, compressed: Bool = false) {
        self.sequence = sequence
        self.openedWallNs = openedWallNs
        self.compressed = compressed
    }

    static let prefix = "segment-"
    static let rawSuffix = ".jsonl"
    static let compressedSuffix = ".jsonl.gz"
    static let temporarySuffix = ".gz.tmp"

    /// The name without its suffix: `segment-00000042-20261207T194400Z`.
    var stem: String {
        let digits = String(sequence)
        let padded = String(repeating: "0", count: max(0, 8 - digits.count)) + digits
        // 2026-12-07T19:44:00.123456789Z → 20261207T194400Z
        let time = RFC3339.format(epochNanoseconds: openedWallNs).prefix(19).filter { $0 != "-" && $0 != ":" }
        return Self.prefix + padded + "-" + time + "Z"
    }

    public var fileName: String { stem + (compressed ? Self.compressedSuffix : Self.rawSuffix) }

    /// Parses a segment's file name; nil for anything else (a `.gz.tmp` included).
    public init?(fileName name: String) {
        let compressed: Bool
        let stem: Substring
        if name.hasSuffix(Self.compressedSuffix) {
            compressed = true
            stem = name.dropLast(Self.compressedSuffix.count)
        } else if name.hasSuffix(Self.rawSuffix) {
            compressed = false
            stem = name.dropLast(Self.rawSuffix.count)
        } else {
            return nil
        }
        guard stem.hasPrefix(Self.prefix) else { return nil }
        let parts = stem.dropFirst(Self.prefix.count).split(separator: "-")
        guard parts.count == 2, parts[0].count >= 8, let sequence = Int(parts[0]), sequence >= 1 else { return nil }
        let t = Array(parts[1].utf8)
        guard t.count == 16, t[8] == UInt8(ascii: "T"), t[15] == UInt8(ascii: "Z") else { return nil }
        let s = String(decoding: t, as: UTF8.self)
        func piece(_ from: Int, _ count: Int) -> Substring {
            s.dropFirst(from).prefix(count)
        }
        let rfc =
            "\(piece(0, 4))-\(piece(4, 2))-\(piece(6, 2))T\(piece(9, 2)):\(piece(11, 2)):\(piece(13, 2))Z"
        guard let wall = RFC3339.parse(rfc) else { return nil }
        self.init(sequence: sequence, openedWallNs: wall, compressed: compressed)
    }

    /// Segments sort by sequence; a raw file before its compressed twin.
    public static func < (a: SegmentName, b: SegmentName) -> Bool {
        (a.sequence, a.compressed ? 1 : 0) < (b.sequence, b.compressed ? 1 : 0)
    }
}
