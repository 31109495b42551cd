import Glibc

@testable import ProcessObserver

/// Facts about this process read from /proc, for leak checks.
enum ProcessCensus {
    /// Open descriptors of this process (entries of /proc/self/fd, less the one used to list it
    /// and the spawn helper's socket, which the first spawn opens and keeps).
    static func openDescriptorCount() -> Int {
        let helper = SpawnHelper.status.descriptor
        guard let dir = opendir("/proc/self/fd") else { return -1 }
        defer { closedir(dir) }
        var count = 0
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." && Int32(name) != helper { count += 1 }
        }
        return count - 1
    }

    /// Our children that are zombies (state Z in /proc/<pid>/stat with ppid == us).
    static func zombieChildren() -> [Int32] {
        allStats().filter { $0.parentProcessID == getpid() && $0.state == UInt8(ascii: "Z") }.map(\.processID)
    }

    /// Every live (not zombie) process in process group `pgid`.
    static func members(ofGroup pgid: Int32) -> [Int32] {
        allStats().filter { $0.processGroupID == pgid && $0.state != UInt8(ascii: "Z") }.map(\.processID)
    }

    /// Every process's `/proc/<pid>/stat`, through the library's own reader and parser.
    static func allStats() -> [ProcStat] { ProcFS.numericEntries("/proc").compactMap(ProcFS.stat) }

    static func readSmallFile(_ path: String) -> String? {
        ProcFS.readFile(path).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Waits (bounded) until `pid` no longer exists or is a zombie; true if it is gone.
    static func waitGone(_ pid: Int32, seconds: Int = 10) -> Bool {
        guard let pidfd = try? Spawner.pidfd(for: pid, failure: "waiting") else { return true }  // ESRCH: already gone
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
