/// What changed from one run (or several, the base) to another: the comparison `obsctl diff`
/// renders and gates on (`Docs/DIFF.md`). A value: built once from the runs' digests, then
/// rendered by `DiffText`, `DiffJSON` and `DiffMarkdown`, and judged by `verdict(_:)`.
///
/// With several bases, a name is in the base when any base has it (the union: what one base did
/// is not news when another did it too) with the largest count any base has, and a figure's
/// base is the median of the bases that have it.
public struct RunDiff: Sendable {
    /// One name and how many calls named it (in the new run when added, in the base when removed).
    public struct Entry: Sendable, Hashable {
        public var name: String
        public var count: Int

        public init(name: String, count: Int) {
            self.name = name
            self.count = count
        }
    }

    /// One set's change.
    public struct SetChange: Sendable, Hashable {
        public var set: DiffSet
        public var added: [Entry]
        public var removed: [Entry]
        public var isEmpty: Bool { added.isEmpty && removed.isEmpty }
    }

    /// One figure: the base's (the median of the bases that have it), the new run's, new / base.
    public struct FigureChange: Sendable, Hashable {
        public var measure: DiffMeasure
        public var base: UInt64?
        public var new: UInt64?
        /// nil when either side lacks the figure or the base is 0.
        public var ratio: Double? {
            guard let base, let new, base > 0 else { return nil }
            return Double(new) / Double(base)
        }
    }

    /// One recording as the diff names it.
    public struct Side: Sendable, Hashable {
        /// `base`, `base 2`, …, or `new`.
        public var label: String
        /// The recording's path.
        public var name: String
        public var command: [String]
        public var completeness: RunDigest.Completeness
        /// What this recording itself lacks (lost events, cut short, no header); empty when whole.
        public var problems: [String]
        public var complete: Bool { problems.isEmpty }
    }

    public var bases: [Side]
    public var new: Side
    /// Every set, in `DiffSet.allCases` order; `read` only when asked.
    public var sets: [SetChange]
    /// Every measure either side has, in `DiffMeasure.allCases` order.
    public var figures: [FigureChange]
    /// How a base and the new run were observed differently (categories, filters).
    public var differences: [String]
    /// Why the comparison cannot be trusted: each side's problems, then the differences between
    /// the sides. Empty when it can.
    public var incomplete: [String] {
        (bases + [new]).flatMap { side in side.problems.map { "\(side.label) (\(side.name)): \($0)" } } + differences
    }
    public var ignored: [GlobPattern]
    public var includesReads: Bool

    public var complete: Bool { incomplete.isEmpty }

    /// Compares `new` with `bases` (at least one); names matching a glob of `ignoring` are left
    /// out of every set; files read are compared only with `reads`.
    public init(bases: [RunDigest], new: RunDigest, ignoring: [GlobPattern] = [], reads: Bool = false) {
        precondition(!bases.isEmpty, "a diff needs a base")
        self.ignored = ignoring
        self.includesReads = reads
        let baseSides = bases.enumerated().map {
            Self.side($1, label: bases.count == 1 ? "base" : "base \($0 + 1)", reads: reads)
        }
        self.bases = baseSides
        self.new = Self.side(new, label: "new", reads: reads)
        var sets: [SetChange] = []
        for set in DiffSet.allCases where set != .read || reads {
            var base: [String: Int] = [:]
            for digest in bases {
                for (name, count) in digest.sets[set] ?? [:] { base[name] = max(base[name] ?? 0, count) }
            }
            let now = new.sets[set] ?? [:]
            func kept(_ name: String) -> Bool { !Self.ignores(ignoring, name, set) }
            let added = now.filter { base[$0.key] == nil && kept($0.key) }.map { Entry(name: $0.key, count: $0.value) }
            let removed = base.filter { now[$0.key] == nil && kept($0.key) }.map {
                Entry(name: $0.key, count: $0.value)
            }
            sets.append(
                SetChange(
                    set: set, added: added.sorted { $0.name < $1.name }, removed: removed.sorted { $0.name < $1.name }))
        }
        self.sets = sets
        figures = DiffMeasure.allCases.compactMap { measure in
            let values = bases.compactMap { $0.figures[measure] }
            let change = FigureChange(measure: measure, base: Self.median(values), new: new.figures[measure])
            return change.base == nil && change.new == nil ? nil : change
        }
        var differences: [String] = []
        for (index, base) in bases.enumerated() {
            differences += Self.differences(base, baseSides[index].label, new, self.new.label)
        }
        self.differences = differences
    }

