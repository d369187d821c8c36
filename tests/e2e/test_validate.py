"""End-to-end tests of `baton validate`: the configuration error corpus.

tests/data/bad/CASE.yaml sits beside CASE.err, which holds the exact
error lines `baton validate CASE.yaml` prints when run from inside
tests/data/bad (so paths in the .err are bare file names).  The source
and caret lines that follow each error are left out of the .err files;
test_error_lines_show_source_and_caret checks them separately.

tests/data/good/ holds pipelines that must validate cleanly, among them
seed 004's two examples exactly as written there.

To add a case: write tests/data/bad/NAME.yaml, run
`cd tests/data/bad && baton validate NAME.yaml`, check every message is
right, and put the error lines in NAME.err.
"""
import os
import random
import re
import subprocess
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BATON = os.environ.get("BATON_BIN", str(ROOT / "build" / "baton"))
DATA = ROOT / "tests" / "data"
BAD = DATA / "bad"
GOOD = DATA / "good"

ERROR_LINE = re.compile(r"^\S+:\d+:\d+: error: |^\S+: error: ")
LOCATED = re.compile(r"^(\S+):(\d+):(\d+): error: ")
SUMMARY = re.compile(r"^(\d+) errors? in (\d+) files?$")

BAD_CASES = sorted(p.stem for p in BAD.glob("*.yaml"))
GOOD_CASES = sorted(p.name for p in GOOD.iterdir()
                    if p.suffix in (".yaml", ".yml"))


def validate(*args, cwd=None, project=None):
    """Runs `baton [--project P] validate ARGS` and returns the result,
    with stdout and stderr as text (undecodable bytes kept as escapes)."""
    env = dict(os.environ)
    env["BATON_PLAIN"] = "1"
    env.pop("BATON_STATE", None)
    cmd = [BATON]
    if project is not None:
        cmd += ["--project", str(project)]
    cmd += ["validate", *map(str, args)]
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, timeout=300,
                          env=env)
    proc.stdout = proc.stdout.decode("utf-8", "surrogateescape")
    proc.stderr = proc.stderr.decode("utf-8", "surrogateescape")
    return proc


def error_lines(text):
    """The `file:line:col: error: ...` lines, without context lines."""
    return [line for line in text.splitlines() if ERROR_LINE.match(line)]


def expected(case):
    return (BAD / f"{case}.err").read_text().splitlines()


def source_lines(path):
    data = Path(path).read_bytes().decode("utf-8", "surrogateescape")
    return data.split("\n")


# -- the corpus ---------------------------------------------------------

def test_corpus_is_complete():
    assert len(BAD_CASES) >= 45
    assert len(GOOD_CASES) >= 8
    errs = sorted(p.stem for p in BAD.glob("*.err"))
    assert errs == BAD_CASES, "every bad .yaml needs a .err and vice versa"
    for case in BAD_CASES:
        lines = expected(case)
        assert lines, f"{case}.err is empty"
        for line in lines:
            assert ERROR_LINE.match(line), f"{case}.err: {line!r}"
            assert line.startswith(f"{case}.yaml:"), f"{case}.err: {line!r}"


@pytest.mark.parametrize("case", BAD_CASES)
def test_bad_case(case):
    proc = validate(f"{case}.yaml", cwd=BAD)
    assert proc.returncode == 1, proc.stderr
    assert error_lines(proc.stderr) == expected(case), proc.stderr
    assert "OK" not in proc.stdout
    # The summary counts what was printed.
    summary = proc.stderr.splitlines()[-1]
    m = SUMMARY.match(summary)
    assert m, summary
    assert int(m.group(1)) == len(expected(case))
    assert int(m.group(2)) == 1


@pytest.mark.parametrize("name", GOOD_CASES)
def test_good_case(name):
    proc = validate(name, cwd=GOOD)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert proc.stdout == "1 pipeline file OK\n"


def test_quiet_prints_nothing_when_valid():
    proc = validate("-q", *GOOD_CASES, cwd=GOOD)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "" and proc.stderr == ""


