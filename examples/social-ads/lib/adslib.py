"""Small helpers shared by the social-ads step scripts (stdlib only).

Each platform keeps its own extract and transform scripts, as in the
Social Ads Orchestrator: there is no shared base class, only these
plumbing helpers for talking to baton and writing files safely.

baton gives every step:
  BATON_OUTPUT        a file to write this step's JSON output to
  BATON_INPUT         a JSON file: {upstream step name: its output}
  BATON_PARAM_<name>  each pipeline param (e.g. BATON_PARAM_date)
  BATON_PROJECT_DIR   the project root (also the working directory)
  BATON_ATTEMPT       1 on the first try, 2 on the first retry, ...
"""
import datetime
import json
import os
import sys
import urllib.error
import urllib.request

# Exit code for "try again later" (EX_TEMPFAIL from sysexits.h).  The
# platform pipelines retry extract only on this code: a bad date or a
# rejected request fails at once instead of waiting through backoffs.
EX_TEMPFAIL = 75


def project_dir():
    return os.environ.get("BATON_PROJECT_DIR") or os.getcwd()


def data_path(*parts):
    """A path under the project's data/ directory (gitignored)."""
    return os.path.join(project_dir(), "data", *parts)


def rel(path):
    """path relative to the project root, for outputs and messages."""
    return os.path.relpath(path, project_dir())


def param(name, default=None):
    return os.environ.get("BATON_PARAM_" + name, default)


def run_date():
    """The date param, checked: YYYY-MM-DD."""
    value = param("date") or (sys.argv[1] if len(sys.argv) > 1 else "")
    try:
        return datetime.date.fromisoformat(value).isoformat()
    except ValueError:
        fail(f"param 'date' must be a date like 2026-01-22, not {value!r}")


def read_input(step):
    """The output of upstream step `step`, from $BATON_INPUT."""
    path = os.environ.get("BATON_INPUT")
    if not path:
        fail(f"no $BATON_INPUT: run this script through baton "
             f"(it needs the output of step '{step}')")
    with open(path, encoding="utf-8") as f:
        inputs = json.load(f)
    if step not in inputs:
        fail(f"$BATON_INPUT has no output for step '{step}'")
    return inputs[step]


def write_output(obj):
    """Writes this step's output for baton (stdout when run by hand)."""
    path = os.environ.get("BATON_OUTPUT")
    if not path:
        print(json.dumps(obj, indent=2))
        return
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f)


def write_json_atomic(path, obj):
    """Writes obj to path via a temporary file and a rename, so a killed
    or re-run step never leaves a half-written file behind."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)


def read_json(path):
    with open(os.path.join(project_dir(), path), encoding="utf-8") as f:
        return json.load(f)


def fetch_json(url, timeout=60):
    """GETs url and returns its JSON body.  Network trouble, 429 and 5xx
    exit with EX_TEMPFAIL (so baton retries); other errors exit 1."""
    print(f"GET {url}")
    req = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return json.load(resp)
    except urllib.error.HTTPError as e:
        code = EX_TEMPFAIL if e.code == 429 or e.code >= 500 else 1
        fail(f"{url}: HTTP {e.code} {e.reason}", code)
    except (urllib.error.URLError, TimeoutError, ConnectionError) as e:
        fail(f"{url}: {e}", EX_TEMPFAIL)
    except ValueError as e:
        fail(f"{url}: the response is not JSON: {e}")


def simulate_transient_failure(platform):
    """For trying out retries: when SOCIAL_ADS_FLAKY lists this platform
    (e.g. SOCIAL_ADS_FLAKY=microsoft,google), the first attempt fails
    the way a throttled API call would, and the retry succeeds."""
    flaky = os.environ.get("SOCIAL_ADS_FLAKY", "")
    attempt = int(os.environ.get("BATON_ATTEMPT", "1"))
    if platform in [p.strip() for p in flaky.split(",")] and attempt == 1:
        fail(f"{platform}: simulated HTTP 429 Too Many Requests "
             f"(SOCIAL_ADS_FLAKY)", EX_TEMPFAIL)


def fail(message, code=1):
    print(f"error: {message}", file=sys.stderr)
    sys.exit(code)
