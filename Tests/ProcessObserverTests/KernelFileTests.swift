import ObserverTestSupport
import SystemPackage
import Testing

@testable import ProcessObserver

#if canImport(Glibc)
    import Glibc
#endif

extension KernelSuite {
    @Suite("Kernel: file events")
    struct FileEvents {
        /// Opens each argument with O_CREAT and prints the descriptor; then opens a missing file.
        static let opener = """
            #include <fcntl.h>
            #include <stdio.h>
            int main(int argc, char **argv) {
                for (int i = 1; i < argc - 1; i++) printf("%d\\n", open(argv[i], O_WRONLY | O_CREAT, 0640));
                printf("%d\\n", open(argv[argc - 1], O_RDONLY));
                return 0;
            }
            """

        @Test(
            "N distinct files opened give exactly N open events with their paths, fds and mode; a missing one ENOENT",
            .requiresEBPF)
        func opens() throws {
            let dir = makeTemporaryDirectory("open")
            defer { removeTree(dir) }
            let exe = try compileC(Self.opener, name: "opener", in: dir)
            let files = (0..<25).map { "\(dir)/file-\($0)" }
            let missing = "\(dir)/does-not-exist"
            let (events, result, output) = try observeCapturing(
                .path(FilePath(exe)), files + [missing], categories: [.file])
            #expect(result.status == .exited(code: 0))
            let fds = output.split(separator: "\n").map { Int64($0)! }
            let opens = events.compactMap(\.openPayload).filter { $0.path.value.string.hasPrefix(dir + "/") }
            #expect(opens.map(\.path.value.string) == files + [missing])
            let expectedResults: [Int64] = Array(fds.dropLast()) + [-2]
            #expect(opens.map(\.result.rawValue) == expectedResults)
            #expect(fds.last == -1)
            #expect(opens.last?.result.errnoName == "ENOENT")
            let created = opens.dropLast()
            #expect(created.allSatisfy { (o: FileOpen) -> Bool in o.mode == 0o640 && o.flags & O_CREAT != 0 })
            #expect(created.allSatisfy { (o: FileOpen) -> Bool in o.directoryFD == -100 })
            #expect(opens.last?.mode == nil)
            #expect(opens.allSatisfy { !$0.path.truncated && !$0.path.unreadable })
            #expect(events.filter { $0.category == .file }.allSatisfy { $0.processID == result.processID })
        }

        /// Every path syscall, legacy and *at, called directly (glibc may pick either).
        static let pathOps = """
            #define _GNU_SOURCE
            #include <fcntl.h>
            #include <linux/openat2.h>
            #include <stdio.h>
            #include <string.h>
            #include <sys/syscall.h>
            #include <unistd.h>
            int main(int argc, char **argv) {
                if (chdir(argv[1]) != 0) return 1;
                struct open_how how; memset(&how, 0, sizeof how); how.flags = O_CREAT | O_RDWR; how.mode = 0600;
                close(syscall(SYS_open, "a", O_CREAT | O_WRONLY, 0644));
                close(syscall(SYS_creat, "b", 0600));
                close(syscall(SYS_openat2, AT_FDCWD, "c", &how, sizeof how));
                syscall(SYS_mkdir, "d1", 0755);
                syscall(SYS_mkdirat, AT_FDCWD, "d2", 0700);
                syscall(SYS_rename, "a", "a2");
                syscall(SYS_renameat, AT_FDCWD, "b", AT_FDCWD, "b2");
                syscall(SYS_renameat2, AT_FDCWD, "c", AT_FDCWD, "c2", 0);
                syscall(SYS_unlink, "a2");
                syscall(SYS_unlinkat, AT_FDCWD, "b2", 0);
                syscall(SYS_rmdir, "d1");
                syscall(SYS_unlinkat, AT_FDCWD, "d2", AT_REMOVEDIR);
                syscall(SYS_rmdir, "not-there");
                return 0;
            }
            """

