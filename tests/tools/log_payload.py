#!/usr/bin/python3
"""Check the record of an event in a log, for labelstudio-data.bats.

    log_payload.py [--deep] LOG ID COMPACT

The line of LOG whose id is ID must parse with json.loads, and its
payload bytes (the record's last field) must equal the file COMPACT byte
for byte.  Without --deep, json.loads runs with Python's default
recursion limit (Debian 12's 3.11 then reads 993 levels); --deep raises
the limit for records deeper than that (lib/json.h).  Exits 0 when so, else prints why and exits 1.
"""
import json
import sys


def main():
    args = sys.argv[1:]
    if args[0] == "--deep":
        sys.setrecursionlimit(100000)
        args = args[1:]
    log, want_id, compact = args[:3]
    want = open(compact, "rb").read()
    found = 0
    for raw in open(log, "rb"):
        line = raw.rstrip(b"\n")
        rec = json.loads(line)		# every line, not only ours
        if rec.get("id") != want_id:
            continue
        found += 1
        at = line.index(b',"payload":') + len(b',"payload":')
        got = line[at:-1]
        if got != want:
            print("payload differs: got %d bytes, want %d" %
                  (len(got), len(want)))
            return 1
        if rec["payload"] != json.loads(want):
            print("payload parses differently")
            return 1
    if found != 1:
        print("%d records with id %s" % (found, want_id))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
