"""``@claim``: declare a claim next to the function that measures it, and turn that function into its pytest check.

The decorator registers the claim's meaning (``harness.registry``) and returns a
pytest test that passes exactly when the measured verdict (``harness.verdicts``)
equals the pinned one. A claim that flips turns CI red until a person re-pins it
(and bumps ``version``). This module is the one import a claim file needs: it
re-exports the criteria, verdicts and ``Source``.
"""

from __future__ import annotations

import dataclasses
import functools
import string
import sys
import time
import traceback
from typing import Any, Callable

import numpy as np
import pytest

from toy_claims.harness import drift
from toy_claims.harness.context import SCALES, ClaimContext
from toy_claims.harness.environment import environment
from toy_claims.harness.notes import render_measured
from toy_claims.harness.readings import READING_DEPENDENT, Reading, agreement, judge_readings
from toy_claims.harness.spec_curve import specification_caption, specification_curve
from toy_claims.harness.registry import NAME, Claim, Source, claim_head, get_claim, register, row_key, to_builtin
from toy_claims.harness.verdicts import (
    ANALOG, CONTROL, EMPIRICAL, ERROR, EVIDENCE, EXTENSION, IDENTITY, INCONCLUSIVE, OBSERVATION, PINNABLE, REFUTED, REPRODUCED,
    OTHER_FORM, PRETRAINED, SCOPES, SKIPPED, SOURCE, STAND_IN, UNCALIBRATED, Approx, AtLeast, AtMost, Between, Control,
    Criterion, Negative, OtherForm, Quoted, Positive, interval, judge, judge_calibrated, per_seed, seeds_needed,
)
from toy_claims.lab.experiment import Experiment
from toy_claims.models.validation import require, require_choice, require_int, require_type

__all__ = [
    "REPRODUCED", "REFUTED", "INCONCLUSIVE", "ERROR", "OBSERVATION", "SKIPPED", "UNCALIBRATED",
    "SOURCE", "ANALOG", "STAND_IN", "EXTENSION", "PRETRAINED", "EMPIRICAL", "IDENTITY", "CONTROL",
    "Source", "Criterion", "Approx", "Quoted", "AtMost", "AtLeast", "Between", "Positive", "Negative", "OtherForm",
    "other_form_quantity", "other_form_controls", "Reading",
    "ClaimContext",
    "claim", "get_claim", "judge", "run_claim", "seeds_needed", "GROUP_SEPARATOR",
]

GROUP_SEPARATOR = "@"  # test ids of grouped claims are [CLAIM_ID@GROUP]


