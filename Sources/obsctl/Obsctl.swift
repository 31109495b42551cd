import ArgumentParser

/// `obsctl`: see what a process and its descendants do, from the command line.
@main
struct Obsctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "obsctl",
        abstract:
            "Run a command (or attach to a running process) and watch its lifecycle, file, network and process events.",
        discussion: """
            Examples:
              obsctl capabilities
              obsctl watch -- make -j2
              obsctl watch --json --categories file,process -o events.jsonl -- ./build.sh
              obsctl watch --pid 4242
              obsctl watch --cgroup /system.slice/nginx.service
              obsctl report events.jsonl
              obsctl diff --fail-on new-exec --max-ratio wall=1.2 base.jsonl new.jsonl
              obsctl export --format perfetto events.jsonl -o run.perfetto-trace
              obsctl watch --otlp -- make -j2
            """,
        version: ObsctlVersion.current,
        subcommands: [
            CapabilitiesCommand.self, WatchCommand.self, ReportCommand.self, DiffCommand.self, ExportCommand.self,
        ]
    )
}
