import Foundation
import ObserverTestSupport
import ProcessObserver
import Testing

/// Byte counting in the kernel (issue 18), end to end: one run of a workload that shares and ends
/// descriptors every way (`Fixtures/io_workload.c`: dup2, a forked child writing to an inherited
/// descriptor, sendfile, close-on-exec, a SIGKILL with files open, a unix socket pair, TCP over
/// loopback, copy_file_range, splice, sendmmsg/recvmmsg, close_range, io_uring_setup) observed by `obsctl watch` and `strace -f -y` together. strace is the oracle: for
/// every (process, descriptor, file) its return values summed equal the close events' counts.
@Suite("obsctl watch: bytes per descriptor, end to end")
struct WatchIOBytesTests {
    /// The calls strace is asked to show: every I/O call byte counting counts.
    static let calls =
        "read,write,pread64,pwrite64,readv,writev,preadv,pwritev,preadv2,pwritev2,sendfile,copy_file_range,splice,"
        + "sendto,sendmsg,sendmmsg,recvfrom,recvmsg,recvmmsg"
    static let reads: Set<String> = ["read", "pread64", "readv", "preadv", "preadv2", "recvfrom", "recvmsg"]
    static let writes: Set<String> = ["write", "pwrite64", "writev", "pwritev", "pwritev2", "sendto", "sendmsg"]

    /// Bytes and calls each way of one (process, descriptor, name).
    struct Counts: Equatable, CustomStringConvertible {
        var bytesRead: UInt64 = 0
        var bytesWritten: UInt64 = 0
        var reads: UInt64 = 0
        var writes: UInt64 = 0
        var description: String { "read \(bytesRead) B/\(reads), wrote \(bytesWritten) B/\(writes)" }
    }

    /// Where counts are summed: a process, a descriptor, and the file's name (`socket` for any socket).
    struct Key: Hashable, CustomStringConvertible {
        var pid: Int
        var fd: Int
        var name: String
        var description: String { "\(pid) fd \(fd) \(name)" }
    }

    static func compile(_ dir: String) throws -> String {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/io_workload.c").path
        let binary = dir + "/io_workload"
        let cc = try NativeProcess(
            .name("cc"), arguments: ["-static", "-O2", "-o", binary, source], standardInput: .null,
            standardOutput: .capture(maxBytes: 1 << 20), standardError: .capture(maxBytes: 1 << 20)
        ).run()
        #expect(cc.status == .exited(code: 0), "cc: \(String(decoding: cc.standardError ?? [], as: UTF8.self))")
        return binary
    }

