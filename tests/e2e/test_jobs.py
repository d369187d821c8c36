"""Batch jobs (seed 002): the jobs file, categories, filters, job types,
retries, user validation, result distribution and the webhook.

Seed 002's batch_config.json ("Batch Config Example with Multiple Jobs")
is used exactly as the seed writes it.
"""
import http.server
import json
import re
import socket
import threading

import pytest

from conftest import run_baton, state_db

# Seed 002's complete batch_config.json, verbatim.
SEED_CONFIG = """{
  "batch_processing_jobs": [
    {
      "id": "bat_scheduled_job_20230415123045_a1b2c3d4",
      "name": "Instagram Post Generation",
      "description": "Generate Instagram post ideas for users with at least 1000 followers",
      "type": "individual",
      "priority": "medium",
      "category": "users",
      "template_id": "tpl_api_20230414153012_f7g8h9j0",
      "schedule": {
        "frequency": "weekly",
        "days": ["Monday"],
        "at": "01:00"
      },
      "filters": {
        "min_followers": 1000,
        "has_profile_pic": true
      },
      "limit": 500,
      "retry_limit": 3,
      "distribute_results": true,
      "distribution": {
        "users": ["admin_1", "content_manager_1"]
      },
      "purpose_id": "content_generation"
    },
    {
      "id": "bat_scheduled_job_20230416091530_b2c3d4e5",
      "name": "Etsy Product Analysis",
      "description": "Analyze trending Etsy products with high engagement",
      "type": "object",
      "priority": "high",
      "category": "etsy_products",
      "template_id": "tpl_api_20230414160045_g7h8i9j0",
      "schedule": {
        "frequency": "weekly",
        "days": ["Wednesday"],
        "at": "02:00"
      },
      "filters": {
        "min_likes": 1000,
        "min_engagement": 4.5
      },
      "retry_limit": 2,
      "distribute_results": false,
      "purpose_id": "market_research"
    },
    {
      "id": "bat_scheduled_job_20230417103000_c3d4e5f6",
      "name": "Cross-Analysis of Audience and Niche",
      "description": "Analyze correlations between audience preferences and niche topics",
      "type": "combined",
      "priority": "high",
      "categories": ["audience", "niche"],
      "template_id": "tpl_api_20230415143022_h8i9j0k1",
      "schedule": {
        "frequency": "monthly",
        "day_of_month": 15,
        "at": "05:00"
      },
      "filters": {
        "audience": {
          "min_size": 1000,
          "active_last_days": 30
        },
        "niche": {
          "min_engagement": 5.0,
          "min_posts": 100
        }
      },
      "retry_limit": 1,
      "distribute_results": true,
      "distribution": {
        "users": ["marketing_manager", "strategy_director"]
      },
      "purpose_id": "marketing_strategy"
    }
  ]
}
"""

JOB_A = "bat_scheduled_job_20230415123045_a1b2c3d4"   # individual, users
JOB_B = "bat_scheduled_job_20230416091530_b2c3d4e5"   # object, etsy
JOB_C = "bat_scheduled_job_20230417103000_c3d4e5f6"   # combined
TPL_A = "tpl_api_20230414153012_f7g8h9j0"
TPL_B = "tpl_api_20230414160045_g7h8i9j0"
TPL_C = "tpl_api_20230415143022_h8i9j0k1"

# The same jobs in YAML.
YAML_CONFIG = f"""
jobs:
  - id: {JOB_A}
    name: Instagram Post Generation
    description: Generate Instagram post ideas for users with at least 1000 followers
    type: individual
    priority: medium
    category: users
    template_id: {TPL_A}
    schedule: {{frequency: weekly, days: [Monday], at: "01:00"}}
    filters: {{min_followers: 1000, has_profile_pic: true}}
    limit: 500
    retry_limit: 3
    distribute_results: true
    distribution: {{users: [admin_1, content_manager_1]}}
    purpose_id: content_generation
  - id: {JOB_B}
    name: Etsy Product Analysis
    description: Analyze trending Etsy products with high engagement
    type: object
    priority: high
    category: etsy_products
    template_id: {TPL_B}
    schedule: {{frequency: weekly, days: [Wednesday], at: "02:00"}}
    filters: {{min_likes: 1000, min_engagement: 4.5}}
    retry_limit: 2
    distribute_results: false
    purpose_id: market_research
  - id: {JOB_C}
    name: Cross-Analysis of Audience and Niche
    description: Analyze correlations between audience preferences and niche topics
    type: combined
    priority: high
    categories: [audience, niche]
    template_id: {TPL_C}
    schedule: {{frequency: monthly, day_of_month: 15, at: "05:00"}}
    filters:
      audience: {{min_size: 1000, active_last_days: 30}}
      niche: {{min_engagement: 5.0, min_posts: 100}}
    retry_limit: 1
    distribute_results: true
    distribution: {{users: [marketing_manager, strategy_director]}}
    purpose_id: marketing_strategy
"""

