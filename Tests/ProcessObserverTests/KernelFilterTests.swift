import Foundation
import ObserverTestSupport
import Testing

@testable import ProcessObserver

extension KernelSuite {
    /// `ObserverConfig.filtering(_:)` on the real kernel (issue 19): the kernel sends only what
    /// the loosest filter of the run's subscribers keeps, and each subscriber gets exactly its own.
    @Suite("Kernel: filters of file and network events")
    struct Filters {
        /// Two failed opens and a successful one, by a shell and cat.
        static let script = "cat /obs-missing-1 2>/dev/null; cat /obs-missing-2 2>/dev/null; cat /etc/hostname"

        static func run(_ configs: [ObserverConfig]) throws -> [[ObserverEvent]] {
            let process = NativeProcess(.path("/bin/sh"), arguments: ["-c", Self.script], standardOutput: .null)
            let subscribers = configs.map { process.withObserver($0) }
            let result = try process.run()
            #expect(result.status == .exited(code: 0))
            return subscribers.map { $0.collect() }
        }

        static func files(_ events: [ObserverEvent]) -> [String] {
            events.filter { $0.category == .file }.map {
                "\($0.kind.name) \($0.kind.paths.first?.passed?.value.string ?? "") \($0.kind.result?.rawValue ?? 0)"
            }
        }

        @Test(
            "a failed-only subscriber beside an unfiltered one: each gets exactly its own, in the same order",
            .requiresEBPF)
        func twoSubscribers() throws {
            let all = ObserverConfig(categories: [.file, .process])
            let runs = try Self.run([all.filtering(EventFilter(failedOnly: true)), all])
            let (failed, every) = (runs[0], runs[1])
            let everyFile = every.filter { $0.category == .file }
            #expect(everyFile.contains { $0.kind.result?.succeeded == true })
            #expect(Self.files(failed) == Self.files(everyFile.filter { $0.kind.result?.succeeded == false }))
            #expect(
                Self.files(failed).filter { $0.hasPrefix("open /obs-missing-") } == [
                    "open /obs-missing-1 -2", "open /obs-missing-2 -2",
                ])
            // Process events are never filtered.
            #expect(failed.filter { $0.category == .process }.count == every.filter { $0.category == .process }.count)
        }

        @Test(
            "alone, a failed-only subscriber's events have no gap in their sequence numbers: the kernel sent no other file event",
            .requiresEBPF)
        func filteredInTheKernel() throws {
            let only = try Self.run([
                ObserverConfig(categories: [.file, .process]).filtering(EventFilter(failedOnly: true))
            ])[0]
            #expect(!Self.files(only).isEmpty)
            #expect(Self.files(only).allSatisfy { $0.hasSuffix(" -2") })
            // The hub numbers every event it publishes; a subscriber that drops one leaves a gap.
            let seqs = only.map(\.seq)
            #expect(seqs == Array(1...UInt64(seqs.count)))
        }

        @Test(
            "alone, a subscriber of one kind gets only that kind, with no gap in its sequence numbers: the kernel built no other file record",
            .requiresEBPF)
        func kindsInTheKernel() throws {
            let dir = makeTemporaryDirectory("filter-kinds")
            defer { removeTree(dir) }
            let process = NativeProcess(
                .path("/bin/sh"), arguments: ["-c", "mkdir \(dir)/d && cat /etc/hostname && touch \(dir)/f"],
                standardOutput: .null)
            let subscriber = process.withObserver(
                ObserverConfig(categories: [.file, .process]).filtering(EventFilter(kinds: [StreamedKind("mkdir")!])))
            #expect(try process.run().status == .exited(code: 0))
            let events = subscriber.collect()
            #expect(Self.files(events) == ["mkdir \(dir)/d 0"])
            let seqs = events.map(\.seq)
            #expect(seqs == Array(1...UInt64(seqs.count)))
        }
    }
}
