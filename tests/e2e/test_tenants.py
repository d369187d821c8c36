"""End-to-end tests of the tenants file and `baton tenants`.

Seed 000's users.yaml is used exactly as the seed writes it.  Whatever
baton prints, a credential value never appears in it.
"""
import json
import textwrap

import pytest

from conftest import run_baton

# Seed 000's version 1.0 users.yaml, verbatim (trailing spaces included).
SEED_V1 = (
    'version: "1.0"\n'
    'users:\n'
    '  - id: "user-001"                    # Internal identifier\n'
    '    name: "Health & Wellness Page"    # Human-readable name\n'
    '    platform: facebook                # Platform type\n'
    '    credentials:\n'
    '      page_id: "123456789"\n'
    '      access_token: "EAABs..."\n'
    '    pipelines:\n'
    '      - name: facebook_echo\n'
    '        enabled: true\n'
    '        \n'
    '  - id: "user-002"\n'
    '    name: "Financial Advice Page"\n'
    '    platform: facebook\n'
    '    credentials:\n'
    '      page_id: "987654321"\n'
    '      access_token: "EAACs..."\n'
    '    pipelines:\n'
    '      - name: facebook_echo\n'
    '        enabled: true\n'
)

# Seed 000's flat proposal from its Q&A, verbatim.
SEED_FLAT = (
    'users:\n'
    '  - name: "Health Tips Page"\n'
    '    platform: facebook\n'
    '    page_id: "123456789"\n'
    '    access_token: "EAABs..."\n'
    '    pipelines:\n'
    '      - facebook_echo\n'
    '  - name: "Finance Page" \n'
    '    platform: facebook\n'
    '    page_id: "987654321"\n'
    '    access_token: "EAABs..."\n'
    '    pipelines:\n'
    '      - facebook_echo\n'
)

SEED_SECRETS = ["EAABs...", "EAACs...", "123456789", "987654321"]

ECHO = """\
steps:
  - name: post
    run: echo "posting for {{ tenant.id }}"
"""


@pytest.fixture
def fb(project):
    """A project with pipelines/facebook_echo.yaml and seed 000's
    users.yaml at its root."""
    root = project({"facebook_echo": ECHO, "weekly": ECHO})
    (root / "users.yaml").write_text(SEED_V1)
    return root


def tenants(root, *args, env=None, check=None):
    """Runs `baton tenants ARGS` from inside the project, so that
    messages name users.yaml as the user would see it."""
    return run_baton(".", "tenants", *args, env=env, check=check, cwd=root)


def assert_no_secrets(proc, secrets):
    out = proc.stdout + proc.stderr
    for s in secrets:
        assert s not in out, f"credential {s!r} was printed"


def error_lines(text):
    return [line for line in text.splitlines() if ": error: " in line]


def test_seed_users_yaml_lists_tenants(fb):
    proc = tenants(fb, check=0)
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["ID", "NAME", "PLATFORM", "ENABLED", "TAGS",
                                "PIPELINES"]
    assert lines[1].split() == ["user-001", "Health", "&", "Wellness",
                                "Page", "facebook", "yes", "-",
                                "facebook_echo"]
    assert lines[2].split() == ["user-002", "Financial", "Advice", "Page",
                                "facebook", "yes", "-", "facebook_echo"]
    assert lines[-1] == "2 tenants in users.yaml"
    assert proc.stderr == ""
    assert_no_secrets(proc, SEED_SECRETS)


def test_json_lists_credential_names_only(fb):
    proc = tenants(fb, "--json", check=0)
    data = json.loads(proc.stdout)
    assert [t["id"] for t in data] == ["user-001", "user-002"]
    first = data[0]
    assert first["name"] == "Health & Wellness Page"
    assert first["platform"] == "facebook"
    assert first["enabled"] is True
    assert first["tags"] == []
    assert first["pipelines"] == ["facebook_echo"]
    assert first["disabled_pipelines"] == []
    assert first["credentials"] == ["page_id", "access_token"]
    assert first["line"] == 3
    assert_no_secrets(proc, SEED_SECRETS)


def test_flat_form_from_the_seed_qa(fb):
    (fb / "users.yaml").write_text(SEED_FLAT)
    data = json.loads(tenants(fb, "--json", check=0).stdout)
    # Flat users have no id: their page_id is used.
    assert [(t["id"], t["name"]) for t in data] == [
        ("123456789", "Health Tips Page"), ("987654321", "Finance Page")]
    assert all(t["credentials"] == ["page_id", "access_token"]
               for t in data)
    assert all(t["pipelines"] == ["facebook_echo"] for t in data)
    proc = tenants(fb, check=0)
    assert "EAABs..." not in proc.stdout + proc.stderr


