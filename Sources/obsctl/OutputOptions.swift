import ArgumentParser

/// Flags every subcommand that prints takes.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print JSON (JSON Lines for watch) instead of aligned text.")
    var json = false

    @Flag(name: .long, help: "Show libbpf's own log (the verifier's included) on stderr.")
    var verbose = false
}
