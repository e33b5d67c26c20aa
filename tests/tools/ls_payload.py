#!/usr/bin/python3
"""Write a Label Studio webhook payload for labelstudio-data.bats.

    ls_payload.py KIND SEED FILE

KIND is one of
  tasks-surrogates        TASKS_CREATED whose task data holds lone surrogates
  annotation-surrogates   ANNOTATION_CREATED, the same in task data and labels
  tasks-deep-list:N       TASKS_CREATED whose task data nests N lists
  tasks-deep-dict:N       the same with N dicts
  annotation-deep-dict:N  ANNOTATION_CREATED whose task data nests N dicts
  annotation-deep-labels:N  the same, with a label in its result whose
                          value nests as deep (N + 2 levels in all)
SEED makes the ids and text distinct per test.  FILE gets json.dumps of the
payload (as requests.post(json=...) sends it), which ls_send.py loads and
posts again; "FILE.compact" gets the payload with "," and ":" separators:
the bytes lshook must log.
"""
import json
import sys

# Debian 12's python3 is 3.11, whose json stops near 993 levels (its
# recursion limit); Python 3.13 writes 9998.  To post what a Label Studio
# on 3.13 posts, raise the limit: 3.11's json then reads and writes 10001
# levels and more (measured to 20000) on the default 8 MiB stack.
sys.setrecursionlimit(100000)

LONE = "\ud83d"


def deep(n, kind, seed):
    v = "leaf %s" % seed
    for _ in range(n):
        v = [v] if kind == "list" else {"k": v}
    return v


def surrogate_data(seed):
    return {"text": "truncated at a pair: " + LONE,
            "low": "\udc00 a low half alone",
            "mixed": "\ud83d\u0041 \ude00\ud83d then a pair \ud83d\ude00",
            "seed": seed}


def task(seed, data):
    return {"id": 1000 + seed, "data": data, "project": 3,
            "meta": {}, "created_at": "2026-12-02T06:00:00.000000Z"}


def payload(kind, seed):
    depth = 0
    if ":" in kind:
        kind, n = kind.split(":")
        depth = int(n)
    if kind == "tasks-surrogates":
        return {"action": "TASKS_CREATED", "project": {"id": 3},
                "tasks": [task(seed, surrogate_data(seed))]}
    if kind == "annotation-surrogates":
        t = task(seed, surrogate_data(seed))
        return {"action": "ANNOTATION_CREATED", "project": {"id": 3},
                "task": t,
                "annotation": {"id": 5000 + seed, "task": t["id"],
                               "result": [{"from_name": "label",
                                           "to_name": "text",
                                           "type": "labels",
                                           "value": {"labels": [
                                               "A" + LONE, "\udc00",
                                               "B\ud83d\ude00"]}}]}}
    if kind in ("tasks-deep-list", "tasks-deep-dict"):
        return {"action": "TASKS_CREATED", "project": {"id": 3},
                "tasks": [task(seed, deep(depth, kind[11:], seed))]}
    if kind == "annotation-deep-dict":
        t = task(seed, deep(depth, "dict", seed))
        return {"action": "ANNOTATION_CREATED", "project": {"id": 3},
                "task": t,
                "annotation": {"id": 5000 + seed, "task": t["id"],
                               "result": []}}
    if kind == "annotation-deep-labels":
        t = task(seed, deep(depth, "dict", seed))
        value = {"labels": ["Deep %s" % seed],
                 "deep": deep(depth - 3, "dict", seed)}
        return {"action": "ANNOTATION_CREATED", "project": {"id": 3},
                "task": t,
                "annotation": {"id": 5000 + seed, "task": t["id"],
                               "result": [{"from_name": "label",
                                           "to_name": "text",
                                           "type": "labels",
                                           "value": value}]}}
    raise SystemExit("unknown kind " + kind)


def main():
    p = payload(sys.argv[1], int(sys.argv[2]))
    with open(sys.argv[3], "w") as f:
        f.write(json.dumps(p))
    with open(sys.argv[3] + ".compact", "w") as f:
        f.write(json.dumps(p, separators=(",", ":")))


if __name__ == "__main__":
    main()
