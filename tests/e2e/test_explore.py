"""End-to-end tests of the verbs that explore a project and its history:
list, graph, init, logs, history and prune.  They drive the real binary."""
import json
import os
import re
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from conftest import BATON, run_baton

TWO_STEPS = """\
    name: Two steps
    steps:
      - name: extract
        run: echo extracting
      - name: load-data
        depends_on: [extract]
        run: echo loading
"""

FAILING = """\
    steps:
      - name: good
        run: echo fine
      - name: bad
        run: echo broken >&2; exit 3
"""

QUIET = """\
    steps:
      - name: silent
        run: "true"
      - name: chatty
        depends_on: [silent]
        run: echo hello from chatty
"""

SLOW = """\
    steps:
      - name: tick
        run: |
          for i in 1 2 3 4; do echo "tick $i"; sleep 0.3; done
      - name: tock
        depends_on: [tick]
        run: echo tock
"""

PARENT = """\
    steps:
      - name: prepare
        run: echo prepare
      - name: child
        depends_on: [prepare]
        pipeline: two
      - name: "finish"
        depends_on: [child]
        run: echo done
"""


def runs_dir(project):
    return Path(project) / ".baton" / "runs"


def history_json(project, *args):
    proc = run_baton(project, "history", "--json", *args, check=0)
    return json.loads(proc.stdout)


# --- list -----------------------------------------------------------------

def test_list_help(baton, tmp_path):
    proc = baton(tmp_path, "list", "--help", check=0)
    assert "usage: baton list" in proc.stdout
    assert "--json" in proc.stdout


def test_list_empty_project_says_how_to_start(baton, project):
    root = project({})
    proc = baton(root, "list", check=0)
    assert "No pipelines" in proc.stdout
    assert "baton init" in proc.stdout


def test_list_shows_pipelines_and_flags_broken_files(baton, project):
    root = project({"two": TWO_STEPS, "fails": FAILING,
                    "broken": "steps: [\n"})
    proc = baton(root, "list", check=0)
    lines = proc.stdout.splitlines()
    assert lines[0].split()[:3] == ["PIPELINE", "NAME", "STEPS"]
    rows = {line.split()[0]: line for line in lines[1:]}
    assert set(rows) == {"two", "fails", "broken"}
    assert "Two steps" in rows["two"]
    assert re.search(r"\b2\b", rows["two"])
    assert "never run" in rows["two"]
    assert "invalid (run baton validate)" in rows["broken"]
    # Listing must not create the state database.
    assert not (root / ".baton").exists()


def test_list_shows_last_run_status_and_age(baton, project):
    root = project({"two": TWO_STEPS, "fails": FAILING})
    baton(root, "run", "two", "-q", check=0)
    baton(root, "run", "fails", "-q", check=2)
    rows = {line.split()[0]: line
            for line in baton(root, "list", check=0).stdout.splitlines()}
    assert re.search(r"succeeded (just now|\d+s ago)", rows["two"])
    assert re.search(r"failed (just now|\d+s ago)", rows["fails"])


def test_list_json(baton, project):
    root = project({"two": TWO_STEPS, "broken": "steps: 3\n"})
    baton(root, "run", "two", "-q", check=0)
    data = json.loads(baton(root, "list", "--json", check=0).stdout)
    by_id = {p["id"]: p for p in data}
    assert by_id["two"]["name"] == "Two steps"
    assert by_id["two"]["steps"] == 2
    assert by_id["two"]["valid"] is True
    assert by_id["two"]["last_run"]["status"] == "succeeded"
    assert by_id["two"]["last_run"]["started_at"].endswith("Z")
    assert by_id["broken"]["valid"] is False
    assert by_id["broken"]["last_run"] is None


def test_list_rejects_arguments(baton, project):
    root = project({"two": TWO_STEPS})
    proc = baton(root, "list", "two", check=1)
    assert "baton graph two" in proc.stderr


# --- graph ----------------------------------------------------------------

def test_graph_help(baton, tmp_path):
    proc = baton(tmp_path, "graph", "--help", check=0)
    assert "usage: baton graph PIPELINE" in proc.stdout
    assert "mermaid" in proc.stdout and "dot" in proc.stdout


