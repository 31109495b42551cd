#!/usr/bin/env python3
"""python3 scripts/make-io-fixture.py Tests/ObsctlTests/Fixtures/io-dns.jsonl writes: a hand-written recording of schema 1.6 with
issue 18's kinds (file and socket closes with byte counts, DNS exchanges, peer names, exit I/O
totals, an io_uring user), for the report, export and OTLP tests."""
import json, sys
mono0 = 20_000_000_000_000
wall0 = 1_796_700_000_000_000_000
seq = 0
lines = []
def t(ns):
    w = wall0 + ns
    s, n = divmod(w, 1_000_000_000)
    import datetime
    d = datetime.datetime.fromtimestamp(s, datetime.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S") + ".%09dZ" % n
def ev(ns, category, kind, pid, **members):
    global seq
    seq += 1
    e = {"seq": seq, "ts_ns": mono0 + ns, "time": t(ns), "category": category, "kind": kind, "pid": pid}
    kernel = kind not in ("started", "exited", "profile")
    if kernel:
        e.update({"tid": members.pop("tid", pid), "ppid": members.pop("ppid", 900), "comm": members.pop("comm")})
    e.update(members)
    lines.append(e)
cap = lambda c: {"category": c, "support": "supported", "backend": "ebpf" if c in ("file", "network", "process") else {"lifecycle": "portable-lifecycle", "sampling": "procfs", "containment": "cgroup2"}[c], "observed": c != "sampling", "missing": []}
header = {"seq": 0, "ts_ns": mono0, "time": t(0), "category": "lifecycle", "kind": "header", "pid": 900,
          "schema_version": "1.6", "writer": "obsctl", "writer_version": "0.9.0", "host": "vm",
          "kernel_release": "6.18.44-fc-v657", "boot_id": "172301f0-a8e9-4d89-ad74-449b194389b4",
          "clock": {"monotonic_ns": mono0, "realtime_ns": wall0},
          "capabilities": [cap(c) for c in ("lifecycle", "file", "network", "process", "sampling", "containment")],
          "argv": ["sh", "-c", "curl -s https://example.com/ > /tmp/page; fio job.fio"], "cwd": "/tmp/io", "attached": False}
ms = 1_000_000
ev(1 * ms, "lifecycle", "started", 900, ppid=800, argv=header["argv"], path="/usr/bin/sh")
ev(2 * ms, "process", "exec", 900, comm="sh", path="/usr/bin/sh", abs_path="/usr/bin/dash", abs_path_source="file", cwd="/tmp/io", argv=header["argv"], argv_truncated=False, result=0)
ev(3 * ms, "process", "fork", 901, comm="sh", child_pid=901, parent_pid=900)
ev(4 * ms, "process", "exec", 901, comm="sh", ppid=900, path="/usr/bin/curl", abs_path="/usr/bin/curl", abs_path_source="file", cwd="/tmp/io", argv=["curl", "-s", "https://example.com/"], argv_truncated=False, result=0)
ev(5 * ms, "file", "open", 901, comm="curl", ppid=900, path="/etc/resolv.conf", flags=["O_RDONLY", "O_CLOEXEC"], dirfd=-100, abs_path="/run/systemd/resolve/stub-resolv.conf", abs_path_source="file", result=3, fd=3)
ev(6 * ms, "file", "close", 901, comm="curl", ppid=900, fd=3, path="/run/systemd/resolve/stub-resolv.conf", abs_path="/run/systemd/resolve/stub-resolv.conf", abs_path_source="file", bytes_read=920, bytes_written=0, reads=2, writes=0, open_ns=1 * ms, closed_by="close")
# The resolver's queries on one UDP socket to the stub.
ev(7 * ms, "network", "connect", 901, comm="curl", ppid=900, fd=4, family="inet", address="127.0.0.53", port=53, result=0)
ev(10 * ms, "network", "dns", 901, comm="curl", ppid=900, tid=902, query="example.com", qtype="A", rcode="NOERROR", answers=[{"type": "A", "value": "93.184.216.34", "ttl": 300}], server="127.0.0.53", port=53, transport="udp", latency_ns=3_100_000, id=4660)
ev(11 * ms, "network", "dns", 901, comm="curl", ppid=900, tid=902, query="example.com", qtype="AAAA", rcode="NOERROR", answers=[], server="127.0.0.53", port=53, transport="udp", latency_ns=3_300_000, id=4661)
ev(12 * ms, "network", "close", 901, comm="curl", ppid=900, tid=902, fd=4, family="inet", protocol="udp", address="127.0.0.53", port=53, local={"family": "inet", "address": "127.0.0.1", "port": 40001}, bytes_sent=58, bytes_received=101, sends=2, receives=2, open_ns=5 * ms, closed_by="close")
ev(13 * ms, "network", "connect", 901, comm="curl", ppid=900, fd=5, family="inet", address="93.184.216.34", port=443, result=-115, errno="EINPROGRESS", peer_name="example.com")
ev(14 * ms, "network", "dns", 901, comm="curl", ppid=900, tid=902, query="nosuch.example", qtype="A", rcode="NXDOMAIN", answers=[], server="127.0.0.53", port=53, transport="udp", latency_ns=1_000_000, id=4662)
ev(20 * ms, "network", "dns", 901, comm="curl", ppid=900, tid=902, query="slow.example", qtype="A", timed_out=True, answers=[], server="127.0.0.53", port=53, transport="udp", id=4663)
ev(21 * ms, "file", "open", 901, comm="curl", ppid=900, path="/tmp/page", flags=["O_WRONLY", "O_CREAT", "O_TRUNC"], mode=420, dirfd=-100, abs_path="/tmp/page", abs_path_source="file", result=6, fd=6)
ev(1213 * ms, "network", "close", 901, comm="curl", ppid=900, fd=5, family="inet", protocol="tcp", address="93.184.216.34", port=443, local={"family": "inet", "address": "10.0.2.15", "port": 43512}, bytes_sent=517, bytes_received=4301, sends=2, receives=3, open_ns=1200 * ms, closed_by="close", peer_name="example.com")
ev(1214 * ms, "file", "close", 901, comm="curl", ppid=900, fd=6, path="/tmp/page", abs_path="/tmp/page", abs_path_source="file", bytes_read=0, bytes_written=1256, reads=0, writes=1, open_ns=1193 * ms, closed_by="exit")
ev(1215 * ms, "process", "exit", 901, comm="curl", ppid=900, exit_code=0, signal=None, core_dumped=False, peak_rss_bytes=9_437_184, io={"rchar": 5321, "wchar": 1831, "syscr": 7, "syscw": 5, "read_bytes": 0, "write_bytes": 4096, "cancelled_write_bytes": 0, "uses_io_uring": False})
ev(1216 * ms, "process", "fork", 903, comm="sh", child_pid=903, parent_pid=900)
ev(1217 * ms, "process", "exec", 903, comm="sh", ppid=900, path="/usr/bin/fio", abs_path="/usr/bin/fio", abs_path_source="file", cwd="/tmp/io", argv=["fio", "job.fio"], argv_truncated=False, result=0)
ev(1218 * ms, "file", "open", 903, comm="fio", ppid=900, path="job.fio", flags=["O_RDONLY"], dirfd=-100, abs_path="/tmp/io/job.fio", abs_path_source="file", result=3, fd=3)
ev(1219 * ms, "file", "close", 903, comm="fio", ppid=900, fd=3, path="/tmp/io/job.fio", abs_path="/tmp/io/job.fio", abs_path_source="file", bytes_read=64, bytes_written=0, reads=2, writes=0, open_ns=1 * ms, closed_by="close")
ev(1220 * ms, "file", "open", 903, comm="fio", ppid=900, path="data.bin", flags=["O_RDWR", "O_CREAT"], mode=420, dirfd=-100, abs_path="/tmp/io/data.bin", abs_path_source="file", result=4, fd=4)
ev(1400 * ms, "file", "close", 903, comm="fio", ppid=900, fd=4, path="/tmp/io/data.bin", abs_path="/tmp/io/data.bin", abs_path_source="file", bytes_read=0, bytes_written=1048576, reads=0, writes=256, open_ns=180 * ms, closed_by="close")
ev(1401 * ms, "file", "close", 903, comm="fio", ppid=900, fd=1, path="pipe:[4242]", abs_path_source="file", abs_path_unwalkable=True, bytes_read=0, bytes_written=300, reads=0, writes=3, closed_by="exit")
ev(1402 * ms, "process", "exit", 903, comm="fio", ppid=900, exit_code=0, signal=None, core_dumped=False, peak_rss_bytes=20_971_520, io={"rchar": 64, "wchar": 1048876, "syscr": 2, "syscw": 259, "read_bytes": 0, "write_bytes": 67_108_864, "cancelled_write_bytes": 0, "uses_io_uring": True})
ev(1403 * ms, "process", "exit", 900, comm="sh", ppid=800, exit_code=0, signal=None, core_dumped=False, peak_rss_bytes=1_048_576, io={"rchar": 832, "wchar": 0, "syscr": 1, "syscw": 0, "read_bytes": 0, "write_bytes": 0, "cancelled_write_bytes": 0, "uses_io_uring": False})
ev(1404 * ms, "lifecycle", "exited", 900, exit_code=0, signal=None, core_dumped=False)
ev(1410 * ms, "lifecycle", "profile", 900, exit_code=0, signal=None, core_dumped=False, timed_out=False, wall_ns=1403 * ms, user_cpu_ns=40 * ms, system_cpu_ns=90 * ms, peak_rss_bytes=20_971_520, minor_faults=900, major_faults=0, voluntary_ctx_switches=30, involuntary_ctx_switches=3, sample_count=0, avg_cpu=0.0926, lost_subscriber=0, lost_kernel=0, containment="cgroup2", tree_wall_ns=1403 * ms, tree_user_cpu_ns=40 * ms, tree_system_cpu_ns=90 * ms, tree_peak_memory_bytes=None, tree_peak_processes=None)
out = open(sys.argv[1], "w")
for e in [header] + lines:
    out.write(json.dumps(e, separators=(",", ":"), ensure_ascii=False) + "\n")
