import Foundation
import ObserverTestSupport
import SystemPackage
import Testing

@testable import ProcessObserver

extension KernelSuite {
    /// The exit record's peak RSS against GNU time (`/usr/bin/time -f %M`), whose figure is
    /// `wait4`'s `ru_maxrss`: the same `signal->maxrss`. A program run under `time` is the
    /// exact oracle (its exit event and time's report read one counter); the same program run
    /// alone is compared within 2%.
    @Suite("Kernel: peak RSS on exit")
    struct PeakRSS {
        /// `touch MIB [THREADS]`: touches MIB of fresh memory (split across THREADS threads),
        /// keeps it, and exits.
        static let touch = """
            #include <pthread.h>
            #include <stdlib.h>
            #include <string.h>
            static size_t per;
            static void *run(void *a) { char *p = malloc(per); memset(p, 1, per); return p; }
            int main(int c, char **v) {
                size_t mib = atol(v[1]);
                int n = c > 2 ? atoi(v[2]) : 0;
                if (n == 0) { per = mib << 20; run(0); return 0; }
                per = (mib << 20) / n;
                pthread_t t[16];
                for (int i = 0; i < n; i++) pthread_create(&t[i], 0, run, 0);
                for (int i = 0; i < n; i++) pthread_join(t[i], 0);
                return 0;
            }
            """

        /// `bigparent MIB PROG ARGS...`: touches MIB, forks, the child execs PROG; prints the
        /// child's `ru_maxrss` (KiB) as `wait4` reports it.
        static let bigParent = """
            #include <stdio.h>
            #include <stdlib.h>
            #include <string.h>
            #include <sys/resource.h>
            #include <sys/wait.h>
            #include <unistd.h>
            int main(int c, char **v) {
                size_t n = (size_t)atol(v[1]) << 20;
                char *p = malloc(n);
                memset(p, 1, n);
                pid_t pid = fork();
                if (pid == 0) { execv(v[2], v + 2); _exit(127); }
                int st;
                struct rusage ru;
                if (wait4(pid, &st, 0, &ru) != pid) return 1;
                printf("%ld\\n", ru.ru_maxrss);
                return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
            }
            """

        static let gnuTime = "/usr/bin/time"
        static let mib: UInt64 = 1 << 20

        /// The exit event of the process that ran `command` (its last exec's name).
        func exit(of command: String, in events: [ObserverEvent]) throws -> ProcessEnd {
            let pids = Set(events.filter { $0.execPayload != nil && $0.command?.string == command }.map(\.processID))
            try #require(pids.count == 1, "one process ran \(command)")
            let end = events.lazy.compactMap { e -> ProcessEnd? in
                guard case .exit(let end) = e.kind, pids.contains(e.processID) else { return nil }
                return end
            }.first
            return try #require(end, "the exit event of \(command)")
        }

        /// GNU time's `%M` (KiB) for `arguments`, run unobserved.
        func gnuTimeKiB(_ arguments: [String], in dir: String) throws -> UInt64 {
            let out = dir + "/time-\(UUID().uuidString)"
            let result = try NativeProcess(
                .path(FilePath(Self.gnuTime)), arguments: ["-f", "%M", "-o", out] + arguments
            ).run()
            try #require(result.status == .exited(code: 0))
            return try readKiB(out)
        }

        /// GNU time's `%M` (KiB) written by an observed `time -o` run.
        func readKiB(_ path: String) throws -> UInt64 {
            let text = try String(contentsOfFile: path, encoding: .utf8)
            return try #require(UInt64(text.trimmingCharacters(in: .whitespacesAndNewlines)))
        }

        func within2Percent(_ a: UInt64, _ b: UInt64) -> Bool {
            let (lo, hi) = (min(a, b), max(a, b))
            return Double(hi - lo) <= 0.02 * Double(hi)
        }

