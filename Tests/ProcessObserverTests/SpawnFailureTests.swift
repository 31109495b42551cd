import ObserverTestSupport
import SystemPackage
import Testing

@testable import ProcessObserver

/// Each step of starting a child that can fail gets its own code and a message that says what
/// failed, why, and what to do, on both spawn paths: `posix_spawn` (lifecycle only) and the gated
/// fork (any kernel category, so these cases need eBPF).
@Suite("Spawn failures name the step")
struct SpawnFailureTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var workingDirectory: String
        var code: ObserverError.Code
        var errno: Errno
        var message: String
        var testDescription: String { workingDirectory }
    }

    static let cases: [Case] = [
        Case(
            workingDirectory: "/nonexistent", code: .failedToChangeWorkingDirectory, errno: .noSuchFileOrDirectory,
            message: "Starting /usr/bin/true failed: the working directory /nonexistent does not exist "
                + "(chdir: ENOENT). Give a directory that exists and that this user may enter."),
        Case(
            workingDirectory: "/etc/passwd", code: .failedToChangeWorkingDirectory, errno: .notDirectory,
            message: "Starting /usr/bin/true failed: the working directory /etc/passwd is not a directory "
                + "(chdir: ENOTDIR). Give a directory that exists and that this user may enter."),
    ]

    private func spawnError(
        _ workingDirectory: String, categories: Set<EventCategory>, containment: Containment = .automatic
    ) -> ObserverError? {
        let process = NativeProcess(
            .path("/usr/bin/true"), workingDirectory: FilePath(workingDirectory), containment: containment)
        let events = process.withObserver(ObserverConfig(categories: categories))
        defer { #expect(events.collect().isEmpty, "a start that failed delivers no event") }
        do {
            _ = try process.spawn()
            return nil
        } catch {
            return error
        }
    }

    @Test("a bad working directory is a chdir failure, not a missing executable (posix_spawn path)", arguments: cases)
    func directSpawn(_ c: Case) throws {
        let before = ProcessCensus.openDescriptorCount()
        let error = try #require(
            spawnError(c.workingDirectory, categories: [.lifecycle], containment: .processGroup))
        #expect(error.code == c.code)
        #expect(error.underlying == c.errno)
        #expect(error.message == c.message)
        #expect(ProcessCensus.openDescriptorCount() == before)
        #expect(ProcessCensus.zombieChildren().isEmpty)
    }

    @Test(
        "a bad working directory is a chdir failure, not a missing executable (gated fork into a cgroup)",
        arguments: cases)
    func containedSpawn(_ c: Case) throws {
        ObserverCleanup.waitForReleases()
        let before = ProcessCensus.openDescriptorCount()
        let error = try #require(spawnError(c.workingDirectory, categories: [.lifecycle]))
        #expect(error.code == c.code)
        #expect(error.underlying == c.errno)
        #expect(error.message == c.message)
        ObserverCleanup.waitForReleases()
        #expect(ProcessCensus.openDescriptorCount() == before)
        #expect(ProcessCensus.zombieChildren().isEmpty)
    }

    @Test(
        "a bad working directory is a chdir failure, not a missing executable (gated fork)", .requiresEBPF,
        arguments: cases)
    func gatedSpawn(_ c: Case) throws {
        let error = try #require(spawnError(c.workingDirectory, categories: [.lifecycle, .process]))
        #expect(error.code == c.code)
        #expect(error.underlying == c.errno)
        #expect(error.message == c.message)
        #expect(ProcessCensus.zombieChildren().isEmpty)
    }

    @Test("a missing command and an unexecutable file have their own codes and whole sentences")
    func executableMessages() throws {
        let missing = NativeProcess(.name("obs-no-such-command"))
        #expect(throws: ObserverError.self) { try missing.spawn() }
        do {
            _ = try missing.spawn()
        } catch {
            #expect(error.code == .executableNotFound)
            #expect(
                error.message
                    == "Starting obs-no-such-command failed: no executable named obs-no-such-command is on PATH "
                    + "(ENOENT). Check the name, or give a path.")
        }
        do {
            _ = try NativeProcess(.path("/etc/passwd")).spawn()
            Issue.record("spawning /etc/passwd should fail")
        } catch {
            #expect(error.code == .notExecutable)
            #expect(
                error.message
                    == "Starting /etc/passwd failed: the file cannot be executed (execve: EACCES). Check its execute "
                    + "permission and that it is a regular file.")
            #expect(error.detail.hasPrefix("the file cannot be executed (execve: EACCES)."))
        }
    }

    @Test("a name with a newline is quoted on one line, as the human event format quotes it")
    func hostileName() throws {
        do {
            _ = try NativeProcess(.path("/tmp/obs-x/no\nsuch")).spawn()
            Issue.record("spawning a missing path should fail")
        } catch {
            #expect(error.code == .executableNotFound)
            #expect(!error.message.contains("\n"))
            #expect(error.message.hasPrefix("Starting $'/tmp/obs-x/no\\nsuch' failed: "))
        }
    }

    @Test("a message without a remedy ends with one full stop, and parts without an errno show none")
    func messageShape() {
        let bare = ObserverError(.processNotFound, failure: "attaching to process 7", reason: "it has exited")
        #expect(bare.message == "Attaching to process 7 failed: it has exited.")
        let withCall = ObserverError(
            .spawnFailed, failure: "starting x", reason: "fork failed", call: "fork",
            errno: .resourceTemporarilyUnavailable)
        #expect(withCall.message == "Starting x failed: fork failed (fork: EAGAIN).")
        let limit = ObserverError.systemCall(
            .spawnFailed, failure: "starting x", call: "fork", errno: .resourceTemporarilyUnavailable,
            reason: "fork failed")
        #expect(limit.code == .resourceLimit)
        #expect(
            limit.message
                == "Starting x failed: the limit on processes has been reached (fork: EAGAIN). Raise RLIMIT_NPROC "
                + "(ulimit -u) or the cgroup's pids.max, or end processes.")
        let descriptors = ObserverError.systemCall(
            .spawnFailed, failure: "starting x", call: "pipe2 (the captured output)", errno: .tooManyOpenFiles,
            reason: "the pipe could not be made")
        #expect(
            descriptors.message
                == "Starting x failed: this process has reached its limit of open descriptors (pipe2 (the captured "
                + "output): EMFILE). Raise RLIMIT_NOFILE (ulimit -n), or close descriptors this process no longer needs."
        )
    }
}
