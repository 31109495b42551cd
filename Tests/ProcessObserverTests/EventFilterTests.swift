import CObserverBPF
import Foundation
import Testing

@testable import ProcessObserver

/// `EventFilter` (issue 19's `--failed-only`, `--slower-than`, `--kinds`): which events a filter
/// keeps, the loosest filter of several subscribers (what the kernel is asked for), and the
/// recording header's `filters` read back.
@Suite("Event filters")
struct EventFilterTests {
    typealias F = RecordingFixtures

    static func timed(_ kind: EventKind, _ category: EventCategory, ns: UInt64?) -> ObserverEvent {
        var e = F.event(1, category, kind)
        e.durationNs = ns
        return e
    }

    static let failedOpen = timed(
        .open(FileOpen(path: "/missing", flags: 0, mode: nil, result: SyscallResult(-2))), .file, ns: 5_000)
    static let slowOpen = timed(
        .open(FileOpen(path: "/fifo", flags: 0, mode: nil, result: SyscallResult(3))), .file, ns: 300_000_000)
    static let inProgress = timed(
        .connect(SocketOperation(fd: 3, address: .ipv4(address: "10.0.0.1", port: 80), result: SyscallResult(-115))),
        .network, ns: 9_000)
    static let mkdir = timed(.mkdir(PathOperation(path: "d", mode: 0o755, result: SyscallResult(0))), .file, ns: 1_000)
    static let exec = F.event(
        2, .process,
        .exec(Exec(path: CapturedString("/bin/x"), argv: ["x"], argvTruncated: false, result: SyscallResult(-2))))

    static func kinds(_ names: String...) -> Set<StreamedKind> { Set(names.compactMap(StreamedKind.init)) }

    @Test(
        "each condition keeps exactly its events, process and lifecycle events always",
        arguments: [
            (EventFilter(), [true, true, true, true]),
            (EventFilter(failedOnly: true), [true, false, true, false]),
            (EventFilter(slowerThan: .milliseconds(1)), [false, true, false, false]),
            (EventFilter(slowerThan: .nanoseconds(5_000)), [false, true, true, false]),
            (EventFilter(kinds: kinds("mkdir", "connect")), [false, false, true, true]),
            (EventFilter(failedOnly: true, kinds: kinds("open")), [true, false, false, false]),
        ])
    func keeps(filter: EventFilter, expected: [Bool]) {
        let events = [Self.failedOpen, Self.slowOpen, Self.inProgress, Self.mkdir]
        #expect(events.map { filter.keeps($0) } == expected)
        #expect(filter.keeps(Self.exec))
        #expect(filter.keeps(F.event(3, .lifecycle, .lost(Lost(count: 1, source: .kernel)))))
    }

    @Test("the loosest of several filters keeps what any of them keeps: a condition only when all set it")
    func loosest() {
        let a = EventFilter(failedOnly: true, slowerThan: .milliseconds(10), kinds: Self.kinds("open"))
        let b = EventFilter(failedOnly: true, slowerThan: .milliseconds(2), kinds: Self.kinds("connect"))
        #expect(
            EventFilter.loosest([a, b])
                == EventFilter(failedOnly: true, slowerThan: .milliseconds(2), kinds: Self.kinds("open", "connect")))
        #expect(EventFilter.loosest([a, EventFilter()]) == EventFilter())
        #expect(!EventFilter.loosest([]).isFiltering)
        #expect(EventFilter.loosest([a]) == a)
    }

    @Test("the kinds a filter can name are the file and network kinds, rmdir (unlinkat's) among them")
    func streamedKinds() {
        #expect(StreamedKind("open")?.name == "open")
        #expect(StreamedKind("rmdir") != nil)
        #expect(StreamedKind("exec") == nil)
        #expect(StreamedKind("started") == nil)
        #expect(StreamedKind("Open") == nil)
        #expect(Set(StreamedKind.all.map(\.name)).isSuperset(of: ["open", "unlink", "rmdir", "connect", "listen"]))
        // --kinds rmdir wants unlinkat's records too (it makes rmdir), not unlink's or open's.
        let bits = ObservedSyscall.filterBitmap(Self.kinds("rmdir"))
        func wanted(_ id: obs_syscall) -> Bool { (bits.low >> UInt64(id.rawValue)) & 1 == 1 }
        #expect(wanted(OBS_SC_UNLINKAT))
        #expect(wanted(OBS_SC_RMDIR) == ObservedSyscall.all.contains { $0.id == OBS_SC_RMDIR.rawValue })
        #expect(!wanted(OBS_SC_UNLINK))
        #expect(!wanted(OBS_SC_OPENAT))
        #expect(!wanted(OBS_SC_EXECVE))
        #expect(bits.high == 0)
    }

    @Test("a header's filters are written as filters and read back equal; an unfiltered header has none")
    func headerRoundTrip() throws {
        var header = F.header
        header.filters = EventFilter(
            failedOnly: true, slowerThan: .microseconds(250), kinds: Self.kinds("open", "bind"))
        let line = EventJSON.headerLine(header)
        #expect(line.contains(#""filters":{"failed_only":true,"slower_than_ns":250000,"kinds":["bind","open"]}"#))
        let path = try F.file(Array(line.utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (recording, _) = try F.read(path)
        #expect(recording.header == header)
        #expect(!EventJSON.headerLine(F.header).contains("filters"))
    }
}
