"""examples/social-ads end to end: mock APIs, tenants, batches, agents.

Every test copies the example to tmp_path and drives the real binary
there.  The example starts and stops its own mock API servers
(mocks/mocks.py); each test checks that none is left running afterwards.
"""
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import ROOT, run_baton

EXAMPLE = ROOT / "examples" / "social-ads"
GENERATED = shutil.ignore_patterns(".baton", "data", "data_cache",
                                   "database", "__pycache__")
INVALID_TOKEN = "INVALID-expired-page-token"
AGENT_KEYS = {"approved_messages", "rejected_messages", "total_approved",
              "total_rejected"}


def mock_processes(project):
    """pids of mocks.py processes started from this copy of the example."""
    pids = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            args = (d / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if (any(a.endswith(b"mocks.py") for a in args)
                and any(str(project).encode() in a for a in args)):
            pids.append(int(d.name))
    return pids


def assert_no_mocks_left(project):
    deadline = time.monotonic() + 3
    while mock_processes(project) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert mock_processes(project) == []
    records = project / "data" / "mocks"
    assert not records.exists() or not list(records.glob("*.json"))


@pytest.fixture
def social(tmp_path):
    project = Path(shutil.copytree(EXAMPLE, tmp_path / "social-ads",
                                   ignore=GENERATED))
    yield project
    # Never leave a server behind, even when a test failed half-way.
    for pid in mock_processes(project):
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass


def summary(stdout):
    return dict(re.findall(r"^([A-Z][A-Za-z ]+):\s+(\S+)", stdout, re.M))


def batch_lines(stdout):
    """seed 000's detailed results: {(name, pipeline): (status, next line)}."""
    lines = stdout.splitlines()
    out = {}
    for i, line in enumerate(lines):
        m = re.match(r"^\S+ \[(success|failed)\] (.+) - (\w+) \(", line)
        if m:
            nxt = lines[i + 1] if i + 1 < len(lines) else ""
            out[(m.group(2), m.group(3))] = (m.group(1), nxt)
    return out


def warehouse(project):
    db = sqlite3.connect(project / "data" / "warehouse.db")
    try:
        return dict(db.execute("SELECT platform, COUNT(*) FROM ad_stats "
                               "GROUP BY platform").fetchall())
    finally:
        db.close()


class ApiServer:
    """Another local server, started by the test: mocks.py itself,
    serving the given APIs, with its request log captured."""

    def __init__(self, tmp_path, apis):
        ready = tmp_path / "other-mocks.ready"
        self.log = tmp_path / "other-mocks.log"
        self.proc = subprocess.Popen(
            [sys.executable, str(EXAMPLE / "mocks" / "mocks.py"),
             "--apis", apis, "--ready-file", str(ready)],
            stdout=subprocess.DEVNULL, stderr=open(self.log, "wb"))
        deadline = time.monotonic() + 15
        while not ready.exists():
            assert self.proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
        self.urls = json.loads(ready.read_text())["urls"]

    def requests(self):
        return self.log.read_text()

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


class Recorder:
    """A stub API that records requests and answers from a script."""

    def __init__(self, answer):
        self.hits = []
        rec = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n).decode()
                rec.hits.append({"path": self.path, "body": body,
                                 "headers": dict(self.headers)})
                status, payload = answer(self.path, body)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever,
                         daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


# --- the whole example ----------------------------------------------------

