"""CLAIMS.md / CLAIMS.json: merging a run's claim records into the report and rendering it.

Pure functions and one atomic writer; no pytest here. The JSON schema
(``SCHEMA``) is public and documented in the README:

    {"schema": "toy-claims/report/v1",
     "run": {"id", "started", "commit", "seed_offset", "device", "scale"},  # the latest run
     "environment": {"python", "platform", "torch", "numpy", "scipy", "torch_threads"},
     "claims": [{"id", "version", "statement", "source": {"file", "section", "quote"},
                 "setup", "criterion": {"quantity", "kind", "lo", "hi", "claimed", "why"} | null,
                 "expected",                      # the pin for the scale this row was measured at
                 "expected_at": {scale: pin},     # pins that differ at another scale
                 "reason", "verdict", "measured": {name: number | list},
                 "headline", "notes", "figures": [{"name", "caption", "path"}],
                 "seconds", "error", "seed_offset", "device", "scale", "run"}]}  # run: id of the run that measured it

Non-finite numbers (a NaN measurement, an open criterion bound) are written as null. A subset run keeps every row
of the previous report that it did not re-measure, with the run it came from (``runs``: every run a row refers to,
with its commit and environment).

Nothing measured is lost silently: a report path that holds something that is not our report (unreadable JSON,
another schema) is refused with ``ReportError`` before any claim runs; the Markdown is rendered before anything is
written; every file is written atomically and a failed write leaves no temp file; CLAIMS.md names the SHA-256 of
the CLAIMS.json it was rendered from, so a pair torn by a kill between the two renames is detectable
(``pair_is_consistent``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np
from tabulate import tabulate

from harness.verdicts import Criterion  # the one place that phrases criteria

__all__ = ["SCHEMA", "FIGURE_DIR", "ReportError", "check_report_path", "merge_records", "render_markdown", "write_report",
           "load_report", "pair_is_consistent", "summary_rows"]

SCHEMA = "toy-claims/report/v1"
FIGURE_DIR = "claims_figures"
_MARK = {"reproduced": "✅ reproduced", "refuted": "❌ refuted", "inconclusive": "⚠️ inconclusive",
         "error": "💥 error", "observation": "🔎 observation", "skipped": "⏭️ skipped"}


class ReportError(Exception):
    """The report path cannot take this run's report without losing something; the message says what to do."""


def check_report_path(md_path: Path) -> None:
    """Refuse, before any claim runs, a report path this run could not write or would overwrite something foreign with."""
    md_path = Path(md_path)
    if md_path.suffix != ".md":
        raise ReportError(f"--claims-report must name a Markdown file ending in .md (CLAIMS.json goes beside it), got {str(md_path)!r}")
    if md_path.is_dir():
        raise ReportError(f"--claims-report must name a file, got the directory {str(md_path)!r}")
    existing = next((p for p in (md_path.parent, *md_path.parent.parents) if p.exists()), None)
    if existing is None or not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise ReportError(f"--claims-report {str(md_path)!r}: the directory {str(existing or md_path.parent)!r} is not writable")
    load_report(md_path.with_suffix(".json"))  # raises on a file that is not our report


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
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA or not isinstance(doc.get("claims"), list):
        found = doc.get("schema") if isinstance(doc, dict) else type(doc).__name__
        raise ReportError(f"{json_path} is not a {SCHEMA} report (found {found!r}); {advice}")
    return doc


def merge_records(previous: dict[str, Any] | None, records: list[dict[str, Any]], run: dict, environment: dict) -> tuple[dict, dict[str, bytes]]:
    """The new report document and the figure files (relative path -> PNG bytes) to write.

    Claims measured now replace their old rows; the others are kept as they were, and so is the run (commit,
    environment) each kept row came from.
    """
    figures: dict[str, bytes] = {}
    previous = previous or {}
    rows = {c["id"]: c for c in previous.get("claims", [])}
    for record in records:
        row = _json_numbers({**record, "run": run["id"]})
        row["figures"] = []
        for fig in record["figures"]:
            path = f"{FIGURE_DIR}/{_slug(record['id'])}-{_slug(fig['name'])}.png"
            figures[path] = base64.b64decode(fig["png_base64"])
            row["figures"].append({"name": fig["name"], "caption": fig["caption"], "path": path})
        rows[record["id"]] = row
    runs = dict(previous.get("runs", {}))
    if "run" in previous and previous["run"]["id"] not in runs:  # a report written before runs were kept
        runs[previous["run"]["id"]] = {**previous["run"], "environment": previous.get("environment")}
    runs[run["id"]] = {**run, "environment": environment}
    claims = [rows[k] for k in sorted(rows)]
    used = {c["run"] for c in claims}
    doc = {"schema": SCHEMA, "run": run, "environment": environment,
           "runs": {k: v for k, v in sorted(runs.items()) if k in used}, "claims": claims}
    return doc, figures


def write_report(md_path: Path, doc: dict[str, Any], figures: dict[str, bytes]) -> Path:
    """Render, then write figures, CLAIMS.json and CLAIMS.md, each atomically (temp file + rename). Returns the JSON path.

    Rendering first means a document that cannot be rendered writes nothing.
    """
    md_path = Path(md_path)
    root = md_path.parent
    json_bytes = (json.dumps(doc, indent=1, ensure_ascii=False, allow_nan=False) + "\n").encode()
    md_bytes = (_digest_line(json_bytes) + "\n" + render_markdown(doc)).encode()
    for rel, data in sorted(figures.items()):
        _atomic_write(root / rel, data)
    json_path = md_path.with_suffix(".json")
    _atomic_write(json_path, json_bytes)
    _atomic_write(md_path, md_bytes)
    return json_path


