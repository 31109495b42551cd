import ProcessObserver

/// The report as one JSON document, for CI tools: the same answers as the terminal report, with
/// every figure exact and every list whole (paths up to `PathCounts.capacity` per table).
/// `Docs/REPORT.md` describes it and `Docs/report.schema.json` is its schema.
public enum ReportJSON {
    /// This document's format version (`report_version`), with the rules of the recording schema:
    /// a minor version adds, a major version changes.
    public static let version = "1.5"

    public static func document(_ report: RunReport) -> String {
        var json = JSONText()
        json.object { json in
            json.member("report_version", version)
            json.key("recording") { recording(&$0, report) }
            json.key("run") { run(&$0, report) }
            json.key("processes") { json in
                json.array { json in for p in report.processes { process(&json, p, report) } }
            }
            json.key("tree") { json in json.array { json in for g in report.foldedTree { group(&json, g, report) } } }
            json.key("files") { files(&$0, report.files) }
            json.key("network") { network(&$0, report.network) }
            json.key("samples") { samples(&$0, report) }
            json.key("syscalls") { syscalls(&$0, report) }
            if report.io.counted { json.key("io") { io(&$0, report.io) } }
        }
        return json.text + "\n"
    }

    private static func recording(_ json: inout JSONText, _ report: RunReport) {
        json.object { json in
            let h = report.header
            json.member("schema_version", orNull: h?.schema.description)
            json.member("writer", orNull: h.map { "\($0.writer) \($0.writerVersion)" })
            json.member("host", orNull: h?.hostName)
            json.member("kernel_release", orNull: h?.kernelRelease)
            json.member("boot_id", orNull: h?.bootID)
            json.member("start_time", orNull: h.map { RFC3339.format(epochNanoseconds: $0.clockBase.wallNs) })
            json.member("lines", report.coverage.lines)
            json.member("events", report.coverage.events)
            json.member("truncated", report.coverage.isTruncated)
            json.member("incomplete_tail_bytes", report.coverage.incompleteTailBytes)
            json.member("note", orNull: report.coverage.truncationNote(from: h?.clockBase.monotonicNs))
            json.key("skipped_kinds") { json in
                json.object { json in
                    for (k, v) in report.coverage.skippedKinds.sorted(by: { $0.key < $1.key }) { json.member(k, v) }
                }
            }
            // A segmented recording, or a window: what the events read cover.
            if report.coverage.segments != nil || report.coverage.window != nil {
                coverage(&json, report.coverage, clock: h?.clockBase)
            }
        }
    }

    /// `partial`, `coverage_note`, `segments` and `window`: what the events read cover.
    private static func coverage(_ json: inout JSONText, _ coverage: RecordingCoverage, clock: ClockBase?) {
        func time(_ ns: UInt64?) -> String? {
            guard let ns, let clock else { return nil }
            return RFC3339.format(epochNanoseconds: clock.wallClock(forMonotonic: ns))
        }
        json.member("partial", coverage.isPartial)
        json.member("coverage_note", orNull: coverage.partialNote(clock: clock))
        json.member("covered_from", orNull: time(coverage.firstTimestampNs))
        json.member("covered_to", orNull: time(coverage.lastTimestampNs))
        if let window = coverage.window {
            json.key("window") { json in
                json.object { json in
                    json.member("since", orNull: window.since.map { RFC3339.format(epochNanoseconds: $0) })
                    json.member("until", orNull: window.until.map { RFC3339.format(epochNanoseconds: $0) })
                    json.member("events_before", coverage.beforeWindow)
                    json.member("events_after", coverage.afterWindow)
                }
            }
        }
        guard let segments = coverage.segments else { return }
        json.key("segments") { json in
            json.object { json in
                json.key("read") { json in json.array { json in for s in segments.sequences { json.int(s) } } }
                json.key("missing") { json in json.array { json in for s in segments.missing { json.int(s) } } }
                json.key("removed") { json in
                    guard let r = segments.removed, r.segments > 0 else { return json.null() }
                    json.object { json in
                        json.member("segments", r.segments)
                        json.member("first_sequence", r.firstSequence)
                        json.member("last_sequence", r.lastSequence)
                        json.member("bytes", r.bytes)
                        json.member("from", orNull: time(r.fromNs))
                        json.member("to", orNull: time(r.toNs))
                        json.member("events", r.eventCount)
                        json.key("events_by_category") { json in
                            json.object { json in
                                for c in EventCategory.allCases { json.member(c.rawValue, r.events[c] ?? 0) }
                            }
                        }
                    }
                }
            }
        }
    }

