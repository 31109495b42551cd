/// A series as one line of block characters (`▁▂▃▄▅▆▇█`), for the terminal report: the time
/// from `start` to `end` cut into `width` columns, each the highest value that fell in it,
/// scaled to the series' peak; a column no sample fell in repeats the one before (the value
/// held until the next sample), and before the first sample it is blank.
enum Sparkline {
    static let width = 60
    private static let blocks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    static func render(_ points: [(UInt64, Double)], from start: UInt64, to end: UInt64, width: Int = width) -> String {
        guard let peak = points.map(\.1).max(), end > start else { return String(repeating: " ", count: width) }
        var columns = [Double?](repeating: nil, count: width)
        let span = Double(end - start)
        for (ts, value) in points {
            let offset = ts > start ? Double(ts - start) : 0
            let column = min(width - 1, Int(offset / span * Double(width)))
            columns[column] = max(columns[column] ?? 0, value)
        }
        var out = ""
        var held: Double?
        for value in columns {
            if let value { held = value }
            guard let level = held else {
                out.append(" ")
                continue
            }
            let index = peak > 0 ? Int((level / peak * Double(blocks.count - 1)).rounded()) : 0
            out.append(blocks[max(0, min(blocks.count - 1, index))])
        }
        return out
    }
}
