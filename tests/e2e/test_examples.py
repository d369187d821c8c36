"""The example projects in examples/ run, offline and repeatably.

Each test copies an example to tmp_path (without its .baton/ history or
generated data) and drives the real binary there, so the checked-in
examples are never written to.
"""
import csv
import json
import re
import shutil
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from conftest import ROOT, run_baton

EXAMPLES = ROOT / "examples"
PLATFORMS = ["microsoft", "google", "linkedin", "facebook"]
# social_ads' own steps besides the four platforms: the mock APIs' start
# and its on_exit handler that stops them.
MOCK_STEPS = ["mocks", "stop_mocks"]
GENERATED = shutil.ignore_patterns(".baton", "data", "data_cache",
                                   "database", "output", "__pycache__")

# fact_user_products exactly as seed 004 specifies it.
SEED_USER_PRODUCTS_SQL = """
CREATE TABLE fact_user_products (
    user_product_id INTEGER PRIMARY KEY AUTOINCREMENT,
    distinct_id TEXT NOT NULL REFERENCES fact_mixpanel_user(distinct_id),
    product_id TEXT NOT NULL,
    valid_lifecycle BOOLEAN DEFAULT FALSE,
    UNIQUE (distinct_id, product_id)
)"""


def copy_example(name, dest):
    return Path(shutil.copytree(EXAMPLES / name, dest / name,
                                ignore=GENERATED))


@pytest.fixture
def social(tmp_path):
    return copy_example("social-ads", tmp_path)


@pytest.fixture
def file_first(tmp_path):
    return copy_example("file-first", tmp_path)


def summary(stdout):
    """The Execution Summary block as {label: value}."""
    out = {}
    for label, value in re.findall(r"^([A-Z][A-Za-z ]+):\s+(\S+)",
                                   stdout, re.M):
        out[label] = value
    return out


def total_rows(stdout):
    return int(summary(stdout)["Total Rows"].replace(",", ""))


def warehouse_rows(project, platform=None, date=None):
    db = sqlite3.connect(project / "data" / "warehouse.db")
    try:
        sql, args = "SELECT COUNT(*) FROM ad_stats WHERE 1", []
        if platform:
            sql, args = sql + " AND platform = ?", args + [platform]
        if date:
            sql, args = sql + " AND date = ?", args + [date]
        return db.execute(sql, args).fetchone()[0]
    finally:
        db.close()


def warehouse_content(project):
    db = sqlite3.connect(project / "data" / "warehouse.db")
    try:
        return db.execute(
            "SELECT platform, campaign_id, date, impressions, clicks, spend "
            "FROM ad_stats ORDER BY platform, campaign_id, date").fetchall()
    finally:
        db.close()


# --- social-ads ---------------------------------------------------------

def test_social_ads_validates():
    run_baton(EXAMPLES / "social-ads", "validate", check=0)


def test_social_ads_loads_the_warehouse_and_reruns_without_duplicates(social):
    first = run_baton(social, "run", "social_ads", check=0)
    s = summary(first.stdout)
    assert s["Total Steps"] == "6"
    assert s["Completed"] == "6"
    assert s["Failed"] == "0"
    rows = total_rows(first.stdout)
    assert rows > 0
    assert warehouse_rows(social) == rows
    for platform in PLATFORMS:
        assert warehouse_rows(social, platform, "2026-01-22") > 0
    content = warehouse_content(social)

    again = run_baton(social, "run", "social_ads", check=0)
    assert summary(again.stdout)["Completed"] == "6"
    assert total_rows(again.stdout) == rows
    assert warehouse_rows(social) == rows
    assert warehouse_content(social) == content


def test_social_ads_is_deterministic(tmp_path):
    a = copy_example("social-ads", tmp_path / "a")
    b = copy_example("social-ads", tmp_path / "b")
    run_baton(a, "run", "social_ads", check=0)
    run_baton(b, "run", "social_ads", check=0)
    assert warehouse_content(a) == warehouse_content(b)


