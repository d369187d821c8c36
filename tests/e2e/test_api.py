"""baton serve end-to-end: a real server on a free loopback port."""
import http.client
import json
import os
import signal
import sqlite3
import subprocess
import textwrap
import threading
import time
from pathlib import Path

import pytest

from conftest import BATON, make_project

SECRET = "tok_SECRET_9f8e7d6c5b"
OPERATOR = "op-token-123456"
VIEWER = "view-token-123456"

PIPELINES = {
    "hello": """\
        name: Hello
        description: says hello
        params:
          who: world
        steps:
          - name: greet
            description: the greeting
            run: echo hello {{ params.who }} {{ tenant.credentials.access_token }}
          - name: decide
            depends_on: [greet]
            run: |
              echo '{"approved": [{"id": 1}], "rejected": []}' > "$BATON_OUTPUT"
        """,
    "slow": """\
        steps:
          - name: wait
            run: echo started; sleep 30
        """,
    "flaky": """\
        steps:
          - name: fail
            run: echo trying; exit 3
            retry: {max_attempts: 3, backoff: 20s, jitter: 0}
        """,
    "fails": """\
        steps:
          - name: ok
            run: echo fine
          - name: bad
            depends_on: [ok]
            run: exit 1
        """,
}

USERS = f"""\
    version: "1.0"
    users:
      - id: acme
        name: Acme
        platform: facebook
        credentials:
          access_token: {SECRET}
        pipelines:
          - name: hello
            enabled: true
      - id: beta
        name: Beta
        platform: google
        credentials:
          access_token: other_secret_value_1
        pipelines:
          - name: hello
            enabled: true
    """


