import ProcessObserver

/// The report document's `io` member (since 1.5, present when the recording counted bytes or saw
/// DNS): files by bytes, peers by name, DNS names, the processes' I/O totals and io_uring users.
extension ReportJSON {
    static func io(_ json: inout JSONText, _ io: IOActivity) {
        json.object { json in
            json.key("files") { json in
                json.array { json in
                    for e in io.files.top(Int.max) {
                        json.object { json in
                            json.member("path", e.path)
                            json.member("bytes_read", e.bytesRead)
                            json.member("bytes_written", e.bytesWritten)
                            json.member("reads", e.reads)
                            json.member("writes", e.writes)
                            json.member("closes", e.closes)
                        }
                    }
                }
            }
            json.member("files_overflow", io.files.overflow)
            json.key("peers") { json in
                json.array { json in
                    for p in io.peers.top(Int.max) {
                        json.object { json in
                            json.member("name", p.name)
                            json.member("addresses", strings: p.addresses)
                            json.member("protocols", strings: p.protocols)
                            json.member("connections", p.connections)
                            json.member("bytes_sent", p.bytesSent)
                            json.member("bytes_received", p.bytesReceived)
                            json.member("sends", p.sends)
                            json.member("receives", p.receives)
                            json.member("timed_connections", p.timedConnections)
                            json.member("open_ns", p.openNs)
                            json.member("longest_open_ns", p.longestOpenNs)
                        }
                    }
                }
            }
            json.member("peers_overflow", io.peers.overflow)
            json.key("dns") { json in
                json.object { json in
                    json.member("lookups", io.dns.lookups)
                    json.key("failures") { json in
                        json.object { json in
                            for (k, v) in io.dns.failures.sorted(by: { $0.key < $1.key }) { json.member(k, v) }
                        }
                    }
                    json.key("names") { json in
                        json.array { json in
                            for n in io.dns.ordered {
                                json.object { json in
                                    json.member("query", n.query)
                                    json.member("qtype", n.type)
                                    json.member("lookups", n.lookups)
                                    json.member("resolved", n.resolved)
                                    json.member("answers", strings: n.answers)
                                    json.key("failures") { json in
                                        json.object { json in
                                            for (k, v) in n.failures.sorted(by: { $0.key < $1.key }) {
                                                json.member(k, v)
                                            }
                                        }
                                    }
                                    json.member("answered", n.answered)
                                    json.member("latency_ns", n.latencyNs)
                                    json.member("slowest_ns", n.slowestNs)
                                    json.member("servers", strings: n.servers)
                                }
                            }
                        }
                    }
                    json.member("names_overflow", io.dns.overflow)
                }
            }
            json.key("process_totals") { json in
                json.object { json in
                    let t = io.processTotals
                    json.member("processes", io.processesWithTotals)
                    json.member("rchar", t.readChars)
                    json.member("wchar", t.writtenChars)
                    json.member("syscr", t.readCalls)
                    json.member("syscw", t.writeCalls)
                    json.member("read_bytes", t.readBytes)
                    json.member("write_bytes", t.writeBytes)
                    json.member("cancelled_write_bytes", t.cancelledWriteBytes)
                }
            }
            json.member("io_uring_processes", strings: io.ioUringProcesses)
        }
    }
}
