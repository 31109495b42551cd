/// The distribution of one variant's measurements over the rounds of a run.
///
/// Benchmarks here report medians (robust to the odd slow round on a shared 2-vCPU VM),
/// with the spread shown both as min–max and as the interquartile range.
struct Summary: Sendable {
    let samples: [Double]
    let sorted: [Double]

    init(_ samples: [Double]) {
        precondition(!samples.isEmpty, "a summary needs at least one sample")
        self.samples = samples
        self.sorted = samples.sorted()
    }

    var median: Double { quantile(0.5) }
    var min: Double { sorted.first! }
    var max: Double { sorted.last! }
    var q1: Double { quantile(0.25) }
    var q3: Double { quantile(0.75) }

    /// Linear interpolation between closest ranks (the "type 7" quantile of R and NumPy).
    func quantile(_ p: Double) -> Double {
        if sorted.count == 1 { return sorted[0] }
        let h = Double(sorted.count - 1) * p
        let lo = Int(h.rounded(.down))
        let hi = Swift.min(lo + 1, sorted.count - 1)
        return sorted[lo] + (h - Double(lo)) * (sorted[hi] - sorted[lo])
    }
}
