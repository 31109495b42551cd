/// Encodes negotiated capabilities as the JSON array `obsctl capabilities --json` prints.
///
/// One object per category in `EventCategory.allCases` order, then one with category
/// `sampling` for perf samples and one with category `containment` for run cgroups. Every object has `category`, `support`, `backend`, `reason`,
/// `missing` (the kinds not delivered, empty unless `partial`) and `remedy` (null when nothing
/// can be done or nothing needs to be).
package enum CapabilitiesJSON {
    package static func array(_ capabilities: ObserverCapabilities) -> String {
        JSONBuilder.string { json in array(capabilities, into: &json) }
    }

    private static func array(_ capabilities: ObserverCapabilities, into json: inout JSONBuilder) {
        json.beginArray()
        for entry in capabilities.categories {
            object(
                &json, category: entry.category.rawValue, support: entry.support, backend: entry.backend,
                reason: entry.reason, missing: entry.missing, remedy: entry.remedy)
        }
        let sampling = capabilities.sampling
        object(
            &json, category: "sampling", support: sampling.support, backend: sampling.backend,
            reason: sampling.reason, missing: [], remedy: sampling.remedy)
        let containment = capabilities.containment
        object(
            &json, category: "containment", support: containment.support, backend: containment.backend,
            reason: containment.reason, missing: [], remedy: containment.remedy)
        json.endArray()
    }

    private static func object(
        _ json: inout JSONBuilder, category: String, support: CapabilitySupport, backend: String, reason: String,
        missing: [String], remedy: String?
    ) {
        json.beginObject()
        json.member("category", category)
        json.member("support", support.rawValue)
        json.member("backend", backend)
        json.member("reason", reason)
        json.key("missing")
        json.beginArray()
        for kind in missing { json.string(kind) }
        json.endArray()
        json.key("remedy")
        if let remedy { json.string(remedy) } else { json.null() }
        json.endObject()
    }
}