def test_social_ads_passes_the_date_down(social):
    proc = run_baton(social, "run", "social_ads", "-p", "date=2026-01-21",
                     check=0)
    rows = total_rows(proc.stdout)
    assert warehouse_rows(social, date="2026-01-21") == rows
    assert warehouse_rows(social) == rows


@pytest.mark.parametrize("platform", PLATFORMS)
def test_platform_pipeline_runs_alone(social, platform):
    proc = run_baton(social, "run", f"{platform}_ads", check=0)
    s = summary(proc.stdout)
    # connect, extract (skipped: no tenant), extract_demo, disconnect,
    # transform, load
    assert s["Total Steps"] == "6"
    assert s["Completed"] == "5"
    assert s["Skipped"] == "1"
    rows = total_rows(proc.stdout)
    assert rows > 0
    assert warehouse_rows(social, platform) == rows
    assert warehouse_rows(social) == rows
    for kind in ("raw", "normalized"):
        assert (social / "data" / kind / platform / "2026-01-22.json").exists()

    run_baton(social, "run", f"{platform}_ads", check=0)
    assert warehouse_rows(social) == rows


def test_social_ads_reports(social):
    run_baton(social, "run", "social_ads", "--report", social / "r.json",
              "--format", "json", check=0)
    report = json.loads((social / "r.json").read_text())
    rows = warehouse_rows(social)
    assert report["summary"]["total_steps"] == 6
    assert report["summary"]["completed"] == 6
    assert report["summary"]["total_rows_processed"] == rows
    assert report["summary"]["metrics"]["tables_processed"] == 4
    by_step = {s["name"]: s for s in report["steps"]}
    assert sorted(by_step) == sorted(PLATFORMS + MOCK_STEPS)
    for platform in PLATFORMS:
        assert by_step[platform]["status"] == "succeeded"
        assert (by_step[platform]["rows_processed"] ==
                warehouse_rows(social, platform))

    run_baton(social, "run", "social_ads", "--report", social / "r.csv",
              "--format", "csv", check=0)
    with open(social / "r.csv", newline="") as f:
        lines = list(csv.DictReader(f))
    assert (sorted(line["step_name"] for line in lines) ==
            sorted(PLATFORMS + MOCK_STEPS))
    assert sum(int(line["rows_processed"]) for line in lines) == rows


def test_social_ads_step_and_from(social):
    run_baton(social, "run", "social_ads", check=0)
    rows = warehouse_rows(social)

    one = run_baton(social, "run", "social_ads", "--step", "linkedin",
                    check=0)
    assert total_rows(one.stdout) == warehouse_rows(social, "linkedin")

    # google_ads' last run was the orchestrator's child run: --step load
    # reuses its transform output.
    again = run_baton(social, "run", "google_ads", "--step", "load", check=0)
    assert summary(again.stdout)["Failed"] == "0"
    assert "reused)" in again.stdout
    assert "step extract_demo started" not in again.stdout
    assert total_rows(again.stdout) == warehouse_rows(social, "google")
    assert warehouse_rows(social) == rows

    # --from google reuses the mocks step's output from the first run: a
    # URL of a mock that is gone, so google's and facebook's connect
    # steps each start a fresh one.
    later = run_baton(social, "run", "social_ads", "--from", "google",
                      check=0)
    assert "step microsoft started" not in later.stdout
    assert "step facebook succeeded" in later.stdout
    assert warehouse_rows(social) == rows


