import ObserverReporting
import Testing

/// The parts of `obsctl diff` that need no process: the normalisation rule over real-looking
/// names, the `--ignore` globs, the gates' parsing and judging, the median of several bases.
@Suite("obsctl diff, the model")
struct DiffModelTests {
    /// Names as real runs make them (gcc's, mktemp's, Go's, procfs's, the run's cgroup) and
    /// the patterns the rule makes of them; stable names stay as they are.
    static let table: [(name: String, pattern: String)] = [
        // gcc's temporary files: cc + 6 random characters, with and without digits.
        ("/tmp/ccAbC123.s", "/tmp/cc*.s"),
        ("/tmp/cc0yQrXe.s", "/tmp/cc*.s"),
        ("/tmp/ccXyzqRt.o", "/tmp/cc*.o"),
        ("/tmp/ccxyzqrt.s", "/tmp/cc*.s"),  // all lower case: caught because it is under /tmp
        ("/var/tmp/sortKp3aZq", "/var/tmp/sort*"),
        ("/dev/shm/sem.Qw8eRt", "/dev/shm/sem.*"),
        // mktemp(1) and mkdtemp: 10 random characters, and a directory under it.
        ("/tmp/tmp.Xa9bQ2LmZP", "/tmp/tmp.*"),
        ("/tmp/tmp.Xa9bQ2LmZP/out.log", "/tmp/tmp.*/out.log"),
        // Outside a temporary directory: only what does not read as a word.
        ("/src/project/.sedQx3vKw", "/src/project/.sed*"),
        ("/home/me/.cache/pip/tmpAbC9xZ", "/home/me/.cache/pip/tmp*"),
        ("/src/project/Makefile", "/src/project/Makefile"),
        ("/src/project/CMakeFiles/app.dir/main.c.o", "/src/project/CMakeFiles/app.dir/main.c.o"),
        ("/usr/bin/md5sum", "/usr/bin/md5sum"),
        ("/usr/bin/python3.11", "/usr/bin/python3.11"),
        ("/usr/lib/gcc/x86_64-linux-gnu/12/cc1", "/usr/lib/gcc/x86_64-linux-gnu/12/cc1"),
        ("/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30", "/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30"),
        ("/usr/share/locale/en_GB/LC_MESSAGES/coreutils.mo", "/usr/share/locale/en_GB/LC_MESSAGES/coreutils.mo"),
        // Pids and other numbers: whole segments of 3+ digits, 5+ digits anywhere.
        ("/proc/5521/stat", "/proc/*/stat"),
        ("/proc/5521/task/5523/comm", "/proc/*/task/*/comm"),
        ("/run/user/1000/bus", "/run/user/*/bus"),
        ("/src/out/build.12345.log", "/src/out/build.*.log"),
        ("/home/me/go-build1234567/b001/exe", "/home/me/go-build*/b001/exe"),
        ("/src/report2024.txt", "/src/report2024.txt"),
        // Under /tmp every long segment counts as random: a stable name reads as a pattern too.
        ("/tmp/obsctl-build/a.o", "/tmp/*-build/a.o"),
        ("/tmp/obs-diff/a.o", "/tmp/obs-diff/a.o"),
        // Not paths: left alone.
        ("127.0.0.1:43123", "127.0.0.1:43123"),
        ("[::1]:8080", "[::1]:8080"),
    ]

    @Test("the normalisation table: temporary and random names become patterns, stable names stay")
    func normalisationTable() {
        let normaliser = NameNormaliser()
        for (name, pattern) in Self.table {
            #expect(normaliser.normalise(name) == pattern, "\(name)")
        }
    }

