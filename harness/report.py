"""CLAIMS.md / CLAIMS.json: merging claim records into the report, rendering it.

Pure functions; no pytest here (``harness.store`` writes the files). The JSON schema (``SCHEMA``) is public and documented in the
README:

    {"schema": "toy-claims/report/v4",
     "environment": {"python", "platform", "torch", "numpy", "scipy", "torch_threads", "cpu_capability",
                     "blas_core"},                     # of the latest accepted rows (information only)
     "claims": [{"id", "version", "statement", "source": {"file", "section", "quote", "title"?},  # title: the
                 # source document's title, shown instead of its file name (the document is not in the repository)
                 "setup", "criterion": {"quantity", "kind", "lo", "hi", "claimed", "why", "log", "proportion"} | null,
                 "expected",                      # the pin for the scale this row was measured at
                 "expected_at": {scale: pin},     # pins that differ at another scale
                 "reason", "verdict", "measured": {name: number | list},
                 "estimate": {"mean", "low", "high", "n", "log"} | null,   # what the verdict is judged on
                 "headline", "notes", "figures": [{"name", "caption", "path"}],
                 "error", "seed_offset", "device", "scale", "environment", "module",   # module: where it is defined
                 "scope": "source" | "analog" | "stand-in" | "extension", "evidence": "empirical" | "identity" | "control",
                 "controls": [{"quantity", "kind": "positive" | "negative", "what", "verdict", "calibrated"}],
                 "readings": [{"name", "why", "quantity", "criterion", "claimed", "expected", "verdict",   # the first
                               "estimate": {"mean", "low", "high", "n", "log", "margin"} | null,       # is the
                               "controls"}],                                          # claim's own criterion
                 "single_reading": str,           # or why the sentence admits one reading only
                 "no_negative_control": str,      # why no negative control class applies (else one is declared)
                 "unseeded": str,                 # why the judged value is one number, not one per seed
                 "form": str,                     # the functional form claimed (its readings face OtherForm controls)
                 "seed_sweep"?: {"offsets": [int], "verdicts": [str], "intervals": [[low, high] | null],
                                 "readings"?: {name: [str]}},  # --claims-seed-sweep
                 "kernel_noise"?: {name: number},  # largest move under other CPU kernels (--claims-update)
                 "drift"?: {"status": "drifted", "rule", "moved": [{"quantity", "from", "to", "tolerance", "excess", "why"}]},
                 "baseline"?}]}   # the accepted row, kept while a drift is not accepted (--claims-update)

The two committed files hold only what a measurement determines: a run that changes no measurement leaves them
byte-identical, so ``git diff --exit-code CLAIMS.json`` is a gate. Volatile facts (run id, start time, commit,
seconds per claim) go to ``CLAIMS.run.json`` beside them (``RUN_LOG``; git-ignored). Non-finite numbers are written
as null. A subset run keeps every row of the previous report that it did not re-measure.

Nothing measured is lost silently: a report path that holds something that is not our report (unreadable JSON,
another schema, a row the merge or the renderer cannot take: ``row_problem``) is refused with ``ReportError``
before any claim runs.

Rendering is ``harness.render``'s; ``render_problem`` (is a row renderable?) is how the merge refuses what it could
not write. Shards: ``harness/shards.py`` merges reports written by separate runs.
"""

from __future__ import annotations

import base64
import json
import math
import os
from pathlib import Path
from typing import Any

from toy_claims.harness.registry import row_key
from toy_claims.harness.render import FIGURE_DIR, PAGE_DIR, figure_path, render_markdown, render_pages

__all__ = ["SCHEMA", "ReportError", "check_report_path", "merge_records", "merge_run_log", "load_report", "is_unchanged",
           "keeps_accepted", "load_run_log", "row_order", "row_problem", "render_problem", "shown"]

SCHEMA = "toy-claims/report/v4"
_OLDER_SCHEMAS = ("toy-claims/report/v1", "toy-claims/report/v2", "toy-claims/report/v3")  # read as baselines and upgraded; written as SCHEMA
RUN_LOG_SCHEMA = "toy-claims/run-log/v2"
_VOLATILE = ("seconds", "run")
_SCALE_ORDER = {"ci": 0, "paper": 1}


def row_order(row: dict[str, Any]) -> tuple:
    """Where a row sits in the report: by claim id, the ci row before the paper row."""
    return row["id"], _SCALE_ORDER.get(row.get("scale") or "ci", 9)


class ReportError(Exception):
    """The report path cannot take this run's report without losing something; the message says what to do."""


