/// Pairs the tree's DNS queries with their answers and keeps the run's address → name table:
/// the user-space half of the DNS capture, fed by the ring-buffer consumer in ring order.
///
/// A query is remembered by its socket (process and descriptor), message id, name (compared
/// without regard to ASCII case, which some resolvers randomise) and type; the answer with the
/// same four completes it, and becomes one `DNSExchange` with the latency between the two calls.
/// A query still waiting when its socket is closed, its process exits or the run ends becomes an
/// exchange that `timedOut`. An answer whose query was not seen (sent before an attach) is
/// reported without a latency. Each answer the tree received with `NOERROR` teaches the name
/// table its `A` and `AAAA` addresses.
///
/// Touched only by the ring-buffer thread, like the consumer that owns it.
struct DNSTracker {
    /// An exchange, and the event whose process, thread and command it is reported with.
    struct Output {
        var event: ObserverEvent
        var exchange: DNSExchange
    }

    private struct SocketKey: Hashable {
        var processID: Int32
        var fd: Int32
    }

    private struct QueryKey: Hashable {
        var socket: SocketKey
        var id: UInt16
        var name: String
        var type: UInt16
    }

    private struct StreamKey: Hashable {
        var socket: SocketKey
        var direction: DNSPayload.Direction
    }

    private struct Pending {
        var event: ObserverEvent
        var exchange: DNSExchange
        var order: UInt64
    }

    /// The most queries waiting at once; past it the oldest is reported as timed out.
    let pendingLimit: Int
    private var pending: [QueryKey: Pending] = [:]
    private var streams: [StreamKey: DNSTCPStream] = [:]
    private var order: UInt64 = 0
    private(set) var names = DNSNameTable()

    init(pendingLimit: Int = 4096) {
        self.pendingLimit = max(1, pendingLimit)
    }

    /// Queries waiting for an answer.
    var waiting: Int { pending.count }

    /// Takes one payload, reported by `event` (the call's process, thread, time); returns the
    /// exchanges it completed.
    mutating func take(_ payload: DNSPayload, event: ObserverEvent) -> [Output] {
        let socket = SocketKey(processID: event.processID, fd: payload.fd)
        let messages: [[UInt8]]
        switch payload.transport {
        case .udp:
            messages = [payload.captured]
        case .tcp:
            let key = StreamKey(socket: socket, direction: payload.direction)
            var stream = streams[key] ?? DNSTCPStream()
            messages = stream.feed(payload.captured, moved: payload.moved)
            streams[key] = stream
        }
        var outputs: [Output] = []
        for bytes in messages {
            guard let message = DNSMessage(decoding: bytes), message.opcode == 0,
                let question = message.questions.first
            else { continue }
            let key = QueryKey(socket: socket, id: message.id, name: Self.folded(question.name), type: question.type)
            if message.isResponse {
                outputs.append(answer(message, question: question, key: key, payload: payload, event: event))
            } else if pending[key] == nil {
                // A retransmission keeps the first send: the latency is what the program waited.
                order += 1
                let server = payload.server
                let exchange = DNSExchange(
                    query: question.name, queryType: DNSExchange.typeName(question.type), server: server.address,
                    port: server.port, transport: payload.transport, id: message.id)
                pending[key] = Pending(event: event, exchange: exchange, order: order)
                if pending.count > pendingLimit, let oldest = pending.min(by: { $0.value.order < $1.value.order }) {
                    outputs.append(timedOut(pending.removeValue(forKey: oldest.key)!, at: event.timestampNs))
                }
            }
        }
        return outputs
    }

    private mutating func answer(
        _ message: DNSMessage, question: DNSQuestion, key: QueryKey, payload: DNSPayload, event: ObserverEvent
    ) -> Output {
        var exchange: DNSExchange
        if let query = pending.removeValue(forKey: key) {
            exchange = query.exchange
            exchange.latencyNs =
                event.timestampNs >= query.event.timestampNs
                ? event.timestampNs - query.event.timestampNs : 0
        } else {
            let server = payload.server
            exchange = DNSExchange(
                query: question.name, queryType: DNSExchange.typeName(question.type), server: server.address,
                port: server.port, transport: payload.transport, id: message.id)
        }
        exchange.responseCode = DNSExchange.responseCodeName(UInt16(message.responseCode))
        exchange.answers = message.answers.compactMap { record in
            record.data.text.map {
                DNSExchange.Answer(type: DNSExchange.typeName(record.type), value: $0, ttl: record.ttl)
            }
        }
        if payload.direction == .received, message.responseCode == 0 {
            for record in message.answers {
                if case .address(let address) = record.data { names.record(address, name: question.name) }
            }
        }
        var answered = event
        answered.category = .network
        return Output(event: answered, exchange: exchange)
    }

    /// The socket `fd` of `processID` was closed: its waiting queries timed out, and its TCP
    /// streams end.
    mutating func socketClosed(processID: Int32, fd: Int32, at timestampNs: UInt64) -> [Output] {
        let socket = SocketKey(processID: processID, fd: fd)
        streams[StreamKey(socket: socket, direction: .sent)] = nil
        streams[StreamKey(socket: socket, direction: .received)] = nil
        return expire(at: timestampNs) { $0.socket == socket }
    }

    /// `processID` exited: its waiting queries timed out.
    mutating func processExited(_ processID: Int32, at timestampNs: UInt64) -> [Output] {
        streams = streams.filter { $0.key.socket.processID != processID }
        return expire(at: timestampNs) { $0.socket.processID == processID }
    }

    /// The run ended: every waiting query timed out.
    mutating func finish(at timestampNs: UInt64) -> [Output] {
        streams.removeAll()
        return expire(at: timestampNs) { _ in true }
    }

    private mutating func expire(at timestampNs: UInt64, where matches: (QueryKey) -> Bool) -> [Output] {
        let keys = pending.keys.filter(matches)
        guard !keys.isEmpty else { return [] }
        return keys.map { pending.removeValue(forKey: $0)! }.sorted { $0.order < $1.order }.map {
            timedOut($0, at: timestampNs)
        }
    }

    private func timedOut(_ query: Pending, at timestampNs: UInt64) -> Output {
        var event = query.event
        event.timestampNs = max(timestampNs, event.timestampNs)
        var exchange = query.exchange
        exchange.timedOut = true
        return Output(event: event, exchange: exchange)
    }

    /// A name folded for comparison: ASCII letters in lower case (DNS names compare without
    /// regard to ASCII case, RFC 4343).
    private static func folded(_ name: String) -> String {
        String(decoding: name.utf8.map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }, as: UTF8.self)
    }
}
