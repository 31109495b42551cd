import Foundation

/// The machine a report was measured on, so numbers are never quoted without it.
struct MachineDescription {
    var kernel: String
    var cpu: String
    var cpus: Int
    var memory: String
    var os: String
    var swift: String

    static func current() -> MachineDescription {
        var uts = utsname()
        uname(&uts)
        let kernel = withUnsafeBytes(of: uts.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model =
            cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { String($0.split(separator: ":", maxSplits: 1).last ?? "").trimmingCharacters(in: .whitespaces) }
            ?? "unknown"
        let meminfo = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) ?? ""
        let memKiB =
            meminfo.split(separator: "\n").first { $0.hasPrefix("MemTotal:") }
            .flatMap { $0.split(separator: " ").dropFirst().first.flatMap { Int($0) } } ?? 0
        let osRelease = (try? String(contentsOfFile: "/etc/os-release", encoding: .utf8)) ?? ""
        let os =
            osRelease.split(separator: "\n").first { $0.hasPrefix("PRETTY_NAME=") }
            .map { String($0.dropFirst("PRETTY_NAME=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
            ?? "unknown"
        let swift =
            Launcher.capture(["swift", "--version"])?.split(separator: "\n").first.map(String.init) ?? "unknown"
        return MachineDescription(
            kernel: kernel, cpu: model, cpus: sysconf(Int32(_SC_NPROCESSORS_ONLN)),
            memory: Format.fixed(Double(memKiB) / 1_048_576, 1) + " GiB",
            os: os, swift: swift)
    }

    func tables() -> [ResultTable] {
        var table = ResultTable(title: "Machine", columns: [("what", .left), ("value", .left)])
        table.add(["CPU", "\(cpus) × \(cpu)"])
        table.add(["memory", memory])
        table.add(["kernel", kernel])
        table.add(["OS", os])
        table.add(["toolchain", swift])
        let load = ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "").split(separator: " ").prefix(
            3)
        table.add([
            "load average at start (1/5/15 min)", load.joined(separator: " ") + " (other work on the VM adds noise)",
        ])
        table.add(["build", isReleaseBuild ? "release" : "DEBUG (numbers are not representative; use -c release)"])
        return [table]
    }

    var isReleaseBuild: Bool {
        #if DEBUG
            false
        #else
            true
        #endif
    }
}
