"""End-to-end tests of `baton schedule list` and `baton schedule explain`.

Every listing is computed from a fixed --from time, so the expected fire
times are exact.  The zones are real IANA zones read from the system's
zoneinfo files.
"""
import json
import textwrap

from conftest import run_baton

FROM = "2026-03-27T12:00:00Z"

NIGHTLY = """\
    name: Nightly
    schedule:
      frequency: daily
      at: "02:30"
      timezone: Europe/Paris
    steps:
      - name: a
        run: echo a
    """

WEEKDAYS = """\
    schedule: "CRON_TZ=America/New_York 0 9 * * MON-FRI"
    steps:
      - name: a
        run: echo a
    """

UNSCHEDULED = """\
    steps:
      - name: a
        run: echo a
    """

# Seed 002's batch_config.json, cut to the fields the jobs need.
BATCH_CONFIG = {
    "batch_processing_jobs": [
        {
            "id": "bat_scheduled_job_20230415123045_a1b2c3d4",
            "name": "Instagram Post Generation",
            "type": "individual",
            "priority": "medium",
            "category": "users",
            "template_id": "unscheduled",
            "schedule": {"frequency": "weekly", "days": ["Monday"],
                         "at": "01:00"},
        },
        {
            "id": "bat_scheduled_job_20230416091530_b2c3d4e5",
            "name": "Etsy Product Analysis",
            "type": "object",
            "priority": "high",
            "category": "users",
            "template_id": "unscheduled",
            "schedule": {"frequency": "weekly", "days": ["Wednesday"],
                         "at": "02:00"},
        },
        {
            "id": "bat_scheduled_job_20230417103000_c3d4e5f6",
            "name": "Cross-Analysis of Audience and Niche",
            "type": "object",
            "priority": "high",
            "category": "users",
            "template_id": "unscheduled",
            "schedule": {"frequency": "monthly", "day_of_month": 31,
                         "at": "05:00"},
        },
        {
            "id": "bat_manual",
            "name": "Manual",
            "type": "object",
            "category": "users",
            "template_id": "unscheduled",
        },
    ]
}

UTC = {"TZ": "UTC"}


def listing(project, *args, env=UTC, check=0):
    return run_baton(project, "schedule", "list", "--from", FROM, *args,
                     env=env, check=check)


def test_list_pipelines_in_zone_and_utc(project):
    proj = project({"nightly": NIGHTLY, "weekdays": WEEKDAYS,
                    "unscheduled": UNSCHEDULED})
    out = listing(proj).stdout
    assert out == textwrap.dedent("""\
        nightly (pipeline): every day at 02:30 (Europe/Paris)
          2026-03-28T02:30:00+01:00 CET    2026-03-28T01:30:00Z
          2026-03-29T03:00:00+02:00 CEST   2026-03-29T01:00:00Z
          2026-03-30T02:30:00+02:00 CEST   2026-03-30T00:30:00Z

        weekdays (pipeline): every Monday to Friday at 09:00 (America/New_York)
          2026-03-27T09:00:00-04:00 EDT    2026-03-27T13:00:00Z
          2026-03-30T09:00:00-04:00 EDT    2026-03-30T13:00:00Z
          2026-03-31T09:00:00-04:00 EDT    2026-03-31T13:00:00Z
        """)


def test_list_json(project):
    proj = project({"nightly": NIGHTLY, "weekdays": WEEKDAYS,
                    "unscheduled": UNSCHEDULED})
    got = json.loads(listing(proj, "--json", "--next", "2").stdout)
    assert got == [
        {"id": "nightly",
         "next": ["2026-03-28T01:30:00Z", "2026-03-29T01:00:00Z"]},
        # Friday 08:00 in New York when listed: today's 09:00 is next.
        {"id": "weekdays",
         "next": ["2026-03-27T13:00:00Z", "2026-03-30T13:00:00Z"]},
    ]


