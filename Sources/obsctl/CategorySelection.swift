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

    /// The categories to observe, and one warning per requested category that cannot be served.
    func resolve(with capabilities: ObserverCapabilities) -> (categories: Set<EventCategory>, problems: [String]) {
        let requested: Set<EventCategory>
        switch self {
        case .automatic: return (capabilities.available.union([.lifecycle]), [])
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
        return (served, problems)
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        String(drop { $0 == set }.reversed().drop { $0 == set }.reversed())
    }
}
