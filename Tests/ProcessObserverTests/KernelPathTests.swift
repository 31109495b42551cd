import ObserverTestSupport
import SystemPackage
import Testing

@testable import ProcessObserver

#if canImport(Glibc)
    import Glibc
#endif

extension KernelSuite {
    /// Absolute paths resolved in the kernel, scenario by scenario (`PathScenarios`): every file
    /// event of the scenario, exactly, with its path as passed, its absolute path, the source and
    /// the flags. `$D` stands for the scenario's directory.
    @Suite("Kernel: absolute paths")
    struct PathEvents {
        /// Runs `paths SCENARIO DIR` observed, and returns its events as lines, and the directory.
        static func run(_ scenario: String, prepare: (String) -> Void = { _ in }) throws -> (
            lines: [String], events: [ObserverEvent], dir: String
        ) {
            let work = makeTemporaryDirectory("paths-bin")
            defer { removeTree(work) }
            let exe = try compileC(PathScenarios.source, name: "paths", in: work, flags: ["-static", "-pthread"])
            let dir = makeTemporaryDirectory("paths")
            prepare(dir)
            let (events, result) = try observe(
                .path(FilePath(exe)), [scenario, dir], categories: [.file, .network, .process])
            #expect(result.status == .exited(code: 0), "the \(scenario) scenario failed a setup step")
            let lines = events.filter { $0.processID == result.processID || $0.parentProcessID == result.processID }
                .filter { $0.execPayload?.path.value.string != exe }  // the scenario's own start
                .compactMap { line($0, dir: dir) }
            return (lines, events, dir)
        }

        static func create(_ path: String, _ text: String, mode: mode_t = 0o644) {
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
            precondition(fd >= 0, "cannot create \(path)")
            _ = Array(text.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
        }

        static func line(_ e: ObserverEvent, dir: String) -> String? {
            func passed(_ c: CapturedString) -> String { c.unreadable ? "<unreadable>" : c.value.string }
            func abs(_ r: ResolvedPath?) -> String {
                guard let r else { return "-" }
                var text = (r.unwalkable ? "<unwalkable>" : r.value.string) + " " + r.source.rawValue
                if r.truncated { text += " truncated" }
                if r.deleted { text += " deleted" }
                if r.outsideRoot { text += " outside-root" }
                return text
            }
            func outcome(_ r: SyscallResult) -> String { r.errnoName ?? "ok" }
            let text: String
            switch e.kind {
            case .open(let o): text = "open \(passed(o.path)) -> \(abs(o.absolutePath)) \(outcome(o.result))"
            case .unlink(let o): text = "unlink \(passed(o.path)) -> \(abs(o.absolutePath)) \(outcome(o.result))"
            case .rmdir(let o): text = "rmdir \(passed(o.path)) -> \(abs(o.absolutePath)) \(outcome(o.result))"
            case .mkdir(let o): text = "mkdir \(passed(o.path)) -> \(abs(o.absolutePath)) \(outcome(o.result))"
            case .rename(let r):
                text =
                    "rename \(passed(r.path)) -> \(abs(r.absolutePath)), \(passed(r.newPath)) -> "
                    + "\(abs(r.newAbsolutePath)) \(outcome(r.result))"
            case .chdir(let c):
                text = "chdir \(c.path.map(passed) ?? "") -> \(abs(c.absolutePath)) \(outcome(c.result))"
            case .fchdir(let c): text = "fchdir \(c.fd ?? -1) -> \(abs(c.absolutePath)) \(outcome(c.result))"
            case .link(let l):
                text =
                    "link \(passed(l.path)) -> \(abs(l.absolutePath)), \(passed(l.newPath)) -> "
                    + "\(abs(l.newAbsolutePath)) \(outcome(l.result))"
            case .symlink(let l):
                text = "symlink \(passed(l.path)) -> \(abs(l.absolutePath)) [\(passed(l.target))] \(outcome(l.result))"
            case .bind(let s), .connect(let s), .accept(let s):
                let address: String
                switch s.address {
                case .unix(let path, _): address = passed(path)
                case .notRequested: address = "(none asked)"
                default: address = s.address.familyName
                }
                text = "\(e.kind.name) \(address) -> \(abs(s.absolutePath)) \(outcome(s.result))"
            case .exec(let x):
                text =
                    "exec \(passed(x.path)) -> \(abs(x.absolutePath)) cwd \(x.workingDirectory?.value.string ?? "-") "
                    + "\(outcome(x.result))"
            default:
                return nil
            }
            return text.replacingOccurrences(of: dir, with: "$D")
        }

        @Test(
            "chdir and fchdir, then relative opens: the file's path on success, the cwd joined on failure, .. applied only where safe",
            .requiresEBPF)
        func workingDirectory() throws {
            let (lines, _, dir) = try Self.run("cwd")
            defer { removeTree(dir) }
            #expect(
                lines == [
                    "mkdir $D/a -> $D/a as_passed ok",
                    "mkdir $D/b -> $D/b as_passed ok",
                    "chdir $D/a -> $D/a file ok",
                    "open f -> $D/a/f file ok",
                    "open missing -> $D/a/missing cwd ENOENT",
                    "open $D/b -> $D/b file ok",
                    "fchdir 3 -> $D/b file ok",
                    "open g -> $D/b/g file ok",
                    "open ../a/f -> $D/a/f file ok",
                    "open ../a/nope -> $D/a/nope cwd ENOENT",
                    "open ./x/../y -> $D/b/x/../y cwd ENOENT",
                    "mkdir sub -> $D/b/sub cwd ok",
                    "unlink g -> $D/b/g cwd ok",
                    "chdir does-not-exist -> $D/b/does-not-exist cwd ENOENT",
                ])
        }

