"""Browser tests of the web UI: `baton serve` on a free loopback port in a
temporary project, driven by Playwright (npm playwright-core) in Debian's
headless chromium through tests/ui/run_ui_tests.mjs.

scripts/test installs chromium and tests/ui/node_modules first (see
scripts/deps.sh).  When either is missing these tests FAIL with a message
saying what to install: they never skip.  Screenshots land in
tests/artifacts/ui/.
"""
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import BATON, ROOT, make_project

UI_DIR = ROOT / "tests" / "ui"
ARTIFACTS = ROOT / "tests" / "artifacts" / "ui"
CHROMIUM = os.environ.get("BATON_CHROMIUM", "/usr/bin/chromium")

PIPELINES = {
    "watch": """\
        name: Watch me
        description: A pipeline with a slow step, to watch it live
        params:
          greeting: {default: hello, description: "what prepare says"}
        steps:
          - name: prepare
            description: Says hello
            run: echo "{{ params.greeting }} from prepare"
          - name: slow
            description: Takes a few seconds, printing as it goes
            run: for i in 1 2 3 4 5 6; do echo "tick $i"; sleep 0.7; done
            depends_on: [prepare]
          - name: finish
            description: Wraps up
            run: echo finished
            depends_on: [slow]
    """,
    "nightly": """\
        name: Nightly
        description: Fires by itself every night
        schedule: {cron: "0 3 * * *", timezone: Europe/Paris}
        priority: high
        steps:
          - name: report
            run: echo nightly
    """,
    "sleepy": """\
        name: Sleepy
        description: One long step, to be stopped
        steps:
          - name: nap
            description: Sleeps for a minute
            run: echo napping; sleep 60
    """,
}

USERS = """\
version: "1.0"
users:
  - id: acme
    name: "Acme Corp"
    platform: facebook
    tags: [big]
    credentials:
      access_token: "s3cr3t-value"
    pipelines:
      - name: watch
        enabled: true
  - id: globex
    name: "Globex"
    platform: google
    enabled: false
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def need_browser_tools():
    """Fails (never skips) when the browser tools are missing."""
    missing = []
    if not shutil.which("node"):
        missing.append("node (Debian package nodejs)")
    if not Path(CHROMIUM).exists():
        missing.append(f"chromium at {CHROMIUM} (Debian package chromium)")
    if not (UI_DIR / "node_modules" / "playwright-core").is_dir():
        missing.append("playwright-core (npm ci --prefix tests/ui)")
    if missing:
        pytest.fail("the browser tests need: " + ", ".join(missing) +
                    "; scripts/test installs them through scripts/deps.sh "
                    "(baton_install_ui_deps)", pytrace=False)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    need_browser_tools()
    root = make_project(tmp_path_factory.mktemp("ui"), PIPELINES)
    (root / "users.yaml").write_text(USERS)
    port = free_port()
    log = open(root / "serve.log", "w")
    env = dict(os.environ, BATON_PLAIN="1")
    env.pop("BATON_STATE", None)
    env.pop("BATON_TOKENS", None)
    proc = subprocess.Popen(
        [BATON, "--project", str(root), "serve", "--listen",
         f"127.0.0.1:{port}"],
        stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 20
    while True:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=1):
                break
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                log.close()
                pytest.fail("baton serve did not start:\n" +
                            (root / "serve.log").read_text(), pytrace=False)
            time.sleep(0.1)
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    log.close()


def browse(base, scenario):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        ["node", str(UI_DIR / "run_ui_tests.mjs"), "--base", base,
         "--artifacts", str(ARTIFACTS), "--chromium", CHROMIUM,
         "--scenario", scenario],
        capture_output=True, text=True, timeout=180, cwd=UI_DIR)
    assert proc.returncode == 0, (
        f"browser scenario {scenario} failed (screenshot in {ARTIFACTS}):\n"
        f"{proc.stdout}\n{proc.stderr}")
    assert f"ok {scenario}" in proc.stdout


def test_ui_start_run_watch_it_live_and_read_the_log(server):
    browse(server, "run_live")


def test_ui_stop_a_run(server):
    browse(server, "stop_run")


def test_ui_toggle_tested_flag(server):
    browse(server, "toggle_tested")


def test_ui_run_one_step(server):
    browse(server, "run_step")


def test_ui_pages_tenants_errors(server):
    browse(server, "pages")


def test_ui_schedules_page(server):
    """The Schedules page lists the scheduled pipeline with its next fire
    times."""
    browse(server, "schedules")


def test_ui_assets_served_by_the_binary(server):
    """index.html, the modules and the CSS come from the binary itself and
    reference nothing outside it."""
    for path, mime in [("/", "text/html"), ("/app.js", "javascript"),
                       ("/pages/run.js", "javascript"),
                       ("/style.css", "text/css")]:
        with urllib.request.urlopen(server + path, timeout=5) as r:
            body = r.read().decode()
            assert mime in r.headers["Content-Type"], (path, r.headers)
        assert "http://" not in body and "https://" not in body, path
