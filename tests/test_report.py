"""The report writer: atomic files, a detectable torn pair, nothing foreign overwritten."""

from __future__ import annotations

import json
import math
import os

import pytest

from toy_claims.harness import render, report, store

ENV = {"python": "3", "platform": "p", "torch": "t", "numpy": "n", "scipy": "s", "torch_threads": 1}
ROW = {"id": "a.b", "version": 1, "statement": "s", "source": {"file": "f", "section": "S", "quote": "q"}, "setup": {},
       "criterion": None, "expected": "observation", "expected_at": {}, "reason": "", "verdict": "observation",
       "measured": {"y": 1.0}, "headline": "y = 1", "notes": [], "figures": [], "seconds": 0.1, "error": None,
       "seed_offset": 0, "device": "cpu", "scale": "ci", "environment": ENV}


def _write(tmp_path):
    doc, figures = report.merge_records(None, [ROW])
    store.write_report(tmp_path / "CLAIMS.md", doc, figures)
    return doc


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
    assert list(figures) == ["claims_figures/a.b@paper/f.png"]
    later, _ = report.merge_records(doc, [{**ROW, "measured": {"y": 3.0}}])
    assert [(c["scale"], c["measured"]["y"]) for c in later["claims"]] == [("ci", 3.0), ("paper", 2.0)]
    assert "### a.b@paper" in render.render_pages(later)["CLAIMS/f.md"]


def test_a_row_serialises_the_same_whether_its_sweep_is_new_or_kept():
    swept = {**ROW, "seed_sweep": {"offsets": [0, 1], "verdicts": ["observation", "observation"]}}
    fresh, _ = report.merge_records(None, [swept])
    kept, _ = report.merge_records(fresh, [ROW])  # a plain run measuring the same keeps the sweep's evidence
    assert json.dumps(fresh) == json.dumps(kept)


# merge_records: which row a record leaves in the committed report --------------------------------------------------

ENV2 = {**ENV, "torch": "t2", "torch_threads": 4}
PNG = "iVBORw0KGgo="  # base64 of the PNG magic bytes
ACCEPTED = {**ROW, "measured": {"y": 1.0, "z": [1.0, 2.0]}, "headline": "y = 1", "notes": ["old note"],
            "figures": [{"name": "curve", "caption": "old", "png_base64": PNG}], "kernel_noise": {"y": 0.01},
            "seed_sweep": {"offsets": [0, 1], "verdicts": ["observation", "observation"]}}


def _accepted_doc():
    doc, _ = report.merge_records(None, [ACCEPTED])
    return doc


def _rerun(**changes):
    """A fresh record of ROW's claim (a later run), with its drift against the accepted row."""
    return {**ROW, "measured": {"y": 1.001, "z": [1.0, 2.001]}, "headline": "y = 1.001", "notes": ["new note"],
            "figures": [{"name": "curve", "caption": "new", "png_base64": PNG}], "environment": ENV2,
            "seconds": 7.0, "run": "r2", "drift": {"status": "unchanged", "rule": "r", "moved": []}, **changes}


def test_an_unchanged_record_keeps_the_accepted_measurement_byte_for_byte_and_takes_its_definition():
    previous = _accepted_doc()
    old = previous["claims"][0]
    record = _rerun(statement="reworded", setup={"V": 12}, expected="reproduced", reason="why now",
                    scope="source", estimate={"mean": 9.0}, error="no")
    doc, figures = report.merge_records(previous, [record])
    [row] = doc["claims"]
    for k in ("measured", "headline", "notes", "figures", "environment", "reason", "error", "seed_sweep", "kernel_noise"):
        assert json.dumps(row[k]) == json.dumps(old[k]), k  # what a measurement determines stays the accepted one
    assert (row["statement"], row["setup"], row["expected"]) == ("reworded", {"V": 12}, "reproduced")
    assert row["scope"] == "source"  # a definition field the accepted row did not have yet
    assert "estimate" not in row  # a measured field is never taken from an unchanged record
    assert not {"seconds", "run", "drift", "baseline"} & set(row)
    assert figures == {}  # the kept row's figure files are not rewritten
    assert doc["environment"] == ENV  # no row was rewritten: the document keeps the previous environment
    unchanged_again, _ = report.merge_records(doc, [record])
    assert json.dumps(unchanged_again) == json.dumps(doc)  # a second identical run leaves the bytes as they are


