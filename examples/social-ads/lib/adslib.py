"""Small helpers shared by the social-ads step scripts (stdlib only).

Each platform keeps its own extract and transform steps, as in the
Social Ads Orchestrator: there is no shared base class, only these
plumbing helpers for talking to baton, calling an API and writing files
safely.

baton gives every step:
  BATON_OUTPUT        a file to write this step's JSON output to
  BATON_INPUT         a JSON file: {upstream step name: its output}
  BATON_PARAM_<name>  each pipeline param (e.g. BATON_PARAM_date)
  BATON_PROJECT_DIR   the project root (also the working directory)
  BATON_ATTEMPT       1 on the first try, 2 on the first retry, ...
  BATON_TENANT_ID     the tenant (users.yaml) the run is for, if any
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


def tenant():
    """The tenant this run is for ($BATON_TENANT_ID), or None."""
    return os.environ.get("BATON_TENANT_ID") or None


def day_path(kind, platform, date):
    """data/KIND/PLATFORM/DATE.json, or data/KIND/PLATFORM/TENANT/DATE.json
    in a tenant's run, so that tenants never overwrite each other."""
    parts = [kind, platform] + ([tenant()] if tenant() else [])
    return data_path(*parts, f"{date}.json")


def read_extract():
    """The output of whichever extract step ran: `extract` (run for a
    tenant, with its credentials) or `extract_demo` (no tenant: the
    example's demo account).  The other one was skipped by its `when:`."""
    path = os.environ.get("BATON_INPUT")
    if not path:
        fail("no $BATON_INPUT: run this script through baton "
             "(it needs the output of step 'extract')")
    with open(path, encoding="utf-8") as f:
        inputs = json.load(f)
    for step in ("extract", "extract_demo"):
        if inputs.get(step) is not None:
            return inputs[step]
    fail("$BATON_INPUT has no output from 'extract' or 'extract_demo'")


class ApiError(Exception):
    def __init__(self, status, message, transient):
        super().__init__(message)
        self.status = status
        self.transient = transient


def request(method, url, body=None, headers=None, timeout=60, raw=False):
    """One HTTP request; returns the JSON response (bytes when raw).

    Raises ApiError: transient for network errors, 429 and 5xx (the
    caller exits EX_TEMPFAIL so that baton retries), permanent otherwise.
    The message is the API's own when the error body has one."""
    data = None
    headers = dict(headers or {})
    if body is not None:
        data = json.dumps(body).encode()
        headers.setdefault("Content-Type", "application/json")
    headers.setdefault("Accept", "application/json")
    req = urllib.request.Request(url, data=data, headers=headers,
                                 method=method)
    print(f"> {method} {url.split('?')[0]}")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            content = resp.read()
            print(f"< HTTP {resp.status} ({len(content)} bytes)")
            return content if raw else json.loads(content)
    except urllib.error.HTTPError as e:
        text = e.read().decode("utf-8", "replace")
        print(f"< HTTP {e.code}: {text[:300]}")
        raise ApiError(e.code, f"HTTP {e.code}: {api_message(text)}",
                       e.code == 429 or e.code >= 500) from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as e:
        raise ApiError(0, f"{url.split('?')[0]}: {e}", True) from None
    except ValueError as e:
        raise ApiError(0, f"the response is not JSON: {e}", False) from None


def api_message(text):
    """The message inside an API error body, in the shapes Graph, Google,
    LinkedIn and Microsoft use; else the text itself.  Kept short: baton
    shows the last line a failed step printed, up to 200 bytes."""
    msg = _api_message(text)
    return msg if len(msg) <= 140 else msg[:137] + "..."


def _api_message(text):
    try:
        doc = json.loads(text)
    except ValueError:
        return text.strip()[:200] or "(empty body)"
    if isinstance(doc, dict):
        err = doc.get("error")
        if isinstance(err, dict) and err.get("message"):
            return err["message"]
        for e in doc.get("Errors") or doc.get("OperationErrors") or []:
            return f"{e.get('ErrorCode')} ({e.get('Code')}): {e.get('Message')}"
        if doc.get("message"):
            return doc["message"]
    return text.strip()[:200]


def fail(message, code=1):
    print(f"error: {message}", file=sys.stderr)
    sys.exit(code)
