extension Metric {
    /// A cumulative, monotonic Sum: the conventions' shape for a counter that starts with the run
    /// (bytes moved, CPU time), whose points each carry their own attributes.
    static func cumulativeSum(
        _ name: String, unit: String, description: String, points: [NumberDataPoint]
    ) -> Metric {
        var m = Metric()
        m.name = name
        m.unit = unit
        m.description_p = description
        var sum = Opentelemetry_Proto_Metrics_V1_Sum()
        sum.aggregationTemporality = .cumulative
        sum.isMonotonic = true
        sum.dataPoints = points
        m.sum = sum
        return m
    }
}
