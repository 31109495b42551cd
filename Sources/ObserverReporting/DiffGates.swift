/// What makes a diff fail (`obsctl diff --fail-on … --max-ratio …`): new names in chosen sets,
/// and figures past a ratio of the base's.
public struct DiffGates: Sendable {
    /// A set whose additions fail the diff.
    public enum NewName: String, Sendable, Hashable, CaseIterable {
        case exec = "new-exec"
        case write = "new-write"
        case delete = "new-delete"
        case peer = "new-peer"
        case listen = "new-listen"
        case failure = "new-failure"

        /// The sets it watches: a write is a file written, created or renamed to.
        public var sets: [DiffSet] {
            switch self {
            case .exec: [.programs]
            case .write: [.written, .created, .renamed]
            case .delete: [.deleted]
            case .peer: [.peers]
            case .listen: [.listening]
            case .failure: [.failures]
            }
        }
    }

    public var failOn: [NewName]
    /// The largest new / base ratio allowed, by measure, in the order given.
    public var maxRatio: [(measure: DiffMeasure, limit: Double)]

    public init(failOn: [NewName] = [], maxRatio: [(measure: DiffMeasure, limit: Double)] = []) {
        self.failOn = failOn
        self.maxRatio = maxRatio
    }

    /// Whether any gate was asked for.
    public var isEmpty: Bool { failOn.isEmpty && maxRatio.isEmpty }

    /// A gate list that does not parse: the message says which part and what is accepted.
    public struct ParseError: Error, Sendable, Hashable {
        public var message: String
        public init(message: String) { self.message = message }
    }

    /// Parses `new-exec,new-write` (`all` for every one).
    public static func parseFailOn(_ text: String) throws(ParseError) -> [NewName] {
        var out: [NewName] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let name = String(part)
            if name == "all" {
                out += NewName.allCases.filter { !out.contains($0) }
                continue
            }
            guard let gate = NewName(rawValue: name) else {
                throw ParseError(
                    message: "--fail-on: \"\(name)\" is not a gate; use a comma list of "
                        + NewName.allCases.map(\.rawValue).joined(separator: ", ") + ", or all.")
            }
            if !out.contains(gate) { out.append(gate) }
        }
        return out
    }

    /// Parses `wall=1.2,cpu=1.25` (a limit is a ratio above 0).
    public static func parseMaxRatio(_ text: String) throws(ParseError) -> [(measure: DiffMeasure, limit: Double)] {
        var out: [(measure: DiffMeasure, limit: Double)] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pair = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let accepted = DiffMeasure.allCases.map(\.rawValue).joined(separator: ", ")
            guard pair.count == 2, let measure = DiffMeasure(rawValue: String(pair[0])) else {
                throw ParseError(
                    message: "--max-ratio: \"\(part)\" is not MEASURE=RATIO; the measures are \(accepted).")
            }
            guard let limit = Double(pair[1]), limit.isFinite, limit > 0 else {
                throw ParseError(message: "--max-ratio: \"\(pair[1])\" is not a ratio above 0 (1.2 allows 20% more).")
            }
            out.removeAll { $0.measure == measure }
            out.append((measure, limit))
        }
        return out
    }
}

/// One gate a diff failed.
public struct DiffViolation: Sendable, Hashable {
    /// `new-exec`, …, or the measure (`wall`).
    public var gate: String
    /// The name added, for a `--fail-on` gate.
    public var name: String?
    /// The figures, for a `--max-ratio` gate.
    public var ratio: Double?
    public var limit: Double?

    public init(gate: String, name: String? = nil, ratio: Double? = nil, limit: Double? = nil) {
        self.gate = gate
        self.name = name
        self.ratio = ratio
        self.limit = limit
    }
}

/// How a diff ends: what `obsctl diff` exits with.
public enum DiffVerdict: Sendable, Hashable {
    /// No gate was asked for, or none was violated.
    case passed
    /// Gates were violated (exit 1).
    case violated([DiffViolation])
    /// A gate was asked for, and the comparison cannot be trusted (exit 2).
    case untrusted([String])
}

extension RunDiff {
    /// Every violation of `gates`, in the order of the gates; a ratio neither side can give
    /// (a figure missing, a base of 0) is not a violation.
    public func violations(_ gates: DiffGates) -> [DiffViolation] {
        var out: [DiffViolation] = []
        for gate in gates.failOn {
            for set in gate.sets {
                for entry in self[set]?.added ?? [] {
                    out.append(DiffViolation(gate: gate.rawValue, name: entry.name))
                }
            }
        }
        for (measure, limit) in gates.maxRatio {
            if let ratio = self[measure]?.ratio, ratio > limit {
                out.append(DiffViolation(gate: measure.rawValue, ratio: ratio, limit: limit))
            }
        }
        return out
    }

    /// The verdict: untrusted when a gate was asked for and the comparison is incomplete (unless
    /// `allowIncomplete`), else violated when a gate is, else passed.
    public func verdict(_ gates: DiffGates, allowIncomplete: Bool = false) -> DiffVerdict {
        guard !gates.isEmpty else { return .passed }
        if !complete && !allowIncomplete { return .untrusted(incomplete) }
        let found = violations(gates)
        return found.isEmpty ? .passed : .violated(found)
    }
}
