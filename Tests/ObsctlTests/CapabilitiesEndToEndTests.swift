import Foundation
import ProcessObserver
import Testing

@Suite("obsctl capabilities, end to end")
struct CapabilitiesEndToEndTests {
    @Test("--json prints exactly the four categories, sampling and containment, each with the required keys")
    func json() throws {
        let run = try ObsctlRunner.run(["capabilities", "--json"])
        #expect(run.exitCode == 0)
        #expect(run.err.isEmpty)
        let array = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout)) as? [[String: Any]])
        #expect(
            array.map { $0["category"] as? String } == [
                "lifecycle", "file", "network", "process", "sampling", "containment",
            ])
        for object in array {
            #expect(Set(object.keys) == ["category", "support", "backend", "reason", "missing", "remedy"])
            #expect(["supported", "partial", "unavailable"].contains(object["support"] as? String))
            #expect((object["reason"] as? String)?.isEmpty == false)
            #expect(object["missing"] is [Any])
            #expect(object["remedy"] is String || object["remedy"] is NSNull)
        }
        #expect(array[0]["support"] as? String == "supported")
        #expect(array[0]["backend"] as? String == "portable-lifecycle")
        #expect(array[4]["backend"] as? String == "procfs")
        #expect(array[5]["support"] as? String == "supported")
        #expect(array[5]["backend"] as? String == "cgroup2")
        // The whole output is what the library negotiates on this machine.
        #expect(run.out == CapabilitiesJSON.array(ObserverCapabilities.negotiate()) + "\n")
    }

    @Test("the table has a header, one row per category, a sampling and a containment row")
    func table() throws {
        let run = try ObsctlRunner.run(["capabilities"])
        #expect(run.exitCode == 0)
        let rows = run.lines.filter { !$0.hasPrefix(" ") }
        #expect(
            rows.map { String($0.prefix { $0 != " " }) } == [
                "CATEGORY", "lifecycle", "file", "network", "process", "sampling", "containment",
            ])
        let capabilities = ObserverCapabilities.negotiate()
        for (row, capability) in zip(rows.dropFirst(), capabilities.categories) {
            #expect(row.contains("  \(capability.support.rawValue)  "))
            #expect(row.hasSuffix(capability.reason) || row.contains(capability.reason + " (missing: "))
        }
        #expect(rows[5].contains("  procfs  "))
        #expect(rows[6].contains("  supported  cgroup2  "))
    }
}
