"""The shard merge (harness/shards.py): it trusts no shard, writes only inside the report's folder, merges into the
report already at OUT, and refuses anything wrong with one ``error:`` line and exit 2 before writing anything.

Shards here are written by the report writer itself (``merge_records`` + ``write_report``), then spoiled by hand; the
merge of real pytest runs is tested in test_plugin.py."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest

from toy_claims.harness import report, shards, store

PNG = b"\x89PNG\r\n\x1a\n" + b"not really an image"
ENV = {"python": "3", "platform": "p", "torch": "t", "numpy": "n", "scipy": "s", "torch_threads": 1}
ROW = {"id": "a.b", "version": 1, "statement": "s", "source": {"file": "f", "section": "S", "quote": "q"}, "setup": {},
       "criterion": None, "expected": "observation", "expected_at": {}, "reason": "", "verdict": "observation",
       "measured": {"y": 1.0}, "headline": "y = 1", "notes": [], "figures": [], "seconds": 0.1, "error": None,
       "seed_offset": 0, "device": "cpu", "scale": "ci", "environment": ENV}
OWN = "claims_figures/a.b/curve.png"  # the figure path the writer gives a.b's figure "curve"


def record(id: str = "a.b", y: float = 1.0, figure: bytes | None = None, **change) -> dict:
    figures = [] if figure is None else [{"name": "curve", "caption": "c", "png_base64": base64.b64encode(figure).decode()}]
    return {**ROW, "id": id, "measured": {"y": y}, "figures": figures, **change}


def write_shard(folder: Path, *records: dict, run: str = "20250101T000000Z") -> Path:
    """A report as a run writes it (CLAIMS.json, CLAIMS.md, CLAIMS.run.json, figures); returns its CLAIMS.json."""
    doc, figures = report.merge_records(None, list(records))
    log = report.merge_run_log(None, list(records), {"id": run})
    return store.write_report(folder / "CLAIMS.md", doc, figures, log)


def spoil(path: Path, change) -> None:
    """Rewrite a shard's JSON document through ``change(doc)``."""
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))


def tree(root: Path) -> dict[str, object]:
    """Every file, folder and link under ``root`` with its bytes or target: what a refused merge must leave as it was."""
    out: dict[str, object] = {}
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            p = Path(folder) / name
            out[str(p.relative_to(root))] = (os.readlink(p) if p.is_symlink() else p.read_bytes() if p.is_file() else "dir")
    return out


def refused(capsys, argv: list[str]) -> str:
    """The error line of a merge that must be refused (exit 2, no traceback)."""
    assert shards.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err, err
    return err


# a good merge ----------------------------------------------------------------------------------------------------

def test_two_shards_merge_into_the_same_bytes_as_one_full_run(tmp_path, capsys):
    a, b, c = record("a.b", 1.0, figure=PNG), record("a.c", 2.0), record("a.d", 3.0, figure=PNG + b"d")
    write_shard(tmp_path / "full", a, b, c)
    write_shard(tmp_path / "s1", a, c)
    write_shard(tmp_path / "s2", b)
    assert shards.main(["merge", str(tmp_path / "m/CLAIMS.md"), str(tmp_path / "s1/CLAIMS.json"),
                        str(tmp_path / "s2/CLAIMS.json")]) == 0
    assert "merged 3 claims from 2 shards" in capsys.readouterr().out
    for name in ("CLAIMS.json", "CLAIMS.md", "CLAIMS/f.md", OWN, "claims_figures/a.d/curve.png"):
        assert (tmp_path / "m" / name).read_bytes() == (tmp_path / "full" / name).read_bytes(), name
    assert store.pair_is_consistent(tmp_path / "m/CLAIMS.md")


