"""The committed report is what CI gates on: every row scoped, every control calibrated, every pin met, nothing pending."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import report
from harness.verdicts import SCOPES

ROOT = Path(__file__).resolve().parents[1]
DOC = report.load_report(ROOT / "CLAIMS.json")
ROWS = DOC["claims"] if DOC else []


def test_the_committed_pair_is_consistent():
    assert DOC is not None and report.pair_is_consistent(ROOT / "CLAIMS.md")


@pytest.mark.parametrize("row", ROWS, ids=[report.row_key(r) for r in ROWS])
def test_a_committed_row_is_scoped_calibrated_pinned_and_accepted(row):
    assert row.get("scope") in SCOPES, "every claim declares what its verdict is about"
    assert all(k["calibrated"] for k in row.get("controls", [])), "a positive control failed or a negative one passed"
    assert row["verdict"] in (row["expected"], "skipped")
    assert "drift" not in row and "baseline" not in row, "a drift is pending: accept it with --claims-update or fix it"