def test_an_unchanged_record_takes_the_declared_words_of_its_controls_and_readings_but_keeps_their_verdicts():
    control = {"quantity": "y_init", "kind": "negative", "what": "at init", "verdict": "refuted", "calibrated": True}
    reading = {"name": "primary", "why": "w", "quantity": "y", "criterion": "mean of `y` ≤ 2", "claimed": "c",
               "expected": "observation", "verdict": "observation", "estimate": {"mean": 1.0}, "controls": [control]}
    previous, _ = report.merge_records(None, [{**ACCEPTED, "controls": [control], "readings": [reading]}])
    reworded = {**control, "what": "the same stack before training"}
    record = _rerun(controls=[{**reworded, "calibrated": "from the record"}],
                    readings=[{**reading, "why": "new why", "expected": "reproduced", "estimate": {"mean": 9.0},
                               "controls": [{**reworded, "calibrated": "from the record"}]}])
    [row] = report.merge_records(previous, [record])[0]["claims"]
    assert row["controls"] == [{**control, "what": "the same stack before training"}]
    assert row["readings"][0]["why"] == "new why" and row["readings"][0]["estimate"] == {"mean": 1.0}
    assert row["readings"][0]["expected"] == "reproduced"  # a reading's pin is declared, like the claim's
    assert row["readings"][0]["controls"] == row["controls"]


def test_an_accepted_record_with_new_notes_or_captions_takes_its_numbers_with_them():
    """--claims-update after a new note or caption: the row is this run's, numbers and all, so a note never quotes
    another run's numbers; an accepted run that presents the same keeps the accepted row byte for byte."""
    previous = _accepted_doc()
    doc, figures = report.merge_records(previous, [_rerun()], accept=True)
    [row] = doc["claims"]
    assert row["notes"] == ["new note"] and row["figures"][0]["caption"] == "new"
    assert list(figures) == [row["figures"][0]["path"]] and row["measured"] == {"y": 1.001, "z": [1.0, 2.001]}
    same = _rerun(notes=ACCEPTED["notes"], figures=[{**ACCEPTED["figures"][0]}])
    doc, figures = report.merge_records(previous, [same], accept=True)
    assert json.dumps(doc["claims"][0]) == json.dumps(previous["claims"][0]) and figures == {}
    reworded = {**same, "reason": ACCEPTED["reason"] + " (reworded)"}  # a reason's template changed
    [row] = report.merge_records(previous, [reworded], accept=True)[0]["claims"]
    assert row["reason"] == reworded["reason"] and row["measured"] == {"y": 1.001, "z": [1.0, 2.001]}
    [row] = report.merge_records(previous, [reworded])[0]["claims"]  # a plain run keeps the accepted row
    assert row["reason"] == ACCEPTED["reason"]


def test_an_unchanged_record_brings_its_own_seed_sweep_and_kernel_noise():
    sweep = {"offsets": [0, 1, 2], "verdicts": ["observation"] * 3}
    doc, _ = report.merge_records(_accepted_doc(), [_rerun(seed_sweep=sweep, kernel_noise={"y": 0.5})])
    assert doc["claims"][0]["seed_sweep"] == sweep and doc["claims"][0]["kernel_noise"] == {"y": 0.5}
    doc, _ = report.merge_records(_accepted_doc(), [_rerun(kernel_noise={"y": 0.5})])
    assert doc["claims"][0]["seed_sweep"] == ACCEPTED["seed_sweep"] and doc["claims"][0]["kernel_noise"] == {"y": 0.5}
    doc, _ = report.merge_records(_accepted_doc(), [_rerun(seed_sweep=sweep)])
    assert doc["claims"][0]["seed_sweep"] == sweep and doc["claims"][0]["kernel_noise"] == {"y": 0.01}


