import Testing

@testable import ProcessObserver

@Suite("DNS over TCP: messages cut from the byte stream")
struct DNSTCPStreamTests {
    /// glibc 2.36 with `options use-vc`, traced here: one writev of two length-and-query pairs.
    static let writev = hexBytes(
        "001e" + "6ed90100000100000000000003737663036f627304746573740000010001" + "001e"
            + "12de0100000100000000000003737663036f6273047465737400001c0001")
    /// Its answers, read as the resolver reads them: the length, then the body.
    static let reads = [
        "002e",
        "6ed98180000100010000000003737663036f627304746573740000010001c00c000100010000003c00047f00004d",
        "003a",
        "12de8180000100010000000003737663036f6273047465737400001c0001c00c001c00010000003c0010fd000000000000000000000000000077",
    ].map(hexBytes)

    @Test("one call carrying two whole messages gives both")
    func twoInOne() {
        var stream = DNSTCPStream()
        let messages = stream.feed(Self.writev, moved: Self.writev.count)
        #expect(messages.map(\.count) == [30, 30])
        #expect(messages.compactMap { DNSMessage(decoding: $0)?.id } == [0x6ed9, 0x12de])
        #expect(!stream.isLost)
    }

    @Test("a length and its body in separate calls give the message after the body")
    func lengthThenBody() {
        var stream = DNSTCPStream()
        let counts = Self.reads.map { stream.feed($0, moved: $0.count).map(\.count) }
        #expect(counts == [[], [46], [], [58]])
    }

    @Test("bytes one at a time give the same messages")
    func byteByByte() {
        var stream = DNSTCPStream()
        var messages: [[UInt8]] = []
        for byte in Self.writev { messages += stream.feed([byte], moved: 1) }
        #expect(messages == [Array(Self.writev[2..<32]), Array(Self.writev[34...])])
    }

    @Test("a body the capture cut keeps its prefix, and the next message is found by the length")
    func gapInBody() {
        var stream = DNSTCPStream()
        // The call moved the first 32 bytes, the capture kept 20: 18 bytes of the first body.
        #expect(stream.feed(Self.writev.prefix(20), moved: 32) == [Array(Self.writev[2..<20])])
        #expect(stream.feed(Self.writev[32...], moved: 32) == [Array(Self.writev[34...])])
        #expect(!stream.isLost)
    }

    @Test("a gap inside a length prefix loses the stream")
    func gapInPrefix() {
        var stream = DNSTCPStream()
        #expect(stream.feed(Self.writev.prefix(32), moved: 33).count == 1)
        #expect(stream.isLost)
        #expect(stream.feed(Self.reads[0], moved: 2) == [])
    }

    @Test("a zero-length message is an empty one, and the stream goes on")
    func zeroLength() {
        var stream = DNSTCPStream()
        let messages = stream.feed([0, 0] + Self.reads[0] + Self.reads[1], moved: 50)
        #expect(messages.map(\.count) == [0, 46])
    }
}
