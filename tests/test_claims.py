"""The claim framework: verdicts from per-seed criteria, registry, definitions, records."""

from __future__ import annotations

import math

import numpy as np
import pytest

from toy_claims.harness.claims import (
    ERROR, INCONCLUSIVE, OBSERVATION, REFUTED, REPRODUCED, SKIPPED, Approx, AtLeast, AtMost, Between, ClaimContext, Source,
    Positive, claim, get_claim, judge, run_claim,
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


# run_claim: the record a measurement leaves ---------------------------------------------------------------------------

def test_a_record_holds_the_definition_the_measurement_and_where_it_ran(monkeypatch):
    from types import SimpleNamespace

    from toy_claims.harness import claims as claims_module
    from toy_claims.harness.environment import environment

    def measure(ctx):
        ctx.note("a note")
        return {"x": [0.3, 0.4, 0.5]}

    _define("unit.record", reason="x is {x}", expected=REPRODUCED)(measure)
    clock = iter([100.0, 100.0123])  # start, end: the record keeps the seconds to the millisecond
    monkeypatch.setattr(claims_module, "time", SimpleNamespace(perf_counter=lambda: next(clock)))
    ctx = ClaimContext(seed_offset=3, scale="paper")
    record = run_claim(get_claim("unit.record"), ctx)
    assert record["seconds"] == 0.012
    assert (record["id"], record["statement"], record["expected"]) == ("unit.record", "s", REPRODUCED)
    assert record["verdict"] == REPRODUCED and record["measured"] == {"x": [0.3, 0.4, 0.5]} and record["error"] is None
    assert record["reason"] == "x is 0.3, 0.4, 0.5"  # the template filled with this run's numbers
    assert record["notes"] == ["a note"] and record["figures"] == []
    assert (record["seed_offset"], record["device"], record["scale"]) == (3, "cpu", "paper")
    assert record["environment"] == environment() and record["controls"] == []
    assert "mean 0.4," in record["headline"] and "n=3" in record["headline"]


@pytest.mark.parametrize("log", [False, True])
def test_the_estimate_is_the_seeds_mean_inside_its_interval(log):
    values = [0.5, 0.7, 0.9]
    _define(f"unit.estimate-{log}", criterion=AtMost("x", 1.0, why="w", claimed="≤ 1", log=log))(lambda ctx: {"x": values})
    estimate = run_claim(get_claim(f"unit.estimate-{log}"), ClaimContext())["estimate"]
    mean = math.exp(np.mean(np.log(values))) if log else np.mean(values)
    assert estimate["mean"] == pytest.approx(mean) and estimate["n"] == 3 and estimate["log"] is log
    assert estimate["low"] < estimate["mean"] < estimate["high"] and set(estimate) == {"mean", "low", "high", "n", "log"}


def test_there_is_no_estimate_for_an_observation_a_non_finite_value_or_an_unmeasured_quantity():
    from toy_claims.harness.claims import _estimate

    _define("unit.observed", criterion=None, expected=OBSERVATION)(lambda ctx: {"x": [0.5, 0.7]})
    record = run_claim(get_claim("unit.observed"), ClaimContext())
    assert record["verdict"] == OBSERVATION and record["estimate"] is None and record["error"] is None
    _define("unit.inf")(lambda ctx: {"x": [0.5, math.inf]})
    record = run_claim(get_claim("unit.inf"), ClaimContext())
    assert record["verdict"] == ERROR and record["estimate"] is None
    assert record["error"] == "non-finite value of 'x': [0.5, inf]" == record["headline"]
    assert _estimate(get_claim("unit.inf"), {"y": 1.0}) is None


def test_an_error_record_keeps_the_traceback_bounded_and_headlines_the_exception():
    def odd(n):
        return even(n - 1)

    def even(n):
        if n == 0:
            raise RuntimeError("diverged\nat step 3")
        return odd(n - 1)

    _define("unit.deep")(lambda ctx: even(30))  # alternating frames: Python does not fold them into one line
    record = run_claim(get_claim("unit.deep"), ClaimContext())
    assert record["verdict"] == ERROR and record["estimate"] is None and record["measured"] == {}
    assert record["error"].startswith("Traceback") and record["error"].count('  File "') <= 8
    assert record["headline"] == "at step 3"  # the last line of the error


def test_a_skipped_measurement_is_skipped_with_its_reason():
    def needs(ctx):
        pytest.skip("needs scipy")

    _define("unit.skipped")(needs)
    record = run_claim(get_claim("unit.skipped"), ClaimContext())
    assert (record["verdict"], record["error"], record["headline"]) == ("skipped", "needs scipy", "needs scipy")


@pytest.mark.parametrize("measured", [{"x": 1}, {"x": True}, {"x": [[0.5, 1], [0.25]]}, {"x": []}])
def test_ints_bools_and_nested_lists_of_numbers_are_measurements(measured):
    from toy_claims.harness.claims import _checked_measurement

    assert _checked_measurement(measured) is measured


def test_a_measurement_that_is_not_numbers_is_the_claims_error():
    _define("unit.not-a-dict")(lambda ctx: [0.5])
    record = run_claim(get_claim("unit.not-a-dict"), ClaimContext())
    assert record["verdict"] == ERROR and "a claim's measurement must be a dict" in record["error"]
    _define("unit.strings")(lambda ctx: {"x": 0.5, "s": "0.5", "t": [1.0, None], "u": [[1.0], ["a"]]})
    record = run_claim(get_claim("unit.strings"), ClaimContext())
    assert record["verdict"] == ERROR and record["headline"] == (
        "TypeError: measured quantities must be float64 numbers or (nested) lists of them; not: "
        "s='0.5', t=[1.0, None], u=[[1.0], ['a']]")


def test_a_control_makes_the_claim_uncalibrated_when_any_one_is_on_the_wrong_side_but_never_hides_an_error():
    from toy_claims.harness.claims import Negative, Positive, UNCALIBRATED

    controls = [Positive("x_exact", "exact model"), Negative("x_init", "at init")]
    _define("unit.half-calibrated", controls=controls)(lambda ctx: {"x": 0.5, "x_exact": 0.0, "x_init": 0.2})
    record = run_claim(get_claim("unit.half-calibrated"), ClaimContext())
    assert record["verdict"] == UNCALIBRATED and [k["calibrated"] for k in record["controls"]] == [True, False]
    _define("unit.nan-uncalibrated", controls=controls)(lambda ctx: {"x": math.nan, "x_exact": 0.0, "x_init": 0.2})
    record = run_claim(get_claim("unit.nan-uncalibrated"), ClaimContext())
    assert record["verdict"] == ERROR and record["error"].startswith("non-finite value of 'x'")


# the decorator's validation: each refusal names its parameter ---------------------------------------------------------

@pytest.mark.parametrize("overrides, message", [
    ({"expected": "passed"}, "expected must be one of "),
    ({"expected": REFUTED}, "reason must be a measured reason when a pin is 'refuted' or 'inconclusive'"),
    ({"expected_at": {"paper": REFUTED}}, "reason must be a measured reason when a pin is 'refuted' or 'inconclusive'"),
    ({"expected_at": {"huge": REFUTED}, "reason": "r"}, "expected_at scale must be one of "),
    ({"expected_at": {"paper": "passed"}, "reason": "r"}, "expected_at['paper'] must be one of "),
    ({"criterion": None}, "criterion must be None exactly for observations"),
    ({"expected": OBSERVATION}, "criterion must be None exactly for observations"),
    ({"scope": "somewhere"}, "scope must be one of "),
    ({"evidence": "vibes"}, "evidence must be one of "),
    ({"controls": ["x_init"]}, "controls must be Positive(...) or Negative(...) controls"),
    ({"criterion": None, "expected": OBSERVATION, "controls": [Positive("x_init", "w")]},
     "controls must be empty for an observation (no criterion to calibrate)"),
    ({"evidence": "identity", "controls": [Positive("x_init", "w")]}, "controls must be empty for an identity (it needs none)"),
])
def test_a_bad_definition_is_refused_with_a_message_that_starts_with_its_parameter(overrides, message):
    with pytest.raises(ValueError) as info:
        _define("unit.refused", **overrides)
    assert str(info.value).startswith(message)


def test_good_definitions_are_accepted_and_controls_are_stored_as_a_tuple():
    _define("unit.identity", evidence="identity")(lambda ctx: {"x": 0.5})
    assert get_claim("unit.identity").controls == ()
    _define("unit.refuted-with-reason", expected=REFUTED, expected_at={"paper": INCONCLUSIVE}, reason="r")(
        lambda ctx: {"x": 2.0})
    control = Positive("x_exact", "exact")
    _define("unit.controls-tuple", controls=[control])(lambda ctx: {"x": 0.5, "x_exact": 0.0})
    assert get_claim("unit.controls-tuple").controls == (control,)


# claims that read an experiment (lab.experiment) -----------------------------------------------------------------

def _experiment(runs: list) -> "Experiment":
    from toy_claims.lab.experiment import Experiment

    def run(config, seeds, device):
        runs.append((config, seeds("draw", 2), device))
        return {"value": config["n"] + seeds("draw", 1)[0]}

    return Experiment("toy-exp", {"ci": {"n": 1}, "paper": {"n": 100}}, ("draw",), run,
                      lambda config: {"n": config["n"], "model": "a toy"})


def test_claims_reading_one_experiment_share_its_group_and_one_run_per_scale_offset_and_device():
    runs: list = []
    exp = _experiment(runs)

    def declare(name):
        @claim(id=f"bound.{name}", source=SRC, statement="s", setup=lambda config: {"judged": f"n = {config['n']}"},
               criterion=None, expected=OBSERVATION, scope="extension", reads=exp)
        def test(ctx, config, result):
            return {"value": result["value"], "n": config["n"]}
        return test

    checks = [declare("a"), declare("b")]
    assert [m.args[0] for check in checks for m in check.pytestmark if m.name == "parametrize"] == ["claim_group"] * 2
    assert all(m.kwargs["ids"][0].endswith("@toy-exp") for check in checks for m in check.pytestmark
               if m.name == "parametrize")
    head = get_claim("bound.a")
    assert head.setup == {"n": 1, "model": "a toy", "judged": "n = 1"}  # the declared table: the ci scale's
    records = [run_claim(get_claim(f"bound.{n}"), ClaimContext(seed_offset=s, scale=scale))
               for n in "ab" for s, scale in ((0, "ci"), (7, "ci"), (0, "paper"))]
    assert len(runs) == 3 and {r[0]["n"] for r in runs} == {1, 100}  # each (scale, offset) once, for both claims
    paper = records[2]
    assert paper["setup"] == {"n": 100, "model": "a toy", "judged": "n = 100"} and paper["measured"]["n"] == 100
    assert records[1]["measured"]["value"] == records[0]["measured"]["value"] + 7  # the offset's seed streams


def test_a_claim_reading_an_experiment_cannot_name_another_group():
    exp = _experiment([])
    with pytest.raises(ValueError, match=r"^group must be None \(it is the experiment's name, 'toy-exp'\)"):
        claim(id="bound.c", source=SRC, statement="s", setup={}, criterion=None, expected=OBSERVATION,
              scope="extension", reads=exp, group="other")


def test_an_experiment_whose_optional_package_is_missing_skips_its_claims_and_any_other_missing_module_errs():
    from toy_claims.lab.experiment import Experiment

    def run(config, seeds, device):
        raise ModuleNotFoundError(f"needs {config['needs']}: pip install it", name=config["needs"])

    for needs, verdict in (("somepkg", SKIPPED), ("other", ERROR)):
        exp = Experiment(f"needs-{needs}", {"ci": {"needs": needs}}, ("draw",), run, lambda config: {},
                         optional=("somepkg",))

        @claim(id=f"bound.needs-{needs}", source=SRC, statement="s", setup={}, criterion=None, expected=OBSERVATION,
               scope="extension", reads=exp)
        def test(ctx, config, result):
            return {"value": 1.0}

        record = run_claim(get_claim(f"bound.needs-{needs}"), ClaimContext())
        assert record["verdict"] == verdict and f"needs {needs}: pip install it" in record["error"]
