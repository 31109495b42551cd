import Foundation
import PackagePlugin

/// Compiles the spawn helper (`Sources/CSpawn/helper/obs_spawn_helper.c`, with the child set-up
/// it shares with the in-process shim) into a static program and embeds it in the target as a
/// base64 string literal: the library ships no executable, and starts the helper from memory.
/// The work is done by `Sources/CSpawn/helper/embed.sh`; see there for flags and the fallback.
@main
struct SpawnHelperPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let cspawn = context.package.directoryURL.appending(path: "Sources/CSpawn")
        let helper = cspawn.appending(path: "helper")
        let script = helper.appending(path: "embed.sh")
        let source = helper.appending(path: "obs_spawn_helper.c")
        let headers = ["child_steps.h", "helper_protocol.h", "include/obs_spawn.h"].map { cspawn.appending(path: $0) }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedSpawnHelper.swift")
        return [
            .buildCommand(
                displayName: "Compiling the spawn helper",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: [
                    script.path, output.path, cspawn.appending(path: "include").path,
                    context.pluginWorkDirectoryURL.path, source.path,
                ],
                inputFiles: [script, source] + headers,
                outputFiles: [output])
        ]
    }
}
