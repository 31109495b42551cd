/// The record types whose RDATA the decoder reads (RFC 1035 §3.2.2, RFC 3596, RFC 6672); their
/// names, and every other type's, are `DNSExchange.typeName(_:)`'s.
enum DNSRecordType {
    static let a: UInt16 = 1
    static let ns: UInt16 = 2
    static let cname: UInt16 = 5
    static let ptr: UInt16 = 12
    static let aaaa: UInt16 = 28
    static let dname: UInt16 = 39
}
