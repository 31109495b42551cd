#!/usr/bin/env python3
"""Validates JSON Lines against Docs/events.schema.json: validate_events.py SCHEMA FILE.

Prints one line per invalid event and exits 1 when any is invalid, 2 when the file is empty.
Needs the `jsonschema` package (Debian: python3-jsonschema).
"""
import json
import sys

import jsonschema

schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
bad = 0
count = 0
with open(sys.argv[2], "rb") as f:
    for number, raw in enumerate(f, 1):
        count += 1
        event = json.loads(raw.decode("utf-8"))
        for error in validator.iter_errors(event):
            bad += 1
            print(f"line {number}: {error.message}")
sys.exit(1 if bad else (2 if count == 0 else 0))
