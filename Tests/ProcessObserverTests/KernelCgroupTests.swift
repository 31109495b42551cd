import ObserverTestSupport
import SystemPackage
import Testing

@testable import ProcessObserver

/// Kernel events carry the acting task's cgroup: its id from the BPF programs, its path resolved
/// once per id in user space.
@Suite("Kernel: the cgroup of each event", .serialized)
struct KernelCgroupTests {
    @Test("every kernel event of a contained run names the run's cgroup, as /proc/<pid>/cgroup does", .requiresEBPF)
    func eventsNameTheRunCgroup() throws {
        let process = NativeProcess(
            .name("cat"), arguments: ["/proc/self/cgroup"], standardOutput: .capture(maxBytes: 4096),
            timeout: .seconds(20))
        let events = process.withObserver(.lifecycle(.file, .process))
        let result = try process.run()
        let text = String(decoding: result.standardOutput ?? [], as: UTF8.self)
        let own = try #require(text.split(separator: "\n").first { $0.hasPrefix("0::") }).dropFirst(3)
        let kernel = events.collect().filter { $0.category != .lifecycle }
        try #require(!kernel.isEmpty)
        #expect(kernel.allSatisfy { $0.cgroupPath == String(own) }, "\(Set(kernel.map(\.cgroupPath)))")
        #expect(Set(kernel.compactMap(\.cgroupID)).count == 1)
        #expect(kernel.allSatisfy { $0.cgroupID != nil && $0.cgroupID != 1 })
    }

    @Test("an id is resolved to its path by the directory's inode, and an unknown id to nil")
    func resolver() throws {
        let layout = CgroupLayout.current()
        let own = try #require(layout.unified)
        var paths = CgroupPaths(layout: layout)
        let id = try #require(Syscall.inode(own.directory))
        #expect(paths.path(of: id) == own.cgroupPath)
        #expect(paths.path(of: 1) == "/")  // the root cgroup's id is 1
        #expect(paths.path(of: UInt64.max) == nil)
    }
}