def test_a_merge_goes_into_the_existing_report_keeping_the_rows_no_shard_measured(tmp_path, capsys):
    out = tmp_path / "out/CLAIMS.md"
    write_shard(out.parent, record("a.b", 1.0, figure=PNG), record("a.c", 2.0), record("a.d", 3.0), run="20240101T000000Z")
    write_shard(tmp_path / "s", record("a.c", 20.0), run="20250101T000000Z")  # measured differently: an update
    assert shards.main(["merge", str(out), str(tmp_path / "s/CLAIMS.json")]) == 0
    assert "conflict" not in capsys.readouterr().err
    doc = json.loads(out.with_suffix(".json").read_text())
    assert [(c["id"], c["measured"]["y"]) for c in doc["claims"]] == [("a.b", 1.0), ("a.c", 20.0), ("a.d", 3.0)]
    assert (out.parent / OWN).read_bytes() == PNG  # the kept row's figure is where it was
    log = json.loads(report.run_log_path(out).read_text())
    assert {k: r["run"] for k, r in log["rows"].items()} == {"a.b": "20240101T000000Z", "a.c": "20250101T000000Z",
                                                             "a.d": "20240101T000000Z"}
    assert store.pair_is_consistent(out)


def test_between_shards_the_most_recent_row_wins_and_a_disagreement_is_a_conflict(tmp_path, capsys):
    write_shard(tmp_path / "new", record(y=2.0), run="20250102T000000Z")
    write_shard(tmp_path / "old", record(y=1.0), run="20250101T000000Z")
    out = tmp_path / "m/CLAIMS.md"
    assert shards.main(["merge", str(out), str(tmp_path / "new/CLAIMS.json"), str(tmp_path / "old/CLAIMS.json")]) == 1
    assert "conflict: a.b: " in capsys.readouterr().err
    assert json.loads(out.with_suffix(".json").read_text())["claims"][0]["measured"] == {"y": 2.0}


def test_merge_is_pure_and_takes_the_existing_report_as_the_oldest_layer(tmp_path):
    existing, _ = report.merge_records(None, [record("a.b", 1.0), record("a.c", 2.0)])
    shard = shards.Shard(Path("s/CLAIMS.json"), report.merge_records(None, [record("a.c", 5.0)])[0]["claims"],
                         {"a.c": {"run": "r"}}, {})
    doc, figures, log, conflicts = shards.merge(existing, {"rows": {"a.b": {"run": "old"}}}, [shard])
    assert [c["measured"]["y"] for c in doc["claims"]] == [1.0, 5.0] and figures == {} and conflicts == []
    assert log["rows"] == {"a.b": {"run": "old"}, "a.c": {"run": "r"}} and log["run"] == {"merged_from": ["s/CLAIMS.json"]}


# figures: only the row's own file, inside the shard's folder; written only inside OUT's folder ----------------------

@pytest.mark.parametrize("path, says", [
    ("../x.txt", "climbs out of the shard's folder with '..'"),
    ("claims_figures/../../x.txt", "climbs out of the shard's folder with '..'"),
    (".git/hooks/pre-commit", f"is not this claim's figure file '{OWN}'"),
    ("claims_figures/a.c/curve.png", f"is not this claim's figure file '{OWN}'"),  # another claim's file
    ("claims_figures\\..\\..\\x.txt", "climbs out of the shard's folder with '..'"),
    ("ABSOLUTE", "is absolute; a figure path is relative to the shard's folder"),
])
def test_a_figure_path_other_than_the_rows_own_file_is_refused_and_nothing_is_written(tmp_path, capsys, path, says):
    shard = write_shard(tmp_path / "deep/s", record(figure=PNG))
    if path == "ABSOLUTE":
        path = str(tmp_path / "elsewhere.png")
    target = Path(path) if Path(path).is_absolute() else shard.parent / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(PNG)  # the file is there: only the path itself is wrong
    spoil(shard, lambda doc: doc["claims"][0]["figures"][0].update(path=path))
    (tmp_path / "deep/out/.git/hooks").mkdir(parents=True)
    before = tree(tmp_path)
    err = refused(capsys, ["merge", str(tmp_path / "deep/out/CLAIMS.md"), str(shard)])
    assert err == f"error: {shard}: claim 'a.b': figure 'curve': path {path!r} {says}" + err.split(says, 1)[1]
    assert tree(tmp_path) == before


