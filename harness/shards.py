"""Shards: one report from the reports of runs that each measured part of the suite.

``python -m toy_claims.harness.shards merge OUT.md SHARD.json …`` (README: Shards). A shard is read as untrusted
input: every shard is read and checked in full (its JSON, every row a report can render, every figure file) before
anything is written, and anything wrong is a ``ReportError`` naming the shard file, the claim and what is wrong. A
shard's figure path must be its claim's own ``claims_figures/<name>.png`` (never absolute, never ``..``) and resolve,
symlinks followed, to a regular PNG file inside the shard's folder; figures are written only under OUT's folder.

The merge goes into the report at OUT when there is one: its rows are the oldest layer, each claim a shard measured
replaces its row there, and rows no shard measured stay as they are (with their figures, already in OUT's folder, and
their run-log rows). Between shards the most recent row of a claim wins, by the run id in the shard's run log
(without one, the later shard on the command line); two shards that measured a claim differently are a conflict the
merge names (exit 1). A shard replacing OUT's row is an update, not a conflict. Rows of different seed offsets
never mix in one report.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from toy_claims.harness.drift import compare as compare_drift
from toy_claims.harness.registry import row_key
from toy_claims.harness.render import FIGURE_DIR, PAGE_DIR, figure_path
from toy_claims.harness.report import (RUN_LOG_SCHEMA, SCHEMA, ReportError, load_report, load_run_log, render_problem,
                                       row_order, row_problem, run_log_path, shown)
from toy_claims.harness.store import locked, write_report

__all__ = ["Shard", "load_shard", "merge", "merge_shards", "main"]

_PNG = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class Shard:
    """A shard as checked: its rows, the run-log row of each (by row key) and its figure files (path -> bytes)."""

    path: Path  # the shard's CLAIMS.json, as named on the command line
    claims: list[dict[str, Any]]
    log_rows: dict[str, dict[str, Any]]
    figures: dict[str, bytes]


# Reading a shard -------------------------------------------------------------------------------------------------

def _read_json(path: Path) -> Any:
    def no_constant(name: str) -> Any:
        raise ValueError(f"{name} is not a number a report holds (it writes non-finite numbers as null)")

    try:
        return json.loads(path.read_bytes().decode("utf-8"), parse_constant=no_constant)
    except OSError as exc:
        raise ReportError(f"{path}: cannot be read ({type(exc).__name__}: {exc})") from None
    except (ValueError, RecursionError) as exc:
        raise ReportError(f"{path}: is not a readable report ({type(exc).__name__}: {exc})") from None


def load_shard(path: Path) -> Shard:
    """The shard at ``path`` (a run's CLAIMS.json) checked in full, its figures read; ``ReportError`` on anything wrong."""
    path = Path(path)
    if not path.exists():
        raise ReportError(f"{path}: no such shard")
    if path.is_dir() or path.suffix != ".json":
        raise ReportError(f"{path}: a shard is the CLAIMS.json a run wrote (its CLAIMS.run.json and "
                          f"{FIGURE_DIR}/ beside it), not {'a directory' if path.is_dir() else 'a ' + repr(path.suffix) + ' file'}")
    raw = _read_json(path)
    if not isinstance(raw, dict) or raw.get("schema") != SCHEMA:
        found = raw.get("schema") if isinstance(raw, dict) else type(raw).__name__
        raise ReportError(f"{path}: every shard must be a {SCHEMA} report, found {found!r}")
    if not isinstance(raw.get("claims"), list):
        raise ReportError(f"{path}: 'claims' must be a list of rows, got {shown(raw.get('claims'))}")
    if not (raw.get("environment") is None or isinstance(raw["environment"], dict)):
        raise ReportError(f"{path}: 'environment' must be an object or null, got {shown(raw['environment'])}")
    folder = path.parent.resolve()
    claims, keys, figures = [], set(), {}
    for i, row in enumerate(raw["claims"]):
        name = repr(row["id"]) if isinstance(row, dict) and isinstance(row.get("id"), str) and row["id"] else f"#{i + 1}"
        if problem := row_problem(row):
            raise ReportError(f"{path}: claim {name}: {problem}")
        key = row_key(row)
        if key in keys:
            raise ReportError(f"{path}: claim {key!r}: appears twice")
        keys.add(key)
        for fig in row["figures"]:
            figures[fig["path"]] = _figure(path, folder, key, fig)
        claims.append(row)
    return Shard(path, claims, _log_rows(path), figures)


def _figure(path: Path, folder: Path, key: str, fig: dict[str, str]) -> bytes:
    """The bytes of a row's figure, once its path is the row's own file, inside the shard's folder."""
    rel = fig["path"]
    where = f"{path}: claim {key!r}: figure {fig['name']!r}: path {rel!r}"
    pure = PurePosixPath(rel)
    if pure.is_absolute() or PureWindowsPath(rel).is_absolute() or PureWindowsPath(rel).drive:
        raise ReportError(f"{where} is absolute; a figure path is relative to the shard's folder: {FIGURE_DIR}/<name>.png")
    if ".." in pure.parts or ".." in PureWindowsPath(rel).parts:
        raise ReportError(f"{where} climbs out of the shard's folder with '..'; a figure path is {FIGURE_DIR}/<name>.png")
    own = figure_path(key, fig["name"])
    if rel != own:
        raise ReportError(f"{where} is not this claim's figure file {own!r} (a figure path is {FIGURE_DIR}/<name>.png, "
                          "named after its claim and figure)")
    try:
        target = (path.parent / rel).resolve()
    except (OSError, RuntimeError) as exc:  # a symlink loop
        raise ReportError(f"{where} cannot be resolved ({type(exc).__name__}: {exc})") from None
    if not target.is_relative_to(folder):
        raise ReportError(f"{where} resolves to {str(target)!r}, outside the shard's folder {str(folder)!r} (a symlink)")
    if not target.exists():
        raise ReportError(f"{where}: the file is missing from the shard's folder")
    if not target.is_file():
        raise ReportError(f"{where} is not a regular file")
    try:
        data = target.read_bytes()
    except OSError as exc:
        raise ReportError(f"{where}: cannot be read ({type(exc).__name__}: {exc})") from None
    if not data.startswith(_PNG):
        raise ReportError(f"{where} is not a PNG file")
    return data


def _log_rows(path: Path) -> dict[str, dict[str, Any]]:
    """The run-log row of each claim of the shard (its run id decides which shard's row is the most recent)."""
    log = load_run_log(path.with_suffix(".md"))  # None when missing or unreadable: the shard's order decides
    if log is None:
        return {}
    rows = log.get("rows")
    if not isinstance(rows, dict) or not all(isinstance(e, dict) and (e.get("run") is None or isinstance(e["run"], str))
                                             for e in rows.values()):
        raise ReportError(f"{run_log_path(path.with_suffix('.md'))}: the shard's run log must hold 'rows' of "
                          "{claim: {'run': run id, ...}}; move it away to merge by the order of the shards")
    return rows


# Merging ---------------------------------------------------------------------------------------------------------

def merge(existing: dict[str, Any] | None, existing_log: dict[str, Any] | None,
          shards: list[Shard]) -> tuple[dict, dict[str, bytes], dict, list[str]]:
    """The merged report: (document, figures to write, run log, conflicts). Pure.

    ``existing`` (the report at OUT, or None) is the oldest layer: a claim any shard measured replaces its row there,
    the rest stay. Between shards the most recent row wins (run id in the shard's run log, then the shard's place on
    the command line); ``conflicts`` names the claims that two shards measured differently (beyond the drift rule).
    """
    taken: dict[str, tuple[tuple, dict, Shard, dict]] = {}
    conflicts = []
    for order, shard in enumerate(shards):
        for row in shard.claims:
            key = row_key(row)
            entry = shard.log_rows.get(key, {})
            recency = (entry.get("run") or "", order)
            if key in taken:
                other_recency, other, other_shard, _ = taken[key]
                if _disagree(row, other):
                    conflicts.append(f"{key}: {other_shard.path} and {shard.path} measured it differently")
                if recency < other_recency:
                    continue
            taken[key] = (recency, row, shard, entry)
    rows = {row_key(c): c for c in (existing or {}).get("claims", [])}
    log_rows = dict(_existing_log_rows(existing_log))
    figures: dict[str, bytes] = {}
    for key, (_, row, shard, entry) in taken.items():
        rows[key], log_rows[key] = row, entry
        figures.update({fig["path"]: shard.figures[fig["path"]] for fig in row["figures"]})
    latest = max(taken.values(), key=lambda t: t[0])[1]["environment"] if taken else (existing or {}).get("environment")
    doc = {"schema": SCHEMA, "environment": latest, "claims": sorted(rows.values(), key=row_order)}
    run_log = {"schema": RUN_LOG_SCHEMA, "run": {"merged_from": [str(s.path) for s in shards]},
               "rows": dict(sorted(log_rows.items()))}
    return doc, figures, run_log, conflicts


def _disagree(row: dict[str, Any], other: dict[str, Any]) -> bool:
    """Whether two shards' rows of one claim measured it differently (both measured, same definition, drifted)."""
    measured_both = all(r["verdict"] not in ("error", "skipped") for r in (row, other))
    return (measured_both and row["version"] == other["version"]
            and compare_drift({**row, "measured": _nan(row["measured"])}, other)["status"] == "drifted")


def _existing_log_rows(log: dict[str, Any] | None) -> dict[str, Any]:
    rows = (log or {}).get("rows")  # volatile: a run log of another shape is started anew
    return rows if isinstance(rows, dict) else {}


def _nan(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _nan(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nan(v) for v in value]
    return math.nan if value is None else value


# The command -----------------------------------------------------------------------------------------------------

def merge_shards(out: Path, shard_paths: list[Path]) -> tuple[dict, dict[str, bytes], dict, list[str]]:
    """Check OUT and every shard, then merge them: (document, figures, run log, conflicts). Writes nothing.

    ``ReportError`` names the file and what is wrong: OUT not a writable .md path, a ``claims_figures`` there that
    leads out of OUT's folder, a report at OUT that is not ours, a shard given twice or being OUT's own report, any
    shard that is unreadable, of another schema, incomplete or whose figures are not its own files.
    """
    out = Path(out)
    _check_out(out)
    out_json = out.with_suffix(".json")
    seen: dict[tuple[int, int], Path] = {}
    if out_json.exists():
        seen[_identity(out_json)] = out_json
    for path in map(Path, shard_paths):
        if path.exists() and (first := seen.get(_identity(path))) is not None:
            raise ReportError(f"{path}: " + ("is the merged report's own CLAIMS.json; merge into another OUT.md"
                                             if first == out_json else f"is given twice (also as {first})"))
        if path.exists():
            seen[_identity(path)] = path
    existing = load_report(out_json)  # ReportError: a file that is not our report is never overwritten
    if existing is not None:
        _check_existing(existing, out_json)
    shards = [load_shard(path) for path in shard_paths]
    _check_one_seed_offset(existing, out_json, shards)
    return merge(existing, load_run_log(out), shards)


def _identity(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_dev, st.st_ino


def _check_out(out: Path) -> None:
    if out.suffix != ".md":
        raise ReportError(f"{out}: the merged report must be a Markdown file ending in .md (CLAIMS.json goes beside it)")
    if out.is_dir():
        raise ReportError(f"{out}: the merged report must be a file, not a directory")
    existing = next((p for p in (out.parent, *out.parent.parents) if p.exists()), None)
    if existing is None or not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise ReportError(f"{out}: the directory {str(existing or out.parent)!r} is not writable")
    root = out.parent
    for figures, what in ((root / FIGURE_DIR, "figures"), (root / PAGE_DIR, "per-source pages")):
        if figures.is_symlink() or figures.exists():
            target = figures.resolve()
            if not target.is_relative_to(root.resolve()):
                raise ReportError(f"{out}: {figures} leads to {str(target)!r}, outside the report's folder (a symlink); "
                                  f"{what} are written only inside it: remove the link or merge into another folder")
            if target.exists() and not target.is_dir():
                raise ReportError(f"{out}: {figures} is not a folder, and the {what} go there")


def _check_existing(doc: dict[str, Any], path: Path) -> None:
    """The report at OUT: its rows are kept as they are, so each must still render."""
    if not (doc.get("environment") is None or isinstance(doc["environment"], dict)):
        raise ReportError(f"{path}: 'environment' must be an object or null; move the file away or merge elsewhere")
    for i, row in enumerate(doc["claims"]):
        if not isinstance(row, dict) or not isinstance(row.get("id"), str) or not isinstance(row.get("scale", "ci") or "ci", str):
            raise ReportError(f"{path}: row #{i + 1} has no claim id; move the file away or merge elsewhere")
        if problem := render_problem(row):
            raise ReportError(f"{path}: claim {row_key(row)!r}: {problem}; move the file away or merge elsewhere")


def _check_one_seed_offset(existing: dict[str, Any] | None, out_json: Path, shards: list[Shard]) -> None:
    """Rows measured at different seed offsets are never compared nor merged (as ``check_report_path`` for a run)."""
    first: tuple[Any, Path, str] | None = None
    for path, rows in ((out_json, (existing or {}).get("claims", [])), *((s.path, s.claims) for s in shards)):
        for row in rows:
            offset = row.get("seed_offset")
            if offset is None:
                continue
            if first is None:
                first = (offset, path, row_key(row))
            elif offset != first[0]:
                raise ReportError(f"{path}: claim {row_key(row)!r} was measured at seed offset {offset}, claim "
                                  f"{first[2]!r} of {first[1]} at {first[0]}; offsets never mix in one report: "
                                  "merge each offset into its own")


def main(argv: list[str] | None = None) -> int:
    """``python -m toy_claims.harness.shards merge OUT.md SHARD.json …``: one report from the reports of several
    shards, merged into the report at OUT.md when there is one. Exit 0 merged, 1 merged with conflicts (two shards
    measured a claim differently), 2 refused: nothing written."""
    parser = argparse.ArgumentParser(prog="python -m toy_claims.harness.shards", description=main.__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    merge_cmd = sub.add_parser("merge", help="merge shard reports into one CLAIMS.md / CLAIMS.json")
    merge_cmd.add_argument("out", type=Path, help="the merged CLAIMS.md (CLAIMS.json and figures beside it); "
                                                  "an existing report there is merged into")
    merge_cmd.add_argument("shards", type=Path, nargs="+", help="the shards' CLAIMS.json files")
    args = parser.parse_args(argv)
    try:
        merge_shards(args.out, args.shards)  # every check first: a refused merge writes nothing, not even the lock
        with locked(args.out, waiting=print):  # then OUT is read again and written by one process at a time
            doc, figures, run_log, conflicts = merge_shards(args.out, args.shards)
            write_report(args.out, doc, figures, run_log)
    except ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: {args.out}: writing the merged report failed ({type(exc).__name__}: {exc})", file=sys.stderr)
        return 2
    for line in conflicts:
        print(f"conflict: {line}", file=sys.stderr)
    print(f"merged {len(doc['claims'])} claims from {len(args.shards)} shards into {args.out}")
    return 1 if conflicts else 0


if __name__ == "__main__":
    raise SystemExit(main())
