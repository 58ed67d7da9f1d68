"""The report writer: atomic files, a detectable torn pair, nothing foreign overwritten."""

from __future__ import annotations

import json
import os

import pytest

from toy_claims.harness import report

ENV = {"python": "3", "platform": "p", "torch": "t", "numpy": "n", "scipy": "s", "torch_threads": 1}
ROW = {"id": "a.b", "version": 1, "statement": "s", "source": {"file": "f", "section": "S", "quote": "q"}, "setup": {},
       "criterion": None, "expected": "observation", "expected_at": {}, "reason": "", "verdict": "observation",
       "measured": {"y": 1.0}, "headline": "y = 1", "notes": [], "figures": [], "seconds": 0.1, "error": None,
       "seed_offset": 0, "device": "cpu", "scale": "ci", "environment": ENV}


def _write(tmp_path):
    doc, figures = report.merge_records(None, [ROW])
    report.write_report(tmp_path / "CLAIMS.md", doc, figures)
    return doc


def test_a_written_pair_is_consistent_and_a_changed_json_is_detected(tmp_path):
    _write(tmp_path)
    assert report.pair_is_consistent(tmp_path / "CLAIMS.md")
    json_path = tmp_path / "CLAIMS.json"
    json_path.write_text(json_path.read_text().replace('"y": 1.0', '"y": 2.0'))
    assert not report.pair_is_consistent(tmp_path / "CLAIMS.md")


def test_a_kill_between_the_two_renames_leaves_a_detectably_torn_pair_and_no_temp_file(tmp_path, monkeypatch):
    _write(tmp_path)
    real_replace = os.replace

    def dies_on_markdown(src, dst):
        if str(dst).endswith(".md"):
            raise KeyboardInterrupt("killed while writing")
        real_replace(src, dst)

    monkeypatch.setattr(report.os, "replace", dies_on_markdown)
    doc, figures = report.merge_records(None, [{**ROW, "measured": {"y": 3.0}}])
    with pytest.raises(KeyboardInterrupt):
        report.write_report(tmp_path / "CLAIMS.md", doc, figures)
    assert not report.pair_is_consistent(tmp_path / "CLAIMS.md")
    assert not list(tmp_path.rglob("*.tmp"))


def test_a_document_that_cannot_render_writes_nothing(tmp_path):
    doc, figures = report.merge_records(None, [ROW])
    del doc["claims"][0]["statement"]
    with pytest.raises(KeyError):
        report.write_report(tmp_path / "CLAIMS.md", doc, figures)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("content", ["", "[]", '{"schema": "other"}', '{"schema": "toy-claims/report/v1"}'])
def test_load_report_refuses_what_is_not_our_report(tmp_path, content):
    (tmp_path / "CLAIMS.json").write_text(content)
    with pytest.raises(report.ReportError, match="never overwritten"):
        report.load_report(tmp_path / "CLAIMS.json")


def test_load_report_of_a_missing_file_is_none_and_of_ours_is_the_document(tmp_path):
    assert report.load_report(tmp_path / "CLAIMS.json") is None
    doc = _write(tmp_path)
    assert report.load_report(tmp_path / "CLAIMS.json") == json.loads(json.dumps(doc))


def test_paper_rows_sit_beside_ci_rows_and_a_ci_run_never_erases_them(tmp_path):
    paper = {**ROW, "scale": "paper", "measured": {"y": 2.0}, "figures": [{"name": "f", "caption": "c", "png_base64": ""}]}
    doc, figures = report.merge_records(None, [ROW, paper])
    assert [(c["id"], c["scale"]) for c in doc["claims"]] == [("a.b", "ci"), ("a.b", "paper")]
    assert list(figures) == ["claims_figures/a.b-paper-f.png"]
    later, _ = report.merge_records(doc, [{**ROW, "measured": {"y": 3.0}}])
    assert [(c["scale"], c["measured"]["y"]) for c in later["claims"]] == [("ci", 3.0), ("paper", 2.0)]
    assert "### a.b@paper" in report.render_markdown(later)


def test_a_row_serialises_the_same_whether_its_sweep_is_new_or_kept():
    swept = {**ROW, "seed_sweep": {"offsets": [0, 1], "verdicts": ["observation", "observation"]}}
    fresh, _ = report.merge_records(None, [swept])
    kept, _ = report.merge_records(fresh, [ROW])  # a plain run measuring the same keeps the sweep's evidence
    assert json.dumps(fresh) == json.dumps(kept)
