/// A node of the folded process tree: one process, or siblings running the same program folded
/// into one (`cc1 ×97`), with their children folded the same way beneath.
///
/// Folding goes by the program's file name (`ReportedProcess.name`) among the children of one
/// node, in the order each name first appears; the members of a folded node pool their children,
/// so `sh ×97 → cc ×97 → cc1 ×97` reads as the shape of the build, not 291 lines.
public struct ProcessGroup: Sendable, Hashable {
    public var name: String
    /// Indices into `RunReport.processes`, in fork order.
    public var members: [Int]
    public var children: [ProcessGroup]

    public var isFolded: Bool { members.count > 1 }

    /// Folds the processes at `indices` (siblings) and, recursively, their children.
    public static func fold(_ indices: [Int], in processes: [ReportedProcess]) -> [ProcessGroup] {
        var order: [String] = []
        var byName: [String: [Int]] = [:]
        for index in indices {
            let name = processes[index].name
            if byName[name] == nil { order.append(name) }
            byName[name, default: []].append(index)
        }
        return order.map { name in
            let members = byName[name]!
            return ProcessGroup(
                name: name, members: members, children: fold(members.flatMap { processes[$0].children }, in: processes))
        }
    }

    /// Processes in this node and beneath it.
    public var processCount: Int { members.count + children.reduce(0) { $0 + $1.processCount } }
}

extension RunReport {
    /// The folded tree under every root.
    public var foldedTree: [ProcessGroup] { ProcessGroup.fold(roots, in: processes) }

    /// A process's wall time: to its exit, or to the end of the recording when it never exited.
    public func wallNs(of process: ReportedProcess) -> UInt64 {
        let end = process.exitNs ?? lastTimestampNs
        return end >= process.startNs ? end - process.startNs : 0
    }

    /// Offset of `ns` from the report's origin.
    public func offsetNs(_ ns: UInt64) -> UInt64 { ns >= originNs ? ns - originNs : 0 }
}
