#!/usr/bin/python3
"""killer.py: SIGKILL lshook handlers under load, at random moments.

    killer.py --parent PID --data DIR --kills N [--names tasks,annotations]
              [--gap-min S] [--gap-max S] [--until-file F] [--max-seconds S]

Only children of --parent (the lighttpd this test started) whose command
is one of the named handlers are ever signalled, each by its PID.  Kills
alternate between two kinds of moment:
  writer: a handler holding the flock of one of the named logs (found in
          /proc/locks) while that log ends inside a line, i.e. one in the
          middle of writing a record: the kill that leaves a torn line
          (failing that within 1.5 s, any lock holder: it may be syncing);
  random: any of the named handlers, whatever it is doing.
Stops after --kills kills, when --until-file exists (the load is over),
or after --max-seconds.  Prints one line per kill and, last, "kills N".
"""
import argparse
import os
import random
import signal
import sys
import time


def children(parent, names):
    """PIDs of parent's children running one of the handlers."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
            ppid = int(st[st.rindex(")") + 2:].split()[1])
            if ppid != parent:
                continue
            with open("/proc/%s/cmdline" % d, "rb") as f:
                cmd = f.read().split(b"\0")[0].decode(errors="replace")
        except (OSError, ValueError):
            continue
        if any(cmd.endswith("/%s.fcgi" % n) for n in names):
            out.append(int(d))
    return out


def lock_holders(inodes):
    """PIDs holding a write flock on one of the (major, minor, inode)s."""
    pids = []
    try:
        with open("/proc/locks") as f:
            for line in f:
                p = line.split()
                # "1: FLOCK  ADVISORY  WRITE 1234 fd:01:5678 0 EOF"
                if len(p) < 6 or "->" in p or p[1] != "FLOCK" or p[3] != "WRITE":
                    continue
                maj, mino, ino = p[5].split(":")
                if (int(maj, 16), int(mino, 16), int(ino)) in inodes:
                    pids.append(int(p[4]))
    except OSError:
        pass
    return pids


def log_inodes(data, names):
    inodes = set()
    for n in names:
        try:
            st = os.stat(os.path.join(data, n + ".jsonl"))
        except OSError:
            continue
        inodes.add((os.major(st.st_dev), os.minor(st.st_dev), st.st_ino))
    return inodes


def last_byte_torn(paths):
    """Whether one of the logs ends inside a line (a write under way)."""
    for p in paths:
        try:
            with open(p, "rb") as f:
                f.seek(0, os.SEEK_END)
                if f.tell() == 0:
                    continue
                f.seek(-1, os.SEEK_END)
                if f.read(1) != b"\n":
                    return True
        except OSError:
            pass
    return False


def catch_writer(a, names, rnd, over):
    """
    A handler in the middle of an append, or (None, None).  For up to
    1.5 s, look for a handler holding a log's lock while the log ends
    inside a line: that one is writing a record now (a big one takes a
    while), and a kill tears it.  Then settle for any lock holder (it may
    be syncing).
    """
    paths = [os.path.join(a.data, n + ".jsonl") for n in names]
    until = time.monotonic() + 1.5
    polls = 0
    while time.monotonic() < until and not over():
        if polls % 100 == 0:
            ours = set(children(a.parent, names))
            inodes = log_inodes(a.data, names)
        polls += 1
        held = [p for p in lock_holders(inodes) if p in ours]
        if held and last_byte_torn(paths):
            return held[0], "mid-write"
    until = time.monotonic() + 1
    while time.monotonic() < until and not over():
        ours = set(children(a.parent, names))
        held = [p for p in lock_holders(log_inodes(a.data, names))
                if p in ours]
        if held:
            time.sleep(rnd.uniform(0, 0.002))
            return held[0], "lock held"
        time.sleep(0.0005)
    return None, None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--parent", type=int, required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--kills", type=int, required=True)
    ap.add_argument("--names", default="tasks,annotations")
    ap.add_argument("--gap-min", type=float, default=0.2)
    ap.add_argument("--gap-max", type=float, default=0.8)
    ap.add_argument("--until-file")
    ap.add_argument("--max-seconds", type=float, default=300)
    ap.add_argument("--seed", type=int, default=None)
    a = ap.parse_args()

    rnd = random.Random(a.seed)
    names = a.names.split(",")
    deadline = time.monotonic() + a.max_seconds
    kills = {"writer": 0, "random": 0}

    def over():
        return (time.monotonic() > deadline or
                (a.until_file and os.path.exists(a.until_file)))

    while sum(kills.values()) < a.kills and not over():
        time.sleep(rnd.uniform(a.gap_min, a.gap_max))
        kind = "writer" if sum(kills.values()) % 2 == 0 else "random"
        victim, how = None, "any"
        if kind == "writer":
            victim, how = catch_writer(a, names, rnd, over)
            if victim is None:
                kind = "random"
        if victim is None:
            if over():
                break
            ours = children(a.parent, names)
            if not ours:
                continue
            victim = rnd.choice(ours)
        try:
            os.kill(victim, signal.SIGKILL)
        except ProcessLookupError:
            continue
        kills[kind] += 1
        print("kill %s (%s) pid %d at %.3f" % (kind, how, victim, time.time()),
              flush=True)
    print("kills %d (writer %d, random %d)" % (sum(kills.values()),
          kills["writer"], kills["random"]), flush=True)


if __name__ == "__main__":
    main()
