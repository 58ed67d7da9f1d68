"""The report on disk (harness/store.py): atomic writes, the digest over CLAIMS.json and the figures, the lock, and
what the next start repairs of a killed write."""

from __future__ import annotations

import json
import os
import threading
import time

import pytest

from toy_claims.harness import report, store
from toy_claims.harness.report import ReportError

PNG = b"\x89PNG\r\n\x1a\n"
ROW = {"id": "a.b", "version": 1, "statement": "s", "source": {"file": "f", "section": "S", "quote": "q"}, "setup": {},
       "criterion": None, "expected": "observation", "expected_at": {}, "reason": "", "verdict": "observation",
       "measured": {"y": 1.0}, "headline": "y = 1", "notes": [], "figures": [], "seconds": 0.1, "error": None,
       "seed_offset": 0, "device": "cpu", "scale": "ci", "environment": None}


def _write(folder, **changes):
    doc, figures = report.merge_records(None, [{**ROW, **changes}])
    store.write_report(folder / "CLAIMS.md", doc, figures)
    return doc


def _with_figure(y=1.0, png=PNG):
    import base64

    return {"measured": {"y": y}, "figures": [{"name": "curve", "caption": "c", "png_base64": base64.b64encode(png).decode()}]}


def test_a_written_pair_is_consistent_and_a_changed_json_is_detected(tmp_path):
    _write(tmp_path)
    assert store.pair_is_consistent(tmp_path / "CLAIMS.md")
    json_path = tmp_path / "CLAIMS.json"
    json_path.write_text(json_path.read_text().replace('"y": 1.0', '"y": 2.0'))
    assert store.pair_problems(tmp_path / "CLAIMS.md") == [
        "CLAIMS.md was not rendered from the CLAIMS.json beside it (a write torn by a kill)"]


def test_the_digest_covers_the_figures(tmp_path):
    _write(tmp_path, **_with_figure())
    figure = tmp_path / "claims_figures/a.b/curve.png"
    assert store.pair_is_consistent(tmp_path / "CLAIMS.md") and figure.read_bytes() == PNG
    figure.write_bytes(PNG + b"other")
    os.utime(figure, (time.time() + 5, time.time() + 5))
    [problem] = store.pair_problems(tmp_path / "CLAIMS.md")
    assert "figure files differ" in problem and "written after it: claims_figures/a.b/curve.png" in problem
    figure.unlink()
    assert "missing: claims_figures/a.b/curve.png" in store.pair_problems(tmp_path / "CLAIMS.md")[0]


def test_a_kill_between_the_two_renames_leaves_a_torn_pair_that_the_next_start_renders_again(tmp_path, monkeypatch):
    _write(tmp_path)
    real_replace = os.replace

    def dies_on_markdown(src, dst):
        if str(dst).endswith(".md"):
            raise KeyboardInterrupt("killed while writing")
        real_replace(src, dst)

    monkeypatch.setattr(store.os, "replace", dies_on_markdown)
    doc, figures = report.merge_records(None, [{**ROW, "measured": {"y": 3.0}}])
    with pytest.raises(KeyboardInterrupt):
        store.write_report(tmp_path / "CLAIMS.md", doc, figures)
    monkeypatch.undo()
    assert not store.pair_is_consistent(tmp_path / "CLAIMS.md") and not list(tmp_path.rglob("*.tmp"))
    [said] = store.recover(tmp_path / "CLAIMS.md")
    assert "torn by a kill" in said and "rendered CLAIMS.md again" in said
    assert store.pair_is_consistent(tmp_path / "CLAIMS.md") and "| y | 3 |" in (tmp_path / "CLAIMS/f.md").read_text()
    assert json.loads((tmp_path / "CLAIMS.json").read_text())["claims"][0]["measured"] == {"y": 3.0}


def test_the_next_start_removes_the_temp_files_of_killed_writers_and_warns_about_changed_figures(tmp_path):
    _write(tmp_path, **_with_figure())
    stale = [tmp_path / ".CLAIMS.json.4242.tmp", tmp_path / "claims_figures/a.b/.curve.png.4242.tmp"]
    for path in stale:
        path.write_bytes(b"half")
    (tmp_path / "claims_figures/a.b/curve.png").write_bytes(PNG + b"from a killed run")
    said = store.recover(tmp_path / "CLAIMS.md")
    assert not any(path.exists() for path in stale)
    assert said[0] == "removed 2 temp file(s) of a killed write"
    assert "figure files differ" in said[1] and "git checkout them or measure their claims again" in said[1]


def test_recover_leaves_a_report_another_run_is_writing_alone(tmp_path):
    _write(tmp_path)
    (tmp_path / ".CLAIMS.json.4242.tmp").write_bytes(b"being written")
    with store.locked(tmp_path / "CLAIMS.md"):
        assert store.recover(tmp_path / "CLAIMS.md") == [f"{tmp_path / 'CLAIMS.lock'} is held by another run: not checked"]
    assert (tmp_path / ".CLAIMS.json.4242.tmp").exists()


def test_the_lock_serialises_two_writers_and_says_that_one_waits(tmp_path):
    order, heard = [], []

    def writer(name, hold):
        with store.locked(tmp_path / "CLAIMS.md", waiting=heard.append):
            order.append(f"{name} in")
            time.sleep(hold)
            order.append(f"{name} out")

    first = threading.Thread(target=writer, args=("first", 0.5))
    first.start()
    time.sleep(0.1)
    writer("second", 0)
    first.join()
    assert order == ["first in", "first out", "second in", "second out"]
    assert heard == [f"waiting for {tmp_path / 'CLAIMS.lock'}: another run is writing this report"]


