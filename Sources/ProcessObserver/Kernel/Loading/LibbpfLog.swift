import CObserverBPF
import Synchronization

/// libbpf's log: quiet by default (DEBUG, including the verifier's ~870 lines per load, is
/// dropped), WARN and INFO kept per thread so a failed load can be classified, everything
/// echoed to standard error when `verbose` is on (`obsctl --verbose`).
enum LibbpfLog {
    private static let verboseFlag = Atomic<Bool>(false)

    /// Echo libbpf's whole log, DEBUG included, to standard error.
    static var verbose: Bool {
        get { verboseFlag.load(ordering: .relaxed) }
        set {
            verboseFlag.store(newValue, ordering: .relaxed)
            obs_libbpf_install_logger(newValue ? 1 : 0)
        }
    }

    static func install() { obs_libbpf_install_logger(verbose ? 1 : 0) }

    /// The WARN/INFO text libbpf logged on this thread since the last call.
    static func take() -> String {
        var buffer = [CChar](repeating: 0, count: 8192)
        let n = obs_libbpf_take_log(&buffer, buffer.count)
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
