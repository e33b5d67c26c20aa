#!/usr/bin/python3
"""Deliver events to webhooks the way Label Studio does.

    ls_webhooks.py [--no-payload] --hook URL [--header 'Name: value']...
                   [--hook URL ...] FILE...

Replays label_studio/webhooks/utils.py (Label Studio 1.22):
emit_webhooks_for_instance_sync sends each event to every active webhook in
turn ("for wh in webhooks"), and run_webhook_sync posts

    data = {'action': action}
    if webhook.send_payload and payload: data.update(payload)
    requests.post(webhook.url, headers=webhook.headers, json=data,
                  timeout=settings.WEBHOOK_TIMEOUT)

with requests' own User-Agent (python-requests/<version>) and no auth of its
own.  Each FILE holds one event as Label Studio's docs show it (the action
plus the payload).  Prints one line per delivery, in order:
"<status> <action> <url> <answer body>" (status 000 when none came).
"""
import argparse
import json
import sys

import requests

TIMEOUT = 10.0	# settings.WEBHOOK_TIMEOUT in the newest code (1.0 before)


class Webhook:
    def __init__(self, url):
        self.url = url
        self.headers = {}


def parse():
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-payload", action="store_true",
                    help="send_payload=false on every webhook")
    ap.add_argument("--hook", action="append", default=[])
    ap.add_argument("--header", action="append", default=[])
    ap.add_argument("files", nargs="+")
    # --header applies to the --hook before it
    hooks, cur = [], None
    args = sys.argv[1:]
    i = 0
    rest = []
    while i < len(args):
        a = args[i]
        if a == "--hook":
            cur = Webhook(args[i + 1])
            hooks.append(cur)
            i += 2
        elif a == "--header":
            name, _, value = args[i + 1].partition(":")
            cur.headers[name.strip()] = value.strip()
            i += 2
        else:
            rest.append(a)
            i += 1
    ns = ap.parse_args(rest)
    return ns, hooks


def run_webhook_sync(webhook, action, payload, send_payload):
    data = {"action": action}
    if send_payload and payload:
        data.update(payload)
    try:
        return requests.post(webhook.url, headers=webhook.headers, json=data,
                             timeout=TIMEOUT)
    except requests.RequestException as e:
        print("000 %s %s %s" % (action, webhook.url, e))
        return None


def main():
    ns, hooks = parse()
    for path in ns.files:
        with open(path, "rb") as f:
            event = json.load(f)
        action = event.pop("action")
        for wh in hooks:
            r = run_webhook_sync(wh, action, event, not ns.no_payload)
            if r is not None:
                print("%d %s %s %s" % (r.status_code, action, wh.url,
                                       r.text.strip()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