        @Test(
            "a 200 MiB workload: its exit's peak is GNU time's figure, exactly under time, within 2% alone",
            .requiresEBPF)
        func singleThreaded() throws {
            try #require(FileManager.default.isExecutableFile(atPath: Self.gnuTime), "GNU time is a test dependency")
            let dir = makeTemporaryDirectory("peakrss")
            defer { removeTree(dir) }
            let touch = try compileC(Self.touch, name: "touch", in: dir, flags: ["-pthread"])

            // Under time: time forks and execs touch; both read the same signal->maxrss.
            let timed = dir + "/timed"
            let (events, result) = try observe(
                .path(FilePath(Self.gnuTime)), ["-f", "%M", "-o", timed, touch, "200"], categories: [.process])
            #expect(result.status == .exited(code: 0))
            let end = try exit(of: "touch", in: events)
            #expect(end.peakRSSBytes == (try readKiB(timed)) * 1024)
            #expect((end.peakRSSBytes ?? 0) >= 200 * Self.mib)
            // time's own image is far smaller than 200 MiB: the peak is touch's own.
            #expect(end.imagePeakRSSBytes == end.peakRSSBytes)
            #expect(end.peakRSSIncludesPreExec == false)

            // Alone, as the root of the run: within 2% of GNU time on the same program.
            let (alone, aloneResult) = try observe(.path(FilePath(touch)), ["200"], categories: [.process])
            #expect(aloneResult.status == .exited(code: 0))
            let peak = try #require(try exit(of: "touch", in: alone).peakRSSBytes)
            let reference = try gnuTimeKiB([touch, "200"], in: dir) * 1024
            #expect(within2Percent(peak, reference), "observed \(peak) bytes, GNU time \(reference)")
        }

        @Test("a process of four threads: one exit, with the whole process's peak", .requiresEBPF)
        func multithreaded() throws {
            try #require(FileManager.default.isExecutableFile(atPath: Self.gnuTime), "GNU time is a test dependency")
            let dir = makeTemporaryDirectory("peakrss")
            defer { removeTree(dir) }
            let touch = try compileC(Self.touch, name: "touch", in: dir, flags: ["-pthread"])
            let timed = dir + "/timed"
            let (events, result) = try observe(
                .path(FilePath(Self.gnuTime)), ["-f", "%M", "-o", timed, touch, "200", "4"], categories: [.process])
            #expect(result.status == .exited(code: 0))
            let end = try exit(of: "touch", in: events)
            // Four threads of 50 MiB each: the group's figure, not one thread's.
            #expect((end.peakRSSBytes ?? 0) >= 200 * Self.mib)
            #expect(end.peakRSSBytes == (try readKiB(timed)) * 1024)
            #expect(end.peakRSSIncludesPreExec == false)
            let reference = try gnuTimeKiB([touch, "200", "4"], in: dir) * 1024
            #expect(within2Percent(end.peakRSSBytes ?? 0, reference))
        }

        @Test(
            "a child forked by a 300 MiB parent then exec'd: its peak holds the parent's copy, its image's is its own",
            .requiresEBPF)
        func forkedByLargeParent() throws {
            try #require(FileManager.default.isExecutableFile(atPath: Self.gnuTime), "GNU time is a test dependency")
            let dir = makeTemporaryDirectory("peakrss")
            defer { removeTree(dir) }
            let touch = try compileC(Self.touch, name: "touch", in: dir, flags: ["-pthread"])
            let parent = try compileC(Self.bigParent, name: "bigparent", in: dir)

            // bigparent -> (fork, exec) touch 10: wait4 gives the child's figure, the parent's copy.
            let (events, result, output) = try observeCapturing(
                .path(FilePath(parent)), ["300", touch, "10"], categories: [.process])
            #expect(result.status == .exited(code: 0))
            let end = try exit(of: "touch", in: events)
            let waited = try #require(UInt64(output.trimmingCharacters(in: .whitespacesAndNewlines)))
            #expect(end.peakRSSBytes == waited * 1024)
            #expect((end.peakRSSBytes ?? 0) >= 300 * Self.mib)
            #expect(end.peakRSSIncludesPreExec == true)
            // The image since the exec is touch's own 10 MiB and what it loaded: GNU time's
            // figure for touch run from time's own small copy, within 2%.
            let image = try #require(end.imagePeakRSSBytes)
            #expect(image >= 10 * Self.mib)
            let reference = try gnuTimeKiB([touch, "10"], in: dir) * 1024
            #expect(within2Percent(image, reference), "image \(image) bytes, GNU time \(reference)")

            // bigparent -> time -> touch: time is the folded one, touch (forked by the small
            // time) is not, and time's report of touch is touch's exit figure.
            let timed = dir + "/timed"
            let (nested, _, _) = try observeCapturing(
                .path(FilePath(parent)), ["300", Self.gnuTime, "-f", "%M", "-o", timed, touch, "10"],
                categories: [.process])
            let time = try exit(of: "time", in: nested)
            #expect(time.peakRSSIncludesPreExec == true)
            #expect((time.peakRSSBytes ?? 0) >= 300 * Self.mib)
            let child = try exit(of: "touch", in: nested)
            #expect(child.peakRSSIncludesPreExec == false)
            #expect(child.peakRSSBytes == (try readKiB(timed)) * 1024)
        }
    }
}
