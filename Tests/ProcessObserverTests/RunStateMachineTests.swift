import Testing

@testable import ProcessObserver

/// The run's phases and the escalation that ends its tree, without a process: each transition's
/// actions and the deadlines it leaves for the reaper.
@Suite("The run state machine")
struct RunStateMachineTests {
    typealias Machine = RunStateMachine
    static let term = SignalNumber.terminate
    static let interruptSignal: Int32 = 2
    static let grace: UInt64 = 2_000_000_000

    @Test("a timeout sends SIGTERM, then SIGKILL once the grace period is over")
    func timeoutEscalates() {
        var m = Machine(window: .untilClosed, graceNs: Self.grace, deadline: 1_000)
        #expect(m.nextDeadline == 1_000)
        let step1 = m.tick(now: 999)
        #expect(step1 == [])
        let step2 = m.tick(now: 1_000)
        #expect(step2 == [.signal(Self.term)])
        #expect(m.timedOut)
        #expect(m.nextDeadline == 1_000 + Self.grace)
        let step3 = m.tick(now: 1_000 + Self.grace - 1)
        #expect(step3 == [])
        let step4 = m.tick(now: 1_000 + Self.grace)
        #expect(step4 == [.kill])
        #expect(m.killedByUs)
        #expect(m.nextDeadline == nil)
        let step5 = m.tick(now: 10 * Self.grace)
        #expect(step5 == [])
    }

    @Test("with no grace period, the timeout's SIGTERM and SIGKILL come in one tick")
    func zeroGrace() {
        var m = Machine(window: .untilClosed, graceNs: 0, deadline: 5)
        let step1 = m.tick(now: 5)
        #expect(step1 == [.signal(Self.term), .kill])
    }

    @Test("the first interrupt forwards its signal and starts the grace period; the second kills at once")
    func secondInterruptKills() {
        var m = Machine(window: .untilClosed, graceNs: Self.grace)
        let step1 = m.interrupt(Self.interruptSignal, now: 100)
        #expect(step1 == [.signal(Self.interruptSignal)])
        #expect(m.nextDeadline == 100 + Self.grace)
        #expect(!m.killedByUs)
        let step2 = m.interrupt(Self.interruptSignal, now: 200)
        #expect(step2 == [.kill])
        #expect(m.killedByUs)
        #expect(m.nextDeadline == nil)
    }

    @Test("a timeout during the grace period of an interrupt neither signals again nor restarts the period")
    func timeoutDuringInterrupt() {
        var m = Machine(window: .untilClosed, graceNs: Self.grace, deadline: 150)
        let step1 = m.interrupt(Self.interruptSignal, now: 100)
        #expect(step1 == [.signal(Self.interruptSignal)])
        let step2 = m.tick(now: 150)
        #expect(step2 == [])
        #expect(m.timedOut)
        let step3 = m.tick(now: 100 + Self.grace)
        #expect(step3 == [.kill])
    }

    @Test("kill-on-drop kills at once, and only while the run may be signalled")
    func dropped() {
        var m = Machine(window: .untilClosed, graceNs: Self.grace)
        let step1 = m.dropped()
        #expect(step1 == [.kill])
        #expect(m.killedByUs)
        var attached = Machine(window: .never, graceNs: Self.grace, deadline: 10)
        let step2 = attached.dropped()
        #expect(step2 == [])
        let step3 = attached.interrupt(Self.interruptSignal, now: 1)
        #expect(step3 == [])
        let step4 = attached.tick(now: 20)
        #expect(step4 == [])
        #expect(attached.nextDeadline == nil)
        #expect(!attached.killedByUs)
    }

