import Foundation
import Testing

/// `obsctl report --html` opened in a real browser: Debian's headless chromium loads the page
/// with every network request refused, runs its script, and the tests read the resulting DOM.
/// Any console message fails the test (the page logs nothing, so a message is an error); the
/// timeline, charts and tables must hold exactly what the JSON report of the same recording says.
/// A screenshot is kept as a test artifact in `.build/test-artifacts/`.
@Suite("obsctl report --html, in headless chromium")
struct HTMLReportBrowserTests {
    static let artifacts = ObsctlRunner.repositoryRoot.appendingPathComponent(".build/test-artifacts")

    /// chromium's arguments: headless, as root (no sandbox), no GPU, every host unresolvable (a
    /// fetch would fail, and log), console messages on stderr.
    static let chromium = [
        "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--enable-logging=stderr", "--v=0",
        "--host-resolver-rules=MAP * ~NOTFOUND",
    ]

    /// Runs chromium with `arguments` on `url`; returns its stdout and the console lines it logged.
    static func browse(_ arguments: [String], _ url: String) throws -> (out: String, console: [String]) {
        let quoted = (chromium + arguments + [url]).map { "'\($0)'" }.joined(separator: " ")
        let result = try NativeProcessHelper.shell("timeout 120 " + quoted)
        try #require(result.status == 0, "chromium failed: \(result.err.suffix(2000))")
        let console = result.err.split(separator: "\n").filter { $0.contains(":CONSOLE") }.map(String.init)
        return (result.out, console)
    }

    private func count(_ needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }

    @Test("the make -j2 report: no console message, the timeline, charts and tables with the JSON report's counts")
    func makeReport() throws {
        let page = ReportFixture.temporary("report.html")
        defer { try? FileManager.default.removeItem(atPath: page) }
        let run = try ObsctlRunner.run(["report", "--html", ReportFixture.makeRecording, "-o", page])
        #expect(run.exitCode == 0)
        #expect(run.err == "")
        let html = try String(contentsOfFile: page, encoding: .utf8)
        // Self-contained: nothing to fetch. The only URL is the SVG namespace, which is a name.
        #expect(
            html.components(separatedBy: "http").count - 1 == count("xmlns=\"http://www.w3.org/2000/svg\"", in: html))
        #expect(!html.contains("<link") && !html.contains(" src="))

        let dom = try Self.browse(["--dump-dom"], "file://" + page)
        #expect(dom.console == [], "console: \(dom.console)")
        #expect(dom.out.contains("data-ready=\"true\""), "the page's script did not finish")

