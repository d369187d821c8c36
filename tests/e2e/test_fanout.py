"""Fan-out over tenants: batches, isolation, rate limits, secrets."""
import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest

from conftest import BATON, run_baton, state_db

SEED_USERS = '''version: "1.0"
users:
  - id: "user-001"                    # Internal identifier
    name: "Health & Wellness Page"    # Human-readable name
    platform: facebook                # Platform type
    credentials:
      page_id: "123456789"
      access_token: "EAABs..."
    pipelines:
      - name: facebook_echo
        enabled: true
        
  - id: "user-002"
    name: "Financial Advice Page"
    platform: facebook
    credentials:
      page_id: "987654321"
      access_token: "EAACs..."
    pipelines:
      - name: facebook_echo
        enabled: true
'''

ECHO = """
steps:
  - name: fetch
    env:
      ACCESS_TOKEN: "{{ tenant.credentials.access_token }}"
      PAGE_ID: "{{ tenant.credentials.page_id }}"
    run: |
      case "$ACCESS_TOKEN" in
        INVALID*) echo "meta api error [190]: Invalid OAuth access token" >&2; exit 1;;
      esac
      echo "{\\"url\\": \\"http://mock-social-media.com/post-$BATON_TENANT_ID\\"}" > "$BATON_OUTPUT"
  - name: publish
    run: echo "published for $BATON_TENANT_NAME on $BATON_TENANT_PLATFORM"
    depends_on: [fetch]
"""


def test_seed_000_users_one_invalid_token(project):
    users = SEED_USERS.replace('"EAACs..."', '"INVALID-token-123"')
    p = project({"facebook_echo": ECHO})
    (p / "users.yaml").write_text(users)
    r = run_baton(p, "batch")
    assert r.returncode == 2, r.stdout + r.stderr
    out = r.stdout
    m = re.search(r"Batch (bat_cli_\d{14}_[0-9a-f]{8}):", out)
    assert m, out
    bid = m.group(1)
    assert f"Batch: {bid}" in out
    assert "Total: 2 pipelines" in out
    assert "✅ Success: 1" in out and "❌ Failed: 1" in out
    assert ("✅ [success] Health & Wellness Page - facebook_echo" in out)
    assert "Post: http://mock-social-media.com/post-user-001" in out
    assert "❌ [failed] Financial Advice Page - facebook_echo" in out
    assert "Invalid OAuth access token" in out
    assert "INVALID-token-123" not in out + r.stderr
    db = state_db(p)
    runs = db.execute("select tenant, status, batch from runs "
                      "order by created_at").fetchall()
    assert [(x["tenant"], x["status"]) for x in runs] == [
        ("user-001", "succeeded"), ("user-002", "failed")]
    assert {x["batch"] for x in runs} == {bid}
    b = db.execute("select * from batches").fetchone()
    assert b["id"] == bid and b["total"] == 2 and b["failed"] == 1
    # The export agrees.
    rep = json.loads(run_baton(p, "report", bid, check=0).stdout)
    assert rep["summary"]["total"] == 2 and rep["summary"]["failed"] == 1
    csv = run_baton(p, "report", "last", "--format", "csv", check=0).stdout
    assert csv.splitlines()[0].startswith("run_id,tenant,tenant_name")
    assert len(csv.splitlines()) == 3


def test_all_failed_exit_3_and_selectors(project):
    p = project({"facebook_echo": ECHO, "other": "steps:\n  - name: a\n    run: exit 1\n"})
    (p / "users.yaml").write_text("""
version: "1.0"
users:
  - id: a1
    platform: facebook
    tags: [eu]
    credentials: {access_token: tokA1234, page_id: "1111"}
    pipelines: [{name: facebook_echo, enabled: true}]
  - id: b2
    platform: linkedin
    tags: [us]
    credentials: {access_token: tokB1234, page_id: "2222"}
    pipelines: [{name: facebook_echo, enabled: true}]
  - id: c3
    platform: linkedin
    enabled: false
    credentials: {access_token: tokC1234, page_id: "3333"}
    pipelines: [{name: facebook_echo, enabled: true}]
""")
    r = run_baton(p, "run", "other", "--all-tenants")
    assert r.returncode == 3
    assert "Total: 2 pipelines" in r.stdout  # c3 is disabled
    r = run_baton(p, "run", "facebook_echo", "--platform", "linkedin", check=0)
    assert "Total: 1 pipelines" in r.stdout and "b2" in r.stdout
    r = run_baton(p, "run", "facebook_echo", "--tag", "eu", check=0)
    assert "Total: 1 pipelines" in r.stdout and "a1" in r.stdout
    r = run_baton(p, "run", "facebook_echo", "--tenant", "a1,b2", check=0)
    assert "Total: 2 pipelines" in r.stdout
    r = run_baton(p, "run", "facebook_echo", "--tenant", "a2")
    assert r.returncode == 1 and "did you mean 'a1'" in r.stderr
    r = run_baton(p, "run", "facebook_echo", "--platform", "tiktok")
    assert r.returncode == 1 and "no enabled tenant" in r.stderr


