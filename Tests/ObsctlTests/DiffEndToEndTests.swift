import Foundation
import ObserverReporting
import ObserverTestSupport
import ProcessObserver
import SystemPackage
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `obsctl diff` through the real binary, over runs recorded here and now by `obsctl watch
/// --json -o FILE`: a small C build whose second run does exactly four new things, the gates'
/// exit codes, a recording cut short by killing obsctl, one with lost events, three bases.
@Suite("obsctl diff, end to end", .serialized)
struct DiffEndToEndTests {
    /// A build directory with short names (nothing in it reads as random under /tmp), its
    /// sources, and a script whose runs differ by their first argument: `1` compiles a.c;
    /// `2` also compiles b.c, runs touch, writes outside the directory and connects to PORT.
    final class Build {
        let dir: String
        let outside: String

        init(_ tag: String) throws {
            dir = "/tmp/obs-diff-\(tag)"
            outside = "/tmp/obs-diff-\(tag).out"
            try? FileManager.default.removeItem(atPath: dir)
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            for name in ["a", "b", "c", "d"] {
                try Data("int \(name)(void) { return 1; }\n".utf8).write(
                    to: URL(fileURLWithPath: "\(dir)/\(name).c"))
            }
            try Data(
                """
                cd \(dir)
                for f in $FILES; do cc -c $f.c -o $f.o; done
                if [ "$1" = 2 ]; then
                  /usr/bin/touch \(outside)
                  exec 3<>/dev/tcp/127.0.0.1/$2
                fi
                if [ -n "$HOLD" ]; then : > marker; exec 4<>hold; read -u 4 line; fi
                exit 0

                """.utf8
            ).write(to: URL(fileURLWithPath: "\(dir)/build.sh"))
        }

        deinit {
            try? FileManager.default.removeItem(atPath: dir)
            try? FileManager.default.removeItem(atPath: outside)
        }

        /// The watch arguments for one run, from a clean state (no object, no outside file), in
        /// a clean environment (the same locale and PATH whatever the test runner has).
        func watch(_ recording: String, files: String, _ arguments: [String], hold: Bool = false) -> [String] {
            clean()
            var environment = ["PATH=/usr/bin:/bin", "FILES=\(files)"]
            if hold { environment.append("HOLD=1") }
            return ["watch", "--json", "--interval", "0", "-o", recording, "--", "/usr/bin/env", "-i"] + environment
                + ["/bin/bash", "\(dir)/build.sh"] + arguments
        }

        func clean() {
            for name in ["a", "b", "c", "d"] { try? FileManager.default.removeItem(atPath: "\(dir)/\(name).o") }
            try? FileManager.default.removeItem(atPath: outside)
        }

        func record(_ name: String, files: String, _ arguments: [String] = ["1"]) throws -> String {
            let recording = "\(dir)/\(name).jsonl"
            let run = try ObsctlRunner.run(watch(recording, files: files, arguments))
            #expect(run.exitCode == 0, "\(run.err)")
            return recording
        }
    }

    /// A TCP listener on 127.0.0.1 (a port the kernel chooses) that accepts nothing: a connect
    /// completes in the kernel's backlog.
    final class Listener {
        let fd: Int32
        let port: UInt16