        @Test(
            "a dirfd whose directory was renamed: its new name, for the opened file and the joins; rename between two dirfds",
            .requiresEBPF)
        func renamedDirectoryFD() throws {
            let (lines, _, dir) = try Self.run("dirfd")
            defer { removeTree(dir) }
            #expect(
                lines == [
                    "mkdir $D/a -> $D/a as_passed ok",
                    "mkdir $D/b -> $D/b as_passed ok",
                    "open $D/a -> $D/a file ok",
                    "open $D/b -> $D/b file ok",
                    "rename $D/a -> $D/a as_passed, $D/renamed -> $D/renamed as_passed ok",
                    "open f -> $D/renamed/f file ok",
                    "open nope -> $D/renamed/nope dirfd ENOENT",
                    "mkdir sub -> $D/renamed/sub dirfd ok",
                    "rename f -> $D/renamed/f dirfd, f2 -> $D/b/f2 dirfd ok",
                    "unlink f2 -> $D/b/f2 dirfd ok",
                    "rmdir sub -> $D/renamed/sub dirfd ok",
                ])
        }

        @Test("a symlinked working directory resolves to its target", .requiresEBPF)
        func symlinkedWorkingDirectory() throws {
            let (lines, _, dir) = try Self.run("symlinked-cwd")
            defer { removeTree(dir) }
            #expect(
                lines == [
                    "mkdir $D/real -> $D/real as_passed ok",
                    "symlink $D/link -> $D/link as_passed [$D/real] ok",
                    "chdir $D/link -> $D/real file ok",
                    "open f -> $D/real/f file ok",
                    "open nope -> $D/real/nope cwd ENOENT",
                ])
        }

        @Test("deleted: a removed dirfd directory, a removed working directory, an unlinked open file", .requiresEBPF)
        func deleted() throws {
            let (lines, _, dir) = try Self.run("deleted")
            defer { removeTree(dir) }
            #expect(
                lines == [
                    "mkdir $D/gone -> $D/gone as_passed ok",
                    "open $D/gone -> $D/gone file ok",
                    "rmdir $D/gone -> $D/gone as_passed ok",
                    "open x -> $D/gone/x dirfd deleted ENOENT",
                    "mkdir $D/gone2 -> $D/gone2 as_passed ok",
                    "chdir $D/gone2 -> $D/gone2 file ok",
                    "rmdir $D/gone2 -> $D/gone2 as_passed ok",
                    "open y -> $D/gone2/y cwd deleted ENOENT",
                    "open $D/file -> $D/file file ok",
                    "unlink $D/file -> $D/file as_passed ok",
                    "open /proc/self/fd/4 -> $D/file file deleted ok",
                ])
        }

        @Test(
            "deeper than 4096 bytes: the walk keeps the path's end, flagged truncated, never a made-up absolute path",
            .requiresEBPF)
        func truncated() throws {
            let (_, events, dir) = try Self.run("deep")
            defer { removeTree(dir) }
            let name = String(repeating: "d", count: 200)
            let chdirs = events.compactMap { e -> ChangeDirectory? in
                if case .chdir(let c) = e.kind { c } else { nil }
            }
            #expect(chdirs.count == 25)
            for (depth, change) in chdirs.enumerated() {
                let real = ([dir] + Array(repeating: name, count: depth)).joined(separator: "/")
                let resolved = try #require(change.absolutePath)
                #expect(resolved.source == .file)
                if real.utf8.count <= 4095 {
                    #expect(resolved.value.string == real && !resolved.truncated, "depth \(depth)")
                } else {
                    #expect(resolved.truncated, "depth \(depth)")
                    #expect(!resolved.value.string.hasPrefix("/") && real.hasSuffix("/" + resolved.value.string))
                    #expect(resolved.value.bytes.count <= 4095 && resolved.value.bytes.count > 4095 - 202)
                }
            }
            let full = ([dir] + Array(repeating: name, count: 24)).joined(separator: "/")
            let opens = events.compactMap(\.openPayload).filter { !$0.path.value.string.hasPrefix("/") }
            #expect(opens.map(\.path.value.string) == ["leaf", "nope"])
            let leaf = try #require(opens.first?.absolutePath)
            #expect(leaf.truncated && leaf.source == .file && (full + "/leaf").hasSuffix("/" + leaf.value.string))
            let nope = try #require(opens.last?.absolutePath)
            #expect(nope.truncated && nope.source == .workingDirectory && nope.value.string.hasSuffix(name + "/nope"))
            #expect(!nope.value.string.hasPrefix("/"))
        }

        @Test(
            "a chroot: paths as the process sees them; a dirfd from before the chroot is outside its root",
            .requiresEBPF)
        func chroot() throws {
            let (lines, _, dir) = try Self.run("chroot")
            defer { removeTree(dir) }
            #expect(
                lines == [
                    "mkdir $D/root -> $D/root as_passed ok",
                    "mkdir $D/root/etc -> $D/root/etc as_passed ok",
                    "open $D/root/etc/name -> $D/root/etc/name file ok",
                    "open $D -> $D file ok",
                    "chdir / -> / file ok",
                    "open /etc/name -> /etc/name file ok",
                    "open etc/name -> /etc/name file ok",
                    "open out -> $D/out file outside-root ok",
                ])
        }

        @Test(
            "a thread with its own working directory (unshare(CLONE_FS)) resolves against it; the main thread against its own",
            .requiresEBPF)
        func threadWorkingDirectory() throws {
            let (lines, _, dir) = try Self.run("thread-cwd")
            defer { removeTree(dir) }
            #expect(
                lines == [
                    "mkdir $D/t -> $D/t as_passed ok",
                    "chdir $D -> $D file ok",
                    "chdir $D/t -> $D/t file ok",
                    "open tf -> $D/t/tf file ok",
                    "open mf -> $D/mf file ok",
                ])
        }

        @Test("a tmpfs and a bind mount inside the path: the walk crosses each mount to its mountpoint", .requiresEBPF)
        func mounts() throws {
            let (lines, _, dir) = try Self.run("mounts")
            defer { removeTree(dir) }
            #expect(
                lines == [
                    "mkdir $D/m -> $D/m as_passed ok",
                    "mkdir $D/src -> $D/src as_passed ok",
                    "mkdir $D/dst -> $D/dst as_passed ok",
                    "open $D/m/f -> $D/m/f file ok",
                    "open $D/dst/g -> $D/dst/g file ok",
                    "chdir $D/m -> $D/m file ok",
                    "open h -> $D/m/h file ok",
                    "open nope -> $D/m/nope cwd ENOENT",
                ])
        }

        @Test(
            "link, linkat, symlink, symlinkat: both names resolved against the cwd and the dirfd; a target stays text",
            .requiresEBPF)
        func links() throws {
            let (lines, _, dir) = try Self.run("links")
            defer { removeTree(dir) }
            #expect(
                lines == [
                    "mkdir $D/d -> $D/d as_passed ok",
                    "chdir $D -> $D file ok",
                    "open f -> $D/f file ok",
                    "open $D/d -> $D/d file ok",
                    "link f -> $D/f cwd, hard -> $D/hard cwd ok",
                    "link f -> $D/f cwd, hard2 -> $D/d/hard2 dirfd ok",
                    "symlink soft -> $D/soft cwd [../f] ok",
                    "symlink soft2 -> $D/d/soft2 dirfd [f] ok",
                    "link absent -> $D/absent cwd, x -> $D/x cwd ENOENT",
                ])
        }

        @Test(
            "a unix socket bound and connected by a relative name gets the cwd joined; an accept asking no address says so",
            .requiresEBPF)
        func unixSocket() throws {
            let (lines, _, dir) = try Self.run("unix")
            defer { removeTree(dir) }
            #expect(
                lines == [
                    "chdir $D -> $D file ok",
                    "bind s.sock -> $D/s.sock cwd ok",
                    "connect s.sock -> $D/s.sock cwd ok",
                    "accept (none asked) -> - ok",
                ])
        }

        @Test(
            "execs: the path as passed for each (a failed execveat's dirfd join, fexecve's empty path), the executed file, a script's own path",
            .requiresEBPF)
        func execs() throws {
            let (lines, _, dir) = try Self.run("execs") {
                Self.create("\($0)/script.sh", "#!/bin/sh\nexit 0\n", mode: 0o755)
            }
            defer { removeTree(dir) }
            let realTrue = try #require(realpath("/bin/true", nil).map { String(cString: $0) })
            #expect(
                lines.filter { $0.hasPrefix("exec") || $0.contains("$D") } == [
                    "chdir $D -> $D file ok",
                    "open $D -> $D file ok",
                    "exec no-such-binary -> $D/no-such-binary dirfd cwd $D ENOENT",
                    "exec  -> \(realTrue) file cwd $D ok",
                    "exec ./script.sh -> $D/script.sh cwd cwd $D ok",
                    "open ./script.sh -> $D/script.sh file ok",
                ])
        }

        @Test(
            "every successful open's absolute path is the kernel's name for the fd, as strace -y prints it in the same run",
            .requiresEBPF)
        func matchesStrace() throws {
            let dir = makeTemporaryDirectory("paths-strace")
            defer { removeTree(dir) }
            try Syscall.makeDirectory("\(dir)/sub")
            Self.create("\(dir)/a", "a\n")
            Self.create("\(dir)/sub/b", "b\n")
            #expect(symlink("sub", "\(dir)/lnk") == 0)
            let name = String(dir.split(separator: "/").last!)
            let log = "\(dir)/strace.log"
            let script = "cd \(dir) && cat a sub/b lnk/b ../\(name)/a ./sub/../a > /dev/null && cd lnk && cat b ../a"
            let (events, result) = try observe(
                .name("strace"), ["-f", "-y", "-qq", "-e", "trace=open,openat", "-o", log, "--", "sh", "-c", script],
                categories: [.file])
            #expect(result.status == .exited(code: 0))
            let text = try #require(ProcFS.readText(log))
            // 20401 openat(AT_FDCWD</tmp/d>, "a", O_RDONLY) = 3</tmp/d/a>
            struct Open: Hashable {
                var pid: Int32
                var passed: String
                var fd: Int64
                var absolute: String
            }
            var fromStrace: [Open] = []
            for line in text.split(separator: "\n") {
                guard let space = line.firstIndex(of: " "), let pid = Int32(line[..<space]),
                    line.contains(" open"), let firstQuote = line.firstIndex(of: "\""),
                    let endQuote = line[line.index(after: firstQuote)...].firstIndex(of: "\""),
                    let equals = line.range(of: ") = ", options: .backwards),
                    let lt = line[equals.upperBound...].firstIndex(of: "<"), line.hasSuffix(">"),
                    let fd = Int64(line[equals.upperBound..<lt])
                else { continue }
                let passed = String(line[line.index(after: firstQuote)..<endQuote])
                let absolute = String(line[line.index(after: lt)..<line.index(before: line.endIndex)])
                fromStrace.append(Open(pid: pid, passed: passed, fd: fd, absolute: absolute))
            }
            let traced = Set(fromStrace.map(\.pid))
            let ours = events.filter { traced.contains($0.processID) }.compactMap { e -> Open? in
                guard let o = e.openPayload, o.result.succeeded, let a = o.absolutePath else { return nil }
                #expect(a.source == .file)
                return Open(
                    pid: e.processID, passed: o.path.value.string, fd: o.result.rawValue, absolute: a.value.string)
            }
            #expect(fromStrace.count >= 7)
            #expect(fromStrace.contains(Open(pid: fromStrace.last!.pid, passed: "../a", fd: 3, absolute: "\(dir)/a")))
            #expect(ours == fromStrace)
        }

        @Test("with resolution off, no event carries an absolute path or a working directory", .requiresEBPF)
        func resolutionOff() throws {
            let dir = makeTemporaryDirectory("paths-off")
            defer { removeTree(dir) }
            let process = NativeProcess(
                .path("/bin/sh"), arguments: ["-c", "cd \(dir) && : > f && cat f missing 2>/dev/null; exit 0"],
                standardOutput: .null)
            let subscriber = process.withObserver(
                ObserverConfig(categories: [.file, .process]).resolvingPaths(false))
            #expect(try process.run().status == .exited(code: 0))
            let events = subscriber.collect()
            let opens = events.compactMap(\.openPayload).filter { $0.path.value.string == "f" }
            #expect(opens.count == 2)
            #expect(
                events.allSatisfy { e in
                    switch e.kind {
                    case .open(let o): o.absolutePath == nil
                    case .unlink(let o), .mkdir(let o), .rmdir(let o): o.absolutePath == nil
                    case .chdir(let c), .fchdir(let c): c.absolutePath == nil
                    case .exec(let x): x.absolutePath == nil && x.workingDirectory == nil
                    default: true
                    }
                })
        }
    }
}
