"""End-to-end tests of running pipelines: the real binary, real processes."""
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import BATON, run_baton, state_db


def wait_for(pred, timeout=15.0, what="condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is not alive.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def start_baton(project, *args):
    env = dict(os.environ, BATON_PLAIN="1")
    return subprocess.Popen([BATON, "--project", str(project), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)


def test_dependencies_order_and_outputs(project):
    p = project({"flow": """
        params:
          who: world
        steps:
          - name: a
            run: |
              echo "hello {{ params.who }}"
              echo '{"x": 41, "metrics": {"rows_processed": 1000}}' > "$BATON_OUTPUT"
          - name: b
            run: |
              cat "$BATON_INPUT" > b_input.json
              echo '{"metrics": {"rows_processed": 234}}' > "$BATON_OUTPUT"
            depends_on: [a]
          - name: c
            run: echo "x={{ steps.a.output.x }} who={{ params.who }}" > c.txt
            depends_on: [b, a]
    """})
    r = run_baton(p, "run", "flow", "--param", "who=baton", check=0)
    assert json.loads((p / "b_input.json").read_text()) == {
        "a": {"x": 41, "metrics": {"rows_processed": 1000}}}
    assert (p / "c.txt").read_text().strip() == "x=41 who=baton"
    assert "Total Rows:         1,234" in r.stdout
    assert "Completed:          3" in r.stdout
    db = state_db(p)
    rows = db.execute("select name, status from steps order by idx").fetchall()
    assert [(x["name"], x["status"]) for x in rows] == [
        ("a", "succeeded"), ("b", "succeeded"), ("c", "succeeded")]
    log = run_baton(p, "status", "last", "--json", check=0)
    rep = json.loads(log.stdout)
    assert rep["run"]["status"] == "succeeded"
    assert rep["summary"]["total_rows_processed"] == 1234


def test_shell_vars_are_left_alone(project):
    p = project({"v": """
        env:
          GREETING: hi
        steps:
          - name: a
            run: echo "$GREETING ${GREETING} $BATON_STEP" > out.txt
    """})
    run_baton(p, "run", "v", check=0)
    assert (p / "out.txt").read_text().strip() == "hi hi a"


def test_direct_exec_without_shell(project):
    script = ("import os; open('parent.txt', 'a').write("
              "open(f'/proc/{os.getppid()}/comm').read())")
    p = project({"d": """
        steps:
          - name: direct
            script: parent.py
          - name: shell
            run: python3 pipelines/d/parent.py && true
            depends_on: [direct]
    """}, scripts={"d/parent.py": script})
    run_baton(p, "run", "d", check=0)
    parents = (p / "parent.txt").read_text().split()
    assert parents == ["baton", "sh"]


def test_max_parallel_caps_concurrency(project):
    steps = "\n".join(f"""
          - name: s{i}
            run: |
              echo "start $(date +%s.%N)" >> times_{i}
              sleep 0.3
              echo "end $(date +%s.%N)" >> times_{i}""" for i in range(6))
    p = project({"par": "max_parallel: 2\nsteps:" + steps})
    run_baton(p, "run", "par", check=0)
    spans = []
    for i in range(6):
        lines = (p / f"times_{i}").read_text().split("\n")
        spans.append((float(lines[0].split()[1]), float(lines[1].split()[1])))
    events = sorted([(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans])
    cur = peak = 0
    for _, d in events:
        cur += d
        peak = max(peak, cur)
    assert peak == 2
    # --max-parallel overrides the file.
    run_baton(p, "run", "par", "--max-parallel", "1", check=0)


def test_failure_skips_dependants_other_branches_continue(project):
    p = project({"f": """
        steps:
          - name: bad
            run: exit 5
          - name: after_bad
            run: touch after_bad
            depends_on: [bad]
          - name: good
            run: touch good
          - name: after_good
            run: touch after_good
            depends_on: [good]
    """})
    r = run_baton(p, "run", "f")
    assert r.returncode == 2
    assert not (p / "after_bad").exists()
    assert (p / "good").exists() and (p / "after_good").exists()
    rep = json.loads(run_baton(p, "status", "--json").stdout)
    st = {s["name"]: s for s in rep["steps"]}
    assert st["bad"]["status"] == "failed" and st["bad"]["exit_code"] == 5
    assert st["after_bad"]["status"] == "skipped"
    assert rep["summary"]["failed"] == 1 and rep["summary"]["skipped"] == 1


def test_all_failed_exit_3_and_continue_on_failure(project):
    p = project({"a": """
        steps:
          - name: one
            run: exit 1
          - name: two
            run: exit 1
            depends_on: [one]
    """, "b": """
        continue_on_failure: true
        steps:
          - name: one
            run: exit 1
          - name: two
            run: touch ran_two
            depends_on: [one]
    """})
    assert run_baton(p, "run", "a").returncode == 3
    assert run_baton(p, "run", "b").returncode == 2
    assert (p / "ran_two").exists()


def test_retry_backoff_timing(project):
    p = project({"r": """
        steps:
          - name: flaky
            run: |
              date +%s.%N >> attempts
              [ "$(wc -l < attempts)" -ge 3 ]
            retry:
              max_attempts: 4
              backoff: 300ms
              multiplier: 2
              jitter: 0
    """})
    r = run_baton(p, "run", "r", check=0)
    times = [float(x) for x in (p / "attempts").read_text().split()]
    assert len(times) == 3
    gap1, gap2 = times[1] - times[0], times[2] - times[1]
    assert 0.3 <= gap1 < 3.0
    assert 0.6 <= gap2 < 4.0
    assert "retrying in 300ms" in r.stdout
    db = state_db(p)
    att = db.execute("select attempt, status from attempts "
                     "order by attempt").fetchall()
    assert [(a["attempt"], a["status"]) for a in att] == [
        (1, "failed"), (2, "failed"), (3, "succeeded")]


def test_retry_cap_and_exit_code_filter(project):
    p = project({"r": """
        steps:
          - name: capped
            run: |
              date +%s.%N >> capped
              exit 1
            retry: {max_attempts: 3, backoff: 200ms, multiplier: 10, max_backoff: 300ms, jitter: 0}
          - name: filtered
            run: |
              echo x >> filtered
              exit 3
            retry: {max_attempts: 5, backoff: 10ms, on_exit_codes: [75]}
    """})
    run_baton(p, "run", "r")
    t = [float(x) for x in (p / "capped").read_text().split()]
    assert len(t) == 3
    assert t[2] - t[1] >= 0.3 and t[2] - t[1] < 2.5
    assert (p / "filtered").read_text().count("x") == 1


def test_timeout_kills_whole_tree_even_sigterm_ignorers(project):
    p = project({"t": """
        steps:
          - name: slow
            run: |
              trap '' TERM
              sleep 300 &
              echo $! > bg.pid
              echo $$ > main.pid
              wait
            timeout: 1s
            kill_grace: 500ms
    """})
    r = run_baton(p, "run", "t", timeout=60)
    assert r.returncode == 3
    assert "timed out after 1.0s" in r.stdout
    for f in ("bg.pid", "main.pid"):
        pid = int((p / f).read_text())
        wait_for(lambda: not alive(pid), 5, f"{f} to die")


def test_pipeline_timeout_bounds_the_run(project):
    p = project({"pt": """
        timeout: 1s
        steps:
          - name: a
            run: sleep 30
            kill_grace: 200ms
          - name: b
            run: true
            depends_on: [a]
    """})
    t0 = time.monotonic()
    r = run_baton(p, "run", "pt", timeout=60)
    assert time.monotonic() - t0 < 15
    assert r.returncode == 3
    rep = json.loads(run_baton(p, "status", "--json").stdout)
    assert rep["run"]["status"] == "failed"
    assert "pipeline timed out" in rep["run"]["error"]


def test_huge_output_no_deadlock_and_log_capped(project):
    p = project({"big": """
        steps:
          - name: loud
            run: head -c 52428800 /dev/zero | tr '\\0' 'x'
          - name: after
            run: echo done
            depends_on: [loud]
    """}, baton_yaml="log_max: 1MB\n")
    run_baton(p, "run", "big", check=0, timeout=120)
    logs = list((p / ".baton" / "runs").glob("*/loud.log"))
    assert len(logs) == 1
    size = logs[0].stat().st_size
    assert 1_000_000 <= size < 1_100_000
    assert logs[0].read_bytes().endswith(b"log truncated: step output exceeded log_max]\n")


def test_sigint_cancels_and_exits_130(project):
    p = project({"s": """
        steps:
          - name: long
            run: |
              echo $$ > long.pid
              sleep 60
          - name: never
            run: touch never
            depends_on: [long]
    """})
    proc = start_baton(p, "run", "s")
    wait_for(lambda: (p / "long.pid").exists(), what="step start")
    pid = int((p / "long.pid").read_text())
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, out + err
    assert not (p / "never").exists()
    wait_for(lambda: not alive(pid), 5, "step to die")
    db = state_db(p)
    run = db.execute("select status, exit_code from runs").fetchone()
    assert (run["status"], run["exit_code"]) == ("cancelled", 130)
    st = dict(db.execute("select name, status from steps").fetchall())
    assert st == {"long": "cancelled", "never": "cancelled"}


def test_sigterm_is_handled_like_sigint(project):
    p = project({"s": """
        steps:
          - name: long
            run: |
              echo $$ > long.pid
              sleep 60
    """})
    proc = start_baton(p, "run", "s")
    wait_for(lambda: (p / "long.pid").exists(), what="step start")
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=30)
    assert proc.returncode == 130


def test_sigkill_then_restart_marks_interrupted(project):
    p = project({"k": """
        steps:
          - name: first
            run: |
              echo '{"v": 1}' > "$BATON_OUTPUT"
          - name: long
            run: |
              sleep 300 &
              echo $! > child.pid
              wait
            depends_on: [first]
    """})
    proc = start_baton(p, "run", "k")
    wait_for(lambda: (p / "child.pid").exists(), what="step start")
    child = int((p / "child.pid").read_text())
    proc.kill()
    proc.wait(timeout=10)
    assert alive(child)  # orphaned, still running
    r = run_baton(p, "status", check=0)
    assert "was interrupted" in r.stderr
    assert "Status:    interrupted" in r.stdout
    wait_for(lambda: not alive(child), 5, "leftover to be killed")
    db = state_db(p)
    run = db.execute("select status from runs").fetchone()
    assert run["status"] == "interrupted"
    st = dict(db.execute("select name, status from steps").fetchall())
    assert st == {"first": "succeeded", "long": "cancelled"}
    # Nothing earlier was lost: the first step's output is still there.
    out = db.execute("select output_json from steps where name='first'").fetchone()
    assert json.loads(out[0]) == {"v": 1}


def test_step_alone_and_from_reuse_outputs(project):
    p = project({"chain": """
        steps:
          - name: a
            run: |
              echo a >> ran
              echo '{"n": 7}' > "$BATON_OUTPUT"
          - name: b
            run: |
              echo b >> ran
              echo "{\\"n\\": $(( {{ steps.a.output.n }} + 1 ))}" > "$BATON_OUTPUT"
            depends_on: [a]
          - name: c
            run: |
              echo c >> ran
              echo "{{ steps.b.output.n }}" > c.txt
            depends_on: [b]
    """})
    run_baton(p, "run", "chain", check=0)
    assert (p / "ran").read_text().split() == ["a", "b", "c"]
    (p / "ran").unlink()
    run_baton(p, "run", "chain", "--from", "b", check=0)
    assert (p / "ran").read_text().split() == ["b", "c"]
    assert (p / "c.txt").read_text().strip() == "8"
    (p / "ran").unlink()
    r = run_baton(p, "run", "chain", "--step", "c", check=0)
    assert (p / "ran").read_text().split() == ["c"]
    assert "Total Steps:        3" in r.stdout  # b and a reused
    assert "(2 reused)" in r.stdout


def test_from_without_history_is_an_error(project):
    p = project({"chain": """
        steps:
          - name: a
            run: true
          - name: b
            run: true
            depends_on: [a]
    """})
    r = run_baton(p, "run", "chain", "--from", "b")
    assert r.returncode == 1
    assert "upstream step 'a' has not succeeded" in r.stderr
    r = run_baton(p, "run", "chain", "--from", "x")
    assert r.returncode == 1 and "has no step 'x'" in r.stderr


def test_retry_reruns_only_failed_and_skipped(project):
    p = project({"rt": """
        steps:
          - name: ok
            run: echo ok >> ran
          - name: flaky
            run: |
              echo flaky >> ran
              [ -f fixed ]
          - name: after
            run: echo after >> ran
            depends_on: [flaky, ok]
    """})
    assert run_baton(p, "run", "rt").returncode == 2
    (p / "fixed").touch()
    (p / "ran").unlink()
    r = run_baton(p, "retry", "last", check=0)
    assert sorted((p / "ran").read_text().split()) == ["after", "flaky"]
    db = state_db(p)
    runs = db.execute("select id, retry_of, status from runs "
                      "order by created_at").fetchall()
    assert runs[1]["retry_of"] == runs[0]["id"]
    assert runs[1]["status"] == "succeeded"
    assert "reused" in r.stdout


def test_params_required_and_unknown(project):
    p = project({"pp": """
        params:
          day:
          mode: {default: fast, description: how}
        steps:
          - name: a
            run: echo {{ params.day }} {{ params.mode }} > out
    """})
    r = run_baton(p, "run", "pp")
    assert r.returncode == 1 and "needs param 'day'" in r.stderr
    r = run_baton(p, "run", "pp", "--param", "dya=1")
    assert r.returncode == 1 and "no param 'dya'" in r.stderr
    run_baton(p, "run", "pp", "-p", "day=2026-01-22", check=0)
    assert (p / "out").read_text().strip() == "2026-01-22 fast"


def test_unknown_pipeline_did_you_mean(project):
    p = project({"social_ads": "steps:\n  - name: a\n    run: true\n"})
    r = run_baton(p, "run", "social_adz")
    assert r.returncode == 1
    assert "did you mean 'social_ads'" in r.stderr


def test_report_json_and_csv(project):
    p = project({"rep": """
        steps:
          - name: load
            run: |
              echo '{"metrics": {"rows_processed": 15234, "tables_processed": 5}}' > "$BATON_OUTPUT"
          - name: broken
            run: echo 'bad, "quoted"' >&2; exit 2
    """})
    r = run_baton(p, "run", "rep", "--report", p / "r.json")
    assert r.returncode == 2
    rep = json.loads((p / "r.json").read_text())
    assert rep["summary"]["total_steps"] == 2
    assert rep["summary"]["completed"] == 1
    assert rep["summary"]["failed"] == 1
    assert rep["summary"]["success_rate"] == 50.0
    assert rep["summary"]["total_rows_processed"] == 15234
    assert rep["summary"]["metrics"]["tables_processed"] == 5
    load = rep["steps"][0]
    assert load["rows_processed"] == 15234 and load["retry_count"] == 0
    assert rep["steps"][1]["error_message"] == 'exited with code 2: bad, "quoted"'
    run_baton(p, "run", "rep", "--report", p / "r.csv", "--format", "csv")
    lines = (p / "r.csv").read_text().splitlines()
    assert lines[0].startswith("step_name,status,duration_seconds,rows_processed")
    assert lines[1].startswith("load,succeeded,")
    assert ",15234,0,0," in lines[1]


def test_sub_pipeline_gets_params_and_returns_output(project):
    p = project({"parent": """
        max_parallel: 2
        steps:
          - name: child
            pipeline: child
            params:
              n: "5"
          - name: use
            run: echo "{{ steps.child.output.double }}" > use.txt
            depends_on: [child]
    """, "child": """
        params:
          n: "1"
        steps:
          - name: calc
            run: |
              echo "{\\"double\\": $(( {{ params.n }} * 2 ))}" > "$BATON_OUTPUT"
    """})
    run_baton(p, "run", "parent", check=0)
    assert (p / "use.txt").read_text().strip() == "10"
    db = state_db(p)
    runs = db.execute("select pipeline, parent_run, id from runs").fetchall()
    by = {r["pipeline"]: r for r in runs}
    assert by["child"]["parent_run"] == by["parent"]["id"]


def test_retention_prunes_runs_and_logs(project):
    p = project({"x": "steps:\n  - name: a\n    run: echo hi\n"},
                baton_yaml="retention:\n  runs: 2\n")
    for _ in range(4):
        run_baton(p, "run", "x", check=0)
    db = state_db(p)
    assert db.execute("select count(*) from runs").fetchone()[0] == 2
    assert len(list((p / ".baton" / "runs").iterdir())) == 2


def test_dry_run_runs_nothing(project):
    p = project({"x": "steps:\n  - name: a\n    run: touch made\n"})
    r = run_baton(p, "run", "x", "--dry-run", check=0)
    assert "level 1" in r.stdout and "touch made" in r.stdout
    assert not (p / "made").exists()
    assert not (p / ".baton").exists()


def test_invalid_output_json_fails_the_step(project):
    p = project({"o": """
        steps:
          - name: a
            run: echo 'not json' > "$BATON_OUTPUT"
    """})
    r = run_baton(p, "run", "o")
    assert r.returncode == 3
    assert "$BATON_OUTPUT is not valid JSON" in r.stdout


def test_command_not_found_is_a_clear_failure(project):
    p = project({"n": "steps:\n  - name: a\n    run: no-such-command-xyz arg\n"})
    r = run_baton(p, "run", "n")
    assert r.returncode == 3
    assert "cannot run 'no-such-command-xyz'" in r.stdout
