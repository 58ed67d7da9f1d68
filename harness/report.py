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

Rendering: CLAIMS.md is one screen first (the pin/drift status, the sentence scoreboard, each source by its title
with one line per quoted sentence: its verdict, the quote, its number, links to its rows), then the findings and the
row table; each row's full section lives in its source's page ``CLAIMS/<source>.md`` (``render_pages``, ``page_path``).
Tables are plain pipe tables without padding (``_table``).

Shards: ``harness/shards.py`` merges reports written by separate runs.

Why one file of this length: the merge, the row checks and the renderer read one schema, and ``render_problem``
(is a row renderable?) is how the merge refuses what it could not write; the renderer is the next seam to cut
(into a module of its own) when this grows.
"""

from __future__ import annotations

import base64
import json
import math
import os
import re
from pathlib import Path
from typing import Any

import numpy as np

from toy_claims.harness.drift import describe as describe_drift
from toy_claims.harness.readings import READING_DEPENDENT, agreement
from toy_claims.harness.registry import row_key
from toy_claims.harness.verdicts import Criterion  # the one place that phrases criteria

__all__ = ["SCHEMA", "FIGURE_DIR", "PAGE_DIR", "ReportError", "check_report_path", "merge_records", "merge_run_log",
           "render_markdown", "render_pages", "page_path", "page_paths", "load_report", "is_unchanged", "load_run_log", "summary_rows",
           "row_order", "figure_path", "row_problem", "render_problem", "sentences", "shown"]

SCHEMA = "toy-claims/report/v4"
_OLDER_SCHEMAS = ("toy-claims/report/v1", "toy-claims/report/v2", "toy-claims/report/v3")  # read as baselines and upgraded; written as SCHEMA
RUN_LOG_SCHEMA = "toy-claims/run-log/v2"
_VOLATILE = ("seconds", "run")
_SCALE_ORDER = {"ci": 0, "paper": 1}


def row_order(row: dict[str, Any]) -> tuple:
    """Where a row sits in the report: by claim id, the ci row before the paper row."""
    return row["id"], _SCALE_ORDER.get(row.get("scale") or "ci", 9)


FIGURE_DIR = "claims_figures"


def figure_path(key: str, name: str) -> str:
    """Where the figure ``name`` of the row ``key`` lives, relative to the report's folder: one folder a row, one
    file a figure. Two rows or two figures never share a file: a row key (``id`` or ``id@scale``) and a figure name
    (``registry.NAME``, checked where each is declared) contain no "/"."""
    return f"{FIGURE_DIR}/{key}/{name}.png"


PAGE_DIR = "CLAIMS"


def page_path(source: str) -> str:
    """Where the sections of the rows quoting the source ``source`` (a file prefix, ``000``) live, relative to the
    report's folder: one page a source. Characters a file name should not hold become "_"."""
    return f"{PAGE_DIR}/{re.sub(r'[^A-Za-z0-9_-]', '_', source)}.md"


def page_paths(doc: dict[str, Any]) -> list[str]:
    """The pages a report has (``render_pages``'s keys), without rendering them."""
    return sorted({page_path(_source_of(c)) for c in doc["claims"]})


