/// Cuts one direction of a TCP DNS connection into messages: over TCP each message follows a
/// two-byte length (RFC 1035 §4.2.2), and a call may carry part of one, or several (glibc
/// `writev`s two length-and-query pairs at once, and reads an answer's length, then its body).
///
/// Fed each call's captured bytes and the number of bytes the call moved: when the kernel kept
/// only a prefix (its bound), the bytes it did not keep are known by count. Missing bytes inside
/// a message's body end what is kept of that message (its answers are then incomplete) but not
/// the stream, since its length says where the next one starts; missing bytes inside a length
/// prefix lose the stream (`isLost`), and nothing more is cut from it.
struct DNSTCPStream: Sendable {
    /// The most bytes of one message kept (a TCP message is at most 65,535 bytes).
    static let maxKept = 65_535

    private var lengthBytes: [UInt8] = []
    /// The current message's length, once both prefix bytes were seen.
    private var expected: Int?
    private var body: [UInt8] = []
    /// Bytes of the current body passed, kept or not.
    private var passed = 0
    /// A gap was met in the current body: nothing after it is kept.
    private var bodyHasGap = false
    /// A gap fell in a length prefix: where messages start is no longer known.
    private(set) var isLost = false

    /// Feeds one call's bytes (`captured`, the beginning of what it moved) and how many it moved
    /// (`moved` ≥ `captured.count`); returns the messages it completed, each as the bytes kept of
    /// it (a prefix of the message when the capture was cut).
    mutating func feed(_ captured: some Collection<UInt8>, moved: Int) -> [[UInt8]] {
        var messages: [[UInt8]] = []
        var known = captured.makeIterator()
        var unknown = max(0, moved - captured.count)
        var remainingKnown = captured.count
        while !isLost, remainingKnown + unknown > 0 {
            guard let length = expected else {
                guard remainingKnown > 0, let byte = known.next() else {
                    isLost = true
                    break
                }
                remainingKnown -= 1
                lengthBytes.append(byte)
                if lengthBytes.count == 2 {
                    expected = Int(lengthBytes[0]) << 8 | Int(lengthBytes[1])
                    lengthBytes.removeAll()
                    if expected == 0 { finish(into: &messages) }
                }
                continue
            }
            let need = length - passed
            let fromKnown = min(need, remainingKnown)
            for _ in 0..<fromKnown {
                guard let byte = known.next() else { break }
                if !bodyHasGap, body.count < Self.maxKept { body.append(byte) }
            }
            remainingKnown -= fromKnown
            passed += fromKnown
            if passed < length, remainingKnown == 0, unknown > 0 {
                let skipped = min(length - passed, unknown)
                unknown -= skipped
                passed += skipped
                bodyHasGap = true
            }
            if passed == length { finish(into: &messages) }
        }
        return messages
    }

    private mutating func finish(into messages: inout [[UInt8]]) {
        messages.append(body)
        body.removeAll()
        expected = nil
        passed = 0
        bodyHasGap = false
    }
}
