import CSpawn
import Glibc
import Testing

@testable import ProcessObserver

/// The start gate: a child runs its program only when the observer opens the gate, never when
/// the observer gave up on it (closed the error pipe, then the gate: what the shim does when the
/// spawn helper died before it could say which child it made).
@Suite("The start gate", .serialized)
struct StartGateTests {
    /// A gated child of `/bin/sh -c 'echo > marker'`, through the spawn helper when it runs.
    static func gatedChild(marker: String) throws -> (obs_gated_child, Spawner.Command) {
        let command = Spawner.Command(
            path: "/bin/sh", argv: ["sh", "-c", ByteString("echo ran > \(marker)")],
            environment: Environment.inherit.entries(), workingDirectory: nil, stdio: (-1, -1, -1))
        return (try Spawner.forkGated(command), command)
    }

    @Test("opened: the program runs and exits 0")
    func opened() throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        let marker = directory + "/ran"
        var (child, command) = try Self.gatedChild(marker: marker)
        #expect(Spawner.release(&child, command) == nil)
        let (status, _) = Spawner.wait4Blocking(child.pid)
        #expect(status == 0)
        #expect(access(marker, F_OK) == 0)
    }

    @Test("given up on (error pipe closed, then the gate): the child exits 127 and runs nothing")
    func givenUp() throws {
        let directory = makeTemporaryDirectory()
        defer { removeTree(directory) }
        let marker = directory + "/ran"
        let (child, _) = try Self.gatedChild(marker: marker)
        close(child.error_fd)
        close(child.gate_fd)
        let (status, _) = Spawner.wait4Blocking(child.pid)
        #expect(status == 127 << 8)
        #expect(access(marker, F_OK) != 0)
    }
}