def test_graph_mermaid_default(baton, project):
    root = project({"two": TWO_STEPS, "parent": PARENT})
    out = baton(root, "graph", "parent", check=0).stdout
    lines = [line.strip() for line in out.splitlines()]
    assert lines[0] == "graph TD"
    assert 'step_prepare["prepare"]' in lines
    # A sub-pipeline step has the subroutine shape; a comment names the
    # pipeline it runs.
    assert 'step_child[["child"]]' in lines
    assert "%% step_child runs pipeline two" in lines
    assert "step_prepare --> step_child" in lines
    assert "step_child --> step_finish" in lines


def test_graph_mermaid_sanitizes_ids(baton, project):
    root = project({"two": TWO_STEPS})
    out = baton(root, "graph", "two", check=0).stdout
    assert 'step_load_data["load-data"]' in out
    assert "step_extract --> step_load_data" in out
    for line in out.splitlines()[1:]:
        node = line.strip().split("[")[0].split(" ")[0]
        assert re.fullmatch(r"[A-Za-z0-9_]+", node), line


def test_graph_mermaid_ids_stay_distinct(baton, project):
    root = project({"twins": """\
        steps:
          - name: x-y
            run: echo 1
          - name: x_y
            depends_on: [x-y]
            run: echo 2
          - name: end
            depends_on: [x_y]
            run: echo 3
        """})
    out = baton(root, "graph", "twins", check=0).stdout
    ids = re.findall(r"^\s+(\w+)\[", out, re.M)
    assert len(ids) == 3 and len(set(ids)) == 3
    assert 'step_end["end"]' in out
    edges = re.findall(r"^\s+(\w+) --> (\w+)$", out, re.M)
    assert len(edges) == 2 and edges[0][1] == edges[1][0]


def test_graph_dot(baton, project):
    root = project({"two": TWO_STEPS, "parent": PARENT})
    out = baton(root, "graph", "parent", "--format", "dot", check=0).stdout
    assert out.startswith('digraph "parent" {')
    assert out.rstrip().endswith("}")
    assert '"prepare" -> "child";' in out
    assert '"child" -> "finish";' in out
    assert 'peripheries=2' in out
    assert '"child" [style="", peripheries=2, ' \
        'tooltip="runs pipeline two"];' in out
    # Options may come before the pipeline too, and --format=dot works.
    again = baton(root, "graph", "--format=dot", "parent", check=0).stdout
    assert again == out


def test_graph_dot_is_valid_graphviz_if_available(baton, project):
    dot = "/usr/bin/dot"
    if not os.path.exists(dot):
        pytest.skip("graphviz is not installed")
    root = project({"two": TWO_STEPS, "parent": PARENT})
    out = baton(root, "graph", "parent", "--format", "dot", check=0).stdout
    subprocess.run([dot, "-Tsvg"], input=out, text=True, check=True,
                   capture_output=True)


def test_graph_unknown_pipeline_suggests(baton, project):
    root = project({"two": TWO_STEPS})
    proc = baton(root, "graph", "tow", check=1)
    assert "no pipeline 'tow'" in proc.stderr
    assert "did you mean 'two'?" in proc.stderr
    assert proc.stdout == ""


def test_graph_usage_errors(baton, project):
    root = project({"two": TWO_STEPS})
    proc = baton(root, "graph", check=1)
    assert "which pipeline?" in proc.stderr
    proc = baton(root, "graph", "two", "--format", "svg", check=1)
    assert "--format is mermaid or dot, not 'svg'" in proc.stderr


def test_graph_of_broken_pipeline_prints_its_errors(baton, project):
    root = project({"bad": """\
        steps:
          - name: a
            run: echo a
            depends_on: [nope]
        """})
    proc = baton(root, "graph", "bad", check=1)
    assert "bad.yaml:" in proc.stderr
    assert "nope" in proc.stderr
    assert proc.stdout == ""


# --- init -----------------------------------------------------------------

def test_init_help(baton, tmp_path):
    proc = baton(tmp_path, "init", "--help", check=0)
    assert "usage: baton init" in proc.stdout
    assert "hello.yaml" in proc.stdout