@pytest.mark.parametrize("change", [{"verdict": "reproduced"}, {"drift": {"status": "drifted", "rule": "r", "moved": []}},
                                    {"drift": None}, {"controls": [{"verdict": "reproduced"}]}])
def test_a_record_that_is_not_unchanged_replaces_the_measurement(change):
    doc, _ = report.merge_records(_accepted_doc(), [_rerun(**change)], accept=True)
    assert doc["claims"][0]["measured"] == {"y": 1.001, "z": [1.0, 2.001]} and doc["claims"][0]["notes"] == ["new note"]


def test_a_drift_is_kept_with_the_accepted_row_as_baseline_until_accepted():
    previous = _accepted_doc()
    moved = [{"quantity": "y", "from": 1.0, "to": 5.0, "tolerance": 1e-6, "excess": math.inf, "why": "w"}]
    drifted = _rerun(measured={"y": 5.0, "z": [1.0, 2.0]}, drift={"status": "drifted", "rule": "r", "moved": moved})
    doc, figures = report.merge_records(previous, [drifted])
    [row] = doc["claims"]
    assert row["measured"]["y"] == 5.0 and row["environment"] == ENV2 and doc["environment"] == ENV2
    assert row["drift"]["status"] == "drifted" and row["drift"]["moved"][0]["excess"] is None  # JSON has no inf
    assert json.dumps(row["baseline"]) == json.dumps(previous["claims"][0])
    assert list(row)[-2:] == ["drift", "baseline"] and "seconds" not in row and "run" not in row
    assert list(figures) == ["claims_figures/a.b/curve.png"]
    json.dumps(doc, allow_nan=False)
    again, _ = report.merge_records(doc, [drifted])  # a second run that still drifts keeps the first accepted row
    assert json.dumps(again["claims"][0]["baseline"]) == json.dumps(previous["claims"][0])
    back = _rerun(verdict="observation")  # an unchanged run against the accepted row restores it as it was
    restored, _ = report.merge_records(doc, [back])
    assert json.dumps(restored["claims"][0]) == json.dumps(previous["claims"][0])
    accepted, _ = report.merge_records(doc, [drifted], accept=True)
    assert "baseline" not in accepted["claims"][0] and "drift" not in accepted["claims"][0]
    assert accepted["claims"][0]["measured"]["y"] == 5.0


def test_a_first_drifted_record_without_an_old_row_carries_its_drift_and_no_baseline():
    drifted = _rerun(drift={"status": "drifted", "rule": "r", "moved": []})
    doc, _ = report.merge_records(None, [drifted])
    assert doc["claims"][0]["drift"]["status"] == "drifted" and "baseline" not in doc["claims"][0]


@pytest.mark.parametrize("old_verdict, kept", [("observation", True), ("reproduced", True), ("refuted", True),
                                               ("error", False), ("skipped", False)])
def test_an_error_never_wipes_out_an_accepted_measurement(old_verdict, kept):
    previous, _ = report.merge_records(None, [{**ACCEPTED, "verdict": old_verdict}])
    error = _rerun(verdict="error", measured={}, error="boom", drift={"status": "not measured", "rule": "", "moved": []})
    doc, _ = report.merge_records(previous, [error])
    [row] = doc["claims"]
    assert row["verdict"] == "error" and row["measured"] == {} and "drift" not in row
    assert ("baseline" in row) == kept
    if kept:
        assert json.dumps(row["baseline"]) == json.dumps(previous["claims"][0])
    accepted, _ = report.merge_records(previous, [error], accept=True)
    assert "baseline" not in accepted["claims"][0]
    fresh, _ = report.merge_records(None, [error])
    assert "baseline" not in fresh["claims"][0]