def check_report_path(md_path: Path, seed_offset: int | None = None) -> None:
    """Refuse, before any claim runs, a report path this run could not write or would overwrite something foreign
    with, or whose rows were measured at another seed offset than ``seed_offset`` (offsets never mix)."""
    md_path = Path(md_path)
    if md_path.suffix != ".md":
        raise ReportError(f"--claims-report must name a Markdown file ending in .md (CLAIMS.json goes beside it), got {str(md_path)!r}")
    if md_path.is_dir():
        raise ReportError(f"--claims-report must name a file, got the directory {str(md_path)!r}")
    existing = next((p for p in (md_path.parent, *md_path.parent.parents) if p.exists()), None)
    if existing is None or not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK) or not _can_write(existing):
        raise ReportError(f"--claims-report {str(md_path)!r}: the directory {str(existing or md_path.parent)!r} is not writable")
    for folder, what in ((FIGURE_DIR, "figures"), (PAGE_DIR, "per-source pages")):
        figures = md_path.parent / folder
        if figures.exists() and not figures.is_dir():
            raise ReportError(f"{figures} is not a folder: the report's {what} go there; move it away")
        if figures.exists() and not figures.resolve().is_relative_to(md_path.parent.resolve()):
            raise ReportError(f"{figures} leads to {str(figures.resolve())!r}, outside the report's folder (a symlink); "
                              f"{what} are written only inside it: remove the link")
    doc = load_report(md_path.with_suffix(".json"))  # raises on a file that is not our report
    for i, row in enumerate((doc or {}).get("claims", [])):
        if problem := row_problem(row):
            name = repr(row["id"]) if isinstance(row, dict) and isinstance(row.get("id"), str) else f"#{i + 1}"
            raise ReportError(f"{md_path.with_suffix('.json')}: claim {name}: {problem}; a run could not merge into "
                              "it: move it away or pass --claims-report another path (it is never overwritten)")
    offsets = sorted({c.get("seed_offset") for c in (doc or {}).get("claims", [])} - {None, seed_offset})
    if seed_offset is not None and offsets:
        raise ReportError(f"{md_path.with_suffix('.json')} holds rows measured at seed offset {offsets[0]}; a run at "
                          f"--claims-seed {seed_offset} is never compared with them nor written over them: pass its own "
                          f"report path, e.g. --claims-report seed{seed_offset}/CLAIMS.md")


def _can_write(folder: Path) -> bool:
    """Whether a file can be created in ``folder`` (os.access says yes to /proc and /sys; creating one says no)."""
    probe = folder / f".claims-probe.{os.getpid()}.tmp"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError:
        return False
    return True


def load_report(json_path: Path) -> dict[str, Any] | None:
    """The previous report, None when there is none; ``ReportError`` when the path holds something else."""
    json_path = Path(json_path)
    if not json_path.exists():
        return None
    advice = "move it away or pass --claims-report another path; it is never overwritten"
    try:
        doc = json.loads(json_path.read_text())
    except (OSError, ValueError) as exc:
        raise ReportError(f"{json_path} is not a readable report ({type(exc).__name__}: {exc}); {advice}") from None
    if not isinstance(doc, dict) or doc.get("schema") not in (SCHEMA, *_OLDER_SCHEMAS) or not isinstance(doc.get("claims"), list):
        found = doc.get("schema") if isinstance(doc, dict) else type(doc).__name__
        raise ReportError(f"{json_path} is not a {SCHEMA} report (found {found!r}); {advice}")
    return _upgrade(doc)


def _upgrade(doc: dict[str, Any]) -> dict[str, Any]:
    """An older report as the current schema: v1's volatile fields dropped and its environment on every row; v2 and
    v3 rows gain nothing (scope, controls and the estimate arrive when the claim is measured again)."""
    if doc["schema"] == SCHEMA:
        return doc
    if doc["schema"] in ("toy-claims/report/v2", "toy-claims/report/v3"):
        return {**doc, "schema": SCHEMA}
    env = doc.get("environment")
    rows = [{**{k: v for k, v in c.items() if k not in _VOLATILE and k != "expected_on"}, "environment": env}
            for c in doc["claims"]]
    return {"schema": SCHEMA, "environment": env, "claims": rows}


_MEASURED = ("verdict", "reason", "controls", "readings", "measured", "estimate", "headline", "notes", "figures", "error",
             "environment", "seed_sweep", "kernel_noise")  # what a measurement determines; the rest is the definition


