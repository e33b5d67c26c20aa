#!/usr/bin/python3
"""load.py: post a bounded number of unique Label Studio events to lshook.

Each event carries a marker "lshk-<run>-<n>-" that occurs nowhere else, so
a record is matched to its request whatever id it gets.  Sizes are mixed:
most bodies 1-3 KB, --medium of about 100 KB, --large of about 3 MB.
Events go round the --families (tasks: TASKS_CREATED, annotations:
ANNOTATION_CREATED), all of project 7.  --clients threads post at once,
each on its own keep-alive connection to 127.0.0.1.

One line per event goes to --out, tab-separated:
    n  family  marker  http-status  status-field  id  seconds  error
http-status is 0 when no answer came (connection reset, timeout).
Bounded: --count requests at most, none started after --max-seconds.
With --backoff S a client pauses S seconds after an answer other than 2xx,
so that a load does not burn through its events while handlers respawn.
"""
import argparse
import http.client
import json
import random
import sys
import threading
import time
import urllib.parse

ACTIONS = {
    "tasks": "TASKS_CREATED",
    "annotations": "ANNOTATION_CREATED",
    "projects": "PROJECT_UPDATED",
}


def body_for(n, family, marker, size):
    """A JSON body of about size bytes holding marker once."""
    pad = "p" * max(0, size - 300)
    if family == "tasks":
        ev = {"action": "TASKS_CREATED", "project": {"id": 7},
              "tasks": [{"id": n, "data": {"text": marker + pad}}]}
    elif family == "annotations":
        ev = {"action": "ANNOTATION_CREATED", "project": {"id": 7},
              "task": {"id": n},
              "annotation": {"id": n, "task": n, "result": [
                  {"from_name": "sentiment", "to_name": "text",
                   "type": "choices",
                   "value": {"choices": ["Positive"]}}],
                  "meta": {"note": marker + pad}}}
    else:
        ev = {"action": "PROJECT_UPDATED",
              "project": {"id": 7, "title": marker + pad}}
    return json.dumps(ev, separators=(",", ":")).encode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True, help="http://127.0.0.1:PORT")
    ap.add_argument("--secret", required=True)
    ap.add_argument("--run", required=True, help="marker prefix, unique")
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--first", type=int, default=0, help="first event number")
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--medium", type=int, default=0, help="~100 KB bodies")
    ap.add_argument("--large", type=int, default=0, help="~3 MB bodies")
    ap.add_argument("--families", default="tasks")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--max-seconds", type=float, default=600)
    ap.add_argument("--out", required=True)
    ap.add_argument("--progress", help="file rewritten with the number done")
    ap.add_argument("--backoff", type=float, default=0,
                    help="seconds a client waits after an answer other "
                    "than 2xx (handlers respawning), so the load lasts")
    a = ap.parse_args()

    u = urllib.parse.urlsplit(a.url)
    if u.hostname != "127.0.0.1":
        sys.exit("load.py: 127.0.0.1 only")
    rnd = random.Random(a.seed)
    fams = a.families.split(",")
    sizes = ["m"] * a.medium + ["l"] * a.large
    sizes += ["s"] * max(0, a.count - len(sizes))
    sizes = sizes[:a.count]
    rnd.shuffle(sizes)
    jobs = []
    for k, s in enumerate(sizes):
        n = a.first + k
        size = {"s": rnd.randint(1000, 3000), "m": 100 * 1024,
                "l": 3 * 1024 * 1024}[s]
        jobs.append((n, fams[k % len(fams)], size))
    jobs.reverse()	# pop() from the end gives them in order

    lock = threading.Lock()
    results = []
    done = [0]
    deadline = time.monotonic() + a.max_seconds
    headers = {"Content-Type": "application/json",
               "Authorization": "Bearer " + a.secret}

    def worker():
        conn = None
        while True:
            with lock:
                if not jobs or time.monotonic() > deadline:
                    return
                n, fam, size = jobs.pop()
            marker = "lshk-%s-%d-" % (a.run, n)
            body = body_for(n, fam, marker, size)
            t0 = time.monotonic()
            code, st, ident, err = 0, "", "", ""
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(
                        "127.0.0.1", u.port, timeout=a.timeout)
                conn.request("POST", "/hooks/%s.fcgi" % fam, body, headers)
                r = conn.getresponse()
                data = r.read()
                code = r.status
                try:
                    ans = json.loads(data)
                    st = str(ans.get("status", ""))
                    ident = str(ans.get("id", ""))
                    err = str(ans.get("error", ""))
                except ValueError:
                    err = "answer not JSON: %r" % data[:80]
                if r.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as e:
                err = "%s: %s" % (type(e).__name__, e)
                if conn is not None:
                    conn.close()
                conn = None
            dt = time.monotonic() - t0
            if a.backoff and not 200 <= code < 300:
                time.sleep(a.backoff)
            with lock:
                results.append((n, fam, marker, code, st, ident, dt,
                                err.replace("\t", " ").replace("\n", " ")))
                done[0] += 1
                if a.progress and done[0] % 20 == 0:
                    with open(a.progress, "w") as f:
                        f.write("%d\n" % done[0])

    threads = [threading.Thread(target=worker) for _ in range(a.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results.sort()
    with open(a.out, "w") as f:
        for r in results:
            f.write("%d\t%s\t%s\t%d\t%s\t%s\t%.3f\t%s\n" % r)
    if a.progress:
        with open(a.progress, "w") as f:
            f.write("%d\n" % done[0])
    codes = {}
    for r in results:
        codes[r[3]] = codes.get(r[3], 0) + 1
    print("load.py: %d sent, status counts %s" % (len(results),
          json.dumps(codes, sort_keys=True)), file=sys.stderr)


if __name__ == "__main__":
    main()