def test_rows_not_measured_are_kept_only_if_keep_says_so_and_keep_their_figures_unwritten():
    previous, _ = report.merge_records(None, [ACCEPTED, {**ACCEPTED, "id": "a.c"}, {**ACCEPTED, "id": "a.d"}])
    record = {**_rerun(id="a.d", drift={"status": "unchanged", "rule": "r", "moved": []})}
    doc, figures = report.merge_records(previous, [record], keep=lambda row: row["id"] != "a.c")
    assert [c["id"] for c in doc["claims"]] == ["a.b", "a.d"]
    assert json.dumps(doc["claims"][0]) == json.dumps(previous["claims"][0])
    assert figures == {} and doc["environment"] == ENV
    # a claim measured now is compared with its accepted row even where keep would drop that row (it moved module)
    doc, figures = report.merge_records(previous, [record], keep=lambda row: row["id"] != "a.d")
    assert doc["claims"][2]["measured"] == previous["claims"][2]["measured"] != record["measured"]
    assert figures == {} and doc["environment"] == ENV


def test_a_rewritten_row_names_its_figure_files_and_returns_their_bytes():
    record = _rerun(figures=[{"name": "one", "caption": "c1", "png_base64": PNG},
                             {"name": "two", "caption": "c2", "png_base64": ""}])
    doc, figures = report.merge_records(None, [record])
    assert doc["claims"][0]["figures"] == [{"name": "one", "caption": "c1", "path": "claims_figures/a.b/one.png"},
                                           {"name": "two", "caption": "c2", "path": "claims_figures/a.b/two.png"}]
    assert figures == {"claims_figures/a.b/one.png": b"\x89PNG\r\n\x1a\n", "claims_figures/a.b/two.png": b""}


def test_figure_files_of_two_claims_never_collide():
    """``col.x`` + figure ``a-b`` and ``col.x-a`` + figure ``b`` once both wrote claims_figures/col.x-a-b.png."""
    records = [_rerun(id="col.x", figures=[{"name": "a-b", "caption": "", "png_base64": PNG}]),
               _rerun(id="col.x-a", figures=[{"name": "b", "caption": "", "png_base64": ""}]),
               _rerun(id="col.x", scale="paper", figures=[{"name": "a-b", "caption": "", "png_base64": ""}])]
    doc, figures = report.merge_records(None, records)
    assert len(figures) == 3 and sorted(f["path"] for c in doc["claims"] for f in c["figures"]) == sorted(figures)


def test_a_kept_row_whose_figures_have_an_older_name_takes_this_runs_figures_at_their_new_paths():
    accepted, _ = report.merge_records(None, [_rerun(figures=[{"name": "one", "caption": "c", "png_base64": PNG}])])
    accepted["claims"][0]["figures"][0]["path"] = "claims_figures/a.b-one.png"
    record = {**_rerun(figures=[{"name": "one", "caption": "c", "png_base64": PNG}]),
              "drift": {"status": "unchanged", "rule": "", "moved": []}}
    doc, figures = report.merge_records(accepted, [record])
    assert [f["path"] for f in doc["claims"][0]["figures"]] == ["claims_figures/a.b/one.png"] == list(figures)


def test_a_record_without_an_environment_takes_the_documents():
    record = _rerun(drift=None)
    del record["environment"]
    doc, _ = report.merge_records(_accepted_doc(), [record])
    assert doc["claims"][0]["environment"] == ENV == doc["environment"]
    assert report.merge_records(_accepted_doc(), [])[0]["environment"] == ENV


def test_a_remeasured_row_keeps_the_old_sweep_only_while_it_measures_the_same():
    old = {**ROW, "seed_sweep": {"offsets": [0, 1], "verdicts": ["observation", "observation"]}}
    previous, _ = report.merge_records(None, [old])
    moved, _ = report.merge_records(previous, [{**ROW, "measured": {"y": 2.0}}])
    assert "seed_sweep" not in moved["claims"][0]
    new_sweep = {"offsets": [0, 1, 2], "verdicts": ["observation"] * 3}
    swept, _ = report.merge_records(previous, [{**ROW, "seed_sweep": new_sweep}])
    assert swept["claims"][0]["seed_sweep"] == new_sweep
    plain, _ = report.merge_records(None, [ROW])
    again, _ = report.merge_records(plain, [ROW])
    assert "seed_sweep" not in again["claims"][0]


# is_unchanged --------------------------------------------------------------------------------------------------------

K = [{"verdict": "reproduced"}, {"verdict": "refuted"}]


