import ArgumentParser
import ProcessObserver

/// `--record DIR` and its limits: the recording written as segments in a directory
/// (`Docs/RECORDING.md`), whatever the terminal shows.
struct RecordOptions: ParsableArguments {
    @Option(
        name: .customLong("record"),
        help: ArgumentHelp(
            "Also write the recording (JSON Lines) as segments in this directory, made when missing; old "
                + "segments are compressed and removed past --keep-size or --keep-age.", valueName: "dir"))
    var directory: String?

    @Option(
        name: .customLong("segment-size"),
        help: ArgumentHelp("Close a segment at this size (K, M, G: powers of 1024).", valueName: "size"))
    var segmentSize = "64M"

    @Option(
        name: .customLong("keep-size"),
        help: ArgumentHelp(
            "Keep at most this many bytes of segments on disk, removing the oldest (at least twice --segment-size).",
            valueName: "size"))
    var keepSize = "1G"

    @Option(
        name: .customLong("keep-age"),
        help: ArgumentHelp(
            "Remove segments whose events are older than this (s, m, h or d; 90m, 7d).", valueName: "duration"))
    var keepAge: String?

    @Flag(
        name: .customLong("no-compress"),
        help: ArgumentHelp("Leave closed segments uncompressed (default: gzip, on a thread of its own)."))
    var noCompress = false

    func validate() throws {
        guard let segment = LimitOptions.bytes(segmentSize), segment >= 4096 else {
            throw ValidationError(
                "--segment-size must be a size of at least 4096 bytes, optionally with K, M, G or T: \(segmentSize)")
        }
        guard let keep = LimitOptions.bytes(keepSize) else {
            throw ValidationError("--keep-size must be a size in bytes, optionally with K, M, G or T: \(keepSize)")
        }
        guard keep >= 2 * segment else {
            throw ValidationError(
                "--keep-size (\(keepSize)) must be at least twice --segment-size (\(segmentSize)): the open segment "
                    + "and one closed one.")
        }
        if let keepAge, Self.nanoseconds(keepAge) == nil {
            throw ValidationError("--keep-age must be a duration such as 30s, 90m, 12h or 7d: \(keepAge)")
        }
        if directory == nil, keepAge != nil || segmentSize != "64M" || keepSize != "1G" || noCompress {
            throw ValidationError("--segment-size, --keep-size, --keep-age and --no-compress apply to --record DIR.")
        }
        if let directory, directory.isEmpty { throw ValidationError("--record needs a directory.") }
    }

    /// The writer's limits (`validate()` has rejected what does not parse).
    var limits: SegmentedRecordingWriter.Limits {
        SegmentedRecordingWriter.Limits(
            segmentBytes: Int(LimitOptions.bytes(segmentSize) ?? 64 << 20),
            keepBytes: Int(LimitOptions.bytes(keepSize) ?? 1 << 30), keepAgeNs: keepAge.flatMap(Self.nanoseconds),
            compressionLevel: noCompress ? nil : 1)
    }

    /// `90m` → 5.4e12; a number with s, m, h or d (a plain number is seconds); nil otherwise.
    static func nanoseconds(_ text: String) -> UInt64? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        var number = Substring(text)
        var scale = 1.0
        if let last = number.last, let unit = units[last] {
            scale = unit
            number = number.dropLast()
        }
        guard let value = Double(number), value.isFinite, value > 0 else { return nil }
        let ns = value * scale * 1e9
        guard ns >= 1e9, ns < 1.8e19 else { return nil }
        return UInt64(ns)
    }
}
