"""pytest plugin: options, the ``claims_context`` and ``claims_baseline`` fixtures, and the report written by the controller.

Thin hooks around one ``ClaimsSession``. Claim records travel to the xdist
controller on the test reports (``record_property``), never through files
written by workers; the controller alone (or the single process under ``-n 0``)
merges them into CLAIMS.json / CLAIMS.md at the end of the session. Every process
reads the baseline (the CLAIMS.json at the report path) once, so each claim's
check compares its measurement with its accepted one (``harness.drift``).
"""

from __future__ import annotations

import datetime as _dt
import math
import signal
import tempfile
import threading
from pathlib import Path

import pytest

from toy_claims.harness import drift, render, report, store
from toy_claims.harness import kernels
from toy_claims.harness.environment import git_commit
from toy_claims.harness.context import DEVICES, SCALES, ClaimContext
from toy_claims.harness.registry import claim_head, get_claim, registered_by_module, row_key
from toy_claims.harness.verdicts import ERROR
from toy_claims.lab.runtime import pin_one_thread

__all__ = ["ClaimsSession"]

_COLLECTED = pytest.StashKey[dict]()  # node id -> claim definition, of the claims this process collected
MAX_SEED_OFFSET = 2**32 - 1  # seeds are offset + stream spacing × stream + i: far below 2**64 - 1 for any claim
MAX_SWEEP = 100
CLAIM_TIMEOUT = 1800.0  # seconds: 20× the slowest claim group at the ci scale, so only a stuck claim meets it
SWEEP = 5  # seed offsets a row accepted by --claims-update is swept over (N … N+4), as the committed report requires


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("claims", "claims suite")
    group.addoption("--claims-report", default=None, metavar="PATH",
                    help="where CLAIMS.md is written (CLAIMS.json and figures beside it); default <rootdir>/CLAIMS.md")
    group.addoption("--claims-seed", type=int, default=0, metavar="N",
                    help="shift every seed of every claim by N, to check that verdicts are seed-robust (default 0)")
    group.addoption("--claims-device", default="cpu", choices=DEVICES,
                    help="where the claims compute (default cpu)")
    group.addoption("--claims-update", action="store_true",
                    help="accept measurements that drifted from the committed CLAIMS.json (the baseline) as the new baseline")
    group.addoption("--claims-seed-sweep", type=int, default=1, metavar="K",
                    help="measure every claim at the K seed offsets N, N+1, …, N+K-1 (N = --claims-seed): every pin "
                         "must hold at each, and the report shows the verdict flip rate (default 1: no sweep)")
    group.addoption("--claims-timeout", type=float, default=CLAIM_TIMEOUT, metavar="SECONDS",
                    help="the most a claim's test may take (pytest-timeout, per test; a claim with its own "
                         f"@pytest.mark.timeout keeps it); over it the claim is an error row. 0: no limit "
                         f"(default {CLAIM_TIMEOUT:.0f})")
    group.addoption("--claims-scale", default="ci", choices=SCALES,
                    help="how big the experiments are: ci (the CI machine's sizes) or paper (the sources' sizes, "
                         "meant for a GPU); default ci")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "claim(id): the check of a claim registered by harness.claims.claim")
    if not 1 <= config.getoption("--claims-seed-sweep") <= MAX_SWEEP:
        raise pytest.UsageError(f"--claims-seed-sweep must be an integer in [1, {MAX_SWEEP}] (each offset is a run of "
                                f"every claim), got {config.getoption('--claims-seed-sweep')}")
    if not 0 <= config.getoption("--claims-seed") <= MAX_SEED_OFFSET - config.getoption("--claims-seed-sweep") + 1:
        raise pytest.UsageError(f"--claims-seed must be an integer in [0, 2**32 - 1] (the seeds a claim derives from "
                                f"it must stay valid seeds), got {config.getoption('--claims-seed')}")
    timeout = config.getoption("--claims-timeout")
    if not (math.isfinite(timeout) and timeout >= 0):
        raise pytest.UsageError(f"--claims-timeout must be a number of seconds >= 0 (0: no limit), got {timeout}")
    device = config.getoption("--claims-device")
    if config.getoption("--claims-scale") == "paper" and device != "cuda":
        raise pytest.UsageError(
            "--claims-scale paper is meant for --claims-device cuda: it runs the sources' own sizes (a V = 50304 "
            "vocabulary, 1000 × 1000 logit matrices), hours to days of work on a CPU where the ci scale takes minutes. "
            "Run it on a GPU machine: pytest claims --claims-scale paper --claims-device cuda")
    if device == "cuda" and not _cuda_available():
        raise pytest.UsageError("--claims-device cuda: torch.cuda.is_available() is False on this machine")
    if not hasattr(config, "workerinput"):
        session = ClaimsSession(config)
        try:  # before any claim runs: a run must never end unable to write what it measured
            report.check_report_path(session.report_path, config.getoption("--claims-seed"))
        except report.ReportError as exc:
            raise pytest.UsageError(str(exc)) from None
        session.recovered = store.recover(session.report_path)  # what a killed run left: temp files, a torn pair
        config.pluginmanager.register(session, "claims-session")
        _interrupt_on_sigterm(config)