def test_a_figure_in_a_symlink_loop_is_refused(tmp_path, capsys):
    shard = write_shard(tmp_path / "s", record(figure=PNG))
    (shard.parent / OWN).unlink()
    (shard.parent / OWN).symlink_to(shard.parent / OWN)
    err = refused(capsys, ["merge", str(tmp_path / "out/CLAIMS.md"), str(shard)])
    assert err.startswith(f"error: {shard}: claim 'a.b': figure 'curve': path '{OWN}' cannot be resolved")


@pytest.mark.parametrize("how", ["file", "folder"])
def test_a_figure_that_is_a_symlink_out_of_the_shards_folder_is_refused(tmp_path, capsys, how):
    shard = write_shard(tmp_path / "s", record(figure=PNG))
    (tmp_path / "secret/a.b").mkdir(parents=True)
    (tmp_path / "secret/a.b/curve.png").write_bytes(PNG + b"secret")
    (shard.parent / OWN).unlink()
    if how == "file":
        (shard.parent / OWN).symlink_to(tmp_path / "secret/a.b/curve.png")
    else:
        (shard.parent / OWN).parent.rmdir()
        (shard.parent / "claims_figures").rmdir()
        (shard.parent / "claims_figures").symlink_to(tmp_path / "secret")
    before = tree(tmp_path)
    err = refused(capsys, ["merge", str(tmp_path / "out/CLAIMS.md"), str(shard)])
    assert f"error: {shard}: claim 'a.b': figure 'curve': path '{OWN}' resolves to " in err
    assert "outside the shard's folder" in err and tree(tmp_path) == before


def test_a_symlink_that_stays_inside_the_shards_folder_is_followed(tmp_path):
    shard = write_shard(tmp_path / "s", record(figure=PNG))
    (shard.parent / "kept.png").write_bytes(PNG + b"kept")
    (shard.parent / OWN).unlink()
    (shard.parent / OWN).symlink_to(shard.parent / "kept.png")
    assert shards.load_shard(shard).figures == {OWN: PNG + b"kept"}


@pytest.mark.parametrize("spoilt, says", [
    (lambda p: p.unlink(), "the file is missing from the shard's folder"),
    (lambda p: (p.unlink(), p.mkdir()), "is not a regular file"),
    (lambda p: p.write_bytes(b"#!/bin/sh\nrm -rf ~\n"), "is not a PNG file"),
])
def test_a_figure_file_that_is_missing_or_not_a_png_is_refused(tmp_path, capsys, spoilt, says):
    shard = write_shard(tmp_path / "s", record(figure=PNG))
    spoilt(shard.parent / OWN)
    err = refused(capsys, ["merge", str(tmp_path / "out/CLAIMS.md"), str(shard)])
    assert err.startswith(f"error: {shard}: claim 'a.b': figure 'curve': path '{OWN}'") and says in err


def test_a_figure_folder_at_out_that_leads_outside_is_refused(tmp_path, capsys):
    shard = write_shard(tmp_path / "s", record(figure=PNG))
    (tmp_path / "out").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "out/claims_figures").symlink_to(tmp_path / "elsewhere")
    before = tree(tmp_path)
    err = refused(capsys, ["merge", str(tmp_path / "out/CLAIMS.md"), str(shard)])
    assert f"out/claims_figures leads to '{tmp_path / 'elsewhere'}', outside the report's folder" in err
    assert tree(tmp_path) == before


# corrupt or incomplete shards: one clear error each, nothing written ----------------------------------------------

def _row(change):
    return lambda doc: change(doc["claims"][0])


def _drop(field):
    return _row(lambda row: row.pop(field))


def _set(field, value):
    return _row(lambda row: row.__setitem__(field, value))