    @Test("a process group is signalled until its root exits, a cgroup until the run closes")
    func signalWindows() {
        var group = Machine(window: .untilRootExits, graceNs: Self.grace)
        #expect(group.canSignal)
        let step1 = group.rootExited(at: 10, treeRunsOn: false)
        #expect(step1 == [])
        #expect(!group.canSignal)
        let step2 = group.interrupt(Self.interruptSignal, now: 11)
        #expect(step2 == [])
        var cgroup = Machine(window: .untilClosed, graceNs: Self.grace)
        _ = cgroup.rootExited(at: 10, treeRunsOn: true)
        #expect(cgroup.phase == .rootExited)
        #expect(cgroup.canSignal)
        let step3 = cgroup.beginClosing()
        #expect(step3)
        #expect(cgroup.canSignal)
        cgroup.closed()
        #expect(!cgroup.canSignal)
        let step4 = cgroup.dropped()
        #expect(step4 == [])
    }

    @Test("a run that ends with its root ends the tree running on after it, and only then")
    func endsWithRoot() {
        var m = Machine(window: .untilClosed, graceNs: Self.grace, endsWithRoot: true)
        let step1 = m.rootExited(at: 50, treeRunsOn: true)
        #expect(step1 == [.signal(Self.term)])
        let step2 = m.tick(now: 50 + Self.grace)
        #expect(step2 == [.kill])
        var alone = Machine(window: .untilClosed, graceNs: Self.grace, endsWithRoot: true)
        let step3 = alone.rootExited(at: 50, treeRunsOn: false)
        #expect(step3 == [])
        var lastProcess = Machine(window: .untilClosed, graceNs: Self.grace)
        let step4 = lastProcess.rootExited(at: 50, treeRunsOn: true)
        #expect(step4 == [])
        var interrupted = Machine(window: .untilClosed, graceNs: Self.grace, endsWithRoot: true)
        _ = interrupted.interrupt(Self.interruptSignal, now: 10)
        let step5 = interrupted.rootExited(at: 50, treeRunsOn: true)
        #expect(step5 == [], "already being ended")
    }

    @Test("closing happens once, and stop() is due only until it starts")
    func closingOnce() {
        var m = Machine(window: .never, graceNs: Self.grace)
        #expect(!m.stopDue)
        m.requestStop()
        #expect(m.stopDue)
        let step1 = m.beginClosing()
        #expect(step1)
        #expect(!m.stopDue)
        let step2 = m.beginClosing()
        #expect(!step2)
        m.closed()
        #expect(m.phase == .closed)
        let step3 = m.beginClosing()
        #expect(!step3)
        #expect(!m.rootHasExited)
    }

    @Test("the phases in order for a spawned tree that outlives its root")
    func phases() {
        var m = Machine(window: .untilClosed, graceNs: Self.grace)
        #expect(m.phase == .running)
        _ = m.rootExited(at: 1, treeRunsOn: true)
        #expect(m.phase == .rootExited)
        #expect(m.rootHasExited)
        let step1 = m.beginClosing()
        #expect(step1)
        #expect(m.phase == .closing)
        m.closed()
        #expect(m.phase == .closed)
    }

    @Test("limit reads: a poll every interval, and two rechecks after a v1 OOM notification")
    func limitSchedule() {
        var none = LimitSchedule(polling: false, from: 0)
        #expect(none.next == nil)
        let step1 = none.due(at: 1_000_000_000)
        #expect(!step1)
        var s = LimitSchedule(polling: true, from: 1_000, intervalNs: 100)
        #expect(s.next == 1_100)
        let step2 = s.due(at: 1_099)
        #expect(!step2)
        let step3 = s.due(at: 1_100)
        #expect(step3)
        #expect(s.next == 1_200)
        s.oomNotified(at: 1_150)
        #expect(s.rechecks == [1_150 + 20_000_000, 1_150 + 200_000_000])
        #expect(s.next == 1_200)
        let step4 = s.due(at: 1_150 + 20_000_000)
        #expect(step4)
        #expect(s.rechecks == [1_150 + 200_000_000])
        #expect(s.next == 1_150 + 20_000_000 + 100)
    }
}
