import ArgumentParser
import CSpawn
import ProcessObserver
import SystemPackage

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// One way of spawning and reaping a program, timed by `obsbench spawn`.
///
/// The first is the baseline issue 2 names; the gated shim sits between it and the library so
/// that a gap can be attributed to fork + start gate (C) or to the Swift layer above it.
enum SpawnVariant: String, CaseIterable, ExpressibleByArgument {
    /// `posix_spawn(3)` + `wait4(2)`, argv built once: glibc's clone(CLONE_VM|CLONE_VFORK) path.
    case bare = "bare"
    /// The library's C shim alone (`obs_spawn_gated` fork + gate pipe + error pipe, release, `wait4`),
    /// called straight from this loop: what the library pays below Swift.
    case gatedShim = "shim"
    /// `NativeProcess(...).run()` with no observer attached (a cgroup per run where possible).
    case noObserver = "native"
    /// The same with `containment: .processGroup`: no cgroup, posix_spawn.
    case noObserverUncontained = "native-nocg"
    /// `withObserver(.lifecycle())`, reading every event until `profile` (a cgroup per run).
    case lifecycle = "lifecycle"
    /// The same with `containment: .processGroup`.
    case lifecycleUncontained = "lifecycle-nocg"
    /// `withObserver(.lifecycle().sampling(every: 10 ms))`, reading every event until `profile`.
    case lifecycleSampler = "sampler"

    var label: String {
        switch self {
        case .bare: "bare posix_spawn + wait4"
        case .gatedShim: "C gated fork shim + wait4"
        case .noObserver: "NativeProcess.run(), no observer, cgroup"
        case .noObserverUncontained: "NativeProcess.run(), no observer, no cgroup"
        case .lifecycle: "lifecycle observer, cgroup"
        case .lifecycleUncontained: "lifecycle observer, no cgroup"
        case .lifecycleSampler: "lifecycle + 10 ms sampler"
        }
    }

    /// Counts of what the observed variants received, to prove the events were really delivered.
    struct Delivery {
        var runs = 0
        var events = 0
        var samples = 0
        var lost: UInt64 = 0
        var badExits = 0
    }

    /// Spawns and reaps `program` `count` times; returns the elapsed nanoseconds.
    func loop(program: String, count: Int, delivery: inout Delivery) throws -> UInt64 {
        switch self {
        case .bare: return try Self.bareLoop(program: program, count: count, delivery: &delivery)
        case .gatedShim: return try Self.shimLoop(program: program, count: count, delivery: &delivery)
        case .noObserver, .noObserverUncontained, .lifecycle, .lifecycleUncontained, .lifecycleSampler:
            return try libraryLoop(program: program, count: count, delivery: &delivery)
        }
    }

    private static func bareLoop(program: String, count: Int, delivery: inout Delivery) throws -> UInt64 {
        try withCStringArray([program]) { (argv) throws(Launcher.SpawnError) -> UInt64 in
            let start = monotonicNs()
            for _ in 0..<count {
                var pid: pid_t = 0
                let rc = posix_spawn(&pid, argv[0]!, nil, nil, argv, environ)
                guard rc == 0 else {
                    throw Launcher.SpawnError(
                        description: "posix_spawn(\(program)) failed: \(String(cString: strerror(rc)))")
                }
                let (status, _) = Launcher.reap(pid)
                if status != 0 { delivery.badExits += 1 }
            }
            return monotonicNs() - start
        }
    }

    private static func shimLoop(program: String, count: Int, delivery: inout Delivery) throws -> UInt64 {
        try withCStringArray([program]) { (argv) throws(Launcher.SpawnError) -> UInt64 in
            let start = monotonicNs()
            for _ in 0..<count {
                var child = obs_gated_child()
                var failure = obs_spawn_failure()
                let rc = obs_spawn_gated(argv[0]!, argv, environ, nil, -1, -1, -1, -1, 0, &child, &failure)
                guard rc == 0 else {
                    throw Launcher.SpawnError(
                        description:
                            "obs_spawn_gated failed at step \(failure.step): \(String(cString: strerror(failure.err)))")
                }
                let released = obs_spawn_release(&child, &failure)
                let (status, _) = Launcher.reap(child.pid)
                if released != 0 || status != 0 { delivery.badExits += 1 }
            }
            return monotonicNs() - start
        }
    }

    private func libraryLoop(program: String, count: Int, delivery: inout Delivery) throws -> UInt64 {
        let executable = Executable.path(FilePath(program))
        let config: ObserverConfig? =
            switch self {
            case .lifecycle, .lifecycleUncontained: .lifecycle()
            case .lifecycleSampler: ObserverConfig.lifecycle().sampling(every: .milliseconds(10))
            default: nil
            }
        let start = monotonicNs()
        for _ in 0..<count {
            let uncontained = self == .noObserverUncontained || self == .lifecycleUncontained
            let process = NativeProcess(executable, containment: uncontained ? .processGroup : .automatic)
            let subscriber = config.map { process.withObserver($0) }
            let running = try process.spawn()
            if let subscriber {
                while let event = subscriber.recv() {
                    delivery.events += 1
                    if case .sample = event.kind { delivery.samples += 1 }
                }
                delivery.lost += subscriber.lostCount
            }
            let result = running.wait()
            delivery.runs += 1
            if result.status.exitCode != 0 { delivery.badExits += 1 }
        }
        return monotonicNs() - start
    }
}