def pair_is_consistent(md_path: Path) -> bool:
    """Whether CLAIMS.md was rendered from the CLAIMS.json beside it (False after a write torn between the two)."""
    md_path = Path(md_path)
    try:
        first = md_path.read_text().split("\n", 1)[0]
        return first == _digest_line(md_path.with_suffix(".json").read_bytes())
    except OSError:
        return False


def _digest_line(json_bytes: bytes) -> str:
    return f"<!-- rendered from CLAIMS.json sha256:{hashlib.sha256(json_bytes).hexdigest()} -->"


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in text)


def _json_numbers(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, list):
        return [_json_numbers(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_numbers(v) for k, v in value.items()}
    return value


def _agreement(c: dict[str, Any]) -> str:
    """✓ verdict equals its pin, ✗ it does not, – not measured (optional dependency missing)."""
    return "–" if c["verdict"] == "skipped" else "✓" if c["verdict"] == c["expected"] else "✗"


def summary_rows(doc: dict[str, Any]) -> list[list[str]]:
    """One row per claim: id, verdict, expected, whether they agree, headline."""
    return [[c["id"], c["verdict"], c["expected"], _agreement(c), c["headline"]]
            for c in doc["claims"]]


def render_markdown(doc: dict[str, Any]) -> str:
    run, env, claims = doc["run"], doc["environment"], doc["claims"]
    counts: dict[str, int] = {}
    for c in claims:
        counts[c["verdict"]] = counts.get(c["verdict"], 0) + 1
    mismatches = [c["id"] for c in claims if _agreement(c) == "✗"]
    out = [
        "# Claims report",
        "",
        "_Generated by `pytest claims` (harness/report.py) — do not edit by hand. "
        "Schema and how to read it: README.md._",
        "",
        f"Latest run `{run['id']}` · commit `{run.get('commit') or 'unknown'}` · device `{run['device']}` · "
        f"scale `{run.get('scale', 'ci')}` · "
        f"seed offset {run['seed_offset']} · Python {env['python']} · torch {env['torch']} · "
        f"numpy {env['numpy']} · {env['platform']}",
        "",
        "Verdicts: " + ", ".join(f"{_MARK.get(v, v)} {n}" for v, n in sorted(counts.items())) + ".  "
        + (f"**{len(mismatches)} claim(s) differ from their pinned verdict: {', '.join(mismatches)}.**"
           if mismatches else "Every verdict matches its pin."),
        "",
        "## Summary",
        "",
        tabulate(
            [[f"[`{c['id']}`](#{_anchor(c['id'])})", _cell(c["statement"]),
              _cell(f"`{c['source']['file'][:3]}` §{c['source']['section']}"),
              _cell(c["headline"]), _MARK.get(c["verdict"], c["verdict"]), c["expected"] + ("" if _agreement(c) == "✓" else f" {_agreement(c)}")]
             for c in claims],
            headers=["id", "claim", "source", "measured vs claimed", "verdict", "pinned"],
            tablefmt="github",
        ),
        "",
        "## Claims",
    ]
    for c in claims:
        out += ["", *_claim_section(c, run)]
    return "\n".join(out) + "\n"


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell: pipes escaped, line breaks as spaces."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _anchor(claim_id: str) -> str:
    return "".join(ch for ch in claim_id.lower() if ch.isalnum() or ch in "-_ ").replace(" ", "-")


def _claim_section(c: dict[str, Any], run: dict) -> list[str]:
    src = c["source"]
    lines = [
        f"### {c['id']}",
        "",
        f"**{_MARK.get(c['verdict'], c['verdict'])}** (pinned: {c['expected']}{_other_pins(c)}) · version {c['version']} · "
        f"{c['seconds']:.2f} s" + ("" if c["run"] == run["id"] else f" · **from earlier run `{c['run']}`**"),
        "",
        f"> {src['quote']}",
        f">",
        f"> — `{src['file']}`, § {src['section']}",
        "",
        f"**Claim.** {c['statement']}",
        "",
    ]
    if c["setup"]:
        lines += ["**Setup.**", "", tabulate([[_cell(k), _cell(_fmt(v))] for k, v in c["setup"].items()], headers=["", ""], tablefmt="github"), ""]
    crit = c["criterion"]
    if crit:
        lines += [f"**Criterion.** {_describe(crit)} (claimed: {crit['claimed']}). _Why:_ {crit['why']}", ""]
    if c["reason"]:
        lines += [f"**Why pinned {c['expected']}.** {c['reason']}", ""]
    if c["error"]:
        lines += ["**Error.**", "", "```", c["error"].rstrip(), "```", ""]
    if c["measured"]:
        lines += ["**Measured.**", "", tabulate([_measured_row(k, v) for k, v in c["measured"].items()],
                                                headers=["quantity", "mean ± sd", "values"], tablefmt="github"), ""]
    for note in c["notes"]:
        lines += [note, ""]
    for fig in c["figures"]:
        lines += [f"![{fig['caption']}]({fig['path']})", "", f"_{fig['caption']}_", ""]
    return lines


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
