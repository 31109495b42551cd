import Testing

@testable import ProcessObserver

@Suite("Subscribers never block the run")
struct SubscriberTests {
    @Test("a subscriber that never reads loses an exact count, reported once before the profile")
    func nonReaderLosesExactCount() throws {
        let process = NativeProcess(.name("sleep"), arguments: ["100"])
        let capacity = 4
        let slow = process.withObserver(
            ObserverConfig.lifecycle().sampling(every: .milliseconds(1)).buffering(capacity))
        let eager = process.withObserver(ObserverConfig.lifecycle().sampling(every: .milliseconds(1)))
        let running = try process.spawn()
        // Let it run until the eager reader has seen 20 samples, then end it: many events, no timing.
        var everything: [ObserverEvent] = []
        while let e = eager.recv() {
            everything.append(e)
            if everything.filter({ $0.kind.name == "sample" }).count == 20 { running.terminate() }
        }
        let result = running.wait()
        #expect(result.status == .signaled(signal: 15, coreDumped: false))

        // The eager reader saw every event: started, samples, exited, profile, and no loss.
        let published = everything.dropLast()  // all but the profile
        #expect(everything.last?.kind.name == "profile")
        #expect(!everything.contains { $0.kind.name == "lost" })
        try #require(published.count > capacity + 1, "the run made too few events to overflow the buffer")
        #expect(slow.buffer.storedCount <= capacity + 2)

        let got = slow.collect()
        // The first `capacity` events, then one lost marker, then the profile.
        try #require(got.count == capacity + 2)
        #expect(Array(got.prefix(capacity).map(\.seq)) == Array(published.prefix(capacity).map(\.seq)))
        guard case .lost(let lost) = got[capacity].kind else {
            Issue.record("expected a lost event, got \(got[capacity].kind.name)")
            return
        }
        #expect(lost.source == .subscriber)
        #expect(lost.count == UInt64(published.count - capacity))
        #expect(got[capacity].seq == published[capacity].seq, "the marker carries the first dropped event's seq")
        guard case .profile(let profile) = got.last?.kind else {
            Issue.record("expected the profile last")
            return
        }
        #expect(profile.lostSubscriber == lost.count)
        #expect(profile.sampleCount == published.filter { $0.kind.name == "sample" }.count)
        #expect(result.profile.lostSubscriber == lost.count)
    }

    @Test(
        "a subscriber dropped mid-run is freed and its queue emptied; the run and the other subscriber see no difference"
    )
    func droppedSubscriber() throws {
        let pipes = try ChildPipes()
        let process = NativeProcess(
            .name("sh"), arguments: ["-c", "read x; exit 7"], standardInput: .fileDescriptor(pipes.read),
            timeout: .seconds(60))
        var dropped: ObserverSubscriber? = process.withObserver(.lifecycle())
        let kept = process.withObserver(.lifecycle())
        let running = try process.spawn()
        pipes.closeChildEnds()
        // The child waits for our line, so the run is certainly still going when we drop it.
        let started = try #require(kept.recv())
        #expect(started.kind.name == "started")
        let buffer = try #require(dropped?.buffer)
        #expect(buffer.storedCount == 1)  // its own copy of `started`, unread
        weak let gone = dropped
        dropped = nil
        #expect(gone == nil, "something still holds the dropped subscriber")
        #expect(buffer.storedCount == 0, "the dropped subscriber's queue was not freed")

        pipes.release()
        let result = running.wait()
        #expect(result.status == .exited(code: 7))
        #expect(result.profile.status == .exited(code: 7))
        #expect(result.profile.lostSubscriber == 0)
        let rest = kept.collect()
        #expect(rest.map(\.kind.name) == ["exited", "profile"])
        #expect(([started] + rest).map(\.seq) == [1, 2, 3])
        #expect(kept.lostCount == 0)
        // Nothing published after the drop was queued for it.
        #expect(buffer.storedCount == 0)
    }

    @Test("the subscriber is an AsyncSequence that ends after the profile")
    func asyncSequence() async throws {
        let process = NativeProcess(.name("true"))
        let events = process.withObserver(.lifecycle())
        let running = try process.spawn()
        var kinds: [String] = []
        for await event in events { kinds.append(event.kind.name) }
        #expect(kinds == ["started", "exited", "profile"])
        #expect(await running.result.status == .exited(code: 0))
    }

    @Test("tryRecv and drain never block; recv returns nil at the end")
    func nonBlockingReads() throws {
        let process = NativeProcess(.name("true"))
        let events = process.withObserver(.lifecycle())
        let result = try process.run()
        #expect(result.status == .exited(code: 0))
        let first = events.tryRecv()
        #expect(first?.kind.name == "started")
        #expect(events.drain().map(\.kind.name) == ["exited", "profile"])
        #expect(events.tryRecv() == nil)
        #expect(events.recv() == nil)
        #expect(events.isFinished)
    }

