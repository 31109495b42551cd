import ObserverTestSupport
import SystemPackage
import Testing

@testable import ProcessObserver

#if canImport(Glibc)
    import Glibc
#endif

extension KernelSuite {
    /// Byte counting through the library (issue 18): on by default for a file subscriber, off with
    /// `countingIOBytes(false)`; the exit's I/O totals either way. `WatchIOBytesTests` checks the
    /// counts against strace.
    @Suite("Kernel: bytes per descriptor")
    struct IOBytes {
        /// Reads a file of `size` bytes with `cat` into /dev/null: one read of it all, one read at
        /// its end, one write.
        static func run(counting: Bool, size: Int) throws -> (events: [ObserverEvent], file: String, pid: Int32) {
            let dir = makeTemporaryDirectory("iobytes")
            defer { removeTree(dir) }
            let file = dir + "/data"
            let fd = FileDescriptor(rawValue: open(file, O_WRONLY | O_CREAT | O_TRUNC, 0o644))
            _ = try fd.writeAll([UInt8](repeating: 0x61, count: size))
            try fd.close()
            let process = NativeProcess(.name("cat"), arguments: [file], standardOutput: .null)
            let subscriber = process.withObserver(
                ObserverConfig.lifecycle([.file, .process]).countingIOBytes(counting))
            let result = try process.run()
            #expect(result.status == .exited(code: 0))
            return (subscriber.collect(), file, result.processID)
        }

        static func closes(_ events: [ObserverEvent]) -> [FileClose] {
            events.compactMap { if case .close(let c) = $0.kind { c } else { nil } }
        }

        @Test(
            "on by default: the file read is one close event with its bytes, calls, path and open time; /dev/null's write another",
            .requiresEBPF)
        func counted() throws {
            let (events, file, pid) = try Self.run(counting: true, size: 5000)
            let closes = Self.closes(events)
            let data = try #require(closes.first { $0.path.value.string == file })
            #expect(data.bytesRead == 5000)
            #expect(data.reads == 2)
            #expect(data.bytesWritten == 0 && data.writes == 0)
            #expect(data.absolutePath?.value.string == file)
            #expect(data.openNs != nil)
            #expect(data.closedBy == .close)
            let null = try #require(closes.first { $0.path.value.string == "/dev/null" })
            #expect(null.bytesWritten == 5000)
            #expect(null.writes == 1)
            #expect(null.fd == 1)
            #expect(null.openNs == nil)  // opened by the spawn, before the command's exec
            let exit = try #require(
                events.compactMap { e -> ProcessEnd? in
                    if case .exit(let end) = e.kind, e.processID == pid { end } else { nil }
                }.first)
            let io = try #require(exit.io)
            #expect(io.writtenChars == 5000)
            #expect(io.readChars >= 5000)
            #expect(io.usesIOUring == false)
        }

        @Test("off: no close event, the I/O calls not observed; the exit's totals still there", .requiresEBPF)
        func off() throws {
            let (events, file, pid) = try Self.run(counting: false, size: 5000)
            #expect(Self.closes(events).isEmpty)
            #expect(events.contains { if case .open(let o) = $0.kind { o.path.value.string == file } else { false } })
            let exit = events.compactMap { e -> ProcessEnd? in
                if case .exit(let end) = e.kind, e.processID == pid { end } else { nil }
            }.first
            #expect(exit?.io?.writtenChars == 5000)
        }
    }
}