def tenants_yaml(n, platform="facebook"):
    lines = ['version: "1.0"', "users:"]
    for i in range(n):
        lines += [f"  - id: t{i}", f"    platform: {platform}",
                  "    credentials: {access_token: " + f"secret-token-{i:04d}" + "}",
                  "    pipelines: [{name: p, enabled: true}]"]
    return "\n".join(lines) + "\n"


def spans(p, n):
    out = []
    for i in range(n):
        a, b = (p / f"span_t{i}").read_text().split()
        out.append((float(a), float(b)))
    return out


def peak(spans_):
    ev = sorted([(s, 1) for s, _ in spans_] + [(e, -1) for _, e in spans_])
    cur = best = 0
    for _, d in ev:
        cur += d
        best = max(best, cur)
    return best


SPAN = """
steps:
  - name: s
    run: |
      a=$(date +%s.%N); sleep 0.3; echo "$a $(date +%s.%N)" > span_$BATON_TENANT_ID
"""


def test_parallel_tenants(project):
    p = project({"p": SPAN})
    (p / "users.yaml").write_text(tenants_yaml(6))
    run_baton(p, "run", "p", "--all-tenants", check=0)
    assert peak(spans(p, 6)) == 1  # one at a time by default
    run_baton(p, "run", "p", "--all-tenants", "--parallel", "3", check=0)
    assert peak(spans(p, 6)) == 3


def test_delay_between_tenant_starts(project):
    p = project({"p": "steps:\n  - name: s\n    run: date +%s.%N > start_$BATON_TENANT_ID\n"})
    (p / "users.yaml").write_text(tenants_yaml(3))
    run_baton(p, "run", "p", "--all-tenants", "--parallel", "3",
              "--delay", "400ms", check=0)
    # When baton started each run (recorded at that moment), not when
    # the step got round to printing, which load can delay.
    db = state_db(p)
    t = sorted(r[0] for r in db.execute("select started_at from runs"))
    assert t[1] - t[0] >= 399 and t[2] - t[1] >= 399


def test_rate_limit_token_bucket_shared_across_parallel_runs(project):
    p = project({"p": "steps:\n  - name: s\n    run: date +%s.%N > start_$BATON_TENANT_ID\n"},
                baton_yaml="rate_limits:\n  facebook: {per_minute: 120}\n")
    (p / "users.yaml").write_text(tenants_yaml(4))
    run_baton(p, "run", "p", "--all-tenants", "--parallel", "4", check=0)
    db = state_db(p)
    t = sorted(r[0] for r in db.execute("select started_at from runs"))
    # 120 per minute with a burst of 1: one start every 0.5 s.
    assert t[3] - t[0] >= 1490


def test_fail_fast_stops_the_others(project):
    p = project({"p": """
steps:
  - name: s
    run: |
      [ "$BATON_TENANT_ID" = t0 ] && exit 1
      sleep 0.5; touch ran_$BATON_TENANT_ID
"""})
    (p / "users.yaml").write_text(tenants_yaml(4))
    r = run_baton(p, "run", "p", "--all-tenants", "--fail-fast")
    assert r.returncode == 3
    assert not any((p / f"ran_t{i}").exists() for i in range(4))
    assert "⏭️  Skipped: 3" in r.stdout


