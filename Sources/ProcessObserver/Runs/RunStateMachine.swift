/// The phases of one run and the transitions between them, with no process, descriptor or clock
/// of its own: each transition takes the time it happens at and returns what to do to the run's
/// processes (`Action`), which `RunSession` carries out under its lock. Tested without a process
/// (swift-nio's state machines are the model).
///
/// ```
///   running ──root exits──▶ rootExited ──tree gone──▶ closing ──▶ closed
///      │                                                 ▲
///      └──── stop() (attached), tree gone (cgroup) ──────┘
/// ```
///
/// Ending the tree is data (`TeardownStep`): the signal, the grace period, SIGKILL. A timeout or
/// the first interrupt starts it, `RunEnd.rootExits` starts it when the root exits with the
/// tree running on, a second interrupt skips to SIGKILL, and kill-on-drop is SIGKILL at once.
struct RunStateMachine: Sendable {
    enum Phase: Equatable, Sendable {
        /// The root runs (for an attached cgroup: the cgroup holds processes).
        case running
        /// The root has exited (reaped, or its pidfd said so); the rest of its tree may run on.
        case rootExited
        /// The closing routine runs: limits, `exited`, `profile`, the result.
        case closing
        /// The cgroup has been handed on: nothing of this run may be signalled any more.
        case closed
    }

    /// What the session does to the run's processes (its `ProcessScope`).
    enum Action: Equatable, Sendable {
        /// Send this signal to every process of the run.
        case signal(Int32)
        /// SIGKILL every process of the run.
        case kill
    }

    /// One step of ending the tree, as swift-subprocess's `TeardownStep`.
    enum TeardownStep: Equatable, Sendable {
        /// Send `signal` to every process, then allow `graceNs` before the next step.
        case send(signal: Int32, graceNs: UInt64)
        /// SIGKILL every process.
        case kill
    }

    /// How far ending the tree has got.
    enum Escalation: Equatable, Sendable {
        case none
        /// A step has been taken; `remaining` comes at `nextAt`.
        case underway(remaining: [TeardownStep], nextAt: UInt64)
        /// SIGKILL was sent by us: nothing further to escalate to.
        case killed
    }

    /// Until when the run's processes may be signalled.
    enum SignalWindow: Equatable, Sendable {
        /// Never: an attached run only observes.
        case never
        /// Until the root exits: a process group's id may then belong to someone else.
        case untilRootExits
        /// Until the run is closed: a cgroup only ever holds this run's processes.
        case untilClosed
    }

    let window: SignalWindow
    let graceNs: UInt64
    /// `RunEnd.rootExits`: the tree is ended when the root exits.
    let endsWithRoot: Bool

    private(set) var phase: Phase = .running
    private(set) var escalation: Escalation = .none
    /// The timeout ended the run.
    private(set) var timedOut = false
    /// `stop()` asked for the run to close at the reaper's next turn.
    private(set) var stopRequested = false
    /// When the timeout ends the run, until it has.
    private var deadline: UInt64?
    /// Set once the root has exited, whatever the phase now.
    private(set) var rootHasExited = false

    init(window: SignalWindow, graceNs: UInt64, endsWithRoot: Bool = false, deadline: UInt64? = nil) {
        self.window = window
        self.graceNs = graceNs
        self.endsWithRoot = endsWithRoot
        self.deadline = deadline
    }

    /// The steps that end the tree after `signal`.
    func teardown(after signal: Int32) -> [TeardownStep] { [.send(signal: signal, graceNs: graceNs), .kill] }

    /// Whether the run's processes may be signalled now.
    var canSignal: Bool {
        switch window {
        case .never: false
        case .untilRootExits: !rootHasExited
        case .untilClosed: phase != .closed
        }
    }

    /// We sent SIGKILL (so a SIGKILL exit is ours, not the OOM killer's).
    var killedByUs: Bool { escalation == .killed }

    /// A timeout or a step of ending the tree is pending: the reaper must wake for it.
    var nextDeadline: UInt64? {
        let step: UInt64? = if case .underway(_, let at) = escalation { at } else { nil }
        return canSignal ? [deadline, step].compactMap { $0 }.min() : nil
    }

    /// `stop()` is due: asked for, and the run not yet closing.
    var stopDue: Bool { stopRequested && (phase == .running || phase == .rootExited) }

    // MARK: - transitions

    /// The first interrupt starts ending the tree with `signal`; a second one kills at once.
    mutating func interrupt(_ signal: Int32, now: UInt64) -> [Action] {
        guard canSignal else { return [] }
        if escalation == .none { return take(teardown(after: signal), now: now) }
        escalation = .killed
        return [.kill]
    }

    /// Kill-on-drop: the handle went away without waiting.
    mutating func dropped() -> [Action] {
        guard canSignal else { return [] }
        escalation = .killed
        return [.kill]
    }

    /// What is due at `now`: the timeout (which starts ending the tree with SIGTERM), the next
    /// step of ending it.
    mutating func tick(now: UInt64) -> [Action] {
        guard canSignal else { return [] }
        var actions: [Action] = []
        if let d = deadline, now >= d {
            deadline = nil
            timedOut = true
            if escalation == .none { actions += take(teardown(after: SignalNumber.terminate), now: now) }
        }
        if case .underway(let remaining, let at) = escalation, now >= at {
            actions += take(remaining, now: now)
        }
        return actions
    }

    /// The root exited at `now`. With the tree running on and `endsWithRoot`, ending it starts.
    mutating func rootExited(at now: UInt64, treeRunsOn: Bool) -> [Action] {
        let signallable = canSignal
        rootHasExited = true
        if phase == .running { phase = .rootExited }
        guard treeRunsOn, endsWithRoot, signallable, escalation == .none else { return [] }
        return take(teardown(after: SignalNumber.terminate), now: now)
    }

    /// `stop()`: observing ends at the reaper's next turn.
    mutating func requestStop() { stopRequested = true }

    /// The run starts closing; false when it already was (closing happens once).
    mutating func beginClosing() -> Bool {
        guard phase == .running || phase == .rootExited else { return false }
        phase = .closing
        return true
    }

    /// The cgroup is about to be handed on: no signal from now on.
    mutating func closed() { phase = .closed }

    /// Takes the first of `steps` now and schedules the rest.
    private mutating func take(_ steps: [TeardownStep], now: UInt64) -> [Action] {
        guard let step = steps.first else { return [] }
        switch step {
        case .send(let signal, let grace):
            escalation = .underway(remaining: Array(steps.dropFirst()), nextAt: now + grace)
            return [.signal(signal)]
        case .kill:
            escalation = .killed
            return [.kill]
        }
    }
}