def test_list_seed_002_jobs(project, tmp_path):
    proj = project({"unscheduled": UNSCHEDULED, "nightly": NIGHTLY})
    (proj / "batch_config.json").write_text(json.dumps(BATCH_CONFIG))
    got = json.loads(listing(proj, "--json", "--next", "3").stdout)
    assert got == [
        {"id": "nightly", "next": ["2026-03-28T01:30:00Z",
                                   "2026-03-29T01:00:00Z",
                                   "2026-03-30T00:30:00Z"]},
        {"id": "bat_scheduled_job_20230415123045_a1b2c3d4",
         "next": ["2026-03-30T01:00:00Z", "2026-04-06T01:00:00Z",
                  "2026-04-13T01:00:00Z"]},
        {"id": "bat_scheduled_job_20230416091530_b2c3d4e5",
         "next": ["2026-04-01T02:00:00Z", "2026-04-08T02:00:00Z",
                  "2026-04-15T02:00:00Z"]},
        # day_of_month 31: the last day of April.
        {"id": "bat_scheduled_job_20230417103000_c3d4e5f6",
         "next": ["2026-03-31T05:00:00Z", "2026-04-30T05:00:00Z",
                  "2026-05-31T05:00:00Z"]},
    ]


def test_list_jobs_option_and_server_zone(project, tmp_path):
    """--jobs names a YAML jobs file; a schedule without a zone is in
    the server's (TZ)."""
    proj = project({"unscheduled": UNSCHEDULED})
    jobs = tmp_path / "elsewhere.yaml"
    jobs.write_text(textwrap.dedent("""\
        jobs:
          - id: hourly_job
            name: Hourly
            type: object
            category: users
            template_id: unscheduled
            schedule: {frequency: hourly, minute: 30}
          - id: biweekly_job
            name: Biweekly
            type: object
            category: users
            template_id: unscheduled
            schedule:
              frequency: biweekly
              days: [Wednesday]
              at: "09:00"
              anchor: "2026-04-06"
        """))
    proc = listing(proj, "--jobs", jobs, "--next", "2",
                   env={"TZ": "Asia/Tokyo"})
    assert proc.stdout == textwrap.dedent("""\
        hourly_job (job): every hour at minute 30 (Asia/Tokyo)
          2026-03-27T21:30:00+09:00 JST    2026-03-27T12:30:00Z
          2026-03-27T22:30:00+09:00 JST    2026-03-27T13:30:00Z

        biweekly_job (job): every other Wednesday at 09:00, counting from the week of 2026-04-06 (Asia/Tokyo)
          2026-04-08T09:00:00+09:00 JST    2026-04-08T00:00:00Z
          2026-04-22T09:00:00+09:00 JST    2026-04-22T00:00:00Z
        """)


def test_list_invalid_pipeline_schedule(project):
    """An invalid expression is a file:line:col error and exit 1; the
    valid schedules are still listed."""
    proj = project({"nightly": NIGHTLY, "broken": """\
        steps:
          - name: a
            run: echo a
        schedule: "0 3 * * MOON"
        """})
    proc = listing(proj, "--next", "1", check=1)
    assert "nightly (pipeline)" in proc.stdout
    lines = proc.stderr.splitlines()
    assert lines[0].endswith(
        "pipelines/broken.yaml:4:20: error: unknown day of week name "
        "'MOON' (did you mean 'MON'?)"), proc.stderr
    assert lines[1].strip() == '4 | schedule: "0 3 * * MOON"'
    assert lines[2].index("^") == lines[1].index("MOON")


def test_list_invalid_job_schedule(project):
    proj = project({"unscheduled": UNSCHEDULED})
    cfg = json.loads(json.dumps(BATCH_CONFIG))
    cfg["batch_processing_jobs"][2]["schedule"]["frequency"] = "montly"
    (proj / "batch_config.json").write_text(json.dumps(cfg, indent=2))
    proc = listing(proj, "--json", check=1)
    assert [j["id"] for j in json.loads(proc.stdout)] == [
        "bat_scheduled_job_20230415123045_a1b2c3d4",
        "bat_scheduled_job_20230416091530_b2c3d4e5"]
    assert ("batch_config.json:41:22: error: unknown frequency 'montly' "
            "(did you mean 'monthly'?)") in proc.stderr


