import Foundation
import PackagePlugin

/// Compiles `bpf/*.bpf.c` with the toolchain's clang (`-target bpf`) and embeds each object in the
/// target as a base64 string literal, so `swift build` alone produces a binary that carries its
/// eBPF programs. The work is done by `bpf/embed.sh`; see there for flags and the non-Linux case.
///
/// Only `*.bpf.c` files are compilation units (today one, `observer.bpf.c`, one program object);
/// the per-category `bpf/*.bpf.h` files, `bpf/obs_core.h` and the shared contract header are
/// included by it, and are declared as inputs so that editing any of them rebuilds the object.
@main
struct BPFObjectPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let root = context.package.directoryURL
        let bpfDir = root.appending(path: "bpf")
        let includeDir = root.appending(path: "Sources/CObserverBPF/include")
        let script = bpfDir.appending(path: "embed.sh")
        let fm = FileManager.default
        func files(in dir: URL, suffix: String) -> [URL] {
            ((try? fm.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)) ?? [])
                .filter { $0.lastPathComponent.hasSuffix(suffix) }
                .sorted { $0.lastPathComponent < $1.lastPathComponent }
        }
        let sources = files(in: bpfDir, suffix: ".bpf.c")
        let headers = files(in: bpfDir, suffix: ".h") + files(in: includeDir, suffix: ".h")
        let clang = (try? context.tool(named: "clang").url.path) ?? "clang"
        let objcopy = (try? context.tool(named: "llvm-objcopy").url.path) ?? ""
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedBPFObjects.swift")
        return [
            .buildCommand(
                displayName: "Compiling eBPF programs in bpf/",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: [
                    script.path, clang, objcopy, output.path, includeDir.path, context.pluginWorkDirectoryURL.path,
                ]
                    + sources.map(\.path),
                inputFiles: [script] + sources + headers,
                outputFiles: [output])
        ]
    }
}