def claim(
    *,
    id: str,
    source: Source,
    statement: str,
    setup: dict[str, Any] | Callable[[Any], dict[str, Any]],
    criterion: Criterion | None,
    expected: str,
    reason: str = "",
    version: int = 1,
    group: str | None = None,
    expected_at: dict[str, str] | None = None,
    scope: str,
    evidence: str = EMPIRICAL,
    controls: tuple[Control, ...] | list[Control] = (),
    reads: Experiment | None = None,
    readings: tuple[Reading, ...] | list[Reading] = (),
    single_reading: str = "",
    no_negative_control: str = "",
    unseeded: str = "",
    form: str = "",
):
    """Register a claim and turn its measuring function into its pytest check.

    A claim that ``reads`` an experiment (``lab.experiment.Experiment``) is measured by ``f(ctx, config, result)``:
    the config of the run's scale and the experiment's result at the run's seed offset and device, run once for all
    the claims that read it (the experiment's name is their group). Its setup table is the experiment's at the run's
    scale followed by ``setup``: a dict, or a function of the config. A claim that reads nothing is measured by
    ``f(ctx)`` and declares its whole ``setup`` dict.

    The decorated function takes a ``ClaimContext`` and returns ``{name: number
    or per-seed list}``. ``group`` names an experiment shared by several claims:
    they run on the same xdist worker (``--dist loadgroup``, the project default)
    so that the experiment's memo serves them all. ``expected`` is the pin at the
    ci scale; ``expected_at`` pins another verdict for a scale whose run measures
    otherwise (``{"paper": REFUTED}``), and the reason must say what was measured there.
    ``scope`` says what the verdict is about (``SOURCE``, ``ANALOG``, ``STAND_IN``, ``EXTENSION``,
    ``PRETRAINED``); ``evidence`` is
    ``EMPIRICAL``, ``IDENTITY`` (an algebraic identity or exact computation: no control needed, tallied apart) or
    ``CONTROL`` (a check of the suite's own detector where its answer is known by construction: shown as a control of
    the sentence it serves, not counted as a claim);
    ``controls`` (``Positive``/``Negative`` on measured keys) calibrate the criterion in the same run: a control on
    the wrong side makes the verdict ``uncalibrated``, which fails the check like a flip unless it is the pin (with a
    reason saying why the criterion cannot judge there: a detector whose positive control does not fire at the judged
    setting).
    ``readings`` are the other defensible readings of the sentence or of a setup choice the source leaves open
    (``Reading(name, why, criterion, expected)``, ``harness.readings``): each is judged in the same run on the same
    measurement and its pin checked like the claim's; readings that disagree make the claim reading-dependent (the
    report shows their specification curve). ``single_reading`` says instead, in one line, why the sentence admits
    only the criterion's reading. An empirical claim's controls include a ``Negative`` one (the untrained model, the
    init, the exact language, another functional form: what lacks the claimed property must fail the criterion), or
    ``no_negative_control`` says in one line why no such class exists for its quantity. A claim is judged over the
    seeds of its experiment, one value per seed; ``unseeded`` says why its judged value is one number instead (one
    pretrained model, one corpus, the optimum of a search). ``form`` names the functional form a sentence claims
    ("power law"): then the claim and each of its readings carry an ``OtherForm`` control, the same measurement on a
    decay of another form (``lab.metrics.other_decays``), which the criterion must fail.
    ``reason`` is a template over the measured quantities (``harness.notes.render_measured``:
    ``"R² at step 0 is {r2_init}"``), so the numbers it quotes are this run's; literal braces are doubled.

    A bad declaration is refused here, when the claim module is imported, with a TypeError (an object of the wrong
    kind) or a ValueError naming the parameter: ``id`` and ``group`` are names of letters, digits, ``.``, ``_``,
    ``-`` (they become test ids), ``version`` an integer >= 1, ``setup`` a dict of builtin values, ``reason`` a
    template that renders, and the decorated function a callable.
    """
    for name, value in (("id", id), ("group", group)):
        if name == "id" or value is not None:
            require_type(value, name, str, "a str" if name == "id" else "None or a str")
            require(NAME.fullmatch(value) is not None, name, "a name of letters, digits, '.', '_' and '-', starting "
                    f"with a letter or digit (a test id and a figure folder; {GROUP_SEPARATOR!r} separates id and group)",
                    value)
    require_type(source, "source", Source, "a Source(file, section, quote)")
    require_type(statement, "statement", str, "a str")
    require(statement.strip() != "", "statement", "a non-empty sentence", statement)
    require_type(reads, "reads", (Experiment, type(None)), "None or a lab.experiment.Experiment")
    if reads is not None:
        require(group in (None, reads.name), "group", f"None (it is the experiment's name, {reads.name!r})", group)
        require("ci" in reads.configs, "reads", "an experiment with a ci config", reads)
        group, setup_at = reads.name, _bound_setup(reads, setup)
        setup = setup_at("ci")
    require_type(setup, "setup", dict, "a dict name -> builtin value (the setup table)")
    for key, value in setup.items():
        require_type(key, "setup keys", str, "names (str)")
        try:
            to_builtin(value)
        except TypeError as exc:
            raise TypeError(f"setup[{key!r}] must be a number, str, bool, None or a list / dict of them ({exc})") from None
    require_type(criterion, "criterion", (Criterion, type(None)), "a Criterion (Approx, AtMost, AtLeast, Between) or None")
    require_type(reason, "reason", str, "a str (a template over the measured quantities)")
    _check_template(reason)
    require_int(version, "version", lo=1)
    require_type(expected_at, "expected_at", (dict, type(None)), "None or a dict scale -> pin")
    require_type(controls, "controls", (tuple, list), "a tuple of Positive(...) / Negative(...) controls")
    expected_at = dict(expected_at or {})
    for scale, pin in expected_at.items():
        require_choice(scale, "expected_at scale", SCALES)
        require_choice(pin, f"expected_at[{scale!r}]", PINNABLE)
    require_choice(expected, "expected", PINNABLE)
    require(all(e in (REPRODUCED, OBSERVATION) for e in (expected, *expected_at.values())) or bool(reason), "reason",
            "a measured reason when a pin is 'refuted' or 'inconclusive'", reason)
    require((criterion is None) == (expected == OBSERVATION), "criterion", "None exactly for observations", criterion)
    require_choice(scope, "scope", SCOPES)
    require_choice(evidence, "evidence", EVIDENCE)
    controls = tuple(controls)
    require(all(isinstance(k, Control) for k in controls), "controls", "Positive(...) or Negative(...) controls", controls)
    require(not controls or criterion is not None, "controls", "empty for an observation (no criterion to calibrate)", controls)
    require(not controls or evidence != IDENTITY, "controls", "empty for an identity (it needs none)", controls)
    _check_readings(readings, single_reading, criterion)
    require_type(no_negative_control, "no_negative_control", str, "a str (why no negative control class applies)")
    require(not (no_negative_control and any(k.kind == "negative" for k in controls)), "no_negative_control",
            "empty when a Negative control is declared", no_negative_control)
    require_type(unseeded, "unseeded", str, "a str (why the judged value is one number, not one per seed)")
    require_type(form, "form", str, "a str (the functional form the sentence claims)")
    if form:
        unguarded = [name for name, own in (("the claim", controls), *((r.name, r.controls) for r in readings))
                     if own is not None and not any(k.what.startswith(OTHER_FORM) for k in own)]
        require(not unguarded, "form", f"a claim whose readings each carry an OtherForm control (a claim of a "
                f"{form} is judged against another form); without one", unguarded)
    require(reads is not None or all(r.config is None for r in readings), "readings",
            "readings without a config for a claim that reads no experiment (only an experiment can run another config)",
            [r.name for r in readings if r.config is not None])

    def decorate(measure: Callable[..., dict[str, Any]]):
        require(callable(measure), "the decorated function", "a callable ClaimContext -> measured dict", measure)
        c = Claim(id, version, source, statement, to_builtin(setup), criterion, expected, reason,
                  measure if reads is None else _reading(reads, measure), expected_at, scope, evidence, controls,
                  setup_at=None if reads is None else setup_at, readings=tuple(readings), single_reading=single_reading,
                  no_negative_control=no_negative_control, unseeded=unseeded, form=form,
                  remeasure=None if reads is None else _remeasure(reads, measure))
        register(c)

        def test(claims_context: ClaimContext, claims_baseline, record_property, claim_group: str | None) -> None:
            record = run_claim(c, claims_context)
            record["drift"] = drift.compare(record, claims_baseline.rows.get(row_key(record)))
            record_property("claim", record)
            if record["verdict"] == SKIPPED:
                pytest.skip(record["error"])
            if record["verdict"] == ERROR:
                pytest.fail(f"claim {c.id} errored:\n{record['error']}", pytrace=False)
            assert record["verdict"] == record["expected"], (
                f"claim {c.id} measured {record['verdict']!r}, pinned {record['expected']!r}: {record['headline']}"
            )
            moved = [f"{r['name']!r} measured {r['verdict']!r}, pinned {r['expected']!r}"
                     for r in record["readings"][1:] if r["verdict"] != r["expected"]]
            assert not moved, f"claim {c.id}: reading " + "; ".join(moved)
            if record["drift"]["status"] == "drifted" and not claims_baseline.update:
                pytest.fail(f"claim {c.id} drifted from its accepted measurements (a value changes when it "
                            f"{record['drift']['rule']}): {drift.describe(record['drift'])}. Accept with "
                            f"--claims-update.", pytrace=False)

        test.__doc__ = statement
        test = pytest.mark.claim(id)(test)
        # The test id names the claim, and its group after "@" (xdist's convention): the
        # xdist controller sees only node ids, and harness.plugin schedules a group on one worker.
        return pytest.mark.parametrize("claim_group", [group], ids=[f"{id}{GROUP_SEPARATOR}{group}" if group else id])(test)

    return decorate


