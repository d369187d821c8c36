#!/usr/bin/env python3
"""Where the APIs are: a real endpoint, or a local mock started for this run.

usage:
  python3 lib/connect.py PLATFORM   facebook, linkedin, google or microsoft
  python3 lib/connect.py agents     seed 003's four campaign agents
  python3 lib/connect.py all        the four ad platforms at once
  python3 lib/connect.py --stop     stop the mocks this run started

Each platform's base URL is, in this order:
  1. the pipeline's `api_url` param, when not empty (the social_ads
     orchestrator passes its own URLs down this way; a 127.0.0.1 URL
     that nothing listens on any more, such as a mock URL reused from an
     earlier run by --step or --from, is replaced by a fresh mock);
  2. the platform's variable: FACEBOOK_GRAPH_URL, LINKEDIN_API_URL,
     GOOGLE_ADS_URL or MICROSOFT_ADS_URL;
  3. otherwise a local mock (mocks/mocks.py) on a free port of 127.0.0.1,
     started here in the background, detached with setsid.

Agent N's URL is AGENT_N_URL (the endpoint itself, POSTed to) and its key
AGENT_N_API_KEY; agents without a URL get the mock and its key.

The step's output says where everything is, for later steps' templates:
  PLATFORM  {"base_url", "source", "date", "year", "month", "day"}
  all       {"graph_url", "linkedin_url", "google_ads_url",
             "microsoft_ads_url", "sources"}
  agents    {"segmentation": {"url", "key"}, "content": ..., ...}

A started mock is recorded in data/mocks/RUN_ID.json; `--stop` (a step
after the last API call, and an on_failure/on_exit handler) ends it.  As a
safety net the mock also exits by itself once the baton process that ran
this script is gone, or after 15 minutes without a request, and baton
kills what is left tagged with the run's id when the run ends.
"""
import datetime
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import adslib  # noqa: E402

MOCKS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                     "mocks", "mocks.py")

PLATFORMS = {
    # platform: (mock API name, variable, key in `all`'s output, real URL)
    "facebook": ("graph", "FACEBOOK_GRAPH_URL", "graph_url",
                 "https://graph.facebook.com"),
    "linkedin": ("linkedin", "LINKEDIN_API_URL", "linkedin_url",
                 "https://api.linkedin.com"),
    "google": ("google", "GOOGLE_ADS_URL", "google_ads_url",
               "https://googleads.googleapis.com"),
    "microsoft": ("microsoft", "MICROSOFT_ADS_URL", "microsoft_ads_url",
                  "https://reporting.api.bingads.microsoft.com"),
}
AGENTS = ["segmentation", "content", "generation", "compliance"]
IDLE_EXIT = 900


def state_path(run_id, ext):
    return adslib.data_path("mocks", f"{run_id}.{ext}")


def run_id():
    rid = os.environ.get("BATON_RUN_ID")
    if not rid:
        adslib.fail("no $BATON_RUN_ID: run this through baton")
    return rid


def prune_stale():
    """Forgets the records of runs whose mocks are gone (a run whose baton
    was killed never ran its --stop)."""
    folder = adslib.data_path("mocks")
    for name in os.listdir(folder):
        if not name.endswith(".json"):
            continue
        rid = name[:-len(".json")]
        try:
            with open(os.path.join(folder, name)) as f:
                pids = [m["pid"] for m in json.load(f)]
        except (OSError, ValueError, KeyError, TypeError):
            pids = []
        if not any(is_ours(pid, rid) for pid in pids):
            for ext in ("json", "log"):
                if os.path.exists(state_path(rid, ext)):
                    os.unlink(state_path(rid, ext))


def start_mocks(apis):
    """Starts one detached mocks.py serving `apis`; returns {api: url}."""
    rid = run_id()
    os.makedirs(adslib.data_path("mocks"), exist_ok=True)
    prune_stale()
    ready = state_path(rid, "ready")
    if os.path.exists(ready):
        os.unlink(ready)
    log = open(state_path(rid, "log"), "ab")
    proc = subprocess.Popen(
        [sys.executable, MOCKS, "--apis", ",".join(apis),
         "--ready-file", ready, "--watch-pid", str(os.getppid()),
         "--idle-exit", str(IDLE_EXIT)],
        stdin=subprocess.DEVNULL, stdout=log, stderr=log, close_fds=True,
        start_new_session=True, cwd=adslib.project_dir())
    log.close()
    deadline = time.monotonic() + 15
    while not os.path.exists(ready):
        if proc.poll() is not None or time.monotonic() > deadline:
            if proc.poll() is None:
                proc.kill()
            with open(state_path(rid, "log"), errors="replace") as f:
                sys.stderr.write(f.read()[-2000:])
            adslib.fail("the mock servers did not start")
        time.sleep(0.02)
    with open(ready) as f:
        info = json.load(f)
    os.unlink(ready)
    # Record it (merging with mocks this run already started) for --stop.
    path = state_path(rid, "json")
    started = []
    if os.path.exists(path):
        with open(path) as f:
            started = json.load(f)
    started.append({"pid": info["pid"], "urls": info["urls"]})
    adslib.write_json_atomic(path, started)
    print(f"started mocks.py (pid {info['pid']}, detached) for "
          f"{', '.join(apis)}; log: {adslib.rel(state_path(rid, 'log'))}")
    return info["urls"]