    private static func status(_ json: inout JSONText, _ status: ExitStatus?) {
        guard let status else { return json.null() }
        json.object { json in
            json.member("exit_code", status.code)
            json.member("signal", orNull: status.signal)
            json.member("core_dumped", status.coreDumped)
        }
    }

    private static func run(_ json: inout JSONText, _ report: RunReport) {
        json.object { json in
            let p = report.profile
            json.member("command", strings: report.command)
            json.member("cwd", orNull: report.workingDirectory)
            json.key("exit") { status(&$0, report.status) }
            json.member("wall_ns", report.wallNs)
            json.member("root_wall_ns", orNull: p?.wallNanoseconds)
            json.member("user_cpu_ns", orNull: p?.userCPUNanoseconds)
            json.member("system_cpu_ns", orNull: p?.systemCPUNanoseconds)
            json.member("tree_user_cpu_ns", orNull: p?.tree?.userCPUNanoseconds)
            json.member("tree_system_cpu_ns", orNull: p?.tree?.systemCPUNanoseconds)
            json.member("peak_rss_bytes", orNull: p?.peakRSSBytes)
            json.member("tree_peak_memory_bytes", orNull: p?.tree?.peakMemoryBytes)
            json.member(
                "sampled_peak_rss_bytes", orNull: report.samples.sampleCount > 0 ? report.samples.peakRSSBytes : nil)
            json.member("timed_out", p?.timedOut ?? false)
            json.member("oom_killed", p?.killedByOOM ?? false)
            json.key("lost") { json in
                json.object { json in
                    json.member("kernel", p?.lostKernel ?? report.lostKernel)
                    json.member("subscriber", p?.lostSubscriber ?? report.lostSubscriber)
                    let exporter = p?.lostExporter ?? report.lostExporter
                    if exporter > 0 { json.member("exporter", exporter) }
                    let writer = p?.lostWriter ?? report.lostWriter
                    if writer > 0 { json.member("writer", writer) }
                }
            }
            json.member("processes", report.processes.count)
            json.member("failed_processes", report.failedProcesses)
            json.key("events_by_kind") { json in
                json.object { json in
                    for (k, v) in report.eventCounts.sorted(by: { $0.key < $1.key }) { json.member(k, v) }
                }
            }
            json.member("not_observed", strings: report.missingCapabilities)
            json.key("limits") { json in
                json.array { json in
                    for limit in report.limits {
                        json.object { json in
                            json.member("resource", limit.resource.rawValue)
                            json.member("count", limit.count)
                            json.member("limit", limit.limit)
                        }
                    }
                }
            }
        }
    }

    private static func process(_ json: inout JSONText, _ p: ReportedProcess, _ report: RunReport) {
        json.object { json in
            json.member("pid", p.processID)
            json.member("ppid", orNull: p.parentProcessID)
            json.member("start_offset_ns", report.offsetNs(p.startNs))
            json.member("start_seen", p.startSeen)
            json.member("exit_offset_ns", orNull: p.exitNs.map(report.offsetNs))
            json.member("wall_ns", report.wallNs(of: p))
            json.key("exit") { status(&$0, p.status) }
            json.member("failed", p.failed)
            json.member("oom_killed", p.killedByOOM)
            json.member("executable", p.executable)
            json.member("argv", strings: p.argv)
            json.key("execs") { json in
                json.array { json in
                    for e in p.execs {
                        json.object { json in
                            json.member("offset_ns", report.offsetNs(e.timestampNs))
                            json.member("path", e.path)
                            json.member("argv", strings: e.argv)
                            json.member("errno", orNull: e.errno)
                        }
                    }
                }
            }
            json.member("sampled_cpu_ns", orNull: p.sampledCPUNs)
            json.member("peak_rss_bytes", orNull: p.peakRSSBytes)
            json.member("exit_peak_rss_bytes", orNull: p.exitPeakRSSBytes)
            json.member("exit_image_peak_rss_bytes", orNull: p.exitImagePeakRSSBytes)
            json.member("exit_peak_rss_includes_pre_exec", orNull: p.exitPeakRSSIncludesPreExec)
            json.key("children") { json in
                json.array { json in for c in p.children { json.int(report.processes[c].processID) } }
            }
        }
    }

