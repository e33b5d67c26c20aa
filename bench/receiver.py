"""receiver.py: the Python receiver of the benchmark (Flask under gunicorn).

The job lshook does, written the way a Flask user would: check the shared
secret (Authorization: Bearer, constant-time), append the body as one line
to a JSONL file, answer 200.  Settings: BENCH_SECRET, BENCH_LOG.

    gunicorn -w 2 -b 127.0.0.1:PORT --chdir bench receiver:app
"""
import hmac
import os

from flask import Flask, request

app = Flask(__name__)
EXPECTED = ("Bearer " + os.environ["BENCH_SECRET"]).encode()
LOG = os.environ["BENCH_LOG"]


@app.post("/hook")
def hook():
    got = request.headers.get("Authorization", "").encode()
    if not hmac.compare_digest(got, EXPECTED):
        return {"status": "error", "error": "bad credentials"}, 401
    body = request.get_data()
    with open(LOG, "ab") as f:
        f.write(body.rstrip(b"\n") + b"\n")
    return {"status": "ok"}
