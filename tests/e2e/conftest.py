"""Shared helpers for the end-to-end tests: they drive the real binary."""
import json
import os
import sqlite3
import subprocess
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BATON = os.environ.get("BATON_BIN", str(ROOT / "build" / "baton"))


def make_project(root, pipelines, baton_yaml=None, scripts=None):
    """Creates ROOT/pipelines/NAME.yaml for each {name: yaml text}.

    scripts maps "pipeline/script.sh" to file contents (made executable
    when they start with #!)."""
    root = Path(root)
    (root / "pipelines").mkdir(parents=True, exist_ok=True)
    for name, text in pipelines.items():
        if not name.endswith((".yaml", ".yml")):
            name += ".yaml"
        (root / "pipelines" / name).write_text(textwrap.dedent(text))
    if baton_yaml is not None:
        (root / "baton.yaml").write_text(textwrap.dedent(baton_yaml))
    for rel, text in (scripts or {}).items():
        path = root / "pipelines" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
        if text.lstrip().startswith("#!"):
            path.chmod(0o755)
    return root


def run_baton(project, *args, timeout=120, env=None, check=None, **kw):
    """Runs baton with --project and returns the CompletedProcess."""
    full_env = dict(os.environ)
    full_env["BATON_PLAIN"] = "1"
    full_env.pop("BATON_STATE", None)
    full_env.update(env or {})
    cmd = [BATON, "--project", str(project), *map(str, args)]
    proc = subprocess.run(cmd, capture_output=True, text=True,
                          timeout=timeout, env=full_env, **kw)
    if check is not None and proc.returncode != check:
        raise AssertionError(
            f"{cmd} exited {proc.returncode}, expected {check}\n"
            f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
    return proc


def state_db(project):
    """Opens the project's SQLite state read-only."""
    path = Path(project) / ".baton" / "state.db"
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    return db


def last_run_json(project):
    """`baton status last --json` parsed."""
    proc = run_baton(project, "status", "last", "--json", check=0)
    return json.loads(proc.stdout)


@pytest.fixture
def project(tmp_path):
    """A factory: project(pipelines={...}, baton_yaml=..., scripts=...)."""
    def factory(pipelines, baton_yaml=None, scripts=None):
        return make_project(tmp_path, pipelines, baton_yaml, scripts)
    return factory


@pytest.fixture
def baton():
    return run_baton
