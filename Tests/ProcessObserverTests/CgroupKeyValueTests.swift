import Testing

@testable import ProcessObserver

/// `ProcText.value(of:in:)`, which the recycling of a run's cgroup reads `cgroup.events` and
/// `cgroup.stat` with, over captured text of both files.
@Suite("cgroup key-value files")
struct CgroupKeyValueTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var label: String
        var text: String
        var key: StaticString
        var value: UInt64?
        var testDescription: String { label }
    }

    static let cases: [Case] = [
        Case(label: "cgroup.events of an empty cgroup", text: "populated 0\nfrozen 0\n", key: "populated", value: 0),
        Case(label: "cgroup.events of a frozen one", text: "populated 1\nfrozen 1\n", key: "frozen", value: 1),
        Case(
            label: "cgroup.stat with a nested cgroup",
            text:
                "nr_descendants 1\nnr_subsys_perf_event 2\nnr_subsys_hugetlb 1\nnr_dying_descendants 0\n"
                + "nr_dying_subsys_perf_event 0\nnr_dying_subsys_hugetlb 0\n", key: "nr_descendants", value: 1),
        Case(
            label: "a key that is the prefix of another is not it",
            text: "nr_dying_descendants 3\nnr_descendants 0\n", key: "nr_descendants", value: 0),
        Case(label: "a missing key", text: "populated 0\n", key: "frozen", value: nil),
        Case(label: "no trailing newline", text: "frozen 0", key: "frozen", value: 0),
        Case(label: "a value that is not a number", text: "populated yes\n", key: "populated", value: nil),
        Case(label: "empty", text: "", key: "populated", value: nil),
    ]

    @Test("the number of a key's line, or nil", arguments: cases)
    func value(_ c: Case) {
        #expect(ProcText.value(of: c.key, in: Array(c.text.utf8)) == c.value)
    }
}
