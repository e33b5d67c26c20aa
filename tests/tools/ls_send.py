#!/usr/bin/python3
"""Post a payload the way Label Studio does (label_studio/webhooks/utils.py).

    ls_send.py URL FILE [-H 'Name: value']... [--basic USER:PASS]

Label Studio loads the payload into Python objects and posts it with
requests.post(url, json=payload, headers=..., timeout=...): one line, ", "
and ": " separators, non-ASCII escaped, Content-Type application/json.
Prints "<status> <body>" on one line; exits 0 whenever an answer came.
"""
import argparse
import json
import sys

import requests

# Debian 12's python3 is 3.11, whose json stops near 993 levels (its
# recursion limit); Python 3.13 writes 9998.  To post what a Label Studio
# on 3.13 posts, raise the limit: 3.11's json then reads and writes 10001
# levels and more (measured to 20000) on the default 8 MiB stack.
sys.setrecursionlimit(100000)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("file")
    ap.add_argument("-H", dest="headers", action="append", default=[])
    ap.add_argument("--basic")
    ap.add_argument("--timeout", type=float, default=1.0)
    a = ap.parse_args()
    with open(a.file, "rb") as f:
        payload = json.load(f)
    headers = {}
    for h in a.headers:
        name, _, value = h.partition(":")
        headers[name.strip()] = value.strip()
    auth = tuple(a.basic.split(":", 1)) if a.basic else None
    try:
        r = requests.post(a.url, json=payload, headers=headers, auth=auth,
                          timeout=a.timeout)
    except requests.RequestException as e:
        print("000 %s" % e)
        return 1
    print("%d %s" % (r.status_code, r.text.strip()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
