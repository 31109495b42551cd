#!/usr/bin/env python3
"""Decodes a Perfetto trace with the official perfetto_trace_pb2 (PyPI `perfetto`), an encoder
independent of obsctl's, and prints what the tests check as one JSON object:

  perfetto_summary.py TRACE

Exits 1, naming the problem, when the trace is not well formed: an event on an undeclared track,
a slice end without its begin (or the reverse), an end before its begin, a flow without both ends.
"""
import collections
import json
import sys

from perfetto.protos.perfetto.trace import perfetto_trace_pb2 as pb

trace = pb.Trace()
trace.ParseFromString(open(sys.argv[1], "rb").read())
problems = []
tree = []
tracks = {}
slices = collections.defaultdict(list)   # track uuid -> [name]
annotations = collections.defaultdict(list)  # track uuid -> [{name: value}], one per slice

open_slices = collections.defaultdict(list)
counters = collections.defaultdict(list)  # track uuid -> [value]
instants = collections.Counter()          # category -> count
flows_out, flows_in = collections.Counter(), collections.Counter()
sequences = set()
events = []
for packet in trace.packet:
    sequences.add(packet.trusted_packet_sequence_id)
    kind = packet.WhichOneof("data")
    if kind == "process_tree":
        tree += [{"pid": p.pid, "ppid": p.ppid if p.HasField("ppid") else None, "cmdline": list(p.cmdline)}
                 for p in packet.process_tree.processes]
    elif kind == "track_descriptor":
        d = packet.track_descriptor
        tracks[d.uuid] = {
            "uuid": d.uuid, "parent": d.parent_uuid if d.HasField("parent_uuid") else None, "name": d.name,
            "counter": d.HasField("counter"),
            "unit": d.counter.unit if d.HasField("counter") else None,
            "unit_name": d.counter.unit_name if d.HasField("counter") else None,
        }
    elif kind == "track_event":
        events.append(packet)
for packet in sorted(events, key=lambda p: p.timestamp):
    e = packet.track_event
    if e.track_uuid not in tracks:
        problems.append(f"event on undeclared track {e.track_uuid}")
    if e.type == pb.TrackEvent.TYPE_SLICE_BEGIN:
        slices[e.track_uuid].append(e.name)
        annotations[e.track_uuid].append({
            a.name: getattr(a, a.WhichOneof("value")) if a.WhichOneof("value") else None
            for a in e.debug_annotations})
        open_slices[e.track_uuid].append(packet.timestamp)
    elif e.type == pb.TrackEvent.TYPE_SLICE_END:
        if not open_slices[e.track_uuid]:
            problems.append(f"slice end without a begin on track {e.track_uuid}")
        elif open_slices[e.track_uuid].pop() > packet.timestamp:
            problems.append(f"slice ends before it begins on track {e.track_uuid}")
    elif e.type == pb.TrackEvent.TYPE_INSTANT:
        instants[e.categories[0] if e.categories else ""] += 1
    elif e.type == pb.TrackEvent.TYPE_COUNTER:
        which = e.WhichOneof("counter_value_field")
        counters[e.track_uuid].append(getattr(e, which))
    for f in e.flow_ids:
        flows_out[f] += 1
    for f in e.terminating_flow_ids:
        flows_in[f] += 1
for uuid, stack in open_slices.items():
    if stack:
        problems.append(f"{len(stack)} slices never end on track {uuid}")
if flows_out != flows_in:
    problems.append(f"flows without both ends: out {dict(flows_out)} in {dict(flows_in)}")
if problems:
    print("\n".join(problems))
    sys.exit(1)
print(json.dumps({
    "packets": len(trace.packet),
    "sequences": sorted(sequences),
    "process_tree": tree,
    "tracks": list(tracks.values()),
    "slices": {str(k): v for k, v in slices.items()},
    "slice_annotations": {str(k): v for k, v in annotations.items()},
    "counters": {str(k): v for k, v in counters.items()},
    "instants": dict(instants),
    "flows": len(flows_out),
}))
