#!/usr/bin/env python3
"""An OTLP/HTTP receiver for the tests: decodes every request with the official Python bindings
(PyPI opentelemetry-proto), independent of the Swift encoder, and writes what it received as JSON.

usage: otlp_receiver.py PORT_FILE OUT_FILE MODE
  MODE: ok | status-503-once (503 with Retry-After: 1 on each signal's first request, then ok)
        | status-400 (every request refused) | slow (every answer delayed 2 s)
        | count (decode and count only, for obsbench: OUT_FILE is never written)
It listens on a free port of 127.0.0.1, writes the port to PORT_FILE, and rewrites OUT_FILE
after every request: {"requests": {...}, "spans": [...], "logs": [...], "metrics": [...], "resource": {...}}.
"""
import gzip
import http.server
import json
import sys
import threading
import time

from google.protobuf.json_format import MessageToDict
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

port_file, out_file, mode = sys.argv[1], sys.argv[2], sys.argv[3]
lock = threading.Lock()
state = {"requests": {"traces": 0, "logs": 0, "metrics": 0}, "refused": 0, "encodings": [],
         "spans": [], "logs": [], "metrics": [], "resource": {}}
seen = set()


def attributes(kvs):
    out = {}
    for kv in kvs:
        v = kv.value
        kind = v.WhichOneof("value")
        if kind == "array_value":
            out[kv.key] = [getattr(x, x.WhichOneof("value")) for x in v.array_value.values]
        else:
            out[kv.key] = getattr(v, kind) if kind else None
    return out


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        signal = self.path.rsplit("/", 1)[-1]
        if mode == "slow":
            time.sleep(2)
        if mode == "status-400":
            with lock:
                state["refused"] += 1
                dump()
            self.send_response(400)
            self.end_headers()
            return
        if mode == "status-503-once" and signal not in seen:
            with lock:
                seen.add(signal)
                state["refused"] += 1
                dump()
            self.send_response(503)
            self.send_header("Retry-After", "1")
            self.end_headers()
            return
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        if mode == "count":
            kind = {"traces": trace_service_pb2.ExportTraceServiceRequest,
                    "logs": logs_service_pb2.ExportLogsServiceRequest,
                    "metrics": metrics_service_pb2.ExportMetricsServiceRequest}[signal]
            kind.FromString(body)
            with lock:
                state["requests"][signal] += 1
            self.send_response(200)
            self.end_headers()
            return
        with lock:
            state["encodings"].append(self.headers.get("Content-Encoding") or "identity")
            state["requests"][signal] += 1
            if signal == "traces":
                req = trace_service_pb2.ExportTraceServiceRequest.FromString(body)
                for rs in req.resource_spans:
                    state["resource"] = attributes(rs.resource.attributes)
                    for ss in rs.scope_spans:
                        for s in ss.spans:
                            state["spans"].append({
                                "trace_id": s.trace_id.hex(), "span_id": s.span_id.hex(),
                                "parent_span_id": s.parent_span_id.hex(), "name": s.name,
                                "start": s.start_time_unix_nano, "end": s.end_time_unix_nano,
                                "status": s.status.code, "attributes": attributes(s.attributes),
                                "events": [e.name for e in s.events]})
            elif signal == "logs":
                req = logs_service_pb2.ExportLogsServiceRequest.FromString(body)
                for rl in req.resource_logs:
                    for sl in rl.scope_logs:
                        for r in sl.log_records:
                            state["logs"].append({
                                "event_name": r.event_name, "time": r.time_unix_nano,
                                "trace_id": r.trace_id.hex(), "span_id": r.span_id.hex(),
                                "severity": r.severity_number, "attributes": attributes(r.attributes)})
            elif signal == "metrics":
                req = metrics_service_pb2.ExportMetricsServiceRequest.FromString(body)
                for rm in req.resource_metrics:
                    for sm in rm.scope_metrics:
                        for m in sm.metrics:
                            kind = m.WhichOneof("data")
                            points = getattr(m, kind).data_points
                            values = [] if kind == "histogram" else [
                                p.as_double if p.HasField("as_double") else p.as_int for p in points]
                            entry = {"name": m.name, "unit": m.unit, "kind": kind, "points": len(points),
                                     "values": values, "monotonic": m.HasField("sum") and m.sum.is_monotonic,
                                     "temporality": getattr(m, kind).aggregation_temporality
                                     if kind in ("sum", "histogram") else None,
                                     "point_attributes": [attributes(p.attributes) for p in points]}
                            if kind == "histogram":
                                entry["histograms"] = [{
                                    "count": p.count, "sum": p.sum, "min": p.min, "max": p.max,
                                    "bucket_counts": list(p.bucket_counts), "explicit_bounds": list(p.explicit_bounds),
                                    "start": p.start_time_unix_nano, "time": p.time_unix_nano} for p in points]
                            state["metrics"].append(entry)
            dump()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.end_headers()


def dump():
    if out_file.startswith("/dev/"):
        return  # never replace a device (os.replace would put a regular file in its place)
    with open(out_file + ".tmp", "w") as f:
        json.dump(state, f)
    import os
    os.replace(out_file + ".tmp", out_file)


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
if mode != "count":
    dump()
with open(port_file, "w") as f:
    f.write(str(server.server_address[1]))
server.serve_forever()