CORRUPT = [  # (what, how the shard's document is spoilt: text or change(doc), what the error says)
    ("not JSON", "{", "is not a readable report (JSONDecodeError: "),
    ("not UTF-8", b"\xff\xfe{}", "is not a readable report (UnicodeDecodeError: "),
    ("NaN", None, "is not a readable report (ValueError: NaN is not a number a report holds"),
    ("a list", "[]", "every shard must be a toy-claims/report/v4 report, found 'list'"),
    ("older schema", lambda doc: doc.update(schema="toy-claims/report/v3"),
     "every shard must be a toy-claims/report/v4 report, found 'toy-claims/report/v3'"),
    ("run log", lambda doc: doc.update(schema=report.RUN_LOG_SCHEMA), "found 'toy-claims/run-log/v2'"),
    ("no claims", lambda doc: doc.pop("claims"), "'claims' must be a list of rows, got null"),
    ("environment", lambda doc: doc.update(environment=[1]), "'environment' must be an object or null, got [1]"),
    ("row not an object", lambda doc: doc.update(claims=["a.b"]), "claim #1: a str, not an object"),
    ("no id", _drop("id"), "claim #1: lacks id"),
    ("id not a string", _set("id", 7), "claim #1: 'id' must be a non-empty string, got 7"),
    ("no source", _drop("source"), "claim 'a.b': lacks source"),
    ("source a string", _set("source", "f.txt"), "claim 'a.b': 'source' must be an object with the strings file, section and quote"),
    ("source without quote", _row(lambda row: row["source"].pop("quote")), "'source' must be an object with the strings"),
    ("no verdict", _drop("verdict"), "claim 'a.b': lacks verdict"),
    ("no measured", _drop("measured"), "claim 'a.b': lacks measured"),
    ("no version", _drop("version"), "claim 'a.b': lacks version"),
    ("no figures", _drop("figures"), "claim 'a.b': lacks figures"),
    ("several missing", _row(lambda row: [row.pop(k) for k in ("headline", "scale")]), "claim 'a.b': lacks scale, headline"),
    ("figures not a list", _set("figures", "claims_figures/a.b/curve.png"), "claim 'a.b': 'figures' must be a list of objects"),
    ("figure without path", _set("figures", [{"name": "curve", "caption": "c"}]), "'figures' must be a list of objects with"),
    ("measured a string", _set("measured", {"y": "1.0"}), "claim 'a.b': 'measured' must be an object of numbers"),
    ("version a string", _set("version", "1"), "claim 'a.b': 'version' must be an integer, got \"1\""),
    ("notes a string", _set("notes", "n"), "claim 'a.b': 'notes' must be a list of strings"),
    ("error a list", _set("error", ["boom"]), "claim 'a.b': 'error' must be a string or null"),
    ("criterion lacking why", _set("criterion", {"quantity": "y", "kind": "at_most", "lo": None, "hi": 1.0, "claimed": "≤ 1",
                                                 "log": False}), "claim 'a.b': cannot be rendered (TypeError: "),
    ("seed sweep of strings", _set("seed_sweep", {"offsets": [0], "verdicts": ["x"], "intervals": [["a", "b"]]}),
     "claim 'a.b': cannot be rendered (ValueError: "),
    ("kernel noise a string", _set("kernel_noise", {"y": "0.1"}), "'kernel_noise' must be an object of numbers"),
    ("a row twice", lambda doc: doc["claims"].append(dict(doc["claims"][0])), "claim 'a.b': appears twice"),
]


@pytest.mark.parametrize("what, spoilt, says", CORRUPT, ids=[c[0] for c in CORRUPT])
def test_a_corrupt_or_incomplete_shard_is_one_clear_error_and_nothing_is_written(tmp_path, capsys, what, spoilt, says):
    good = write_shard(tmp_path / "good", record("a.z", figure=PNG))
    bad = write_shard(tmp_path / "bad", record())
    if isinstance(spoilt, (str, bytes)):
        bad.write_bytes(spoilt.encode() if isinstance(spoilt, str) else spoilt)
    elif spoilt is None:
        bad.write_text(bad.read_text().replace('"y": 1.0', '"y": NaN'))
    else:
        spoil(bad, spoilt)
    out = tmp_path / "out/CLAIMS.md"
    write_shard(out.parent, record("a.q"))  # an existing report stays as it was too
    before = tree(tmp_path)
    err = refused(capsys, ["merge", str(out), str(good), str(bad)])
    assert err.startswith(f"error: {bad}: ") and says in err, err
    assert tree(tmp_path) == before