def test_seed_004_examples_are_verbatim():
    """The seed's own examples validate unchanged, scripts and all."""
    seed_dir = Path("/work/shared/seeds")
    seeds = sorted(seed_dir.glob("004_*.txt")) if seed_dir.is_dir() else []
    if not seeds:
        pytest.skip("seed 004 text not available")
    blocks = re.findall(r"```yaml\n(.*?)```", seeds[0].read_text(), re.S)
    mine = [b for b in blocks if b.startswith("# my_pipeline.yaml")]
    data = [b for b in blocks if '"Data Processing Pipeline"' in b]
    assert (GOOD / "my_pipeline.yaml").read_text() == mine[0]
    assert (GOOD / "data_processing.yaml").read_text() == data[0]
    for script in ("setup.py", "process.py", "report.py"):
        assert (GOOD / "my_pipeline" / script).is_file()
    for script in ("fetch.py", "clean.py", "analyze.py", "report.py"):
        assert (GOOD / "data_processing" / script).is_file()


# -- how errors are shown ----------------------------------------------

def test_error_lines_show_source_and_caret():
    """Each located error is followed by its source line and a caret
    under the reported column, compiler-style."""
    checked = 0
    for case in BAD_CASES:
        proc = validate(f"{case}.yaml", cwd=BAD)
        out = proc.stderr.splitlines()
        src = source_lines(BAD / f"{case}.yaml")
        for i, line in enumerate(out):
            m = LOCATED.match(line)
            if not m:
                continue
            lineno, col = int(m.group(2)), int(m.group(3))
            if lineno > len(src) or (lineno == len(src) and not src[-1]):
                continue        # past the end: nothing to show
            text = src[lineno - 1].rstrip("\r")
            assert out[i + 1] == f"{lineno:5d} | {text}", (case, out)
            caret = out[i + 2]
            assert caret.startswith("      | ") and caret.endswith("^"), \
                (case, caret)
            pad = caret[len("      | "):-1]
            assert set(pad) <= {" ", "\t"}, (case, caret)
            if "\t" not in text and text.isascii():
                assert len(pad) == col - 1, (case, line, caret)
            checked += 1
    assert checked >= 45


def test_whole_file_errors_have_no_context():
    proc = validate("empty_file.yaml", "only_comments.yaml", cwd=BAD)
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        "empty_file.yaml: error: pipeline file defines nothing "
        "(it needs a 'steps' list)",
        "only_comments.yaml: error: pipeline file defines nothing "
        "(it needs a 'steps' list)",
        "2 errors in 2 files",
    ]


def test_context_of_a_known_case():
    proc = validate("unknown_dep_hint.yaml", cwd=BAD)
    assert proc.stderr.splitlines() == [
        "unknown_dep_hint.yaml:6:18: error: step 'load' depends on "
        "unknown step 'trnsform' (did you mean 'transform'?)",
        "    6 |     depends_on: [trnsform]",
        "      |                  ^",
        "1 error in 1 file",
    ]


def test_missing_file():
    proc = validate("no_such_pipeline.yaml", cwd=BAD)
    assert proc.returncode == 1
    assert error_lines(proc.stderr) == [
        "no_such_pipeline.yaml: error: cannot read: "
        "No such file or directory"]


# -- several files, directories, projects ------------------------------

def test_several_files_report_every_error():
    cases = ["cycle_3", "unknown_step_key", "several_errors", "tab_indent",
             "yaml_unclosed_quote"]
    proc = validate(*(f"{c}.yaml" for c in cases), "../good/minimal.yaml",
                    cwd=BAD)
    assert proc.returncode == 1
    # Sorted by file name, then by position within each file.
    want = [line for c in sorted(cases) for line in expected(c)]
    assert error_lines(proc.stderr) == want
    assert proc.stderr.splitlines()[-1] == \
        f"{len(want)} errors in {len(cases) + 1} files"


def test_directory_of_bad_files():
    proc = validate("tests/data/bad", cwd=ROOT)
    assert proc.returncode == 1
    got = [line.replace("tests/data/bad/", "")
           for line in error_lines(proc.stderr)]
    want = [line for c in BAD_CASES for line in expected(c)]
    assert got == want
    assert proc.stderr.splitlines()[-1] == \
        f"{len(want)} errors in {len(BAD_CASES)} files"


def test_directory_of_good_files():
    proc = validate(GOOD)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"{len(GOOD_CASES)} pipeline files OK\n"


def write_project(root, pipelines, scripts=None):
    (root / "pipelines").mkdir(parents=True, exist_ok=True)
    for name, text in pipelines.items():
        (root / "pipelines" / f"{name}.yaml").write_text(
            textwrap.dedent(text))
    for rel, text in (scripts or {}).items():
        path = root / "pipelines" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
        path.chmod(0o755)
    return root