def other_form_quantity(quantity: str, form: str) -> str:
    """The measured key of ``quantity`` on the planted decay ``form`` (one of ``lab.metrics.OTHER_DECAYS``)."""
    require_type(quantity, "quantity", str, "a measured key (a str)")
    require_choice(form, "form", _other_decays())
    return f"{quantity}_{form.replace(' ', '_')}"


def other_form_controls(quantity: str, through: str) -> tuple[Control, ...]:
    """The ``OtherForm`` controls of a claim of a functional form: ``quantity`` on each of ``lab.metrics.other_decays``
    planted ``through`` the measured curve's ends (in words), recorded under ``other_form_quantity``."""
    require_type(through, "through", str, "a str (where the planted decays pass, in words)")
    return tuple(OtherForm(other_form_quantity(quantity, form), f"a planted {form} decay through {through}")
                 for form in _other_decays())


def _other_decays() -> tuple[str, ...]:
    """``lab.metrics.OTHER_DECAYS``, imported only when a form's controls are built: lab.metrics loads torch, which a
    session that declares claims but trains nothing never pays for (each inner session of tests/test_plugin.py)."""
    from toy_claims.lab.metrics import OTHER_DECAYS

    return OTHER_DECAYS


def _check_readings(readings, single_reading: str, criterion: Criterion | None) -> None:
    """Readings are ``Reading``s of distinct names beside a criterion; ``single_reading`` is text, not beside them."""
    require_type(readings, "readings", (tuple, list), "a tuple of Reading(...)")
    require(all(isinstance(r, Reading) for r in readings), "readings", "a tuple of Reading(...) declarations", readings)
    names = [r.name for r in readings]
    require(len(set(names)) == len(names), "readings", "readings of distinct names", names)
    require(not readings or criterion is not None, "readings", "empty for an observation (no criterion to read)",
            names)
    require_type(single_reading, "single_reading", str, "a str (why the sentence admits only one reading)")
    require(not (readings and single_reading), "single_reading", "empty when readings are declared", single_reading)