    private static func group(_ json: inout JSONText, _ g: ProcessGroup, _ report: RunReport) {
        json.object { json in
            let members = g.members.map { report.processes[$0] }
            json.member("name", g.name)
            json.member("count", members.count)
            json.key("pids") { json in json.array { json in for m in members { json.int(m.processID) } } }
            json.member("failed", members.filter(\.failed).count)
            json.member("wall_ns", members.reduce(0) { $0 + report.wallNs(of: $1) })
            let cpus = members.compactMap(\.sampledCPUNs)
            json.member("sampled_cpu_ns", orNull: cpus.isEmpty ? nil : cpus.reduce(0, +))
            json.key("children") { json in json.array { json in for c in g.children { group(&json, c, report) } } }
        }
    }

    static func paths(_ json: inout JSONText, _ counts: PathCounts) {
        json.object { json in
            json.member("total", counts.total)
            json.member("distinct", counts.distinct)
            json.member("overflow", counts.overflow)
            json.key("paths") { json in
                json.array { json in
                    for (path, count) in counts.top(Int.max) {
                        json.object { json in
                            json.member("path", path)
                            json.member("count", count)
                        }
                    }
                }
            }
        }
    }

    private static func files(_ json: inout JSONText, _ f: FileActivity) {
        json.object { json in
            json.key("read") { paths(&$0, f.read) }
            json.key("written") { paths(&$0, f.written) }
            json.key("created") { paths(&$0, f.created) }
            json.key("mkdir") { paths(&$0, f.directoriesCreated) }
            json.key("renamed") { paths(&$0, f.renamed) }
            json.key("deleted") { paths(&$0, f.deleted) }
            json.member("failed_total", f.failedTotal)
            json.key("failed") { json in
                json.array { json in
                    for (errno, counts) in f.failures.sorted(by: {
                        $0.value.total != $1.value.total ? $0.value.total > $1.value.total : $0.key < $1.key
                    }) {
                        json.object { json in
                            json.member("errno", errno)
                            json.key("paths") { paths(&$0, counts) }
                        }
                    }
                }
            }
        }
    }

    private static func network(_ json: inout JSONText, _ n: NetworkActivity) {
        func table(_ json: inout JSONText, _ key: String, _ name: String, _ entries: [String: Int]) {
            json.key(key) { json in
                json.array { json in
                    for (k, v) in entries.sorted(by: { $0.key < $1.key }) {
                        json.object { json in
                            json.member(name, k)
                            json.member("count", v)
                        }
                    }
                }
            }
        }
        json.object { json in
            json.key("connect") { json in
                json.array { json in
                    for (peer, s) in n.peers.sorted(by: { $0.key < $1.key }) {
                        json.object { json in
                            json.member("peer", peer)
                            json.member("attempts", s.attempts)
                            json.member("connected", s.connected)
                            json.member("in_progress", s.inProgress)
                            json.key("failures") { json in
                                json.object { json in
                                    for (k, v) in s.failures.sorted(by: { $0.key < $1.key }) { json.member(k, v) }
                                }
                            }
                        }
                    }
                }
            }
            table(&json, "listening", "address", n.listening)
            table(&json, "bound", "address", n.bound)
            table(&json, "accepted", "address", n.accepted)
            table(&json, "failures", "what", n.otherFailures)
        }
    }

    private static func samples(_ json: inout JSONText, _ report: RunReport) {
        let s = report.samples
        func usage(_ json: inout JSONText, _ list: [ResourceSeries.ProcessUsage]) {
            json.array { json in
                for u in list {
                    json.object { json in
                        json.member("pid", u.processID)
                        json.member("name", u.name)
                        json.member("cpu_ns", u.cpuNs)
                        json.member("peak_rss_bytes", u.peakRSSBytes)
                    }
                }
            }
        }
        json.object { json in
            json.member("count", s.sampleCount)
            json.key("series") { json in
                json.array { json in
                    for p in s.points {
                        json.object { json in
                            json.member("offset_ns", report.offsetNs(p.timestampNs))
                            json.member("cpu_pct", p.cpuPercent)
                            json.member("rss_bytes", p.rssBytes)
                            json.member("process_count", p.processCount)
                        }
                    }
                }
            }
            json.member("cgroup_peak_cpu_pct", orNull: s.cgroupPeakCPUPercent)
            json.member("cgroup_peak_memory_bytes", orNull: s.cgroupPeakMemoryBytes)
            json.key("top_cpu") { usage(&$0, s.top(10)) }
            json.key("top_memory") { usage(&$0, s.top(10, byMemory: true)) }
        }
    }
}