USERS = """\
version: "1.0"
users:
  - id: user-001
    name: Health Page
    platform: instagram
    followers: 5000
    has_profile_pic: true
    tags: [fitness]
    credentials: {access_token: "CANARY-TOKEN-1"}
  - id: user-002
    name: Finance Page
    platform: instagram
    followers: 200
    has_profile_pic: true
    credentials: {access_token: "CANARY-TOKEN-2"}
  - id: user-003
    name: Travel Page
    platform: instagram
    followers: 3000
    has_profile_pic: false
    credentials: {access_token: "CANARY-TOKEN-3"}
  - id: user-004
    name: Food Page
    platform: instagram
    followers: 8000
    has_profile_pic: true
    tags: [food]
    credentials: {access_token: "CANARY-TOKEN-4"}
  - id: user-005
    name: Retired Page
    enabled: false
    followers: 9000
    has_profile_pic: true
"""

ETSY = [
    {"id": "p1", "likes": 5000, "engagement": 5.1, "user_id": "user-001"},
    {"id": "p2", "likes": 200, "engagement": 6.0},
    {"id": "p3", "likes": 3000, "engagement": 4.6},
    {"id": "p4", "likes": 9000, "engagement": 4.0},
]

# Recent enough for active_last_days: 30 whatever the date: the command
# source below prints "now"; the CSV has one stale row.
AUDIENCE_CSV = """\
id,size,last_active_at,member_ids
a1,5000,{recent},user-001;user-002
a2,100,{recent},
a3,2000,2001-01-01,user-003
"""

NICHE_CMD = ("printf '%s\\n' '{\"id\":\"n1\",\"engagement\":7.5,\"posts\":150}' "
             "'{\"id\":\"n2\",\"engagement\":2,\"posts\":500}' "
             "'{\"id\":\"n3\",\"engagement\":5.0,\"posts\":100}'")

BATON_YAML = f"""\
sources:
  etsy_products: {{file: data/etsy.json}}
  audience: {{file: data/audience.csv}}
  niche:
    command: {json.dumps(NICHE_CMD)}
"""

# Every template keeps the input it was given, named after its run.
KEEP_INPUT = """\
steps:
  - name: keep
    run: mkdir -p inputs && cp "$BATON_JOB_INPUT" "inputs/$BATON_RUN_ID.json"
"""
# The individual job's template also templates the item into a command.
KEEP_AND_SHOW = KEEP_INPUT + """\
  - name: show
    run: echo "working on {{ input.id }}"
    depends_on: [keep]
"""