def _bound_setup(experiment: Experiment, extra: dict[str, Any] | Callable[[Any], dict[str, Any]]):
    """The setup table of a claim that reads ``experiment``, at a scale: the experiment's, then the claim's own."""
    require(isinstance(extra, dict) or callable(extra), "setup", "a dict, or a function of the experiment's config "
            "returning one, for a claim that reads an experiment", extra)

    def setup_at(scale: str) -> dict[str, Any]:
        config = experiment.config(scale)
        own = extra(config) if callable(extra) else extra
        require_type(own, "setup", dict, "a dict name -> builtin value (the claim's rows of the setup table)")
        return {**experiment.setup(config), **own}

    return setup_at


def _reading(experiment: Experiment, extract: Callable[..., dict[str, Any]]) -> Callable[[ClaimContext], dict[str, Any]]:
    """A claim's measurement from the experiment it reads: ``extract(ctx, config, result)``."""

    @functools.wraps(extract)
    def measure(ctx: ClaimContext) -> dict[str, Any]:
        try:
            result = experiment.result(ctx.scale, ctx.seed_offset, ctx.device)
        except ModuleNotFoundError as exc:
            if exc.name in experiment.optional:  # an optional package missing: skipped, never an error
                pytest.skip(str(exc))
            raise
        return extract(ctx, experiment.config(ctx.scale), result)

    return measure


def _remeasure(experiment: Experiment, extract: Callable[..., dict[str, Any]]):
    """A claim's measurement on another config of its experiment: ``remeasure(ctx, config_of)`` runs (once) the
    config ``config_of(the scale's config)`` at the run's seed offset and device and extracts from it."""

    def remeasure(ctx: ClaimContext, config_of: Callable[[Any], Any]) -> dict[str, Any]:
        config = config_of(experiment.config(ctx.scale))
        return extract(ctx, config, experiment.result_at(config, ctx.seed_offset, ctx.device))

    return remeasure


def _on_their_runs(c: Claim, ctx: ClaimContext, measured: dict[str, Any]) -> tuple[Reading, ...]:
    """The claim's readings, each judged where it is measured: a reading that sets another config is measured on that
    run, its quantities added to ``measured`` as ``"<quantity> [<reading>]"`` and its criterion and controls renamed
    to them (nothing measured is lost, and drift and kernel noise gate them like the rest)."""
    out = []
    for r in c.readings:
        if r.config is None:
            out.append(r)
            continue
        other = _checked_measurement(to_builtin(c.remeasure(ctx, r.config)))
        controls = c.controls if r.controls is None else r.controls
        named = [r.criterion.quantity, *(k.quantity for k in controls)]
        for q in named:
            if q not in other:
                raise KeyError(f"reading {r.name!r}: quantity {q!r} not measured on its run; measured: {sorted(other)}")
            measured[f"{q} [{r.name}]"] = other[q]
        out.append(dataclasses.replace(
            r, criterion=dataclasses.replace(r.criterion, quantity=f"{r.criterion.quantity} [{r.name}]"),
            controls=tuple(dataclasses.replace(k, quantity=f"{k.quantity} [{r.name}]") for k in controls)))
    return tuple(out)


def _check_template(reason: str) -> None:
    """Refuse a reason template that cannot render (an unbalanced brace, a bad format spec) at declaration: at
    measurement it would turn the claim's verdict into an error and lose what was measured."""
    try:
        fields = {f.split(".")[0].split("[")[0] for _, f, _, _ in string.Formatter().parse(reason) if f}
        render_measured(reason, {f: [0.0, 1.0] for f in fields})  # 0/1: also a share ({q:share})
    except (ValueError, IndexError, KeyError, AttributeError, TypeError) as exc:
        raise ValueError(f"reason must be a template over measured quantities ({{name}}, {{name:mean}}, {{name:share}}, "
                         f"{{name:range}}, {{name:.2f}}; literal braces doubled), got {reason!r} ({exc})") from None