    @Test("drain into a kept array appends at most the count asked for, in order, after what the array holds")
    func drainIntoKeptArray() {
        let buffer = SubscriberBuffer(config: ObserverConfig.lifecycle().buffering(16))
        for seq: UInt64 in 1...7 {
            buffer.offer(
                ObserverEvent(
                    seq: seq, timestampNs: seq, category: .lifecycle, processID: 1, kind: .exited(.exited(code: 0))))
        }
        var kept: [ObserverEvent] = []
        #expect(buffer.drain(into: &kept, upTo: 3) == 3)
        #expect(kept.map(\.seq) == [1, 2, 3])
        let storage = kept.capacity
        kept.removeAll(keepingCapacity: true)
        #expect(buffer.drain(into: &kept, upTo: 2) == 2)
        #expect(buffer.drain(into: &kept, upTo: 100) == 2)
        #expect(kept.map(\.seq) == [4, 5, 6, 7])
        #expect(kept.capacity >= storage)
        #expect(buffer.drain(into: &kept, upTo: 100) == 0)
        #expect(kept.count == 4)
    }

    @Test("the buffer drops beyond capacity and says so before the next event it keeps")
    func bufferUnit() {
        let buffer = SubscriberBuffer(config: ObserverConfig.lifecycle().buffering(2))
        func event(_ seq: UInt64) -> ObserverEvent {
            ObserverEvent(
                seq: seq, timestampNs: seq, category: .lifecycle, processID: 1, kind: .exited(.exited(code: 0)))
        }
        for seq: UInt64 in 1...5 { buffer.offer(event(seq)) }
        #expect(buffer.tryReceive()?.seq == 1)
        buffer.offer(event(6))  // room for one: the marker goes first, then 6
        let rest = buffer.drain()
        #expect(rest.map(\.seq) == [2, 3, 6])
        guard case .lost(let lost) = rest[1].kind else {
            Issue.record("expected lost")
            return
        }
        #expect(lost.count == 3)
        #expect(buffer.lostTotal == 3)
    }

    @Test("a published batch reaches every subscriber whole and in order, numbered once; a full one counts its losses")
    func batchUnit() {
        let wide = SubscriberBuffer(config: ObserverConfig.lifecycle(.file))
        let narrow = SubscriberBuffer(config: ObserverConfig.lifecycle(.file).buffering(3))
        let lifecycleOnly = SubscriberBuffer(config: ObserverConfig.lifecycle())
        // The last subscriber takes the events (moved, not copied): `wide` must see them whole.
        let hub = EventHub(subscribers: [lifecycleOnly, narrow, wide])
        func open(_ n: Int) -> ObserverEvent {
            ObserverEvent(
                timestampNs: UInt64(n), category: .file, processID: 7, command: "worker",
                kind: .open(
                    FileOpen(path: CapturedString(ByteString("/f/\(n)")), flags: 0, mode: nil, result: SyscallResult(3))
                ))
        }
        var batch = (1...4).map(open)
        batch.insert(
            ObserverEvent(
                timestampNs: 0, category: .lifecycle, processID: 7, kind: .lost(Lost(count: 2, source: .kernel))),
            at: 0)
        hub.publish(&batch)
        // Capacity 3: the lost event and two opens fit, two are dropped.
        let firstPart = narrow.drain()
        hub.publish(open(5))
        func paths(_ events: [ObserverEvent]) -> [String] {
            events.map {
                if case .open(let o) = $0.kind { o.path.value.string } else { $0.kind.name }
            }
        }
        let all = wide.drain()
        #expect(all.map(\.seq) == [1, 2, 3, 4, 5, 6])
        #expect(paths(all) == ["lost", "/f/1", "/f/2", "/f/3", "/f/4", "/f/5"])
        #expect(all.allSatisfy { $0.wallClockNs == hub.wallClock(forMonotonic: $0.timestampNs) })
        #expect(all[1].command == "worker")
        #expect(paths(firstPart) == ["lost", "/f/1", "/f/2"])
        // The marker for the two dropped, carrying the first one's number, then /f/5.
        let secondPart = narrow.drain()
        #expect(paths(secondPart) == ["lost", "/f/5"])
        #expect(secondPart.map(\.seq) == [4, 6])
        #expect(narrow.lostTotal == 2)
        #expect(lifecycleOnly.drain().map(\.seq) == [1])
    }
}
