import Foundation
import ObserverTestSupport
import Testing

/// obsbench's kernel cost per program (issue 23), end to end through `obsbench program-costs`:
/// it catches every program obsctl loads, names each by its function, reads their counters after
/// obsctl has exited, and then lets them go.
@Suite("obsbench's kernel cost per program", .serialized, .requiresEBPF)
struct ObsbenchProgramCostsTests {
    @Test("all five programs of a watch are caught by name, exec counted once per exec, none left loaded")
    func caughtAndReleased() throws {
        let obsbench = URL(fileURLWithPath: ObsctlRunner.binary).deletingLastPathComponent()
            .appendingPathComponent("obsbench").path
        try #require(
            FileManager.default.isExecutableFile(atPath: obsbench), "no obsbench next to \(ObsctlRunner.binary)")
        let before = LoadedPrograms.ids()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: obsbench)
        process.arguments = [
            "program-costs", "--", ObsctlRunner.binary, "watch", "--categories", "all", "--interval", "0", "-o",
            "/dev/null", "--", "/bin/sh", "-c", "i=0; while [ $i -lt 10 ]; do /bin/true; i=$((i+1)); done",
        ]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        var programs: [String: (hits: Int, ns: Int)] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let f = line.split(separator: " ")
            if f.count == 3, let hits = Int(f[1]), let ns = Int(f[2]) { programs[String(f[0])] = (hits, ns) }
        }
        #expect(
            Set(programs.keys) == [
                "obs_raw_sys_enter", "obs_raw_sys_exit", "obs_sched_process_exec", "obs_sched_process_exit",
                "obs_sched_process_fork",
            ])
        // The shell's exec and ten of /bin/true, at least: the program runs for every exec on the machine.
        #expect((programs["obs_sched_process_exec"]?.hits ?? 0) >= 11)
        #expect(programs.values.allSatisfy { $0.hits == 0 || $0.ns > 0 })
        #expect(LoadedPrograms.settled { LoadedPrograms.lingering(since: before) }.isEmpty)
    }
}