class Server:
    def __init__(self, root, env=None, args=()):
        self.root = Path(root)
        port_file = self.root / "port"
        if port_file.exists():
            port_file.unlink()
        full_env = dict(os.environ)
        full_env.pop("BATON_STATE", None)
        full_env.pop("BATON_TOKENS", None)
        full_env.update(env or {})
        self.stderr = open(self.root / "serve.log", "w+")
        self.proc = subprocess.Popen(
            [BATON, "--project", str(root), "serve", "--listen",
             "127.0.0.1:0", "--port-file", str(port_file), *args],
            stdout=self.stderr, stderr=self.stderr, env=full_env)
        deadline = time.time() + 10
        while not port_file.exists() or not port_file.read_text().strip():
            if self.proc.poll() is not None or time.time() > deadline:
                raise AssertionError("serve did not start:\n" + self.log())
            time.sleep(0.05)
        self.port = int(port_file.read_text())
        self.token = None

    def log(self):
        self.stderr.flush()
        return (self.root / "serve.log").read_text()

    def request(self, method, path, body=None, token=None, headers=None,
                raw=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        h = dict(headers or {})
        tok = token if token is not None else self.token
        if tok:
            h["Authorization"] = "Bearer " + tok
        data = raw if raw is not None else (
            json.dumps(body) if body is not None else None)
        c.request(method, path, body=data, headers=h)
        r = c.getresponse()
        text = r.read().decode()
        c.close()
        return r.status, dict(r.getheaders()), text

    def json(self, method, path, body=None, expect=200, **kw):
        status, _, text = self.request(method, path, body, **kw)
        assert status == expect, f"{method} {path}: {status} {text}"
        return json.loads(text)

    def wait_run(self, run_id, final=True, timeout=30, cond=None):
        deadline = time.time() + timeout
        while time.time() < deadline:
            run = self.json("GET", f"/api/v1/runs/{run_id}")
            if cond and cond(run):
                return run
            if not cond and run["status"] not in ("queued", "running"):
                return run
            time.sleep(0.05)
        raise AssertionError(f"run {run_id} did not get there: {run}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.stderr.close()


@pytest.fixture
def server(tmp_path):
    servers = []

    def start(env=None, baton_yaml=None, pipelines=PIPELINES, users=USERS):
        root = make_project(tmp_path, pipelines, baton_yaml)
        if users:
            (root / "users.yaml").write_text(textwrap.dedent(users))
        s = Server(root, env)
        servers.append(s)
        return s

    yield start
    for s in servers:
        s.stop()


def sse_events(srv, query="", last_id=None, until=None, timeout=20,
               token=None):
    """Reads the event stream until until(events) is true."""
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=timeout)
    h = {"Accept": "text/event-stream"}
    if last_id is not None:
        h["Last-Event-ID"] = str(last_id)
    if token:
        h["Authorization"] = "Bearer " + token
    c.request("GET", "/api/v1/events" + query, headers=h)
    r = c.getresponse()
    assert r.status == 200
    assert r.getheader("Content-Type") == "text/event-stream"
    events, cur, deadline = [], {}, time.time() + timeout
    while time.time() < deadline:
        try:
            line = r.fp.readline().decode()
        except TimeoutError:
            break
        if not line:
            break
        line = line.rstrip("\n")
        if not line:
            if "data" in cur:
                events.append({"id": int(cur["id"]), "event": cur["event"],
                               **json.loads(cur["data"])})
                if until and until(events):
                    break
            cur = {}
            continue
        if line.startswith(":"):
            continue
        k, _, v = line.partition(": ")
        cur[k] = v
    c.close()
    return events


def test_pipelines_tenants_health_and_metrics(server):
    srv = server()
    assert srv.json("GET", "/healthz") == {"status": "ok"}
    pl = srv.json("GET", "/api/v1/pipelines")["pipelines"]
    assert [p["id"] for p in pl] == ["fails", "flaky", "hello", "slow"]
    hello = next(p for p in pl if p["id"] == "hello")
    assert hello["name"] == "Hello" and hello["steps"] == 2
    assert hello["last_status"] is None and hello["by_tenant"] == []
    d = srv.json("GET", "/api/v1/pipelines/hello")
    assert d["levels"] == 2
    assert d["params"] == [{"name": "who", "default": "world",
                            "description": None}]
    assert [(s["name"], s["level"], s["kind"], s["depends_on"], s["tested"])
            for s in d["steps"]] == [("greet", 0, "run", [], False),
                                     ("decide", 1, "run", ["greet"], False)]
    t = srv.json("GET", "/api/v1/tenants")["tenants"]
    assert [x["id"] for x in t] == ["acme", "beta"]
    assert t[0]["platform"] == "facebook" and t[0]["pipelines"] == ["hello"]
    status, headers, text = srv.request("GET", "/metrics")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    for name in ("baton_runs_total", "baton_steps_total",
                 "baton_run_duration_seconds_bucket",
                 "baton_step_duration_seconds_count", "baton_queue_depth",
                 "baton_sse_clients"):
        assert name in text
    status, headers, text = srv.request("GET", "/")
    assert status == 200 and "html" in headers["Content-Type"]
    assert srv.json("GET", "/nope.js", expect=404)["error"]["code"] == \
        "not_found"


def test_run_lifecycle_output_log_and_flags(server):
    srv = server()
    r = srv.json("POST", "/api/v1/runs",
                 {"pipeline": "hello", "tenant": "acme",
                  "params": {"who": "bob"}}, expect=202)
    assert r["status_url"] == "/api/v1/runs/" + r["run_id"]
    run = srv.wait_run(r["run_id"])
    assert run["status"] == "succeeded", run
    assert run["tenant"] == "acme" and run["params"] == {"who": "bob"}
    assert run["total_steps"] == 2 and run["current_step"] == 2
    assert run["started_at"].endswith("Z") and run["duration_ms"] >= 0
    assert [(s["name"], s["status"], s["attempt"], s["exit_code"])
            for s in run["steps"]] == [("greet", "succeeded", 1, 0),
                                       ("decide", "succeeded", 1, 0)]
    # seed 003's approved/rejected output passes through as is
    assert srv.json("GET", f"/api/v1/runs/{r['run_id']}/output") == \
        {"approved": [{"id": 1}], "rejected": []}
    status, h, text = srv.request(
        "GET", f"/api/v1/runs/{r['run_id']}/steps/greet/log")
    assert status == 200 and text.startswith("hello bob")
    assert SECRET not in text and "***" in text
    assert int(h["X-Log-Offset"]) == len(text.encode())
    assert h["X-Run-Status"] == "succeeded"
    status, h, text2 = srv.request(
        "GET", f"/api/v1/runs/{r['run_id']}/steps/greet/log?offset=6")
    assert text2 == text[6:]
    assert srv.json("GET", f"/api/v1/runs/{r['run_id']}/steps/nope/log",
                    expect=404)["error"]["code"] == "not_found"
    status, _, _ = srv.request(
        "GET", f"/api/v1/runs/{r['run_id']}/steps/..%2F..%2Fetc/log")
    assert status == 404
    # lists and filters
    runs = srv.json("GET", "/api/v1/runs?pipeline=hello&tenant=acme")["runs"]
    assert [x["id"] for x in runs] == [r["run_id"]]
    assert srv.json("GET", "/api/v1/runs?status=failed")["runs"] == []
    assert srv.json("GET", "/api/v1/runs?status=bogus",
                    expect=400)["error"]["code"] == "bad_request"
    assert srv.json("GET", "/api/v1/runs?limit=5000", expect=400)
    pl = srv.json("GET", "/api/v1/pipelines")["pipelines"]
    hello = next(p for p in pl if p["id"] == "hello")
    assert hello["last_status"] == "succeeded"
    assert hello["by_tenant"] == [{"tenant": "acme", "status": "succeeded",
                                   "run_id": r["run_id"]}]
    # tested flag
    f = srv.json("PUT", "/api/v1/pipelines/hello/steps/greet/tested",
                 {"tested": True})
    assert f["tested"] is True and f["tested_by"] == "local"
    assert f["tested_at"].endswith("Z")
    d = srv.json("GET", "/api/v1/pipelines/hello")
    assert d["steps"][0]["tested"] is True
    assert d["steps"][0]["tested_by"] == "local"
    assert srv.json("PUT", "/api/v1/pipelines/hello/steps/nope/tested",
                    {"tested": True}, expect=404)
    assert srv.json("PUT", "/api/v1/pipelines/hello/steps/greet/tested",
                    {"tested": "yes"}, expect=400)
    # one step alone
    one = srv.json("POST", "/api/v1/runs",
                   {"pipeline": "hello", "step": "greet",
                    "tenant": "acme"}, expect=202)
    run = srv.wait_run(one["run_id"])
    assert run["status"] == "succeeded"
    assert {s["name"]: s["status"] for s in run["steps"]}["greet"] == \
        "succeeded"


def test_follow_log_streams_until_the_step_ends(server):
    srv = server()
    r = srv.json("POST", "/api/v1/runs", {"pipeline": "fails"}, expect=202)
    # a step that has not started yet: the stream waits for it
    status, h, text = srv.request(
        "GET", f"/api/v1/runs/{r['run_id']}/steps/ok/log?follow=1")
    assert status == 200 and text == "fine\n"
    run = srv.wait_run(r["run_id"])
    assert run["status"] == "failed"
    assert run["steps"][1]["exit_code"] == 1


def test_refusals_with_tokens(server):
    srv = server(env={"BATON_TOKENS":
                      f"ci:operator:{OPERATOR},dash:viewer:{VIEWER}"})
    assert "no tokens" not in srv.log()
    assert srv.json("GET", "/healthz") == {"status": "ok"}
    e = srv.json("GET", "/api/v1/pipelines", expect=401)["error"]
    assert e["code"] == "unauthorized"
    assert srv.json("GET", "/api/v1/pipelines", token="wrong-token-000",
                    expect=401)["error"]["code"] == "unauthorized"
    assert srv.json("GET", "/metrics", expect=401)
    srv.json("GET", "/api/v1/pipelines", token=VIEWER)
    srv.json("GET", f"/api/v1/pipelines?access_token={VIEWER}")
    e = srv.json("POST", "/api/v1/runs", {"pipeline": "hello"},
                 token=VIEWER, expect=403)["error"]
    assert e["code"] == "forbidden"
    assert srv.json("PUT", "/api/v1/pipelines/hello/steps/greet/tested",
                    {"tested": True}, token=VIEWER, expect=403)
    srv.token = OPERATOR
    e = srv.json("POST", "/api/v1/runs", raw="{not json", expect=400)
    assert e["error"]["code"] == "bad_request"
    assert "malformed JSON" in e["error"]["message"]
    assert srv.json("POST", "/api/v1/runs", raw="[1]", expect=400)
    assert srv.json("POST", "/api/v1/runs", {"pipeline": 3}, expect=400)
    assert srv.json("POST", "/api/v1/runs", {"pipeline": "hello",
                    "params": {"who": [1]}}, expect=400)
    assert srv.json("POST", "/api/v1/runs", {"pipeline": "hello",
                    "params": {"nope": "x"}}, expect=400)
    big = json.dumps({"pipeline": "hello", "pad": "x" * (1 << 20)})
    status, _, text = srv.request("POST", "/api/v1/runs", raw=big)
    assert status == 413
    assert json.loads(text)["error"]["code"] == "payload_too_large"
    for path in ("/api/v1/runs/run_nope", "/api/v1/runs/run_nope/output",
                 "/api/v1/pipelines/nope", "/api/v1/batches/bat_nope",
                 "/api/v1/nothing"):
        assert srv.json("GET", path, expect=404)["error"]["code"] == \
            "not_found", path
    assert srv.json("POST", "/api/v1/runs", {"pipeline": "nope"},
                    expect=404)
    assert srv.json("POST", "/api/v1/runs", {"pipeline": "hello",
                    "tenant": "nobody"}, expect=404)
    assert srv.json("POST", "/api/v1/runs/run_nope/stop", expect=404)
    r = srv.json("POST", "/api/v1/runs", {"pipeline": "hello",
                                          "tenant": "beta"}, expect=202)
    srv.wait_run(r["run_id"])
    # the flag records the token's name
    f = srv.json("PUT", "/api/v1/pipelines/hello/steps/greet/tested",
                 {"tested": True})
    assert f["tested_by"] == "ci"
    assert OPERATOR not in srv.log() and VIEWER not in srv.log()


def test_tokens_from_baton_yaml_and_cors(server, monkeypatch):
    srv = server(env={"OPS_TOKEN": OPERATOR}, baton_yaml="""\
        tokens:
          - {name: ops, token: "${OPS_TOKEN}", role: operator}
        cors: ["http://ui.example"]
        """)
    srv.json("GET", "/api/v1/runs", token=OPERATOR)
    srv.json("GET", "/api/v1/runs", expect=401)
    status, h, _ = srv.request("GET", "/api/v1/runs", token=OPERATOR,
                               headers={"Origin": "http://ui.example"})
    assert h.get("Access-Control-Allow-Origin") == "http://ui.example"
    status, h, _ = srv.request("GET", "/api/v1/runs", token=OPERATOR,
                               headers={"Origin": "http://evil.example"})
    assert "Access-Control-Allow-Origin" not in h


def test_no_tokens_refuses_a_public_address(tmp_path):
    root = make_project(tmp_path, {"hello": PIPELINES["hello"]})
    env = dict(os.environ)
    env.pop("BATON_TOKENS", None)
    p = subprocess.run([BATON, "--project", str(root), "serve", "--listen",
                        "0.0.0.0:0"], capture_output=True, text=True,
                       timeout=20, env=env)
    assert p.returncode == 1
    assert "refusing to listen on 0.0.0.0:0 without tokens" in p.stderr


def test_sse_stream_and_resume_with_last_event_id(server):
    srv = server()
    got = []
    t = threading.Thread(target=lambda: got.extend(sse_events(
        srv, "?pipeline=hello",
        until=lambda ev: any(e["type"] == "run.finished" for e in ev))))
    t.start()
    time.sleep(0.3)
    r = srv.json("POST", "/api/v1/runs", {"pipeline": "hello",
                                          "tenant": "acme"}, expect=202)
    t.join(30)
    types = [e["type"] for e in got]
    assert types == ["run.started", "step.started", "step.finished",
                     "step.started", "step.finished", "run.finished"]
    assert all(e["run_id"] == r["run_id"] and e["tenant"] == "acme"
               for e in got)
    ids = [e["id"] for e in got]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert got[1]["step"] == "greet" and got[1]["attempt"] == 1
    assert got[-1]["status"] == "succeeded" and got[-1]["at"].endswith("Z")
    # resume after the second event: the rest, exactly
    again = sse_events(srv, "?pipeline=hello", last_id=got[1]["id"],
                       until=lambda ev: len(ev) >= len(got) - 2)
    assert [e["id"] for e in again] == ids[2:]
    # other filters
    none = sse_events(srv, "?pipeline=slow", last_id=0, timeout=1)
    assert none == []
    by_run = sse_events(srv, f"?run={r['run_id']}",
                        until=lambda ev: len(ev) >= len(got))
    assert [e["id"] for e in by_run] == ids


def test_concurrent_starts_of_one_pipeline(server):
    srv = server()
    ids, errors = [], []

    def start():
        try:
            ids.append(srv.json("POST", "/api/v1/runs",
                                {"pipeline": "hello", "tenant": "beta"},
                                expect=202)["run_id"])
        except AssertionError as e:
            errors.append(e)

    threads = [threading.Thread(target=start) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(set(ids)) == 8
    for i in ids:
        assert srv.wait_run(i)["status"] == "succeeded"
    runs = srv.json("GET", "/api/v1/runs?pipeline=hello&limit=8")["runs"]
    assert sorted(x["id"] for x in runs) == sorted(ids)


def test_stop_during_retry_backoff_then_retry(server):
    srv = server()
    r = srv.json("POST", "/api/v1/runs", {"pipeline": "flaky"}, expect=202)
    srv.wait_run(r["run_id"], cond=lambda run:
                 run["steps"][0]["status"] == "retrying")
    t0 = time.time()
    s = srv.json("POST", f"/api/v1/runs/{r['run_id']}/stop", expect=202)
    assert s["run_id"] == r["run_id"]
    run = srv.wait_run(r["run_id"], timeout=10)
    assert time.time() - t0 < 5
    assert run["status"] == "cancelled"
    assert run["steps"][0]["attempt"] == 1
    e = srv.json("POST", f"/api/v1/runs/{r['run_id']}/stop", expect=409)
    assert e["error"]["code"] == "conflict"
    # retry: a new run of the same work
    n = srv.json("POST", f"/api/v1/runs/{r['run_id']}/retry", expect=202)
    assert n["run_id"] != r["run_id"]
    run = srv.json("GET", n["status_url"])
    assert run["retry_of"] == r["run_id"]
    srv.json("POST", f"/api/v1/runs/{n['run_id']}/stop", expect=202)
    ok = srv.json("POST", "/api/v1/runs", {"pipeline": "hello",
                                           "tenant": "acme"}, expect=202)
    srv.wait_run(ok["run_id"])
    assert srv.json("POST", f"/api/v1/runs/{ok['run_id']}/retry",
                    expect=409)["error"]["code"] == "conflict"


def test_batches(server):
    srv = server()
    b = srv.json("POST", "/api/v1/batches",
                 {"pipeline": "hello", "all_tenants": True, "parallel": 2},
                 expect=202)
    assert b["batch_id"].startswith("bat_api_")
    deadline = time.time() + 30
    while time.time() < deadline:
        d = srv.json("GET", b["status_url"])
        if d["status"] not in ("queued", "running"):
            break
        time.sleep(0.1)
    assert d["status"] == "succeeded", d
    assert d["summary"]["total"] == 2 and d["summary"]["success"] == 2
    assert sorted(x["tenant"] for x in d["runs"]) == ["acme", "beta"]
    lst = srv.json("GET", "/api/v1/batches")["batches"]
    assert lst[0]["id"] == b["batch_id"] and lst[0]["total"] == 2
    runs = srv.json("GET", f"/api/v1/runs?batch={b['batch_id']}")["runs"]
    assert len(runs) == 2
    one = srv.json("POST", "/api/v1/batches",
                   {"pipeline": "hello", "tenants": ["beta"]}, expect=202)
    assert srv.json("POST", "/api/v1/batches",
                    {"pipeline": "hello", "tenants": ["zzz"]}, expect=404)
    assert srv.json("POST", "/api/v1/batches", {"pipeline": "hello"},
                    expect=400)
    assert srv.json("POST", "/api/v1/batches",
                    {"pipeline": "hello", "platform": "tiktok"}, expect=400)
    assert one["batch_id"] != b["batch_id"]


def test_secrets_never_in_responses_or_events(server):
    srv = server()
    seen = []
    t = threading.Thread(target=lambda: seen.extend(sse_events(
        srv, until=lambda ev: sum(e["type"] == "run.finished"
                                  for e in ev) >= 2)))
    t.start()
    time.sleep(0.3)
    r = srv.json("POST", "/api/v1/runs", {"pipeline": "hello",
                                          "tenant": "acme"}, expect=202)
    b = srv.json("POST", "/api/v1/batches", {"pipeline": "hello",
                                             "tenants": ["acme"]},
                 expect=202)
    srv.wait_run(r["run_id"])
    t.join(30)
    bodies = [json.dumps(seen)]
    for path in ("/api/v1/tenants", "/api/v1/pipelines",
                 "/api/v1/pipelines/hello", f"/api/v1/runs/{r['run_id']}",
                 "/api/v1/runs", f"/api/v1/runs/{r['run_id']}/output",
                 f"/api/v1/runs/{r['run_id']}/steps/greet/log",
                 b["status_url"], "/api/v1/batches", "/metrics"):
        bodies.append(srv.request("GET", path)[2])
    for text in bodies:
        assert SECRET not in text
    assert SECRET not in srv.log()


def test_reload_keeps_the_last_good_version(server):
    srv = server()
    f = srv.root / "pipelines" / "hello.yaml"
    f.write_text(textwrap.dedent(PIPELINES["hello"]) +
                 "  - name: extra\n    run: echo extra\n")
    deadline = time.time() + 10
    while time.time() < deadline:
        if srv.json("GET", "/api/v1/pipelines/hello")["levels"] == 1 or \
                len(srv.json("GET", "/api/v1/pipelines/hello")["steps"]) == 3:
            break
        time.sleep(0.2)
    assert len(srv.json("GET", "/api/v1/pipelines/hello")["steps"]) == 3
    f.write_text("steps: [\n")
    deadline = time.time() + 10
    while time.time() < deadline:
        pl = srv.json("GET", "/api/v1/pipelines")
        if "reload_error" in pl:
            break
        time.sleep(0.2)
    assert "hello.yaml" in pl["reload_error"]
    assert len(srv.json("GET", "/api/v1/pipelines/hello")["steps"]) == 3
    r = srv.json("POST", "/api/v1/runs", {"pipeline": "hello",
                                          "tenant": "acme"}, expect=202)
    assert srv.wait_run(r["run_id"])["status"] == "succeeded"
    (srv.root / "pipelines" / "new.yaml").write_text("steps: [\n")
    (srv.root / "pipelines" / "hello.yaml").write_text(
        textwrap.dedent(PIPELINES["hello"]))
    deadline = time.time() + 10
    while time.time() < deadline:
        pl = srv.json("GET", "/api/v1/pipelines")["pipelines"]
        if any(p["id"] == "new" for p in pl):
            break
        time.sleep(0.2)
    new = next(p for p in pl if p["id"] == "new")
    assert new["invalid"] is True and new["errors"]
    assert srv.json("POST", "/api/v1/runs", {"pipeline": "new"},
                    expect=409)["error"]["code"] == "conflict"


def test_sigterm_cancels_and_records_running_runs(server):
    srv = server()
    r = srv.json("POST", "/api/v1/runs", {"pipeline": "slow"}, expect=202)
    srv.wait_run(r["run_id"], cond=lambda run: run["status"] == "running")
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=20)
    c.request("GET", "/api/v1/events")
    resp = c.getresponse()
    assert resp.status == 200
    t0 = time.time()
    srv.proc.send_signal(signal.SIGTERM)
    assert srv.proc.wait(20) == 0
    assert time.time() - t0 < 10
    # the open stream was closed
    rest = resp.read()
    assert b"connected" in rest
    db = sqlite3.connect(srv.root / ".baton" / "state.db")
    status, = db.execute("SELECT status FROM runs WHERE id = ?",
                         (r["run_id"],)).fetchone()
    assert status == "cancelled"
    assert "stopped" in srv.log()


def test_a_body_sent_after_the_headers_is_read_whole(server):
    import socket
    srv = server()
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    body = b'{"pipeline": "hello", "tenant": "acme"}'
    s.sendall(b"POST /api/v1/runs HTTP/1.1\r\nHost: x\r\n"
              b"Content-Length: %d\r\n\r\n" % len(body))
    time.sleep(0.3)
    s.sendall(body)
    reply = b""
    while b"\r\n\r\n" not in reply or not reply.rstrip().endswith(b"}"):
        reply += s.recv(4096)
    s.close()
    assert reply.startswith(b"HTTP/1.1 202")
    run_id = json.loads(reply.split(b"\r\n\r\n", 1)[1])["run_id"]
    assert srv.wait_run(run_id)["status"] == "succeeded"