def test_a_malformed_run_log_of_a_shard_is_refused_naming_it(tmp_path, capsys):
    shard = write_shard(tmp_path / "s", record())
    log = report.run_log_path(shard.with_suffix(".md"))
    log.write_text(json.dumps({"schema": report.RUN_LOG_SCHEMA, "run": {}, "rows": {"a.b": {"run": 20250101}}}))
    err = refused(capsys, ["merge", str(tmp_path / "out/CLAIMS.md"), str(shard)])
    assert err.startswith(f"error: {log}: the shard's run log must hold 'rows'")


def test_rows_of_another_seed_offset_never_mix(tmp_path, capsys):
    out = tmp_path / "out/CLAIMS.md"
    write_shard(out.parent, record("a.c"))
    shard = write_shard(tmp_path / "s", record(seed_offset=7))
    err = refused(capsys, ["merge", str(out), str(shard)])
    assert err.startswith(f"error: {shard}: claim 'a.b' was measured at seed offset 7, claim 'a.c' of ")


# the command line: shards that are not there, twice, or OUT itself; OUT that is not ours ---------------------------

BAD_PATHS = [  # (case, what the error line says after "error: ")
    ("missing", "{shard}: no such shard"),
    ("directory", "{shard}: a shard is the CLAIMS.json a run wrote (its CLAIMS.run.json and claims_figures/ beside it), "
                  "not a directory"),
    ("markdown", "{shard}: a shard is the CLAIMS.json a run wrote"),
    ("twice", "{shard}: is given twice (also as {first})"),
    ("out", "{shard}: is the merged report's own CLAIMS.json; merge into another OUT.md"),
    ("out not markdown", "{out}: the merged report must be a Markdown file ending in .md"),
    ("out a directory", "{out}: the merged report must be a file, not a directory"),
    ("out foreign", "{out_json} is not a toy-claims/report/v4 report (found 'x')"),
]


@pytest.mark.parametrize("case, says", BAD_PATHS, ids=[c[0] for c in BAD_PATHS])
def test_the_command_refuses_bad_paths(tmp_path, capsys, case, says):
    first = write_shard(tmp_path / "a", record("a.b"))
    shard = write_shard(tmp_path / "b", record("a.c"))
    out = tmp_path / "out/CLAIMS.md"
    out.parent.mkdir()
    if case == "missing":
        shard = tmp_path / "c/CLAIMS.json"
    elif case == "directory":
        shard = shard.parent
    elif case == "markdown":
        shard = shard.with_suffix(".md")
    elif case == "twice":
        shard = tmp_path / "a/../a/CLAIMS.json"
    elif case == "out":
        out = shard.with_suffix(".md")
    elif case == "out not markdown":
        out = out.with_suffix(".json")
    elif case == "out a directory":
        out = tmp_path / "out.md"
        out.mkdir()
    elif case == "out foreign":
        out.with_suffix(".json").write_text('{"schema": "x"}')
    before = tree(tmp_path)
    err = refused(capsys, ["merge", str(out), str(first), str(shard)])
    assert err.startswith("error: " + says.format(shard=shard, first=first, out=out, out_json=out.with_suffix(".json"))), err
    assert tree(tmp_path) == before


def test_an_existing_report_whose_rows_cannot_render_is_refused(tmp_path, capsys):
    out = tmp_path / "out/CLAIMS.md"
    write_shard(out.parent, record("a.c"))
    spoil(out.with_suffix(".json"), _drop("source"))
    shard = write_shard(tmp_path / "s", record())
    err = refused(capsys, ["merge", str(out), str(shard)])
    assert err.startswith(f"error: {out.with_suffix('.json')}: claim 'a.c': cannot be rendered (KeyError: 'source')")
