#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The harness's own address space and thread count, from `/proc/self/status` and
/// `/proc/self/maps`: a leak per spawn (an unjoined thread keeps its stack mapped) shows up here.
struct ProcessFootprint {
    var virtualKiB = 0
    var residentKiB = 0
    var threads = 0
    var mappings = 0
    var openDescriptors = 0

    static func current() -> ProcessFootprint {
        var f = ProcessFootprint()
        for line in readLines("/proc/self/status") {
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard parts.count >= 2, let value = Int(parts[1]) else { continue }
            switch parts[0] {
            case "VmSize:": f.virtualKiB = value
            case "VmRSS:": f.residentKiB = value
            case "Threads:": f.threads = value
            default: break
            }
        }
        f.mappings = readLines("/proc/self/maps").count
        if let dir = opendir("/proc/self/fd") {
            while let entry = readdir(dir) {
                if entry.pointee.d_name.0 != 0x2E { f.openDescriptors += 1 }  // skip "." and ".."
            }
            closedir(dir)
            f.openDescriptors -= 1  // the directory stream itself
        }
        return f
    }

    func describe(since before: ProcessFootprint) -> String {
        func delta(_ a: Int, _ b: Int) -> String { b - a >= 0 ? "+\(b - a)" : "\(b - a)" }
        return "VmSize \(virtualKiB / 1024) MiB (\(delta(before.virtualKiB / 1024, virtualKiB / 1024)) MiB), "
            + "RSS \(residentKiB / 1024) MiB (\(delta(before.residentKiB / 1024, residentKiB / 1024)) MiB), "
            + "threads \(threads) (\(delta(before.threads, threads))), "
            + "mappings \(mappings) (\(delta(before.mappings, mappings))), "
            + "fds \(openDescriptors) (\(delta(before.openDescriptors, openDescriptors)))"
    }

    private static func readLines(_ path: String) -> [Substring] {
        guard let file = fopen(path, "r") else { return [] }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = fread(&chunk, 1, chunk.count, file)
            if n <= 0 { break }
            bytes += chunk[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n")
    }
}
