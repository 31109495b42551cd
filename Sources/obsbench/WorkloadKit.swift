#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The compiled workload programs and scratch space for one benchmark run, in a temporary directory
/// that is removed at the end.
///
/// The C sources live in `Sources/obsbench/Workloads/` (excluded from the Swift target) and are
/// compiled here with the system `cc -O2`, so the binaries match this machine and nothing binary is
/// committed. The make project is generated, not stored.
final class WorkloadKit {
    let root: String
    /// Scratch directory the file workloads create, rename and unlink in.
    let scratch: String
    let filestorm: String
    let spawnstorm: String
    let loopback: String
    let openflood: String
    /// Copies a file in 4 KiB reads and writes (`copy MIB SRC DST`), byte counting's worst case.
    let copy: String
    /// A parallel fan-out process tree (`fanout REPEAT DEPTH WIDTH`).
    let fanout: String
    /// The ftrace contender's `trace_pipe` reader.
    let tracepipe: String
    /// Runs a command and prints the `ru_maxrss` its `wait4` reports, from a small address space.
    let peakrss: String
    /// A directory holding a generated Makefile and `units` C files.
    let buildProject: String
    /// A small existing file for `openflood` to open.
    let floodTarget: String

    struct BuildError: Error, CustomStringConvertible { var description: String }

    /// The directory holding the workload C sources next to this file in the source tree.
    static var defaultSources: String {
        let file = #filePath
        let dir = file.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        return dir + "/Workloads"
    }

    init(sources: String, compiler: String, units: Int) throws {
        var template = Array("/tmp/obsbench-XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else { throw BuildError(description: "mkdtemp failed: errno \(errno)") }
        root = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        scratch = root + "/scratch"
        buildProject = root + "/build"
        filestorm = root + "/filestorm"
        spawnstorm = root + "/spawnstorm"
        loopback = root + "/loopback"
        openflood = root + "/openflood"
        copy = root + "/copy"
        fanout = root + "/fanout"
        tracepipe = root + "/tracepipe"
        peakrss = root + "/peakrss"
        floodTarget = root + "/flood-target"
        mkdir(scratch, 0o755)
        mkdir(buildProject, 0o755)
        for name in ["filestorm", "spawnstorm", "loopback", "openflood", "peakrss", "fanout", "tracepipe", "copy"] {
            let source = "\(sources)/\(name).c"
            guard access(source, R_OK) == 0 else {
                throw BuildError(description: "workload source \(source) is missing; pass --workload-sources DIR")
            }
            let outcome = try Launcher.run([compiler, "-O2", "-o", "\(root)/\(name)", source], stderr: .inherit)
            guard outcome.exitedCleanly else {
                throw BuildError(description: "\(compiler) failed on \(source) (\(outcome.describeStatus))")
            }
        }
        try Self.write(floodTarget, "flood\n")
        try Self.generateBuildProject(in: buildProject, units: units, compiler: compiler)
    }

    deinit {
        _ = try? Launcher.run(["rm", "-rf", root])
    }

    /// A project of `units` independent C files, each with enough code that `cc -O2` takes tens of
    /// milliseconds, and a Makefile linking them; `make -B -j2` rebuilds all of it every time.
    private static func generateBuildProject(in dir: String, units: Int, compiler: String) throws {
        var objects: [String] = []
        var calls = ""
        for u in 0..<units {
            var source = "#include <stdint.h>\n#include <string.h>\n"
            for f in 0..<Self.functionsPerUnit {
                source += """
                    static uint64_t mix_\(f)(uint64_t x) {
                        for (int i = 0; i < \(8 + f); i++) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; x += \(u * 31 + f); }
                        return x;
                    }
                    struct rec_\(f) { char name[32]; uint64_t v[\(4 + f)]; };
                    static void fill_\(f)(struct rec_\(f) *r, uint64_t seed) {
                        memset(r, 0, sizeof(*r));
                        for (unsigned i = 0; i < sizeof(r->v) / sizeof(r->v[0]); i++) r->v[i] = mix_\(f)(seed + i);
                        for (unsigned i = 0; i < sizeof(r->name) - 1; i++) r->name[i] = (char)('a' + (r->v[i % 4] % 26));
                    }

                    """
            }
            source += "uint64_t unit_\(u)(uint64_t seed) {\n    uint64_t acc = seed;\n"
            for f in 0..<Self.functionsPerUnit {
                source += "    { struct rec_\(f) r; fill_\(f)(&r, acc); acc += r.v[0] ^ (uint64_t)r.name[3]; }\n"
            }
            source += "    return acc;\n}\n"
            try write("\(dir)/unit_\(u).c", source)
            objects.append("unit_\(u).o")
            calls += "    uint64_t unit_\(u)(uint64_t); acc = unit_\(u)(acc);\n"
        }
        try write(
            "\(dir)/main.c",
            "#include <stdint.h>\n#include <stdio.h>\nint main(void) {\n    uint64_t acc = 1;\n\(calls)    printf(\"%llu\\n\", (unsigned long long)acc);\n    return 0;\n}\n"
        )
        objects.append("main.o")
        try write(
            "\(dir)/Makefile",
            """
            CC = \(compiler)
            CFLAGS = -O2
            OBJS = \(objects.joined(separator: " "))
            prog: $(OBJS)
            \t$(CC) -o $@ $(OBJS)
            %.o: %.c
            \t$(CC) $(CFLAGS) -c -o $@ $<

            """)
    }

    /// Sized so that one unit takes cc -O2 about 40–80 ms on the reference VM.
    static let functionsPerUnit = 4

    static func write(_ path: String, _ text: String) throws {
        guard let file = fopen(path, "w") else {
            throw BuildError(description: "cannot create \(path): errno \(errno)")
        }
        defer { fclose(file) }
        guard fputs(text, file) >= 0 else { throw BuildError(description: "cannot write \(path)") }
    }
}