def test_extract_retries_a_transient_failure(social):
    """The mock throttles the first request (SOCIAL_ADS_FLAKY): Microsoft's
    extract.py exits 75 for its CallRateExceeded, Google's http: step gets
    a 429 RESOURCE_EXHAUSTED; both are retried and succeed."""
    proc = run_baton(social, "run", "microsoft_ads",
                     "--report", social / "r.json",
                     env={"SOCIAL_ADS_FLAKY": "microsoft"}, check=0)
    assert re.search(r"exited with code 75(: [^\n]*)?CallRateExceeded"
                     r"[^\n]*; retrying", proc.stdout)
    steps = {s["name"]: s for s in
             json.loads((social / "r.json").read_text())["steps"]}
    assert steps["extract_demo"]["attempts"] == 2
    assert steps["load"]["status"] == "succeeded"

    proc = run_baton(social, "run", "google_ads",
                     "--report", social / "r.json",
                     env={"SOCIAL_ADS_FLAKY": "google"}, check=0)
    assert re.search(r"HTTP 429: [^\n]*Resource has been exhausted[^\n]*; "
                     r"retrying", proc.stdout)
    steps = {s["name"]: s for s in
             json.loads((social / "r.json").read_text())["steps"]}
    assert steps["extract_demo"]["attempts"] == 2


def test_base_url_switches_extract_to_an_api(social):
    """LINKEDIN_API_URL set: extract GETs adAnalytics from that server
    instead of a mock, and a 503 is retried like any transient error."""
    response = {"paging": {"start": 0, "count": 2}, "elements": [
        {"pivotValues": ["urn:li:sponsoredCampaign:7"],
         "dateRange": {"start": {"year": 2026, "month": 1, "day": 22},
                       "end": {"year": 2026, "month": 1, "day": 22}},
         "impressions": 100, "clicks": 5, "costInLocalCurrency": "1.50"},
        {"pivotValues": ["urn:li:sponsoredCampaign:8"],
         "dateRange": {"start": {"year": 2026, "month": 1, "day": 22},
                       "end": {"year": 2026, "month": 1, "day": 22}},
         "impressions": 900, "clicks": 9, "costInLocalCurrency": "4.25"}]}
    hits = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append((self.path, dict(self.headers)))
            if len(hits) == 1:
                self.send_error(503)
                return
            body = json.dumps(response).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/li"
        proc = run_baton(social, "run", "linkedin_ads",
                         env={"LINKEDIN_API_URL": url}, check=0)
    finally:
        server.shutdown()
        server.server_close()
    assert len(hits) == 2
    path, headers = hits[1]
    assert path.startswith("/li/rest/adAnalytics?q=analytics&pivot=CAMPAIGN")
    assert ("dateRange=(start:(year:2026,month:1,day:22),"
            "end:(year:2026,month:1,day:22))") in path
    assert "accounts=List(urn%3Ali%3AsponsoredAccount%3A" in path
    assert headers["Authorization"].startswith("Bearer ")
    assert headers["X-Restli-Protocol-Version"] == "2.0.0"
    assert "LinkedIn-Version" in headers
    assert re.search(r"HTTP 503[^\n]*; retrying", proc.stdout)
    assert "started mocks.py" not in run_baton(
        social, "logs", "last", "connect").stdout
    assert total_rows(proc.stdout) == 2
    assert warehouse_content(social) == [
        ("linkedin", "7", "2026-01-22", 100, 5, 1.5),
        ("linkedin", "8", "2026-01-22", 900, 9, 4.25)]


def test_bad_date_fails_without_retrying(social):
    proc = run_baton(social, "run", "microsoft_ads", "-p", "date=nope",
                     check=3)
    assert "retrying" not in proc.stdout


# --- file-first (seed 004) ----------------------------------------------

def test_file_first_validates():
    run_baton(EXAMPLES / "file-first", "validate", check=0)


def test_my_pipeline_is_the_seed_file():
    seed = (EXAMPLES / "file-first" / "pipelines" / "my_pipeline.yaml")
    text = seed.read_text()
    assert text.startswith('# my_pipeline.yaml\nname: "My Pipeline"\n')
    assert '    script: "process.py" \n' in text