def _estimate(c: Claim, measured: dict[str, Any]) -> dict[str, Any] | None:
    """What the verdict is judged on: the seeds' (geometric) mean of the judged quantity and its interval."""
    if c.criterion is None or c.criterion.quantity not in measured:
        return None
    found = interval(c.criterion, measured)
    n = len(per_seed(measured[c.criterion.quantity]))
    return None if found is None else {"mean": found[0], "low": found[1], "high": found[2], "n": n, "log": c.criterion.log}


def _headline(c: Claim, measured: dict[str, Any], estimate: dict[str, Any] | None) -> str:
    key = c.criterion.quantity if c.criterion else next(iter(measured), None)
    if key is None:
        return ""
    values = per_seed(measured[key])
    if estimate is not None and estimate["n"] > 1:
        mean = ("share of seeds" if c.criterion is not None and c.criterion.proportion
                else "geometric mean" if estimate["log"] else "mean")
        text = f"{key}: {mean} {estimate['mean']:.4g}, interval [{estimate['low']:.4g}, {estimate['high']:.4g}] (n={estimate['n']})"
    elif len(values) == 1:
        text = f"{key} = {values[0]:.4g}"
    else:
        text = f"{key} = {np.mean(values):.4g} ± {np.std(values, ddof=1):.2g} (n={len(values)})"
    return text + (f" vs {c.criterion.claimed}" if c.criterion else "")


def _is_number_tree(value: Any) -> bool:
    if isinstance(value, list):
        return all(_is_number_tree(v) for v in value)
    return isinstance(value, float) or isinstance(value, int) and abs(value) <= sys.float_info.max  # bool is an int


def _checked_measurement(measured: Any) -> dict[str, Any]:
    """A measurement is {name: number or (nested) list of numbers}; anything else is the claim's error."""
    if not isinstance(measured, dict):
        raise TypeError(f"a claim's measurement must be a dict {{name: number or per-seed list}}, got "
                        f"{type(measured).__name__}: {measured!r:.200}")
    bad = {k: v for k, v in measured.items() if not _is_number_tree(v)}
    if bad:
        raise TypeError("measured quantities must be float64 numbers or (nested) lists of them; not: "
                        + ", ".join(f"{k}={v!r:.80}" for k, v in bad.items()))
    return measured


def run_claim(c: Claim, ctx: ClaimContext) -> dict[str, Any]:
    """Measure and judge ``c``; a builtin-only record (it crosses xdist on the test report)."""
    require_type(c, "c", Claim, "a Claim (harness.registry.get_claim)")
    require_type(ctx, "ctx", ClaimContext, "a ClaimContext")
    start = time.perf_counter()
    measured: dict[str, Any] = {}
    error, reason, controls, estimate, readings = None, c.reason, [], None, []
    try:
        measured = _checked_measurement(to_builtin(c.measure(ctx)))
        verdict, controls = judge_calibrated(c.criterion, c.controls, measured)
        estimate = _estimate(c, measured)
        if c.readings:
            readings = judge_readings(c.criterion, c.pinned(ctx.scale), c.controls, _on_their_runs(c, ctx, measured),
                                      measured)
            if agreement([r["verdict"] for r in readings]) == READING_DEPENDENT:
                ctx.figure(specification_curve(readings), "readings", specification_caption(c.id))
        reason = render_measured(c.reason, measured)
        if verdict == ERROR:
            error = f"non-finite value of {c.criterion.quantity!r}: {measured[c.criterion.quantity]!r}"
    except pytest.skip.Exception as exc:
        verdict, error = SKIPPED, str(exc)
    except Exception:  # noqa: BLE001 -- any failure of a measurement is the claim's 'error' verdict
        verdict, error = ERROR, traceback.format_exc(limit=8)
    return {
        **claim_head(c),
        "setup": c.setup_of(ctx.scale),
        "expected": c.pinned(ctx.scale),
        "reason": reason,
        "controls": controls,
        "verdict": verdict,
        "readings": readings,
        "measured": measured,
        "estimate": estimate,
        "headline": error.strip().splitlines()[-1] if error else _headline(c, measured, estimate),
        "notes": ctx.notes,
        "figures": ctx.figures,
        "seconds": round(time.perf_counter() - start, 3),
        "error": error,
        "seed_offset": ctx.seed_offset,
        "device": ctx.device,
        "scale": ctx.scale,
        "environment": environment(),
    }
