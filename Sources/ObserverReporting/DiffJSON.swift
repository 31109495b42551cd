/// A diff as one JSON document, for CI (`Docs/DIFF.md`; `Docs/diff.schema.json` is its
/// schema): every set's `added` and `removed` lists whole, every figure exact, the gates asked
/// for, their violations and the verdict.
public enum DiffJSON {
    /// This document's format version (`diff_version`): a minor version adds members, a major
    /// version changes them.
    public static let version = "1.0"

    public static func document(_ diff: RunDiff, gates: DiffGates, allowIncomplete: Bool) -> String {
        let verdict = diff.verdict(gates, allowIncomplete: allowIncomplete)
        var json = JSONText()
        json.object { json in
            json.member("diff_version", version)
            json.key("bases") { json in json.array { json in for side in diff.bases { Self.side(&json, side) } } }
            json.key("new") { side(&$0, diff.new) }
            json.key("normalisation") { json in
                json.object { json in
                    json.member("rule", DiffText.normalisationRule)
                    json.member("ignore", strings: diff.ignored.map(\.description))
                }
            }
            json.member("reads_compared", diff.includesReads)
            json.key("programs") { change(&$0, diff[.programs]) }
            json.key("files") { json in
                json.object { json in
                    for set in [DiffSet.written, .created, .deleted, .renamed, .read] {
                        guard let c = diff[set] else { continue }
                        json.key(set.rawValue) { change(&$0, c) }
                    }
                }
            }
            json.key("network") { json in
                json.object { json in
                    json.key("peers") { change(&$0, diff[.peers]) }
                    json.key("listening") { change(&$0, diff[.listening]) }
                }
            }
            json.key("failures") { change(&$0, diff[.failures]) }
            json.key("resources") { json in
                json.object { json in
                    for measure in DiffMeasure.allCases {
                        let figure = diff[measure]
                        json.key(measure.jsonName) { json in
                            json.object { json in
                                json.member("base", orNull: figure?.base)
                                json.member("new", orNull: figure?.new)
                                json.member("ratio", orNull: figure?.ratio)
                            }
                        }
                    }
                }
            }
            json.member("complete", diff.complete)
            json.member("incomplete", strings: diff.incomplete)
            json.key("gates") { json in
                json.object { json in
                    json.member("fail_on", strings: gates.failOn.map(\.rawValue))
                    json.key("max_ratio") { json in
                        json.object { json in for (m, limit) in gates.maxRatio { json.member(m.rawValue, limit) } }
                    }
                    json.member("allow_incomplete", allowIncomplete)
                }
            }
            let violations: [DiffViolation]
            if case .violated(let found) = verdict { violations = found } else { violations = [] }
            json.key("violations") { json in
                json.array { json in
                    for v in violations {
                        json.object { json in
                            json.member("gate", v.gate)
                            json.member("name", orNull: v.name)
                            json.member("ratio", orNull: v.ratio)
                            json.member("limit", orNull: v.limit)
                        }
                    }
                }
            }
            json.member("verdict", Self.word(verdict))
        }
        return json.text + "\n"
    }

    /// `passed`, `violated` or `untrusted`.
    public static func word(_ verdict: DiffVerdict) -> String {
        switch verdict {
        case .passed: "passed"
        case .violated: "violated"
        case .untrusted: "untrusted"
        }
    }

    private static func side(_ json: inout JSONText, _ side: RunDiff.Side) {
        let c = side.completeness
        json.object { json in
            json.member("recording", side.name)
            json.member("command", strings: side.command)
            json.member("complete", side.complete)
            json.member("problems", strings: side.problems)
            json.member("truncated", c.truncated)
            json.key("lost") { json in
                json.object { json in
                    json.member("kernel", c.lostKernel)
                    json.member("subscriber", c.lostSubscriber)
                }
            }
            json.key("categories") { json in
                guard let categories = c.categories else { return json.null() }
                json.object { json in
                    for (k, v) in categories.sorted(by: { $0.key < $1.key }) { json.member(k, v) }
                }
            }
            json.member("paths_resolved", orNull: c.pathsResolved)
        }
    }

    private static func change(_ json: inout JSONText, _ change: RunDiff.SetChange?) {
        json.object { json in
            json.key("added") { entries(&$0, change?.added ?? [], change?.set) }
            json.key("removed") { entries(&$0, change?.removed ?? [], change?.set) }
        }
    }

    private static func entries(_ json: inout JSONText, _ entries: [RunDiff.Entry], _ set: DiffSet?) {
        json.array { json in
            for entry in entries {
                json.object { json in
                    json.member("name", entry.name)
                    json.member("count", entry.count)
                    if set == .failures {
                        let parts = entry.name.split(separator: " ", maxSplits: 2).map(String.init)
                        json.member("kind", parts[0])
                        json.member("errno", orNull: parts.count > 1 ? parts[1] : nil)
                        json.member("subject", orNull: parts.count > 2 ? parts[2] : nil)
                    }
                }
            }
        }
    }
}
