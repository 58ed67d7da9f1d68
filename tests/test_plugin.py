"""The pytest plugin and report, tested by running pytest (pytester).

An inner run is in this process (``_run``) unless it needs a process of its own: a signal sent to it, two runs at
once, its environment variables, or a report compared with one measured in a fresh process (a row's environment says
whether torch was loaded, and this process may have loaded it for another test). Under xdist the workers are
processes anyway (a worker that ``os._exit``s kills only itself); only the controller is in this process. An
interpreter start with the plugin's imports costs about a CPU second, and most of these tests run several sessions."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time

import pytest

from toy_claims.harness import registry, report, shards, store

pytest_plugins = ["pytester"]


@pytest.fixture
def pytester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """pytester whose runs load the claims plugin the way any project opts in to it (it is never auto-loaded)."""
    pytester.makeconftest('pytest_plugins = ["toy_claims.harness.plugin"]\n')
    monkeypatch.setattr(registry, "_REGISTRY", {})  # this process's registry is back as it was after the test
    # Every process an inner run starts (xdist workers, subprocess runs, --claims-update's kernel runs) skips
    # hypothesis's pytest plugin: it imports hypothesis, about half of such a process's start, and no inner test uses it.
    monkeypatch.setenv("PYTEST_ADDOPTS", "-p no:hypothesispytest")
    return pytester


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """An inner pytest run in this process, starting from an empty claim registry as a fresh process would (which
    claims still exist is read from the registry). pytester re-imports the inner test modules each run."""
    registry._REGISTRY.clear()
    return pytester.runpytest_inprocess(*args)


CLAIMS = '''
import pytest
from toy_claims.harness.claims import claim, Source, AtMost, REPRODUCED, REFUTED, OBSERVATION

SRC = Source("f.txt", "S", "a quote")
LE1 = AtMost("x", 1.0, why="w", claimed="≤ 1")

@pytest.fixture(autouse=True)
def broken_fixture(request):
    if request.node.originalname == "test_setup_fails":
        raise RuntimeError("fixture broke")

@claim(scope="source", id="t.holds", source=SRC, statement="holds", setup={"n": 3}, criterion=LE1, expected=REPRODUCED, group="g")
def test_holds(ctx):
    return {"x": [0.5 + 0.01 * s for s in ctx.seeds(3)]}

@claim(scope="source", id="t.refuted", source=SRC, statement="refuted", setup={}, criterion=LE1, expected=REFUTED, reason="x is 2", group="g")
def test_refuted(ctx):
    return {"x": 2.0}

@claim(scope="source", id="t.nan", source=SRC, statement="nan", setup={}, criterion=LE1, expected=REPRODUCED)
def test_nan(ctx):
    return {"x": float("nan")}

@claim(scope="source", id="t.seed", source=SRC, statement="depends on the seed", setup={}, criterion=LE1, expected=REPRODUCED)
def test_seed(ctx):
    return {"x": float(ctx.seeds(1)[0])}

@claim(scope="source", id="t.observed", source=SRC, statement="observed", setup={}, criterion=None, expected=OBSERVATION)
def test_observed(ctx):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots()
    ax.plot([1, 2, 3])
    ctx.figure(fig, "curve", "a curve")
    ctx.note("| a | b |")
    return {"y": [1.0, 2.0, 3.0]}

@claim(scope="source", id="t.setup", source=SRC, statement="setup fails", setup={}, criterion=LE1, expected=REPRODUCED)
def test_setup_fails(ctx):
    return {"x": 0.0}
'''


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyfile(test_claims_demo=CLAIMS)
    return pytester


def test_the_plugin_and_the_claim_declarations_load_without_torch():
    """A session that trains nothing never imports torch: each inner session here, and each xdist worker's start,
    would otherwise pay for it (harness.plugin imports it only for a cuda run, harness.claims only where a functional
    form's controls are built)."""
    code = ("import sys, toy_claims.harness.plugin, toy_claims.harness.claims, toy_claims.harness.report; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'torch')[:3])")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "[]"


def test_report_is_the_same_serial_and_under_xdist_and_a_subset_keeps_other_rows(suite):
    # Serial runs in a process of its own, like the xdist workers: a row's environment says whether torch was loaded
    # (cpu_capability), and this process may have loaded it for another test.
    serial = suite.runpytest_subprocess("-n", "0")
    serial.assert_outcomes(passed=4, failed=1, errors=1)
    parallel = _run(suite, "-n", "2", "--claims-report", "parallel/CLAIMS.md")
    parallel.assert_outcomes(passed=4, failed=1, errors=1)
    docs = [json.loads((suite.path / d / "CLAIMS.json").read_text()) for d in (".", "parallel")]
    assert docs[0] == docs[1]
    verdicts = {c["id"]: c["verdict"] for c in docs[0]["claims"]}
    assert verdicts == {"t.holds": "reproduced", "t.refuted": "refuted", "t.nan": "error", "t.seed": "reproduced",
                        "t.observed": "observation", "t.setup": "error"}
    holds = next(c for c in docs[0]["claims"] if c["id"] == "t.holds")
    assert holds["measured"]["x"] == [0.5, 0.51, 0.52] and holds["source"]["quote"] == "a quote"
    assert next(c for c in docs[0]["claims"] if c["id"] == "t.nan")["measured"]["x"] is None
    figure = "claims_figures/t.observed/curve.png"
    assert (suite.path / figure).read_bytes() == (suite.path / "parallel" / figure).read_bytes()
    assert not list(suite.path.rglob("*.tmp"))
    markdown, page = (suite.path / "CLAIMS.md").read_text(), (suite.path / "CLAIMS/f_t.md").read_text()
    assert "## Summary" in markdown and "t.nan" in markdown and f"(../{figure})" in page  # a page's links go up
    serial.stdout.fnmatch_lines(["*claims*", "*t.refuted*refuted*refuted*"])  # terminal summary table

    time.sleep(1.1)  # run ids have one-second resolution
    first_log = json.loads((suite.path / "CLAIMS.run.json").read_text())
    suite.runpytest_subprocess("-n", "0", "-k", "holds").assert_outcomes(passed=1)
    subset = json.loads((suite.path / "CLAIMS.json").read_text())
    assert subset == docs[0]  # same measurements: the committed file does not change
    log = json.loads((suite.path / "CLAIMS.run.json").read_text())
    runs = {k: r["run"] for k, r in log["rows"].items()}
    assert len(runs) == 6 and runs["t.holds"] == log["run"]["id"] != first_log["run"]["id"]
    assert all(runs[k] == first_log["run"]["id"] for k in runs if k != "t.holds")  # kept rows keep their run


def test_a_seed_shift_that_flips_a_verdict_turns_the_check_red(suite):
    result = _run(suite, "-n", "0", "-k", "seed", "--claims-seed", "2")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*claim t.seed measured 'refuted', pinned 'reproduced'*"])


def test_a_claim_whose_worker_dies_is_reported_as_error_and_nothing_else_is_lost(pytester):
    pytester.makepyfile(test_crash='''
import os
from toy_claims.harness.claims import claim, Source, AtMost, REPRODUCED

SRC = Source("f.txt", "S", "q")

@claim(scope="source", id="c.dies", source=SRC, statement="dies", setup={}, criterion=AtMost("x", 1.0, why="w", claimed=""), expected=REPRODUCED)
def test_dies(ctx):
    os._exit(3)

@claim(scope="source", id="c.lives", source=SRC, statement="lives", setup={}, criterion=AtMost("x", 1.0, why="w", claimed=""), expected=REPRODUCED)
def test_lives(ctx):
    return {"x": 0.5}
''')
    _run(pytester, "-n", "1").assert_outcomes(passed=1, failed=1)
    verdicts = {c["id"]: (c["verdict"], c["error"]) for c in json.loads((pytester.path / "CLAIMS.json").read_text())["claims"]}
    assert verdicts["c.lives"] == ("reproduced", None)
    assert verdicts["c.dies"][0] == "error" and "crashed" in verdicts["c.dies"][1]


@pytest.mark.parametrize("workers", ["0", "2"])
def test_sigterm_ends_the_run_with_the_report_of_what_was_measured(pytester, workers):
    pytester.makepyfile(test_slow='''
import pathlib
import time
from toy_claims.harness.claims import claim, Source, AtMost, REPRODUCED

SRC = Source("f.txt", "S", "q")

@claim(scope="source", id="s.fast", source=SRC, statement="fast", setup={}, criterion=AtMost("x", 1.0, why="w", claimed=""), expected=REPRODUCED, group="g")
def test_fast(ctx):
    return {"x": 0.5}

@claim(scope="source", id="s.stuck", source=SRC, statement="stuck", setup={}, criterion=AtMost("x", 1.0, why="w", claimed=""), expected=REPRODUCED, group="g")
def test_stuck(ctx):
    pathlib.Path("stuck").write_text("the fast claim is done")
    time.sleep(600)
''')
    pytester.makeconftest('pytest_plugins = ["toy_claims.harness.plugin"]')
    process = subprocess.Popen([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", workers],
                               cwd=pytester.path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 60
    while not (pytester.path / "stuck").exists() and time.time() < deadline:
        time.sleep(0.1)
    time.sleep(1.0)  # the fast claim's report reaches the controller
    process.send_signal(signal.SIGTERM)
    out, _ = process.communicate(timeout=60)
    rows = {c["id"]: c for c in json.loads((pytester.path / "CLAIMS.json").read_text())["claims"]}
    assert rows["s.fast"]["verdict"] == "reproduced", out
    assert store.pair_is_consistent(pytester.path / "CLAIMS.md")


def test_claims_of_one_group_run_on_one_worker(pytester):
    pytester.makepyfile(test_grouped='''
import os
from toy_claims.harness.claims import claim, Source, OBSERVATION

def define(i, group):
    @claim(scope="source", id=f"w.{group}{i}", source=Source("f.txt", "S", "q"), statement="s", setup={}, criterion=None,
           expected=OBSERVATION, group=group)
    def test_worker(ctx):
        ctx.note(os.environ["PYTEST_XDIST_WORKER"])
        return {"i": i}
    return test_worker

for i in range(4):
    globals()[f"test_a{i}"] = define(i, "a")
    globals()[f"test_b{i}"] = define(i, "b")
''')
    _run(pytester, "-n", "2", "--dist", "loadgroup").assert_outcomes(passed=8)
    claims = json.loads((pytester.path / "CLAIMS.json").read_text())["claims"]
    workers = {g: {c["notes"][0] for c in claims if c["id"].startswith(f"w.{g}")} for g in "ab"}
    assert len(workers["a"]) == len(workers["b"]) == 1


def test_no_report_when_no_claim_ran(pytester):
    pytester.makepyfile(test_plain="def test_ok():\n    assert True\n")
    _run(pytester, "-n", "0").assert_outcomes(passed=1)
    assert not (pytester.path / "CLAIMS.md").exists()


def test_a_run_without_claims_keeps_its_threads(pytester, monkeypatch):
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        monkeypatch.delenv(name, raising=False)
    pytester.makepyfile(test_plain="import os\n\ndef test_ok():\n    assert 'OMP_NUM_THREADS' not in os.environ\n")
    pytester.runpytest_subprocess("-n", "0").assert_outcomes(passed=1)


def test_bad_device_is_a_usage_error(pytester):
    result = _run(pytester, "--claims-device", "tpu")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--claims-device*invalid choice*"])


@pytest.mark.timeout(120)  # a scheduler that hangs fails the test (the inner run is in this process)
def test_a_claim_that_kills_its_worker_under_loadgroup_is_one_error_row_and_the_run_finishes(pytester):
    pytester.makepyfile(test_crash='''
import os
from toy_claims.harness.claims import claim, Source, AtMost, REPRODUCED

LE1 = AtMost("x", 1.0, why="w", claimed="")

def define(name, group, dies):
    @claim(scope="source", id=f"k.{name}", source=Source("f.txt", "S", "q"), statement="s", setup={}, criterion=LE1,
           expected=REPRODUCED, group=group)
    def test_k(ctx):
        if dies:
            os._exit(3)
        return {"x": 0.5}
    return test_k

test_a_first = define("a-first", "g", False)
test_b_dies = define("b-dies", "g", True)
test_c_after = define("c-after", "g", False)
test_d_other = define("d-other", "h", False)
''')
    result = _run(pytester, "-n", "2", "--dist", "loadgroup", "--claims-seed", "3")
    result.assert_outcomes(passed=3, failed=1)
    rows = {c["id"]: c for c in json.loads((pytester.path / "CLAIMS.json").read_text())["claims"]}
    assert {k: r["verdict"] for k, r in rows.items()} == {
        "k.a-first": "reproduced", "k.b-dies": "error", "k.c-after": "reproduced", "k.d-other": "reproduced"}
    died = rows["k.b-dies"]
    assert "worker died" in died["headline"] and (died["seed_offset"], died["device"], died["scale"]) == (3, "cpu", "ci")
    out = result.stdout.str()  # run once: one crash, no re-run on the replacement worker
    assert out.count("node down") == out.count("replacing crashed worker") == 1 and "maximum crashed" not in out


DEATHS = '''
import os
from toy_claims.harness.claims import claim, Source, AtMost, REPRODUCED

DIE = set(os.environ["DIE"].split(","))

def define(name, group):
    @claim(scope="source", id=f"d.{name}", source=Source("f.txt", "S", "q"), statement="s", setup={},
           criterion=AtMost("x", 1.0, why="w", claimed=""), expected=REPRODUCED, group=group)
    def test_d(ctx):
        if name in DIE:
            os._exit(1)
        return {"x": 0.5}
    return test_d

for i in range(10):
    globals()[f"test_u{i}"] = define(f"u{i}", None)
for i in range(3):
    globals()[f"test_g{i}"] = define(f"g{i}", "g")
'''


@pytest.mark.timeout(120)  # xdist 3.8's own scheduler hangs on a death: fail, never hang
@pytest.mark.parametrize("die, options", [
    ("u4", []),  # one ungrouped claim: xdist 3.8's own scope scheduler hangs here
    ("u0,g1,u9", []),  # three, the first, one inside a group and the last
    ("u1,u2,u3,u5", ["--max-worker-restart", "2"]),  # more deaths than xdist replaces: the rest is not run
], ids=["one-ungrouped", "three-grouped-and-not", "beyond-max-worker-restart"])
def test_any_number_of_worker_deaths_under_the_projects_scheduling_leave_a_row_per_claim(pytester, monkeypatch, die, options):
    pytester.makepyfile(test_deaths=DEATHS)
    monkeypatch.setenv("DIE", die)
    result = _run(pytester, "-n", "2", "--dist", "loadgroup", *options)
    rows = {c["id"]: c for c in json.loads((pytester.path / "CLAIMS.json").read_text())["claims"]}
    assert sorted(rows) == sorted([f"d.u{i}" for i in range(10)] + [f"d.g{i}" for i in range(3)]), result.stdout.str()
    dies = {f"d.{name}" for name in die.split(",")}
    errors = {k for k, r in rows.items() if r["verdict"] == "error"}
    never_ran = {k for k in errors if "max-worker-restart" in rows[k]["error"]}
    died = errors - never_ran
    assert all("worker died" in rows[k]["headline"] for k in died)
    assert (died <= dies and bool(never_ran)) if options else (died == dies and not never_ran)
    assert all(r["verdict"] == "reproduced" for k, r in rows.items() if k not in errors)
    assert store.pair_is_consistent(pytester.path / "CLAIMS.md")
    assert result.stdout.str().count("node down") == len(died)  # one death a claim: never a re-run


@pytest.mark.parametrize("content, message", [
    ("[1, 2]", "*is not a toy-claims/report/v4 report*"),
    ('{"schema": "toy-claims/report/v0", "claims": []}', "*is not a toy-claims/report/v4 report*"),
    ('{"schema": "toy-claims/report/v1", "claims": [', "*is not a readable report*"),
])
def test_a_foreign_or_corrupt_report_is_refused_before_any_claim_runs_and_kept(suite, content, message):
    (suite.path / "CLAIMS.json").write_text(content)
    result = _run(suite, "-n", "0")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])
    assert (suite.path / "CLAIMS.json").read_text() == content and not (suite.path / "CLAIMS.md").exists()


@pytest.mark.parametrize("path, message", [
    ("", "*must name a Markdown file ending in .md*"),
    ("out.json", "*must name a Markdown file ending in .md*"),
    ("adir.md", "*must name a file, got the directory*"),
    ("afile/CLAIMS.md", "*is not writable*"),
    ("/proc/CLAIMS.md", "*the directory '/proc' is not writable*"),
    ("figs/CLAIMS.md", "*figs/claims_figures is not a folder*"),
    ("rows/CLAIMS.md", "*rows/CLAIMS.json: claim #1: lacks id*never overwritten*"),
    ("source/CLAIMS.md", "*claim 'a.b': 'source' must be an object with the strings file, section and quote*"),
])
def test_a_report_path_that_cannot_be_written_is_refused_up_front(suite, path, message):
    """Everything the session end needs is checked before the first claim runs: a run never measures for minutes
    and then cannot write."""
    (suite.path / "adir.md").mkdir()
    (suite.path / "afile").write_text("a file, not a directory")
    (suite.path / "figs").mkdir()
    (suite.path / "figs/claims_figures").write_text("a file where the figures go")
    _rows_at(suite.path / "rows", [{k: v for k, v in _row().items() if k != "id"}])
    _rows_at(suite.path / "source", [{**_row(), "source": "f.txt"}])
    result = _run(suite, "-n", "0", "--claims-report", path)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def _row() -> dict:
    doc, _ = report.merge_records(None, [{
        "id": "a.b", "version": 1, "statement": "s", "source": {"file": "f", "section": "S", "quote": "q"}, "setup": {},
        "criterion": None, "expected": "observation", "reason": "", "verdict": "observation", "measured": {"y": 1.0},
        "headline": "", "notes": [], "figures": [], "error": None, "seed_offset": 0, "device": "cpu", "scale": "ci",
        "environment": None}])
    return doc["claims"][0]


def _rows_at(folder, rows) -> None:
    folder.mkdir()
    (folder / "CLAIMS.json").write_text(json.dumps({"schema": report.SCHEMA, "environment": None, "claims": rows}))


QUICK = '''
import time
from toy_claims.harness.claims import claim, Source, AtMost, REPRODUCED

LE1 = AtMost("x", 1.0, why="w", claimed="")

@claim(scope="source", id="q.fine", source=Source("f.txt", "S", "q"), statement="s", setup={}, criterion=LE1, expected=REPRODUCED)
def test_fine(ctx):
    return {"x": 0.5}

@claim(scope="source", id="q.stuck", source=Source("f.txt", "S", "q"), statement="s", setup={}, criterion=LE1, expected=REPRODUCED)
def test_stuck(ctx):
    time.sleep(60)

@claim(scope="source", id="q.huge", source=Source("f.txt", "S", "q"), statement="s", setup={}, criterion=LE1, expected=REPRODUCED)
def test_huge(ctx):
    return {"x": 0.5, "big": [1.0, 10**400]}
'''


@pytest.mark.parametrize("workers", ["0", "2"])
def test_a_stuck_claim_and_an_unrepresentable_number_are_error_rows_and_the_rest_is_reported(pytester, workers):
    pytester.makepyfile(test_quick=QUICK)
    result = _run(pytester, "-n", workers, "--claims-timeout", "2")  # pytest-timeout's SIGALRM, in the claim's process
    result.assert_outcomes(passed=1, failed=2)
    rows = {c["id"]: c for c in json.loads((pytester.path / "CLAIMS.json").read_text())["claims"]}
    assert rows["q.fine"]["verdict"] == "reproduced"
    assert rows["q.stuck"]["verdict"] == "error" and "over its time limit" in rows["q.stuck"]["headline"]
    assert rows["q.huge"]["verdict"] == "error" and "float64 numbers" in rows["q.huge"]["error"]
    assert result.duration < 40


def test_a_report_that_cannot_be_written_at_the_end_keeps_the_runs_rows_beside_it(pytester):
    """Something at the report path changed while the run measured (here: a foreign CLAIMS.json appears): the rows go
    to a report of their own, to be merged, and the run fails saying where."""
    pytester.makepyfile(test_spoil='''
import pathlib
from toy_claims.harness.claims import claim, Source, AtMost, REPRODUCED

@claim(scope="source", id="s.spoils", source=Source("f.txt", "S", "q"), statement="s", setup={},
       criterion=AtMost("x", 1.0, why="w", claimed=""), expected=REPRODUCED)
def test_spoils(ctx):
    pathlib.Path("CLAIMS.json").write_text("not a report")
    return {"x": 0.5}
''')
    result = _run(pytester, "-n", "0")
    assert result.ret == pytest.ExitCode.TESTS_FAILED and (pytester.path / "CLAIMS.json").read_text() == "not a report"
    [kept] = pytester.path.glob("CLAIMS.unsaved-*/CLAIMS.json")
    assert [c["id"] for c in json.loads(kept.read_text())["claims"]] == ["s.spoils"]
    result.stdout.fnmatch_lines([f"*could not write {pytester.path / 'CLAIMS.md'} (ReportError: *is not a readable report*"
                                 f"are in {kept.with_suffix('.md')}: merge them with python -m toy_claims.harness.shards*"])


def test_two_runs_writing_one_report_lose_nothing(pytester):
    """Each run holds the report's lock while it reads the report it merges into and writes it."""
    for name in ("a", "b"):
        pytester.makepyfile(**{f"test_{name}": f'''
from toy_claims.harness.claims import claim, Source, OBSERVATION

@claim(scope="source", id="r.{name}", source=Source("f.txt", "S", "q"), statement="s", setup={{}}, criterion=None,
       expected=OBSERVATION)
def test_one(ctx):
    import pathlib
    pathlib.Path("measured-{name}").write_text("")
    return {{"y": 1.0}}
'''})
    with store.locked(pytester.path / "CLAIMS.md"):  # both runs end while a third writer holds the report
        runs = [subprocess.Popen([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "0", f"test_{name}.py"],
                                 cwd=pytester.path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                for name in ("a", "b")]
        deadline = time.time() + 60
        while not all((pytester.path / f"measured-{name}").exists() for name in "ab") and time.time() < deadline:
            time.sleep(0.1)
        time.sleep(1.0)  # both sessions reach their end and wait for the lock
    outs = [run.communicate(timeout=60)[0] for run in runs]
    assert all("waiting for" in out and "another run is writing this report" in out for out in outs), outs
    assert sorted(c["id"] for c in json.loads((pytester.path / "CLAIMS.json").read_text())["claims"]) == ["r.a", "r.b"]
    assert store.pair_is_consistent(pytester.path / "CLAIMS.md")


def test_a_measurement_of_the_wrong_type_is_an_error_row_and_the_report_still_renders(pytester):
    pytester.makepyfile(test_types='''
from toy_claims.harness.claims import claim, Source, AtMost, OBSERVATION, REPRODUCED

@claim(scope="source", id="m.list", source=Source("f.txt", "S", "q"), statement="a | pipe", setup={"a|b": "c|d"}, criterion=None,
       expected=OBSERVATION)
def test_list(ctx):
    return [1.0, 2.0]

@claim(scope="source", id="m.string", source=Source("f.txt", "S", "q"), statement="s", setup={}, criterion=AtMost("x", 1.0, why="w", claimed=""),
       expected=REPRODUCED)
def test_string(ctx):
    return {"x": "0.5"}
''')
    _run(pytester, "-n", "0").assert_outcomes(failed=2)
    rows = {c["id"]: c for c in json.loads((pytester.path / "CLAIMS.json").read_text())["claims"]}
    assert rows["m.list"]["verdict"] == rows["m.string"]["verdict"] == "error"
    assert "must be a dict" in rows["m.list"]["error"] and "x='0.5'" in rows["m.string"]["error"]
    markdown, page = (pytester.path / "CLAIMS.md").read_text(), (pytester.path / "CLAIMS/f_t.md").read_text()
    assert "a \\| pipe" in markdown and "a\\|b" in page  # a pipe in a cell does not split the table


def test_a_quantity_moved_by_a_few_seed_sd_turns_the_check_red_until_accepted(suite):
    _run(suite, "-n", "0", "-k", "holds").assert_outcomes(passed=1)
    path = suite.path / "CLAIMS.json"
    doc = json.loads(path.read_text())
    row = next(c for c in doc["claims"] if c["id"] == "t.holds")
    row["measured"]["x"] = [x - 0.04 for x in row["measured"]["x"]]  # each seed 4 seed sd (sd 0.01) lower; verdict unchanged
    path.write_text(json.dumps(doc))
    red = _run(suite, "-n", "0", "-k", "holds")
    red.assert_outcomes(failed=1)
    red.stdout.fnmatch_lines(["*claim t.holds drifted from its accepted measurements*"
                              "x: 0.46 → 0.5 (moved 0.04, tolerance 0.001: 40× over)*--claims-update*"])
    assert "drifted from their accepted measurements: t.holds" in (suite.path / "CLAIMS.md").read_text()
    _run(suite, "-n", "0", "-k", "holds").assert_outcomes(failed=1)  # still red: not accepted
    accepted = _run(suite, "-n", "0", "-k", "holds", "--claims-update")
    accepted.assert_outcomes(passed=1)
    accepted.stdout.fnmatch_lines(["*claims-update: seed sweep of 1 claim(s) over 5 offsets*",
                                   "*claims-update: 1 claim(s) under kernel set x86-64-v3*",
                                   "*claims-update: kernel noise under x86-64-v3, x86-64-v2: 1 claim(s)"])
    row = next(c for c in json.loads(path.read_text())["claims"] if c["id"] == "t.holds")
    assert row["seed_sweep"]["offsets"] == [0, 1, 2, 3, 4] and row["kernel_noise"] == {"x": 0.0}
    _run(suite, "-n", "0", "-k", "holds").assert_outcomes(passed=1)


def test_a_reworded_reason_is_accepted_with_the_evidence_of_a_new_row(suite):
    """--claims-update takes a row whose reason now reads otherwise as new, numbers and all: its seed sweep and kernel
    noise are measured again, never dropped with the old row."""
    _run(suite, "-n", "0", "-k", "refuted", "--claims-update").assert_outcomes(passed=1)
    path = suite.path / "test_claims_demo.py"
    path.write_text(path.read_text().replace('reason="x is 2"', 'reason="x is two"'))
    _run(suite, "-n", "0", "-k", "refuted", "--claims-update").assert_outcomes(passed=1)
    row = next(c for c in json.loads((suite.path / "CLAIMS.json").read_text())["claims"] if c["id"] == "t.refuted")
    assert row["reason"] == "x is two" and row["kernel_noise"] == {"x": 0.0}
    assert row["seed_sweep"]["verdicts"] == ["refuted"] * 5


def test_a_claim_that_cannot_be_measured_under_other_kernels_gets_no_made_up_noise(pytester):
    pytester.makepyfile(test_k='''
import os
from toy_claims.harness.claims import claim, Source, AtMost, REPRODUCED

@claim(scope="source", id="k.native-only", source=Source("f.txt", "S", "q"), statement="s", setup={},
       criterion=AtMost("x", 1.0, claimed="≤ 1", why="w"), expected=REPRODUCED)
def test_k(ctx):
    assert "ATEN_CPU_CAPABILITY" not in os.environ, "only measurable on the native kernels"
    return {"x": [0.5, 0.6]}
''')
    result = _run(pytester, "-n", "0", "--claims-update")
    result.stdout.fnmatch_lines(["*claims-update: k.native-only: error under kernel set x86-64-v3, reproduced here*",
                                 "*kernel noise under x86-64-v3, x86-64-v2: 0 claim(s); not measured for k.native-only*"])
    row = json.loads((pytester.path / "CLAIMS.json").read_text())["claims"][0]
    assert "kernel_noise" not in row


def test_an_unchanged_run_leaves_the_committed_files_byte_identical(suite):
    # serial: that xdist writes the same report as a serial run is the test above (CLAIMS.md renders CLAIMS.json)
    _run(suite, "-n", "0")
    before = {p: (suite.path / p).read_bytes() for p in ("CLAIMS.json", "CLAIMS.md", "claims_figures/t.observed/curve.png")}
    time.sleep(1.1)
    _run(suite, "-n", "0")
    assert {p: (suite.path / p).read_bytes() for p in before} == before


def test_a_move_within_the_rule_keeps_the_accepted_numbers_and_the_run_log_gets_the_new_ones(suite):
    _run(suite, "-n", "0", "-k", "holds or observed")
    path = suite.path / "CLAIMS.json"
    doc = json.loads(path.read_text())
    row = next(c for c in doc["claims"] if c["id"] == "t.holds")
    row["measured"]["x"][0] += 1e-4  # a tenth of the 0.001 tolerance: another CPU's last bits
    row["environment"] = {**row["environment"], "cpu_capability": "ANOTHER"}
    row["seed_sweep"] = {"offsets": [0], "verdicts": ["reproduced"], "intervals": [[0.5, 0.52]]}
    path.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    _run(suite, "-n", "0", "-k", "holds or observed").assert_outcomes(passed=2)
    kept = next(c for c in json.loads(path.read_text())["claims"] if c["id"] == "t.holds")
    assert kept["measured"] == row["measured"] and kept["environment"] == row["environment"]
    assert kept["seed_sweep"] == row["seed_sweep"]
    log = json.loads((suite.path / "CLAIMS.run.json").read_text())
    assert log["rows"]["t.holds"]["measured"]["x"][0] == pytest.approx(0.5) and log["rows"]["t.holds"]["drift"] == "unchanged"


def test_a_run_at_another_seed_offset_is_refused_at_the_baselines_report_path(suite):
    _run(suite, "-n", "0", "-k", "holds").assert_outcomes(passed=1)
    before = (suite.path / "CLAIMS.json").read_bytes()
    refused = _run(suite, "-n", "0", "-k", "holds", "--claims-seed", "7")
    assert refused.ret == pytest.ExitCode.USAGE_ERROR
    refused.stderr.fnmatch_lines(["*holds rows measured at seed offset 0*--claims-report seed7/CLAIMS.md*"])
    _run(suite, "-n", "0", "-k", "holds", "--claims-seed", "7", "--claims-report", "seed7/CLAIMS.md")
    assert (suite.path / "CLAIMS.json").read_bytes() == before
    assert json.loads((suite.path / "seed7/CLAIMS.json").read_text())["claims"][0]["seed_offset"] == 7


def test_two_shards_merge_into_the_report_of_one_full_run(suite):
    _run(suite, "-n", "0", "--claims-report", "full/CLAIMS.md")
    _run(suite, "-n", "0", "-k", "holds or nan or observed", "--claims-report", "a/CLAIMS.md")
    _run(suite, "-n", "0", "-k", "not (holds or nan or observed)", "--claims-report", "b/CLAIMS.md")
    merged = suite.run(sys.executable, "-m", "toy_claims.harness.shards", "merge", "merged/CLAIMS.md", "a/CLAIMS.json", "b/CLAIMS.json")
    assert merged.ret == 0, merged.stderr.str()
    for name in ("CLAIMS.json", "CLAIMS.md", "claims_figures/t.observed/curve.png"):
        assert (suite.path / "merged" / name).read_bytes() == (suite.path / "full" / name).read_bytes(), name


def _merge(capsys, *args: str) -> tuple[int, pytest.LineMatcher]:
    """The shards CLI in this process (``python -m`` itself is run once, in the test above): exit code and stderr."""
    capsys.readouterr()
    code = shards.main(["merge", *args])
    return code, pytest.LineMatcher(capsys.readouterr().err.splitlines())


def test_a_merge_refuses_mixed_schemas_and_flags_shards_that_disagree(suite, capsys):
    _run(suite, "-n", "0", "-k", "holds", "--claims-report", "a/CLAIMS.md")
    shutil.copytree(suite.path / "a", suite.path / "b")
    doc = json.loads((suite.path / "b/CLAIMS.json").read_text())
    doc["claims"][0]["measured"]["x"][0] += 1.0
    (suite.path / "b/CLAIMS.json").write_text(json.dumps(doc))
    code, stderr = _merge(capsys, "m/CLAIMS.md", "a/CLAIMS.json", "b/CLAIMS.json")
    assert code == 1
    stderr.fnmatch_lines(["*conflict: t.holds*measured it differently*"])
    doc["schema"] = "toy-claims/report/v1"
    (suite.path / "b/CLAIMS.json").write_text(json.dumps(doc))
    code, stderr = _merge(capsys, "m2/CLAIMS.md", "a/CLAIMS.json", "b/CLAIMS.json")
    assert code == 2
    stderr.fnmatch_lines(["*every shard must be a toy-claims/report/v4 report*"])


def test_rows_of_claims_that_no_longer_exist_are_dropped(pytester):
    define = '''
from toy_claims.harness.claims import claim, Source, OBSERVATION

def define(name):
    @claim(scope="source", id=f"g.{{name}}", source=Source("f.txt", "S", "q"), statement="s", setup={{}}, criterion=None, expected=OBSERVATION)
    def test_g(ctx):
        return {{"y": 1.0}}
    return test_g

{tests}
'''
    pytester.makepyfile(test_gone=define.format(tests='test_a = define("a")\ntest_b = define("b")'),
                        test_other=define.format(tests='test_c = define("c")'))
    _run(pytester, "-n", "0").assert_outcomes(passed=3)  # the baseline; the run that drops a row is under xdist
    pytester.makepyfile(test_gone=define.format(tests='test_a = define("a")'))  # g.b was deleted
    _run(pytester, "-n", "2", "test_gone.py").assert_outcomes(passed=1)
    ids = [c["id"] for c in json.loads((pytester.path / "CLAIMS.json").read_text())["claims"]]
    assert ids == ["g.a", "g.c"]  # g.c's file was not collected but still exists: kept
    (pytester.path / "test_other.py").unlink()
    _run(pytester, "-n", "0", "test_gone.py").assert_outcomes(passed=1)
    assert [c["id"] for c in json.loads((pytester.path / "CLAIMS.json").read_text())["claims"]] == ["g.a"]


def test_the_paper_scale_refuses_to_start_on_the_cpu(pytester):
    result = _run(pytester, "--claims-scale", "paper")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--claims-scale paper is meant for --claims-device cuda*hours to days*"])


def test_a_seed_sweep_runs_every_offset_fails_where_a_pin_breaks_and_records_the_flips(suite):
    result = _run(suite, "-n", "2", "-k", "test_seed or test_holds", "--claims-seed-sweep", "3")
    result.assert_outcomes(passed=5, failed=1)  # t.seed measures x = offset against x ≤ 1: offsets 0 and 1 hold
    result.stdout.fnmatch_lines(["*seed sweep: 1 of 2 claims change verdict across offsets ?0, 1, 2?*",
                                 "*t.seed: 0: reproduced [[]0.0, 0.0], 1: reproduced [[]1.0, 1.0], 2: refuted [[]2.0, 2.0]*"])
    rows = {c["id"]: c for c in json.loads((suite.path / "CLAIMS.json").read_text())["claims"]}
    assert rows["t.seed"]["seed_offset"] == 0 and rows["t.seed"]["seed_sweep"] == {
        "offsets": [0, 1, 2], "verdicts": ["reproduced", "reproduced", "refuted"],
        "intervals": [[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]]}
    assert "1 of 2 claims change verdict" in (suite.path / "CLAIMS.md").read_text()
    _run(suite, "-n", "0", "-k", "test_seed")  # a plain run measuring the same keeps the sweep's evidence
    rows = {c["id"]: c for c in json.loads((suite.path / "CLAIMS.json").read_text())["claims"]}
    assert rows["t.seed"]["seed_sweep"]["offsets"] == [0, 1, 2]
