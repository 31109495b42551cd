import Testing

/// `--help` of obsctl and its subcommands, compared whole, as swift-argument-parser's own tests
/// do: a changed flag, default, wording or wrapping shows up here as a diff. `COLUMNS=80`
/// fixes the wrapping width whatever the terminal or CI sets.
@Suite("obsctl --help, end to end")
struct HelpEndToEndTests {
    static func help(_ arguments: [String]) throws -> String {
        let run = try ObsctlRunner.run(arguments, environment: ["COLUMNS": "80"])
        #expect(run.exitCode == 0)
        #expect(run.err.isEmpty)
        return run.out
    }

    @Test("obsctl --help is exactly the overview, examples and the subcommands")
    func root() throws {
        #expect(
            try Self.help(["--help"]) == """
                OVERVIEW: Run a command (or attach to a running process) and watch its
                lifecycle, file, network and process events.

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

                USAGE: obsctl <subcommand>

                OPTIONS:
                  --version               Show the version.
                  -h, --help              Show help information.

                SUBCOMMANDS:
                  capabilities            Show which event categories this machine can observe,
                                          and why not when it cannot.
                  watch                   Run a command (or attach to a running process or
                                          cgroup) and print its events as they happen, then a
                                          summary.
                  report                  Answer questions about a recorded run: its outcome,
                                          process tree, files, network, CPU and memory.
                  diff                    Compare recorded runs: programs, files, network,
                                          failures and resources added, removed or grown.
                  export                  Convert a recorded run into a timeline another tool
                                          opens (Perfetto), or send it to OpenTelemetry.

                  See 'obsctl help <subcommand>' for detailed help.

                """)
    }

    @Test("obsctl watch --help is exactly its overview, both usages and every option with its default")
    func watch() throws {
        #expect(
            try Self.help(["watch", "--help"]) == """
                OVERVIEW: Run a command (or attach to a running process or cgroup) and print
                its events as they happen, then a summary.

                obsctl exits with the command's exit code, or 128+N when signal N killed it;
                127 when the command is not found, 126 when it cannot be executed (Docs/CLI.md
                lists every code). The command runs in a cgroup of its own where the machine
                allows it, so nothing it starts escapes: the run lasts until its last process
                exits (or, with --end-with-root, until the command exits, the rest being
                ended). SIGINT and SIGTERM are forwarded to every process of the run; what is
                left after the grace period, or at a second signal, is killed. --timeout ends
                the whole run the same way.

                With --pid, obsctl observes a running process and its future descendants until
                the process exits (this needs the eBPF backend, which reports the exit), and
                exits with the process's exit code by the same convention. SIGINT or SIGTERM
                stops observing and leaves the process running; obsctl then exits 128+N for the
                signal N it received. It exits 1 when the process does not exist or eBPF is
                unavailable. --timeout does not apply; perf samples (--interval) do.

                With --cgroup, obsctl observes every process of an existing cgroup v2 and of
                the cgroups beneath it (a systemd service, a container), including processes
                that enter it later, until it holds no process (exit 0) or obsctl gets SIGINT
                or SIGTERM (128+N). Nothing in the cgroup is ever signalled. PATH is the
                cgroup's directory, or its path as /proc/<pid>/cgroup shows it. This needs the
                eBPF backend.

                With --json, stdout carries only JSON Lines (see Docs/EVENTS.md): the summary
                and diagnostics go to stderr, and so does the command's own standard output
                unless -o sends the events to a file.

                USAGE: obsctl watch [options] -- <command> [<argument> ...]
                       obsctl watch [options] --pid <pid>
                       obsctl watch [options] --cgroup <path>

                ARGUMENTS:
                  <command>               The command to run and its arguments, after --.

                LIMITS OF THE WHOLE RUN:
                  --memory-max <size>     Memory limit of the whole run (bytes, or with K, M,
                                          G, T: powers of 1024); past it the OOM killer ends a
                                          process of the run.
                  --pids-max <n>          Most processes and threads the run may hold at once;
                                          forks beyond fail.
                  --cpu-max <cores>       CPU limit of the whole run, in cores (0.5 is half of
                                          one core).

                RECORDING TO A DIRECTORY:
                  --record <dir>          Also write the recording (JSON Lines) as segments in
                                          this directory, made when missing; old segments are
                                          compressed and removed past --keep-size or --keep-age.
                  --segment-size <size>   Close a segment at this size (K, M, G: powers of
                                          1024). (default: 64M)
                  --keep-size <size>      Keep at most this many bytes of segments on disk,
                                          removing the oldest (at least twice --segment-size).
                                          (default: 1G)
                  --keep-age <duration>   Remove segments whose events are older than this (s,
                                          m, h or d; 90m, 7d).
                  --no-compress           Leave closed segments uncompressed (default: gzip, on
                                          a thread of its own).

                FILTERS OF FILE AND NETWORK EVENTS (IN THE KERNEL):
                  --failed-only           Only the file and network events whose call failed
                                          (returned an error; strace's -Z).
                        Lifecycle and process events are always kept; the summary (-c) still
                        counts every call.
                  --slower-than <duration>
                                          Only the file and network events whose call took
                                          longer than this (250us, 10ms, 1.5s; a bare number is
                                          seconds).
                  --kinds <list>          Only these kinds of file and network events: a comma
                                          list of open, unlink, rmdir, mkdir, rename, chdir,
                                          fchdir, link, symlink, connect, accept, bind, listen,
                                          close, dns.

                OPTIONS:
                  --json                  Print JSON (JSON Lines for watch) instead of aligned
                                          text.
                  --verbose               Show libbpf's own log (the verifier's included) on
                                          stderr.
                  --categories <list>     Categories to observe: a comma list of lifecycle,
                                          file, network, process, or all.
                        Default: every category this machine supports.
                  --strict                Fail when a category named in --categories is
                                          unavailable (default: warn).
                  --interval <seconds>    Seconds between perf samples; 0 turns sampling off.
                                          (default: 1.0)
                  --top <n>               Processes listed per sample, busiest first. (default:
                                          10)
                  --timeout <seconds>     End the whole run (every process of it) after this
                                          many seconds.
                  -o, --output <file>     Write the events to this file.
                  --no-summary            Do not print the summary at the end.
                  -c, --syscall-summary   Count every syscall of the tree in the kernel and
                                          print strace -c's table at the end.
                        Calls, errors and time per syscall for the whole tree, by time spent;
                        the JSON stream gets one syscalls event per process. Needs the eBPF
                        backend; observes the process category.
                  --per-process           With -c, one table per process instead of one for the
                                          whole tree.
                  --no-resolve-paths      Report paths only as passed: no absolute paths
                                          resolved in the kernel (the cheapest run).
                  --no-io-bytes           Do not count bytes per file and socket in the kernel:
                                          no close events (the cheapest run).
                  --otlp                  Also send the run to an OpenTelemetry collector
                                          (OTLP/HTTP; see Docs/OTLP.md).
                        The endpoint is --otlp-endpoint, else OTEL_EXPORTER_OTLP_ENDPOINT, else
                        http://localhost:4318.
                  --otlp-endpoint <url>   The collector's OTLP/HTTP endpoint (implies --otlp).
                  --report                Print the report of the run at the end instead of the
                                          summary (what obsctl report prints).
                        With --json on standard output, it goes to standard error.
                  --end-with-root         End the run when the command exits: what it left
                                          running is ended (SIGTERM, then SIGKILL).
                        Default: the run lasts until every process of the command's tree has
                        exited.
                  --pid <pid>             Attach to this running process instead of starting a
                                          command; observe it and its future descendants until
                                          it exits.
                  --cgroup <path>         Observe every process of this existing cgroup v2 and
                                          the cgroups beneath it (a service, a container) until
                                          it is empty; nothing in it is signalled.
                  --version               Show the version.
                  -h, --help              Show help information.


                """)
    }

    @Test("obsctl capabilities --help is exactly its overview and its two options")
    func capabilities() throws {
        #expect(
            try Self.help(["capabilities", "--help"]) == """
                OVERVIEW: Show which event categories this machine can observe, and why not
                when it cannot.

                One line per category (lifecycle, file, network, process) plus one for perf
                sampling and one for run containment (a cgroup per run). With --json: one JSON
                array of objects with the keys category, support, backend, reason, missing and
                remedy.

                USAGE: obsctl capabilities [--json] [--verbose]

                OPTIONS:
                  --json                  Print JSON (JSON Lines for watch) instead of aligned
                                          text.
                  --verbose               Show libbpf's own log (the verifier's included) on
                                          stderr.
                  --version               Show the version.
                  -h, --help              Show help information.


                """)
    }

    @Test("obsctl help watch prints the same text as obsctl watch --help")
    func helpSubcommand() throws {
        #expect(try Self.help(["help", "watch"]) == Self.help(["watch", "--help"]))
    }

    @Test("obsctl report --help is exactly its overview, usage, argument and options")
    func report() throws {
        #expect(
            try Self.help(["report", "--help"]) == """
                OVERVIEW: Answer questions about a recorded run: its outcome, process tree,
                files, network, CPU and memory.

                The recording is what obsctl watch --json -o FILE writes (- reads standard
                input), or the directory obsctl watch --record DIR writes its segments to
                (Docs/RECORDING.md). --since and --until keep the events of a window of time;
                the report then says which range it covers, and so it does when retention
                removed old segments. The report has five sections, in this order: the run
                (command, exit status, wall time, CPU, peak memory, lost events), the process
                tree (siblings running the same program folded, failures marked), files,
                network, and CPU and memory over time; Docs/REPORT.md says what each counts.
                --html writes the same as one self-contained page with a timeline of the
                process tree, CPU and RSS charts and sortable tables. A recording cut short is
                reported up to its last complete line, with a note. obsctl exits 0 with a
                report, 66 when the recording cannot be read, 65 when it is not a recording.

                USAGE: obsctl report [--json | --html] [-o <file>] [--since/--until <time>] <recording>

                ARGUMENTS:
                  <recording>             The recording to report on: a file, a directory of
                                          segments, or - for standard input.

                OPTIONS:
                  --json                  Print the report as one JSON document
                                          (Docs/report.schema.json).
                  --html                  Write the report as one self-contained HTML page
                                          (timeline, charts, tables; no network fetches).
                  -o, --output <file>     Write the report to this file instead of standard
                                          output.
                  --since <time>          Only events at or after this time (RFC 3339:
                                          2026-12-07T19:44:00Z, or with an offset such as
                                          +02:00).
                  --until <time>          Only events at or before this time (RFC 3339).
                  --version               Show the version.
                  -h, --help              Show help information.


                """)
    }

    @Test("obsctl diff --help is exactly its overview, exit codes, both usages, argument and options")
    func diff() throws {
        #expect(
            try Self.help(["diff", "--help"]) == """
                OVERVIEW: Compare recorded runs: programs, files, network, failures and
                resources added, removed or grown.

                The recordings are what obsctl watch --json -o FILE writes. The diff has six
                sections, in this order: programs executed, files (written, created, deleted,
                renamed; read with --reads), network (peers connected to, ports listened on),
                failures (by kind, errno and path), resources (base, new and their ratio) and
                completeness. Names made afresh by every run (temporary files, pids, the run's
                cgroup) are compared as patterns (Docs/DIFF.md). With several bases, a name is
                in the base when any base has it, and a figure's base is their median.

                obsctl exits 0 when no gate is violated (or none was asked for), 1 when one is
                (each is listed), 2 when a gate was asked for and the comparison cannot be
                trusted (a side lost events, was cut short, or was observed with other
                categories or filters; --allow-incomplete gates it anyway), 64 for a usage
                error, 66 when a recording cannot be read and 65 when it is not a recording.

                USAGE: obsctl diff [options] <base> <new>
                       obsctl diff [options] --base <base> --base <base> ... <new>

                ARGUMENTS:
                  <recording>             The base recording, then the new one (with --base,
                                          only the new one).

                OPTIONS:
                  --base <file>           A base recording; repeat it for a baseline of several
                                          runs.
                  --json                  Print the diff as one JSON document
                                          (Docs/diff.schema.json).
                  --markdown              Print the diff as Markdown, for a pull-request
                                          comment.
                  --reads                 Also compare the files opened for reading only.
                  --ignore <glob>         Leave out names matching this glob (* matches / too);
                                          repeatable.
                  --fail-on <list>        Exit 1 when the new run adds a name of these kinds: a
                                          comma list of new-exec, new-write, new-delete,
                                          new-peer, new-listen, new-failure, or all.
                  --max-ratio <list>      Exit 1 when a figure grows past this ratio of the
                                          base's: a comma list of MEASURE=RATIO (wall, cpu,
                                          tree-cpu, peak-rss, processes, events).
                  --allow-incomplete      Gate even when the comparison cannot be trusted
                                          (instead of exiting 2).
                  --version               Show the version.
                  -h, --help              Show help information.


                """)
    }

    @Test("obsctl export --help is exactly its overview, usage, argument and options")
    func export() throws {
        #expect(
            try Self.help(["export", "--help"]) == """
                OVERVIEW: Convert a recorded run into a timeline another tool opens (Perfetto),
                or send it to OpenTelemetry.

                perfetto writes Perfetto's native protobuf trace (open it in ui.perfetto.dev):
                one track per process, nested under its parent's, with a slice for each program
                it ran, instants for its file and network events and its forks (with a flow to
                the child), CPU and RSS counters from the samples, and the process tree. The
                recording is read twice, so it must be a file. Exit codes as for obsctl report.

                otlp posts the run to an OpenTelemetry collector over OTLP/HTTP (protobuf,
                gzip): a trace with a span per process, log records for the events, metrics
                from the samples (Docs/OTLP.md). <url> defaults to OTEL_EXPORTER_OTLP_ENDPOINT,
                then http://localhost:4318; the other OTEL_EXPORTER_OTLP_* variables are
                honoured. It exits 1 when anything was dropped or rejected, after saying what.

                The recording may be a directory of segments (obsctl watch --record DIR);
                --since and --until (RFC 3339 times) export only the events of that window.

                USAGE: obsctl export --format perfetto [--since/--until <time>] <recording> -o <file>
                              obsctl export --format otlp [--since/--until <time>] <recording> [<url>]

                ARGUMENTS:
                  <recording>             The recording to export (a file written by obsctl
                                          watch --json -o, or a --record directory).
                  <url>                   otlp: the collector's OTLP/HTTP endpoint.

                OPTIONS:
                  --format <format>       The format to write. (values: perfetto, otlp)
                  -o, --output <file>     The file to write the trace to (perfetto).
                  --since <time>          Only events at or after this time (RFC 3339:
                                          2026-12-07T19:44:00Z, or with an offset such as
                                          +02:00).
                  --until <time>          Only events at or before this time (RFC 3339).
                  --version               Show the version.
                  -h, --help              Show help information.


                """)
    }
}