def test_whole_example_end_to_end(social):
    run_baton(social, "validate", check=0)

    # README's first command, twice: it is re-runnable.
    first = run_baton(social, "run", "social_ads", check=0)
    s = summary(first.stdout)
    assert (s["Total Steps"], s["Completed"], s["Failed"]) == ("6", "6", "0")
    assert "step mocks succeeded" in first.stdout
    assert "step stop_mocks succeeded" in first.stdout
    rows = int(s["Total Rows"].replace(",", ""))
    counts = warehouse(social)
    assert sorted(counts) == ["facebook", "google", "linkedin", "microsoft"]
    assert sum(counts.values()) == rows > 0
    assert_no_mocks_left(social)
    again = run_baton(social, "run", "social_ads", check=0)
    assert summary(again.stdout)["Total Rows"] == s["Total Rows"]
    assert warehouse(social) == counts
    assert_no_mocks_left(social)

    # The mocks step started them and said where each API is; the
    # on_exit handler stop_mocks stopped them.
    out = json.loads(run_baton(social, "status", "last", "--json",
                               check=0).stdout)
    assert out["run"]["status"] == "succeeded"
    logs = run_baton(social, "logs", "last", "mocks", check=0).stdout
    assert "started mocks.py" in logs
    for platform in ("facebook", "linkedin", "google", "microsoft"):
        assert re.search(rf"^{platform}: http://127\.0\.0\.1:\d+ \(mock\)$",
                         logs, re.M)
    logs = run_baton(social, "logs", "last", "stop_mocks", check=0).stdout
    assert "stopped mocks.py" in logs

    # Every other pipeline of the example, offline.
    for cmd in (["batch"],
                ["run", "facebook_echo", "--tag", "pages"],
                ["run", "campaign_agents"],
                ["run", "mixpanel_pipeline"],
                *(["run", f"{p}_ads"] for p in
                  ("microsoft", "google", "linkedin", "facebook"))):
        proc = run_baton(social, *cmd, check=0)
        assert "Failed:             0" in proc.stdout, proc.stdout
        assert_no_mocks_left(social)


def test_batch_over_users_yaml(social):
    proc = run_baton(social, "batch", check=0)
    lines = batch_lines(proc.stdout)
    assert len(lines) == 6
    assert all(status == "success" for status, _ in lines.values())
    for page in ("Health & Wellness Page", "Financial Advice Page"):
        status, nxt = lines[(page, "facebook_echo")]
        assert re.match(r"\s+Post: https://www\.facebook\.com/\S+$", nxt)
    for name, pipeline in [("Acme on Facebook Ads", "facebook_ads"),
                           ("Acme on LinkedIn Ads", "linkedin_ads"),
                           ("Acme on Google Ads", "google_ads"),
                           ("Acme on Microsoft Advertising",
                            "microsoft_ads")]:
        assert lines[(name, pipeline)][0] == "success"
    # Each ad account's rows went into the warehouse under its tenant.
    assert sorted(warehouse(social)) == ["facebook", "google", "linkedin",
                                         "microsoft"]
    assert (social / "data" / "normalized" / "google" / "acme-google" /
            "2026-01-22.json").exists()
    assert_no_mocks_left(social)


def test_failure_isolation_with_an_invalid_token(social):
    proc = run_baton(social, "--tenants", "users-with-invalid.yaml",
                     "batch", cwd=social)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = batch_lines(proc.stdout)
    assert len(lines) == 7
    status, error = lines[("Expired Token Page", "facebook_echo")]
    assert status == "failed"
    assert "Graph API error 190" in error
    assert "invalid OAuth access token for tenant page-expired" in error
    assert "not retried" in error
    others = [st for key, (st, _) in lines.items()
              if key[0] != "Expired Token Page"]
    assert others == ["success"] * 6
    assert INVALID_TOKEN not in proc.stdout + proc.stderr
    assert "retrying" not in "\n".join(
        l for l in proc.stdout.splitlines() if "[page-expired]" in l)

    # One request, token redacted in the step's log, and nowhere in the
    # state store either.
    runs = json.loads(run_baton(social, "history", "facebook_echo", "--json",
                                check=0).stdout)
    failed = [r for r in (runs if isinstance(runs, list) else runs["runs"])
              if r.get("tenant") == "page-expired"]
    assert failed
    log = run_baton(social, "logs", failed[0]["id"], "fetch", check=0).stdout
    assert log.count("> GET") == 1
    assert "access_token=***" in log
    assert INVALID_TOKEN not in log
    with open(social / ".baton" / "state.db", "rb") as f:
        assert INVALID_TOKEN.encode() not in f.read()
    assert_no_mocks_left(social)