def test_env_references_are_resolved_and_never_printed(fb):
    (fb / "users.yaml").write_text(textwrap.dedent("""\
        version: "1.0"
        users:
          - id: health
            name: Health
            platform: facebook
            tags: [en, health]
            credentials:
              page_id: "${FB_PAGE_HEALTH}"
              access_token: "Bearer ${FB_TOKEN_HEALTH}"
            pipelines:
              - name: facebook_echo
                enabled: true
              - name: weekly
                enabled: false
            followers: 1200
            preferences:
              schedule: daily
    """))
    env = {"FB_PAGE_HEALTH": "canary-page-5f2a", "FB_TOKEN_HEALTH":
           "canary-token-9c1e"}
    canaries = list(env.values())
    text = tenants(fb, env=env, check=0)
    assert text.stdout.splitlines()[1].split() == [
        "health", "Health", "facebook", "yes", "en,health", "facebook_echo"]
    assert_no_secrets(text, canaries)
    js = tenants(fb, "--json", env=env, check=0)
    t = json.loads(js.stdout)[0]
    assert t["pipelines"] == ["facebook_echo"]
    assert t["disabled_pipelines"] == ["weekly"]
    assert t["fields"] == {"followers": 1200}
    assert t["preferences"] == {"schedule": "daily"}
    assert_no_secrets(js, canaries)


def test_filters(fb):
    (fb / "users.yaml").write_text(textwrap.dedent("""\
        tenants:
          - {id: a, platform: facebook, tags: [en]}
          - {id: b, platform: linkedin, tags: [fr, vip]}
          - {id: c, platform: facebook, tags: [vip], enabled: false}
    """))

    def ids(*args):
        return [t["id"] for t in
                json.loads(tenants(fb, "--json", *args, check=0).stdout)]

    assert ids() == ["a", "b", "c"]
    assert ids("--platform", "facebook") == ["a", "c"]
    assert ids("--tag", "vip") == ["b", "c"]
    assert ids("--tag", "en", "--tag", "fr") == ["a", "b"]
    assert ids("--platform", "facebook", "--tag", "vip") == ["c"]
    proc = tenants(fb, "--platform", "facebook", check=0)
    assert proc.stdout.splitlines()[-1] == "2 of 3 tenants in users.yaml"
    assert proc.stdout.splitlines()[2].split()[:4] == ["c", "c", "facebook",
                                                       "no"]
    proc = tenants(fb, "--platform", "tiktok", check=0)
    assert proc.stdout == "No tenant in users.yaml matches the filters.\n"


def test_tenants_option_and_env(fb, tmp_path):
    other = tmp_path / "elsewhere.yaml"
    other.write_text("users:\n  - {id: from-file, name: F}\n")
    env_file = tmp_path / "env.yaml"
    env_file.write_text("users:\n  - {id: from-env, name: E}\n")

    def ids(*args, env=None):
        proc = run_baton(fb, *args, env=env, check=0)
        return [t["id"] for t in json.loads(proc.stdout)]

    assert ids("tenants", "--json") == ["user-001", "user-002"]
    assert ids("--tenants", other, "tenants", "--json") == ["from-file"]
    assert ids("tenants", "--json", "--tenants", other) == ["from-file"]
    assert ids("tenants", f"--tenants={other}", "--json") == ["from-file"]
    env = {"BATON_TENANTS": str(env_file)}
    assert ids("tenants", "--json", env=env) == ["from-env"]
    # --tenants wins over BATON_TENANTS.
    assert ids("tenants", "--json", "--tenants", other,
               env=env) == ["from-file"]
    # A relative --tenants is relative to the working directory.
    proc = run_baton(fb, "--tenants", "elsewhere.yaml", "tenants", "--json",
                     cwd=tmp_path, check=0)
    assert json.loads(proc.stdout)[0]["id"] == "from-file"