def test_tenant_timeout(project):
    p = project({"p": "steps:\n  - name: s\n    run: sleep 30\n    kill_grace: 100ms\n"})
    (p / "users.yaml").write_text(tenants_yaml(2))
    t0 = time.monotonic()
    r = run_baton(p, "run", "p", "--all-tenants", "--parallel", "2",
                  "--tenant-timeout", "500ms")
    assert time.monotonic() - t0 < 15
    assert r.returncode == 3


CANARY = "CANARY-9f8e7d6c5b4a3210"
CANARY2 = "zz-second-canary-value-77"


def all_bytes_under(root):
    blob = b""
    for dirpath, _, files in os.walk(root):
        for f in files:
            try:
                blob += (Path(dirpath) / f).read_bytes()
            except OSError:
                pass
    return blob


def test_secrets_never_leak(project, tmp_path):
    p = project({"leaky": """
params:
  note: hello
steps:
  - name: print
    env:
      TOKEN: "{{ tenant.credentials.access_token }}"
      OTHER: "{{ tenant.credentials.refresh_token }}"
    run: |
      echo "token is $TOKEN"
      printf '%s' "$TOKEN" | cut -c1-9 | tr -d '\\n'; sleep 0.3; printf '%s\\n' "$TOKEN" | cut -c10-
      echo "other: $OTHER" >&2
      echo "{\\"token\\": \\"$TOKEN\\", \\"nested\\": {\\"t\\": \\"$OTHER\\"}}" > "$BATON_OUTPUT"
  - name: use
    run: |
      echo "from upstream: {{ steps.print.output.token }}"
      cat "$BATON_INPUT"
      echo "failing with $TOKEN" >&2
      exit 3
    env:
      TOKEN: "{{ tenant.credentials.access_token }}"
    depends_on: [print]
"""})
    (p / "users.yaml").write_text(f"""
version: "1.0"
users:
  - id: canary
    name: Canary Page
    platform: facebook
    credentials:
      access_token: "${{CANARY_TOKEN}}"
      refresh_token: "{CANARY2}"
    pipelines: [{{name: leaky, enabled: true}}]
""")
    env = {"CANARY_TOKEN": CANARY}
    outputs = []
    r = run_baton(p, "batch", "--report", tmp_path / "rep.json", env=env)
    assert r.returncode == 3
    outputs.append(r.stdout + r.stderr)
    for args in (["status", "last", "--json"], ["status", "last"],
                 ["history", "--json"], ["logs", "last"],
                 ["report", "last"], ["report", "last", "--format", "csv"],
                 ["tenants", "--json"], ["tenants"]):
        outputs.append(run_baton(p, *args, env=env).stdout)
    text = "\n".join(outputs)
    assert "***" in text
    for secret in (CANARY, CANARY2, CANARY[:12], CANARY[9:]):
        assert secret not in text, secret
        blob = all_bytes_under(p / ".baton") + (tmp_path / "rep.json").read_bytes()
        assert secret.encode() not in blob, secret
    # The split print was redacted as a whole, not just in halves.
    log = run_baton(p, "logs", "last", "print", env=env).stdout
    assert log.count("***") >= 2


def test_sub_pipeline_inherits_the_tenant_and_its_redaction(project):
    p = project({"parent": """
steps:
  - name: child
    pipeline: child
  - name: after
    run: echo "child said {{ steps.child.output.who }}" > after.txt
    depends_on: [child]
""", "child": """
steps:
  - name: c
    env:
      T: "{{ tenant.credentials.access_token }}"
    run: |
      echo "child token $T"
      echo "{\\"who\\": \\"$BATON_TENANT_ID\\"}" > "$BATON_OUTPUT"
"""})
    (p / "users.yaml").write_text("""
version: "1.0"
users:
  - id: acme
    platform: facebook
    credentials: {access_token: "sub-pipeline-canary-4242"}
    pipelines: [{name: parent, enabled: true}]
""")
    r = run_baton(p, "run", "parent", "--tenant", "acme", check=0)
    assert (p / "after.txt").read_text().strip() == "child said acme"
    blob = all_bytes_under(p / ".baton")
    assert b"sub-pipeline-canary-4242" not in blob
    assert "sub-pipeline-canary-4242" not in r.stdout + r.stderr
    db = state_db(p)
    tenants = {x["pipeline"]: x["tenant"] for x in
               db.execute("select pipeline, tenant from runs")}
    assert tenants == {"parent": "acme", "child": "acme"}