def test_list_nothing_scheduled(project):
    proj = project({"unscheduled": UNSCHEDULED})
    assert "No schedules" in listing(proj).stdout
    assert json.loads(listing(proj, "--json").stdout) == []


def test_list_bad_options(project):
    proj = project({"unscheduled": UNSCHEDULED})
    proc = run_baton(proj, "schedule", "list", "--from", "yesterday",
                     check=1)
    assert "--from must be an RFC 3339 time" in proc.stderr
    proc = run_baton(proj, "schedule", "list", "--next", "0", check=1)
    assert "--next must be a number from 1 to 1000" in proc.stderr
    proc = run_baton(proj, "schedule", "lst", check=1)
    assert "did you mean 'list'?" in proc.stderr


def test_explain_cron(project):
    proj = project({})
    proc = run_baton(proj, "schedule", "explain", "30 2 * * *", "--tz",
                     "Europe/Paris", "--from", FROM, "--next", "3", check=0)
    assert proc.stdout == textwrap.dedent("""\
        every day at 02:30 (Europe/Paris)
          2026-03-28T02:30:00+01:00 CET    2026-03-28T01:30:00Z
          2026-03-29T03:00:00+02:00 CEST   2026-03-29T01:00:00Z
          2026-03-30T02:30:00+02:00 CEST   2026-03-30T00:30:00Z
        """)


def test_explain_unquoted_words_and_json(project):
    proj = project({})
    proc = run_baton(proj, "schedule", "explain", "0", "9", "*", "*",
                     "MON,THU", "--tz", "America/New_York", "--from",
                     "2026-10-30T00:00:00Z", "--next", "2", "--json",
                     check=0)
    assert json.loads(proc.stdout) == {
        "expression": "0 9 * * MON,THU",
        "description": "every Monday and Thursday at 09:00 "
                       "(America/New_York)",
        "timezone": "America/New_York",
        "next": ["2026-11-02T14:00:00Z", "2026-11-05T14:00:00Z"],
    }


def test_explain_seed_object(project):
    proj = project({})
    proc = run_baton(proj, "schedule", "explain",
                     '{frequency: weekly, days: [Monday, Thursday], '
                     'at: "15:30", timezone: Europe/Paris}',
                     "--from", FROM, "--next", "1", check=0)
    assert proc.stdout.splitlines() == [
        "every Monday and Thursday at 15:30 (Europe/Paris)",
        "  2026-03-30T15:30:00+02:00 CEST   2026-03-30T13:30:00Z",
    ]


def test_explain_fall_back_fires_once(project):
    proj = project({})
    proc = run_baton(proj, "schedule", "explain", "30 1 * * *", "--tz",
                     "America/New_York", "--from", "2026-10-31T12:00:00Z",
                     "--next", "2", "--json", check=0)
    assert json.loads(proc.stdout)["next"] == [
        "2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"]


def test_explain_invalid(project):
    proj = project({})
    proc = run_baton(proj, "schedule", "explain", "0 25 * * *", check=1)
    assert proc.stdout == ""
    assert proc.stderr.splitlines() == [
        "baton schedule: error: hour 25 is out of range (0-23)",
        "    0 25 * * *",
        "      ^",
    ]
    proc = run_baton(proj, "schedule", "explain", "@daily", "--tz",
                     "Europe/Pariss", check=1)
    assert ("unknown time zone 'Europe/Pariss' (did you mean "
            "'Europe/Paris'?)") in proc.stderr
    proc = run_baton(proj, "schedule", "explain", check=1)
    assert "explain what?" in proc.stderr