def _interrupt_on_sigterm(config: pytest.Config) -> None:
    """SIGTERM (what `timeout` and CI runners send) ends the run as Ctrl-C does: pytest stops, and the report is
    written for every claim measured so far. The previous handler comes back when the session ends."""
    if threading.current_thread() is not threading.main_thread():
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt(f"signal {signum} (SIGTERM): stopping; the claims measured so far are reported")

    previous = signal.signal(signal.SIGTERM, interrupt)
    config.add_cleanup(lambda: signal.signal(signal.SIGTERM, previous))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A run that collected claims measures on one thread (bitwise-repeatable CPU runs, no oversubscription under
    -n auto); a run of other tests in a project that loads this plugin keeps its threads. Each collected claim's
    definition is kept, so that the controller can report a claim that never ran (``ClaimsSession``)."""
    config.stash[_COLLECTED] = {item.nodeid: claim_head(get_claim(item.get_closest_marker("claim").args[0]))
                                for item in items if item.get_closest_marker("claim")}
    if config.stash[_COLLECTED]:
        pin_one_thread()
    limit = config.getoption("--claims-timeout")
    if limit > 0:
        for item in items:
            if item.get_closest_marker("claim") and not item.get_closest_marker("timeout"):
                item.add_marker(pytest.mark.timeout(limit))


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):
    """``--dist loadgroup``: claims of one experiment group on one worker, safe when workers die (``harness.scheduling``)."""
    if config.getoption("dist") != "loadgroup":
        return None
    from toy_claims.harness.scheduling import ClaimGroupScheduling

    return ClaimGroupScheduling(config, log)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Under --claims-seed-sweep K, every claim check runs at K seed offsets (each its own test)."""
    sweep = metafunc.config.getoption("--claims-seed-sweep")
    if sweep > 1 and "claims_context" in metafunc.fixturenames:
        base = metafunc.config.getoption("--claims-seed")
        metafunc.parametrize("claims_context", [base + k for k in range(sweep)], indirect=True,
                             ids=[f"seed{base + k}" for k in range(sweep)])


@pytest.fixture
def claims_context(request: pytest.FixtureRequest) -> ClaimContext:
    """Seed offset (the sweep's, under --claims-seed-sweep), device and scale for one claim measurement."""
    pin_one_thread()  # again, now that the claim modules have loaded torch
    opt = request.config.getoption
    return ClaimContext(getattr(request, "param", opt("--claims-seed")), opt("--claims-device"), opt("--claims-scale"))


class Baseline:
    """The accepted rows of the report at the report path, and whether to accept drift."""

    def __init__(self, config: pytest.Config) -> None:
        doc = report.load_report(_report_path(config).with_suffix(".json"))  # checked by the controller at configure
        self.rows = {row_key(c): c for c in (doc or {}).get("claims", [])}
        self.update = config.getoption("--claims-update")