@pytest.mark.parametrize("record, accepted, unchanged", [
    ({"drift": {"status": "unchanged"}, "verdict": "reproduced", "controls": K}, {"verdict": "reproduced", "controls": K}, True),
    ({"drift": {"status": "unchanged"}, "verdict": "reproduced"}, {"verdict": "reproduced"}, True),
    ({"drift": {"status": "unchanged"}, "verdict": "reproduced", "controls": []}, {"verdict": "reproduced"}, True),
    ({"drift": {"status": "drifted"}, "verdict": "reproduced"}, {"verdict": "reproduced"}, False),
    ({"drift": {"status": "new"}, "verdict": "reproduced"}, {"verdict": "reproduced"}, False),
    ({"drift": None, "verdict": "reproduced"}, {"verdict": "reproduced"}, False),
    ({"verdict": "reproduced"}, {"verdict": "reproduced"}, False),
    ({"drift": {"status": "unchanged"}, "verdict": "refuted"}, {"verdict": "reproduced"}, False),
    ({"drift": {"status": "unchanged"}, "verdict": "reproduced", "controls": K}, {"verdict": "reproduced", "controls": K[::-1]}, False),
    ({"drift": {"status": "unchanged"}, "verdict": "reproduced", "controls": K}, {"verdict": "reproduced"}, False),
    ({"drift": {"status": "unchanged"}, "verdict": "reproduced"}, {"verdict": "reproduced", "controls": K}, False),
    # a reading's controls too: one added, or one that moved, is a measurement of its own
    ({"drift": {"status": "unchanged"}, "verdict": "reproduced", "readings": [{"name": "p", "verdict": "reproduced",
      "criterion": "c", "controls": K}]}, {"verdict": "reproduced", "readings": [{"name": "p", "verdict": "reproduced",
                                                                                   "criterion": "c", "controls": K[:1]}]},
     False),
])
def test_is_unchanged_needs_no_drift_and_the_same_verdicts(record, accepted, unchanged):
    assert report.is_unchanged(record, accepted) is unchanged


# check_report_path ---------------------------------------------------------------------------------------------------

def _report_at(tmp_path, *offsets):
    rows = [{**ROW, "id": f"a.{i}", "seed_offset": o} for i, o in enumerate(offsets)]
    doc, figures = report.merge_records(None, rows)
    store.write_report(tmp_path / "CLAIMS.md", doc, figures)


def test_check_report_path_accepts_a_new_nested_path_and_a_report_of_its_own_offset(tmp_path):
    report.check_report_path(str(tmp_path / "new" / "deeper" / "CLAIMS.md"), 0)
    _report_at(tmp_path, 3, 3, None)
    report.check_report_path(tmp_path / "CLAIMS.md", 3)
    report.check_report_path(str(tmp_path / "CLAIMS.md"))  # no offset (the shard merge): any rows are fine


@pytest.mark.parametrize("seed", [0, 3])
def test_check_report_path_refuses_rows_of_another_seed_offset(tmp_path, seed):
    """The message names the lowest foreign offset (not set order: {9, 2} iterates 9 first)."""
    _report_at(tmp_path, 9, 2, 3, None)
    with pytest.raises(report.ReportError) as info:
        report.check_report_path(tmp_path / "CLAIMS.md", seed)
    message = str(info.value)
    assert "seed offset 2;" in message and f"--claims-seed {seed} " in message
    assert f"--claims-report seed{seed}/CLAIMS.md" in message and str(tmp_path / "CLAIMS.json") in message


def test_check_report_path_refuses_what_it_cannot_write(tmp_path):
    with pytest.raises(report.ReportError, match="ending in .md"):
        report.check_report_path(str(tmp_path / "CLAIMS.txt"))
    (tmp_path / "dir.md").mkdir()
    with pytest.raises(report.ReportError, match="got the directory"):
        report.check_report_path(tmp_path / "dir.md")
    blocker = tmp_path / "file"
    blocker.write_text("")
    blocker.chmod(0o755)  # even an executable file is not a directory
    for md in (blocker / "CLAIMS.md", blocker / "sub" / "CLAIMS.md"):
        with pytest.raises(report.ReportError, match=f"the directory {str(blocker)!r} is not writable"):
            report.check_report_path(md)
    (tmp_path / "CLAIMS.json").write_text("[]")
    with pytest.raises(report.ReportError, match="never overwritten"):
        report.check_report_path(tmp_path / "CLAIMS.md")