        init() throws {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            try #require(fd >= 0)
            self.fd = fd
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let size = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, size) }
            }
            try #require(bound == 0)
            try #require(listen(fd, 8) == 0)
            var length = size
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            port = UInt16(bigEndian: address.sin_port)
        }

        deinit { close(fd) }
    }

    static func document(_ run: ObsctlRunner.Outcome) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(run.stdout)) as? [String: Any], "\(run.err)")
    }

    /// The names of one `{added, removed}` change.
    static func names(_ change: Any?, _ side: String) -> [String] {
        ((change as? [String: Any])?[side] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
    }

    /// Every added and removed name of every set of the document.
    static func allNames(_ document: [String: Any]) -> [String] {
        var changes: [Any?] = [document["programs"], document["failures"]]
        for group in ["files", "network"] {
            changes += ((document[group] as? [String: Any]) ?? [:]).values.map { $0 }
        }
        return changes.flatMap { names($0, "added") + names($0, "removed") }
    }

    static let diffSchemaPath = ObsctlRunner.repositoryRoot.appendingPathComponent("Docs/diff.schema.json").path

    /// Validates one `obsctl diff --json` document against `Docs/diff.schema.json`.
    static func schemaErrors(_ document: [UInt8]) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("obsctl-\(UUID().uuidString).json")
        try Data(document).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try NativeProcess(
            .name("python3"), arguments: [ObsctlRunner.validatorPath, diffSchemaPath, file.path],
            standardInput: .null, standardOutput: .capture(maxBytes: 1 << 20),
            standardError: .capture(maxBytes: 1 << 20)
        ).run()
        let text = String(decoding: (result.standardOutput ?? []) + (result.standardError ?? []), as: UTF8.self)
        return result.status == .exited(code: 0) ? "" : (text.isEmpty ? "validator ended with \(result.status)" : text)
    }

    /// The temporary files cc1 made in a recording (`/tmp/cc…`), as opened.
    static func temporaries(_ recording: String) throws -> Set<String> {
        Set(
            try ReportFixture.objects(recording).compactMap { $0["abs_path"] as? String }.filter {
                $0.hasPrefix("/tmp/cc")
            })
    }

    @Test(
        "a build whose second run compiles one more file, runs touch, writes outside and connects: exactly those",
        .requiresEBPF)
    func fourChanges() throws {
        let build = try Build("four")
        let listener = try Listener()
        let base = try build.record("base", files: "a")
        let new = try build.record("new", files: "a b", ["2", "\(listener.port)"])
        let run = try ObsctlRunner.run(["diff", "--json", base, new])
        #expect(run.exitCode == 0)
        #expect(run.err == "")
        #expect(try Self.schemaErrors(run.stdout) == "")
        let document = try Self.document(run)
        let touch = URL(fileURLWithPath: "/usr/bin/touch").resolvingSymlinksInPath().path
        #expect(Self.names(document["programs"], "added") == [touch])
        let files = try #require(document["files"] as? [String: Any])
        #expect(Self.names(files["written"], "added") == [build.outside, "\(build.dir)/b.o"])
        #expect(Self.names(files["created"], "added") == [build.outside, "\(build.dir)/b.o"])
        let network = try #require(document["network"] as? [String: Any])
        #expect(Self.names(network["peers"], "added") == ["127.0.0.1:\(listener.port)"])
        // Nothing else changed: no removal anywhere, no other addition, no temporary file.
        #expect(
            Self.allNames(document).sorted()
                == [
                    touch, build.outside, build.outside, "\(build.dir)/b.o", "\(build.dir)/b.o",
                    "127.0.0.1:\(listener.port)",
                ].sorted())
        // The temporary files were there, named differently in each run.
        let baseTemporaries = try Self.temporaries(base)
        let newTemporaries = try Self.temporaries(new)
        #expect(baseTemporaries.count == 1)
        #expect(newTemporaries.count == 2)
        #expect(baseTemporaries.isDisjoint(with: newTemporaries))
        #expect(document["complete"] as? Bool == true)
        #expect(document["verdict"] as? String == "passed")

        // The terminal shows the same, without colour off a terminal.
        let text = try ObsctlRunner.run(["diff", base, new])
        #expect(text.exitCode == 0)
        #expect(text.out.contains("  programs executed   +1 -0\n    + \(touch) ×1\n"))
        #expect(text.out.contains("  peers connected to  +1 -0\n    + 127.0.0.1:\(listener.port) ×1\n"))
        #expect(text.out.contains("  renamed             no change\n"))
        #expect(text.out.contains("  comparison          sound: both sides observed completely and alike\n"))
        #expect(!text.out.contains("\u{1B}["))
        // Files read only with --reads: the new source among them.
        #expect((document["files"] as? [String: Any])?["read"] == nil)
        let reads = try Self.document(try ObsctlRunner.run(["diff", "--json", "--reads", base, new]))
        #expect(reads["reads_compared"] as? Bool == true)
        let readsAdded = Self.names((reads["files"] as? [String: Any])?["read"], "added")
        #expect(readsAdded.contains("\(build.dir)/b.c"), "\(readsAdded)")
        #expect(Self.names((reads["files"] as? [String: Any])?["read"], "removed") == [])
        // On a terminal (script(1) gives obsctl one), added lines are red, unless NO_COLOR (which the
        // test runner may set itself, hence env -u).
        let terminal = try NativeProcessHelper.shell(
            "env -u NO_COLOR TERM=xterm script -q -e -c '\(ObsctlRunner.binary) diff \(base) \(new)' /dev/null")
        #expect(terminal.status == 0)
        #expect(terminal.out.contains("\u{1B}[31m    + \(touch) ×1\u{1B}[0m\r\n"))
        let noColour = try NativeProcessHelper.shell(
            "TERM=xterm NO_COLOR=1 script -q -e -c '\(ObsctlRunner.binary) diff \(base) \(new)' /dev/null")
        #expect(noColour.out.contains("    + \(touch) ×1\r\n"))
        #expect(!noColour.out.contains("\u{1B}["))
        let markdown = try ObsctlRunner.run(["diff", "--markdown", base, new])
        #expect(markdown.exitCode == 0)
        #expect(markdown.out.contains("**programs executed**: +1 −0\n\n- + `\(touch)` ×1\n"))
    }

    @Test("the gates: 1 and every violation when one is violated, 0 when none is, 64 for a bad gate", .requiresEBPF)
    func gates() throws {
        let build = try Build("gates")
        let listener = try Listener()
        let base = try build.record("base", files: "a")
        let new = try build.record("new", files: "a b", ["2", "\(listener.port)"])
        let touch = URL(fileURLWithPath: "/usr/bin/touch").resolvingSymlinksInPath().path

        let exec = try ObsctlRunner.run(["diff", "--fail-on", "new-exec,new-peer", base, new])
        #expect(exec.exitCode == 1)
        #expect(
            exec.out.hasSuffix(
                "GATES\n  ✗ new-exec \(touch)\n  ✗ new-peer 127.0.0.1:\(listener.port)\n"))
        let all = try Self.document(try ObsctlRunner.run(["diff", "--json", "--fail-on", "all", base, new]))
        let violations = try #require(all["violations"] as? [[String: Any]])
        #expect(
            violations.map { "\($0["gate"] as! String) \($0["name"] as! String)" } == [
                "new-exec \(touch)", "new-write \(build.outside)", "new-write \(build.dir)/b.o",
                "new-write \(build.outside)", "new-write \(build.dir)/b.o", "new-peer 127.0.0.1:\(listener.port)",
            ])
        #expect(all["verdict"] as? String == "violated")
        #expect(
            try ObsctlRunner.run(["diff", "--fail-on", "new-delete,new-listen,new-failure", base, new]).exitCode == 0)
        // Ignored names do not fail a gate.
        #expect(
            try ObsctlRunner.run([
                "diff", "--fail-on", "new-exec,new-peer", "--ignore", "*/touch", "--ignore", "127.0.0.1:*", base, new,
            ]).exitCode == 0)

        // Ratios, against the figures of the recordings themselves.
        let document = try Self.document(try ObsctlRunner.run(["diff", "--json", base, new]))
        let processes = try #require((document["resources"] as? [String: Any])?["processes"] as? [String: Any])
        let baseCount = try #require(processes["base"] as? Int)
        let newCount = try #require(processes["new"] as? Int)
        #expect(baseCount == (try Self.processCount(base)))
        #expect(newCount == (try Self.processCount(new)))
        #expect(newCount > baseCount)
        let ratio = Double(newCount) / Double(baseCount)
        #expect(processes["ratio"] as? Double == ratio)
        let over = try ObsctlRunner.run(["diff", "--max-ratio", "processes=1.1", base, new])
        #expect(over.exitCode == 1)
        #expect(over.out.contains("  ✗ processes \(ReportText.fixed(ratio, 2)) > 1.10\n"))
        #expect(try ObsctlRunner.run(["diff", "--max-ratio", "processes=\(ratio + 0.01)", base, new]).exitCode == 0)
        // A run against itself violates nothing; the new run against the old removes what it added.
        #expect(
            try ObsctlRunner.run(["diff", "--fail-on", "all", "--max-ratio", "processes=1", new, new]).exitCode == 0)
        let reversed = try Self.document(try ObsctlRunner.run(["diff", "--json", "--fail-on", "all", new, base]))
        #expect(reversed["verdict"] as? String == "passed")
        #expect(Self.names(reversed["programs"], "removed") == [touch])

        // Bad input, as report has it.
        let badGate = try ObsctlRunner.run(["diff", "--fail-on", "new-thing", base, new])
        #expect(badGate.exitCode == 64)
        #expect(badGate.err.contains("--fail-on: \"new-thing\" is not a gate; use a comma list of new-exec,"))
        #expect(try ObsctlRunner.run(["diff", "--max-ratio", "wall=fast", base, new]).exitCode == 64)
        #expect(try ObsctlRunner.run(["diff", "--json", "--markdown", base, new]).exitCode == 64)
        let one = try ObsctlRunner.run(["diff", base])
        #expect(one.exitCode == 64)
        #expect(one.err.contains("Missing a recording: give BASE NEW, or --base BASE NEW."))
        let missing = try ObsctlRunner.run(["diff", base, "/nonexistent/run.jsonl"])
        #expect(missing.exitCode == 66)
        #expect(missing.err.contains("Reading the recording /nonexistent/run.jsonl failed: the file does not exist"))
        #expect(missing.stdout.isEmpty)
        let garbage = try ObsctlRunner.run(["diff", ObsctlRunner.binary, new])
        #expect(garbage.exitCode == 65)
    }

    /// Processes in a recording, counted from its events: the root and one per fork.
    static func processCount(_ recording: String) throws -> Int {
        try ReportFixture.objects(recording).filter { $0["kind"] as? String == "fork" }.count + 1
    }

    @Test(
        "a recording cut short by killing obsctl: untrusted (exit 2) with a gate, gated with --allow-incomplete",
        .requiresEBPF)
    func killed() throws {
        let build = try Build("kill")
        let base = try build.record("base", files: "a")
        let hold = "\(build.dir)/hold"
        try #require(mkfifo(hold, 0o600) == 0)
        // The events go to stdout, so the test sees the run reach its marker; then obsctl is
        // killed, and what it had written is the recording.
        var arguments = build.watch("unused", files: "a", [], hold: true)
        arguments.removeSubrange(arguments.firstIndex(of: "-o")!...(arguments.firstIndex(of: "-o")! + 1))
        let running = try ObsctlRunner.start(arguments.map { Array($0.utf8) })
        _ = try #require(running.readStdoutLine(containing: "\(build.dir)/marker"))
        #expect(kill(running.pid, SIGKILL) == 0)
        let outcome = running.finish()
        #expect(outcome.termSignal == SIGKILL)
        let cut = "\(build.dir)/cut.jsonl"
        try Data(outcome.stdout).write(to: URL(fileURLWithPath: cut))

        let run = try ObsctlRunner.run(["diff", "--json", "--fail-on", "new-exec", base, cut])
        #expect(run.exitCode == 2)
        #expect(try Self.schemaErrors(run.stdout) == "")
        let document = try Self.document(run)
        #expect(document["verdict"] as? String == "untrusted")
        let reasons = try #require(document["incomplete"] as? [String])
        #expect(reasons.count == 1)
        #expect(reasons.first?.hasPrefix("new (\(cut)): the recording is truncated: ") == true)
        #expect(reasons.first?.contains("the run's closing profile is missing") == true)
        #expect((document["new"] as? [String: Any])?["truncated"] as? Bool == true)
        let text = try ObsctlRunner.run(["diff", "--fail-on", "new-exec", base, cut])
        #expect(text.exitCode == 2)
        #expect(text.out.contains("  comparison          cannot be trusted\n"))
        // Gated anyway: the cut run ran nothing the base did not.
        #expect(
            try ObsctlRunner.run(["diff", "--fail-on", "new-exec", "--allow-incomplete", base, cut]).exitCode == 0)
        // Without a gate, the diff is printed and obsctl exits 0.
        #expect(try ObsctlRunner.run(["diff", base, cut]).exitCode == 0)
    }

    @Test("a recording with lost events: untrusted, naming how many were lost and where", .requiresEBPF)
    func lostEvents() throws {
        let build = try Build("lost")
        let script = "for i in 1 2 3 4 5 6 7 8 9 10; do cat /dev/null; done"
        let base = "\(build.dir)/base.jsonl"
        #expect(
            try ObsctlRunner.run(["watch", "--json", "--interval", "0", "-o", base, "--", "sh", "-c", script])
                .exitCode == 0)
        let lossy = "\(build.dir)/lossy.jsonl"
        let events = try LossyRecording.write(
            script: ByteString(script), shownArgv: ["sh", "-c", ByteString(script)], writer: "DiffEndToEndTests",
            to: lossy)
        var lost: UInt64 = 0
        for event in events { if case .profile(let p) = event.kind { lost = p.lostSubscriber } }
        try #require(lost > 0)

        let run = try ObsctlRunner.run(["diff", "--json", "--max-ratio", "wall=100", base, lossy])
        #expect(run.exitCode == 2)
        #expect(try Self.schemaErrors(run.stdout) == "")
        let document = try Self.document(run)
        #expect(
            document["incomplete"] as? [String] == [
                "new (\(lossy)): lost \(lost) events (kernel 0, subscriber \(lost))"
            ])
        #expect(((document["new"] as? [String: Any])?["lost"] as? [String: Any])?["subscriber"] as? UInt64 == lost)
        #expect((document["bases"] as? [[String: Any]])?.first?["complete"] as? Bool == true)
        // The other way round, the base is the incomplete side.
        let reversed = try ObsctlRunner.run(["diff", "--fail-on", "new-exec", lossy, base])
        #expect(reversed.exitCode == 2)
        #expect(reversed.out.contains("  base                lost \(lost) events (kernel 0, subscriber \(lost))\n"))
    }

    @Test(
        "runs observed otherwise (fewer categories, paths as passed): untrusted, naming each difference", .requiresEBPF)
    func observedOtherwise() throws {
        let build = try Build("other")
        let base = try build.record("base", files: "a")
        var arguments = build.watch("\(build.dir)/fewer.jsonl", files: "a", ["1"])
        arguments.insert(contentsOf: ["--categories", "lifecycle,process"], at: 1)
        #expect(try ObsctlRunner.run(arguments).exitCode == 0)
        let fewer = try ObsctlRunner.run(["diff", "--json", "--fail-on", "new-exec", base, "\(build.dir)/fewer.jsonl"])
        #expect(fewer.exitCode == 2)
        #expect(try Self.schemaErrors(fewer.stdout) == "")
        #expect(
            try Self.document(fewer)["incomplete"] as? [String] == [
                "file was supported in base, not observed in new",
                "network was supported in base, not observed in new",
            ])
        arguments = build.watch("\(build.dir)/passed.jsonl", files: "a", ["1"])
        arguments.insert("--no-resolve-paths", at: 1)
        #expect(try ObsctlRunner.run(arguments).exitCode == 0)
        let passed = try ObsctlRunner.run(["diff", "--fail-on", "new-exec", base, "\(build.dir)/passed.jsonl"])
        #expect(passed.exitCode == 2)
        #expect(
            passed.out.contains(
                "  differs             paths were resolved in base, as passed (--no-resolve-paths) in new\n"))
        #expect(passed.out.contains("  new                 complete\n"))
        #expect(
            try ObsctlRunner.run([
                "diff", "--fail-on", "new-exec", "--allow-incomplete", base, "\(build.dir)/fewer.jsonl",
            ]).exitCode == 0)
    }

    @Test("three bases: a name is in the base when any base has it, figures are the bases' median", .requiresEBPF)
    func threeBases() throws {
        let build = try Build("bases")
        let bases = [
            try build.record("b1", files: "a"), try build.record("b2", files: "a b"),
            try build.record("b3", files: "a b c"),
        ]
        let new = try build.record("new", files: "a d")
        let run = try ObsctlRunner.run(
            ["diff", "--json", "--base", bases[0], "--base", bases[1], "--base", bases[2], new])
        #expect(run.exitCode == 0)
        #expect(try Self.schemaErrors(run.stdout) == "")
        let document = try Self.document(run)
        #expect((document["bases"] as? [[String: Any]])?.compactMap { $0["recording"] as? String } == bases)
        let written = (document["files"] as? [String: Any])?["written"]
        #expect(Self.names(written, "added") == ["\(build.dir)/d.o"])
        #expect(Self.names(written, "removed") == ["\(build.dir)/b.o", "\(build.dir)/c.o"])
        let resources = try #require(document["resources"] as? [String: Any])
        let processes = try #require(resources["processes"] as? [String: Any])
        let counts = try bases.map(Self.processCount)
        #expect(counts[0] < counts[1] && counts[1] < counts[2])
        #expect(processes["base"] as? Int == counts[1])
        #expect(processes["new"] as? Int == (try Self.processCount(new)))
        let walls = try bases.map(Self.wall).sorted()
        #expect((resources["wall_ns"] as? [String: Any])?["base"] as? UInt64 == walls[1])
        // BASE NEW with --base: every one but the last positional is a base too.
        let mixed = try Self.document(try ObsctlRunner.run(["diff", "--json", "--base", bases[0], bases[1], new]))
        #expect((mixed["bases"] as? [[String: Any]])?.count == 2)
        let text = try ObsctlRunner.run(["diff", "--base", bases[0], "--base", bases[1], "--base", bases[2], new])
        #expect(text.out.hasPrefix("DIFF  3 bases (median, union) → \(new)\n  base 1 "))
    }

    /// A recording's wall time as the diff takes it: the profile's tree wall time, else its own.
    static func wall(_ recording: String) throws -> UInt64 {
        let profile = try #require(try ReportFixture.objects(recording).last { $0["kind"] as? String == "profile" })
        return try #require((profile["tree_wall_ns"] as? UInt64) ?? (profile["wall_ns"] as? UInt64))
    }
}