def test_my_pipeline_runs(file_first):
    for _ in range(2):
        proc = run_baton(file_first, "run", "my_pipeline", check=0)
        assert summary(proc.stdout)["Completed"] == "3"
    assert "total revenue 193.82" in (file_first / "output" /
                                      "report.txt").read_text()
    run_baton(file_first, "run", "My Pipeline", check=0)


def test_my_pipeline_step_setup(file_first):
    proc = run_baton(file_first, "run", "my_pipeline", "--step", "setup",
                     check=0)
    s = summary(proc.stdout)
    assert s["Total Steps"] == "1"
    assert s["Completed"] == "1"
    assert "step setup succeeded" in proc.stdout
    assert "process_data" not in proc.stdout
    assert (file_first / "output").is_dir()
    assert not (file_first / "output" / "processed.json").exists()


def test_example_pipeline_runs(file_first):
    for _ in range(2):
        proc = run_baton(file_first, "run", "example_pipeline", check=0)
        assert summary(proc.stdout)["Completed"] == "4"
    report = (file_first / "data" / "example_pipeline" / "report.md")
    assert "| station |" in report.read_text()
    run_baton(file_first, "run", "Data Processing Pipeline", check=0)


def mixpanel_state(project):
    db = sqlite3.connect(project / "database" / "mixpanel_data.db")
    try:
        return {
            "events": db.execute(
                "SELECT COUNT(*) FROM fact_mixpanel_event").fetchone()[0],
            "users": db.execute(
                "SELECT distinct_id, valid_user, has_abi_attribution, "
                "economic_tier FROM fact_mixpanel_user "
                "ORDER BY distinct_id").fetchall(),
            "products": db.execute(
                "SELECT distinct_id, product_id, valid_lifecycle "
                "FROM fact_user_products "
                "ORDER BY distinct_id, product_id").fetchall(),
            "user_columns": [r[1] for r in db.execute(
                "PRAGMA table_info(fact_mixpanel_user)")],
            "products_sql": db.execute(
                "SELECT sql FROM sqlite_master "
                "WHERE name = 'fact_user_products'").fetchone()[0],
        }
    finally:
        db.close()


def test_mixpanel_pipeline_runs_and_reruns(file_first):
    proc = run_baton(file_first, "run", "mixpanel_pipeline",
                     "--report", file_first / "r.json", check=0)
    assert summary(proc.stdout)["Completed"] == "6"
    state = mixpanel_state(file_first)
    assert len(list((file_first / "data_cache" / "mixpanel")
                    .glob("*.jsonl"))) == 90
    assert state["events"] > 0
    assert total_rows(proc.stdout) == state["events"]
    assert {"valid_user", "economic_tier"} <= set(state["user_columns"])
    assert (" ".join(state["products_sql"].split()) ==
            " ".join(SEED_USER_PRODUCTS_SQL.split()))
    valid = [u for u in state["users"] if u[1]]
    invalid = [u for u in state["users"] if not u[1]]
    assert valid and invalid
    assert not any(u[0].startswith("test_") for u in valid)
    assert {u[3] for u in valid} <= {"premium", "standard", "basic", "free"}
    assert all(u[3] is None for u in invalid)
    assert any(u[2] for u in state["users"])
    assert state["products"]
    report = json.loads((file_first / "r.json").read_text())
    assert report["summary"]["total_rows_processed"] == state["events"]

    again = run_baton(file_first, "run", "mixpanel_pipeline", check=0)
    assert summary(again.stdout)["Completed"] == "6"
    assert mixpanel_state(file_first) == state


def test_mixpanel_steps_run_alone(file_first):
    run_baton(file_first, "run", "mixpanel_pipeline", check=0)
    state = mixpanel_state(file_first)
    for step in ["download_update_data", "check_broken_users",
                 "count_user_events", "assign_economic_tier"]:
        proc = run_baton(file_first, "run", "mixpanel_pipeline",
                         "--step", step, check=0)
        assert summary(proc.stdout)["Failed"] == "0"
    assert mixpanel_state(file_first) == state
