/// `/proc/<pid>/statm`: seven page counts on one line, `size resident shared text lib data dt`.
///
/// `lib` and `dt` have been 0 since Linux 2.6 and are not kept. Multiply by the page size
/// (`sysconf(_SC_PAGESIZE)`) for bytes.
struct ProcStatm: Sendable, Hashable {
    var sizePages: UInt64
    /// The same count as `stat`'s `rss`: anonymous + file-backed + shared-memory pages.
    var residentPages: UInt64
    var sharedPages: UInt64
    var textPages: UInt64
    var dataPages: UInt64

    init?(parsing bytes: [UInt8]) {
        let fields = ProcText.fields(bytes[...])
        guard fields.count == 7 else { return nil }
        let values = fields.compactMap(ProcText.unsigned)
        guard values.count == 7 else { return nil }
        sizePages = values[0]
        residentPages = values[1]
        sharedPages = values[2]
        textPages = values[3]
        dataPages = values[5]
    }
}