@pytest.fixture(scope="session")
def claims_baseline(request: pytest.FixtureRequest) -> Baseline:
    """The baseline every claim's measurement is compared with (read once per process)."""
    return Baseline(request.config)


def _report_path(config: pytest.Config) -> Path:
    opt = config.getoption("--claims-report")
    return Path(config.rootpath) / "CLAIMS.md" if opt is None else Path(opt)  # "" is refused, never the default


def pytest_sessionfinish(session: pytest.Session) -> None:
    """On an xdist worker: tell the controller which claims the collected modules define (the rest no longer exist)."""
    if hasattr(session.config, "workeroutput"):
        session.config.workeroutput["claims_registered"] = registered_by_module()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    mark = item.get_closest_marker("claim")
    if mark is not None:  # lets a failing setup still name its claim on the report
        item.user_properties.append(("claim_head", claim_head(get_claim(mark.args[0]))))
    collected = item.config.stash.get(_COLLECTED, None)
    if collected and hasattr(item.config, "workerinput"):  # a worker's first report: every claim it will run
        item.user_properties.append(("claims_collected", collected))
        item.config.stash[_COLLECTED] = {}


class ClaimsSession:
    """Collects claim records from test reports and writes the report once, on the controller."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.records: dict[str, dict] = {}
        self.heads: dict[str, dict] = {}  # nodeid -> claim definition: to name a claim that failed, died or never ran
        self.crashed_workers = 0
        self.unwritten: list[str] = []  # what the session end could not write, for the summary
        self.recovered: list[str] = []  # what the start repaired of a killed run's report
        self.doc: dict | None = None
        self.registered: dict[str, set[str]] = {}  # module -> claim ids it defines, from every process that collected it
        self.sweep: dict[str, dict[int, tuple[str, dict | None, dict]]] = {}  # row key -> seed offset -> (verdict,
        # estimate, reading name -> verdict)
        self.tests: dict[str, str] = {}  # row key -> its test function's node id (what a child run selects)
        self.evidence: list[str] = []  # what --claims-update measured besides the run, for the summary
        self.started = _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0)

    @property
    def report_path(self) -> Path:
        return _report_path(self.config)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        props = dict(report.user_properties)
        self.heads.update(props.get("claims_collected", {}))  # a worker's first report: every claim it collected
        if "claim_head" in props:  # every phase's report of a claim check carries it
            self.heads[report.nodeid] = props["claim_head"]
        if "claim" in props:
            record = props["claim"]
            if record["seed_offset"] == self.config.getoption("--claims-seed"):
                self.records[row_key(record)] = record
                self.tests[row_key(record)] = report.nodeid.split("[")[0]
            self.sweep.setdefault(row_key(record), {})[record["seed_offset"]] = (
                record["verdict"], record.get("estimate"), {r["name"]: r["verdict"] for r in record["readings"][1:]})
        elif report.failed and (head := self.heads.get(report.nodeid)):
            # a setup error, or an xdist worker that died (its last reports may die with it: then another worker's
            # list of the claims it collected names the claim)
            opt = self.config.getoption
            record = _failed_before_measuring(head, report, opt("--claims-seed"), opt("--claims-device"), opt("--claims-scale"))
            self.records.setdefault(row_key(record), record)

    def pytest_testnodedown(self, node, error) -> None:
        for module, ids in getattr(node, "workeroutput", {}).get("claims_registered", {}).items():
            self.registered.setdefault(module, set()).update(ids)
        self.crashed_workers += error is not None

    def _never_ran(self) -> list[dict]:
        """Error records of the collected claims that never ran because xdist stopped replacing crashed workers
        (``--max-worker-restart``); a run stopped otherwise (Ctrl-C, ``-x``) keeps their previous rows."""
        from xdist.dsession import get_default_max_worker_restart

        limit = get_default_max_worker_restart(self.config)
        if limit is None or self.crashed_workers <= limit:
            return []
        opt = self.config.getoption
        why = (f"not measured: pytest-xdist stopped after {self.crashed_workers} crashed workers "
               f"(--max-worker-restart {limit}) before this claim ran")
        records = [_not_measured(head, why, opt("--claims-seed"), opt("--claims-device"), opt("--claims-scale"))
                   for head in self.heads.values()]
        return [r for r in records if row_key(r) not in self.records]

    def _still_defined(self, row: dict) -> bool:
        """Whether a kept row's claim still exists: its module was collected and defines it, or was not collected
        but its file is still there."""
        module = row.get("module")
        if module is None:
            return True
        if module in self.registered:
            return row["id"] in self.registered[module]
        return (Path(self.config.rootpath) / (module.replace(".", "/") + ".py")).exists()

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.crashed_workers:
            self.records.update((row_key(r), r) for r in self._never_ran())
        if not self.records:
            return
        if not hasattr(session.config, "workerinput") and not self.registered:  # no xdist: this process collected
            self.registered = {m: set(ids) for m, ids in registered_by_module().items()}
        run = {
            "id": self.started.strftime("%Y%m%dT%H%M%SZ"),
            "started": self.started.isoformat(),
            "commit": git_commit(self.config.rootpath),
            "seed_offset": self.config.getoption("--claims-seed"),
            "device": self.config.getoption("--claims-device"),
            "scale": self.config.getoption("--claims-scale"),
        }
        records = [self.records[k] for k in sorted(self.records)]
        if self.config.getoption("--claims-seed-sweep") > 1:
            for record in records:
                swept = self.sweep.get(row_key(record), {})
                offsets = sorted(swept)
                record["seed_sweep"] = {"offsets": offsets, "verdicts": [swept[k][0] for k in offsets],
                                        "intervals": [_interval(swept[k][1]) for k in offsets]}
                if record["readings"]:  # each alternative reading's verdict at each offset
                    record["seed_sweep"]["readings"] = {r["name"]: [swept[k][2].get(r["name"]) for k in offsets]
                                                        for r in record["readings"][1:]}
        try:
            if self.config.getoption("--claims-update"):
                self._measure_evidence(records, report.load_report(self.report_path.with_suffix(".json")))
            with store.locked(self.report_path, waiting=self._say):  # read again under the lock: another run may have written
                self.doc = self._write(self.report_path, report.load_report(self.report_path.with_suffix(".json")),
                                       records, run)
        except (report.ReportError, OSError, ValueError, TypeError) as exc:  # what the session end can still meet
            self._rescue(records, run, f"{type(exc).__name__}: {exc}")
            session.exitstatus = pytest.ExitCode.TESTS_FAILED if session.exitstatus == 0 else session.exitstatus

    def _write(self, md_path: Path, previous: dict | None, records: list[dict], run: dict) -> dict:
        """Merge ``records`` into ``previous`` and write the report at ``md_path``. A row that cannot be rendered
        is left out (its previous row stays) and said in the summary: the rest of the run is written."""
        doc, figures = report.merge_records(previous, records, accept=self.config.getoption("--claims-update"),
                                            keep=self._still_defined)
        old = {row_key(c): c for c in (previous or {}).get("claims", [])}
        rows = []
        for row in doc["claims"]:
            problem = report.render_problem(row)
            if problem is None:
                rows.append(row)
                continue
            self.unwritten.append(f"{row_key(row)}: not written, {problem}")
            if row_key(row) in old:
                rows.append(old[row_key(row)])
        doc["claims"] = rows
        shown = {f["path"] for row in rows for f in row["figures"]}
        figures = {path: data for path, data in figures.items() if path in shown}
        store.write_report(md_path, doc, figures, report.merge_run_log(report.load_run_log(md_path), records, run))
        return doc

    def _rescue(self, records: list[dict], run: dict, why: str) -> None:
        """The report could not be written: this run's rows go to a report of their own, beside it or in the temp
        folder, to be merged later (``harness.shards``); the summary says where."""
        name = f"{self.report_path.stem}.unsaved-{run['id']}"
        for folder in (self.report_path.parent / name, Path(tempfile.gettempdir()) / name):
            try:
                self._write(folder / "CLAIMS.md", None, records, run)
            except (report.ReportError, OSError, ValueError, TypeError):
                continue
            self.unwritten.insert(0, f"could not write {self.report_path} ({why}); this run's {len(records)} "
                                     f"claim(s) are in {folder / 'CLAIMS.md'}: merge them with python -m "
                                     f"toy_claims.harness.shards merge {self.report_path} {folder / 'CLAIMS.json'}")
            return
        self.unwritten.insert(0, f"could not write {self.report_path} ({why}), nor a copy beside it or in "
                                 f"{tempfile.gettempdir()}: this run's measurements are lost")

    def _measure_evidence(self, records: list[dict], previous: dict | None) -> None:
        """What accepting a row needs besides its measurement, measured in child runs of the claims that lack it:
        the seed sweep over offsets N … N+4 (for a row whose numbers are new) and the kernel noise (every row
        without one). Each record gets ``seed_sweep`` / ``kernel_noise``; ``merge_records`` keeps them."""
        rows = {row_key(c): c for c in (previous or {}).get("claims", [])}
        measured = [r for r in records if r["verdict"] not in ("error", "skipped")]
        accepted = {key: row.get("baseline", row) for key, row in rows.items()}  # what a drifted row keeps until accepted
        kept = {row_key(r) for r in measured
                if row_key(r) in accepted and report.keeps_accepted(r, accepted[row_key(r)], accept=True)}
        sweep = [r for r in measured if r["scale"] == "ci" and "seed_sweep" not in r and (
            row_key(r) not in kept or not accepted[row_key(r)].get("seed_sweep"))]
        noisy = [r for r in measured if row_key(r) not in kept or not accepted[row_key(r)].get("kernel_noise")]
        opt = self.config.getoption
        options = ["--claims-seed", str(opt("--claims-seed")), "--claims-device", opt("--claims-device"),
                   "--claims-scale", opt("--claims-scale"), "-n", str(getattr(self.config.option, "numprocesses", 0) or 0)]
        with open(self.report_path.with_suffix(".update.log"), "w") as log:
            if sweep:
                self._sweep(sweep, options, log)
            if noisy:
                self._kernel_noise(noisy, options, log)

    def _sweep(self, records: list[dict], options: list[str], log) -> None:
        self._say(f"seed sweep of {len(records)} claim(s) over {SWEEP} offsets (log: {log.name})")
        swept = kernels.measure(self._tests(records), [*options, "--claims-seed-sweep", str(SWEEP)],
                                self.config.rootpath, {}, log)
        for r in records:
            if swept.get(row_key(r), {}).get("seed_sweep"):
                r["seed_sweep"] = swept[row_key(r)]["seed_sweep"]
                if set(r["seed_sweep"]["verdicts"]) - {r["expected"], "skipped"}:
                    self.evidence.append(f"{row_key(r)}: the pin breaks at some seed offset "
                                         f"({', '.join(r['seed_sweep']['verdicts'])})")
                for reading in r["readings"][1:]:
                    verdicts = r["seed_sweep"].get("readings", {}).get(reading["name"], [])
                    if set(verdicts) - {reading["expected"], "skipped"}:
                        self.evidence.append(f"{row_key(r)}: the pin of reading {reading['name']!r} breaks at some "
                                             f"seed offset ({', '.join(map(str, verdicts))})")
        self.evidence.append(f"seed sweep over {SWEEP} offsets: {len(records)} claim(s)")

    def _kernel_noise(self, records: list[dict], options: list[str], log) -> None:
        others: dict[str, list[dict]] = {row_key(r): [] for r in records}
        for name in kernels.KERNEL_SETS:
            env = kernels.kernel_env(name)
            if not env:
                continue
            self._say(f"{len(records)} claim(s) under kernel set {name} (log: {log.name})")
            for key, row in kernels.measure(self._tests(records), options, self.config.rootpath, env, log).items():
                if key not in others:
                    continue
                if row["verdict"] != self.records[key]["verdict"]:  # a verdict that depends on the CPU
                    self.evidence.append(f"{key}: {row['verdict']} under kernel set {name}, "
                                         f"{self.records[key]['verdict']} here")
                if row["verdict"] not in ("error", "skipped"):
                    others[key].append(row["measured"])
        for r in records:
            if others[row_key(r)]:  # never a noise of 0 for a quantity no other kernel set measured
                r["kernel_noise"] = drift.kernel_noise(r["measured"], others[row_key(r)])
        missing = [k for k, v in others.items() if not v]
        self.evidence.append(f"kernel noise under {', '.join(kernels.KERNEL_SETS)}: {len(records) - len(missing)} "
                             f"claim(s)" + (f"; not measured for {', '.join(missing)} (see {log.name})" if missing else ""))

    def _tests(self, records: list[dict]) -> list[str]:
        return sorted({self.tests[row_key(r)] for r in records})

    def _say(self, line: str) -> None:
        """A progress line on the terminal while --claims-update measures in child runs."""
        terminal = self.config.pluginmanager.get_plugin("terminalreporter")
        if terminal is not None:
            terminal.write_line(f"claims-update: {line}")

    def pytest_report_header(self, config: pytest.Config) -> list[str]:
        return [f"claims report: {line}" for line in self.recovered]

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if not self.records:
            return
        from tabulate import tabulate

        terminalreporter.section("claims")
        for line in self.unwritten:
            terminalreporter.write_line(f"claims report: {line}", red=True)
        if self.doc is None:
            return
        rows = [r for r in render.summary_rows(self.doc) if r[0] in self.records]
        terminalreporter.write_line(tabulate(rows, headers=["id", "verdict", "pinned", "ok", "measured vs claimed"]))
        if self.config.getoption("--claims-seed-sweep") > 1:
            flips = {k: v for k, v in self.sweep.items() if len({verdict for verdict, *_ in v.values()}) > 1}
            terminalreporter.write_line(f"seed sweep: {len(flips)} of {len(self.sweep)} claims change verdict across "
                                        f"offsets {sorted({o for v in self.sweep.values() for o in v})}")
            for key, swept in sorted(flips.items()):
                terminalreporter.write_line(f"  {key}: " + ", ".join(
                    f"{o}: {verdict} {_interval(estimate)}" for o, (verdict, estimate, *_) in sorted(swept.items())))
        for line in self.evidence:
            terminalreporter.write_line(f"claims-update: {line}")
        terminalreporter.write_line(f"report: {self.report_path} (+ {self.report_path.with_suffix('.json').name}; "
                                    f"run ids and timings: {report.run_log_path(self.report_path).name})")


def _interval(estimate: dict | None) -> list[float] | None:
    """An offset's interval [low, high] for the seed sweep (None: an observation or an error)."""
    return None if estimate is None else [estimate["low"], estimate["high"]]


