"""http: steps against a local fixture server speaking real API errors."""
import json
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import run_baton, state_db


class Fixture:
    """A loopback HTTP server whose behaviour each test scripts."""

    def __init__(self):
        self.hits = []
        self.script = {}
        fixture = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def handle_any(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                fixture.hits.append({"method": self.command, "path": self.path,
                                     "headers": dict(self.headers),
                                     "body": body.decode()})
                route = self.path.split("?")[0]
                plan = fixture.script.get(route, [(200, {}, {"ok": True})])
                count = sum(1 for h in fixture.hits if h["path"].split("?")[0] == route)
                status, headers, payload = plan[min(count, len(plan)) - 1]
                if callable(payload):
                    payload(self)
                    return
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = handle_any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def count(self, route):
        return sum(1 for h in self.hits if h["path"].split("?")[0] == route)


@pytest.fixture
def api():
    f = Fixture()
    yield f
    f.server.shutdown()


def pipe(body):
    return {"h": body}


def test_success_json_path_and_templating(project, api):
    api.script["/campaigns"] = [(200, {}, {"data": {"items": [{"id": "c1"}, {"id": "c2"}]}})]
    p = project({"h": f"""
params:
  account: act_42
steps:
  - name: list
    http:
      url: "{api.url}/campaigns"
      query: {{account: "{{{{ params.account }}}}", fields: "id,name"}}
      headers: {{X-Trace: "run {{{{ run.id }}}}"}}
      output: data.items
  - name: create
    http:
      method: POST
      url: "{api.url}/create"
      body:
        first: "{{{{ steps.list.output.0.id }}}}"
        all: "{{{{ steps.list.output }}}}"
        note: "for {{{{ params.account }}}}"
    depends_on: [list]
"""})
    run_baton(p, "run", "h", check=0)
    first = api.hits[0]
    assert first["method"] == "GET"
    assert "account=act_42" in first["path"] and "fields=id%2Cname" in first["path"]
    assert first["headers"]["X-Trace"].startswith("run run_")
    sent = json.loads(api.hits[1]["body"])
    assert sent == {"first": "c1", "all": [{"id": "c1"}, {"id": "c2"}],
                    "note": "for act_42"}
    assert api.hits[1]["headers"]["Content-Type"] == "application/json"
    out = json.loads(run_baton(p, "status", "--json", check=0).stdout)
    assert out["steps"][0]["status"] == "succeeded"


RETRY = "retry: {max_attempts: 3, backoff: 100ms, jitter: 0}"


def test_429_retry_after_seconds_and_http_date(project, api):
    api.script["/a"] = [(429, {"Retry-After": "1"}, {"error": "slow down"}),
                        (200, {}, {"ok": 1})]
    date = formatdate(time.time() + 2, usegmt=True)
    api.script["/b"] = [(429, {"Retry-After": date}, {}), (200, {}, {"ok": 2})]
    p = project({"h": f"""
steps:
  - name: a
    http: {{url: "{api.url}/a"}}
    {RETRY}
  - name: b
    http: {{url: "{api.url}/b"}}
    {RETRY}
"""})
    t0 = time.monotonic()
    run_baton(p, "run", "h", check=0)
    assert time.monotonic() - t0 >= 1.0
    assert api.count("/a") == 2 and api.count("/b") == 2
    a = [h for h in api.hits if h["path"] == "/a"]
    assert len(a) == 2


def test_5xx_then_success(project, api):
    api.script["/x"] = [(503, {}, {"error": "busy"}), (502, {}, b"bad gateway"),
                        (200, {}, {"fine": True})]
    p = project({"h": f"""
steps:
  - name: x
    http: {{url: "{api.url}/x"}}
    {RETRY}
"""})
    run_baton(p, "run", "h", check=0)
    assert api.count("/x") == 3


def test_graph_190_is_permanent_and_names_the_tenant(project, api):
    api.script["/me"] = [(400, {}, {"error": {
        "message": "Invalid OAuth access token.", "type": "OAuthException",
        "code": 190, "fbtrace_id": "A1"}})]
    p = project({"h": f"""
steps:
  - name: me
    http:
      url: "{api.url}/me"
      query: {{access_token: "{{{{ tenant.credentials.access_token }}}}"}}
    {RETRY}
"""})
    (p / "users.yaml").write_text("""
version: "1.0"
users:
  - id: page-9
    platform: facebook
    credentials: {access_token: "EAAB-graph-token-secret"}
    pipelines: [{name: h, enabled: true}]
""")
    r = run_baton(p, "run", "h", "--tenant", "page-9")
    assert r.returncode == 3
    assert api.count("/me") == 1
    assert "invalid OAuth access token for tenant page-9" in r.stdout
    assert "Graph API error 190" in r.stdout
    assert "EAAB-graph-token-secret" not in r.stdout + r.stderr
    logs = run_baton(p, "logs", "last", "me").stdout
    assert "access_token=***" in logs or "***" in logs
    assert "EAAB-graph-token-secret" not in logs


def test_graph_613_is_retried(project, api):
    api.script["/ads"] = [(400, {}, {"error": {"message": "Calls within one hour have exceeded",
                                               "code": 613}}),
                          (200, {}, {"data": []})]
    p = project({"h": f"""
steps:
  - name: ads
    http: {{url: "{api.url}/ads"}}
    {RETRY}
"""})
    run_baton(p, "run", "h", check=0)
    assert api.count("/ads") == 2


def test_plain_4xx_is_not_retried(project, api):
    api.script["/nf"] = [(404, {}, {"error": {"message": "no such thing"}})]
    p = project({"h": f"""
steps:
  - name: nf
    http: {{url: "{api.url}/nf"}}
    {RETRY}
"""})
    r = run_baton(p, "run", "h")
    assert r.returncode == 3 and api.count("/nf") == 1
    assert "HTTP 404: no such thing" in r.stdout


def slow(handler):
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", "1000")
    handler.end_headers()
    for _ in range(20):
        try:
            handler.wfile.write(b" ")
            handler.wfile.flush()
        except OSError:
            return
        time.sleep(0.5)


def test_timeout_and_slow_loris(project, api):
    api.script["/slow"] = [(200, {}, slow)]
    p = project({"h": f"""
steps:
  - name: slow
    http: {{url: "{api.url}/slow"}}
    timeout: 1s
"""})
    t0 = time.monotonic()
    r = run_baton(p, "run", "h")
    assert time.monotonic() - t0 < 8
    assert r.returncode == 3 and "timed out" in r.stdout


def test_oversized_response(project, api):
    api.script["/big"] = [(200, {}, {"blob": "x" * 200000})]
    p = project({"h": f"""
steps:
  - name: big
    http: {{url: "{api.url}/big", max_bytes: 10000}}
    {RETRY}
"""})
    r = run_baton(p, "run", "h")
    assert r.returncode == 3 and "response larger than 10000 bytes" in r.stdout
    assert api.count("/big") == 1


def test_tls_failure(project, api):
    # A plain HTTP server spoken to over TLS: the handshake fails.
    p = project({"h": f"""
steps:
  - name: tls
    http: {{url: "{api.url.replace('http://', 'https://')}/x"}}
    timeout: 5s
"""})
    r = run_baton(p, "run", "h")
    assert r.returncode == 3
    assert "SSL" in r.stdout or "TLS" in r.stdout


def test_network_error_is_transient(project):
    p = project({"h": """
steps:
  - name: down
    http: {url: "http://127.0.0.1:9/nothing"}
    retry: {max_attempts: 2, backoff: 50ms, jitter: 0}
"""})
    r = run_baton(p, "run", "h")
    assert r.returncode == 3
    db = state_db(p)
    assert db.execute("select attempt from steps").fetchone()[0] == 2


def test_env_templates_for_api_keys(project, api):
    p = project({"h": f"""
steps:
  - name: agent
    http:
      url: "{api.url}/agent"
      headers: {{x-functions-key: "{{{{ env.AGENT_KEY }}}}"}}
"""})
    run_baton(p, "run", "h", env={"AGENT_KEY": "k-123-secret"}, check=0)
    assert api.hits[0]["headers"]["x-functions-key"] == "k-123-secret"
    log = run_baton(p, "logs", "last", "agent").stdout
    assert "k-123-secret" not in log