    /// The set's change.
    public subscript(set: DiffSet) -> SetChange? { sets.first { $0.set == set } }

    /// The figure's change.
    public subscript(measure: DiffMeasure) -> FigureChange? { figures.first { $0.measure == measure } }

    // MARK: helpers

    /// The median: the middle value, or the mean of the middle two rounded down; nil for none.
    static func median(_ values: [UInt64]) -> UInt64? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        if sorted.count % 2 == 1 { return sorted[middle] }
        let (a, b) = (sorted[middle - 1], sorted[middle])
        return a / 2 + b / 2 + (a % 2 + b % 2) / 2
    }

    /// Whether a glob leaves `name` out: matched against the name, and, for a rename, against
    /// either side, for a failure, against its subject.
    static func ignores(_ globs: [GlobPattern], _ name: String, _ set: DiffSet) -> Bool {
        guard !globs.isEmpty else { return false }
        var candidates = [name]
        switch set {
        case .renamed:
            if let arrow = name.firstRange(of: " → ") {
                candidates += [String(name[..<arrow.lowerBound]), String(name[arrow.upperBound...])]
            }
        case .failures:
            let parts = name.split(separator: " ", maxSplits: 2)
            if parts.count == 3 { candidates.append(String(parts[2])) }
        case .programs, .written, .created, .deleted, .read, .peers, .listening:
            break
        }
        return globs.contains { glob in candidates.contains { glob.matches($0) } }
    }

    static func side(_ digest: RunDigest, label: String, reads: Bool) -> Side {
        let c = digest.completeness
        var problems: [String] = []
        if c.lost > 0 {
            problems.append("lost \(c.lost) events (kernel \(c.lostKernel), subscriber \(c.lostSubscriber))")
        }
        if c.truncated { problems.append(c.truncationNote ?? "the recording is truncated") }
        if c.categories == nil { problems.append("it has no header: what it observed is not known") }
        for set in DiffSet.allCases where digest.overflowed.contains(set) && (set != .read || reads) {
            problems.append(
                "\(set.title): more than \(ReportText.grouped(PathCounts.capacity)) distinct names, "
                    + "and those past them are not compared")
        }
        return Side(label: label, name: digest.name, command: digest.command, completeness: c, problems: problems)
    }

    /// How `base` and `new` were observed differently: categories delivered otherwise, other
    /// categories asked for, paths resolved in one and not the other. Sampling is not compared:
    /// no part of a diff comes from samples.
    static func differences(_ base: RunDigest, _ baseName: String, _ new: RunDigest, _ newName: String) -> [String] {
        var out: [String] = []
        let b = base.completeness
        let n = new.completeness
        let bc = b.categories?.filter { $0.key != "sampling" }
        let nc = n.categories?.filter { $0.key != "sampling" }
        if let bc, let nc {
            for category in Set(bc.keys).union(nc.keys).sorted() {
                let was = bc[category] ?? "absent"
                let now = nc[category] ?? "absent"
                if was != now { out.append("\(category) was \(was) in \(baseName), \(now) in \(newName)") }
            }
        }
        if let ba = b.asked?.subtracting(["sampling"]), let na = n.asked?.subtracting(["sampling"]), ba != na,
            bc == nc
        {
            out.append(
                "the categories asked for differ: \(ba.sorted().joined(separator: ",")) in \(baseName), "
                    + "\(na.sorted().joined(separator: ",")) in \(newName)")
        }
        if let br = b.pathsResolved, let nr = n.pathsResolved, br != nr {
            func words(_ resolved: Bool) -> String { resolved ? "resolved" : "as passed (--no-resolve-paths)" }
            out.append("paths were \(words(br)) in \(baseName), \(words(nr)) in \(newName)")
        }
        // A call filtered out of one side is not a call the other side added.
        if b.filters != n.filters {
            out.append(
                "file and network events were filtered otherwise: \(b.filters ?? "no filter") in \(baseName), "
                    + "\(n.filters ?? "no filter") in \(newName)")
        }
        return out
    }
}
