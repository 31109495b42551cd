import FoundationEssentials

/// RFC 4648 base64 (with padding), from Foundation rather than by hand: for the exact bytes of
/// non-UTF-8 strings in JSON, and for the eBPF object embedded as a string literal.
enum Base64 {
    static func encode(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }
    static func decode(_ text: String) -> [UInt8]? { Data(base64Encoded: text).map { [UInt8]($0) } }
}
