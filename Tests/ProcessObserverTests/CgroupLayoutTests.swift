import Testing

@testable import ProcessObserver

/// Layout detection over captured `/proc/self/cgroup` and `/proc/self/mountinfo`, then once
/// against this machine's own files.
@Suite("cgroup layout")
struct CgroupLayoutTests {
    struct Fixture: Sendable, CustomTestStringConvertible {
        var name: String
        var cgroup: String
        var mountInfo: String
        var kind: CgroupLayout.Kind
        var unified: CgroupLayout.Hierarchy?
        var v1: [String: String]
        var testDescription: String { name }
    }

    /// Captured on one of these machines (Linux 6.18, 2026-12-01): v2 without controllers at
    /// /sys/fs/cgroup/unified, v1 controllers, our memory cgroup not the root.
    static let hybrid = Fixture(
        name: "hybrid (these machines)",
        cgroup: """
            9:name=systemd:/
            8:pids:/
            7:blkio:/
            6:freezer:/
            5:devices:/
            4:memory:/process_api/be691ea5c271456c9baaf5ab1821e179
            3:cpuset:/
            2:cpuacct:/
            1:cpu:/
            0::/

            """,
        mountInfo: """
            22 27 0:21 / /proc rw,relatime - proc proc rw
            27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard,resv_strict,resuid=65534,resgid=65534
            31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
            32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
            33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
            34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
            35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
            36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
            37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
            38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
            39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
            40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
            41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw

            """,
        kind: .hybrid,
        unified: .init(mountPoint: "/sys/fs/cgroup/unified", cgroupPath: "/", directory: "/sys/fs/cgroup/unified"),
        v1: [
            "pids": "/sys/fs/cgroup/pids", "blkio": "/sys/fs/cgroup/blkio", "freezer": "/sys/fs/cgroup/freezer",
            "devices": "/sys/fs/cgroup/devices",
            "memory": "/sys/fs/cgroup/memory/process_api/be691ea5c271456c9baaf5ab1821e179",
            "cpuset": "/sys/fs/cgroup/cpuset", "cpuacct": "/sys/fs/cgroup/cpuacct", "cpu": "/sys/fs/cgroup/cpu",
            "name=systemd": "/sys/fs/cgroup/systemd",
        ])

    /// A Debian 12 desktop session under systemd (pure cgroup v2, nsdelegate).
    static let pureV2 = Fixture(
        name: "pure v2 (systemd session)",
        cgroup: "0::/user.slice/user-1000.slice/session-2.scope\n",
        mountInfo: """
            21 26 0:20 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
            26 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw,errors=remount-ro
            30 21 0:25 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
            31 21 0:26 / /sys/fs/pstore rw,nosuid,nodev,noexec,relatime shared:10 - pstore pstore rw

            """,
        kind: .unified,
        unified: .init(
            mountPoint: "/sys/fs/cgroup", cgroupPath: "/user.slice/user-1000.slice/session-2.scope",
            directory: "/sys/fs/cgroup/user.slice/user-1000.slice/session-2.scope"),
        v1: [:])

    /// A container that bind-mounts only its own sub-tree of the host's v2 hierarchy (no cgroup
    /// namespace): the mount's root is the container's cgroup, so the directory is the mount point.
    static let container = Fixture(
        name: "container with a sub-tree mount",
        cgroup: "0::/system.slice/docker-4f1c.scope\n",
        mountInfo: """
            612 600 0:26 /system.slice/docker-4f1c.scope /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup rw

            """,
        kind: .unified,
        unified: .init(
            mountPoint: "/sys/fs/cgroup", cgroupPath: "/system.slice/docker-4f1c.scope", directory: "/sys/fs/cgroup"),
        v1: [:])

    /// No cgroup file system mounted at all (a minimal chroot).
    static let none = Fixture(
        name: "nothing mounted", cgroup: "0::/\n", mountInfo: "22 27 0:21 / /proc rw,relatime - proc proc rw\n",
        kind: .none, unified: nil, v1: [:])

    @Test("layouts are found from the captured files", arguments: [hybrid, pureV2, container, none])
    func detects(_ fixture: Fixture) {
        let layout = CgroupLayout(cgroupFile: fixture.cgroup, mountInfo: fixture.mountInfo)
        #expect(layout.kind == fixture.kind)
        #expect(layout.unified == fixture.unified)
        #expect(layout.v1.mapValues(\.directory) == fixture.v1)
    }

    @Test("a cgroup outside the mounted sub-tree is not given a directory")
    func outsideTheMount() {
        let layout = CgroupLayout(
            cgroupFile: "0::/elsewhere\n",
            mountInfo: "612 600 0:26 /system.slice/x.scope /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n")
        #expect(layout.unified == nil)
        #expect(layout.kind == .none)
    }

    @Test(
        "mountinfo escapes are undone and malformed lines are skipped",
        arguments: [
            ("1 2 0:1 / /mnt/with\\040space rw - cgroup2 cgroup2 rw", "/mnt/with space"),
            ("1 2 0:1 / /mnt/tab\\011here rw shared:3 master:1 - cgroup2 none rw", "/mnt/tab\there"),
        ])
    func escapes(line: String, mountPoint: String) throws {
        let parsed = try #require(MountInfoLine(line[...]))
        #expect(parsed.mountPoint == mountPoint)
        #expect(parsed.fileSystemType == "cgroup2")
        #expect(MountInfoLine("1 2 0:1 / /x rw cgroup2 cgroup2 rw"[...]) == nil)
        #expect(MountInfoLine("garbage"[...]) == nil)
    }

    @Test("this machine: our own v2 directory exists and is the one /proc/self/cgroup names")
    func live() throws {
        let layout = CgroupLayout.current()
        let unified = try #require(layout.unified, "this machine mounts cgroup2")
        #expect(Syscall.exists(unified.directory + "/cgroup.procs"))
        let procs = ProcFS.readText(unified.directory + "/cgroup.procs") ?? ""
        #expect(procs.split(separator: "\n").contains(Substring(String(Syscall.processID()))))
    }
}
