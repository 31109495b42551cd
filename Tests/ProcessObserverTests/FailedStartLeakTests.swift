import ObserverTestSupport
import SystemPackage
import Testing

@testable import ProcessObserver

#if canImport(Glibc)
    import Glibc
#endif

/// A start that fails, at any step of any launch kind, leaves nothing behind: no descriptor (a
/// captured pipe's read end included), no cgroup directory, no zombie. The descriptor limit sweep
/// makes every step that opens something fail in turn: making the cgroup, the standard I/O,
/// loading the eBPF objects, the launch itself.
@Suite("A failed start leaks nothing", .serialized)
struct FailedStartLeakTests {
    /// What a start can leave behind: our descriptors, and the owner's cgroup directories (there
    /// are none once every run has handed its cgroup back and `waitForReleases` removed them).
    struct Census: CustomStringConvertible {
        /// Each open descriptor as "number → target" (`/proc/self/fd`), so that one closed by
        /// another part of the process meanwhile (a finished earlier run's thread) is not taken
        /// for a leak, and one that appeared is named.
        var descriptors: Set<String>
        var cgroupDirectories: [String]
        var zombies: [Int32]

        static func now() -> Census {
            ObserverCleanup.waitForReleases()
            var directories: [String] = []
            if case .success(let owner) = CgroupOwner.shared {
                for directory in [owner.directory] + owner.v1Directories.values.sorted()
                where Syscall.inode(directory) != nil {
                    directories.append(directory)
                }
            }
            // The spawn helper's socket, which the first spawn opens and keeps, is not a run's.
            let helper = SpawnHelper.status.descriptor
            let descriptors = ProcFS.numericEntries("/proc/self/fd").compactMap { fd -> String? in
                guard fd != helper, let target = try? Syscall.readLink("/proc/self/fd/\(fd)") else { return nil }
                return "\(fd) → \(String(decoding: target, as: UTF8.self))"
            }
            return Census(
                descriptors: Set(descriptors), cgroupDirectories: directories, zombies: ProcessCensus.zombieChildren())
        }

        /// What this census has that `before` had not: descriptors opened since, and any cgroup
        /// directory or zombie. Empty when nothing was left behind.
        func leftSince(_ before: Census) -> [String] {
            // The listing's own descriptor differs from one census to the next.
            let opened = descriptors.subtracting(before.descriptors).filter { !$0.hasSuffix("/proc/self/fd") }
            return opened.sorted() + cgroupDirectories + zombies.map { "zombie \($0)" }
        }

        var description: String { "\(descriptors.count) descriptors, cgroups \(cgroupDirectories), zombies \(zombies)" }
    }

    /// Starts `process` observing `categories`; the error, or nil when it started (then waited for).
    private static func start(_ process: NativeProcess, _ categories: Set<EventCategory>) -> ObserverError? {
        let events = process.withObserver(ObserverConfig(categories: categories))
        do {
            let running = try process.spawn()
            _ = running.wait()
            _ = events.collect()
            return nil
        } catch {
            #expect(events.collect().isEmpty, "a start that failed delivers no event")
            return error
        }
    }

    @Test("a bad working directory, a missing and an unexecutable command, with captured output (posix_spawn)")
    func failedSpawns() throws { try failedSpawns([.lifecycle]) }

    @Test("a bad working directory, a missing and an unexecutable command, with captured output (gated)", .requiresEBPF)
    func failedGatedSpawns() throws { try failedSpawns([.lifecycle, .file, .process]) }

    @Test("every descriptor limit that fails a spawn, at whatever step, leaves nothing (posix_spawn)")
    func descriptorLimitSweep() throws { try descriptorLimitSweep([.lifecycle]) }

    @Test("every descriptor limit that fails a spawn, at whatever step, leaves nothing (gated, eBPF)", .requiresEBPF)
    func gatedDescriptorLimitSweep() throws { try descriptorLimitSweep([.lifecycle, .file, .process]) }

    private func failedSpawns(_ categories: Set<EventCategory>) throws {
        let before = Census.now()
        let cases: [(NativeProcess, ObserverError.Code)] = [
            (
                NativeProcess(
                    .path("/usr/bin/true"), workingDirectory: "/nonexistent", standardOutput: .capture(maxBytes: 64),
                    standardError: .capture(maxBytes: 64)),
                .failedToChangeWorkingDirectory
            ),
            (NativeProcess(.name("obs-no-such-command"), standardOutput: .capture(maxBytes: 64)), .executableNotFound),
            (NativeProcess(.path("/etc/passwd"), standardOutput: .capture(maxBytes: 64)), .notExecutable),
        ]
        for (process, code) in cases {
            let error = try #require(Self.start(process, categories))
            #expect(error.code == code)
        }
        #expect(Census.now().leftSince(before) == [])
    }

    private func descriptorLimitSweep(_ categories: Set<EventCategory>) throws {
        // Warm up: the owner's directories, the reaper, the eBPF object cache are made once.
        _ = Self.start(NativeProcess(.path("/usr/bin/true")), categories)
        let before = Census.now()
        var limits = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limits)
        defer { setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limits) }
        let lowest = Self.lowestFreeDescriptor()
        var failures: Set<ObserverError.Code> = []
        var messages: [String] = []
        var started = false
        for extra in 0..<200 where !started {
            var low = limits
            low.rlim_cur = rlim_t(lowest + extra)
            setrlimit(Int32(RLIMIT_NOFILE.rawValue), &low)
            let process = NativeProcess(
                .path("/usr/bin/true"), standardOutput: .capture(maxBytes: 64), standardError: .null)
            let error = Self.start(process, categories)
            setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limits)
            if let error {
                failures.insert(error.code)
                messages.append(error.message)
            } else {
                started = true
            }
            let left = Census.now().leftSince(before)
            #expect(
                left == [],
                "after a start under a limit of \(lowest + extra) descriptors: \(error?.message ?? "started")")
            if !left.isEmpty { break }
        }
        #expect(started, "a spawn starts once enough descriptors are allowed")
        #expect(
            failures == [.resourceLimit],
            "every step names the descriptor limit, loading eBPF included: \(messages.filter { !$0.contains("RLIMIT_NOFILE") })"
        )
        if categories != [.lifecycle] {
            #expect(messages.contains { $0.hasPrefix("Loading the eBPF backend for file, process failed: ") })
        }
    }

    @Test("attaching to a missing process and to an empty cgroup", .requiresEBPF)
    func failedAttaches() throws {
        let before = Census.now()
        let missing = AttachedProcess(processID: 999_999_999)
        _ = missing.withObserver(.lifecycle(.file))
        #expect(throws: ObserverError.self) { try missing.attach() }

        let layout = CgroupLayout.current()
        let unified = try #require(layout.unified?.directory)
        let empty = unified + "/obs-test-empty.\(getpid())"
        try Syscall.makeDirectory(empty)
        defer { try? Syscall.removeDirectory(empty) }
        let cgroup = AttachedCgroup(path: empty)
        let events = cgroup.withObserver(.lifecycle(.file, .process))
        do {
            _ = try cgroup.attach()
            Issue.record("attaching to an empty cgroup should fail")
        } catch {
            #expect(error.code == .processNotFound)
        }
        #expect(events.collect().isEmpty)
        #expect(Census.now().leftSince(before) == [])
    }

    /// The lowest descriptor number not in use: the next one `open` would return.
    private static func lowestFreeDescriptor() -> Int {
        let open = Set(ProcFS.numericEntries("/proc/self/fd").map(Int.init))
        return (0...).first { !open.contains($0) }!
    }
}