def _cuda_available() -> bool:
    import torch  # only here: a cpu run's controller never imports torch

    return torch.cuda.is_available()


def _failed_before_measuring(head: dict, test_report: pytest.TestReport, seed_offset: int, device: str,
                             scale: str) -> dict:
    """The record of a claim whose test failed before it returned a measurement (a fixture error, a dead worker)."""
    died = test_report.when not in ("setup", "call", "teardown")  # xdist reports a crashed worker's test as '???'
    timed_out = "Timeout (>" in str(test_report.longrepr)  # pytest-timeout's message
    headline = ("the xdist worker died while measuring this claim" if died else
                "over its time limit (--claims-timeout, or the claim's own timeout mark)" if timed_out else
                f"failed in {test_report.when}")
    record = _not_measured(head, str(test_report.longrepr), seed_offset, device, scale)
    return {**record, "headline": headline, "seconds": round(test_report.duration, 3)}


def _not_measured(head: dict, error: str, seed_offset: int, device: str, scale: str) -> dict:
    """The error record of a claim that returned no measurement; ``error`` says why."""
    return {**head, "expected": head["expected_at"].get(scale, head["expected"]), "verdict": ERROR, "measured": {},
            "headline": error.splitlines()[0] if error else "not measured", "notes": [], "figures": [], "seconds": None,
            "error": error, "seed_offset": seed_offset, "device": device, "scale": scale,
            "drift": {"status": "not measured", "rule": "", "moved": []}}