        @Test("unlink, rename, mkdir and rmdir are seen through the legacy and the *at syscalls", .requiresEBPF)
        func legacyAndAt() throws {
            let dir = makeTemporaryDirectory("paths")
            defer { removeTree(dir) }
            let exe = try compileC(Self.pathOps, name: "pathops", in: dir)
            let (events, result) = try observe(.path(FilePath(exe)), [dir], categories: [.file])
            #expect(result.status == .exited(code: 0))
            let relative: Set<String> = ["a", "b", "c", "d1", "d2", "a2", "b2", "c2", "not-there"]
            let mine = events.filter { e in
                switch e.kind {
                case .open(let o): relative.contains(o.path.value.string)
                case .unlink, .rmdir, .mkdir, .rename: true
                default: false
                }
            }
            let summary = mine.map { e -> String in
                switch e.kind {
                case .open(let o):
                    "open \(o.path.value) \(o.mode.map { String($0, radix: 8) } ?? "-") \(o.result.succeeded)"
                case .mkdir(let p): "mkdir \(p.path.value) \(String(p.mode ?? 0, radix: 8)) \(p.result.rawValue)"
                case .rename(let r): "rename \(r.path.value) \(r.newPath.value) \(r.result.rawValue)"
                case .unlink(let p): "unlink \(p.path.value) \(p.result.rawValue)"
                case .rmdir(let p): "rmdir \(p.path.value) \(p.result.rawValue)"
                default: "?"
                }
            }
            #expect(
                summary == [
                    "open a 644 true", "open b 600 true", "open c 600 true",
                    "mkdir d1 755 0", "mkdir d2 700 0",
                    "rename a a2 0", "rename b b2 0", "rename c c2 0",
                    "unlink a2 0", "unlink b2 0",
                    "rmdir d1 0", "rmdir d2 0", "rmdir not-there -2",
                ])
        }

        @Test("coreutils mkdir, mv, rm and rmdir give mkdir, rename, unlink and rmdir events", .requiresEBPF)
        func coreutils() throws {
            let dir = makeTemporaryDirectory("coreutils")
            defer { removeTree(dir) }
            let script = "cd \(dir) && mkdir sub && : > f && mv f g && rm g && rmdir sub"
            let (events, result) = try observe(.path("/bin/sh"), ["-c", script], categories: [.file])
            #expect(result.status == .exited(code: 0))
            let ops = events.compactMap { e -> String? in
                switch e.kind {
                case .mkdir(let p): "mkdir \(p.path.value) \(e.command?.string ?? "")"
                case .rename(let r): "rename \(r.path.value) \(r.newPath.value) \(e.command?.string ?? "")"
                case .unlink(let p): "unlink \(p.path.value) \(e.command?.string ?? "")"
                case .rmdir(let p): "rmdir \(p.path.value) \(e.command?.string ?? "")"
                default: nil
                }
            }
            #expect(ops == ["mkdir sub mkdir", "rename f g mv", "unlink g rm", "rmdir sub rmdir"])
        }

        @Test(
            "the first file events of a spawned cat are the dynamic loader's, starting with /etc/ld.so.cache",
            .requiresEBPF)
        func startGate() throws {
            let (events, result) = try observe(.path("/bin/cat"), ["/dev/null"], categories: [.file])
            #expect(result.status == .exited(code: 0))
            let opens = events.compactMap(\.openPayload).map(\.path.value.string)
            #expect(opens.first == "/etc/ld.so.cache")
            #expect(opens.contains { $0.hasSuffix("/libc.so.6") })
            #expect(opens.last == "/dev/null")
        }

        @Test("an unrelated process opening a marker path at the same time gives zero events", .requiresEBPF)
        func unrelatedProcess() throws {
            let dir = makeTemporaryDirectory("unrelated")
            defer { removeTree(dir) }
            let marker = "\(dir)/marker"
            let started = "\(dir)/started"
            let stop = "\(dir)/stop"
            // The bystander opens the marker in a loop from before the observed run until after it.
            let bystander = NativeProcess(
                .path("/bin/sh"),
                arguments: ["-c", ": > \(marker); : > \(started); while [ ! -e \(stop) ]; do : < \(marker); done"])
            let running = try bystander.spawn()
            defer { running.terminate() }
            close(open("\(dir)/mine", O_WRONLY | O_CREAT | O_CLOEXEC, 0o644))
            let script =
                "while [ ! -e \(started) ]; do :; done; for i in 1 2 3 4 5; do : < \(dir)/mine; done; : > \(stop)"
            let (events, result) = try observe(.path("/bin/sh"), ["-c", script], categories: [.file, .process])
            _ = running.wait()
            #expect(result.status == .exited(code: 0))
            let opens = events.compactMap(\.openPayload).map(\.path.value.string)
            #expect(opens.filter { $0 == marker }.isEmpty)
            #expect(opens.filter { $0 == "\(dir)/mine" }.count == 5)
            #expect(events.allSatisfy { $0.processID == result.processID || $0.category == .lifecycle })
        }
    }
}
