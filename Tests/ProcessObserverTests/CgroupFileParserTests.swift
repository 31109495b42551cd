import Foundation
import Testing

@testable import ProcessObserver

/// The parsers of the cgroup interface files (`Containment/Files/`), over text captured from
/// kernels: this hybrid host (Linux 6.18: v2 without controllers, v1 memory and pids), a pure-v2
/// host with the memory and pids controllers, and older kernels. `cpu.stat` and `io.stat` are in
/// `CgroupStatParserTests`; the live files of a real cgroup in `CgroupFSLiveTests`.
@Suite("cgroup interface file parsers")
struct CgroupFileParserTests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    struct EventsCase: Sendable, CustomTestStringConvertible {
        var label: String
        var text: String
        var expected: CgroupEvents?
        var testDescription: String { label }
    }

    static let eventsCases: [EventsCase] = [
        EventsCase(
            label: "an empty run cgroup here", text: "populated 0\nfrozen 0\n",
            expected: CgroupEvents(populated: false, frozen: false)),
        EventsCase(
            label: "a populated, frozen one", text: "populated 1\nfrozen 1\n",
            expected: CgroupEvents(populated: true, frozen: true)),
        EventsCase(
            label: "before Linux 5.2: no frozen line", text: "populated 1\n",
            expected: CgroupEvents(populated: true, frozen: nil)),
        EventsCase(
            label: "no trailing newline", text: "frozen 0\npopulated 0",
            expected: .init(populated: false, frozen: false)),
        EventsCase(label: "empty", text: "", expected: nil),
        EventsCase(label: "populated not 0 or 1", text: "populated 2\nfrozen 0\n", expected: nil),
        EventsCase(label: "populated not a number", text: "populated yes\nfrozen 0\n", expected: nil),
        EventsCase(
            label: "a frozen value that is not 0 or 1 reads as unknown", text: "populated 0\nfrozen x\n",
            expected: CgroupEvents(populated: false, frozen: nil)),
    ]

    @Test("cgroup.events: populated and frozen", arguments: eventsCases)
    func events(_ c: EventsCase) {
        #expect(CgroupEvents(parsing: Self.bytes(c.text)) == c.expected)
    }

    struct StatCase: Sendable, CustomTestStringConvertible {
        var label: String
        var text: String
        var descendants, dying: UInt64?
        var testDescription: String { label }
    }

    static let statCases: [StatCase] = [
        StatCase(
            label: "Linux 6.18 with per-controller lines, a nested cgroup",
            text:
                "nr_descendants 1\nnr_subsys_perf_event 2\nnr_subsys_hugetlb 1\nnr_dying_descendants 0\n"
                + "nr_dying_subsys_perf_event 0\nnr_dying_subsys_hugetlb 0\n", descendants: 1, dying: 0),
        StatCase(
            label: "Linux 5.10: the two counters only", text: "nr_descendants 0\nnr_dying_descendants 3\n",
            descendants: 0, dying: 3),
        StatCase(
            label: "a key that is the prefix of another is not it",
            text: "nr_dying_descendants 3\nnr_descendants 0\n", descendants: 0, dying: 3),
        StatCase(label: "nr_dying_descendants missing", text: "nr_descendants 0\n", descendants: nil, dying: nil),
        StatCase(label: "empty", text: "", descendants: nil, dying: nil),
    ]

    @Test("cgroup.stat: live and dying nested cgroups", arguments: statCases)
    func stat(_ c: StatCase) {
        let stat = CgroupStat(parsing: Self.bytes(c.text))
        #expect(stat?.descendants == c.descendants)
        #expect(stat?.dyingDescendants == c.dying)
    }

    struct ProcsCase: Sendable, CustomTestStringConvertible {
        var label: String
        var text: String
        var expected: [Int32]?
        var testDescription: String { label }
    }

    static let procsCases: [ProcsCase] = [
        ProcsCase(label: "no process", text: "", expected: []),
        ProcsCase(label: "one", text: "48213\n", expected: [48213]),
        ProcsCase(label: "several, in the kernel's order", text: "907\n12\n4194304\n", expected: [907, 12, 4_194_304]),
        ProcsCase(label: "not a pid", text: "12\nabc\n", expected: nil),
        ProcsCase(label: "negative", text: "-1\n", expected: nil),
        ProcsCase(label: "beyond a pid's range", text: "4294967296\n", expected: nil),
    ]

    @Test("cgroup.procs: the pids, one a line", arguments: procsCases)
    func procs(_ c: ProcsCase) {
        #expect(CgroupProcs(parsing: Self.bytes(c.text))?.processIDs == c.expected)
    }

    struct ControllersCase: Sendable, CustomTestStringConvertible {
        var label: String
        var text: String
        var expected: Set<String>?
        var testDescription: String { label }
    }

    static let controllersCases: [ControllersCase] = [
        ControllersCase(label: "the v2 root here: none (they are on v1)", text: "", expected: []),
        ControllersCase(label: "a blank line", text: "\n", expected: []),
        ControllersCase(
            label: "a pure-v2 root's cgroup.controllers",
            text: "cpuset cpu io memory hugetlb pids rdma misc\n",
            expected: ["cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma", "misc"]),
        ControllersCase(
            label: "a delegated cgroup's cgroup.subtree_control", text: "cpu memory pids\n",
            expected: ["cpu", "memory", "pids"]),
        ControllersCase(label: "perf_event", text: "perf_event\n", expected: ["perf_event"]),
        ControllersCase(label: "not a controller name", text: "cpu +memory\n", expected: nil),
    ]

    @Test("cgroup.controllers and cgroup.subtree_control: the names", arguments: controllersCases)
    func controllers(_ c: ControllersCase) {
        #expect(CgroupControllers(parsing: Self.bytes(c.text))?.names == c.expected)
    }

    struct CounterCase: Sendable, CustomTestStringConvertible {
        var label: String
        var text: String
        var expected: UInt64?
        var testDescription: String { label }
    }

    static let counterCases: [CounterCase] = [
        CounterCase(label: "v1 memory.max_usage_in_bytes here", text: "234213376\n", expected: 234_213_376),
        CounterCase(label: "v1 pids.current of an empty cgroup", text: "0\n", expected: 0),
        CounterCase(label: "no newline", text: "4096", expected: 4096),
        CounterCase(label: "the largest", text: "18446744073709551615\n", expected: .max),
        CounterCase(label: "too large", text: "18446744073709551616\n", expected: nil),
        CounterCase(label: "pids.max's `max` is not a count", text: "max\n", expected: nil),
        CounterCase(label: "two numbers (cpu.max)", text: "50000 100000\n", expected: nil),
        CounterCase(label: "empty", text: "", expected: nil),
    ]

    @Test("one-number files: memory.current, memory.peak, pids.current, pids.peak, v1 usage", arguments: counterCases)
    func counter(_ c: CounterCase) {
        #expect(CgroupCounter(parsing: Self.bytes(c.text))?.value == c.expected)
    }

    struct EventCounterCase: Sendable, CustomTestStringConvertible {
        var label: String
        var text: String
        var expected: UInt64?
        var testDescription: String { label }
    }

    static let memoryEventsCases: [EventCounterCase] = [
        EventCounterCase(
            label: "Linux 6.x after an OOM kill",
            text: "low 0\nhigh 0\nmax 127\noom 1\noom_kill 1\noom_group_kill 0\n", expected: 1),
        EventCounterCase(
            label: "Linux 4.19, keys in the older set", text: "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n", expected: 0),
        EventCounterCase(
            label: "oom_group_kill is not oom_kill", text: "oom_group_kill 4\noom_kill 2\n", expected: 2),
        EventCounterCase(label: "before Linux 4.13: no oom_kill", text: "low 0\nhigh 0\nmax 0\noom 0\n", expected: nil),
    ]

    @Test("memory.events: OOM kills", arguments: memoryEventsCases)
    func memoryEvents(_ c: EventCounterCase) {
        #expect(MemoryEvents(parsing: Self.bytes(c.text))?.oomKills == c.expected)
    }

    static let pidsEventsCases: [EventCounterCase] = [
        EventCounterCase(label: "a v1 pids cgroup here", text: "max 0\n", expected: 0),
        EventCounterCase(label: "after refused forks", text: "max 17\n", expected: 17),
        EventCounterCase(label: "Linux 6.14+: max.imposed is not max", text: "max.imposed 9\nmax 3\n", expected: 3),
        EventCounterCase(label: "empty", text: "", expected: nil),
    ]

    @Test("pids.events: refused forks", arguments: pidsEventsCases)
    func pidsEvents(_ c: EventCounterCase) {
        #expect(PidsEvents(parsing: Self.bytes(c.text))?.refusedForks == c.expected)
    }

    struct OOMControlCase: Sendable, CustomTestStringConvertible {
        var label: String
        var text: String
        var kills: UInt64?
        var under: Bool?
        var testDescription: String { label }
    }

    static let oomControlCases: [OOMControlCase] = [
        OOMControlCase(
            label: "this session's v1 memory cgroup", text: "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n", kills: 0,
            under: false),
        OOMControlCase(
            label: "out of memory with the killer off", text: "oom_kill_disable 1\nunder_oom 1\noom_kill 2\n",
            kills: 2, under: true),
        OOMControlCase(
            label: "before Linux 4.13: no oom_kill", text: "oom_kill_disable 0\nunder_oom 0\n", kills: nil, under: nil),
        OOMControlCase(
            label: "oom_kill_disable is not oom_kill", text: "oom_kill_disable 7\nunder_oom 0\n", kills: nil, under: nil
        ),
    ]

    @Test("v1 memory.oom_control: OOM kills and under_oom", arguments: oomControlCases)
    func oomControl(_ c: OOMControlCase) {
        let control = MemoryOOMControl(parsing: Self.bytes(c.text))
        #expect(control?.oomKills == c.kills)
        #expect(control?.underOOM == c.under)
    }
}
