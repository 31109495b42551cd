import Foundation
import ProcessObserver

typealias KeyValue = Opentelemetry_Proto_Common_V1_KeyValue
typealias AnyValue = Opentelemetry_Proto_Common_V1_AnyValue
typealias Span = Opentelemetry_Proto_Trace_V1_Span
typealias LogRecord = Opentelemetry_Proto_Logs_V1_LogRecord
typealias Metric = Opentelemetry_Proto_Metrics_V1_Metric
typealias NumberDataPoint = Opentelemetry_Proto_Metrics_V1_NumberDataPoint
typealias Resource = Opentelemetry_Proto_Resource_V1_Resource
typealias TraceRequest = Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest
typealias LogsRequest = Opentelemetry_Proto_Collector_Logs_V1_ExportLogsServiceRequest
typealias MetricsRequest = Opentelemetry_Proto_Collector_Metrics_V1_ExportMetricsServiceRequest

/// Typed attribute values: OTLP keeps an int an int and an array an array (the reason this
/// exporter builds its messages itself rather than through a logging API that stringifies).
enum Attribute {
    static func string(_ key: String, _ value: String) -> KeyValue {
        var v = AnyValue()
        v.stringValue = value
        return pair(key, v)
    }

    static func int<T: BinaryInteger>(_ key: String, _ value: T) -> KeyValue {
        var v = AnyValue()
        v.intValue = Int64(value)
        return pair(key, v)
    }

    static func double(_ key: String, _ value: Double) -> KeyValue {
        var v = AnyValue()
        v.doubleValue = value
        return pair(key, v)
    }

    static func bool(_ key: String, _ value: Bool) -> KeyValue {
        var v = AnyValue()
        v.boolValue = value
        return pair(key, v)
    }

    static func strings(_ key: String, _ values: [String]) -> KeyValue {
        var array = Opentelemetry_Proto_Common_V1_ArrayValue()
        array.values = values.map { s in
            var v = AnyValue()
            v.stringValue = s
            return v
        }
        var v = AnyValue()
        v.arrayValue = array
        return pair(key, v)
    }

    private static func pair(_ key: String, _ value: AnyValue) -> KeyValue {
        var kv = KeyValue()
        kv.key = key
        kv.value = value
        return kv
    }
}
