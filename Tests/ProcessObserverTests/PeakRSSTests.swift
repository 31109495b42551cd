import Glibc
import ObserverTestSupport
import SystemPackage
import Testing

@testable import ProcessObserver

/// A run's peak RSS is the command's own, the figure GNU time (`/usr/bin/time -f %M`) gives for
/// the same command, whatever the observer holds: Linux folds the hiwater RSS of the address space
/// a process had before `execve` into its `ru_maxrss`, and the spawn helper makes that address
/// space the helper's few hundred KiB rather than ours. Issue 17.
@Suite("Peak RSS is the command's own", .serialized)
struct PeakRSSTests {
    static let mib = 1024.0 * 1024.0

    /// How a run is started: its categories (none: no observer at all) and containment.
    struct Setup: CustomTestStringConvertible, Sendable {
        var categories: Set<EventCategory>?
        var containment: Containment
        var testDescription: String {
            let what = categories.map { $0.map(\.rawValue).sorted().joined(separator: "+") } ?? "no observer"
            return "\(what), \(containment == .automatic ? "contained" : "process group")"
        }
    }

    static let lifecycleSetups = [
        Setup(categories: nil, containment: .automatic), Setup(categories: [.lifecycle], containment: .automatic),
        Setup(categories: [.lifecycle], containment: .processGroup),
    ]
    static let kernelSetups = [
        Setup(categories: [.lifecycle, .process, .file], containment: .automatic),
        Setup(categories: [.lifecycle, .process, .file], containment: .processGroup),
    ]

    /// GNU time's maximum resident set size for `argv`, in bytes.
    static func gnuTime(_ argv: [String]) throws -> Double {
        let result = try NativeProcess(
            .path("/usr/bin/time"), arguments: ["-f", "%M"] + argv.map { ByteString($0) },
            standardError: .capture(maxBytes: 4096)
        ).run()
        let text = String(decoding: result.standardError ?? [], as: UTF8.self)
        let kib = try #require(text.split(separator: "\n").last.flatMap { Double($0) }, "time printed \(text)")
        return kib * 1024
    }

    /// The profile's peak RSS of `argv` started as `setup` says, in bytes.
    static func observed(_ argv: [String], _ setup: Setup) throws -> Double {
        let process = NativeProcess(
            .path(FilePath(argv[0])), arguments: argv.dropFirst().map { ByteString($0) },
            containment: setup.containment)
        let events = setup.categories.map { process.withObserver(ObserverConfig(categories: $0)) }
        let result = try process.spawn().wait()
        _ = events?.collect()
        #expect(result.status == .exited(code: 0))
        return Double(result.profile.peakRSSBytes)
    }

    /// Small commands: within 0.5 MiB of GNU time; a 200 MiB toucher: within 2%.
    static func check(_ setup: Setup, toucher: String) throws {
        for argv in [["/bin/true"], ["/bin/sh", "-c", "true"]] {
            let ours = try observed(argv, setup)
            let theirs = try gnuTime(argv)
            #expect(abs(ours - theirs) <= 0.5 * mib, "\(argv): \(ours / mib) MiB, GNU time \(theirs / mib) MiB")
        }
        let ours = try observed([toucher], setup)
        let theirs = try gnuTime([toucher])
        #expect(theirs >= 200 * mib)
        #expect(abs(ours - theirs) <= 0.02 * theirs, "toucher: \(ours / mib) MiB, GNU time \(theirs / mib) MiB")
    }

    /// A C program that touches 200 MiB.
    static func toucher(in directory: String) throws -> String {
        try compileC(
            """
            #include <stdlib.h>
                        int main(void) {
                size_t n = 200u << 20;
                volatile char *p = malloc(n);
                if (p == NULL) return 1;
                for (size_t i = 0; i < n; i += 4096) p[i] = 1;
                return p[n / 2] == 1 ? 0 : 2;
            }
            """, name: "touch200", in: directory)
    }

    /// Runs `body` while this process holds 1 GiB resident (allocated and touched).
    static func holdingOneGiB(_ body: () throws -> Void) throws {
        let size = 1 << 30
        let memory = try #require(mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))
        try #require(memory != MAP_FAILED)
        defer { munmap(memory, size) }
        memset(memory, 7, size)
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        try #require(usage.ru_maxrss >= 1 << 20, "the test process holds \(usage.ru_maxrss) KiB")
        try body()
    }

    @Test("lifecycle only: the command's own figure", arguments: lifecycleSetups)
    func lifecycle(_ setup: Setup) throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        try Self.check(setup, toucher: try Self.toucher(in: directory))
    }

    @Test("with kernel categories (the gated spawn): the command's own figure", .requiresEBPF, arguments: kernelSetups)
    func gated(_ setup: Setup) throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        try Self.check(setup, toucher: try Self.toucher(in: directory))
    }

    @Test("from a process that holds 1 GiB resident: still the command's own figure")
    func fromALargeProcess() throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        let toucher = try Self.toucher(in: directory)
        try Self.holdingOneGiB {
            for setup in Self.lifecycleSetups { try Self.check(setup, toucher: toucher) }
        }
    }

    @Test("from a process that holds 1 GiB resident, gated: still the command's own figure", .requiresEBPF)
    func fromALargeProcessGated() throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        let toucher = try Self.toucher(in: directory)
        try Self.holdingOneGiB {
            for setup in Self.kernelSetups { try Self.check(setup, toucher: toucher) }
        }
    }

    @Test("the helper runs as our child, outside every count of our processes, and is started again after it dies")
    func helperLifecycle() throws {
        _ = try NativeProcess(.path("/bin/true")).run()
        let first = try #require(SpawnHelper.status.processID, "the helper runs: \(SpawnHelper.status.reason)")
        let stat = try #require(ProcFS.stat(first))
        #expect(stat.parentProcessID == getpid())
        let starts = SpawnHelper.status.starts
        kill(first, SIGKILL)
        // The keeper reaps it: no zombie, and the next spawn starts another.
        while SpawnHelper.status.processID == first { usleep(1000) }
        #expect(ProcessCensus.zombieChildren().isEmpty)
        let result = try NativeProcess(.path("/bin/true")).run()
        #expect(result.status == .exited(code: 0))
        let second = try #require(SpawnHelper.status.processID)
        #expect(second != first)
        #expect(SpawnHelper.status.starts == starts + 1)
    }

    @Test("without the helper, spawns still work in-process (the fallback), and every spawn path reports its steps")
    func fallback() throws {
        SpawnHelper.setEnabled(false)
        defer { SpawnHelper.setEnabled(true) }
        #expect(SpawnHelper.status.processID == nil)
        for containment in [Containment.automatic, .processGroup] {
            let result = try NativeProcess(.path("/bin/sh"), arguments: ["-c", "exit 3"], containment: containment)
                .run()
            #expect(result.status == .exited(code: 3))
            #expect(throws: ObserverError.self) {
                try NativeProcess(.path("/bin/true"), workingDirectory: "/nonexistent", containment: containment).run()
            }
        }
    }
}