@pytest.mark.parametrize("platform,credential,needle", [
    ("linkedin", "linkedin_access_token", "HTTP 401"),
    ("google", "google_access_token", "UNAUTHENTICATED|invalid "
     "authentication credentials"),
    ("microsoft", "microsoft_access_token", "InvalidCredentials"),
])
def test_invalid_token_on_other_platforms_fails_at_once(social, platform,
                                                        credential, needle):
    users = (social / "users.yaml").read_text()
    users = re.sub(rf'({credential}: ")', r"\1INVALID-", users)
    (social / "bad.yaml").write_text(users)
    proc = run_baton(social, "--tenants", social / "bad.yaml", "run",
                     f"{platform}_ads", "--tenant", f"acme-{platform}")
    assert proc.returncode == 3, proc.stdout
    assert re.search(needle, proc.stdout)
    assert "retrying" not in proc.stdout
    assert "INVALID-" not in proc.stdout + proc.stderr
    assert_no_mocks_left(social)


# --- seed 003's agent chain -------------------------------------------------

def test_agent_chain_output(social):
    run_baton(social, "run", "campaign_agents", "-p", "customer_id=CUST9",
              check=0)
    out = json.loads(run_baton(social, "status", "last", "--output",
                               check=0).stdout)
    assert set(out) == AGENT_KEYS
    assert out["total_approved"] == len(out["approved_messages"]) > 0
    assert out["total_rejected"] == len(out["rejected_messages"]) > 0
    for m in out["rejected_messages"]:
        assert m["rejection_reason"] and m["compliance_issues"]
    for m in out["approved_messages"]:
        assert m["message_id"].startswith("msg-") and m["content"]
    assert_no_mocks_left(social)


def test_agent_urls_and_keys_come_from_env(social):
    """AGENT_2_URL and AGENT_2_API_KEY: agent 2 is that server, called
    with that key and with agent 1's whole output as its body; its output
    is agent 3's input."""
    content = {"customer_id": "CUST123", "campaign_name": "Winter",
               "content_templates": [{
                   "template_id": "tpl-x-email", "segment_id": "x",
                   "channel": "email",
                   "template": "Hi {first_name}! {campaign} is here."}]}
    rec = Recorder(lambda path, body: (200, content))
    try:
        run_baton(social, "run", "campaign_agents",
                  env={"AGENT_2_URL": f"{rec.url}/api/content-v2",
                       "AGENT_2_API_KEY": "key-two"}, check=0)
    finally:
        rec.stop()
    assert len(rec.hits) == 1
    hit = rec.hits[0]
    assert hit["path"] == "/api/content-v2"
    assert hit["headers"]["x-functions-key"] == "key-two"
    sent = json.loads(hit["body"])
    assert sent["customer_id"] == "CUST123" and sent["segments"]
    out = json.loads(run_baton(social, "status", "last", "--output",
                               check=0).stdout)
    # Agent 3 generated from agent 2's (the recorder's) one template.
    assert out["total_approved"] + out["total_rejected"] == 2
    assert all("Winter is here" in m["content"]
               for m in out["approved_messages"])
    assert_no_mocks_left(social)


# --- base-URL variables -----------------------------------------------------

