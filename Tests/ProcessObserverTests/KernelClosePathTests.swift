import ObserverTestSupport
import SystemPackage
import Testing

@testable import ProcessObserver

#if canImport(Glibc)
    import Glibc
#endif

extension KernelSuite {
    /// A close's path (issue 18's `close` event), which the kernel takes from the descriptor's
    /// open when nothing can have renamed the file since (`OBS_SOURCE_OPENED`, `OpenPathTable`),
    /// and walks again from the file otherwise: a rename or an unlink while it is open, a
    /// descriptor made by `dup`.
    @Suite("Kernel: a close's path, from its open or walked")
    struct ClosePath {
        /// Each case reads 4 bytes through a descriptor and closes it; the cases run in order, so
        /// the rename comes after the first case's close.
        static let workload = #"""
            #include <fcntl.h>
            #include <stdio.h>
            #include <unistd.h>
            int main(int argc, char **argv) {
                char kept[4096], before[4096], after[4096], gone[4096], buf[4];
                snprintf(kept, sizeof kept, "%s/kept", argv[1]);
                snprintf(before, sizeof before, "%s/before", argv[1]);
                snprintf(after, sizeof after, "%s/after", argv[1]);
                snprintf(gone, sizeof gone, "%s/gone", argv[1]);
                /* 1: opened, read, closed: named from the open. */
                int fd = open(kept, O_RDONLY);
                if (fd < 0 || read(fd, buf, 4) != 4 || close(fd) != 0) return 1;
                /* 2: a dup of an open descriptor, read and closed, then the original. */
                fd = open(kept, O_RDONLY);
                int copy = dup(fd);
                if (copy < 0 || read(copy, buf, 4) != 4 || close(copy) != 0) return 2;
                if (read(fd, buf, 4) != 4 || close(fd) != 0) return 3;
                /* 3: unlinked while open. */
                fd = open(gone, O_RDONLY);
                if (fd < 0 || unlink(gone) != 0 || read(fd, buf, 4) != 4 || close(fd) != 0) return 4;
                /* 4: renamed while open. */
                fd = open(before, O_RDONLY);
                if (fd < 0 || rename(before, after) != 0 || read(fd, buf, 4) != 4 || close(fd) != 0) return 5;
                /* 5: opened after the rename, read, closed: named from the open again. */
                fd = open(after, O_RDONLY);
                if (fd < 0 || read(fd, buf, 4) != 4 || close(fd) != 0) return 6;
                return 0;
            }
            """#

        @Test(
            "a close is named from its open, and walked again after a rename or an unlink while open, or for a dup",
            .requiresEBPF)
        func paths() throws {
            let dir = makeTemporaryDirectory("closepath")
            defer { removeTree(dir) }
            let exe = try compileC(Self.workload, name: "closepath", in: dir)
            let files = dir + "/files"
            mkdir(files, 0o755)
            for name in ["kept", "before", "gone"] {
                let fd = FileDescriptor(rawValue: open(files + "/" + name, O_WRONLY | O_CREAT | O_TRUNC, 0o644))
                _ = try fd.writeAll(Array("datadata".utf8))  // 8 bytes: a dup shares the offset
                try fd.close()
            }
            let process = NativeProcess(.path(FilePath(exe)), arguments: [ByteString(files)], standardOutput: .null)
            let subscriber = process.withObserver(ObserverConfig.lifecycle([.file, .process]))
            let result = try process.run()
            #expect(result.status == .exited(code: 0))
            let closes = subscriber.collect().compactMap { e -> FileClose? in
                if case .close(let c) = e.kind, e.processID == result.processID, c.path.value.string.hasPrefix(files) {
                    c
                } else {
                    nil
                }
            }
            // One close per descriptor that read, in order.
            #expect(
                closes.map { "\($0.fd) \($0.path.value.string) \($0.bytesRead)" } == [
                    "3 \(files)/kept 4", "4 \(files)/kept 4", "3 \(files)/kept 4", "3 \(files)/gone 4",
                    "3 \(files)/after 4", "3 \(files)/after 4",
                ])
            #expect(closes.map { $0.absolutePath?.value.string ?? "-" } == closes.map { $0.path.value.string })
            #expect(closes.map { $0.absolutePath?.deleted ?? false } == [false, false, false, true, false, false])
            // Opened by the command: the open's time is known, the dup's start is not.
            #expect(closes.map { $0.openNs != nil } == [true, false, true, true, true, true])
        }
    }
}
