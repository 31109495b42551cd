/// When a run's limit counters must be read again without a descriptor saying so: shortly after
/// a v1 OOM notification (which comes before the kill is counted), and every
/// `LimitWatch.pollIntervalNs` for a counter no descriptor signals (v1 `pids.events`). Pure data,
/// owned by its `RunSession` under the session's lock.
struct LimitSchedule: Sendable, Equatable {
    /// The OOM kill is counted after the notification: read again this long after it.
    static let oomRecheckDelaysNs: [UInt64] = [20_000_000, 200_000_000]

    private(set) var rechecks: [UInt64] = []
    private(set) var nextPoll: UInt64?
    let pollIntervalNs: UInt64

    /// `polling` from `startNs` on, when a counter of the run is signalled by nothing.
    init(polling: Bool, from startNs: UInt64, intervalNs: UInt64 = LimitWatch.pollIntervalNs) {
        pollIntervalNs = intervalNs
        nextPoll = polling ? startNs + intervalNs : nil
    }

    /// Whether a read is due at `now`; schedules the next poll when it was one.
    mutating func due(at now: UInt64) -> Bool {
        var due = rechecks.contains { $0 <= now }
        rechecks.removeAll { $0 <= now }
        if let poll = nextPoll, poll <= now {
            due = true
            nextPoll = now + pollIntervalNs
        }
        return due
    }

    /// A v1 OOM notification came at `now`.
    mutating func oomNotified(at now: UInt64) { rechecks += Self.oomRecheckDelaysNs.map { now + $0 } }

    /// The next read to wake for.
    var next: UInt64? { (rechecks + (nextPoll.map { [$0] } ?? [])).min() }
}
