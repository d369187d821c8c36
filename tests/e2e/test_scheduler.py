"""The scheduler end to end: `baton serve` and `baton scheduler` firing
pipeline and batch job schedules.

No test waits for a real due time far away: BATON_FAKE_NOW sets the
scheduler's clock (it then runs on in real time), so a schedule due "at
the next minute" or "at 09:00" is due a second or two after start.  One
test (overlap) waits for a second real minute; the unit tests
(tests/unit/test_fire.c) cover the same policies on made-up clocks.
"""
import datetime
import http.client
import http.server
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


def iso(ms):
    return datetime.datetime.fromtimestamp(
        ms / 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse(s):
    return int(datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc).timestamp() * 1000)


def next_minute(lead_ms=2000):
    """A due time D (a whole minute, on the fake clock) and the
    BATON_FAKE_NOW that makes it due lead_ms from now."""
    due = (int(time.time() * 1000) // 60000 + 3) * 60000
    return due, iso(due - lead_ms)


class Proc:
    """baton serve (with its API) or baton scheduler, logging to a file."""

    def __init__(self, root, verb="serve", env=None, args=(), log="serve"):
        self.root = Path(root)
        self.verb = verb
        port_file = self.root / "port"
        if port_file.exists():
            port_file.unlink()
        full = dict(os.environ)
        for k in ("BATON_STATE", "BATON_TOKENS", "BATON_JOBS",
                  "BATON_FAKE_NOW"):
            full.pop(k, None)
        full.update(env or {})
        self.logpath = self.root / f"{log}.log"
        self.logf = open(self.logpath, "a")
        cmd = [BATON, "--project", str(root), verb, *args]
        if verb == "serve":
            cmd += ["--listen", "127.0.0.1:0", "--port-file",
                    str(port_file)]
        self.proc = subprocess.Popen(cmd, stdout=self.logf,
                                     stderr=self.logf, env=full)
        self.port = None
        if verb == "serve":
            deadline = time.time() + 10
            while not port_file.exists() or \
                    not port_file.read_text().strip():
                if self.proc.poll() is not None or time.time() > deadline:
                    raise AssertionError("serve did not start:\n" +
                                         self.log())
                time.sleep(0.05)
            self.port = int(port_file.read_text())
        else:
            self.wait_log("running (pid")

    def log(self):
        if not self.logf.closed:
            self.logf.flush()
        return self.logpath.read_text()

    def wait_log(self, text, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if text in self.log():
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"{text!r} not in the log:\n{self.log()}")

    def get(self, path):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        c.request("GET", path)
        r = c.getresponse()
        text = r.read().decode()
        c.close()
        assert r.status == 200, f"GET {path}: {r.status} {text}"
        return json.loads(text) if "json" in r.getheader(
            "Content-Type", "") else text

    def schedules(self):
        return {s["id"]: s for s in self.get("/api/v1/schedules")[
            "schedules"]}

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.logf.close()
        return self.proc.returncode


@pytest.fixture
def procs():
    started = []

    def start(*a, **kw):
        p = Proc(*a, **kw)
        started.append(p)
        return p

    yield start
    for p in started:
        # SIGTERM: the runs' processes are stopped with the server.
        if p.proc.poll() is None:
            p.proc.terminate()
            try:
                p.proc.wait(20)
            except subprocess.TimeoutExpired:
                p.proc.kill()
                p.proc.wait()
        if not p.logf.closed:
            p.logf.close()


def db(root):
    con = sqlite3.connect(f"file:{root}/.baton/state.db?mode=ro", uri=True)
    con.row_factory = sqlite3.Row
    return con


def rows(root, sql, *args):
    con = db(root)
    try:
        return [dict(r) for r in con.execute(sql, args)]
    finally:
        con.close()


def wait_for(cond, timeout=20, what="the condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        got = cond()
        if got:
            return got
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def batches_of(root, schedule_id):
    return [b for b in rows(root, "SELECT * FROM batches WHERE source = "
                                  "'schedule' ORDER BY created_at")
            if json.loads(b["summary_json"])["schedule"]["id"] ==
            schedule_id]


def test_fires_within_a_second_lag_in_api_metrics_and_log(tmp_path, procs):
    root = make_project(tmp_path, {"tick": """\
        schedule: "* * * * *"
        steps:
          - name: say
            run: echo tick
        """})
    due, fake = next_minute(lead_ms=1500)
    srv = procs(root, env={"BATON_FAKE_NOW": fake})
    s = srv.schedules()["tick"]
    assert s["kind"] == "pipeline"
    assert s["expr"].startswith("every minute")
    assert s["next"][0] == iso(due)
    assert len(s["next"]) == 5
    assert (s["priority"], s["overlap"], s["catch_up"]) == \
        ("medium", "skip", "skip")
    assert s["last_fire_at"] is None
    s = wait_for(lambda: srv.schedules()["tick"]["last_lag_ms"] is not None
                 and srv.schedules()["tick"], what="the fire")
    assert s["last_fire_at"] == iso(due)
    assert 0 <= s["last_lag_ms"] < 1000, s
    assert s["next"][0] == iso(due + 60000)
    # The run belongs to the fire's batch; it started within 1 s of the
    # due time (the offset of the fake clock taken out).
    run = rows(root, "SELECT * FROM runs WHERE batch = ?", s["last_batch"])
    assert len(run) == 1 and run[0]["pipeline"] == "tick"
    wait_for(lambda: srv.get(f"/api/v1/runs/{run[0]['id']}")["status"] ==
             "succeeded", what="the run to end")
    metrics = srv.get("/metrics")
    assert "baton_scheduler_lag_seconds_count 1" in metrics
    assert 'baton_scheduler_lag_seconds_bucket{le="1"} 1' in metrics
    line = [ln for ln in srv.log().splitlines() if "fired: due" in ln]
    assert line == [f"baton scheduler: schedule tick (pipeline) fired: due "
                    f"{iso(due)}, lag {s['last_lag_ms']} ms, batch "
                    f"{s['last_batch']}, 1 run"]
    stored = rows(root, "SELECT * FROM schedules")
    assert stored[0]["last_fire_at"] == due
    assert stored[0]["next_fire_at"] == due + 60000
    assert stored[0]["last_lag_ms"] == s["last_lag_ms"]


def test_restart_in_the_middle_of_a_fire_no_double_fire(tmp_path, procs):
    root = make_project(tmp_path, {"long": """\
        schedule: "* * * * *"
        steps:
          - name: work
            run: echo working; sleep 30
        """})
    due, fake = next_minute(lead_ms=1000)
    srv = procs(root, env={"BATON_FAKE_NOW": fake})
    wait_for(lambda: rows(root, "SELECT * FROM runs WHERE status = "
                                "'running'"), what="the run to start")
    # Killed while the fire's run goes on.
    srv.stop(signal.SIGKILL)
    # Back 4 s after the due time: still within the minute's grace, but
    # the fire was recorded, so it is not made again.
    srv = procs(root, env={"BATON_FAKE_NOW": iso(due + 4000)})
    time.sleep(2)
    s = srv.schedules()["long"]
    assert s["fires"] == 1
    assert s["last_fire_at"] == iso(due)
    assert len(batches_of(root, "long")) == 1
    runs = rows(root, "SELECT * FROM runs")
    assert len(runs) == 1
    # The killed run was accounted for by the restart.
    assert runs[0]["status"] == "interrupted"
    assert "fired: due" not in srv.log().split("listening on")[-1]


def test_restart_before_the_fire_was_recorded_fires_once(tmp_path, procs):
    """Down across the due time, back within the grace minute: the fire
    is made once, late by the downtime."""
    root = make_project(tmp_path, {"p": """\
        schedule: "* * * * *"
        steps:
          - name: s
            run: echo hi
        """})
    due, fake = next_minute(lead_ms=30000)
    srv = procs(root, env={"BATON_FAKE_NOW": fake})
    srv.schedules()
    srv.stop(signal.SIGKILL)
    srv = procs(root, env={"BATON_FAKE_NOW": iso(due + 5000)})
    wait_for(lambda: srv.schedules()["p"]["fires"] == 1, what="the fire")
    time.sleep(1)
    assert srv.schedules()["p"]["fires"] == 1
    assert len(batches_of(root, "p")) == 1


CATCH_UP = {
    "cu_skip": """\
        schedule: "0 3 * * *"
        steps: [{name: s, run: echo skip}]
        """,
    "cu_latest": """\
        schedule: "0 3 * * *"
        catch_up: latest
        steps: [{name: s, run: echo latest}]
        """,
    "cu_all": """\
        schedule: {cron: "0 3 * * *", timezone: UTC}
        catch_up: all
        catch_up_max: 3
        steps: [{name: s, run: echo all; sleep 0.3}]
        """,
}


def test_catch_up_policies_after_downtime(tmp_path, procs):
    root = make_project(tmp_path, CATCH_UP)
    env = {"TZ": "UTC"}
    # Seen first on Mar 1 at midnight: the 03:00 fire is remembered.
    s = procs(root, "scheduler", env={**env, "BATON_FAKE_NOW":
                                      "2026-03-01T00:00:00Z"})
    wait_for(lambda: len(rows(root, "SELECT * FROM schedules")) == 3,
             what="the schedules to be recorded")
    assert s.stop() == 0
    # Down until Mar 5, 12:00: five fires of each were missed.
    s = procs(root, "scheduler", env={**env, "BATON_FAKE_NOW":
                                      "2026-03-05T12:00:00Z"})
    wait_for(lambda: len(batches_of(root, "cu_all")) == 3 and all(
        b["status"] == "succeeded" for b in batches_of(root, "cu_all")),
        what="three caught-up fires")
    time.sleep(0.5)
    assert batches_of(root, "cu_skip") == []
    latest = batches_of(root, "cu_latest")
    assert len(latest) == 1
    assert json.loads(latest[0]["summary_json"])["schedule"] == {
        "kind": "pipeline", "id": "cu_latest",
        "due": "2026-03-05T03:00:00Z", "late": True}
    # all: the three latest, one after the other, in order.
    alls = batches_of(root, "cu_all")
    dues = [json.loads(b["summary_json"])["schedule"]["due"] for b in alls]
    assert dues == ["2026-03-03T03:00:00Z", "2026-03-04T03:00:00Z",
                    "2026-03-05T03:00:00Z"]
    runs = {r["batch"]: r for r in rows(root, "SELECT * FROM runs")}
    assert runs[alls[0]["id"]]["finished_at"] <= \
        runs[alls[1]["id"]]["started_at"]
    st = {r["id"]: r for r in rows(root, "SELECT * FROM schedules")}
    assert (st["cu_skip"]["skipped"], st["cu_skip"]["fires"]) == (5, 0)
    assert (st["cu_latest"]["skipped"], st["cu_latest"]["fires"]) == (4, 1)
    assert (st["cu_all"]["skipped"], st["cu_all"]["fires"]) == (2, 3)
    for r in st.values():
        assert r["next_fire_at"] == parse("2026-03-06T03:00:00Z")
    log = s.log()
    assert "schedule cu_skip (pipeline): 5 fires missed while no " \
           "scheduler ran (2026-03-01T03:00:00Z to 2026-03-05T03:00:00Z):" \
           " catch_up: skip, 0 fired late" in log
    assert "(a missed fire caught up)" in log
    assert s.stop() == 0
    assert "baton scheduler: stopped" in s.log()


def test_priority_order_when_slots_are_short(tmp_path, procs):
    def pl(prio):
        return f"""\
            schedule: "* * * * *"
            priority: {prio}
            steps: [{{name: s, run: sleep 0.3}}]
            """
    root = make_project(tmp_path, {
        "a_low": pl("low"), "b_high1": pl("high"),
        "c_critical": pl("critical"), "d_high2": pl("high"),
        "e_medium": pl("medium"),
    })
    due, fake = next_minute(lead_ms=1500)
    srv = procs(root, env={"BATON_FAKE_NOW": fake},
                args=["--max-runs", "1"])
    wait_for(lambda: len(rows(root, "SELECT * FROM runs WHERE status = "
                                    "'succeeded'")) == 5,
             what="the five runs", timeout=30)
    order = [r["pipeline"] for r in rows(
        root, "SELECT pipeline FROM runs ORDER BY started_at")]
    # Highest first; the two highs first-in-first-out (file order).
    assert order == ["c_critical", "b_high1", "d_high2", "e_medium",
                     "a_low"]
    runs = rows(root, "SELECT * FROM runs ORDER BY started_at")
    for a, b in zip(runs, runs[1:]):
        assert a["finished_at"] <= b["started_at"]
    sch = srv.schedules()
    assert sch["c_critical"]["priority"] == "critical"
    # The last one waited for four others: its lag shows it.
    assert sch["a_low"]["last_lag_ms"] > sch["c_critical"]["last_lag_ms"]
    assert srv.get("/api/v1/schedules")["scheduler"]["max_runs"] == 1


JOBS = {
    "batch_processing_jobs": [{
        "id": "bat_pref_posts",
        "name": "Preference-Based Posts",
        "type": "individual",
        "preference_based": True,
        "feature_type": "instagram_posts",
        "template_id": "post",
        "priority": "high",
        "default_preferences": {
            "frequency": "daily",
            "preferred_time": "09:00",
            "template_overrides": {"tone": "casual", "length": "short"},
        },
    }, {
        "id": "weekly_report",
        "name": "Weekly report",
        "type": "object",
        "category": "users",
        "template_id": "post",
        "schedule": {"frequency": "weekly", "days": ["Monday"],
                     "at": "01:00"},
    }],
}

POST = {"post": """\
    params:
      tone: neutral
      length: medium
    steps:
      - name: write
        run: |
          echo '{"tone": "{{ params.tone }}", "length": "{{ params.length }}"}' > "$BATON_OUTPUT"
    """}


def users(t3_prefs):
    return textwrap.dedent(f"""\
        version: "1.0"
        users:
          - id: t1
            name: One
            preferences:
              features:
                instagram_posts:
                  preferred_time: "09:00"
                  template_overrides: {{tone: professional}}
          - id: t2
            name: Two
          - id: t3
            name: Three
            preferences:
              features:
                instagram_posts: {t3_prefs}
          - id: t4
            name: Four
            preferences:
              features:
                instagram_posts: {{enabled: false}}
        """)


def test_preference_groups_and_a_change_at_runtime(tmp_path, procs):
    root = make_project(tmp_path, POST)
    (root / "batch_config.json").write_text(json.dumps(JOBS))
    (root / "users.yaml").write_text(users(
        '{frequency: weekly, preferred_day: monday, preferred_time: "10:00"}'))
    # 2026-03-02 is a Monday; 09:00 is due 8 s after start.
    srv = procs(root, env={"BATON_FAKE_NOW": "2026-03-02T08:59:52Z",
                           "TZ": "UTC"})
    sch = srv.schedules()
    daily = sch["bat_pref_posts@daily-09:00"]
    assert daily["kind"] == "job" and daily["job"] == "bat_pref_posts"
    assert daily["tenants"] == ["t1", "t2"]
    assert daily["priority"] == "high"
    assert daily["next"][0] == "2026-03-02T09:00:00Z"
    weekly = sch["bat_pref_posts@weekly-mon-10:00"]
    assert weekly["tenants"] == ["t3"]
    assert weekly["next"][:2] == ["2026-03-02T10:00:00Z",
                                  "2026-03-09T10:00:00Z"]
    assert sch["weekly_report"]["tenants"] == []
    assert "bat_pref_posts" not in sch  # nobody follows a job schedule
    # t3 moves to the daily group: no restart.
    (root / "users.yaml").write_text(users('{preferred_time: "09:00"}'))
    wait_for(lambda: srv.schedules()["bat_pref_posts@daily-09:00"][
        "tenants"] == ["t1", "t2", "t3"], what="the reload")
    assert "bat_pref_posts@weekly-mon-10:00" not in srv.schedules()
    # One batch for the group at 09:00, one run per tenant, each with its
    # template_overrides as params.
    s = wait_for(lambda: (srv.schedules()["bat_pref_posts@daily-09:00"]
                          ["last_batch"]), what="the group's fire")
    b = wait_for(lambda: (lambda x: x["status"] in ("succeeded", "failed")
                          and x)(srv.get(f"/api/v1/batches/{s}")),
                 what="the batch to end")
    assert b["status"] == "succeeded", b
    runs = {r["tenant"]: r for r in rows(
        root, "SELECT * FROM runs WHERE batch = ?", s)}
    assert sorted(runs) == ["t1", "t2", "t3"]
    out = {t: json.loads(r["output_json"]) for t, r in runs.items()}
    assert out["t1"] == {"tone": "professional", "length": "short"}
    assert out["t2"] == {"tone": "casual", "length": "short"}
    assert out["t3"] == {"tone": "casual", "length": "short"}
    summary = json.loads(rows(root, "SELECT summary_json FROM batches "
                                    "WHERE id = ?", s)[0]["summary_json"])
    assert summary["schedule"]["id"] == "bat_pref_posts@daily-09:00"
    assert summary["job"]["id"] == "bat_pref_posts"
    assert len(batches_of(root, "bat_pref_posts@daily-09:00")) == 1
    # GET /api/v1/jobs lists the jobs as `baton job list --json` does.
    jobs = srv.get("/api/v1/jobs")
    assert [j["id"] for j in jobs["jobs"]] == ["bat_pref_posts",
                                               "weekly_report"]
    assert jobs["jobs"][1]["schedule_summary"].startswith("weekly")
    assert jobs["jobs"][0]["valid"] is True


class Hook(http.server.BaseHTTPRequestHandler):
    received = []

    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        Hook.received.append(json.loads(self.rfile.read(n)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *a):
        pass


def test_job_fire_retries_distributes_and_notifies(tmp_path, procs):
    """A scheduled job runs as `baton job run` does: failed items again
    in follow-up batches (retry_limit), every batch delivered to the
    listed users, the webhook told at the end."""
    Hook.received = []
    hook = http.server.HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    root = make_project(tmp_path, {"check": """\
        steps:
          - name: s
            run: test "{{ input.id }}" != t2
        """})
    jobs = {"jobs": [{
        "id": "nightly_check", "name": "Nightly check",
        "type": "individual", "category": "users",
        "template_id": "check", "retry_limit": 1,
        "schedule": "* * * * *",
        "distribute_results": True,
        "distribution": {"users": ["admin"], "webhook":
                         f"http://127.0.0.1:{hook.server_address[1]}/h"},
    }]}
    (root / "jobs.yaml").write_text(json.dumps(jobs))
    (root / "users.yaml").write_text(textwrap.dedent("""\
        version: "1.0"
        users:
          - {id: t1, name: One}
          - {id: t2, name: Two}
        """))
    due, fake = next_minute(lead_ms=1000)
    srv = procs(root, env={"BATON_FAKE_NOW": fake})
    wait_for(lambda: Hook.received, what="the webhook")
    hook.shutdown()
    hook.server_close()
    (body,) = Hook.received
    first, again = batches_of(root, "nightly_check")
    assert body["batch_ids"] == [first["id"], again["id"]]
    assert body["batch_id"] == first["id"]
    assert body["job_id"] == "nightly_check"
    assert body["status"] == "partial"
    assert body["summary"]["runs"] == 2
    assert body["summary"]["succeeded"] == 1
    assert body["summary"]["retry_rounds"] == 1
    assert (first["total"], first["failed"]) == (2, 1)
    assert (again["total"], again["failed"]) == (1, 1)
    assert json.loads(again["summary_json"])["retry"] == {
        "of": first["id"], "round": 1}
    inbox = rows(root, "SELECT batch_id FROM inbox WHERE user = 'admin'")
    assert sorted(r["batch_id"] for r in inbox) == sorted(
        [first["id"], again["id"]])
    assert "retry 1 of 1: 1 failed run again" in srv.log()
    # The retries were part of the same fire.
    assert srv.schedules()["nightly_check"]["fires"] == 1


def test_overlap_policies(tmp_path, procs):
    """Runs that outlast the minute: at the second fire, skip skips,
    queue starts it when the first run ends, allow starts it at once.
    The one test that waits for a real minute."""
    def pl(policy):
        return f"""\
            schedule: "* * * * *"
            overlap: {policy}
            steps: [{{name: s, run: sleep 63}}]
            """
    root = make_project(tmp_path, {"o_skip": pl("skip"),
                                   "o_queue": pl("queue"),
                                   "o_allow": pl("allow")})
    due, fake = next_minute(lead_ms=1000)
    srv = procs(root, env={"BATON_FAKE_NOW": fake})
    wait_for(lambda: len(rows(root, "SELECT * FROM runs WHERE status = "
                                    "'running'")) == 3, what="3 runs")
    wait_for(lambda: srv.schedules()["o_allow"]["fires"] == 2,
             timeout=75, what="the second minute")
    sch = srv.schedules()
    assert sch["o_skip"]["fires"] == 1 and sch["o_skip"]["skipped"] == 1
    assert sch["o_queue"]["fires"] == 1 and sch["o_queue"]["queued"] == 1
    assert sch["o_allow"]["running"] == 2
    assert "skipped the fire due " + iso(due + 60000) in srv.log()
    wait_for(lambda: srv.schedules()["o_queue"]["fires"] == 2,
             timeout=15, what="the queued fire")
    q = batches_of(root, "o_queue")
    assert [json.loads(b["summary_json"])["schedule"]["due"]
            for b in q] == [iso(due), iso(due + 60000)]


def test_only_one_scheduler_fires_per_store(tmp_path, procs):
    root = make_project(tmp_path, {"p": """\
        schedule: "* * * * *"
        steps: [{name: s, run: echo once}]
        """})
    due, fake = next_minute(lead_ms=2000)
    first = procs(root, "scheduler", env={"BATON_FAKE_NOW": fake},
                  log="scheduler")
    srv = procs(root, env={"BATON_FAKE_NOW": fake})
    srv.wait_log("stands by")
    assert srv.get("/api/v1/schedules")["scheduler"]["state"] == "standby"
    # The standby server still lists what it would fire.
    assert srv.schedules()["p"]["next"][0] == iso(due)
    wait_for(lambda: len(batches_of(root, "p")) == 1, what="the fire")
    time.sleep(1.5)
    assert len(batches_of(root, "p")) == 1
    assert "fired: due" in first.log()
    assert "fired: due" not in srv.log()
    # The first one goes: the server takes over, reading its state.
    assert first.stop() == 0
    srv.wait_log("took over firing", timeout=10)
    assert srv.get("/api/v1/schedules")["scheduler"]["state"] == "active"
    assert srv.schedules()["p"]["fires"] == 1


def test_scheduler_verb_reloads_and_stops(tmp_path, procs):
    root = make_project(tmp_path, {"p": """\
        steps: [{name: s, run: echo hi}]
        """})
    due, fake = next_minute(lead_ms=4000)
    s = procs(root, "scheduler", env={"BATON_FAKE_NOW": fake},
              log="scheduler")
    # A schedule added while it runs is picked up (inotify).
    (root / "pipelines" / "p.yaml").write_text(textwrap.dedent("""\
        schedule: "* * * * *"
        steps: [{name: s, run: echo hi}]
        """))
    s.wait_log("reloaded the project")
    wait_for(lambda: len(batches_of(root, "p")) == 1, what="the fire")
    # A broken change is reported; the last good version stays.
    (root / "pipelines" / "p.yaml").write_text("steps: [\n")
    s.wait_log("the change was not loaded")
    assert s.stop() == 0
    assert "baton scheduler: stopped" in s.log()


def test_invalid_policy_is_a_located_error(tmp_path):
    root = make_project(tmp_path, {"p": """\
        schedule: "@daily"
        overlap: sometimes
        catch_up: lastest
        steps: [{name: s, run: echo}]
        """})
    proc = subprocess.run([BATON, "--project", str(root), "validate"],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert "p.yaml:2:10: error: unknown overlap 'sometimes' (use skip, " \
           "queue or allow)" in proc.stderr
    assert "p.yaml:3:11: error: unknown catch_up 'lastest' (did you mean " \
           "'latest'?)" in proc.stderr