def merge_records(previous: dict[str, Any] | None, records: list[dict[str, Any]], accept: bool = False,
                  keep=lambda row: True) -> tuple[dict, dict[str, bytes]]:
    """The new report document and the figure files (relative path -> PNG bytes) to write.

    The committed report is the snapshot: a record whose measurement is within the drift rule of its accepted row
    (``drift`` status "unchanged") with the same verdicts keeps the accepted numbers, notes and figures, so an
    unchanged run leaves the files byte-identical on any machine; only its definition (statement, setup, ...) is
    taken from the record, and its ``seed_sweep`` / ``kernel_noise`` where the record brings new ones. Claims
    measured otherwise replace their old rows -- with ``accept``, so does a record whose reason, notes or figure
    captions read otherwise (a reworded reason, a new note or plot, or a quoted number rounded otherwise: its numbers
    come with it, so a text never quotes another run's); rows not measured
    now are kept as they were if ``keep(row)`` (rows
    of claims that no longer exist are dropped). A record that drifted keeps the accepted row as its ``baseline``
    unless ``accept`` (``--claims-update``), so the drift stays red until accepted.
    """
    figures: dict[str, bytes] = {}
    previous = previous or {}
    accepted_rows = {row_key(c): c for c in previous.get("claims", [])}  # before keep: a claim measured now may have moved
    rows = {key: c for key, c in accepted_rows.items() if keep(c)}
    environment = previous.get("environment")
    for record in records:
        key = row_key(record)
        old = accepted_rows.get(key)
        accepted = None if old is None else old.get("baseline", old)
        if accepted is not None and keeps_accepted(record, accepted, accept):
            kept = {k: accepted[k] if k in _MEASURED else record.get(k, accepted[k]) for k in accepted
                    if k not in ("drift", "baseline")}
            kept.update({k: v for k, v in record.items() if k not in kept and k not in _MEASURED
                         and k not in _VOLATILE and k != "drift"})  # a field the definition gained
            kept.update({k: record[k] for k in ("seed_sweep", "kernel_noise") if k in record})
            if "controls" in kept:
                kept["controls"] = _worded_as(record.get("controls", []), kept["controls"])
            if "readings" in kept:
                kept["readings"] = [{**old_r, **{k: new_r[k] for k in _READING_WORDS},
                                     "controls": _worded_as(new_r["controls"], old_r["controls"])}
                                    for new_r, old_r in zip(record.get("readings", []), kept["readings"])]
            rows[key] = _canonical(_json_numbers(kept))
            continue
        row = _json_numbers({k: v for k, v in record.items() if k not in _VOLATILE and k != "drift"})
        if not accept and (record.get("drift") or {}).get("status") == "drifted":  # a pending drift is a fact to keep
            row["drift"] = _json_numbers(record["drift"])
        environment = row["environment"] = record.get("environment", environment)
        row["figures"] = _take_figures(key, record, figures)
        if ("seed_sweep" not in row and old is not None and old.get("seed_sweep") and old.get("measured") == row["measured"]
                and _sweep_covers(old["seed_sweep"], row)):
            row["seed_sweep"] = old["seed_sweep"]  # the sweep's evidence holds while this offset measures the same
        lost = row["verdict"] == "error" and old is not None and old["verdict"] not in ("error", "skipped")
        pending = "drift" in row or lost  # an error must not wipe out the accepted measurement
        if not accept and old is not None and pending:  # the accepted numbers stay until a person accepts new ones
            row["baseline"] = old.get("baseline") or {k: v for k, v in old.items() if k != "baseline"}
        rows[key] = _canonical(row)
    doc = {"schema": SCHEMA, "environment": environment, "claims": sorted(rows.values(), key=row_order)}
    return doc, figures


def _presented_otherwise(record: dict[str, Any], accepted: dict[str, Any]) -> bool:
    """Whether a record's reason, notes or figures (names and captions) differ from the accepted row's: text rendered
    from the numbers, whose template changed."""
    return (record.get("reason") != accepted.get("reason") or record.get("notes") != accepted.get("notes")
            or [(f["name"], f["caption"]) for f in record.get("figures", [])]
            != [(f["name"], f["caption"]) for f in accepted.get("figures", [])])


def _take_figures(key: str, record: dict[str, Any], files: dict[str, bytes]) -> list[dict[str, str]]:
    """The record's figures as report entries; their PNG bytes go to ``files`` (relative path -> bytes)."""
    out = []
    for fig in record["figures"]:
        path = figure_path(key, fig["name"])
        files[path] = base64.b64decode(fig["png_base64"])
        out.append({"name": fig["name"], "caption": fig["caption"], "path": path})
    return out


