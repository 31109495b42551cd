import Foundation
import ProcessObserver

// Issue 22's defects, each as a library user meets it (public API only), run by
// `LibraryUserTests` as root: one line per scenario, `PASS name` or `FAIL name: why`, and a
// non-zero exit when any failed.

var failures = 0
@MainActor func check(_ name: String, _ ok: Bool, _ why: @autoclosure () -> String = "") {
    print(ok ? "PASS \(name)" : "FAIL \(name): \(why())")
    if !ok { failures += 1 }
}

func openDescriptors() -> Int {
    ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []).count
}

// 1. Failed starts of every kind leave no descriptor behind (the cgroup is handed back too: its
//    directory descriptors would show here).
_ = try? NativeProcess(.path("/bin/true")).run()
ObserverCleanup.waitForReleases()
let before = openDescriptors()
for categories in [Set<EventCategory>([.lifecycle]), [.lifecycle, .file, .process]] {
    let attempts = [
        NativeProcess(.path("/bin/true"), workingDirectory: "/nonexistent", standardOutput: .capture(maxBytes: 64)),
        NativeProcess(.name("obs-no-such-command"), standardOutput: .capture(maxBytes: 64)),
        NativeProcess(.path("/etc/passwd"), standardError: .capture(maxBytes: 64)),
    ]
    for process in attempts {
        let events = process.withObserver(ObserverConfig(categories: categories))
        _ = try? process.spawn()
        _ = events.collect()
    }
}
ObserverCleanup.waitForReleases()
check("failed starts leak nothing", openDescriptors() == before, "\(before) descriptors before, \(openDescriptors()) after")

// 2. A late withObserver ends at once instead of waiting forever.
let sleeper = NativeProcess(.name("sleep"), arguments: ["0.2"])
let running = try sleeper.spawn()
let late = sleeper.withObserver(.lifecycle())
check("a late subscriber ends at once", late.isFinished && late.observedCategories == [])
_ = running.wait()

// 3. Dropping an AttachedRun stops observing; 4. stop() before the exit is an unknown end.
let target = try NativeProcess(.name("sleep"), arguments: ["30"]).spawn()
do {
    let attached = AttachedProcess(processID: target.processID)
    let events = attached.withObserver(.lifecycle(.process))
    _ = try attached.attach()
    let all = events.collect()  // ends because the handle above is gone
    check("dropping an AttachedRun stops observing", all.last.map { "\($0.kind.name)" } == "profile")
}
do {
    let attached = AttachedProcess(processID: target.processID)
    let run = try attached.attach()
    run.stop()
    let result = await run.result
    check("an end not seen is unknown", result.status == .unknown && !result.status.isSuccess, "\(result.status)")
}
check("the process attached to runs on, never signalled", target.isRunning)
target.terminate()
_ = target.wait()

// 5. A scoped run's body that throws ends the run.
struct Stop: Error {}
let started = Date()
do {
    _ = try await NativeProcess(.name("sleep"), arguments: ["30"]).run { _ in throw Stop() }
    check("a throwing scoped body ends the run", false, "no error")
} catch is Stop {
    check("a throwing scoped body ends the run", Date().timeIntervalSince(started) < 10)
}

exit(failures == 0 ? 0 : 1)