def today():
    import datetime
    return datetime.datetime.now(datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def make(project, config=SEED_CONFIG, name="batch_config.json",
         users=USERS, extra_pipelines=None, baton_yaml=BATON_YAML):
    pipelines = {TPL_A: KEEP_AND_SHOW, TPL_B: KEEP_INPUT, TPL_C: KEEP_INPUT}
    pipelines.update(extra_pipelines or {})
    root = project(pipelines, baton_yaml=baton_yaml)
    if config is not None:
        (root / name).write_text(config)
    if users is not None:
        (root / "users.yaml").write_text(users)
    (root / "data").mkdir(exist_ok=True)
    (root / "data" / "etsy.json").write_text(json.dumps(ETSY))
    (root / "data" / "audience.csv").write_text(
        AUDIENCE_CSV.format(recent=today()))
    return root


def job(root, *args, check=None, env=None):
    """`baton job ARGS` from inside the project, as a user types it."""
    return run_baton(".", "job", *args, check=check, env=env, cwd=root)


def inputs(root):
    """{run id: input} of the runs made so far."""
    d = root / "inputs"
    if not d.exists():
        return {}
    return {p.stem: json.loads(p.read_text()) for p in d.iterdir()}


def batches(root):
    db = state_db(root)
    rows = db.execute("select * from batches order by created_at, rowid")
    return [dict(r) for r in rows.fetchall()]


def test_seed_config_loads_as_is(project):
    root = make(project)
    r = job(root, "list", check=0)
    assert r.stderr == ""
    for jid in (JOB_A, JOB_B, JOB_C):
        assert jid in r.stdout
    assert "weekly Monday at 01:00" in r.stdout
    assert "monthly on day 15 at 05:00" in r.stdout
    assert "3 jobs in batch_config.json" in r.stdout
    assert "with problems" not in r.stdout
    rows = json.loads(job(root, "list", "--json", check=0).stdout)
    assert [x["id"] for x in rows] == [JOB_A, JOB_B, JOB_C]
    assert [x["type"] for x in rows] == ["individual", "object", "combined"]
    assert [x["priority"] for x in rows] == ["medium", "high", "high"]
    assert all(x["valid"] for x in rows), rows
    r = job(root, "validate", check=0)
    assert "batch_config.json: 3 jobs OK" in r.stdout


def test_every_documented_field_is_kept(project):
    root = make(project)
    a = json.loads(job(root, "show", JOB_A, "--json", check=0).stdout)
    assert a["name"] == "Instagram Post Generation"
    assert a["description"].startswith("Generate Instagram post ideas")
    assert a["category"] == "users" and a["template_id"] == TPL_A
    assert a["schedule"] == {"frequency": "weekly", "days": ["Monday"],
                             "at": "01:00"}
    assert a["filters"] == {"min_followers": 1000, "has_profile_pic": True}
    assert a["limit"] == 500 and a["retry_limit"] == 3
    assert a["distribute_results"] is True
    assert a["distribution"] == {"users": ["admin_1", "content_manager_1"]}
    assert a["purpose_id"] == "content_generation"
    assert a["preference_based"] is False and a["feature_type"] is None
    # users.yaml: user-001 and user-004 have >= 1000 followers and a
    # picture; user-005 is disabled.
    assert a["selection"]["total_items"] == 4
    assert a["selection"]["selected"] == 2 and a["runs"] == 2
    b = json.loads(job(root, "show", JOB_B, "--json", check=0).stdout)
    assert b["limit"] == 1000          # the default
    assert b["distribution"] is None and b["distribute_results"] is False
    assert b["runs"] == 1
    c = json.loads(job(root, "show", JOB_C, "--json", check=0).stdout)
    assert c["categories"] == ["audience", "niche"]
    assert c["filters"]["audience"] == {"min_size": 1000,
                                        "active_last_days": 30}
    r = job(root, "show", JOB_A, check=0)
    assert "Items now: 2 selected of 4" in r.stdout
    assert "Runs: 2 (one per item)" in r.stdout


def test_yaml_equivalent(project):
    root = make(project, config=YAML_CONFIG, name="jobs.yaml")
    rows = json.loads(job(root, "list", "--json", check=0).stdout)
    seed_root = make(project, config=SEED_CONFIG)
    (root / "jobs.yaml").rename(root / "jobs.yml.bak")
    seed_rows = json.loads(job(seed_root, "list", "--json",
                               check=0).stdout)
    assert rows == seed_rows
    for jid in (JOB_A, JOB_B, JOB_C):
        y = json.loads(job(root, "show", jid, "--json", "--jobs",
                           "jobs.yml.bak", check=0).stdout)
        s = json.loads(job(seed_root, "show", jid, "--json",
                           check=0).stdout)
        y.pop("line"), s.pop("line")
        assert y == s


def test_individual_job_runs_once_per_tenant(project):
    root = make(project)
    r = job(root, "run", JOB_A)
    assert r.returncode == 0, r.stdout + r.stderr
    m = re.search(r"Batch (bat_job_\d{14}_[0-9a-f]{8}):", r.stdout)
    assert m, r.stdout
    bid = m.group(1)
    assert "Total: 2 pipelines" in r.stdout
    got = inputs(root)
    assert sorted(x["id"] for x in got.values()) == ["user-001",
                                                     "user-004"]
    for x in got.values():
        assert "credentials" not in x
        assert x["followers"] >= 1000 and x["platform"] == "instagram"
    assert "CANARY" not in json.dumps(got) + r.stdout + r.stderr
    db = state_db(root)
    runs = db.execute("select tenant, batch, status from runs").fetchall()
    assert sorted(x["tenant"] for x in runs) == ["user-001", "user-004"]
    assert {x["batch"] for x in runs} == {bid}
    (b,) = batches(root)
    assert b["id"] == bid and b["source"] == "job" and b["job_id"] == JOB_A
    assert b["pipeline"] == TPL_A and b["total"] == 2
    extra = json.loads(b["summary_json"])
    assert extra["job"]["id"] == JOB_A
    assert extra["validation"]["total_items"] == 4
    assert extra["validation"]["selected"] == 2
    # The template saw the item: {{ input.id }}.
    logs = run_baton(root, "logs", "last", "show", check=0).stdout
    assert re.search(r"working on user-00[14]", logs)


def test_object_job_one_run_over_the_category(project):
    root = make(project)
    r = job(root, "run", JOB_B)
    assert r.returncode == 0, r.stdout + r.stderr
    (got,) = inputs(root).values()
    assert [x["id"] for x in got] == ["p1", "p3"]
    (b,) = batches(root)
    assert b["total"] == 1
    db = state_db(root)
    assert db.execute("select tenant from runs").fetchone()[0] is None


def test_combined_job_one_run_over_categories(project):
    root = make(project)
    r = job(root, "run", JOB_C)
    assert r.returncode == 0, r.stdout + r.stderr
    (got,) = inputs(root).values()
    assert set(got) == {"audience", "niche"}
    assert [x["id"] for x in got["audience"]] == ["a1"]
    assert got["audience"][0]["size"] == 5000      # CSV numbers are numbers
    assert [x["id"] for x in got["niche"]] == ["n1", "n3"]


def test_filters_and_limit(project):
    cfg = f"""
jobs:
  - id: tagged
    name: Tagged
    type: individual
    category: users
    template_id: {TPL_A}
    filters: {{tags: [food, travel]}}
  - id: capped
    name: Capped
    type: object
    category: etsy_products
    template_id: {TPL_B}
    limit: 2
    filters: {{max_engagement: 5.5}}
  - id: dated
    name: Dated
    type: object
    category: dated
    template_id: {TPL_B}
    filters:
      created_after: "2023-01-01"
      created_before: "2023-07-01T00:00:00Z"
      has_owner: false
"""
    root = make(project, config=cfg, name="jobs.yaml",
                baton_yaml=BATON_YAML + "  dated: {file: data/dated.jsonl}\n")
    (root / "data" / "dated.jsonl").write_text(
        '{"id": "d1", "created_at": "2022-12-31T23:59:59Z"}\n'
        '{"id": "d2", "created_at": "2023-01-01"}\n'
        '\n'
        '{"id": "d3", "created_at": "2023-06-30T12:00:00+02:00"}\n'
        '{"id": "d4", "created_at": "2023-07-01"}\n'
        '{"id": "d5", "created_at": "2023-03-01", "owner": "x"}\n')
    job(root, "run", "tagged", check=0)
    assert [x["id"] for x in inputs(root).values()] == ["user-004"]
    r = job(root, "run", "capped", "--dry-run", check=0)
    # p1 (5.1), p3 (4.6), p4 (4.0) pass; the limit keeps two.
    assert '"id":"p1"' in r.stdout and '"id":"p3"' in r.stdout
    assert '"id":"p4"' not in r.stdout
    assert "1 over the limit" in r.stdout
    assert "nothing was run" in r.stdout
    assert len(batches(root)) == 1         # only the "tagged" run's
    r = job(root, "run", "dated", "--dry-run", check=0)
    assert '"d2"' in r.stdout and '"d3"' in r.stdout
    for x in ("d1", "d4", "d5"):
        assert f'"{x}"' not in r.stdout


def test_bad_filter_is_an_error_at_its_position(project):
    cfg = f"""jobs:
  - id: j
    name: J
    type: combined
    categories: [audience, niche]
    template_id: {TPL_C}
    filters:
      audience: {{min_size: 10, newest: true}}
      nich: {{min_posts: 1}}
"""
    root = make(project, config=cfg, name="jobs.yaml")
    r = job(root, "list")
    assert r.returncode == 1
    assert ("jobs.yaml:8:32: error: unknown filter 'newest'" in r.stderr)
    assert ("jobs.yaml:9:7: error: job 'j': filters of a combined job are "
            "per category, and 'nich' is not one of its categories (did "
            "you mean 'niche'?)") in r.stderr
    assert "baton job: 2 errors in jobs.yaml" in r.stderr


def test_misspelt_key_did_you_mean(project):
    cfg = SEED_CONFIG.replace('"retry_limit": 2', '"retry_limt": 2')
    root = make(project, config=cfg)
    r = job(root, "list")
    assert r.returncode == 1
    assert re.search(r"batch_config\.json:\d+:7: error: unknown key "
                     r"'retry_limt' in job '" + JOB_B + r"' \(did you mean "
                     r"'retry_limit'\?\)", r.stderr), r.stderr


def test_unknown_template_listed_but_not_run(project):
    root = make(project)
    (root / "pipelines" / f"{TPL_C}.yaml").unlink()
    r = job(root, "list", check=0)
    assert JOB_C in r.stdout
    assert "1 with problems" in r.stdout
    rows = json.loads(job(root, "list", "--json", check=0).stdout)
    assert [x["valid"] for x in rows] == [True, True, False]
    assert "unknown template" in rows[2]["problems"][0]
    r = job(root, "run", JOB_C)
    assert r.returncode == 1
    assert re.search(r"batch_config\.json:56:22: error: job '" + JOB_C +
                     r"': unknown template '" + TPL_C + "'", r.stderr)
    assert "nothing was run" in r.stderr
    assert not inputs(root)
    r = job(root, "validate")
    assert r.returncode == 1 and "1 error in 1 of 3 jobs" in r.stderr
    # The other jobs still run.
    job(root, "run", JOB_B, check=0)


def test_unknown_job_and_category(project):
    root = make(project, baton_yaml="")
    r = job(root, "show", "bat_scheduled_job_20230415123045_a1b2c3d5")
    assert r.returncode == 1
    assert f"(did you mean '{JOB_A}'?)" in r.stderr
    r = job(root, "run", JOB_B)
    assert r.returncode == 1
    assert "unknown category 'etsy_products'" in r.stderr


def test_retry_limit_reruns_failed_items(project):
    flaky = """\
steps:
  - name: once
    run: |
      mkdir -p tries
      f="tries/{{ input.id }}"
      echo x >> "$f"
      case "{{ input.id }}" in
        user-001) [ "$(wc -l < "$f")" -ge 3 ] ;;
        user-004) true ;;
        *) false ;;
      esac
"""
    cfg = f"""jobs:
  - {{id: flaky, name: F, type: individual, category: users,
     template_id: flaky, retry_limit: 3, filters: {{min_followers: 1000}},
     distribute_results: true, distribution: {{users: [boss]}}}}
  - {{id: never, name: N, type: individual, category: users,
     template_id: flaky, retry_limit: 1, filters: {{min_followers: 1000}}}}
"""
    root = make(project, config=cfg, name="jobs.yaml",
                extra_pipelines={"flaky": flaky})
    r = job(root, "run", "flaky")
    # user-001 fails twice then succeeds; user-003 always fails.
    assert r.returncode == 2, r.stdout + r.stderr
    assert "Retry 1 of 3: 2 failed runs again" in r.stdout
    assert "Retry 2 of 3: 2 failed runs again" in r.stdout
    assert "Retry 3 of 3: 1 failed run again" in r.stdout
    assert "2 of 3 runs succeeded after 3 retry rounds" in r.stdout
    assert (root / "tries" / "user-004").read_text() == "x\n"
    assert len((root / "tries" / "user-003").read_text().split()) == 4
    bs = batches(root)
    assert [b["total"] for b in bs] == [3, 2, 2, 1]
    first = bs[0]["id"]
    for n, b in enumerate(bs[1:], 1):
        assert json.loads(b["summary_json"])["retry"] == {"of": first,
                                                          "round": n}
        assert b["job_id"] == "flaky"
    # Each batch of the job's run is delivered.
    box = json.loads(run_baton(root, "inbox", "boss", "--json",
                               check=0).stdout)
    assert sorted(x["batch_id"] for x in box) == sorted(b["id"] for b in bs)
    r = job(root, "run", "never", "--fail-fast")
    assert r.returncode in (2, 3)
    assert "Retry" not in r.stdout


def test_distribution_and_inbox(project):
    root = make(project)
    r = run_baton(root, "inbox", "admin_1", check=0)
    assert "Nothing delivered to 'admin_1' yet." in r.stdout
    assert not (root / ".baton" / "state.db").exists()
    r = job(root, "run", JOB_A, check=0)
    assert "Results delivered to: admin_1 content_manager_1" in r.stdout
    bid = re.search(r"Batch (bat_job_\S+):", r.stdout).group(1)
    for user in ("admin_1", "content_manager_1"):
        box = json.loads(run_baton(root, "inbox", user, "--json",
                                   check=0).stdout)
        assert [(x["batch_id"], x["job_id"], x["status"], x["total"])
                for x in box] == [(bid, JOB_A, "succeeded", 2)]
    r = run_baton(root, "inbox", "admin_1", check=0)
    assert bid in r.stdout and "1 batch delivered to 'admin_1'" in r.stdout
    # distribute_results: false delivers nothing.
    job(root, "run", JOB_B, check=0)
    assert json.loads(run_baton(root, "inbox", "admin_1", "--json",
                                check=0).stdout)[0]["batch_id"] == bid


class Hook(http.server.BaseHTTPRequestHandler):
    received = []

    def do_POST(self):
        n = int(self.headers["Content-Length"])
        Hook.received.append((self.path, self.headers["Content-Type"],
                              json.loads(self.rfile.read(n))))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def hook_server():
    Hook.received = []
    srv = http.server.HTTPServer(("127.0.0.1", 0), Hook)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def test_webhook_notified(project, hook_server):
    port = hook_server.server_address[1]
    cfg = json.loads(SEED_CONFIG)
    cfg["batch_processing_jobs"][0]["distribution"]["webhook"] = (
        f"http://127.0.0.1:{port}/hooks/batch")
    root = make(project, config=json.dumps(cfg, indent=2))
    r = job(root, "run", JOB_A)
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"Webhook notified: http://127.0.0.1:{port}/hooks/batch " \
           f"(HTTP 204)" in r.stdout
    bid = re.search(r"Batch (bat_job_\S+):", r.stdout).group(1)
    ((path, ctype, body),) = Hook.received
    assert path == "/hooks/batch" and ctype == "application/json"
    assert body["batch_id"] == bid and body["job_id"] == JOB_A
    assert body["status"] == "succeeded"
    assert body["batch_ids"] == [bid]
    assert body["summary"]["runs"] == 2
    assert body["summary"]["succeeded"] == 2
    assert body["summary"]["validation"]["selected"] == 2


def test_webhook_failure_is_reported_not_fatal(project):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()       # nothing listens there now
    cfg = json.loads(SEED_CONFIG)
    cfg["batch_processing_jobs"][0]["distribution"]["webhook"] = (
        f"http://127.0.0.1:{port}/x")
    root = make(project, config=json.dumps(cfg))
    r = job(root, "run", JOB_A)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "warning: webhook not notified" in r.stderr
    assert "the job's outcome stands" in r.stderr
    # https is refused when the file is read (no TLS yet).
    cfg["batch_processing_jobs"][0]["distribution"]["webhook"] = (
        "https://example.com/x")
    (root / "batch_config.json").write_text(json.dumps(cfg))
    r = job(root, "list")
    assert r.returncode == 1 and "only http:// URLs" in r.stderr


def test_user_reference_validation(project):
    cfg = f"""jobs:
  - id: cats
    name: Category report
    type: individual
    category: categories
    template_id: {TPL_A}
  - id: people
    name: User report
    type: object
    category: people
    template_id: {TPL_B}
  - id: lenient
    name: Lenient
    type: object
    category: lenient
    template_id: {TPL_B}
"""
    extra = ("  categories: {file: data/categories.json}\n"
             "  people: {file: data/people.json, kind: users}\n"
             "  lenient: {file: data/categories.json, unknown_users: prune}\n")
    root = make(project, config=cfg, name="jobs.yaml",
                baton_yaml=BATON_YAML + extra)
    (root / "data" / "categories.json").write_text(json.dumps([
        {"id": "category_123", "name": "Electronics",
         "user_ids": ["user-001", "invalid_user"],
         "data": {"report_type": "sales"}},
        {"id": "category_456", "name": "Books", "member_ids": ["user-002"]},
        {"id": "category_789", "name": "Toys", "user_id": "ghost"},
        {"id": "category_000", "name": "Misc"},
    ]))
    (root / "data" / "people.json").write_text(json.dumps({"items": [
        {"id": "user-001", "data": {"report_type": "activity"}},
        {"id": "invalid_user", "data": {"report_type": "activity"}},
    ]}))
    r = job(root, "run", "cats", check=0)
    assert ("Items: 4 loaded, 2 valid, 2 dropped (unknown users: "
            '["ghost","invalid_user"])') in r.stdout
    assert sorted(x["id"] for x in inputs(root).values()) == [
        "category_000", "category_456"]
    (b,) = batches(root)
    v = json.loads(b["summary_json"])["validation"]
    assert (v["total_items"], v["valid_items"], v["dropped_items"]) == \
        (4, 2, 2)
    assert v["unknown_user_refs"] == ["ghost", "invalid_user"]
    r = job(root, "show", "people", "--json", check=0)
    sel = json.loads(r.stdout)["selection"]
    assert sel["dropped_items"] == 1
    assert sel["unknown_user_refs"] == ["invalid_user"]
    r = job(root, "run", "lenient", "--dry-run", check=0)
    assert '"user_ids":["user-001"]' in r.stdout
    assert "Unknown user references taken out of kept items: 1" in r.stdout


def test_preference_based_job(project):
    users = USERS.replace(
        "    tags: [food]\n",
        "    tags: [food]\n"
        "    preferences:\n"
        "      features:\n"
        "        instagram_posts: {enabled: true, frequency: daily, "
        "preferred_time: \"09:00\"}\n").replace(
        "    name: Finance Page\n",
        "    name: Finance Page\n"
        "    preferences: {features: {instagram_posts: {enabled: false}}}\n")
    # Seed 002's preference-based job, as written there.
    cfg = """{"batch_processing_jobs": [{
  "id": "bat_pref_instagram_posts_20230601",
  "name": "Preference-Based Instagram Posts",
  "description": "Generate Instagram posts based on user preferences",
  "type": "individual",
  "preference_based": true,
  "feature_type": "instagram_posts",
  "template_id": "tpl_instagram_post_generator",
  "priority": "high",
  "retry_limit": 3,
  "distribute_results": true,
  "default_preferences": {
    "frequency": "weekly",
    "preferred_day": "monday",
    "preferred_time": "10:00",
    "template_overrides": {
      "tone": "casual",
      "length": "short"
    }
  }
}]}"""
    root = make(project, config=cfg, users=users,
                extra_pipelines={"tpl_instagram_post_generator": KEEP_INPUT})
    r = job(root, "list", check=0)
    assert "tenant preferences" in r.stdout
    r = job(root, "run", "bat_pref_instagram_posts_20230601", check=0)
    got = {x["id"]: x["preferences"] for x in inputs(root).values()}
    assert set(got) == {"user-001", "user-003", "user-004"}
    assert got["user-004"]["frequency"] == "daily"
    assert got["user-001"]["template_overrides"]["tone"] == "casual"


def test_jobs_file_location(project):
    root = make(project, config=None)
    r = job(root, "list", check=0)
    assert "No jobs" in r.stdout
    r = job(root, "run", JOB_A)
    assert r.returncode == 1 and "no jobs file" in r.stderr
    (root / "elsewhere.json").write_text(SEED_CONFIG)
    r = job(root, "list", env={"BATON_JOBS": "elsewhere.json"}, check=0)
    assert "3 jobs in elsewhere.json" in r.stdout
    r = job(root, "list", "--jobs", "missing.json")
    assert r.returncode == 1 and "missing.json (named by --jobs)" in r.stderr
    (root / "jobs.yaml").write_text(YAML_CONFIG)
    assert "3 jobs in jobs.yaml" in job(root, "list", check=0).stdout


def test_no_items_means_no_run(project):
    cfg = f"""jobs:
  - {{id: none, name: N, type: individual, category: users,
     template_id: {TPL_A}, filters: {{min_followers: 1000000}}}}
"""
    root = make(project, config=cfg, name="jobs.yaml")
    r = job(root, "run", "none", check=0)
    assert "selected no items: nothing to run" in r.stdout
    assert not (root / ".baton" / "state.db").exists()