@pytest.mark.parametrize("denied", [os.W_OK, os.X_OK])
def test_check_report_path_needs_a_writable_and_searchable_directory(tmp_path, monkeypatch, denied):
    real = os.access
    monkeypatch.setattr(report.os, "access", lambda path, mode: not (mode & denied) and real(path, mode))
    with pytest.raises(report.ReportError, match="is not writable"):
        report.check_report_path(tmp_path / "CLAIMS.md")


# merge_run_log -------------------------------------------------------------------------------------------------------

def test_the_run_log_keeps_other_rows_and_records_this_runs_own_numbers():
    previous = report.merge_run_log(None, [{**ROW, "id": "b.z", "seconds": 1.0}], {"id": "r1", "commit": "c1"})
    assert previous["rows"]["b.z"] == {"run": "r1", "commit": "c1", "seconds": 1.0, "drift": "", "measured": {"y": 1.0}}
    run = {"id": "r2"}
    records = [{**ROW, "id": "c.z", "drift": {"status": "drifted"}, "measured": {"y": [math.nan, 2.0]}},
               {**ROW, "id": "a.z", "drift": None}, {**ROW, "id": "b.z", "scale": "paper", "seconds": None}]
    log = report.merge_run_log(previous, records, run)
    assert log["schema"] == report.RUN_LOG_SCHEMA and log["run"] == run
    assert list(log["rows"]) == ["a.z", "b.z", "b.z@paper", "c.z"]
    assert log["rows"]["b.z"] == previous["rows"]["b.z"]
    assert log["rows"]["c.z"] == {"run": "r2", "commit": None, "seconds": 0.1, "drift": "drifted", "measured": {"y": [None, 2.0]}}
    assert log["rows"]["a.z"]["drift"] == "" and log["rows"]["b.z@paper"]["seconds"] is None
    json.dumps(log, allow_nan=False)
    assert report.merge_run_log(log, [], {"id": "r3"})["rows"] == log["rows"]


def test_a_claim_that_moved_module_keeps_its_accepted_row_as_baseline_through_an_error_or_a_drift():
    """keep() drops rows of claims no collected module defines; a claim measured now must still find its accepted
    row, or an error would wipe out the measurement and a drift would be accepted silently on the next run."""
    previous, _ = report.merge_records(None, [ACCEPTED])
    moved = lambda row: False  # the old module no longer defines it: every old row is dropped by keep
    errored, _ = report.merge_records(previous, [_rerun(verdict="error", measured={}, drift={"status": "not measured"})],
                                      keep=moved)
    assert errored["claims"][0]["baseline"]["measured"] == ACCEPTED["measured"]
    drifted, _ = report.merge_records(previous, [_rerun(drift={"status": "drifted", "rule": "r", "moved": []})], keep=moved)
    assert drifted["claims"][0]["baseline"]["measured"] == ACCEPTED["measured"] and "drift" in drifted["claims"][0]
    healed, _ = report.merge_records(drifted, [_rerun()], keep=moved)  # unchanged against the accepted numbers
    assert "drift" not in healed["claims"][0] and healed["claims"][0]["measured"] == ACCEPTED["measured"]


# rendering: one screen first, one page a source, tables without padding -------------------------------------------

def _reading(name, verdict):
    return {"name": name, "why": "w", "quantity": "gap", "criterion": "gap > 0", "claimed": "> 0", "expected": verdict,
            "verdict": verdict, "estimate": None, "controls": []}


