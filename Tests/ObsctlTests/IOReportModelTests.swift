import ObserverReporting
import ObserverTestSupport
import ProcessObserver
import Testing

/// The report's byte and DNS tables as values: ranking, naming, bounded memory.
@Suite("Report model of byte counts and DNS")
struct IOReportModelTests {
    private func report(_ kinds: [EventKind]) -> RunReport {
        var b = RunReportBuilder(header: nil)
        for (i, kind) in kinds.enumerated() {
            b.add(
                ObserverEvent(
                    seq: UInt64(i + 1), timestampNs: 1_000 + UInt64(i), category: kind.category, processID: 7,
                    command: "x", kind: kind))
        }
        return b.finish(coverage: RecordingCoverage())
    }

    private func close(_ path: String, read: UInt64 = 0, written: UInt64 = 0, reads: UInt64 = 0, writes: UInt64 = 0)
        -> EventKind
    {
        .close(
            FileClose(
                fd: 3, path: CapturedString(ByteString(path)),
                absolutePath: ResolvedPath(ByteString(path), source: .file),
                bytesRead: read, bytesWritten: written, reads: reads, writes: writes))
    }

    @Test("files rank by bytes read and written, summed over their closes; ties by calls, then path")
    func fileRanking() {
        let r = report([
            close("/a", read: 10, reads: 1), close("/b", written: 30, writes: 3), close("/a", read: 25, reads: 2),
            close("/c", read: 35, reads: 1), close("/d", read: 35, reads: 7),
        ])
        #expect(r.io.files.top(10).map(\.path) == ["/d", "/a", "/c", "/b"])
        let a = r.io.files.entries["/a"]
        #expect(a?.bytesRead == 35)
        #expect(a?.reads == 3)
        #expect(a?.closes == 2)
        #expect(r.io.files.total.bytesRead == 105)
        #expect(r.io.counted)
    }

    @Test("a file table keeps exact totals past its capacity, counting the closes on later paths together")
    func fileCapacity() {
        let kinds = (0...FileBytes.capacity).map { close("/f\($0)", read: 1, reads: 1) }
        let r = report(kinds)
        #expect(r.io.files.distinct == FileBytes.capacity)
        #expect(r.io.files.overflow == 1)
        #expect(r.io.files.total.bytesRead == UInt64(FileBytes.capacity + 1))
    }

    @Test("peers are listed by the name the run resolved, else the address without its port, else as unconnected")
    func peerNames() {
        let kinds = IOEventFixtures.kinds.map(\.1).filter {
            if case .socketClose = $0 { true } else { false }
        }
        let r = report(kinds)
        #expect(Set(r.io.peers.peers.keys) == ["example.com", "(no peer) udp", "/run/x.sock", "::1"])
        #expect(r.io.peers.peers["example.com"]?.addresses == ["93.184.216.34:443"])
        #expect(r.io.peers.peers["::1"]?.timedConnections == 0)
        #expect(r.io.peers.total.bytesSent == 517 + 40 + 1)
    }

    @Test("DNS: lookups per name and type, answers in order, failures by code with no answer as timeout")
    func dns() {
        let r = report(IOEventFixtures.kinds.map(\.1))
        let d = r.io.dns
        #expect(d.lookups == 3)
        #expect(d.failures == ["NXDOMAIN": 1, "timeout": 1])
        #expect(d.names["www.example.com A"]?.answers == ["example.com", "93.184.216.34"])
        #expect(d.failing.map(\.query) == ["nosuch.example", "slow.example"])
        #expect(r.io.ioUringProcesses == ["x [7]"])
        #expect(r.io.processesWithTotals == 2)
    }

    @Test("a run that counted file bytes without observing the network says so in its DNS section")
    func dnsNotObserved() {
        var b = RunReportBuilder(
            header: RecordingHeader(
                writer: "obsctl", writerVersion: "0", hostName: "h", kernelRelease: "k", bootID: "b",
                clockBase: ClockBase(monotonicNs: 0, wallNs: 0),
                capabilities: [.init(category: "network", support: .supported, backend: "ebpf", observed: false)],
                processID: 7, argv: ["x"], workingDirectory: "/", attached: false))
        b.add(
            ObserverEvent(
                seq: 1, timestampNs: 10, category: .file, processID: 7, kind: IOEventFixtures.kinds[0].1))
        let text = TerminalReport(colour: false).render(b.finish(coverage: RecordingCoverage()))
        #expect(text.contains("DNS\n  (not observed: the network category was not asked for)\n"))
    }

    @Test("no close, dns or exit total: nothing counted, and the report has no byte tables")
    func nothingCounted() {
        let r = report([.exit(ProcessEnd(.exited(code: 0)))])
        #expect(!r.io.counted)
        #expect(!TerminalReport(colour: false).render(r).contains("DNS"))
    }
}
