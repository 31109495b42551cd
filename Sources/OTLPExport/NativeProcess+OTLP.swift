import Foundation
import ProcessObserver

extension NativeProcess {
    /// Exports this process's run to an OpenTelemetry collector, like any subscriber: call it
    /// before `run()`/`spawn()`, then `finish()` on the result once the run is over.
    ///
    /// ```swift
    /// let process = NativeProcess(.name("make"), arguments: ["-j8"])
    /// let export = process.withOTLPExport(try OTLPConfiguration.make().get())
    /// let result = try process.run()
    /// let counts = export.finish()   // waits for the stream's end, then flushes (bounded)
    /// ```
    ///
    /// The events are read, mapped and queued on a thread of the export's own; sending happens
    /// on the exporter's. Neither ever blocks the run: a full subscriber buffer drops (counted,
    /// as `lost` events, exported too), a full send queue drops (counted in `finish()`).
    public func withOTLPExport(
        _ configuration: OTLPConfiguration,
        observing config: ObserverConfig = ObserverConfig(
            categories: [.lifecycle, .file, .network, .process], sampleInterval: .seconds(1))
    ) -> OTLPAttachment {
        OTLPAttachment(subscriber: withObserver(config), configuration: configuration)
    }
}

/// A run being exported (`NativeProcess.withOTLPExport`).
public final class OTLPAttachment: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var export: OTLPRunExport
    private var result: OTLPExporter.Counts?
    private let lock = NSLock()
    private var sentCounts: [String: Int] = [:]

    /// Exports what `subscriber` receives (a subscriber of its own: its buffer's drops are its
    /// own, counted as `lost` events and exported as `obs.lost` records).
    public init(
        subscriber: ObserverSubscriber, configuration: OTLPConfiguration, hostName: String? = nil,
        kernelRelease: String? = nil
    ) {
        func read(_ path: String) -> String {
            ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        }
        export = OTLPRunExport(
            configuration: configuration, hostName: hostName ?? read("/proc/sys/kernel/hostname"),
            kernelRelease: kernelRelease ?? read("/proc/sys/kernel/osrelease"))
        let thread = Thread { [self] in
            while let event = subscriber.recv() { export.add(event) }
            let counts = export.finish()
            lock.lock()
            result = counts
            sentCounts = export.sent
            lock.unlock()
            done.signal()
        }
        thread.name = "obs-otlp-map"
        thread.start()
    }

    /// Waits until the run's stream has ended and the export has flushed (at most the
    /// configuration's `flushDeadline` after the end); returns what became of everything.
    public func finish() -> OTLPExporter.Counts {
        done.wait()
        done.signal()  // a second call returns at once
        lock.lock()
        defer { lock.unlock() }
        return result ?? OTLPExporter.Counts()
    }

    /// Items handed to the exporter per signal (`traces`, `logs`, `metrics`), once finished.
    public var sent: [String: Int] {
        lock.lock()
        defer { lock.unlock() }
        return sentCounts
    }
}
