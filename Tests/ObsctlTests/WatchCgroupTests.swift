import Foundation
import ObserverTestSupport
import ProcessObserver
import Testing

/// `obsctl watch --cgroup PATH`: every process of an existing cgroup, observed by ancestry in the
/// kernel, never signalled. Each test makes its cgroup under the test process's own v2 cgroup.
@Suite("obsctl watch --cgroup", .serialized)
struct WatchCgroupTests {
    /// This process's cgroup v2 directory, from mountinfo and /proc/self/cgroup.
    static func ownCgroupDirectory() throws -> String {
        let mountInfo = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
        let line = try #require(mountInfo.split(separator: "\n").first { $0.contains(" - cgroup2 ") })
        let mount = String(line.split(separator: " ")[4])
        let cgroups = try String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)
        let own = try #require(cgroups.split(separator: "\n").first { $0.hasPrefix("0::") }).dropFirst(3)
        return own == "/" ? mount : mount + own
    }

    final class Scratch {
        let cgroup: String
        let directory: String

        init(_ tag: String) throws {
            cgroup = try WatchCgroupTests.ownCgroupDirectory() + "/obs-test-\(tag).\(getpid())"
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("obsctl-\(tag)-\(UUID())").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: cgroup, withIntermediateDirectories: false)
            FileManager.default.createFile(atPath: directory + "/in.txt", contents: Data("x".utf8))
        }

        /// Runs `script` under sh with `$1` the cgroup, `$2` the scratch directory, `$3` obsctl;
        /// outside any run cgroup, so the script puts processes where it wants.
        func run(_ script: String) throws -> (status: ProcessObserver.ExitStatus, out: String) {
            let result = try NativeProcess(
                .path("/bin/sh"), arguments: ["-c", script, "sh", cgroup, directory, ObsctlRunner.binary],
                standardOutput: .capture(maxBytes: 1 << 20), timeout: .seconds(40), containment: .processGroup
            ).run()
            return (result.status, String(decoding: result.standardOutput ?? [], as: UTF8.self))
        }

        func events() throws -> [[String: Any]] {
            let text = try String(contentsOfFile: directory + "/events", encoding: .utf8)
            return try ObsctlRunner.objects(text.split(separator: "\n").map(String.init))
        }

        deinit {
            // Anything a failed test left in the cgroup, then the cgroup.
            if let procs = try? String(contentsOfFile: cgroup + "/cgroup.procs", encoding: .utf8) {
                for pid in procs.split(separator: "\n").compactMap({ Int32($0) }) { kill(pid, SIGKILL) }
            }
            for _ in 0..<200 where rmdir(cgroup) != 0 { usleep(10_000) }
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    @Test(
        "a workload's events are seen, a process outside is not, and obsctl exits 0 when the cgroup empties",
        .requiresEBPF)
    func observesUntilEmpty() throws {
        let scratch = try Scratch("cli-cgroup")
        let outcome = try scratch.run(
            """
            sh -c 'echo $$ > "$0/cgroup.procs"; while [ ! -e "$1/go" ]; do sleep 0.02; done
                   for i in 1 2 3; do : < "$1/in.txt"; done; exit 3' "$1" "$2" &
            w=$!
            sh -c 'while [ ! -e "$0/go" ]; do sleep 0.02; done; for i in 1 2 3; do : < "$0/in.txt"; done' "$2" &
            o=$!
            while ! grep -qx $w "$1/cgroup.procs"; do sleep 0.01; done
            "$3" watch --json --interval 0 --cgroup "$1" -o "$2/events" >"$2/summary" 2>"$2/err" &
            obs=$!
            while ! grep -q '"started"' "$2/events" 2>/dev/null; do sleep 0.01; done
            touch "$2/go"
            wait $w; echo "workload=$?"
            wait $o; echo "outside=$?"
            wait $obs; echo "obsctl=$?"
            echo "outside_pid=$o"
            """)
        #expect(outcome.status == .exited(code: 0))
        let lines = outcome.out.split(separator: "\n").map(String.init)
        #expect(Array(lines.prefix(3)) == ["workload=3", "outside=0", "obsctl=0"], "\(outcome.out)")
        let outside = try #require(lines.last.flatMap { Int32($0.dropFirst("outside_pid=".count)) })
        let events = try scratch.events()
        let header = try #require(events.first)
        #expect(header["kind"] as? String == "header")
        #expect(header["cgroup"] as? String == scratch.cgroup)
        #expect(header["pid"] as? Int == 0)
        #expect(header["attached"] as? Bool == true)
        let body = events.dropFirst()
        let opens = body.filter {
            $0["kind"] as? String == "open" && $0["abs_path"] as? String == scratch.directory + "/in.txt"
        }
        #expect(opens.count == 3)
        #expect(!body.contains { ($0["pid"] as? Int).map(Int32.init) == outside })
        #expect(body.contains { $0["kind"] as? String == "exit" && $0["exit_code"] as? Int == 3 })
        #expect(!body.contains { $0["kind"] as? String == "exited" })
        #expect(body.last?["kind"] as? String == "profile")
        let summary = try String(contentsOfFile: scratch.directory + "/summary", encoding: .utf8)
        #expect(
            summary.hasPrefix("obsctl: cgroup \(scratch.cgroup): its last process exited after "), "\(summary)")
        #expect(try String(contentsOfFile: scratch.directory + "/err", encoding: .utf8) == "")
        let eventsText = try String(contentsOfFile: scratch.directory + "/events", encoding: .utf8)
        let schemaErrors = try ObsctlRunner.schemaErrors(Array(eventsText.utf8))
        #expect(schemaErrors == "", "\(schemaErrors)\n\(eventsText.prefix(20_000))")
    }

    @Test(
        "obsctl inside the cgroup it watches leaves itself out; SIGINT stops observing (130) and signals nothing",
        .requiresEBPF)
    func insideAndInterrupted() throws {
        let scratch = try Scratch("cli-cgroup-int")
        let outcome = try scratch.run(
            """
            sh -c 'echo $$ > "$0/cgroup.procs"; trap "exit 99" INT TERM HUP
                   while [ ! -e "$1/done" ]; do : < "$1/in.txt"; sleep 0.02; done; exit 4' "$1" "$2" &
            w=$!
            while ! grep -qx $w "$1/cgroup.procs"; do sleep 0.01; done
            sh -c 'echo $$ > "$0/cgroup.procs"; exec "$2" watch --json --interval 0.05 --cgroup "$0" -o "$1/events"' \\
               "$1" "$2" "$3" >"$2/summary" 2>"$2/err" &
            obs=$!
            while ! grep -q '"open"' "$2/events" 2>/dev/null; do sleep 0.01; done
            sleep 0.2
            kill -INT $obs; wait $obs; echo "obsctl=$?"
            kill -0 $w && echo "workload alive"
            touch "$2/done"; wait $w; echo "workload=$?"
            echo "obsctl_pid=$obs"
            """)
        #expect(outcome.status == .exited(code: 0))
        let lines = outcome.out.split(separator: "\n").map(String.init)
        #expect(Array(lines.prefix(3)) == ["obsctl=130", "workload alive", "workload=4"], "\(outcome.out)")
        let obsctl = try #require(lines.last.flatMap { Int32($0.dropFirst("obsctl_pid=".count)) })
        let events = try scratch.events()
        #expect(events.count > 3)
        #expect(!events.contains { ($0["pid"] as? Int).map(Int32.init) == obsctl }, "obsctl observed itself")
        for sample in events where sample["kind"] as? String == "sample" {
            let pids = (sample["processes"] as? [[String: Any]] ?? []).compactMap {
                ($0["pid"] as? Int).map(Int32.init)
            }
            #expect(!pids.contains(obsctl), "obsctl sampled itself")
        }
        #expect(events.last?["kind"] as? String == "profile")
    }

    @Test("--cgroup refuses what it cannot do: with a command, --timeout or a limit (64); no such cgroup (1)")
    func refusals() throws {
        for arguments in [
            ["watch", "--cgroup", "/x", "--", "true"], ["watch", "--cgroup", "/x", "--pid", "1"],
            ["watch", "--cgroup", "/x", "--timeout", "1"], ["watch", "--cgroup", "/x", "--memory-max", "1M"],
            ["watch", "--cgroup", "/x", "--end-with-root"],
        ] {
            let outcome = try ObsctlRunner.run(arguments)
            #expect(outcome.exitCode == 64, "\(arguments): \(outcome.err)")
        }
        let missing = try ObsctlRunner.run(["watch", "--cgroup", "/no/such/cgroup"])
        #expect(missing.exitCode == 1)
        #expect(missing.err.contains("no such cgroup v2"), "\(missing.err)")
    }
}
