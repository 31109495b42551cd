import ArgumentParser
import Foundation
import ProcessObserver

/// Where the tools the comparison runs under come from.
struct ToolOptions: ParsableArguments {
    @Option(help: "The obsctl binary (default: obsctl next to obsbench in the build products directory).")
    var obsctl: String?

    @Option(
        help:
            "An earlier obsctl to time beside --obsctl in the workload rows, so that before and after are measured in one run."
    )
    var baselineObsctl: String?

    @Option(help: "The strace binary (Debian: apt-get install strace).")
    var strace = "strace"

    @Option(help: "The C compiler for the workloads and the make project.")
    var cc = "cc"

    @Option(help: "Directory holding the workload C sources (default: Sources/obsbench/Workloads of this checkout).")
    var workloadSources: String?

    @Option(help: "Multiplies every workload's size (iterations, spawns, connections, flood opens).")
    var scale = 1.0

    func validate() throws {
        guard scale > 0 else { throw ValidationError("--scale must be positive") }
    }

    var obsctlPath: String {
        if let obsctl { return obsctl }
        return (Self.selfExecutable as NSString).deletingLastPathComponent + "/obsctl"
    }

    /// This very binary, for re-running itself (`spawn-worker`).
    static var selfExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    func scaled(_ n: Int) -> Int { max(1, Int((Double(n) * scale).rounded())) }
}

/// One category as a capability source reports it.
struct CategoryStatus: Sendable {
    var category: String
    var support: String
    var backend: String
    var reason: String
    var active: Bool { support != "unavailable" }
}

/// The observers a workload runs under, resolved once per run, with the reason when one is missing.
struct ResolvedTools {
    var obsctl: String?
    var obsctlProblem: String?
    /// What `obsctl capabilities --json` says; empty when obsctl is unusable.
    var obsctlCategories: [CategoryStatus] = []
    /// What `OBS_SYSCALL_ATTACH=tracepoints obsctl capabilities --json` says (the classic-tracepoint variant).
    var obsctlTracepointCategories: [CategoryStatus] = []
    var strace: String?
    var straceProblem: String?
    var libraryCategories: [CategoryStatus]
    /// `--baseline-obsctl`, when it is an executable file.
    var baselineObsctl: String?

    init(_ options: ToolOptions) {
        let caps = ObserverCapabilities.negotiate()
        libraryCategories = caps.categories.map {
            CategoryStatus(
                category: $0.category.rawValue, support: $0.support.rawValue, backend: $0.backend, reason: $0.reason)
        }
        let obsctlPath = options.obsctlPath
        if FileManager.default.isExecutableFile(atPath: obsctlPath) {
            if let json = Launcher.capture([obsctlPath, "capabilities", "--json"]),
                let parsed = Self.parseCapabilities(json)
            {
                obsctl = obsctlPath
                obsctlCategories = parsed
                if let tp = Launcher.capture(
                    [obsctlPath, "capabilities", "--json"], environment: SyscallAttach.tracepoints.environment)
                {
                    obsctlTracepointCategories = Self.parseCapabilities(tp) ?? []
                }
            } else {
                obsctlProblem =
                    "\(obsctlPath) has no working `capabilities --json` (the CLI is not merged into this build yet); "
                    + "build it with `swift build -c release --product obsctl` from a tree that has it"
            }
        } else {
            obsctlProblem =
                "no obsctl at \(obsctlPath); build it (`swift build -c release --product obsctl`) or pass --obsctl"
        }
        if let baseline = options.baselineObsctl, FileManager.default.isExecutableFile(atPath: baseline) {
            baselineObsctl = baseline
        }
        if let path = which(options.strace) {
            strace = path
        } else {
            straceProblem = "\(options.strace) is not installed (Debian: apt-get install -y strace)"
        }
    }

    /// The categories `obsctl watch --categories all` will really observe.
    /// (`capabilities --json` also lists `sampling`, which is not an event category and is off at `--interval 0`.)
    var obsctlActive: [String] {
        let eventCategories = Set(EventCategory.allCases.map(\.rawValue))
        return obsctlCategories.filter { $0.active && eventCategories.contains($0.category) }.map(\.category)
    }

    /// `obsctl watch --categories all` with events written nowhere: the cost of observing, not of a terminal.
    /// With `summary` the closing summary is kept; with `-o FILE` it goes to stdout, where
    /// `ObsctlSummary` reads it.
    func obsctlArgv(
        _ command: [String], json: Bool = false, output: String? = "/dev/null", summary: Bool = false,
        resolvePaths: Bool = true, otlpEndpoint: String? = nil, categories: String = "all", binary: String? = nil,
        countIOBytes: Bool = true, syscallSummary: Bool = false
    ) -> [String] {
        var argv = [binary ?? obsctl!, "watch", "--categories", categories, "--interval", "0"]
        if syscallSummary { argv.append("-c") }
        if !resolvePaths { argv.append("--no-resolve-paths") }
        if !countIOBytes { argv.append("--no-io-bytes") }
        if let otlpEndpoint { argv += ["--otlp-endpoint", otlpEndpoint] }
        if !summary { argv.append("--no-summary") }
        if json { argv.append("--json") }
        if let output { argv += ["-o", output] }
        return argv + ["--"] + command
    }

    func straceArgv(_ command: [String]) -> [String] {
        [strace!, "-f", "-e", "trace=%file,%network,%process", "-o", "/dev/null"] + command
    }

    static func parseCapabilities(_ json: String) -> [CategoryStatus]? {
        guard let data = json.data(using: .utf8),
            let array = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]], !array.isEmpty
        else { return nil }
        var out: [CategoryStatus] = []
        for object in array {
            guard let category = object["category"] as? String, let support = object["support"] as? String else {
                return nil
            }
            out.append(
                CategoryStatus(
                    category: category, support: support, backend: object["backend"] as? String ?? "",
                    reason: object["reason"] as? String ?? ""))
        }
        return out
    }

    /// Which categories each observer will really deliver: the line every report must carry until
    /// the eBPF backends are in.
    func capabilityTable() -> ResultTable {
        var table = ResultTable(
            title: "Categories active in this run",
            columns: [
                ("source", .left), ("category", .left), ("support", .left), ("backend", .left), ("reason", .left),
            ])
        for c in libraryCategories {
            table.add(["library negotiate()", c.category, c.support, c.backend, c.reason])
        }
        for c in obsctlCategories {
            table.add(["obsctl capabilities --json", c.category, c.support, c.backend, c.reason])
        }
        for c in obsctlTracepointCategories where c.backend == "ebpf" {
            table.add([
                "OBS_SYSCALL_ATTACH=tracepoints obsctl capabilities --json", c.category, c.support, c.backend, c.reason,
            ])
        }
        if let obsctlProblem { table.note("obsctl: unavailable: \(obsctlProblem)") }
        if let straceProblem { table.note("strace: unavailable: \(straceProblem)") }
        let inactive = libraryCategories.filter { !$0.active }.map(\.category)
        if !inactive.isEmpty {
            table.note(
                "not active: \(inactive.joined(separator: ", ")); every observed number below covers only "
                    + "\(libraryCategories.filter(\.active).map(\.category).joined(separator: ", ")) and must be re-run once they are"
            )
        }
        return table
    }
}
