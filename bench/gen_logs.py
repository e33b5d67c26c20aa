#!/usr/bin/python3
"""gen_logs.py: a data directory of lshook logs for the `lshook snapshot` row.

    bench/gen_logs.py DATA_DIR MIB
    bench/gen_logs.py --check BODY RECORD

The first form writes DATA_DIR/tasks.jsonl and DATA_DIR/annotations.jsonl,
together about MIB MiB, as lshook would have recorded a project's life:
bulk TASKS_CREATED of 5000 tasks, one ANNOTATION_CREATED per task for most
of them, ANNOTATION_UPDATED revisions, a few ANNOTATIONS_DELETED, with
received_at increasing.  The bodies are bench/gen_payloads.py's; each record
is built the way lshook builds it (envelope, compact payload, project
secrets redacted), so that the rate is measured on lines of the real size
and shape without posting a gigabyte through the handlers first.

The second form checks that claim: it builds the record of BODY and
compares it with RECORD, a line lshook itself wrote for the same body
(received_at taken from it).  Exit 0 when they are the same bytes.

Prints "records=N bytes=N tasks=N annotations=N" for the first form: the
tasks and the live annotations a snapshot of the whole log must hold.
"""
import hashlib
import json
import os
import random
import sys

sys.dont_write_bytecode = True	# no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_payloads  # noqa: E402

REDACT = ("token", "task_data_login", "task_data_password")


def compact(obj):
    return json.dumps(obj, separators=(",", ":"))


def record(body, received_at):
    """The line lshook writes for body (bytes): envelope + compact payload."""
    obj = json.loads(body)
    family = {"TASKS_CREATED": "tasks", "ANNOTATION_CREATED": "annotations",
              "ANNOTATION_UPDATED": "annotations",
              "ANNOTATIONS_DELETED": "annotations"}[obj["action"]]
    project = obj.get("project")
    if isinstance(project, dict):
        for k in REDACT:
            if k in project:
                project[k] = "[redacted]"
    if "tasks" in obj:
        task_ids = [t["id"] for t in obj["tasks"]]
    elif isinstance(obj.get("task"), dict):
        task_ids = [obj["task"]["id"]]
    elif isinstance(obj.get("annotation"), dict) and "task" in obj["annotation"]:
        task_ids = [obj["annotation"]["task"]]
    else:
        task_ids = []
    if isinstance(obj.get("annotation"), dict):
        ann_ids = [obj["annotation"]["id"]]
    else:
        ann_ids = [a["id"] for a in obj.get("annotations", [])]
    head = ('{"v":1,"id":"sha256:%s","received_at":"%s","action":"%s",'
            '"family":"%s","project_id":%s,"task_ids":%s,"annotation_ids":%s,'
            '"payload":' % (hashlib.sha256(body).hexdigest(), received_at,
                            obj["action"], family,
                            project["id"] if isinstance(project, dict) else "null",
                            compact(task_ids), compact(ann_ids)))
    return (head + compact(obj) + "}\n").encode()


class Stamps:
    """received_at values, one millisecond apart."""

    def __init__(self):
        self.ms = 0

    def next(self):
        self.ms += 1
        s, ms = divmod(self.ms, 1000)
        m, s = divmod(s, 60)
        h, m = divmod(m, 60)
        d, h = divmod(h, 24)
        return "2026-10-%02dT%02d:%02d:%02d.%03d000Z" % (1 + d, h, m, s, ms)


def generate(data_dir, mib):
    rng = random.Random(20251001)
    target = mib * 1024 * 1024
    stamps = Stamps()
    total = records = 0
    tasks_live = set()
    ann_live = {}
    # Annotation bodies: one template, ids swapped in as text.  The marks are
    # numbers that occur nowhere else in the body.
    ann = gen_payloads.annotation_created(rng)
    ann["annotation"]["id"] = 987654321
    ann["annotation"]["task"] = 876543219
    ann["task"]["id"] = 876543219
    ann["task"]["inner_id"] = 765432198
    created = json.dumps(ann)
    ann["action"] = "ANNOTATION_UPDATED"
    ann["annotation"]["lead_time"] = 52.118
    updated = json.dumps(ann)
    rec_cache = {}

    def ann_record(tmpl, aid, tid, at):
        body = (tmpl.replace("987654321", str(aid)).replace("876543219", str(tid))
                .replace("765432198", str(tid - 4000))).encode()
        return record_fast(tmpl, body, aid, tid, at)

    def record_fast(tmpl, body, aid, tid, at):
        # The record of the template, once; then the same replacements
        # (the payload holds the same ids) and the body's own hash.
        if tmpl not in rec_cache:
            r = record(tmpl.encode(), "@AT@").decode()
            r = r.replace(hashlib.sha256(tmpl.encode()).hexdigest(), "@SHA@")
            rec_cache[tmpl] = r
        r = (rec_cache[tmpl].replace("987654321", str(aid))
             .replace("876543219", str(tid)).replace("765432198", str(tid - 4000))
             .replace("@AT@", at)
             .replace("@SHA@", hashlib.sha256(body).hexdigest()))
        return r.encode()

    with open(os.path.join(data_dir, "tasks.jsonl"), "wb") as tf, \
            open(os.path.join(data_dir, "annotations.jsonl"), "wb") as af:
        next_task, next_ann = 1, 1
        while total < target:
            # A bulk import of 5000 tasks...
            bulk = gen_payloads.tasks_created(rng, 5000)
            for i, t in enumerate(bulk["tasks"]):
                t["id"] = next_task + i
                t["inner_id"] = next_task + i
            line = record(json.dumps(bulk).encode(), stamps.next())
            tf.write(line)
            total += len(line)
            records += 1
            ids = list(range(next_task, next_task + 5000))
            next_task += 5000
            tasks_live.update(ids)
            # ...then most of them annotated, some revised, a few deleted.
            for tid in ids:
                if total >= target:
                    break
                if rng.random() < 0.8:
                    aid = next_ann
                    next_ann += 1
                    line = ann_record(created, aid, tid, stamps.next())
                    af.write(line)
                    total += len(line)
                    records += 1
                    ann_live[aid] = tid
                    if rng.random() < 0.5:
                        line = ann_record(updated, aid, tid, stamps.next())
                        af.write(line)
                        total += len(line)
                        records += 1
                    if rng.random() < 0.01:
                        body = json.dumps({
                            "action": "ANNOTATIONS_DELETED",
                            "annotations": [{"id": aid}],
                            "project": {"id": 7, "title": "Product reviews"}}).encode()
                        line = record(body, stamps.next())
                        af.write(line)
                        total += len(line)
                        records += 1
                        del ann_live[aid]
    return {"records": records, "bytes": total, "tasks": len(tasks_live),
            "annotations": len(ann_live)}


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--check":
        with open(sys.argv[2], "rb") as f:
            body = f.read()
        with open(sys.argv[3], "rb") as f:
            real = f.read().splitlines()[-1] + b"\n"
        at = json.loads(real)["received_at"]
        mine = record(body, at)
        if mine != real:
            n = next((i for i in range(min(len(mine), len(real)))
                      if mine[i] != real[i]), min(len(mine), len(real)))
            sys.exit("differs at byte %d: %r / %r" % (n, mine[n - 40:n + 40],
                                                       real[n - 40:n + 40]))
        print("same bytes (%d)" % len(real))
        return
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    out = generate(sys.argv[1], int(sys.argv[2]))
    print(" ".join("%s=%d" % kv for kv in out.items()))


if __name__ == "__main__":
    main()