def test_base_url_variable_changes_where_requests_go(social, tmp_path):
    """FACEBOOK_GRAPH_URL pointing at another server: the example starts no
    mock of its own and every Graph request goes there; the same for the
    orchestrator with all four variables."""
    other = ApiServer(tmp_path, "graph,linkedin,google,microsoft")
    try:
        env = {"FACEBOOK_GRAPH_URL": other.urls["graph"]}
        run_baton(social, "run", "facebook_echo", "--tenant", "page-health",
                  env=env, check=0)
        connect = run_baton(social, "logs", "last", "connect",
                            check=0).stdout
        assert f"facebook: {other.urls['graph']} ($FACEBOOK_GRAPH_URL)" \
            in connect
        assert "started mocks.py" not in connect
        graph = other.requests()
        assert re.search(r'graph "GET /v19\.0/104882915561234/feed\?', graph)
        assert re.search(r'graph "POST /v19\.0/104882915561234/feed\?', graph)

        env = {"FACEBOOK_GRAPH_URL": other.urls["graph"],
               "LINKEDIN_API_URL": other.urls["linkedin"],
               "GOOGLE_ADS_URL": other.urls["google"],
               "MICROSOFT_ADS_URL": other.urls["microsoft"]}
        proc = run_baton(social, "run", "social_ads", env=env, check=0)
        assert summary(proc.stdout)["Completed"] == "6"
        mocks = run_baton(social, "logs", "last", "mocks", check=0).stdout
        assert "started mocks.py" not in mocks
        log = other.requests()
        assert re.search(r'graph "GET /v19\.0/act_1001/insights\?', log)
        assert re.search(r'linkedin "GET /rest/adAnalytics\?q=analytics', log)
        assert re.search(r'google "POST /v\d+/customers/9474097201/'
                         r'googleAds:searchStream', log)
        assert 'microsoft "POST /Reporting/v13/GenerateReport/Submit' in log
        assert "access_token=***" in log   # mocks.py keeps tokens out
    finally:
        other.stop()
    assert_no_mocks_left(social)


def test_tenant_credentials_reach_the_request(social):
    """google_ads run for acme-google sends that tenant's customer id and
    tokens; run without a tenant it sends the demo account's."""
    rec = Recorder(lambda path, body: (200, [{"results": []}]))
    try:
        env = {"GOOGLE_ADS_URL": rec.url}
        run_baton(social, "run", "google_ads", "--tenant", "acme-google",
                  env=env, check=0)
        run_baton(social, "run", "google_ads", env=env, check=0)
    finally:
        rec.stop()
    tenant, demo = rec.hits
    assert tenant["path"] == "/v22/customers/1234567890/googleAds:searchStream"
    assert tenant["headers"]["Authorization"] == \
        "Bearer ya29.mock-acme-google-token"
    assert tenant["headers"]["developer-token"] == "mock-developer-token"
    assert "segments.date = '2026-01-22'" in json.loads(
        tenant["body"])["query"]
    assert demo["path"] == "/v22/customers/9474097201/googleAds:searchStream"
    assert demo["headers"]["Authorization"] == "Bearer mock-google-demo-token"
    assert_no_mocks_left(social)


def test_the_mock_speaks_graph_errors(tmp_path):
    """mocks.py on its own: Graph's error shape, 190 for an INVALID token,
    the throttling codes with SOCIAL_ADS_FLAKY."""
    import urllib.error
    import urllib.request

    def get(url):
        try:
            with urllib.request.urlopen(url, timeout=10) as r:
                return r.status, json.load(r)
        except urllib.error.HTTPError as e:
            return e.code, json.load(e)

    os.environ["SOCIAL_ADS_FLAKY"] = "facebook"
    try:
        other = ApiServer(tmp_path, "graph")
    finally:
        del os.environ["SOCIAL_ADS_FLAKY"]
    try:
        base = other.urls["graph"] + "/v19.0/123"
        status, body = get(f"{base}/feed?access_token=INVALID-x")
        assert status == 400
        assert body["error"]["code"] == 190
        assert body["error"]["type"] == "OAuthException"
        assert body["error"]["fbtrace_id"]
        status, body = get(f"{base}/feed?access_token=ok")
        assert (status, body["error"]["code"]) == (403, 4)
        status, body = get(f"{base}/feed?access_token=ok")
        assert status == 200 and body["data"]
    finally:
        other.stop()
