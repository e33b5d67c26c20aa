#!/usr/bin/python3
"""Talk to an ML backend the way Label Studio's ML client does.

    ls_ml.py URL [--basic USER:PASS] STEP...

Replays label_studio/ml/api_connector.py (MLApi) and the parts of
label_studio/ml/models.py that read its answers (Label Studio 1.22):

  - one requests Session with User-Agent "heartex/<version>"
    (BaseHTTPAPI.HEADERS), HTTPBasicAuth only when user and password are
    both set (_prepare_kwargs), GET without a body, POST json=;
  - MLApi._request: an answer is an error when the connection fails, the
    status is not 2xx (raise_for_status) or the body is not JSON;
  - MLBackend._get_predictions_from_ml_backend: "results" must be a
    non-empty list, matched to the tasks by position, an item being one
    prediction (a dict with "result") or a list of them.

Steps (each prints one line "<step> <outcome>"):
  health                 GET  /health          -> "health ok|error <status> <msg>"
  setup PROJECT_FILE     POST /setup           -> "setup ok <model_version>|error ..."
  versions               GET  /versions        -> "versions ok <json list>|error ..."
  predict TASKS_FILE     POST /predict         -> "predict ok <n predictions> errors <n logged>"
  train PROJECT_FILE     POST /webhook START_TRAINING -> "train ok <json>|error ..."
  train-legacy PROJECT_FILE TASKS_FILE  POST /train   -> "train-legacy ok <json>|error ..."
  project-updated PROJECT_FILE  POST /webhook PROJECT_UPDATED (Label Studio 1.12)
PROJECT_FILE holds a project object (as a webhook's "project"); TASKS_FILE a
list of tasks.
"""
import json
import sys

import requests
from requests.auth import HTTPBasicAuth

VERSION = "1.22.0"
TIMEOUT_PREDICT = 100
TIMEOUT_HEALTH = 1
TIMEOUT_SETUP = 3


class Result:
    def __init__(self, url, status, response=None, error=None):
        self.url, self.status_code = url, status
        self.response, self.error_message = response, error

    @property
    def is_error(self):
        return self.error_message is not None


class MLApi:
    def __init__(self, url, basic):
        self.url = url.rstrip("/") + "/"
        self.session = requests.Session()
        self.session.headers.update({"User-Agent": "heartex/" + VERSION})
        self.basic = tuple(basic.split(":", 1)) if basic else (None, None)

    def _kwargs(self, timeout):
        kw = {"timeout": timeout}
        if self.basic[0] and self.basic[1]:
            kw["auth"] = HTTPBasicAuth(*self.basic)
        return kw

    def _request(self, path, request=None, method="POST", timeout=TIMEOUT_PREDICT):
        url = self.url + path
        status = 0
        try:
            if method == "GET":
                r = self.session.get(url, **self._kwargs(timeout))
            else:
                r = self.session.post(url, json=request, **self._kwargs(timeout))
            status = r.status_code
            r.raise_for_status()
        except requests.exceptions.RequestException as e:
            return Result(url, status, error=str(e))
        try:
            return Result(url, status, response=r.json())
        except ValueError as e:
            return Result(url, status, error=str(e))


def project_uid(project):
    return "%s.%s" % (project["id"], 1629208174)


def get_predictions(api, tasks, project):
    """models.py _get_predictions_from_ml_backend; returns (preds, errors)."""
    request = {"tasks": tasks, "project": project_uid(project),
               "label_config": project.get("label_config", ""),
               "params": {"login": project.get("task_data_login"),
                          "password": project.get("task_data_password"),
                          "context": None}}
    result = api._request("predict", request)
    if result.is_error:
        return [], ["error " + str(result.error_message)]
    res = result.response
    if not isinstance(res, dict) or "results" not in res:
        return [], ["no results field"]
    if not isinstance(res["results"], list) or len(res["results"]) == 0:
        return [], ["results field must be a list with at least one item"]
    responses = res["results"]
    if len(tasks) != len(responses):
        if len(responses) == 1:	# _get_predictions_from_ml_backend_one_by_one
            preds, errs = [], []
            for t in tasks:
                p, e = get_predictions(api, [t], project)
                preds += p
                errs += e
            return preds, errs
        return [], ["number of tasks and responses are not equal"]
    preds, errs = [], []
    for task, response in zip(tasks, responses):
        if isinstance(response, dict):
            response = [response]
        for r in response:
            if "result" not in r:
                errs.append("should be a dict with the 'result' field")
                continue
            preds.append({"task": task["id"], "result": r["result"],
                          "score": r.get("score")})
    return preds, errs


def load(path):
    with open(path, "rb") as f:
        return json.load(f)


def outcome(step, r, show):
    if r.is_error:
        return "%s error %d %s" % (step, r.status_code, r.error_message)
    return "%s ok %s" % (step, show(r.response))


def main():
    args = sys.argv[1:]
    url = args.pop(0)
    basic = None
    if args and args[0] == "--basic":
        basic = args[1]
        args = args[2:]
    api = MLApi(url, basic)
    while args:
        step = args.pop(0)
        if step == "health":
            r = api._request("health", method="GET", timeout=TIMEOUT_HEALTH)
            print(outcome(step, r, lambda x: json.dumps(x)))
        elif step == "setup":
            project = load(args.pop(0))
            r = api._request("setup", {
                "project": project_uid(project),
                "schema": project.get("label_config", ""),
                "hostname": "http://localhost:8080",
                "access_token": "0123456789abcdef-live-api-token",
                "extra_params": ""}, timeout=TIMEOUT_SETUP)
            print(outcome(step, r, lambda x: x.get("model_version")))
        elif step == "versions":
            r = api._request("versions", method="GET", timeout=TIMEOUT_SETUP)
            print(outcome(step, r, lambda x: json.dumps(x.get("versions", []))))
        elif step == "predict":
            tasks = load(args.pop(0))
            project = {"id": tasks[0]["project"]} if tasks else {"id": 1}
            preds, errs = get_predictions(api, tasks, project)
            print("predict ok %d errors %d %s" % (len(preds), len(errs),
                                                   "; ".join(errs)))
        elif step in ("train", "project-updated"):
            project = load(args.pop(0))
            action = "START_TRAINING" if step == "train" else "PROJECT_UPDATED"
            r = api._request("webhook", {"action": action, "project": project})
            print(outcome(step, r, lambda x: json.dumps(x)))
        elif step == "train-legacy":
            project = load(args.pop(0))
            tasks = load(args.pop(0))
            r = api._request("train", {
                "annotations": tasks, "project": project_uid(project),
                "label_config": project.get("label_config", ""),
                "params": {"login": project.get("task_data_login"),
                           "password": project.get("task_data_password")}})
            print(outcome(step, r, lambda x: json.dumps(x)))
        else:
            print("unknown step " + step)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
