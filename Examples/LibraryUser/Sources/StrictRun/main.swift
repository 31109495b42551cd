import ProcessObserver

// What a library user sees when the machine cannot serve a category it asks for (run it
// unprivileged): without strictness, the subscriber says which categories it really observes;
// with `strict()`, the start throws `.categoryUnavailable` naming each missing one.
let lenient = NativeProcess(.path("/bin/true"))
let events = lenient.withObserver(.lifecycle(.file, .process))
let result = try lenient.spawn().wait()
let first = events.collect().first
var startedSays = "-"
if case .started(let started)? = first?.kind {
    startedSays = (started.observedCategories ?? []).map(\.rawValue).sorted().joined(separator: ",")
}
print("observed:", (events.observedCategories ?? []).map(\.rawValue).sorted().joined(separator: ","))
print("started says:", startedSays)
print("status:", result.status)

let strict = NativeProcess(.path("/bin/true"))
_ = strict.withObserver(ObserverConfig.lifecycle(.file, .process).strict())
do {
    _ = try strict.spawn().wait()
    print("strict: started")
} catch {
    print("strict:", error.code == .categoryUnavailable ? "categoryUnavailable" : "other")
    print(error.message)
}