def test_project_root_directory_uses_pipelines(tmp_path):
    write_project(tmp_path, {
        "ok": """\
            steps:
              - name: prepare
                script: prepare.sh
            """,
        "typo": """\
            steps:
              - name: transform
                run: echo t
              - name: load
                run: echo l
                depends_on: [trnsform]
            """,
    }, scripts={"ok/prepare.sh": "#!/bin/sh\necho ok\n"})
    proc = validate(tmp_path)
    assert proc.returncode == 1
    assert error_lines(proc.stderr) == [
        f"{tmp_path}/pipelines/typo.yaml:6:18: error: step 'load' depends "
        "on unknown step 'trnsform' (did you mean 'transform'?)"]
    assert proc.stderr.splitlines()[-1] == "1 error in 2 files"


def test_run_of_a_broken_pipeline_runs_nothing(tmp_path):
    write_project(tmp_path, {
        "broken": """\
            steps:
              - name: first
                run: touch ran.txt
              - name: second
                run: touch ran2.txt
                depends_on: [frist]
                timeout: soon
            """,
    })
    env = dict(os.environ, BATON_PLAIN="1")
    env.pop("BATON_STATE", None)
    proc = subprocess.run(
        [BATON, "--project", str(tmp_path), "run", "broken"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, env=env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert error_lines(proc.stderr) == [
        f"{tmp_path}/pipelines/broken.yaml:7:14: error: 'timeout' is not "
        "a valid duration: 'soon' (use e.g. 500ms, 30s, 5m, 2h)"]
    assert "nothing was run" in proc.stderr
    assert not (tmp_path / "ran.txt").exists()
    assert not (tmp_path / "ran2.txt").exists()
    assert not (tmp_path / ".baton" / "runs").exists()


# -- scale ---------------------------------------------------------------

def generated_pipeline(rng, index, nsteps=50):
    """A valid pipeline: a random DAG using params, env, retries,
    templates over upstream outputs and every duration form."""
    lines = [
        f"name: Generated {index}",
        "params:",
        "  day: '2024-01-01'",
        "  region:",
        "    default: eu",
        "env:",
        "  TZ: UTC",
        f"max_parallel: {rng.randint(1, 16)}",
        "defaults:",
        "  timeout: 10m",
        "  retry: {max_attempts: 2, backoff: 100ms}",
        "steps:",
    ]
    for i in range(nsteps):
        deps = sorted(rng.sample(range(i), min(i, rng.randint(0, 3))))
        lines.append(f"  - name: s{i}")
        if deps and rng.random() < 0.5:
            ref = f"{{{{ steps.s{deps[0]}.output.value }}}}"
        else:
            ref = "{{ params.day }}"
        lines.append(f"    run: echo step {i} {ref}")
        if deps:
            names = ", ".join(f"s{d}" for d in deps)
            lines.append(f"    depends_on: [{names}]")
        if rng.random() < 0.3:
            lines.append(f"    timeout: {rng.choice(['30s', '1m30s', '90', '2h'])}")
        if rng.random() < 0.2:
            lines.append("    retry: 3")
        if rng.random() < 0.2:
            lines.append("    env: {REGION: '{{ params.region }}'}")
    return "\n".join(lines) + "\n"


def test_many_generated_pipelines_validate(tmp_path):
    rng = random.Random(4)
    pdir = tmp_path / "pipelines"
    pdir.mkdir()
    for k in range(200):
        (pdir / f"gen_{k:03d}.yaml").write_text(generated_pipeline(rng, k))
    proc = validate(tmp_path)
    assert proc.returncode == 0, proc.stderr[:2000]
    assert proc.stdout == "200 pipeline files OK\n"
    # The same files through project mode (no arguments).
    proc = validate(project=tmp_path)
    assert proc.returncode == 0, proc.stderr[:2000]
    assert proc.stdout == "200 pipeline files OK\n"
    # One broken file among them is found and named.
    (pdir / "gen_100.yaml").write_text(
        generated_pipeline(rng, 100).replace("depends_on: [s0", "depends_on: [s00", 1))
    proc = validate(tmp_path)
    assert proc.returncode == 1
    lines = error_lines(proc.stderr)
    assert len(lines) == 1 and "gen_100.yaml:" in lines[0]
    assert "unknown step 's00' (did you mean 's0'?)" in lines[0]
