"""The claim framework: verdicts from per-seed criteria, registry, definitions, records."""

from __future__ import annotations

import math

import numpy as np
import pytest

from toy_claims.harness.claims import (
    ERROR, INCONCLUSIVE, OBSERVATION, REFUTED, REPRODUCED, Approx, AtLeast, AtMost, Between, ClaimContext, Source,
    claim, get_claim, judge, run_claim,
)
from toy_claims.harness.registry import to_builtin

SRC = Source("000_cfd314f0efaca259.txt", "Observation 1", "This is indeed what we observe.")


@pytest.mark.parametrize(
    "values, verdict",
    [([0.1, 0.2], REPRODUCED), ([2.0, 2.1], REFUTED), ([0.1, 2.0], INCONCLUSIVE), ([0.1, math.nan], ERROR),
     (math.inf, ERROR), (0.5, REPRODUCED), ([], ERROR),
     ([0.5, 0.9, 0.95], INCONCLUSIVE),  # every seed holds, but the mean's upper bound (1.19) crosses the line
     ([0.1, 0.1, 0.1, 0.1, 0.1, 1.05], REPRODUCED),  # one seed fails; the population mean is clearly below (0.58)
     ([1.2, 1.21, 1.19], REFUTED), ([1.0, 1.0, 1.0], REPRODUCED)],
)
def test_verdict_is_the_interval_of_the_seed_mean(values, verdict):
    assert judge(AtMost("x", 1.0, why="w", claimed="≤ 1"), {"x": values}) == verdict


def test_criteria_bounds():
    assert judge(Approx("x", 7.57, 0.005, why="w"), {"x": 7.566}) == REPRODUCED
    assert judge(Approx("x", 7.57, 0.005, why="w"), {"x": 7.56}) == REFUTED
    assert judge(AtLeast("x", 1.0, why="w", claimed=""), {"x": 1.0}) == REPRODUCED  # a bound belongs to the region
    assert judge(AtLeast("x", 1.0, why="w", claimed=""), {"x": 0.99}) == REFUTED
    assert judge(Between("x", 1, 2, why="w", claimed=""), {"x": 1.5}) == REPRODUCED
    assert judge(None, {"x": 1}) == OBSERVATION
    with pytest.raises(KeyError, match="not measured"):
        judge(AtMost("y", 1.0, why="w", claimed=""), {"x": 1})


def _define(claim_id: str, **overrides):
    kwargs = dict(id=claim_id, source=SRC, statement="s", setup={"V": np.int64(10)}, scope="source",
                  criterion=AtMost("x", 1.0, why="w", claimed="≤ 1"), expected=REPRODUCED)
    kwargs.update(overrides)
    return claim(**kwargs)


def test_claim_becomes_a_pytest_check_and_is_registered():
    test = _define("unit.registered")(lambda ctx: {"x": 0.5})
    assert test.__doc__ == "s" and test.pytestmark[0].args == ("unit.registered",)
    assert get_claim("unit.registered").setup == {"V": 10}


def test_registry_refuses_a_duplicate_id_from_another_function():
    _define("unit.duplicate")(lambda ctx: {"x": 0.5})

    def other(ctx):
        return {"x": 0.5}

    with pytest.raises(ValueError, match="already registered"):
        _define("unit.duplicate")(other)


def test_unknown_claim_suggests_the_closest_id():
    _define("unit.suggested")(lambda ctx: {"x": 0.5})
    with pytest.raises(KeyError, match="Did you mean 'unit.suggested'"):
        get_claim("unit.sugested")


@pytest.mark.parametrize(
    "overrides, name",
    [({"expected": REFUTED}, "reason"), ({"expected": "passed"}, "expected"),
     ({"criterion": None}, "criterion"), ({"expected": OBSERVATION, "reason": "r"}, "criterion")],
)
def test_bad_definitions_name_the_parameter(overrides, name):
    with pytest.raises(ValueError, match=name):
        _define("unit.bad", **overrides)


def test_run_claim_records_errors_and_nan_as_error():
    def boom(ctx):
        raise RuntimeError("diverged")

    _define("unit.boom")(boom)
    _define("unit.nan")(lambda ctx: {"x": [0.1, float("nan")]})
    record = run_claim(get_claim("unit.boom"), ClaimContext())
    assert record["verdict"] == ERROR and "diverged" in record["error"]
    assert run_claim(get_claim("unit.nan"), ClaimContext())["verdict"] == ERROR


def test_seeds_shift_with_the_offset():
    assert ClaimContext(seed_offset=7).seeds(3, first=42) == [49, 50, 51]


def test_records_hold_builtins_only():
    converted = to_builtin({"a": np.float64(1.5), "b": np.arange(3), "c": (np.int32(2), True), "d": None})
    assert converted == {"a": 1.5, "b": [0, 1, 2], "c": [2, True], "d": None}
    assert type(converted["a"]) is float and type(converted["b"][0]) is int
    with pytest.raises(TypeError, match="cannot record"):
        to_builtin(object())


def test_a_scale_with_another_setup_carries_its_own_pin_whatever_the_device():
    _define("unit.per-scale", expected_at={"paper": REFUTED}, reason="the paper sizes measure x = 2")(
        lambda ctx: {"x": 0.5 if ctx.scale == "ci" else 2.0})
    c = get_claim("unit.per-scale")
    assert run_claim(c, ClaimContext(scale="ci"))["expected"] == REPRODUCED
    record = run_claim(c, ClaimContext(scale="paper"))
    assert record["expected"] == record["verdict"] == REFUTED and record["expected_at"] == {"paper": REFUTED}


@pytest.mark.parametrize("expected_at, name", [({"huge": REFUTED}, "expected_at scale"), ({"paper": "passed"}, "expected_at")])
def test_bad_scale_pins_name_the_parameter(expected_at, name):
    with pytest.raises(ValueError, match=name):
        _define("unit.bad-scale", expected_at=expected_at, reason="r")


def test_a_control_on_the_wrong_side_makes_the_claim_uncalibrated():
    from toy_claims.harness.claims import Negative, Positive, UNCALIBRATED

    _define("unit.calibrated", controls=[Negative("x_init", "at init"), Positive("x_exact", "exact model")])(
        lambda ctx: {"x": 0.5, "x_init": 3.0, "x_exact": 0.0})
    record = run_claim(get_claim("unit.calibrated"), ClaimContext())
    assert record["verdict"] == REPRODUCED and all(k["calibrated"] for k in record["controls"])
    _define("unit.uncalibrated", controls=[Negative("x_init", "at init")])(lambda ctx: {"x": 0.5, "x_init": [0.2, 0.3]})
    record = run_claim(get_claim("unit.uncalibrated"), ClaimContext())
    assert record["verdict"] == UNCALIBRATED and record["controls"][0]["verdict"] == REPRODUCED


@pytest.mark.parametrize("overrides, name", [
    ({"scope": "somewhere"}, "scope"), ({"evidence": "vibes"}, "evidence"),
    ({"controls": ["x_init"]}, "controls"),
    ({"criterion": None, "expected": OBSERVATION, "controls": []}, None),
])
def test_scope_evidence_and_controls_are_checked(overrides, name):
    if name is None:
        _define("unit.observation-ok", **overrides)(lambda ctx: {"y": 1.0})
        return
    with pytest.raises(ValueError, match=name):
        _define("unit.bad-declaration", **overrides)(lambda ctx: {"x": 0.5})
