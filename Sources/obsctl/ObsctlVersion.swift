/// obsctl's version: `obsctl --version` prints it, and every recording's header names it
/// (`writer_version`), so a report can say which obsctl wrote the file it reads.
enum ObsctlVersion {
    static let current = "0.9.0"
}
