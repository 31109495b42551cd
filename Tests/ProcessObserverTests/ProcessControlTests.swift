import Glibc
import Testing

@testable import ProcessObserver

@Suite("Spawning, timeouts and clean-up", .serialized)
struct ProcessControlTests {
    @Test("a timeout ends the whole process group and nothing is left running")
    func timeoutKillsTree() throws {
        let dir = makeTemporaryDirectory()
        defer { _ = system("rm -rf '\(dir)'") }
        let pidFile = "\(dir)/background.pid"
        let process = NativeProcess(
            .name("sh"), arguments: ["-c", "sleep 100 & echo $! > '\(pidFile)'; sleep 100"],
            timeout: .milliseconds(300))
        let events = process.withObserver(.lifecycle())
        let result = try process.run()
        #expect(result.status == .signaled(signal: SIGTERM, coreDumped: false))
        #expect(result.profile.timedOut)
        let background = try #require(
            ProcessCensus.readSmallFile(pidFile).flatMap { Int32($0.split(separator: "\n")[0]) })
        #expect(ProcessCensus.waitGone(background), "the background sleep \(background) survived the timeout")
        #expect(ProcessCensus.members(ofGroup: result.processID).isEmpty)
        guard case .profile(let profile) = events.collect().last?.kind else {
            Issue.record("no profile")
            return
        }
        #expect(profile.timedOut)
        #expect(profile.exitCode == nil)
        #expect(profile.signal == SIGTERM)
    }

    @Test("a process that ignores SIGTERM is killed after the grace period")
    func graceThenKill() throws {
        let process = NativeProcess(
            .name("sh"), arguments: ["-c", "trap '' TERM; while :; do sleep 1; done"], timeout: .milliseconds(200),
            terminationGrace: .milliseconds(300))
        let result = try process.run()
        #expect(result.status == .signaled(signal: SIGKILL, coreDumped: false))
        #expect(result.profile.timedOut)
        #expect(
            ProcessCensus.members(ofGroup: result.processID).isEmpty
                || ProcessCensus.members(ofGroup: result.processID).allSatisfy { ProcessCensus.waitGone($0) })
    }

    @Test("terminate() cancels a run with SIGTERM to the group")
    func terminate() throws {
        let process = NativeProcess(.name("sleep"), arguments: ["100"])
        let events = process.withObserver(.lifecycle())
        let running = try process.spawn()
        #expect(events.recv()?.kind.name == "started")
        running.terminate()
        let result = running.wait()
        #expect(result.status == .signaled(signal: SIGTERM, coreDumped: false))
        #expect(!result.profile.timedOut)
    }

    @Test("a dropped handle kills and reaps its process")
    func killOnDrop() throws {
        let process = NativeProcess(.name("sleep"), arguments: ["100"])
        let events = process.withObserver(.lifecycle())
        var running: RunningProcess? = try process.spawn()
        let pid = try #require(running?.processID)
        #expect(events.recv()?.kind.name == "started")
        running = nil
        let rest = events.collect()
        #expect(rest.map(\.kind.name) == ["exited", "profile"])
        guard case .exited(let status) = rest.first?.kind else { return }
        #expect(status == .signaled(signal: SIGKILL, coreDumped: false))
        #expect(!ProcessCensus.zombieChildren().contains(pid))
    }

    @Test("200 spawn and wait cycles leave the descriptor count unchanged and no zombies")
    func noLeaks() throws {
        // Warm up once: the first spawn may open lazily cached descriptors.
        _ = try NativeProcess(.name("true")).run()
        // Earlier tests' eBPF objects and run cgroups are released in the background, closing their
        // descriptors.
        ObserverCleanup.waitForReleases()
        let before = ProcessCensus.openDescriptorCount()
        for i in 0..<200 {
            let process = NativeProcess(
                .name("sh"), arguments: ["-c", "exit \(i % 4)"], standardOutput: .capture(maxBytes: 16))
            let events = process.withObserver(.lifecycle())
            let result = try process.run()
            #expect(result.status == .exited(code: Int32(i % 4)))
            #expect(events.collect().count == 3)
        }
        ObserverCleanup.waitForReleases()
        #expect(ProcessCensus.openDescriptorCount() == before)
        #expect(ProcessCensus.zombieChildren().isEmpty)
    }

    @Test("a missing executable is a typed error, and nothing is left behind")
    func missingExecutable() throws {
        let before = ProcessCensus.openDescriptorCount()
        let process = NativeProcess(.name("definitely-not-a-command-\(getpid())"))
        let events = process.withObserver(.lifecycle())
        #expect(throws: ObserverError.self) { try process.spawn() }
        do {
            _ = try process.spawn()
        } catch {
            #expect(error.code == .executableNotFound)
            #expect(error.description.contains("is on PATH (ENOENT). Check the name, or give a path."))
        }
        #expect(events.collect().isEmpty)
        #expect(ProcessCensus.openDescriptorCount() == before)
    }

    @Test("a file without execute permission is .notExecutable, and its child is reaped")
    func notExecutable() throws {
        let dir = makeTemporaryDirectory()
        defer { _ = system("rm -rf '\(dir)'") }
        let path = "\(dir)/script"
        let fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0o644)
        _ = write(fd, "#!/bin/sh\n", 10)
        close(fd)
        do {
            _ = try NativeProcess(.path(.init(path))).spawn()
            Issue.record("spawn should have failed")
        } catch {
            #expect(error.code == .notExecutable)
            #expect(error.underlying == .permissionDenied)
        }
        #expect(ProcessCensus.zombieChildren().isEmpty)
    }

    @Test("captured output keeps exactly the first bytes up to the cap")
    func capture() throws {
        let process = NativeProcess(
            .name("sh"), arguments: ["-c", "printf 'hello world'; printf oops >&2"],
            standardOutput: .capture(maxBytes: 5), standardError: .capture(maxBytes: 100))
        let result = try process.run()
        #expect(result.standardOutput == Array("hello".utf8))
        #expect(result.standardOutputTruncated)
        #expect(result.standardError == Array("oops".utf8))
        #expect(!result.standardErrorTruncated)
    }

    @Test(
        "a child writing 1 MiB in one write to a captured stdout is never refused: it blocks until read, as on any pipe"
    )
    func captureBlocksTheWriter() throws {
        // One write(2) far larger than a pipe holds (64 KiB): on a non-blocking write end it
        // would return short or fail with EAGAIN, and the child would exit 3 or 4.
        let size = 1 << 20
        let script = "my $n = syswrite(STDOUT, 'x' x \(size)); exit(defined $n ? ($n == \(size) ? 0 : 3) : 4)"
        let result = try NativeProcess(
            .name("perl"), arguments: ["-e", script], standardInput: .null,
            standardOutput: .capture(maxBytes: 2 * size)
        ).run()
        #expect(result.status == .exited(code: 0))
        #expect(result.standardOutput == [UInt8](repeating: UInt8(ascii: "x"), count: size))
        #expect(!result.standardOutputTruncated)
    }

    @Test("environment changes and the working directory reach the child")
    func environmentAndDirectory() throws {
        let process = NativeProcess(
            .name("sh"), arguments: ["-c", "printf '%s:%s' \"$OBS_TEST_VAR\" \"$(pwd)\""],
            environment: .inherit(updating: ["OBS_TEST_VAR": "value 1"]), workingDirectory: "/usr",
            standardOutput: .capture(maxBytes: 1000))
        let result = try process.run()
        #expect(String(decoding: result.standardOutput ?? [], as: UTF8.self) == "value 1:/usr")
    }
}

@Suite("Environment")
struct EnvironmentTests {
    @Test("value(of:) agrees with the entries the child gets, for inherit, changes and custom")
    func lookupsAgree() {
        let cases: [Environment] = [
            .inherit, .inherit(updating: ["PATH": "/x:/y", "HOME": nil, "OBS_NEW": "1"]),
            .custom(["PATH": "/only", "A": "b"]),
        ]
        for env in cases {
            for name in ["PATH", "HOME", "OBS_NEW", "A", "OBS_SURELY_UNSET"] {
                #expect(env.value(of: name) == env.valueByScanningEntries(of: name), "\(env) \(name)")
            }
        }
        #expect(Environment.inherit(updating: ["HOME": nil]).value(of: "HOME") == nil)
        #expect(Environment.custom(["PATH": "/only"]).value(of: "PATH") == "/only")
    }
}
