/// The record decoder outside a run, for `obsbench userspace` to time it alone (issue 23): a
/// benchmark cannot reach internal types, and a release build has no `@testable`.
///
/// Not API: the record format is private to this package and changes with the BPF programs.
@_spi(Benchmarks)
public struct BenchmarkRecordDecoder {
    private let decoder = RecordDecoder(categories: EventCategory.kernelCategories)

    public init() {}

    /// The event of one ring-buffer record, every kernel category on and paths resolved; nil
    /// for a malformed record.
    public func decode(_ record: UnsafeRawBufferPointer) -> ObserverEvent? {
        try? decoder.decode(record).event
    }
}
