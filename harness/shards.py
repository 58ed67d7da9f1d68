"""Shards: one report from the reports of runs that each measured part of the suite.

``python -m toy_claims.harness.shards merge OUT.md SHARD.json …``. Pure merge plus the command; the writing is
``report.write_report``'s.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from toy_claims.harness.drift import compare as compare_drift
from toy_claims.harness.registry import row_key
from toy_claims.harness.report import (RUN_LOG_SCHEMA, SCHEMA, ReportError, check_report_path, load_report,
                                       load_run_log, row_order, write_report)

__all__ = ["merge_shards", "main"]


def merge_shards(shard_paths: list[Path]) -> tuple[dict, dict[str, bytes], dict, list[str]]:
    """Merge reports written by separate runs (shards) into one: (document, figures, run log, conflicts).

    Refuses shards of different schema versions. Of each claim the most recent row wins (by the run id in the
    shard's run log; without one, the later shard on the command line); ``conflicts`` names the claims that two
    shards measured differently (beyond the drift rule), which a merge must not hide.
    """
    shards = []
    for path in map(Path, shard_paths):
        raw = json.loads(path.read_text()) if path.exists() else None
        if not isinstance(raw, dict) or raw.get("schema") != SCHEMA:
            found = raw.get("schema") if isinstance(raw, dict) else "no report"
            raise ReportError(f"{path}: every shard must be a {SCHEMA} report, found {found!r}")
        shards.append((path, load_report(path), load_run_log(path.with_suffix(".md")) or {}))
    rows: dict[str, tuple[tuple, dict, Path, dict]] = {}
    conflicts = []
    for order, (path, doc, log) in enumerate(shards):
        for row in doc["claims"]:
            key_ = row_key(row)
            entry = log.get("rows", {}).get(key_, {})
            key = (entry.get("run") or "", order)
            if key_ in rows:
                other = rows[key_][1]
                measured_both = all(r["verdict"] not in ("error", "skipped") for r in (row, other))
                if measured_both and row["version"] == other["version"] and compare_drift(
                        {**row, "measured": _nan(row["measured"])}, other)["status"] == "drifted":
                    conflicts.append(f"{key_}: {rows[key_][2]} and {path} measured it differently")
                if key < rows[key_][0]:
                    continue
            rows[key_] = (key, row, path, entry)
    figures: dict[str, bytes] = {}
    for _, row, path, _ in rows.values():
        for fig in row["figures"]:
            figures[fig["path"]] = (path.parent / fig["path"]).read_bytes()
    latest = max(rows.values(), key=lambda r: r[0]) if rows else None
    doc = {"schema": SCHEMA, "environment": latest[1]["environment"] if latest else None,
           "claims": sorted((r[1] for r in rows.values()), key=row_order)}
    run_log = {"schema": RUN_LOG_SCHEMA, "run": {"merged_from": [str(p) for p in shard_paths]},
               "rows": {k: rows[k][3] for k in sorted(rows)}}
    return doc, figures, run_log, conflicts


def _nan(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _nan(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nan(v) for v in value]
    return math.nan if value is None else value


def main(argv: list[str] | None = None) -> int:
    """``python -m toy_claims.harness.shards merge OUT.md SHARD.json …``: one report from the reports of several shards."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="python -m toy_claims.harness.shards", description=main.__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    merge = sub.add_parser("merge", help="merge shard reports into one CLAIMS.md / CLAIMS.json")
    merge.add_argument("out", type=Path, help="the merged CLAIMS.md (CLAIMS.json and figures beside it)")
    merge.add_argument("shards", type=Path, nargs="+", help="the shards' CLAIMS.json files")
    args = parser.parse_args(argv)
    try:
        check_report_path(args.out)  # an existing CLAIMS.json there must be ours
        doc, figures, run_log, conflicts = merge_shards(args.shards)
    except ReportError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    write_report(args.out, doc, figures, run_log)
    for line in conflicts:
        print(f"conflict: {line}", file=sys.stderr)
    print(f"merged {len(doc['claims'])} claims from {len(args.shards)} shards into {args.out}")
    return 1 if conflicts else 0


if __name__ == "__main__":
    raise SystemExit(main())
