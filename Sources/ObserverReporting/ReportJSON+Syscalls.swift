import ProcessObserver

extension ReportJSON {
    /// What `obsctl report --json` prints when the recording has no syscall summary.
    static let noSyscallSummary =
        "the recording has no syscall summary: record the run with obsctl watch -c --json -o FILE"

    /// `syscalls` (since 1.4): the SYSCALLS section, every list whole (`Docs/REPORT.md`).
    static func syscalls(_ json: inout JSONText, _ report: RunReport) {
        let s = report.syscalls
        json.object { json in
            json.member("summarized", !s.isEmpty)
            json.member("note", orNull: s.isEmpty ? noSyscallSummary : nil)
            json.member("dropped", s.tree.dropped)
            let totalNs = s.tree.syscalls.reduce(UInt64(0)) { $0 + $1.totalNs }
            json.key("processes") { json in
                json.array { json in
                    for p in s.processes {
                        json.object { json in
                            json.member("pid", p.processID)
                            json.member("program", p.program)
                            json.member("offset_ns", report.offsetNs(p.timestampNs))
                            json.member("calls", p.summary.syscalls.reduce(UInt64(0)) { $0 + $1.calls })
                            json.member("errors", p.summary.syscalls.reduce(UInt64(0)) { $0 + $1.errors })
                            json.member("total_ns", p.summary.syscalls.reduce(UInt64(0)) { $0 + $1.totalNs })
                            json.member("dropped", p.summary.dropped)
                        }
                    }
                }
            }
            json.key("table") { json in
                json.array { json in
                    for c in s.tree.syscalls {
                        json.object { json in
                            json.member("name", c.name)
                            json.member("nr", c.number)
                            json.member("calls", c.calls)
                            json.member("errors", c.errors)
                            json.key("errnos") { json in
                                json.object { json in
                                    for (k, v) in c.errnos.sorted(by: { $0.key < $1.key }) { json.member(k, v) }
                                }
                            }
                            json.member("total_ns", c.totalNs)
                            json.member("min_ns", c.minNs)
                            json.member("max_ns", c.maxNs)
                            json.member("time_pct", totalNs == 0 ? 0 : Double(c.totalNs) * 100 / Double(totalNs))
                            json.key("histogram") { json in json.array { json in for n in c.histogram { json.int(n) } }
                            }
                        }
                    }
                }
            }
            json.key("slowest") { json in
                json.array { json in
                    for call in s.slowest {
                        json.object { json in
                            json.member("name", call.name)
                            json.member("max_ns", call.maxNs)
                            json.member("pid", call.processID)
                            json.member("program", call.program)
                            json.member("calls", call.calls)
                            json.member("mean_ns", call.meanNs)
                        }
                    }
                }
            }
            json.key("errnos") { json in
                json.array { json in
                    for e in s.errnos {
                        json.object { json in
                            json.member("errno", e.errno)
                            json.member("count", e.count)
                        }
                    }
                }
            }
            json.key("failures") { json in
                json.array { json in
                    for f in s.failures {
                        json.object { json in
                            json.member("syscall", f.syscall)
                            json.member("errno", f.errno)
                            json.member("count", f.count)
                            json.member("event_kinds", strings: f.eventKinds)
                            json.key("paths") { paths(&$0, f.paths) }
                        }
                    }
                }
            }
        }
    }
}