_READING_WORDS = ("why", "criterion", "claimed", "expected")  # a reading's declaration: the definition's, not the measurement's


def _worded_as(declared: list[dict[str, Any]], accepted: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The accepted controls (their verdicts, judged on the accepted numbers) with the declaration's words: an
    unchanged measurement keeps its numbers, but a control's description is definition, never stale."""
    return [{**old, "what": new["what"]} for new, old in zip(declared, accepted)]


def _sweep_covers(sweep: dict[str, Any], row: dict[str, Any]) -> bool:
    """Whether a seed sweep holds the verdicts of every alternative reading ``row`` declares (and no other)."""
    return set(sweep.get("readings", {})) == {r["name"] for r in row.get("readings", [])[1:]}


def _figures_named(key: str, row: dict[str, Any]) -> bool:
    """Whether a row's figure files are named as ``figure_path`` names them now (a row written under an older naming
    takes this run's figures, at their new paths)."""
    return all(f["path"] == figure_path(key, f["name"]) for f in row.get("figures", []))


def keeps_accepted(record: dict[str, Any], accepted: dict[str, Any], accept: bool) -> bool:
    """Whether merging ``record`` keeps its accepted row's measurement (else the row is the record's, numbers and all,
    and an accepting run must measure its seed sweep and kernel noise): it measured the same, its figure files are
    named as now, and, when accepting, it presents the same (a reworded reason, note or caption takes the new row)."""
    return (is_unchanged(record, accepted) and _figures_named(row_key(record), accepted)
            and not (accept and _presented_otherwise(record, accepted)))


def is_unchanged(record: dict[str, Any], accepted: dict[str, Any]) -> bool:
    """Whether ``record`` measured what its accepted row holds: no drift, the same verdicts of the claim, its readings
    and every control."""
    return ((record.get("drift") or {}).get("status") == "unchanged" and record["verdict"] == accepted.get("verdict")
            and [k.get("verdict") for k in record.get("controls", [])]
            == [k.get("verdict") for k in accepted.get("controls", [])]
            and _reading_verdicts(record) == _reading_verdicts(accepted)
            and [[k.get("verdict") for k in r["controls"]] for r in record.get("readings", [])]
            == [[k.get("verdict") for k in r["controls"]] for r in accepted.get("readings", [])])


def _reading_verdicts(row: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(r["name"], r["verdict"], r["criterion"]) for r in row.get("readings", [])]


_TRAILING = ("seed_sweep", "kernel_noise", "drift", "baseline")  # optional fields, always last and in this order


def _canonical(row: dict[str, Any]) -> dict[str, Any]:
    """The row with its optional fields last in a fixed order: the same row serialises to the same bytes."""
    return {**{k: v for k, v in row.items() if k not in _TRAILING}, **{k: row[k] for k in _TRAILING if k in row}}


def merge_run_log(previous: dict[str, Any] | None, records: list[dict[str, Any]], run: dict) -> dict[str, Any]:
    """The volatile run log: the latest run, and per claim the run that measured it and its seconds."""
    rows = dict((previous or {}).get("rows", {}))
    for record in records:
        rows[row_key(record)] = {"run": run["id"], "commit": run.get("commit"), "seconds": record.get("seconds"),
                                 "drift": (record.get("drift") or {}).get("status", ""),
                                 "measured": _json_numbers(record.get("measured", {}))}  # this run's own numbers
    return {"schema": RUN_LOG_SCHEMA, "run": run, "rows": dict(sorted(rows.items()))}


def run_log_path(md_path: Path) -> Path:
    return Path(md_path).with_suffix(".run.json")


def load_run_log(md_path: Path) -> dict[str, Any] | None:
    """The run log beside a report, or None (it is volatile: a missing or unreadable one is simply started anew)."""
    try:
        doc = json.loads(run_log_path(md_path).read_text())
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) and doc.get("schema") == RUN_LOG_SCHEMA else None