def test_init_scaffolds_a_project_that_validates_and_runs(tmp_path):
    target = tmp_path / "proj"
    proc = run_baton(tmp_path, "init", target, check=0)
    assert f"cd {target} && baton run hello" in proc.stdout
    assert (target / "baton.yaml").is_file()
    assert (target / "pipelines" / "hello.yaml").is_file()
    script = target / "pipelines" / "hello" / "greet.sh"
    assert os.access(script, os.X_OK)
    assert ".baton/" in (target / ".gitignore").read_text().splitlines()
    settings = (target / "baton.yaml").read_text()
    for key in ("state:", "retention:", "days: 30", "runs: 1000",
                "log_max:"):
        assert key in settings
    hello = (target / "pipelines" / "hello.yaml").read_text()
    for feature in ("depends_on", "params:", "env:", "retry:", "script:",
                    "$BATON_OUTPUT", "{{ steps."):
        assert feature in hello

    assert "OK" in run_baton(target, "validate", check=0).stdout
    run_baton(target, "run", "hello", check=0)
    run = run_baton(target, "status", "last", "--json", check=0)
    assert json.loads(run.stdout)["run"]["status"] == "succeeded"
    assert run_baton(target, "logs", "last", "greet",
                     check=0).stdout == "Hello, world!\n"
    report = run_baton(target, "logs", "last", "report", check=0).stdout
    assert "'Hello, world!' is 13 characters long" in report

    # Params flow through to the script and on to later steps.
    run_baton(target, "run", "hello", "--param", "who=Ada", check=0)
    report = run_baton(target, "logs", "last", "report", check=0).stdout
    assert "'Hello, Ada!' is 11 characters long" in report


def test_init_current_directory(tmp_path):
    proc = subprocess.run([BATON, "init"], cwd=tmp_path, text=True,
                          capture_output=True)
    assert proc.returncode == 0, proc.stderr
    assert "  baton run hello" in proc.stdout
    assert (tmp_path / "pipelines" / "hello.yaml").exists()


def test_init_refuses_an_existing_project(baton, project):
    root = project({"two": TWO_STEPS})
    before = sorted(p.name for p in root.rglob("*"))
    proc = baton(root, "init", root, check=1)
    assert "pipelines already exists" in proc.stderr
    assert "nothing was changed" in proc.stderr
    assert sorted(p.name for p in root.rglob("*")) == before


def test_init_keeps_an_existing_gitignore(tmp_path):
    target = tmp_path / "proj"
    target.mkdir()
    (target / ".gitignore").write_text("*.pyc")
    run_baton(tmp_path, "init", target, check=0)
    assert (target / ".gitignore").read_text() == "*.pyc\n.baton/\n"


def test_init_rejects_options_and_extra_arguments(baton, tmp_path):
    proc = baton(tmp_path, "init", "--force", check=1)
    assert "unknown option '--force'" in proc.stderr
    proc = baton(tmp_path, "init", "a", "b", check=1)
    assert "one directory" in proc.stderr
    assert not (tmp_path / "a").exists()


# --- logs -----------------------------------------------------------------

def test_logs_help(baton, tmp_path):
    proc = baton(tmp_path, "logs", "--help", check=0)
    assert "usage: baton logs RUN [STEP]" in proc.stdout
    assert "--follow" in proc.stdout


def test_logs_all_steps_in_pipeline_order(baton, project):
    root = project({"fails": FAILING})
    baton(root, "run", "fails", "-q", check=2)
    out = baton(root, "logs", "last", check=0).stdout
    assert out == ("==> good (succeeded) <==\nfine\n\n"
                   "==> bad (failed) <==\nbroken\n")


def test_logs_one_step_by_run_id_and_prefix(baton, project):
    root = project({"two": TWO_STEPS})
    baton(root, "run", "two", "-q", check=0)
    run_id = history_json(root)[0]["id"]
    assert baton(root, "logs", run_id, "load-data",
                 check=0).stdout == "loading\n"
    prefix = run_id[:-3]
    assert baton(root, "logs", prefix, "extract",
                 check=0).stdout == "extracting\n"


def test_logs_step_that_printed_nothing(baton, project):
    root = project({"quiet": QUIET})
    baton(root, "run", "quiet", "-q", check=0)
    proc = baton(root, "logs", "last", "silent", check=0)
    assert proc.stdout == ""
    assert "(step silent printed nothing)" in proc.stderr


def test_logs_unknown_step_suggests(baton, project):
    root = project({"quiet": QUIET})
    baton(root, "run", "quiet", "-q", check=0)
    proc = baton(root, "logs", "last", "chaty", check=1)
    assert "has no step 'chaty' (did you mean 'chatty'?)" in proc.stderr
    proc = baton(root, "logs", "last", "zzzzzzzz", check=1)
    assert "its steps: silent, chatty" in proc.stderr