def test_a_lock_held_past_the_timeout_is_a_clear_error(tmp_path):
    with store.locked(tmp_path / "CLAIMS.md"):
        with pytest.raises(ReportError, match="stayed locked for 0 s: another run is writing"):
            with store.locked(tmp_path / "CLAIMS.md", timeout=0.05):
                pass


def test_a_document_that_cannot_render_writes_nothing(tmp_path):
    doc, figures = report.merge_records(None, [ROW])
    del doc["claims"][0]["statement"]
    with pytest.raises(KeyError):
        store.write_report(tmp_path / "CLAIMS.md", doc, figures)
    assert list(tmp_path.iterdir()) == []


# the per-source pages (CLAIMS/<source>.md): written and checked like CLAIMS.md ------------------------------------

PAGE = "CLAIMS/f.md"  # the page of ROW's source "f"


def test_each_page_carries_the_digest_and_a_page_of_another_write_is_a_torn_report(tmp_path):
    _write(tmp_path)
    page = tmp_path / PAGE
    first = (tmp_path / "CLAIMS.md").read_text().split("\n", 1)[0]
    assert page.read_text().split("\n", 1)[0] == first and store.pair_is_consistent(tmp_path / "CLAIMS.md")
    old = page.read_bytes()
    _write(tmp_path, measured={"y": 2.0})
    page.write_bytes(old)  # e.g. checked out from an older commit
    [problem] = store.pair_problems(tmp_path / "CLAIMS.md")
    assert problem.startswith("CLAIMS.md was not rendered from the CLAIMS.json beside it") and f"{PAGE} (of another write)" in problem
    [said] = store.recover(tmp_path / "CLAIMS.md")
    assert "rendered CLAIMS.md again" in said and store.pair_is_consistent(tmp_path / "CLAIMS.md")
    assert "| y | 2 |" in page.read_text()


def test_a_missing_page_is_a_torn_report_that_the_next_start_renders_again(tmp_path):
    _write(tmp_path)
    (tmp_path / PAGE).unlink()
    assert f"{PAGE} (missing)" in store.pair_problems(tmp_path / "CLAIMS.md")[0]
    store.recover(tmp_path / "CLAIMS.md")
    assert store.pair_is_consistent(tmp_path / "CLAIMS.md") and (tmp_path / PAGE).is_file()


@pytest.mark.parametrize("dies_at", ["CLAIMS/f.md", "CLAIMS/g.md", "CLAIMS.md"])
def test_a_kill_between_the_page_renames_leaves_a_torn_report(tmp_path, monkeypatch, dies_at):
    two = [ROW, {**ROW, "id": "a.c", "source": {"file": "g", "section": "S", "quote": "r"}}]
    doc, figures = report.merge_records(None, two)
    store.write_report(tmp_path / "CLAIMS.md", doc, figures)
    real_replace = os.replace

    def dies(src, dst):
        if str(dst).endswith(dies_at):
            raise KeyboardInterrupt("killed while writing")
        real_replace(src, dst)

    monkeypatch.setattr(store.os, "replace", dies)
    doc, figures = report.merge_records(doc, [{**row, "measured": {"y": 5.0}} for row in two])
    with pytest.raises(KeyboardInterrupt):
        store.write_report(tmp_path / "CLAIMS.md", doc, figures)
    monkeypatch.undo()
    assert not store.pair_is_consistent(tmp_path / "CLAIMS.md")
    assert "rendered CLAIMS.md again" in store.recover(tmp_path / "CLAIMS.md")[0]
    assert store.pair_is_consistent(tmp_path / "CLAIMS.md")
    assert all("| y | 5 |" in (tmp_path / page).read_text() for page in ("CLAIMS/f.md", "CLAIMS/g.md"))


def test_the_page_of_a_source_no_row_quotes_now_is_removed_and_a_left_over_one_is_a_torn_report(tmp_path):
    other = {**ROW, "id": "a.c", "source": {"file": "g", "section": "S", "quote": "r"}}
    doc, figures = report.merge_records(None, [ROW, other])
    store.write_report(tmp_path / "CLAIMS.md", doc, figures)
    left = (tmp_path / "CLAIMS/g.md").read_bytes()
    (tmp_path / "CLAIMS/notes.md").write_text("a file of someone's own, not a page\n")
    doc, figures = report.merge_records(doc, [ROW], keep=lambda row: row["id"] != "a.c")
    store.write_report(tmp_path / "CLAIMS.md", doc, figures)
    assert not (tmp_path / "CLAIMS/g.md").exists() and store.pair_is_consistent(tmp_path / "CLAIMS.md")
    (tmp_path / "CLAIMS/g.md").write_bytes(left)  # as a kill after CLAIMS.md's rename leaves it
    (tmp_path / "CLAIMS/.f.md.4242.tmp").write_bytes(b"half")
    assert "CLAIMS/g.md (left over)" in store.pair_problems(tmp_path / "CLAIMS.md")[0]
    said = store.recover(tmp_path / "CLAIMS.md")
    assert said[0] == "removed 1 temp file(s) of a killed write" and "rendered CLAIMS.md again" in said[1]
    assert not (tmp_path / "CLAIMS/g.md").exists() and store.pair_is_consistent(tmp_path / "CLAIMS.md")
    assert (tmp_path / "CLAIMS/notes.md").read_text() == "a file of someone's own, not a page\n"


def test_a_page_shows_its_figures_through_the_report_folder(tmp_path):
    import re

    _write(tmp_path, **_with_figure())
    [link] = re.findall(r"!\[[^]]*\]\(([^)]+)\)", (tmp_path / PAGE).read_text())
    assert link == "../claims_figures/a.b/curve.png" and ((tmp_path / PAGE).parent / link).read_bytes() == PNG