    /// strace's trace read back: each finished call's return value added to its descriptors'
    /// keys (a call split by another process's lines is joined at its `resumed` line).
    static func straceCounts(_ text: String) -> [Key: Counts] {
        var counts: [Key: Counts] = [:]
        var pending: [Int: (call: String, args: String)] = [:]
        func annotations(_ args: String) -> [(fd: Int, name: String)] {
            let regex = try! NSRegularExpression(pattern: #"(\d+)<([^>]*)>"#)
            let ns = args as NSString
            return regex.matches(in: args, range: NSRange(location: 0, length: ns.length)).map {
                let name = ns.substring(with: $0.range(at: 2))
                return (Int(ns.substring(with: $0.range(at: 1)))!, name.hasPrefix("socket:[") ? "socket" : name)
            }
        }
        func add(_ pid: Int, _ call: String, _ args: String, _ ret: Int64) {
            guard ret >= 0 else { return }
            let fds = annotations(args)
            func count(_ i: Int, write: Bool) {
                guard i < fds.count else { return }
                let key = Key(pid: pid, fd: fds[i].fd, name: fds[i].name)
                if write {
                    counts[key, default: Counts()].bytesWritten += UInt64(ret)
                    counts[key, default: Counts()].writes += 1
                } else {
                    counts[key, default: Counts()].bytesRead += UInt64(ret)
                    counts[key, default: Counts()].reads += 1
                }
            }
            if reads.contains(call) {
                count(0, write: false)
            } else if writes.contains(call) {
                count(0, write: true)
            } else if call == "sendfile" {  // sendfile(out, in, ...)
                count(1, write: false)
                count(0, write: true)
            } else if call == "copy_file_range" || call == "splice" {  // (in, off, out, ...)
                count(0, write: false)
                count(1, write: true)
            } else if call == "sendmmsg" || call == "recvmmsg" {
                // The return value is the number of messages; their bytes are each one's msg_len.
                let lengths = try! NSRegularExpression(pattern: #"msg_len=(\d+)"#)
                let ns = args as NSString
                let bytes = lengths.matches(in: args, range: NSRange(location: 0, length: ns.length)).reduce(0) {
                    $0 + Int64(ns.substring(with: $1.range(at: 1)))!
                }
                let key = Key(pid: pid, fd: fds[0].fd, name: fds[0].name)
                if call == "sendmmsg" {
                    counts[key, default: Counts()].bytesWritten += UInt64(bytes)
                    counts[key, default: Counts()].writes += 1
                } else {
                    counts[key, default: Counts()].bytesRead += UInt64(bytes)
                    counts[key, default: Counts()].reads += 1
                }
            }
        }
        let finished = try! NSRegularExpression(pattern: #"^(\d+) +(\w+)\((.*)\) += (-?\d+)"#)
        let unfinished = try! NSRegularExpression(pattern: #"^(\d+) +(\w+)\((.*) <unfinished \.\.\.>$"#)
        let resumed = try! NSRegularExpression(pattern: #"^(\d+) +<\.\.\. (\w+) resumed>(.*) += (-?\d+)"#)
        for line in text.split(separator: "\n").map(String.init) {
            let ns = line as NSString
            let range = NSRange(location: 0, length: ns.length)
            func group(_ m: NSTextCheckingResult, _ i: Int) -> String { ns.substring(with: m.range(at: i)) }
            if let m = finished.firstMatch(in: line, range: range) {
                add(Int(group(m, 1))!, group(m, 2), group(m, 3), Int64(group(m, 4))!)
            } else if let m = unfinished.firstMatch(in: line, range: range) {
                pending[Int(group(m, 1))!] = (group(m, 2), group(m, 3))
            } else if let m = resumed.firstMatch(in: line, range: range), let p = pending[Int(group(m, 1))!] {
                pending[Int(group(m, 1))!] = nil
                add(Int(group(m, 1))!, p.call, p.args + group(m, 3), Int64(group(m, 4))!)
            }
        }
        return counts
    }

    /// With `-c` (the syscall summary) as well, `start` saying where each counted call's start is
    /// kept (`OBS_SC_START`): in the raw flavour the I/O calls are then only timed at their entry
    /// (in task storage) and byte-counted at their exit as without `-c`, or, without task storage
    /// (`inflight`), their arguments are kept in `obs_inflight`.
    @Test(
        "every descriptor's bytes and calls equal strace's sums, through dup2, fork, sendfile, close-on-exec, a kill and sockets; exit io equals /proc/PID/io; the same with the syscall summary",
        .requiresEBPF, arguments: [nil, "task", "inflight"])
    func exactness(summaryStart start: String?) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("obs-io-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let binary = try Self.compile(dir)
        let work = dir + "/work"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let trace = dir + "/strace.txt"
        let events = dir + "/events.jsonl"
        let run = try ObsctlRunner.run(
            ["watch"] + (start == nil ? [] : ["-c"]) + [
                "--json", "--interval", "0", "--categories", "file,network,process", "-o", events, "--",
                "strace", "-f", "-y", "-qq", "-s", "8", "-o", trace, "-e", "trace=" + Self.calls, binary, work,
            ], environment: start.map { ["OBS_SC_START": $0] } ?? [:])
        #expect(run.exitCode == 0, "obsctl: \(run.err)")
        let recording = try String(contentsOfFile: events, encoding: .utf8)
        #expect(try ObsctlRunner.schemaErrors(Array(recording.utf8)) == "")
        let all = try ObsctlRunner.events(recording.split(separator: "\n").map(String.init))
        let root = try #require(all.first { $0["kind"] as? String == "started" }?["pid"] as? Int)
        #expect(all.filter { $0["kind"] as? String == "lost" }.isEmpty)

        // The close events of the workload's processes (strace itself, the root, is not traced).
        var counted: [Key: Counts] = [:]
        var closedBy: [Key: Set<String>] = [:]
        for e in all where e["kind"] as? String == "close" {
            guard let pid = e["pid"] as? Int, pid != root, let fd = e["fd"] as? Int else { continue }
            let isSocket = e["category"] as? String == "network"
            let name = isSocket ? "socket" : try #require(e["path"] as? String)
            let key = Key(pid: pid, fd: fd, name: name)
            func u(_ k: String) -> UInt64 { UInt64(e[k] as? Int ?? -1) }
            counted[key, default: Counts()].bytesRead += u(isSocket ? "bytes_received" : "bytes_read")
            counted[key, default: Counts()].bytesWritten += u(isSocket ? "bytes_sent" : "bytes_written")
            counted[key, default: Counts()].reads += u(isSocket ? "receives" : "reads")
            counted[key, default: Counts()].writes += u(isSocket ? "sends" : "writes")
            closedBy[key, default: []].insert(e["closed_by"] as? String ?? "?")
        }
        let expected = Self.straceCounts(try String(contentsOfFile: trace, encoding: .utf8))
        for key in Set(counted.keys).union(expected.keys).sorted(by: { $0.description < $1.description }) {
            #expect(counted[key] == expected[key], "\(key)")
        }
        #expect(counted.count == expected.count)

        // Each way of ending a descriptor was seen, on the descriptors the workload made for it.
        func ended(_ file: String, _ how: String) -> Bool {
            closedBy.contains { $0.key.name == "\(work)/\(file)" && $0.value.contains(how) }
        }
        #expect(ended("a.txt", "exec"))  // the close-on-exec descriptor, in the child that exec'd
        #expect(ended("b.txt", "exit"))  // inherited by the forked child, which exited with it
        #expect(ended("k.txt", "exit"))  // the killed child's
        #expect(ended("a.txt", "close"))
        #expect(ended("r1.txt", "close_range") && ended("r2.txt", "close_range"))
        #expect(counted.contains { $0.key.name == "\(work)/cfr.txt" && $0.value.bytesWritten == 160 })
        #expect(counted.contains { $0.key.fd == 10 && $0.key.name == "\(work)/a.txt" && $0.value.writes == 2 })
        #expect(counted.contains { $0.key.name == "\(work)/e.txt" && $0.value.bytesWritten == 5 })
        // Sockets: the two pairs' ends and the TCP client and accepted connection did I/O; the
        // listening socket did none, so it has no close event.
        let sockets = all.filter { $0["category"] as? String == "network" && $0["kind"] as? String == "close" }
            .filter { $0["pid"] as? Int != root }
        #expect(
            sockets.compactMap { $0["protocol"] as? String }.sorted() == ["tcp", "tcp", "unix", "unix", "unix", "unix"])
        let tcp = sockets.filter { $0["protocol"] as? String == "tcp" }
        #expect(
            tcp.allSatisfy {
                $0["address"] as? String == "127.0.0.1"
                    && ($0["local"] as? [String: Any])?["address"] as? String == "127.0.0.1"
            })
        #expect(tcp.compactMap { $0["bytes_sent"] as? Int }.sorted() == [4, 1050])
        #expect(sockets.allSatisfy { $0["open_ns"] is Int || $0["protocol"] as? String == "unix" })

        // The child that set up an io_uring says so on its exit, and no other process does.
        let uring = all.filter { ($0["io"] as? [String: Any])?["uses_io_uring"] as? Bool == true }
        if run.lines.contains("io_uring ok") {
            #expect(uring.count == 1)
        } else {
            #expect(run.lines.contains("io_uring off"))
            #expect(uring.isEmpty)
        }

        // The last child printed its /proc/self/io just before exiting: its exit's totals are
        // those figures plus that read (n bytes) and that write (the line and its newline).
        let line = try #require(run.lines.first { $0.hasPrefix("io ") })
        let fields = line.split(separator: " ").map(String.init)
        var proc: [String: UInt64] = [:]
        var i = 2
        while i + 1 < fields.count {
            proc[String(fields[i].dropLast())] = UInt64(fields[i + 1])
            i += 2
        }
        let n = try #require(UInt64(fields[1]))
        let m = UInt64(line.utf8.count + 1)
        let printer = try #require(
            counted.keys.first { $0.name.hasPrefix("/proc/") && $0.name.hasSuffix("/io") }?.pid)
        let exit = try #require(
            all.first { $0["kind"] as? String == "exit" && $0["pid"] as? Int == printer })
        let io = try #require(exit["io"] as? [String: Any])
        func v(_ k: String) -> UInt64? { (io[k] as? Int).map(UInt64.init) }
        #expect(v("rchar") == proc["rchar"].map { $0 + n })
        #expect(v("wchar") == proc["wchar"].map { $0 + m })
        #expect(v("syscr") == proc["syscr"].map { $0 + 1 })
        #expect(v("syscw") == proc["syscw"].map { $0 + 1 })
        #expect(v("read_bytes") == proc["read_bytes"])
        #expect(v("write_bytes") == proc["write_bytes"])
        #expect(v("cancelled_write_bytes") == proc["cancelled_write_bytes"])
        #expect(io["uses_io_uring"] as? Bool == false)
    }
}