_MARK = {"reproduced": "✅ reproduced", "refuted": "❌ refuted", "inconclusive": "⚠️ inconclusive",
         "error": "💥 error", "observation": "🔎 observation", "skipped": "⏭️ skipped", "uncalibrated": "🧭 uncalibrated"}


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
    measured otherwise replace their old rows; rows not measured now are kept as they were if ``keep(row)`` (rows
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
        if accepted is not None and is_unchanged(record, accepted) and _figures_named(key, accepted):
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
        row["figures"] = []
        for fig in record["figures"]:
            path = figure_path(key, fig["name"])
            figures[path] = base64.b64decode(fig["png_base64"])
            row["figures"].append({"name": fig["name"], "caption": fig["caption"], "path": path})
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


def _agreement(c: dict[str, Any]) -> str:
    """✓ verdict equals its pin and nothing drifted, ✗ otherwise, – not measured (optional dependency missing)."""
    if c["verdict"] == "skipped":
        return "–"
    return "✓" if c["verdict"] == c["expected"] and not _drifted(c) else "✗"


def _drifted(c: dict[str, Any]) -> bool:
    return (c.get("drift") or {}).get("status") == "drifted"


def summary_rows(doc: dict[str, Any]) -> list[list[str]]:
    """One row per claim: id, verdict, expected, whether they agree (and nothing drifted), headline or drift."""
    return [[row_key(c), c["verdict"], c["expected"], _agreement(c),
             describe_drift(c["drift"]) if _drifted(c) else c["headline"]] for c in doc["claims"]]


_SCOPE_WORDS = {"source": "the source's own setup", "analog": "a toy analog of an LLM-scale claim",
                "stand-in": "a stand-in for data the source does not give", "extension": "the suite's own question",
                "pretrained": "a small real pretrained model that is not the source's"}
_VERDICT_ORDER = ("reproduced", "refuted", "inconclusive", "observation", "uncalibrated", "error", "skipped")


def _source_of(c: dict[str, Any]) -> str:
    return c["source"]["file"][:3]


def _scope(c: dict[str, Any]) -> str:
    scope = c.get("scope") or "undeclared"
    return scope + {"identity": " · identity", "control": " · detector control"}.get(c.get("evidence"), "")


def render_markdown(doc: dict[str, Any]) -> str:
    """CLAIMS.md: one screen first (pin/drift status, sentence scoreboard, one line a sentence under its source's
    title), then the findings, the row scoreboard and the row table; each row's section is on its source's page."""
    env, claims = doc.get("environment") or {}, doc["claims"]
    out = [
        "# Claims report",
        "",
        "_Generated by `pytest claims` (harness/report.py) — do not edit by hand. How to read it: README.md, "
        f"\"Reading CLAIMS.md\". Each row's full section (quote, setup, criterion, controls, readings, measured values, "
        f"figures) is on its source's page under `{PAGE_DIR}/`._",
        "",
        _status(claims),
        "",
        "**Sentences** (rows quoting one source sentence, and the readings a row declares, are readings of it; "
        "*robust* when every judged reading agrees, *reading-dependent* when they differ; observations do not vote):",
        "",
        _sentence_scoreboard(claims),
    ]
    for source, group in _by_source(claims):
        out += ["", f"### `{source}` {_cell(_title(group))} · [all rows]({page_path(source)})", ""]
        out += [_sentence_line(s, claims) for s in sentences(group)] or ["_No sentence measured (every row skipped)._"]
    out += [
        "",
        "## Findings",
        "",
        *_headlines(claims),
        *_reading_dependent(claims),
        *_sweep_summary(claims),
        "",
        "## Rows per source and scope",
        "",
        "Scope says what a verdict is about: " + "; ".join(f"**{k}**, {v}" for k, v in _SCOPE_WORDS.items())
        + ". Identities (algebra or exact computation) are counted apart from empirical evidence.",
        "",
        _scoreboard(claims),
        "",
        "## Summary",
    ]
    for source, group in _by_source(claims):
        out += ["", f"### `{source}` {_cell(_title(group))} · [details]({page_path(source)})", "", _row_table(group, on_page=False)]
    out += [
        "",
        "## Environment",
        "",
        f"Environment of the latest accepted measurements: Python {env.get('python')} · torch {env.get('torch')} · "
        f"numpy {env.get('numpy')} · scipy {env.get('scipy')} · {env.get('platform')} · {env.get('torch_threads')} "
        f"torch thread(s) · CPU kernels {env.get('cpu_capability')} · OpenBLAS core {env.get('blas_core')}. Each row "
        "keeps the environment it was accepted in; the drift rule reads none of it (README: Gating CI). Run ids, "
        "commits, timings and each run's own numbers: CLAIMS.run.json (not committed).",
    ]
    return "\n".join(out) + "\n"


def render_pages(doc: dict[str, Any], report_name: str = "CLAIMS.md") -> dict[str, str]:
    """One page a source, ``page_path(source)`` -> Markdown: its rows' table, then each row's full section. Links
    from a page reach the report's folder through ``../`` (the figures: ``../claims_figures/...``)."""
    pages = {}
    for source, group in _by_source(doc["claims"]):
        out = [f"# `{source}` {_cell(_title(group))}", "",
               f"_Generated by `pytest claims` (harness/report.py) — do not edit by hand. Source file "
               f"`{group[0]['source']['file']}`. Back to the report: [{report_name}](../{report_name})._", "",
               _row_table(group, on_page=True), "", "## Claims"]
        for c in group:
            out += ["", *_claim_section(c, "../")]
        pages[page_path(source)] = "\n".join(out) + "\n"
    return pages


def _by_source(claims: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """The rows grouped by source (file prefix), sources in order, rows in report order."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for c in claims:
        groups.setdefault(_source_of(c), []).append(c)
    return sorted(groups.items())


def _title(group: list[dict[str, Any]]) -> str:
    """A source's title as its rows give it (``source["title"]``), else its file name: the document is not read."""
    return next((c["source"]["title"] for c in group if c["source"].get("title")), None) or group[0]["source"]["file"]


def _status(claims: list[dict[str, Any]]) -> str:
    """One line: whether every verdict matches its pin and whether anything drifted."""
    mismatches = [row_key(c) for c in claims if c["verdict"] not in ("skipped", c["expected"])]
    drifted = [row_key(c) for c in claims if _drifted(c)]
    return ((f"**{len(mismatches)} claim(s) differ from their pinned verdict: {', '.join(mismatches)}.**"
             if mismatches else "Every verdict matches its pin.")
            + (f" **{len(drifted)} claim(s) drifted from their accepted measurements: {', '.join(drifted)}.**"
               if drifted else " Nothing drifted from the accepted measurements."))


_SENTENCE_MARK = {"reproduced": "✅ robust reproduced", "refuted": "❌ robust refuted",
                  READING_DEPENDENT: "◐ reading-dependent", "inconclusive": "⚠️ inconclusive",
                  "observation": "🔎 observation", "uncalibrated": "🧭 uncalibrated", "error": "💥 error"}


def _sentence_line(s: dict[str, Any], claims: list[dict[str, Any]]) -> str:
    """A sentence in one line: its verdict, the quote shortened, its number (the headline of its first judged row,
    else of its first row) and links to its rows' sections."""
    rows = [c for c in claims if row_key(c) in s["rows"]]
    first = next((c for c in rows if c["verdict"] != "observation"), rows[0])
    quote = " ".join(s["source"]["quote"].split())
    links = ", ".join(f"[`{row_key(c)}`]({_link(c)})" for c in rows)
    return (f"- **{_SENTENCE_MARK.get(s['verdict'], s['verdict'])}** “{_cell(_shorten(quote, 80))}” "
            f"(§{_cell(_shorten(s['source']['section'], 40))}) — {_cell(first['headline'])} — {links}")


def _shorten(text: str, most: int) -> str:
    return text if len(text) <= most else text[:most - 1].rstrip() + "…"


def _link(c: dict[str, Any]) -> str:
    """Where a row's section is, from the report's folder."""
    return f"{page_path(_source_of(c))}#{_anchor(row_key(c))}"


def _row_table(group: list[dict[str, Any]], on_page: bool) -> str:
    """The rows of one source: verdict and scope first, the id linking to its section (``on_page``: on the same page)."""
    return _table(
        [[_MARK.get(c["verdict"], c["verdict"]) + ("" if _agreement(c) != "✗" else " ✗"), _scope(c),
          f"[`{row_key(c)}`]({'#' + _anchor(row_key(c)) if on_page else _link(c)})", _cell(c["statement"]), _cell(f"§{c['source']['section']}"),
          _cell(c["headline"]), c["expected"]] for c in group],
        ["verdict", "scope", "id", "claim", "section", "measured vs claimed", "pinned"])


def _table(rows: list[list[Any]], headers: list[str]) -> str:
    """A GitHub pipe table without padding: cells as they are (``_cell`` the ones that may hold a pipe)."""
    line = lambda cells: "|" + "|".join(f" {x} " if str(x) else " " for x in cells) + "|"  # noqa: E731
    return "\n".join([line(headers), "|" + "|".join("---" for _ in headers) + "|", *map(line, rows)])


def sentences(claims: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The source sentences the rows quote, in row order: {source, rows, votes: [(row key, reading, verdict)],
    verdict}. A sentence's verdict is ``readings.agreement`` of every judged reading of every row quoting it."""
    found: dict[tuple, dict[str, Any]] = {}
    for c in claims:
        if c["verdict"] == "skipped" or c.get("evidence") == "control":  # a detector's control is no claim
            continue
        s = found.setdefault(tuple(c["source"][k] for k in ("file", "section", "quote")),
                             {"source": c["source"], "rows": [], "votes": []})
        s["rows"].append(row_key(c))
        readings = c.get("readings") or [{"name": "primary", "verdict": c["verdict"]}]
        s["votes"] += [(row_key(c), r["name"], r["verdict"]) for r in readings if r["verdict"] != "observation"]
    for s in found.values():
        s["verdict"] = agreement([v for _, _, v in s["votes"]]) if s["votes"] else "observation"
    return list(found.values())


_SENTENCE_ORDER = ("reproduced", "refuted", READING_DEPENDENT, "inconclusive", "observation", "uncalibrated", "error")


def _sentence_scoreboard(claims: list[dict[str, Any]]) -> str:
    found = sentences(claims)
    verdicts = [v for v in _SENTENCE_ORDER if any(s["verdict"] == v for s in found)]
    names = {"reproduced": "robust reproduced", "refuted": "robust refuted"}
    rows = [[f"`{source}`", *[sum(1 for s in found if s["source"]["file"][:3] == source and s["verdict"] == v) or ""
                               for v in verdicts]] for source in sorted({s["source"]["file"][:3] for s in found})]
    rows.append(["**all**", *[sum(1 for s in found if s["verdict"] == v) for v in verdicts]])
    controls = [c for c in claims if c.get("evidence") == "control" and c["verdict"] != "skipped"]
    held = [c for c in controls if c["verdict"] == "reproduced"]  # its criterion states what the detector must do
    return _table(rows, ["source", *[names.get(v, v) for v in verdicts]]) + ("" if not controls else (
        f"\n\n**Detector controls** (the suite's own instruments checked where the answer is known by construction; "
        f"not counted as claims): {len(held)} of {len(controls)} do what they must"
        + "".join(f"; `{row_key(c)}` {c['verdict']}" for c in controls if c not in held) + "."))


def _reading_dependent(claims: list[dict[str, Any]]) -> list[str]:
    """Each reading-dependent sentence in one line: which readings go which way."""
    lines = []
    for s in sentences(claims):
        if s["verdict"] == READING_DEPENDENT:
            ways = {}
            for key, name, verdict in s["votes"]:
                ways.setdefault(verdict, []).append(f"`{key}`" + ("" if name == "primary" else f" ({name})"))
            quote = s["source"]["quote"]
            lines.append(f"- ◐ “{_cell(quote if len(quote) <= 90 else quote[:87] + '…')}” (`{s['source']['file'][:3]}` "
                         f"§{_cell(s['source']['section'])}): " + "; ".join(f"{v}: {', '.join(w)}" for v, w in ways.items()))
    return ["", "**Reading-dependent sentences**", "", *lines] if lines else []


def _scoreboard(claims: list[dict[str, Any]]) -> str:
    keys = sorted({(_source_of(c), _scope(c)) for c in claims})
    verdicts = [v for v in _VERDICT_ORDER if any(c["verdict"] == v for c in claims)]
    rows = [[f"`{source}`", scope, *[sum(1 for c in claims if (_source_of(c), _scope(c)) == (source, scope)
                                          and c["verdict"] == v) or "" for v in verdicts]] for source, scope in keys]
    rows.append(["**all**", "", *[sum(1 for c in claims if c["verdict"] == v) for v in verdicts]])
    return _table(rows, ["source", "scope", *verdicts])


def _sweep_summary(claims: list[dict[str, Any]]) -> list[str]:
    swept = [c for c in claims if c.get("seed_sweep")]
    if not swept:
        return ["", "_No seed sweep recorded: run `pytest claims --claims-seed-sweep 5` to measure verdict flips._"]
    flips = [c for c in swept if len(set(c["seed_sweep"]["verdicts"])) > 1]
    offsets = sorted({o for c in swept for o in c["seed_sweep"]["offsets"]})
    return ["", f"**Seed sweep** (offsets {offsets[0]}–{offsets[-1]}): {len(flips)} of {len(swept)} claims change "
                f"verdict across offsets" + (": " + ", ".join(f"`{row_key(c)}`" for c in flips) if flips else ".")]


def _headlines(claims: list[dict[str, Any]]) -> list[str]:
    """Each refutation (and every claim that is not what its pin says) in one line, with its number."""
    lines = []
    for c in claims:
        if c["verdict"] in ("refuted", "inconclusive", "uncalibrated", "error") or _agreement(c) == "✗":
            wording = ("not reproduced on the stand-in" if c.get("scope") == "stand-in" and c["verdict"] == "refuted" else
                       "not reproduced on the toy analog" if c.get("scope") == "analog" and c["verdict"] == "refuted" else
                       "not reproduced on the small pretrained model" if c.get("scope") == "pretrained" and c["verdict"] == "refuted" else
                       c["verdict"])
            lines.append(f"- {_MARK.get(c['verdict'], c['verdict'])} [`{row_key(c)}`]({_link(c)}) "
                         f"({_scope(c)}): {wording} — {c['headline']}")
    return lines or ["Every empirical claim is reproduced or an observation."]


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell: pipes escaped, line breaks as spaces."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _anchor(key: str) -> str:
    return "".join(ch for ch in key.lower() if ch.isalnum() or ch in "-_ ").replace(" ", "-")


def _claim_section(c: dict[str, Any], up: str = "") -> list[str]:
    """A row's full section; ``up`` leads from the page it is on to the report's folder (figure paths are relative
    to that folder)."""
    src = c["source"]
    lines = [
        f"### {row_key(c)}",
        "",
        f"**{_MARK.get(c['verdict'], c['verdict'])}** (pinned: {c['expected']}{_other_pins(c)}) · version {c['version']} · "
        f"seed offset {c['seed_offset']} · {c['device']} · {c['scale']} scale",
        "",
        f"> {src['quote']}",
        f">",
        f"> — {_cell(src['title']) + ' (`' + src['file'] + '`)' if src.get('title') else '`' + src['file'] + '`'}, "
        f"§ {src['section']}",
        "",
        f"**Claim.** {c['statement']}",
        "",
        f"**Scope.** {c.get('scope') or 'undeclared'} — {_SCOPE_WORDS.get(c.get('scope'), 'not declared')}"
        + (" · an identity (algebra or exact computation): no control needed." if c.get("evidence") == "identity" else "."),
        "",
    ]
    if c["setup"]:
        lines += ["**Setup.**", "", _table([[_cell(k), _cell(_fmt(v))] for k, v in c["setup"].items()], ["", ""]), ""]
    crit = c["criterion"]
    if crit:
        lines += [f"**Criterion.** {_describe(crit)} (claimed: {crit['claimed']}). _Why:_ {crit['why']}", ""]
    if c["reason"]:
        lines += [f"**Why pinned {c['expected']}.** {c['reason']}", ""]
    if c.get("seed_sweep"):
        sweep = c["seed_sweep"]
        intervals = sweep.get("intervals") or [None] * len(sweep["offsets"])
        lines += ["**Seed sweep.** " + ", ".join(f"offset {o}: {v}" + (f" [{i[0]:.4g}, {i[1]:.4g}]" if i else "")
                                                   for o, v, i in zip(sweep["offsets"], sweep["verdicts"], intervals))
                  + (" — **the verdict depends on the seeds drawn**." if len(set(sweep["verdicts"])) > 1 else "."), ""]
    if c.get("controls"):
        lines += ["**Controls** (the same criterion on settings measured in the same run).", "", _table(
            [[k["kind"], _cell(k["what"]), f"`{k['quantity']}`", _measured_row(k["quantity"], c["measured"].get(k["quantity"]))[1],
              k.get("verdict", ""), "✓" if k.get("calibrated") else "✗ wrong side" if "calibrated" in k else ""]
             for k in c["controls"]], ["control", "setting", "quantity", "value", "criterion says", "calibrated"]), ""]
    if c.get("no_negative_control"):
        lines += [f"**No negative control.** {c['no_negative_control']}", ""]
    if c.get("unseeded"):
        lines += [f"**One value, no seeds.** {c['unseeded']}", ""]
    lines += _readings_section(c)
    if c["error"]:
        lines += ["**Error.**", "", "```", c["error"].rstrip(), "```", ""]
    if _drifted(c):
        lines += [f"**Drift from the accepted measurements** ({c['drift']['rule']}): {describe_drift(c['drift'])}. "
                  "Accept with `--claims-update`.", ""]
    if c["measured"]:
        noise = c.get("kernel_noise") or {}
        lines += ["**Measured** (kernel noise: the largest move of the quantity under other CPU kernels; the drift "
                  "rule allows ten times it).", "",
                  _table([[*_measured_row(k, v), _fmt(noise[k]) if k in noise else "not measured"]
                         for k, v in c["measured"].items()], ["quantity", "mean ± sd", "values", "kernel noise"]), ""]
    for note in c["notes"]:
        lines += [note, ""]
    for fig in c["figures"]:
        lines += [f"![{fig['caption']}]({up}{fig['path']})", "", f"_{fig['caption']}_", ""]
    return lines


def _readings_section(c: dict[str, Any]) -> list[str]:
    """The claim's readings, each judged on this run's measurement; or why its sentence admits one reading only."""
    if not c.get("readings"):
        return [f"**One reading.** {c['single_reading']}", ""] if c.get("single_reading") else []
    together = agreement([r["verdict"] for r in c["readings"]])
    verdict = ("**reading-dependent**: the verdict hinges on a choice the source leaves open"
               if together == READING_DEPENDENT else f"robust: every reading says {together}")
    rows = [[_cell(r["name"]), _cell(r["why"]), _cell(r["criterion"]), _reading_estimate(r),
             r["verdict"] + ("" if r["verdict"] == r["expected"] else f" ✗ (pinned {r['expected']})")]
            for r in c["readings"]]
    return [f"**Readings** (each defensible reading judged on this run's measurement by the same rule): {verdict}.",
            "", _table(rows, ["reading", "why defensible", "criterion", "estimate [interval]", "verdict"]), ""]


def _reading_estimate(r: dict[str, Any]) -> str:
    e = r.get("estimate")
    return "–" if e is None else f"{e['mean']:.4g} [{e['low']:.4g}, {e['high']:.4g}]"


def _other_pins(c: dict) -> str:
    pins = c.get("expected_at") or {}
    return "".join(f"; at {scale} scale: {pin}" for scale, pin in sorted(pins.items()) if scale != c.get("scale"))


def _describe(crit: dict) -> str:
    return Criterion(**{**crit, "lo": _inf(crit["lo"], -1), "hi": _inf(crit["hi"], 1)}).describe()


def _inf(x, sign: int) -> float:
    return sign * math.inf if x is None else x


def _measured_row(name: str, value: Any) -> list[str]:
    flat = value if isinstance(value, list) else [value]
    if all(isinstance(v, (int, float)) or v is None for v in flat):
        nums = np.array([np.nan if v is None else v for v in flat], dtype=float)
        stat = _fmt(nums[0]) if nums.size == 1 else f"{np.nanmean(nums):.4g} ± {np.nanstd(nums, ddof=1):.2g}"
        shown = ", ".join(_fmt(v) for v in flat[:12]) + (f", … ({len(flat)} values)" if len(flat) > 12 else "")
        return [name, stat, shown if len(flat) > 1 else ""]
    return [name, "", f"nested list, {len(flat)} rows (see CLAIMS.json)"]


def _fmt(v: Any) -> str:
    if v is None:
        return "nan"
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, list):
        return "[" + ", ".join(_fmt(x) for x in v[:12]) + (", …" if len(v) > 12 else "") + "]"
    return str(v)
