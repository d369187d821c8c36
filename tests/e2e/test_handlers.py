"""when: conditions and on_success/on_failure/on_exit handlers."""
import json

from conftest import run_baton, state_db


def statuses(p):
    db = state_db(p)
    run = db.execute("select id from runs where parent_run is null "
                     "order by created_at desc limit 1").fetchone()[0]
    return dict(db.execute("select name, status from steps where run_id=?",
                           (run,)).fetchall())


def test_when_conditions(project):
    p = project({"w": """
params:
  mode: full
steps:
  - name: check
    run: |
      echo '{"state": "ready", "count": 3}' > "$BATON_OUTPUT"
  - name: full_only
    run: touch full
    when: {value: "{{ params.mode }}", equals: full}
    depends_on: [check]
  - name: quick_only
    run: touch quick
    when: {value: "{{ params.mode }}", equals: quick}
    depends_on: [check]
  - name: after_quick
    run: touch after_quick
    depends_on: [quick_only]
  - name: not_done
    run: touch not_done
    when: {value: "{{ steps.check.output.state }}", not_equals: done}
    depends_on: [check]
  - name: matches
    run: touch matches
    when: {value: "{{ steps.check.output.count }}", matches: "^[0-9]+$"}
    depends_on: [check]
  - name: missing
    run: touch missing
    when:
      - {value: "{{ steps.check.output.nothing }}", exists: true}
    depends_on: [check]
"""})
    r = run_baton(p, "run", "w", check=0)
    st = statuses(p)
    assert st["full_only"] == "succeeded" and (p / "full").exists()
    assert st["quick_only"] == "skipped" and not (p / "quick").exists()
    # A skipped-by-condition step counts as done for its dependants.
    assert st["after_quick"] == "succeeded"
    assert st["not_done"] == "succeeded" and st["matches"] == "succeeded"
    assert st["missing"] == "skipped"
    assert "condition not met" in r.stdout
    run_baton(p, "run", "w", "--param", "mode=quick", check=0)
    assert statuses(p)["quick_only"] == "succeeded"


def test_when_is_validated(project):
    p = project({"bad1": """
steps:
  - name: a
    run: "true"
    when: {value: "{{ params.nope }}", equals: x}
""", "bad2": """
steps:
  - name: b
    run: "true"
    when: {value: "x", equals: a, matches: b}
  - name: c
    run: "true"
    when: {value: "x", matches: "(["}
"""})
    r = run_baton(p, "validate")
    assert r.returncode == 1
    assert "unknown param 'nope'" in r.stderr
    assert "needs exactly one of equals, not_equals, matches or exists" in r.stderr
    assert "not a valid regular expression" in r.stderr


HANDLERS = """
on_success: [celebrate]
on_failure: [alert]
on_exit: [cleanup]
steps:
  - name: work
    run: exit {{ params.code }}
  - name: celebrate
    run: echo "status={{ run.status }}" > celebrate.txt
  - name: alert
    run: |
      echo "$BATON_RUN_STATUS" > alert.txt
      echo "$BATON_RUN_ERRORS" > alert_errors.json
  - name: cleanup
    run: echo "{{ run.status }}" > cleanup.txt
params:
  code: "0"
"""


def test_handlers_on_success_and_exit(project):
    p = project({"h": HANDLERS})
    r = run_baton(p, "run", "h", check=0)
    assert (p / "celebrate.txt").read_text().strip() == "status=succeeded"
    assert (p / "cleanup.txt").read_text().strip() == "succeeded"
    assert not (p / "alert.txt").exists()
    st = statuses(p)
    assert "alert" not in st
    assert st["celebrate"] == "succeeded" and st["cleanup"] == "succeeded"


def test_handlers_on_failure_see_the_errors(project):
    p = project({"h": HANDLERS})
    r = run_baton(p, "run", "h", "--param", "code=4")
    assert r.returncode == 3  # handlers do not change the run's outcome
    assert (p / "alert.txt").read_text().strip() == "failed"
    errors = json.loads((p / "alert_errors.json").read_text())
    assert errors == [{"step": "work", "error": "exited with code 4"}]
    assert (p / "cleanup.txt").read_text().strip() == "failed"
    assert not (p / "celebrate.txt").exists()


def test_handler_errors(project):
    p = project({"bad": """
on_failure: [alrt]
steps:
  - name: alert
    run: "true"
"""})
    r = run_baton(p, "validate")
    assert r.returncode == 1 and "did you mean 'alert'" in r.stderr


def test_notify_webhook_slack_compatible(project):
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    got = []

    class H(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_POST(self):
            n = int(self.headers["Content-Length"])
            got.append((self.path, json.loads(self.rfile.read(n))))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{srv.server_address[1]}"
    p = project({"n": f"""
notify:
  - {{url: "{url}/always"}}
  - {{url: "${{HOOK_BASE}}/failure", on: failure}}
steps:
  - name: a
    run: exit {{{{ params.code }}}}
params:
  code: "0"
"""})
    env = {"HOOK_BASE": url}
    run_baton(p, "run", "n", env=env, check=0)
    assert [g[0] for g in got] == ["/always"]
    assert got[0][1]["status"] == "succeeded" and "text" in got[0][1]
    got.clear()
    run_baton(p, "run", "n", "--param", "code=1", env=env)
    assert sorted(g[0] for g in got) == ["/always", "/failure"]
    body = dict(got)["/failure"]
    assert body["status"] == "failed"
    assert body["errors"] == [{"step": "a", "error": "exited with code 1"}]
    assert body["text"].startswith("❌ baton: n failed")
    srv.shutdown()


def test_handlers_are_not_the_output_and_condition_skips_are_not_failures(project):
    p = project({"o": """
on_exit: [stop]
steps:
  - name: maybe
    run: "true"
    when: {value: "x", equals: y}
  - name: last
    run: |
      echo '{"url": "http://x/y", "metrics": {"rows_processed": 5}}' > "$BATON_OUTPUT"
  - name: stop
    run: "true"
"""})
    r = run_baton(p, "run", "o", check=0)
    assert "See failures" not in r.stdout
    assert "Success Rate:       100.0%" in r.stdout
    out = run_baton(p, "status", "last", "--output", check=0).stdout
    # maybe (skipped, no output) and last are final steps; the handler is not.
    assert json.loads(out) == {"url": "http://x/y", "metrics": {"rows_processed": 5}}
    r = run_baton(p, "run", "o", "--from", "last", check=0)


def test_setsid_escapee_is_killed_when_the_run_ends(project):
    import os
    import time
    p = project({"esc": """
steps:
  - name: a
    run: |
      setsid sleep 301 </dev/null >/dev/null 2>&1 &
      echo $! > esc.pid
      sleep 0.3
"""})
    run_baton(p, "run", "esc", check=0)
    pid = int((p / "esc.pid").read_text())
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        with open(f"/proc/{pid}/stat") as f:
            if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                break
        time.sleep(0.05)
    else:
        raise AssertionError("setsid'd process survived its run")
