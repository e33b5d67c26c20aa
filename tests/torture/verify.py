#!/usr/bin/python3
"""verify.py: hold the logs of a data directory against what load.py sent.

    verify.py --data DIR --results FILE... [--run RUN] [--rotated]
              [--max-torn N] [--allow-unacked] [--summary FILE]

Checks, for the event logs (tasks, annotations, projects, ignored; with
--rotated also their renamed copies NAME.jsonl.*):
  - every file ends in a newline, unless its last line is torn and
    --max-torn allows it (no append after the last kill);
  - every line is a JSON object with the lshook envelope, except torn
    lines (not JSON), at most --max-torn of them in all;
  - a torn line is never followed by another record on the same line
    (glued) and holds no complete record;
  - every event answered 2xx (ok, ignored or duplicate) is recorded
    exactly once, in its family's log, with the id of the answer;
  - no record is there twice, and no line is unexplained: each record
    holds the marker of a sent event, or is derived (first-seen:, train:);
  - unless --allow-unacked, no event without a 2xx answer is recorded.
Prints a JSON summary (counts, torn lines as "file:line") on stdout, and
each problem on stderr; exits 1 when there is any.
"""
import argparse
import glob
import json
import os
import re
import sys

TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
LOGS = ["tasks", "annotations", "projects", "training", "ignored"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--results", required=True, nargs="+")
    ap.add_argument("--run", default=None, help="marker run id (default: any)")
    ap.add_argument("--rotated", action="store_true")
    ap.add_argument("--max-torn", type=int, default=0)
    ap.add_argument("--allow-unacked", action="store_true")
    ap.add_argument("--summary")
    a = ap.parse_args()

    problems = []

    def bad(msg):
        if len(problems) < 50:
            print("verify: " + msg, file=sys.stderr)
        problems.append(msg)

    run = re.escape(a.run) if a.run else r"[A-Za-z0-9_.]+"
    marker_re = re.compile(("lshk-%s-([0-9]+)-" % run).encode())

    sent = {}	# n -> (family, code, status, id)
    for rf in a.results:
        with open(rf) as f:
            for line in f:
                p = line.rstrip("\n").split("\t")
                n, fam, code, st, ident = int(p[0]), p[1], int(p[3]), p[4], p[5]
                sent[n] = (fam, code, st, ident)
    acked = {n for n, v in sent.items() if 200 <= v[1] < 300}

    files = []
    for name in LOGS:
        path = os.path.join(a.data, name + ".jsonl")
        if os.path.exists(path):
            files.append(path)
        if a.rotated:
            files += sorted(glob.glob(path + ".*"))

    found = {}	# n -> [(file, line, record)]
    torn = []
    records = derived = 0
    for path in files:
        base = os.path.basename(path)
        log = base.split(".jsonl")[0]
        with open(path, "rb") as f:
            data = f.read()
        lines = data.split(b"\n")
        tail_torn = data != b"" and not data.endswith(b"\n")
        if not tail_torn:
            lines.pop()	# the empty piece after the last newline
        for i, line in enumerate(lines, 1):
            where = "%s:%d" % (base, i)
            marks = marker_re.findall(line)
            try:
                rec = json.loads(line)
            except ValueError:
                torn.append(where)
                if len(marks) > 1:
                    bad("%s: torn line holds %d markers (glued)" % (where,
                        len(marks)))
                continue
            if i == len(lines) and tail_torn:
                bad("%s: a whole record without its newline" % where)
            records += 1
            if not isinstance(rec, dict) or not (
                    rec.get("v") == 1 and isinstance(rec.get("id"), str)
                    and isinstance(rec.get("received_at"), str)
                    and TIME.match(rec["received_at"])
                    and isinstance(rec.get("action"), str)
                    and isinstance(rec.get("task_ids"), list)
                    and isinstance(rec.get("annotation_ids"), list)
                    and isinstance(rec.get("payload"), dict)):
                bad("%s: not an lshook record: %.120r" % (where, line))
                continue
            if rec["id"].startswith(("first-seen:", "train:")):
                derived += 1
                continue
            if len(marks) != 1:
                bad("%s: %d markers in one record" % (where, len(marks)))
                continue
            n = int(marks[0])
            if n not in sent:
                bad("%s: record of event %d, which was never sent" % (where, n))
                continue
            found.setdefault(n, []).append((base, i, log, rec["id"]))
    if len(torn) > a.max_torn:
        bad("%d torn lines, at most %d allowed: %s" % (len(torn), a.max_torn,
            " ".join(torn[:20])))

    lost = twice = unacked = wrong = 0
    for n, (fam, code, st, ident) in sorted(sent.items()):
        recs = found.get(n, [])
        if len(recs) > 1:
            twice += 1
            bad("event %d recorded %d times: %s" % (n, len(recs),
                " ".join("%s:%d" % (r[0], r[1]) for r in recs)))
        if n in acked:
            if not recs:
                lost += 1
                bad("event %d answered %d %s but not recorded" % (n, code, st))
                continue
            want = fam if st != "ignored" else "ignored"
            for r in recs:
                if r[2] != want or r[3] != ident:
                    wrong += 1
                    bad("event %d: record %s:%d in %s with id %s, answer "
                        "said %s" % (n, r[0], r[1], r[2], r[3], ident))
        elif recs:
            unacked += 1
            if not a.allow_unacked:
                bad("event %d recorded though answered %d" % (n, code))

    codes = {}
    for v in sent.values():
        codes[str(v[1])] = codes.get(str(v[1]), 0) + 1
    summary = {
        "sent": len(sent), "acked": len(acked), "codes": codes,
        "files": len(files), "records": records, "derived": derived,
        "torn": torn, "lost": lost, "twice": twice,
        "unacked_recorded": unacked, "wrong_place": wrong,
        "problems": len(problems),
    }
    text = json.dumps(summary, sort_keys=True)
    print(text)
    if a.summary:
        with open(a.summary, "w") as f:
            f.write(text + "\n")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
