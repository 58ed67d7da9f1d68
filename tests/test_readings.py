"""Readings: alternatives judged beside a claim's criterion, a verdict per sentence, the specification curve."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from toy_claims.harness import render
from toy_claims.harness.claims import (
    INCONCLUSIVE, OBSERVATION, REFUTED, REPRODUCED, AtLeast, AtMost, Between, ClaimContext, Negative, OtherForm, Positive, Reading,
    Source, claim, get_claim, judge, run_claim,
)
from toy_claims.harness.readings import READING_DEPENDENT, agreement, judge_readings, margin
from toy_claims.harness.verdicts import ERROR, UNCALIBRATED, interval

SRC = Source("001_705556c020ca6848.txt", "Loss scaling laws", "β falls as V grows.")
STRICT = Reading("strict bound", "a stricter word", AtMost("x", 0.3, why="w", claimed="≤ 0.3"), REFUTED)


def _define(claim_id: str, **overrides):
    kwargs = dict(id=claim_id, source=SRC, statement="s", setup={}, scope="source",
                  criterion=AtMost("x", 1.0, why="w", claimed="≤ 1"), expected=REPRODUCED, readings=(STRICT,))
    kwargs.update(overrides)
    return claim(**kwargs)


@given(values=st.lists(st.floats(-5, 5), min_size=1, max_size=6),
       region=st.sampled_from([AtMost("x", 0.5, why="w", claimed="c"), AtLeast("x", -0.5, why="w", claimed="c"), Between("x", -1, 1, why="w", claimed="c"),
                               AtLeast("x", 0.1, why="w", claimed="c", log=True), Between("x", 0.5, 2.0, why="w", claimed="c", log=True),
                               AtLeast("x", 0.5, why="w", claimed="c", proportion=True),
                               AtMost("x", 0.2, why="w", claimed="c", proportion=True)]))
def test_the_margin_reads_the_verdict_rule_on_one_axis(values, region):
    """Also on a proportion's asymmetric interval: the margin takes the interval's side toward each bound."""
    measured = {"x": [abs(v) + 0.01 for v in values] if region.log else
                [float(v > 0) for v in values] if region.proportion else values}
    verdict, found = judge(region, measured), interval(region, measured)
    m = margin(region, found)
    rounding = 1e-9  # the margin recomputes the log of the interval's exponentials
    if verdict == REPRODUCED:
        assert m >= 1 - rounding
    elif verdict == REFUTED:
        assert m < -1 + rounding
    else:
        assert -1 - rounding <= m < 1 + rounding


@pytest.mark.parametrize("verdicts, together", [
    ([REPRODUCED, REPRODUCED], REPRODUCED), ([REFUTED], REFUTED), ([REPRODUCED, REFUTED], READING_DEPENDENT),
    ([REPRODUCED, INCONCLUSIVE], READING_DEPENDENT), ([INCONCLUSIVE, INCONCLUSIVE], INCONCLUSIVE),
    ([REPRODUCED, OBSERVATION], REPRODUCED), ([REPRODUCED, ERROR], ERROR), ([UNCALIBRATED, ERROR], ERROR),
    # a reading whose criterion cannot judge abstains, unless none can
    ([REFUTED, UNCALIBRATED], REFUTED), ([UNCALIBRATED, REPRODUCED, REFUTED], READING_DEPENDENT),
    ([UNCALIBRATED, UNCALIBRATED, OBSERVATION], UNCALIBRATED),
])
def test_readings_agree_or_the_sentence_is_reading_dependent(verdicts, together):
    assert agreement(verdicts) == together


def test_agreement_needs_a_judged_verdict():
    with pytest.raises(ValueError, match="verdicts must be at least one judged verdict"):
        agreement([OBSERVATION])


def test_a_reading_takes_the_claims_controls_judged_by_its_own_region():
    own = AtMost("x", 1.0, why="w", claimed="c")
    controls = (Positive("planted", "planted"), Negative("init", "the init"))
    measured = {"x": [0.5, 0.6], "planted": [0.1, 0.1], "init": [1.5, 1.51], "y": [2.0, 2.1]}
    loose = Reading("loose", "why", AtMost("x", 2.0, why="w", claimed="c"), REPRODUCED)  # the init passes 2.0: uncalibrated
    other = Reading("other quantity", "why", AtMost("y", 3.0, why="w", claimed="c"), REPRODUCED, controls=())
    judged = judge_readings(own, REPRODUCED, controls, (loose, other), measured)
    assert [(r["name"], r["verdict"]) for r in judged] == [
        ("primary", REPRODUCED), ("loose", UNCALIBRATED), ("other quantity", REPRODUCED)]
    assert [k["verdict"] for k in judged[1]["controls"]] == [REPRODUCED, REPRODUCED] and judged[2]["controls"] == []


def test_a_reading_of_an_unmeasured_quantity_names_it():
    with pytest.raises(KeyError, match="reading 'strict bound': quantity 'x' not measured"):
        judge_readings(AtMost("z", 1.0, why="w", claimed="c"), REPRODUCED, (), (STRICT,), {"z": 0.5})


@pytest.mark.parametrize("overrides, match", [
    ({"readings": [STRICT, STRICT]}, "readings must be readings of distinct names"),
    ({"readings": ["strict"]}, "readings must be a tuple of Reading"),
    ({"readings": (STRICT,), "single_reading": "only one"}, "single_reading must be empty when readings are declared"),
    ({"criterion": None, "expected": OBSERVATION}, "readings must be empty for an observation"),
    ({"readings": (), "single_reading": 3}, "single_reading must be a str"),
    ({"controls": [Negative("x_init", "at init")], "no_negative_control": "none"},
     "no_negative_control must be empty when a Negative control is declared"),
    ({"unseeded": 1}, "unseeded must be a str"),
    # a claim of a functional form faces another form in every reading (STRICT inherits the claim's controls)
    ({"form": "power law"}, r"form must be a claim whose readings each carry an OtherForm control .*, got \['the claim'\]"),
    ({"form": "power law", "controls": [OtherForm("x_exp", "an exponential")],
      "readings": (STRICT, Reading("own", "w", AtMost("x", 0.3, why="w", claimed="c"), REFUTED,
                                   controls=(Negative("x_init", "at init"),)))}, r"got \['own'\]"),
])
def test_bad_reading_declarations_name_the_parameter(overrides, match):
    with pytest.raises((ValueError, TypeError), match=match):
        _define("unit.readings-bad", **overrides)(lambda ctx: {"x": 0.5})


@pytest.mark.parametrize("kwargs, match", [
    (dict(name="primary"), "reading name must be a non-empty str other than 'primary'"),
    (dict(why=" "), "reading why must be one line"),
    (dict(expected=OBSERVATION), "reading expected must be one of"),
    (dict(controls=["x"]), "reading controls must be None or a tuple of Positive"),
])
def test_a_bad_reading_names_its_field(kwargs, match):
    fields = dict(name="n", why="w", criterion=AtMost("x", 1.0, why="w", claimed="c"), expected=REPRODUCED) | kwargs
    with pytest.raises(ValueError, match=match):
        Reading(**fields)


def test_a_record_judges_every_reading_and_draws_the_curve_only_when_they_disagree():
    _define("unit.readings-robust", readings=(Reading("looser", "w", AtMost("x", 2.0, why="w", claimed="c"), REPRODUCED),))(
        lambda ctx: {"x": [0.5, 0.52]})
    robust = run_claim(get_claim("unit.readings-robust"), ClaimContext(2))
    assert [r["verdict"] for r in robust["readings"]] == [REPRODUCED, REPRODUCED] and robust["figures"] == []
    _define("unit.readings-dependent")(lambda ctx: {"x": [0.5, 0.52]})
    record = run_claim(get_claim("unit.readings-dependent"), ClaimContext(2))
    assert record["verdict"] == REPRODUCED  # the claim's own verdict is its primary reading's
    assert [(r["name"], r["verdict"], r["expected"]) for r in record["readings"]] == [
        ("primary", REPRODUCED, REPRODUCED), ("strict bound", REFUTED, REFUTED)]
    assert [f["name"] for f in record["figures"]] == ["readings"]
    assert record["readings"][1]["estimate"]["margin"] < -1


class _NoBaseline:
    rows: dict = {}
    update = False


def test_a_reading_that_moves_from_its_pin_fails_the_check():
    test = _define("unit.readings-moved", readings=(
        Reading("strict bound", "w", AtMost("x", 0.3, why="w", claimed="c"), REPRODUCED),))(lambda ctx: {"x": [0.5, 0.52]})
    with pytest.raises(AssertionError, match="reading 'strict bound' measured 'refuted', pinned 'reproduced'"):
        test(ClaimContext(2), _NoBaseline(), lambda *a: None, None)
    passing = _define("unit.readings-held")(lambda ctx: {"x": [0.5, 0.52]})
    passing(ClaimContext(2), _NoBaseline(), lambda *a: None, None)


ENV = {"python": "3"}


def _row(claim_id: str, quote: str, verdict: str, readings=None) -> dict:
    return {"id": claim_id, "version": 1, "statement": "s", "source": {"file": "001_x.txt", "section": "S", "quote": quote},
            "setup": {}, "criterion": None, "expected": verdict, "reason": "", "verdict": verdict, "measured": {"x": 1.0},
            "headline": "x = 1", "notes": [], "figures": [], "error": None, "seed_offset": 0, "device": "cpu",
            "scale": "ci", "environment": ENV, "readings": readings or []}


def test_rows_quoting_one_sentence_are_its_readings():
    rows = [_row("a.one", "q1", REPRODUCED), _row("a.two", "q1", REPRODUCED),
            _row("b.one", "q2", REPRODUCED, [{"name": "primary", "verdict": REPRODUCED},
                                             {"name": "early window", "verdict": REFUTED}]),
            _row("c.one", "q3", REFUTED), _row("c.two", "q3", OBSERVATION), _row("d.one", "q4", OBSERVATION)]
    found = {s["source"]["quote"]: s for s in render.sentences(rows)}
    assert {q: s["verdict"] for q, s in found.items()} == {
        "q1": REPRODUCED, "q2": READING_DEPENDENT, "q3": REFUTED, "q4": OBSERVATION}
    assert found["q2"]["votes"] == [("b.one", "primary", REPRODUCED), ("b.one", "early window", REFUTED)]


def test_the_report_counts_sentences_and_names_the_readings_of_a_reading_dependent_one():
    rows = [_row("a.one", "q1", REPRODUCED), _row("a.two", "q1", REFUTED), _row("b.one", "q2", REFUTED)]
    text = render.render_markdown({"environment": ENV, "claims": rows})
    assert "| source | robust refuted | reading-dependent |" in text  # tables are not padded
    assert "| **all** | 1 | 1 |" in text
    assert "“q1” (`001` §S): reproduced: `a.one`; refuted: `a.two`" in text


def test_a_claims_section_says_which_readings_abstain_from_a_robust_verdict():
    reading = {"why": "w", "quantity": "x", "criterion": "c", "claimed": "c", "estimate": None, "controls": []}
    rows = [_row("a.one", "q1", UNCALIBRATED, [{**reading, "name": "primary", "verdict": UNCALIBRATED, "expected": UNCALIBRATED},
                                               {**reading, "name": "other form", "verdict": REPRODUCED, "expected": REPRODUCED,
                                                "estimate": {"mean": 0.5, "low": 0.25, "high": 0.75}}])]
    page = render.render_pages({"environment": ENV, "claims": rows})["CLAIMS/001.md"]
    assert "robust among the readings that can judge, which say reproduced; 1 cannot" in page
    assert render.sentences(rows)[0]["verdict"] == REPRODUCED  # the uncalibrated reading abstains
    line = render.render_markdown({"environment": ENV, "claims": rows})
    # the sentence's number is the deciding reading's, not the row's own uncalibrated one
    assert "**✅ robust reproduced** (1 uncalibrated reading abstains) “q1” (§S) — x (other form): 0.5 [0.25, 0.75] vs c" in line


def test_a_reading_that_sets_another_config_is_measured_on_that_run_once():
    from toy_claims.lab.experiment import Experiment

    runs = []

    def run(config, seeds, device):
        runs.append(config)
        return [config + 0.01 * k for k in range(3)]

    toy = Experiment("unit-readings-config", {"ci": 0.5}, ("init",), run, lambda config: {"centre": config})
    shifted = Reading("larger budget", "w", AtMost("x", 1.0, why="w", claimed="c"), REFUTED,
                      controls=(Negative("init", "w"),), config=lambda config: config + 1.0)
    _define("unit.readings-config", reads=toy, readings=(shifted,), criterion=AtMost("x", 1.0, why="w", claimed="c"),
            setup={})(lambda ctx, config, result: {"x": result, "init": [2.0, 2.1]})
    record = run_claim(get_claim("unit.readings-config"), ClaimContext(2))
    assert record["measured"]["x [larger budget]"] == [1.5, 1.51, 1.52] and record["measured"]["x"] == [0.5, 0.51, 0.52]
    assert [(r["name"], r["quantity"], r["verdict"]) for r in record["readings"]] == [
        ("primary", "x", REPRODUCED), ("larger budget", "x [larger budget]", REFUTED)]
    assert record["readings"][1]["controls"][0]["quantity"] == "init [larger budget]"
    run_claim(get_claim("unit.readings-config"), ClaimContext(2))
    assert runs == [0.5, 1.5]  # each config ran once: the memo serves the second measurement


def test_only_a_claim_that_reads_an_experiment_can_set_a_readings_config():
    other = Reading("other", "w", AtMost("x", 1.0, why="w", claimed="c"), REFUTED, config=lambda c: c)
    with pytest.raises(ValueError, match="readings must be readings without a config for a claim that reads no"):
        _define("unit.readings-config-bad", readings=(other,))(lambda ctx: {"x": 0.5})


def test_a_detector_control_is_shown_as_a_control_not_counted_as_a_sentence():
    rows = [_row("a.one", "q1", REPRODUCED), {**_row("a.control", "q1", REFUTED), "evidence": "control"},
            {**_row("b.control", "q2", REPRODUCED), "evidence": "control"}]
    assert [(s["source"]["quote"], s["verdict"]) for s in render.sentences(rows)] == [("q1", REPRODUCED)]
    text = render.render_markdown({"environment": ENV, "claims": rows})
    assert "not counted as claims): 1 of 2 do what they must; `a.control` refuted." in text
