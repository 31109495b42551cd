import ArgumentParser
import ProcessObserver

/// What `--categories` asked for, and what this machine can give of it.
enum CategorySelection: Equatable {
    /// No `--categories`: every category the machine supports, the others left out quietly.
    case automatic
    /// `--categories all`: every category; each one that is unavailable gets a warning.
    case all
    /// A comma list; each named category that is unavailable gets a warning.
    case named(Set<EventCategory>)

    static var validValues: String {
        (EventCategory.allCases.map(\.rawValue) + ["all"]).joined(separator: ", ")
    }

    /// Parses a comma list (`file,network`) or `all`.
    static func parse(_ text: String) throws -> CategorySelection {
        let names = text.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: " ")
        }
        if names == ["all"] { return .all }
        var set = Set<EventCategory>()
        for name in names {
            guard let category = EventCategory(rawValue: name) else {
                let shown = name.isEmpty ? "an empty name" : "\"\(name)\""
                throw ValidationError(
                    "Unknown category \(shown) in --categories. Valid values: \(validValues) "
                        + "(a comma list, or all).")
            }
            set.insert(category)
        }
        return .named(set)
    }

    /// The categories to observe; one warning per requested category that cannot be served; and,
    /// for the default selection, one note naming the categories left out and why (so that a run
    /// without the privileges for eBPF never surprises with an empty file or network stream).
    func resolve(with capabilities: ObserverCapabilities) -> (
        categories: Set<EventCategory>, problems: [String], leftOut: String?
    ) {
        let requested: Set<EventCategory>
        switch self {
        case .automatic:
            return (capabilities.available.union([.lifecycle]), [], Self.leftOutNote(capabilities))
        case .all: requested = Set(EventCategory.allCases)
        case .named(let set): requested = set
        }
        var problems: [String] = []
        for category in requested.sorted() {
            let capability = capabilities[category]
            switch capability.support {
            case .supported: break
            case .partial:
                let missing =
                    capability.missing.isEmpty ? "" : " (missing: \(capability.missing.joined(separator: ", ")))"
                problems.append(
                    "category \"\(category.rawValue)\" is only partly available\(missing): \(capability.reason)")
            case .unavailable:
                problems.append("category \"\(category.rawValue)\" is unavailable: \(capability.reason)")
            }
        }
        let served = requested.intersection(capabilities.available).union([.lifecycle])
        return (served, problems, nil)
    }

    /// `not observing file, network, process: <reason> (--categories lifecycle silences this)`,
    /// one line per distinct reason; nil when every category is available.
    static func leftOutNote(_ capabilities: ObserverCapabilities) -> String? {
        let unavailable = capabilities.categories.filter { $0.support == .unavailable }
        guard !unavailable.isEmpty else { return nil }
        var reasons: [String] = []
        var byReason: [String: [String]] = [:]
        for capability in unavailable {
            if byReason[capability.reason] == nil { reasons.append(capability.reason) }
            byReason[capability.reason, default: []].append(capability.category.rawValue)
        }
        let parts = reasons.map { "\(byReason[$0]!.joined(separator: ", ")): \($0)" }
        return "not observing " + parts.joined(separator: "; ")
            + " (obsctl capabilities says more; --categories lifecycle silences this)"
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        String(drop { $0 == set }.reversed().drop { $0 == set }.reversed())
    }
}