def _sentence_rows():
    """Two sources: one titled, with a sentence two rows quote (one declares readings that disagree); one untitled."""
    titled = {"file": "000_x.txt", "section": "S1", "quote": "the loss falls | fast", "title": "A Toy Paper"}
    judged = {**ROW, "id": "t.judged", "source": titled, "criterion": {}, "expected": "reproduced", "verdict": "reproduced",
              "headline": "gap: mean 0.1 vs > 0",
              "readings": [_reading("primary", "reproduced"), _reading("strict", "refuted")]}
    seen = {**ROW, "id": "t.seen", "source": titled, "headline": "first seen = 3"}
    plain = {**ROW, "id": "u.plain", "source": {"file": "001_y.txt", "section": "S2", "quote": "q" * 200},
             "expected": "refuted", "verdict": "refuted", "headline": "slope = 2 vs 1"}
    return [seen, judged, plain]


def test_the_first_screen_shows_each_source_by_its_title_and_each_sentence_in_one_line():
    doc = {"schema": report.SCHEMA, "environment": ENV, "claims": _sentence_rows()}
    markdown = render.render_markdown(doc)
    screen = markdown.split("## Findings")[0]
    assert "Every verdict matches its pin. Nothing drifted" in screen
    assert "### `000` A Toy Paper · [all rows](CLAIMS/000.md)" in screen
    assert "### `001` 001_y.txt · [all rows](CLAIMS/001.md)" in screen  # no title: the file name, never the document
    [titled] = [line for line in screen.splitlines() if "the loss falls" in line]
    assert titled.startswith("- **◐ reading-dependent** “the loss falls \\| fast”")
    assert "gap: mean 0.1 vs > 0" in titled  # the headline of the first judged row, not of the observation
    assert "[`t.seen`](CLAIMS/000.md#tseen), [`t.judged`](CLAIMS/000.md#tjudged)" in titled
    [plain] = [line for line in screen.splitlines() if "u.plain" in line]
    assert plain.startswith("- **❌ robust refuted** “" + "q" * 79 + "…”") and "slope = 2 vs 1" in plain
    assert "### t.judged" not in markdown and "### t.judged" in render.render_pages(doc)["CLAIMS/000.md"]


def test_a_sentence_without_readings_or_judged_rows_is_an_observation_with_its_first_rows_number():
    markdown = render.render_markdown({"schema": report.SCHEMA, "environment": ENV, "claims": [ROW]})
    assert "- **🔎 observation** “q” (§S) — y = 1 — [`a.b`](CLAIMS/f.md#ab)" in markdown
    assert "### `f` f · [all rows](CLAIMS/f.md)" in markdown


def test_every_link_of_the_report_and_its_pages_leads_to_a_heading_that_exists(tmp_path):
    import re

    doc, figures = report.merge_records(None, _sentence_rows())
    store.write_report(tmp_path / "CLAIMS.md", doc, figures)
    for page in [tmp_path / "CLAIMS.md", *(tmp_path / "CLAIMS").glob("*.md")]:
        for target, anchor in re.findall(r"\]\(([^)#]*)#([^)]+)\)", page.read_text()):
            text = (page.parent / target).read_text() if target else page.read_text()
            headings = {render._anchor(h) for h in re.findall(r"^#+ (.+)$", text, re.M)}
            assert anchor in headings, (page.name, target, anchor)


def test_tables_are_not_padded_and_a_pipe_in_a_cell_is_escaped():
    row = {**ROW, "statement": "a | b", "setup": {"long key name": 1}}
    doc = {"schema": report.SCHEMA, "environment": ENV, "claims": [row]}
    text = render.render_markdown(doc) + render.render_pages(doc)["CLAIMS/f.md"]
    tables = [line for line in text.splitlines() if line.startswith("|")]
    assert tables and not any("  " in line for line in tables)
    assert "| a \\| b |" in text and "| long key name | 1 |" in text


def test_a_source_title_must_be_text():
    assert "'source' must be an object with the strings file, section and quote (and optionally title)" in (
        report.row_problem({**ROW, "source": {**ROW["source"], "title": 3}}))
    assert report.row_problem({**ROW, "source": {**ROW["source"], "title": "T"}}) is None


def test_check_report_path_refuses_a_pages_folder_that_is_a_file(tmp_path):
    (tmp_path / "CLAIMS").write_text("")
    with pytest.raises(report.ReportError, match="is not a folder: the report's per-source pages go there"):
        report.check_report_path(tmp_path / "CLAIMS.md")