def test_logs_step_cannot_escape_the_run_directory(baton, project):
    root = project({"quiet": QUIET})
    baton(root, "run", "quiet", "-q", check=0)
    secret = root / "secret.txt"
    secret.write_text("do not show")
    proc = baton(root, "logs", "last", "../../../secret.txt", check=1)
    assert "do not show" not in proc.stdout
    assert "has no step" in proc.stderr
    # Even a store that points a log elsewhere is not followed.
    db = sqlite3.connect(root / ".baton" / "state.db")
    db.execute("UPDATE steps SET log_path = ? WHERE name = 'chatty'",
               (str(secret),))
    db.commit()
    db.close()
    proc = baton(root, "logs", "last", "chatty", check=4)
    assert "do not show" not in proc.stdout
    assert "refusing" in proc.stderr
    proc = baton(root, "logs", "last", check=0)
    assert "do not show" not in proc.stdout


def test_logs_unknown_run(baton, project):
    root = project({"quiet": QUIET})
    proc = baton(root, "logs", "last", check=1)
    assert "no runs yet" in proc.stderr
    assert not (root / ".baton").exists()
    baton(root, "run", "quiet", "-q", check=0)
    proc = baton(root, "logs", "run_nope", check=1)
    assert "no run matches 'run_nope'" in proc.stderr
    assert "baton history" in proc.stderr


def test_logs_usage_errors(baton, project):
    root = project({"quiet": QUIET})
    assert "which run?" in baton(root, "logs", check=1).stderr
    assert "too many" in baton(root, "logs", "a", "b", "c",
                               check=1).stderr


def test_logs_attempt_is_accepted_but_noted(baton, project):
    root = project({"quiet": QUIET})
    baton(root, "run", "quiet", "-q", check=0)
    proc = baton(root, "logs", "last", "chatty", "--attempt", "1", check=0)
    assert proc.stdout == "hello from chatty\n"
    assert "not supported yet" in proc.stderr