    @Test("the run's own cgroup becomes ** where it stands as whole components, and nowhere else")
    func runCgroup() {
        let normaliser = NameNormaliser(runCgroup: "/obs.5518.1255822/run.2")
        #expect(normaliser.normalise("/sys/fs/cgroup/obs.5518.1255822/run.2/cpu.max") == "/sys/fs/cgroup/**/cpu.max")
        #expect(
            normaliser.normalise("/sys/fs/cgroup/unified/obs.5518.1255822/run.2/memory.peak")
                == "/sys/fs/cgroup/unified/**/memory.peak")
        #expect(normaliser.normalise("/sys/fs/cgroup/obs.5518.1255822/run.2") == "/sys/fs/cgroup/**")
        // run.20 is another cgroup: only the numbers rule applies.
        #expect(
            normaliser.normalise("/sys/fs/cgroup/obs.5518.1255822/run.20/cpu.max")
                == "/sys/fs/cgroup/obs.*.*/run.20/cpu.max")
        #expect(
            NameNormaliser().normalise("/sys/fs/cgroup/obs.5518.1255822/run.2/cpu.max")
                == "/sys/fs/cgroup/obs.*.*/run.2/cpu.max")
    }

    @Test("renames normalise both sides, and the word test reads six characters as documented")
    func renamesAndWords() {
        let normaliser = NameNormaliser()
        #expect(
            normaliser.normaliseRename("/src/.sedQx3vKw → /src/config.ini") == "/src/.sed* → /src/config.ini")
        for word in ["kefile", "eFiles", "Foo123", "md5sum", "README", "123456", "python"] {
            #expect(NameNormaliser.readsAsWord(word), "\(word)")
        }
        for random in ["AbC123", "0yQrXe", "XyZqRt", "abcdeF", "q3vKw9", "aB3dE9"] {
            #expect(!NameNormaliser.readsAsWord(random), "\(random)")
        }
    }

    @Test("--ignore globs: * crosses /, ?, bracket sets, escapes, and a * the normalisation put is a character")
    func globs() {
        let cases: [(glob: String, name: String, matches: Bool)] = [
            ("/home/me/.cache/*", "/home/me/.cache/pip/http/a/b", true),
            ("/home/me/.cache/*", "/home/me/.cachex", false),
            ("/tmp/*", "/tmp/cc*.s", true),
            ("*.o", "/src/a.o", true),
            ("*.o", "/src/a.out", false),
            ("/src/?.c", "/src/a.c", true),
            ("/src/?.c", "/src/ab.c", false),
            ("/src/[ab].c", "/src/b.c", true),
            ("/src/[!ab].c", "/src/b.c", false),
            ("/src/[a-c]x", "/src/cx", true),
            ("127.0.0.1:*", "127.0.0.1:8080", true),
            ("\\*", "*", true),
            ("\\*", "x", false),
            ("", "", true),
            ("*a*b*c", "xxaxxbxxc", true),
            ("*a*b*c", "xxaxxcxxb", false),
        ]
        for c in cases {
            #expect(GlobPattern(c.glob).matches(c.name) == c.matches, "\(c.glob) against \(c.name)")
        }
    }

    @Test("gate lists parse, and what does not parse says what is accepted")
    func gateParsing() throws {
        #expect(try DiffGates.parseFailOn("new-exec,new-peer") == [.exec, .peer])
        #expect(try DiffGates.parseFailOn("all") == DiffGates.NewName.allCases)
        let limits = try DiffGates.parseMaxRatio("wall=1.2,cpu=1.25,peak-rss=1.5,processes=1.1")
        #expect(limits.map(\.measure) == [.wall, .cpu, .peakRSS, .processes])
        #expect(limits.map(\.limit) == [1.2, 1.25, 1.5, 1.1])
        #expect(throws: DiffGates.ParseError.self) { try DiffGates.parseFailOn("new-exec,new-thing") }
        do {
            _ = try DiffGates.parseFailOn("new-thing")
        } catch {
            #expect(
                error.message
                    == "--fail-on: \"new-thing\" is not a gate; use a comma list of new-exec, new-write, new-delete, "
                    + "new-peer, new-listen, new-failure, or all.")
        }
        do {
            _ = try DiffGates.parseMaxRatio("wall=0")
        } catch {
            #expect(error.message == "--max-ratio: \"0\" is not a ratio above 0 (1.2 allows 20% more).")
        }
        #expect(throws: DiffGates.ParseError.self) { try DiffGates.parseMaxRatio("speed=2") }
        #expect(throws: DiffGates.ParseError.self) { try DiffGates.parseMaxRatio("wall") }
    }

    static func digest(
        _ name: String, programs: [String: Int] = [:], written: [String: Int] = [:], wall: UInt64, lost: UInt64 = 0
    ) -> RunDigest {
        RunDigest(
            name: name, command: ["sh"], sets: [.programs: programs, .written: written],
            figures: [.wall: wall, .processes: 2],
            completeness: .init(
                truncated: false, truncationNote: nil, lostKernel: lost, lostSubscriber: 0,
                categories: ["file": "supported"], asked: ["file"], pathsResolved: true))
    }

    @Test("several bases: union of names with their largest count, median of figures (middle two averaged)")
    func severalBases() {
        let bases = [
            Self.digest("b1", programs: ["/usr/bin/cc": 1], written: ["/a.o": 1], wall: 300),
            Self.digest("b2", programs: ["/usr/bin/cc": 3], written: ["/b.o": 2], wall: 100),
            Self.digest("b3", programs: ["/usr/bin/cc": 2], wall: 200),
        ]
        let new = Self.digest("n", programs: ["/usr/bin/ld": 1], written: ["/a.o": 1], wall: 400)
        let diff = RunDiff(bases: bases, new: new)
        #expect(diff[.programs]?.added == [.init(name: "/usr/bin/ld", count: 1)])
        #expect(diff[.programs]?.removed == [.init(name: "/usr/bin/cc", count: 3)])
        #expect(diff[.written]?.added == [])
        #expect(diff[.written]?.removed == [.init(name: "/b.o", count: 2)])
        #expect(diff[.wall]?.base == 200)
        #expect(diff[.wall]?.ratio == 2.0)
        #expect(diff.bases.map(\.label) == ["base 1", "base 2", "base 3"])
        let even = RunDiff(bases: Array(bases.prefix(2)), new: new)
        #expect(even[.wall]?.base == 200)  // (300 + 100) / 2
        #expect(even[.wall]?.ratio == 2.0)
        #expect(diff[.bytesRead] == nil)  // no recording carries it yet
    }

    @Test("verdicts: passed without gates, violated with each violation, untrusted before violated")
    func verdicts() {
        let base = Self.digest("b", programs: ["/usr/bin/cc": 1], wall: 100)
        let new = Self.digest("n", programs: ["/usr/bin/cc": 1, "/usr/bin/curl": 1], wall: 150)
        let diff = RunDiff(bases: [base], new: new)
        #expect(diff.verdict(DiffGates()) == .passed)
        #expect(
            diff.verdict(DiffGates(failOn: [.exec], maxRatio: [(.wall, 1.2)]))
                == .violated([
                    DiffViolation(gate: "new-exec", name: "/usr/bin/curl"),
                    DiffViolation(gate: "wall", ratio: 1.5, limit: 1.2),
                ]))
        #expect(diff.verdict(DiffGates(failOn: [.peer], maxRatio: [(.wall, 1.5)])) == .passed)
        let ignored = RunDiff(bases: [base], new: new, ignoring: [GlobPattern("/usr/bin/cu*")])
        #expect(ignored.verdict(DiffGates(failOn: [.exec])) == .passed)
        let lossy = RunDiff(bases: [base], new: Self.digest("n", wall: 100, lost: 7))
        #expect(lossy.incomplete == ["new (n): lost 7 events (kernel 7, subscriber 0)"])
        #expect(lossy.verdict(DiffGates(failOn: [.exec])) == .untrusted(lossy.incomplete))
        #expect(lossy.verdict(DiffGates(failOn: [.exec]), allowIncomplete: true) == .passed)
        #expect(lossy.verdict(DiffGates()) == .passed)
    }

    @Test(
        "sides observed otherwise: a category delivered otherwise, paths as passed or other filters are named; sampling is not"
    )
    func observedOtherwise() {
        func digest(_ categories: [String: String], resolved: Bool = true) -> RunDigest {
            RunDigest(
                name: "r", command: [], sets: [:], figures: [:],
                completeness: .init(
                    truncated: false, truncationNote: nil, lostKernel: 0, lostSubscriber: 0, categories: categories,
                    asked: Set(categories.filter { $0.value != "not observed" }.keys), pathsResolved: resolved))
        }
        let full = digest(["file": "supported", "network": "supported", "sampling": "supported"])
        let noSamples = digest(["file": "supported", "network": "supported", "sampling": "not observed"])
        #expect(RunDiff(bases: [full], new: noSamples).complete)
        let partial = digest(["file": "partial (missing rename)", "network": "supported", "sampling": "supported"])
        #expect(
            RunDiff(bases: [full], new: partial).incomplete == [
                "file was supported in base, partial (missing rename) in new"
            ])
        let passed = digest(["file": "supported", "network": "supported", "sampling": "supported"], resolved: false)
        #expect(
            RunDiff(bases: [full, full], new: passed).incomplete == [
                "paths were resolved in base 1, as passed (--no-resolve-paths) in new",
                "paths were resolved in base 2, as passed (--no-resolve-paths) in new",
            ])
        // A recording filtered in the kernel (--failed-only) beside an unfiltered one.
        var filtered = full
        filtered.completeness.filters = "only failed calls"
        #expect(
            RunDiff(bases: [full], new: filtered).incomplete == [
                "file and network events were filtered otherwise: no filter in base, only failed calls in new"
            ])
        #expect(RunDiff(bases: [filtered], new: filtered).complete)
    }

    @Test("a set past 20,000 distinct names makes its side incomplete, files read only when compared")
    func overflow() {
        var flooded = Self.digest("n", wall: 100)
        flooded.overflowed = [.written, .read]
        let base = Self.digest("b", wall: 100)
        #expect(
            RunDiff(bases: [base], new: flooded).incomplete == [
                "new (n): files written: more than 20,000 distinct names, and those past them are not compared"
            ])
        #expect(RunDiff(bases: [base], new: flooded, reads: true).incomplete.count == 2)
    }
}
