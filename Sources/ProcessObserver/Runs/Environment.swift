/// The child's environment variables.
public struct Environment: Sendable, Hashable {
    enum Storage: Hashable, Sendable {
        case inherit([String: String?])
        case custom([String: String])
    }
    let storage: Storage

    /// Exactly ours.
    public static let inherit = Environment(storage: .inherit([:]))

    /// Ours, with some variables set (a value) or removed (nil).
    public static func inherit(updating changes: [String: String?]) -> Environment {
        Environment(storage: .inherit(changes))
    }

    /// Only these variables.
    public static func custom(_ variables: [String: String]) -> Environment {
        Environment(storage: .custom(variables))
    }

    /// The `NAME=value` entries the child gets, in a stable order.
    func entries() -> [ByteString] {
        switch storage {
        case .custom(let vars):
            return vars.sorted { $0.key < $1.key }.map { ByteString("\($0.key)=\($0.value)") }
        case .inherit(let changes):
            var out: [ByteString] = []
            var seen = Set<String>()
            for bytes in Syscall.environment() {
                let name = String(decoding: bytes.bytes.prefix { $0 != UInt8(ascii: "=") }, as: UTF8.self)
                if let change = changes[name] {
                    if !seen.contains(name), let value = change { out.append(ByteString("\(name)=\(value)")) }
                    seen.insert(name)
                } else {
                    out.append(bytes)
                }
            }
            for (name, value) in changes.sorted(by: { $0.key < $1.key }) where !seen.contains(name) {
                if let value { out.append(ByteString("\(name)=\(value)")) }
            }
            return out
        }
    }

    /// The value of `name` in the child's environment (for `.inherit`, in ours).
    public func value(of name: String) -> String? {
        switch storage {
        case .custom(let vars): return vars[name]
        case .inherit(let changes):
            if let change = changes[name] { return change }
            return Syscall.environmentValue(name)
        }
    }

    /// The same, by building the whole list (kept to check `value(of:)` against in tests).
    func valueByScanningEntries(of name: String) -> String? {
        let prefix = Array((name + "=").utf8)
        for entry in entries() where entry.bytes.starts(with: prefix) {
            return String(decoding: entry.bytes.dropFirst(prefix.count), as: UTF8.self)
        }
        return nil
    }
}