        let report = try ReportFixture.document(
            try ObsctlRunner.run(["report", "--json", ReportFixture.makeRecording]).out)
        let processes = try #require(report["processes"] as? [[String: Any]])
        #expect(count("<rect class=\"proc ", in: dom.out) == processes.count)
        #expect(
            count("<rect class=\"proc failed\"", in: dom.out)
                == processes.filter { $0["failed"] as? Bool == true }.count)
        let execs = processes.flatMap { ($0["execs"] as? [[String: Any]]) ?? [] }.filter { $0["errno"] is NSNull }
        #expect(count("<line class=\"exec\"", in: dom.out) == execs.count)
        // Charts: the tree total and the (up to) three processes with the most sampled CPU.
        let samples = try #require(report["samples"] as? [String: Any])
        let top = min(3, (samples["top_cpu"] as? [[String: Any]])?.count ?? 0)
        for chart in ["cpu-chart", "rss-chart"] {
            let svg = try #require(
                dom.out.components(separatedBy: "id=\"\(chart)\"").dropFirst().first?.components(separatedBy: "</svg>")
                    .first)
            #expect(count("<polyline class=\"series", in: svg) == 1 + top, "\(chart)")
            #expect(svg.contains("data-points=\"\(samples["count"] as! Int)\""))
        }
        // Tables: a row per path of every file table and every failed (errno, path).
        let files = try #require(report["files"] as? [String: Any])
        var fileRows = 0
        for table in ["read", "written", "created", "mkdir", "renamed", "deleted"] {
            fileRows += (files[table] as? [String: Any])?["distinct"] as? Int ?? 0
        }
        for failed in (files["failed"] as? [[String: Any]]) ?? [] {
            fileRows += (failed["paths"] as? [String: Any])?["distinct"] as? Int ?? 0
        }
        let filesTable = try #require(
            dom.out.components(separatedBy: "id=\"files-table\"").dropFirst().first?.components(separatedBy: "</table>")
                .first)
        #expect(count("<tr", in: filesTable) == 1 + fileRows)
        let networkTable = try #require(
            dom.out.components(separatedBy: "id=\"network-table\"").dropFirst().first?.components(
                separatedBy: "</table>"
            ).first)
        #expect(count("<tr", in: networkTable) == 1)  // the header: make -j2 used no network

        // The artifact: a screenshot of the page as a person sees it.
        try FileManager.default.createDirectory(at: Self.artifacts, withIntermediateDirectories: true)
        let png = Self.artifacts.appendingPathComponent("html-report-make-j2.png")
        try? FileManager.default.removeItem(at: png)
        let shot = try Self.browse(["--screenshot=\(png.path)", "--window-size=1400,1800"], "file://" + page)
        #expect(shot.console == [])
        let bytes = try [UInt8](Data(contentsOf: png))
        #expect(bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        #expect(bytes.count > 20_000)
    }

    /// The part of `dom` from the element with `id` to the end of its table.
    private func table(_ id: String, in dom: String) throws -> String {
        try #require(
            dom.components(separatedBy: "id=\"\(id)\"").dropFirst().first?.components(separatedBy: "</table>").first,
            "no \(id)")
    }

    @Test("the -c recording's syscall tables render with the JSON report's rows; without a summary, how to get one")
    func syscallTables() throws {
        let page = ReportFixture.temporary("syscalls.html")
        defer { try? FileManager.default.removeItem(atPath: page) }
        let recording = ReportFixture.syscallsRecording
        #expect(try ObsctlRunner.run(["report", "--html", recording, "-o", page]).exitCode == 0)
        let dom = try Self.browse(["--dump-dom"], "file://" + page + "#syscall-errors=statx")
        #expect(dom.console == [], "console: \(dom.console)")
        #expect(dom.out.contains("data-ready=\"true\""), "the page's script did not finish")
        #expect(!dom.out.contains("id=\"syscalls-missing\""))
        let section = try #require(
            try ReportFixture.document(try ObsctlRunner.run(["report", "--json", recording]).out)["syscalls"]
                as? [String: Any])
        let rows = try #require(section["table"] as? [[String: Any]])
        let syscalls = try table("syscalls-table", in: dom.out)
        #expect(count("<tr", in: syscalls) == 1 + rows.count)
        #expect(syscalls.contains("<td>openat</td>"))
        let slowest = try #require(section["slowest"] as? [[String: Any]])
        #expect(count("<tr", in: try table("syscall-slowest-table", in: dom.out)) == 1 + slowest.count)
        // A row per failed path of each (syscall, errno), one for a pair no event names a path of.
        let failures = try #require(section["failures"] as? [[String: Any]])
        let failedRows = failures.map { max(1, ($0["paths"] as? [String: Any])?["distinct"] as? Int ?? 0) }
            .reduce(0, +)
        let errors = try table("syscall-errors-table", in: dom.out)
        #expect(errors.contains("<td>/nonexistent/obsctl-fixture</td><td class=\"num\">1</td>"))
        let bodyRows = errors.components(separatedBy: "<tr").dropFirst(2)
        #expect(bodyRows.count == failedRows)
        // The fragment's filter ran: only statx's row is shown.
        let shown = bodyRows.filter { !$0.contains("display: none") }
        #expect(shown.count == 1)
        #expect(shown.first?.contains("<td>statx</td>") == true)

        let without = ReportFixture.temporary("no-syscalls.html")
        defer { try? FileManager.default.removeItem(atPath: without) }
        #expect(try ObsctlRunner.run(["report", "--html", ReportFixture.makeRecording, "-o", without]).exitCode == 0)
        let plain = try Self.browse(["--dump-dom"], "file://" + without)
        #expect(plain.console == [])
        #expect(plain.out.contains("id=\"syscalls-missing\""))
        #expect(plain.out.contains("record the run with obsctl watch -c --json -o FILE"))
        #expect(!plain.out.contains("id=\"syscalls-table\""))
    }

    @Test("the filter runs in the browser: #files=ENOENT shows exactly the failed ENOENT rows")
    func filterInTheBrowser() throws {
        let page = ReportFixture.temporary("filter.html")
        defer { try? FileManager.default.removeItem(atPath: page) }
        #expect(try ObsctlRunner.run(["report", "--html", ReportFixture.makeRecording, "-o", page]).exitCode == 0)
        let dom = try Self.browse(["--dump-dom"], "file://" + page + "#files=ENOENT")
        #expect(dom.console == [])
        let table = try #require(
            dom.out.components(separatedBy: "id=\"files-table\"").dropFirst().first?.components(separatedBy: "</table>")
                .first)
        let rows = table.components(separatedBy: "<tr").dropFirst(2)  // the header row, then the body's
        let shown = rows.filter { !$0.contains("display: none") }
        let report = try ReportFixture.document(
            try ObsctlRunner.run(["report", "--json", ReportFixture.makeRecording]).out)
        let failed = try #require((report["files"] as? [String: Any])?["failed"] as? [[String: Any]])
        let enoent = try #require(failed.first { $0["errno"] as? String == "ENOENT" })
        #expect(shown.count == (enoent["paths"] as? [String: Any])?["distinct"] as? Int)
        #expect(shown.allSatisfy { $0.contains("failed ENOENT") })
        #expect(rows.count > shown.count)
    }

    /// The body rows of the table `id` in `dom`, each as the texts of its cells.
    private func rows(_ id: String, in dom: String) throws -> [[String]] {
        let table = try #require(
            dom.components(separatedBy: "id=\"\(id)-table\"").dropFirst().first?.components(separatedBy: "</table>")
                .first, "no table \(id)")
        return table.components(separatedBy: "<tr").dropFirst(2).map { row in
            row.components(separatedBy: "<td").dropFirst().map { cell in
                String(cell.drop { $0 != ">" }.dropFirst().prefix { $0 != "<" })
            }
        }
    }

    @Test("byte counts and DNS: the bytes, peers and DNS tables hold the JSON report's rows; the io_uring note")
    func ioReport() throws {
        let recording = IOReportEndToEndTests.recording
        let page = ReportFixture.temporary("io.html")
        defer { try? FileManager.default.removeItem(atPath: page) }
        #expect(try ObsctlRunner.run(["report", "--html", recording, "-o", page]).exitCode == 0)
        let dom = try Self.browse(["--dump-dom"], "file://" + page)
        #expect(dom.console == [], "console: \(dom.console)")
        #expect(dom.out.contains("data-ready=\"true\""), "the page's script did not finish")
        let io = try #require(
            try ReportFixture.document(try ObsctlRunner.run(["report", "--json", recording]).out)["io"]
                as? [String: Any])
        let files = try #require(io["files"] as? [[String: Any]])
        let bytes = try rows("bytes", in: dom.out)
        #expect(bytes.map { $0[0] } == files.map { $0["path"] as? String ?? "?" })
        #expect(bytes.map { $0[2] } == files.map { String($0["bytes_read"] as? Int ?? -1) })
        #expect(bytes.map { $0[3] } == files.map { String($0["bytes_written"] as? Int ?? -1) })
        let peers = try #require(io["peers"] as? [[String: Any]])
        let peerRows = try rows("peers", in: dom.out)
        #expect(peerRows.map { $0[0] } == peers.map { $0["name"] as? String ?? "?" })
        #expect(peerRows.map { $0[5] } == peers.map { String($0["bytes_received"] as? Int ?? -1) })
        let names = try #require((io["dns"] as? [String: Any])?["names"] as? [[String: Any]])
        let dnsRows = try rows("dns", in: dom.out)
        #expect(dnsRows.map { $0[0] + " " + $0[1] } == names.map { "\($0["query"] ?? "?") \($0["qtype"] ?? "?")" })
        #expect(dnsRows.first { $0[0] == "nosuch.example" }?[4] == "1 NXDOMAIN")
        #expect(dom.out.contains("fio [903]: used io_uring; its io_uring I/O is not in these counts"))
        #expect(dom.out.contains("I/O through mmap is never counted"))
        // The make -j2 recording counted no bytes: none of these tables.
        let make = ReportFixture.temporary("make.html")
        defer { try? FileManager.default.removeItem(atPath: make) }
        #expect(try ObsctlRunner.run(["report", "--html", ReportFixture.makeRecording, "-o", make]).exitCode == 0)
        let plain = try String(contentsOfFile: make, encoding: .utf8)
        #expect(!plain.contains("id=\"bytes-table\"") && !plain.contains("id=\"dns-table\""))
    }
}