def is_ours(pid, rid):
    """True if pid is alive and carries this run's id (not a reused pid)."""
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            env = f.read().split(b"\0")
    except OSError:
        return False
    return f"BATON_RUN_ID={rid}".encode() in env


def stop_mocks():
    rid = run_id()
    path = state_path(rid, "json")
    if not os.path.exists(path):
        print("no mock servers were started by this run")
        return
    with open(path) as f:
        started = json.load(f)
    for m in started:
        pid = m["pid"]
        if not is_ours(pid, rid):
            continue
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 5
        while is_ours(pid, rid) and time.monotonic() < deadline:
            time.sleep(0.02)
        if is_ours(pid, rid):
            os.kill(pid, signal.SIGKILL)
        print(f"stopped mocks.py (pid {pid}): {', '.join(m['urls'])}")
    os.unlink(path)
    log = state_path(rid, "log")
    if os.path.exists(log):
        with open(log, errors="replace") as f:
            lines = f.readlines()
        print(f"--- {len(lines)} lines of mock log, the last ones:")
        sys.stdout.writelines(lines[-15:])
        os.unlink(log)


def date_fields():
    value = adslib.param("date")
    if value is None:
        return {}
    try:
        day = datetime.date.fromisoformat(value)
    except ValueError:
        adslib.fail(f"param 'date' must be a date like 2026-01-22, "
                    f"not {value!r}")
    return {"date": day.isoformat(), "year": day.year, "month": day.month,
            "day": day.day}


def gone_loopback(url):
    """True for an http://127.0.0.1:PORT URL nothing listens on any more:
    a mock URL reused from an earlier run's output (baton run social_ads
    --step linkedin, --from, baton retry reuse the mocks step's output)."""
    u = urllib.parse.urlsplit(url)
    if u.hostname not in ("127.0.0.1", "localhost") or not u.port:
        return False
    try:
        socket.create_connection((u.hostname, u.port), timeout=1).close()
        return False
    except OSError:
        return True


def connect_platforms(names):
    """{platform: (url, source)}, starting one mock for those without."""
    out, missing = {}, []
    param = (adslib.param("api_url") or "").strip()
    for name in names:
        api, var, _, _ = PLATFORMS[name]
        if param and len(names) == 1 and gone_loopback(param):
            print(f"{name}: nothing listens at {param} any more (a mock "
                  f"from an earlier run?); using a fresh one")
            missing.append(name)
        elif param and len(names) == 1:
            out[name] = (param.rstrip("/"), "param api_url")
        elif os.environ.get(var, "").strip():
            out[name] = (os.environ[var].strip().rstrip("/"), f"${var}")
        else:
            missing.append(name)
    if missing:
        urls = start_mocks([PLATFORMS[n][0] for n in missing])
        for name in missing:
            out[name] = (urls[PLATFORMS[name][0]], "mock")
    for name, (url, source) in out.items():
        print(f"{name}: {url} ({source})")
    return out


def connect_agents():
    out, missing = {}, []
    for n, agent in enumerate(AGENTS, 1):
        url = os.environ.get(f"AGENT_{n}_URL", "").strip()
        if url:
            out[agent] = {"url": url, "key": os.environ.get(
                f"AGENT_{n}_API_KEY", ""), "source": f"$AGENT_{n}_URL"}
        else:
            missing.append((n, agent))
    if missing:
        base = start_mocks(["agents"])["agents"]
        for n, agent in missing:
            out[agent] = {"url": f"{base}/api/{agent}",
                          "key": os.environ.get(f"AGENT_{n}_API_KEY",
                                                f"mock-agent-key-{n}"),
                          "source": "mock"}
    for agent, a in out.items():
        print(f"{agent}: {a['url']} ({a['source']})")
    return out


def main():
    args = sys.argv[1:]
    if args == ["--stop"]:
        stop_mocks()
        return
    if len(args) != 1 or args[0] not in [*PLATFORMS, "all", "agents"]:
        adslib.fail("usage: connect.py facebook|linkedin|google|microsoft|"
                    "all|agents, or connect.py --stop")
    what = args[0]
    if what == "agents":
        adslib.write_output(connect_agents())
    elif what == "all":
        found = connect_platforms(list(PLATFORMS))
        out = {PLATFORMS[n][2]: url for n, (url, _) in found.items()}
        out["sources"] = {n: src for n, (_, src) in found.items()}
        adslib.write_output(out)
    else:
        dates = date_fields()   # a bad date fails before anything starts
        url, source = connect_platforms([what])[what]
        adslib.write_output({"api": what, "base_url": url, "source": source,
                             **dates})


if __name__ == "__main__":
    main()