def wait_for_run(root, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if (root / ".baton" / "state.db").exists():
            runs = history_json(root)
            if runs and runs[0]["status"] == "running":
                return runs[0]["id"]
        time.sleep(0.05)
    raise AssertionError("the run did not start")


@pytest.mark.parametrize("step", [None, "tick"])
def test_logs_follow_until_the_run_ends(project, step):
    root = project({"slow": SLOW})
    env = dict(os.environ, BATON_PLAIN="1")
    env.pop("BATON_STATE", None)
    runner = subprocess.Popen([BATON, "--project", str(root), "run", "slow",
                               "-q"], env=env)
    try:
        run_id = wait_for_run(root)
        args = [run_id] + ([step] if step else []) + ["-f"]
        start = time.time()
        proc = run_baton(root, "logs", *args, timeout=30, check=0)
        assert time.time() - start > 0.4
        assert runner.wait(timeout=30) == 0
    finally:
        if runner.poll() is None:
            runner.kill()
    ticks = "tick 1\ntick 2\ntick 3\ntick 4\n"
    if step:
        assert proc.stdout == ticks
    else:
        assert proc.stdout.startswith("==> tick (")
        assert ticks in proc.stdout
        # tock's header shows its status when tock was reached.
        assert re.search(r"\n==> tock \(\w+\) <==\ntock\n$", proc.stdout)


def test_logs_follow_of_a_finished_run_returns(baton, project):
    root = project({"two": TWO_STEPS})
    baton(root, "run", "two", "-q", check=0)
    proc = baton(root, "logs", "last", "-f", timeout=10, check=0)
    assert "extracting" in proc.stdout and "loading" in proc.stdout


# --- history --------------------------------------------------------------

def test_history_help(baton, tmp_path):
    proc = baton(tmp_path, "history", "--help", check=0)
    assert "usage: baton history" in proc.stdout
    assert "--limit" in proc.stdout


def test_history_empty(baton, project):
    root = project({"two": TWO_STEPS})
    assert "No runs yet" in baton(root, "history", check=0).stdout
    assert json.loads(baton(root, "history", "--json", check=0).stdout) == []
    assert not (root / ".baton").exists()


def test_history_table_newest_first(baton, project):
    root = project({"two": TWO_STEPS, "fails": FAILING})
    baton(root, "run", "two", "-q", check=0)
    baton(root, "run", "fails", "-q", check=2)
    lines = baton(root, "history", check=0).stdout.splitlines()
    assert lines[0].split() == ["ID", "PIPELINE", "STATUS", "STARTED",
                                "DURATION", "STEPS"]
    first, second = lines[1].split(), lines[2].split()
    assert first[1:3] == ["fails", "failed"] and first[-1] == "1/2"
    assert second[1:3] == ["two", "succeeded"] and second[-1] == "2/2"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", first[3])
    assert first[0].startswith("run_")


def test_history_json_limit_and_filter(baton, project):
    root = project({"two": TWO_STEPS, "fails": FAILING})
    for _ in range(2):
        baton(root, "run", "two", "-q", check=0)
    baton(root, "run", "fails", "-q", check=2)
    runs = history_json(root)
    assert [r["pipeline"] for r in runs] == ["fails", "two", "two"]
    top = runs[0]
    assert top["status"] == "failed"
    assert top["steps_ok"] == 1 and top["steps_total"] == 2
    rfc3339 = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"
    assert re.fullmatch(rfc3339, top["started_at"])
    assert re.fullmatch(rfc3339, top["finished_at"])
    assert top["duration_ms"] >= 0
    assert len(history_json(root, "--limit", "1")) == 1
    assert len(history_json(root, "-n", "0")) == 3
    assert {r["pipeline"] for r in history_json(root, "two")} == {"two"}
    # A display name works as well as an id.
    assert len(history_json(root, "Two steps")) == 2


def test_history_errors(baton, project):
    root = project({"two": TWO_STEPS})
    proc = baton(root, "history", "tow", check=1)
    assert "did you mean 'two'?" in proc.stderr
    proc = baton(root, "history", "--limit", "many", check=1)
    assert "--limit needs a number" in proc.stderr


# --- prune ----------------------------------------------------------------

def test_prune_help(baton, tmp_path):
    proc = baton(tmp_path, "prune", "--help", check=0)
    assert "usage: baton prune" in proc.stdout
    assert "--dry-run" in proc.stdout


def test_prune_needs_limits(baton, project):
    root = project({"two": TWO_STEPS})
    proc = baton(root, "prune", check=1)
    assert "retention" in proc.stderr and "--days" in proc.stderr


def test_prune_without_history(baton, project):
    root = project({"two": TWO_STEPS})
    proc = baton(root, "prune", "--runs", "1", check=0)
    assert "Nothing to prune" in proc.stdout
    assert not (root / ".baton").exists()


def test_prune_runs_dry_run_then_for_real(baton, project):
    root = project({"two": TWO_STEPS})
    for _ in range(3):
        baton(root, "run", "two", "-q", check=0)
    ids = [r["id"] for r in history_json(root)]
    assert len(list(runs_dir(root).iterdir())) == 3

    proc = baton(root, "prune", "--runs", "1", "--dry-run", check=0)
    assert "Would remove 2 runs" in proc.stdout
    assert ids[1] in proc.stdout and ids[2] in proc.stdout
    assert ids[0] not in proc.stdout
    assert len(history_json(root)) == 3
    assert len(list(runs_dir(root).iterdir())) == 3

    proc = baton(root, "prune", "--runs", "1", check=0)
    assert "Removed 2 runs" in proc.stdout
    assert re.search(r"Database .*state\.db: [\d.]+ \w*B before, "
                     r"[\d.]+ \w*B after", proc.stdout)
    assert [r["id"] for r in history_json(root)] == ids[:1]
    assert [p.name for p in runs_dir(root).iterdir()] == ids[:1]


def test_prune_by_days_from_baton_yaml(baton, project):
    root = project({"two": TWO_STEPS},
                   baton_yaml="retention:\n  days: 7\n")
    baton(root, "run", "two", "-q", check=0)
    baton(root, "run", "two", "-q", check=0)
    old, new = history_json(root)[1]["id"], history_json(root)[0]["id"]
    db = sqlite3.connect(root / ".baton" / "state.db")
    ten_days_ms = 10 * 86400 * 1000
    db.execute("UPDATE runs SET created_at = created_at - ?, "
               "started_at = started_at - ?, finished_at = finished_at - ? "
               "WHERE id = ?", (ten_days_ms,) * 3 + (old,))
    db.commit()
    db.close()
    proc = baton(root, "prune", check=0)
    assert "Removed 1 run (older than 7 days)" in proc.stdout
    assert [r["id"] for r in history_json(root)] == [new]
    # --days 0 turns the age limit off; nothing else is left to do.
    proc = baton(root, "prune", "--days", "0", check=1)
    assert "no limits" in proc.stderr


def test_prune_usage_errors(baton, project):
    root = project({"two": TWO_STEPS})
    proc = baton(root, "prune", "--runs", "-3", check=1)
    assert "--runs needs a whole number" in proc.stderr
    proc = baton(root, "prune", "two", "--runs", "1", check=1)
    assert "unexpected argument 'two'" in proc.stderr
