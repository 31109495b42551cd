import Glibc

@testable import ProcessObserver

/// Facts about this process read from /proc, for leak checks.
enum ProcessCensus {
    /// Open descriptors of this process (entries of /proc/self/fd, less the one used to list it).
    static func openDescriptorCount() -> Int {
        guard let dir = opendir("/proc/self/fd") else { return -1 }
        defer { closedir(dir) }
        var count = 0
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { count += 1 }
        }
        return count - 1
    }

    /// Our children that are zombies (state Z in /proc/<pid>/stat with ppid == us).
    static func zombieChildren() -> [Int32] {
        children(ofPID: getpid()).filter { $0.state == "Z" }.map(\.pid)
    }

    /// Every process whose parent is `ppid`, with its state letter.
    static func children(ofPID ppid: Int32) -> [(pid: Int32, state: Character)] {
        allStats().filter { $0.ppid == ppid }.map { ($0.pid, $0.state) }
    }

    /// Every process in process group `pgid`.
    static func members(ofGroup pgid: Int32) -> [Int32] {
        allStats().filter { $0.pgrp == pgid && $0.state != "Z" }.map(\.pid)
    }

    struct Stat { var pid: Int32; var state: Character; var ppid: Int32; var pgrp: Int32 }

    static func allStats() -> [Stat] {
        guard let dir = opendir("/proc") else { return [] }
        defer { closedir(dir) }
        var out: [Stat] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard let pid = Int32(name), let text = readSmallFile("/proc/\(pid)/stat"),
                let close = text.lastIndex(of: ")")
            else { continue }
            let fields = text[text.index(after: close)...].split(separator: " ")
            guard fields.count > 3, let state = fields[0].first, let ppid = Int32(fields[1]),
                let pgrp = Int32(fields[2])
            else { continue }
            out.append(Stat(pid: pid, state: state, ppid: ppid, pgrp: pgrp))
        }
        return out
    }

    static func readSmallFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = read(fd, &buffer, buffer.count)
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n], as: UTF8.self)
    }

    /// Waits (bounded) until `pid` no longer exists or is a zombie; true if it is gone.
    static func waitGone(_ pid: Int32, seconds: Int = 10) -> Bool {
        guard let pidfd = try? Spawner.pidfd(for: pid) else { return true }  // ESRCH: already gone
        let fd = pidfd.rawValue
        defer { close(fd) }
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, Int32(seconds * 1000)) == 1
    }
}

/// A unique temporary directory for one test, removed by the caller.
func makeTemporaryDirectory() -> String {
    var template = Array("/tmp/obs-test-XXXXXX".utf8CString)
    return template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
}
