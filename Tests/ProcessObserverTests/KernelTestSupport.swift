import Testing

@testable import ProcessObserver

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a command observed with `categories` and returns every event up to the profile.
func observe(
    _ executable: Executable, _ arguments: [String], categories: Set<EventCategory>,
    workingDirectory: String? = nil, buffer: Int = 1 << 20
) throws -> (events: [ObserverEvent], result: ProcessResult) {
    let process = NativeProcess(
        executable, arguments: arguments, workingDirectory: workingDirectory.map { .init($0) },
        standardOutput: .null)
    let subscriber = process.withObserver(ObserverConfig(categories: categories, bufferCapacity: buffer))
    let result = try process.run()
    return (subscriber.collect(), result)
}

/// A fresh directory under /tmp, removed by the caller with `removeTree`.
func makeTemporaryDirectory(_ tag: String) -> String {
    var template = Array("/tmp/obs-\(tag)-XXXXXX".utf8CString)
    let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    precondition(p != nil, "mkdtemp failed")
    return String(cString: p!)
}

func removeTree(_ path: String) {
    _ = try? NativeProcess(.path("/bin/rm"), arguments: ["-rf", path]).run()
}

extension ObserverEvent {
    var openPayload: FileOpen? { if case .open(let o) = kind { o } else { nil } }
    var execPayload: Exec? { if case .exec(let e) = kind { e } else { nil } }
    var forkPayload: Fork? { if case .fork(let f) = kind { f } else { nil } }
    var socketPayload: SocketOperation? {
        switch kind {
        case .connect(let s), .accept(let s), .bind(let s): s
        default: nil
        }
    }
}

/// Compiles a small C workload with the system `cc` into `directory` and returns its path.
func compileC(_ source: String, name: String, in directory: String, flags: [String] = []) throws -> String {
    let src = "\(directory)/\(name).c"
    let exe = "\(directory)/\(name)"
    let fd = open(src, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    precondition(fd >= 0, "cannot write \(src)")
    _ = Array(source.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    close(fd)
    let result = try NativeProcess(.name("cc"), arguments: ["-O1"] + flags + ["-o", exe, src]).run()
    try #require(result.status == .exited(code: 0), "cc failed for \(name)")
    return exe
}

/// Runs a command observed with `categories`, capturing its standard output.
func observeCapturing(
    _ executable: Executable, _ arguments: [String], categories: Set<EventCategory>, buffer: Int = 1 << 20
) throws -> (events: [ObserverEvent], result: ProcessResult, output: String) {
    let process = NativeProcess(
        executable, arguments: arguments.map { ByteString($0) }, standardOutput: .capture(maxBytes: 1 << 20))
    let subscriber = process.withObserver(ObserverConfig(categories: categories, bufferCapacity: buffer))
    let result = try process.run()
    return (subscriber.collect(), result, String(decoding: result.standardOutput ?? [], as: UTF8.self))
}