def test_missing_files(fb, tmp_path):
    (fb / "users.yaml").unlink()
    proc = tenants(fb, check=0)
    assert proc.stdout.startswith("No tenants: there is no users.yaml")
    assert json.loads(tenants(fb, "--json", check=0).stdout) == []
    proc = run_baton(fb, "--tenants", tmp_path / "nope.yaml", "tenants",
                     check=1)
    assert proc.stderr == (f"baton: cannot read the tenants file "
                           f"{tmp_path / 'nope.yaml'} (named by --tenants): "
                           f"No such file or directory\n")
    proc = run_baton(fb, "tenants", env={"BATON_TENANTS": "nope.yaml"},
                     check=1)
    assert "(named by BATON_TENANTS)" in proc.stderr


BAD_CASES = {
    "malformed": (
        'version: "1.0"\n'
        'users:\n'
        '  - id: "user-001"\n'
        '    name: [oops\n'
        '    platform: facebook\n',
        ["users.yaml:5:13: error: invalid YAML: did not find expected ',' "
         "or ']' (while parsing a flow sequence at line 4)"]),
    "missing_env": (
        SEED_V1.replace('"EAACs..."', '"${FB_TOKEN_FINANCE}"'),
        ["users.yaml:18:21: error: tenant 'user-002' credential "
         "'access_token': environment variable FB_TOKEN_FINANCE is not set"]),
    "unknown_pipeline": (
        SEED_V1.replace("      - name: facebook_echo\n        enabled: true\n"
                        "        \n",
                        "      - name: facebok_echo\n        enabled: true\n"
                        "        \n"),
        ["users.yaml:10:15: error: tenant 'user-001' names unknown pipeline "
         "'facebok_echo' (did you mean 'facebook_echo'?)"]),
    "empty_list": (
        'version: "1.0"\nusers: []\n',
        ["users.yaml:2:1: error: no tenants defined in users.yaml"]),
    "duplicate_ids": (
        SEED_V1.replace('id: "user-002"', 'id: "user-001"'),
        ["users.yaml:13:9: error: duplicate tenant id 'user-001' (first "
         "defined at line 3)"]),
    "misspelled_key": (
        SEED_V1.replace("    credentials:\n      page_id: \"987",
                        "    credentails:\n      page_id: \"987"),
        ["users.yaml:16:5: error: unknown key 'credentails' in tenant "
         "'user-002' (did you mean 'credentials'?)"]),
    "wrong_types": (
        'users:\n'
        '  - id: a\n'
        '    credentials: [token]\n'
        '    pipelines: facebook_echo\n',
        ["users.yaml:3:18: error: tenant 'a': 'credentials' must be a "
         "mapping of names to values, not a list",
         "users.yaml:4:16: error: tenant 'a': 'pipelines' must be a list of "
         "pipeline names, not a scalar"]),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_errors(fb, case, monkeypatch):
    text, expected = BAD_CASES[case]
    (fb / "users.yaml").write_text(text)
    monkeypatch.delenv("FB_TOKEN_FINANCE", raising=False)
    proc = tenants(fb, check=1)
    assert error_lines(proc.stderr) == expected
    assert proc.stdout == ""
    assert_no_secrets(proc, SEED_SECRETS)
    # The source line and a caret follow each error.
    assert "^" in proc.stderr


def test_missing_env_var_is_named_even_when_others_are_set(fb, monkeypatch):
    monkeypatch.delenv("FB_TOKEN_FINANCE", raising=False)
    (fb / "users.yaml").write_text(
        SEED_V1.replace('"EAABs..."', '"${FB_TOKEN_HEALTH}"')
        .replace('"EAACs..."', '"${FB_TOKEN_FINANCE}"'))
    proc = tenants(fb, env={"FB_TOKEN_HEALTH": "canary-xyz"}, check=1)
    assert error_lines(proc.stderr) == [
        "users.yaml:18:21: error: tenant 'user-002' credential "
        "'access_token': environment variable FB_TOKEN_FINANCE is not set"]
    assert "canary-xyz" not in proc.stdout + proc.stderr


def test_absolute_project_paths_in_messages(fb):
    (fb / "users.yaml").write_text('users: []\n')
    proc = run_baton(fb, "tenants", check=1)
    assert error_lines(proc.stderr) == [
        f"{fb}/users.yaml:1:1: error: no tenants defined in "
        f"{fb}/users.yaml"]


def test_help_mentions_tenants(fb):
    proc = run_baton(fb, "tenants", "--help", check=0)
    assert "--tenants FILE" in proc.stdout
    assert "never" in proc.stdout
    proc = run_baton(fb, "--help", check=0)
    assert "tenants" in proc.stdout
