/// The subscribers `withObserver` added for the next start (`spawn()`, `attach()`), which takes
/// them all. A start that fails ends every one of their streams (empty), so no reader waits
/// forever.
final class PendingSubscribers: @unchecked Sendable {
    private let lock = ConditionLock()
    private var pending: [SubscriberBuffer] = []

    /// A new subscriber for the next start.
    func add(_ config: ObserverConfig) -> ObserverSubscriber {
        let subscriber = ObserverSubscriber(config: config)
        lock.withLock { pending.append(subscriber.buffer) }
        return subscriber
    }

    /// Hands every pending subscriber to `start`; ends their streams when it throws.
    func start<T>(_ start: ([SubscriberBuffer]) throws(ObserverError) -> T) throws(ObserverError) -> T {
        let subscribers = lock.withLock {
            defer { pending = [] }
            return pending
        }
        do {
            return try start(subscribers)
        } catch {
            for subscriber in subscribers { subscriber.finish(with: nil) }
            throw error
        }
    }
}