def _json_numbers(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list):
        return [_json_numbers(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_numbers(v) for k, v in value.items()}
    return value


# What is wrong with a row ----------------------------------------------------------------------------------------

def _is_text(v: Any) -> bool:
    return isinstance(v, str)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:  # JSON's numbers and booleans; null is a non-finite number
    return v is None or isinstance(v, (int, float))


def _is_number_tree(v: Any) -> bool:
    return _is_number(v) or isinstance(v, list) and all(_is_number_tree(x) for x in v)


def _is_measured(v: Any) -> bool:
    return isinstance(v, dict) and all(_is_number_tree(x) for x in v.values())


def _is_figures(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(f, dict) and all(_is_text(f.get(k)) for k in ("name", "caption", "path"))
                                       for f in v)


_FIELDS: dict[str, tuple[Any, str]] = {  # what the merge and the renderer read of a row: field -> (check, what it must be)
    "id": (lambda v: _is_text(v) and v != "", "a non-empty string"),
    "scale": (lambda v: _is_text(v) and v != "", "a non-empty string"),
    "version": (_is_int, "an integer"),
    "statement": (_is_text, "a string"),
    "source": (lambda v: isinstance(v, dict) and all(_is_text(v.get(k)) for k in ("file", "section", "quote"))
               and (v.get("title") is None or _is_text(v["title"])),
               "an object with the strings file, section and quote (and optionally title)"),
    "setup": (lambda v: isinstance(v, dict), "an object"),
    "criterion": (lambda v: v is None or isinstance(v, dict), "an object or null"),
    "expected": (_is_text, "a string"),
    "reason": (_is_text, "a string"),
    "verdict": (_is_text, "a string"),
    "measured": (_is_measured, "an object of numbers and (nested) lists of numbers"),
    "headline": (_is_text, "a string"),
    "notes": (lambda v: isinstance(v, list) and all(map(_is_text, v)), "a list of strings"),
    "figures": (_is_figures, "a list of objects with the strings name, caption and path"),
    "error": (lambda v: v is None or _is_text(v), "a string or null"),
    "seed_offset": (lambda v: v is None or _is_int(v), "an integer or null"),
    "device": (_is_text, "a string"),
    "environment": (lambda v: v is None or isinstance(v, dict), "an object or null"),
}
_OPTIONAL: dict[str, tuple[Any, str]] = {  # fields a row may lack, each checked when present
    "expected_at": (lambda v: isinstance(v, dict) and all(map(_is_text, v.values())), "an object of strings"),
    "scope": (lambda v: v is None or _is_text(v), "a string or null"),
    "evidence": (lambda v: v is None or _is_text(v), "a string or null"),
    "module": (lambda v: v is None or _is_text(v), "a string or null"),
    "controls": (lambda v: isinstance(v, list) and all(isinstance(k, dict) and _is_text(k.get("quantity")) for k in v),
                 "a list of objects, each with a quantity"),
    "estimate": (lambda v: v is None or isinstance(v, dict), "an object or null"),
    "readings": (lambda v: isinstance(v, list) and all(isinstance(r, dict) and _is_text(r.get("name"))
                                                       and _is_text(r.get("verdict")) for r in v),
                 "a list of objects, each with a name and a verdict"),
    "seed_sweep": (lambda v: isinstance(v, dict), "an object"),
    "kernel_noise": (lambda v: isinstance(v, dict) and all(map(_is_number, v.values())), "an object of numbers"),
    "drift": (lambda v: isinstance(v, dict), "an object"),
    "baseline": (lambda v: isinstance(v, dict) and _is_measured(v.get("measured", {}))
                 and all(map(_is_number, (v.get("kernel_noise") or {}).values())),
                 "an object (an accepted row, with measured numbers)"),
}


def row_problem(row: Any) -> str | None:
    """What is wrong with a report row (a shard's, the baseline's), None when the merge and the renderer can take it."""
    if not isinstance(row, dict):
        return f"a {type(row).__name__}, not an object"
    missing = [k for k in _FIELDS if k not in row]
    if missing:
        return "lacks " + ", ".join(missing)
    for k, (ok, what) in {**_FIELDS, **_OPTIONAL}.items():
        if k in row and not ok(row[k]):
            return f"{k!r} must be {what}, got {shown(row[k])}"
    return render_problem(row)


def render_problem(row: dict[str, Any]) -> str | None:
    """A last check on what a field list cannot see (a criterion's or a sweep's inner fields): render the row alone."""
    try:
        render_markdown({"schema": SCHEMA, "environment": None, "claims": [row]})
        render_pages({"schema": SCHEMA, "environment": None, "claims": [row]})
        json.dumps(row, allow_nan=False)
    except Exception as exc:  # noqa: BLE001 -- whatever breaks the renderer is this row's fault, said as such
        return f"cannot be rendered ({type(exc).__name__}: {exc})"
    return None


def shown(value: Any) -> str:
    """A value as JSON, cut to 60 characters: how an error message quotes what it refuses."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."
