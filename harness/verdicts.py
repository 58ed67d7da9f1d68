"""Verdicts: a criterion on one measured quantity, and the one rule that turns the seeds' values into a verdict.

A verdict is a statement about the population of seeds, not about the few drawn. The seeds' values of the judged
quantity give an estimate of its population mean with a confidence interval (``interval``: the mean ± the
one-sided ``LEVEL`` Student-t bound, ``t(LEVEL, n−1)·sd/√n``; on a log scale for a criterion with ``log=True``,
i.e. a geometric mean, for ratios and gaps that span decades). A 0/1 outcome per seed (``proportion=True``: did the
detector fire, did the run diverge) is a share of seeds instead, and its interval is Clopper–Pearson's exact one at
``LEVEL`` on each side: 0 of 3 seeds bounds the population's share by [0, 0.63], never by the zero-width [0, 0] a
t-interval would give. The criterion's region [lo, hi] then decides:

* ``reproduced``   -- the whole interval lies inside the region (clearly inside, at ``LEVEL`` on each side);
* ``refuted``      -- the whole interval lies outside it (clearly outside);
* ``inconclusive`` -- the interval straddles a bound: these seeds cannot tell;
* ``error``        -- the measurement raised or produced NaN/inf;
* ``observation``  -- a measurement the source makes no claim about (no criterion);
* ``skipped``      -- an optional dependency is missing.

Pure: no pytest, no plotting.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import betaincinv, stdtrit  # Beta and Student-t quantiles (scipy.stats costs 0.5 s more to import in every worker)

from toy_claims.models.validation import require, require_choice, require_int, require_real, require_type, shown

__all__ = [
    "REPRODUCED", "REFUTED", "INCONCLUSIVE", "ERROR", "OBSERVATION", "SKIPPED", "UNCALIBRATED", "PINNABLE",
    "KINDS", "LEVEL", "Criterion", "Approx", "Quoted", "QUOTED_TOLERANCE", "AtMost", "AtLeast", "Between", "judge", "interval", "per_seed",
    "seeds_needed",
    "SOURCE", "ANALOG", "STAND_IN", "EXTENSION", "PRETRAINED", "SCOPES", "EMPIRICAL", "IDENTITY", "CONTROL", "EVIDENCE",
    "Control", "Positive", "Negative", "OTHER_FORM", "OtherForm", "calibrate", "judge_calibrated",
]

REPRODUCED, REFUTED, INCONCLUSIVE = "reproduced", "refuted", "inconclusive"
ERROR, OBSERVATION, SKIPPED = "error", "observation", "skipped"
UNCALIBRATED = "uncalibrated"  # a control landed on the wrong side of the criterion: the verdict says nothing

# What a verdict is about.
SOURCE = "source"  # the source's own setup (its model, its data, its numbers)
ANALOG = "analog"  # a toy analog of a claim the source makes at LLM scale
STAND_IN = "stand-in"  # the source's setup on a stand-in for data it does not give
EXTENSION = "extension"  # the suite's own question, asked next to a source sentence
PRETRAINED = "pretrained"  # a small real pretrained model that is not the source's (not a toy trained here)
SCOPES = (SOURCE, ANALOG, STAND_IN, EXTENSION, PRETRAINED)
# What kind of evidence: a measurement of a trained or sampled system, or an algebraic identity / exact computation.
EMPIRICAL, IDENTITY = "empirical", "identity"
# A detector's control: the suite checks its own instrument where the answer is known by construction (a rank
# estimator on a model of known rank, a plateau detector on a language whose optimum is the plateau). Shown as a
# control beside the sentence it serves, never counted as a claim of the source.
CONTROL = "control"
EVIDENCE = (EMPIRICAL, IDENTITY, CONTROL)
# An uncalibrated verdict is pinnable: "this criterion cannot judge at this setting" (a detector whose positive control
# does not fire there) is a measured, stable finding; its pin needs a reason that says so, like a refutation.
PINNABLE = (REPRODUCED, REFUTED, INCONCLUSIVE, OBSERVATION, UNCALIBRATED)
KINDS = ("approx", "at_most", "at_least", "between")
LEVEL = 0.95  # one-sided confidence of each end of the interval a verdict is judged on


@dataclass(frozen=True)
class Criterion:
    """A region for the population mean of one measured quantity, with what the source claims and why these numbers.

    Build it with ``Approx``, ``AtMost``, ``AtLeast`` or ``Between``; ``log=True`` judges a positive quantity (a
    ratio, a gap spanning decades) by its geometric mean, with the interval computed on log values;
    ``proportion=True`` judges a 0/1 outcome per seed by the share of seeds where it holds (Clopper–Pearson).
    """

    quantity: str  # key of the measured dict that is judged
    kind: str  # "approx", "at_most", "at_least", "between"
    lo: float  # the claimed region is lo <= mean <= hi
    hi: float
    claimed: str  # what the source claims, for the summary table ("7.57", "< L0 + floor")
    why: str  # one line: where the numbers come from (source's words, measured floor, seed spread)
    log: bool = False  # judge the geometric mean (interval on log values); needs lo >= 0 and positive values
    proportion: bool = False  # each seed's value is a 0/1 outcome: judge the share of seeds (Clopper–Pearson)

    def __post_init__(self) -> None:
        require(isinstance(self.quantity, str) and self.quantity != "", "quantity", "a non-empty str", self.quantity)
        require_choice(self.kind, "kind", KINDS)
        for name in ("lo", "hi"):  # ±inf marks an open side (at_most, at_least); NaN would refute every value
            value = getattr(self, name)
            require(isinstance(value, numbers.Real) and not isinstance(value, bool) and not math.isnan(value),
                    name, "a number (±inf for an open side), not NaN", value)
        require(self.lo <= self.hi, "lo, hi", "lo <= hi", (self.lo, self.hi))
        open_lo, open_hi = {"at_most": (True, False), "at_least": (False, True)}.get(self.kind, (False, False))
        region = {"at_most": "lo = -inf, hi finite", "at_least": "lo finite, hi = inf"}.get(self.kind, "both finite")
        require((self.lo == -math.inf) == open_lo and (self.hi == math.inf) == open_hi, "lo, hi",
                f"the region of kind {self.kind!r}: {region}", (self.lo, self.hi))
        require_type(self.claimed, "claimed", str, "a str (what the source claims)")
        require_type(self.why, "why", str, "a str (where the numbers come from)")
        require(isinstance(self.log, bool), "log", "a bool", self.log)
        require(not self.log or self.lo >= 0 or self.lo == -math.inf, "lo", "a number >= 0 (or -inf) on a log scale (log=True)",
                self.lo)
        require(isinstance(self.proportion, bool), "proportion", "a bool", self.proportion)
        if self.proportion:
            require(not self.log, "log", "False for a proportion (a share of 0/1 outcomes has no log scale)", self.log)
            require(self.lo == -math.inf or 0 <= self.lo <= 1, "lo", "a share in [0, 1] (or -inf) for a proportion", self.lo)
            require(self.hi == math.inf or 0 <= self.hi <= 1, "hi", "a share in [0, 1] (or inf) for a proportion", self.hi)

    def describe(self) -> str:
        q = (f"share of seeds where `{self.quantity}` holds" if self.proportion
             else f"{'geometric ' if self.log else ''}mean of `{self.quantity}`")
        over = f" ({LEVEL:.0%} {'Clopper–Pearson ' if self.proportion else ''}interval over seeds)"
        if self.kind == "at_most":
            return f"{q} ≤ {self.hi:.6g}{over}"
        if self.kind == "at_least":
            return f"{q} ≥ {self.lo:.6g}{over}"
        if self.kind == "approx":
            mid, tol = (self.lo + self.hi) / 2, (self.hi - self.lo) / 2
            return f"|{q} − {mid:.6g}| ≤ {tol:.3g}{over}"
        return f"{self.lo:.6g} ≤ {q} ≤ {self.hi:.6g}{over}"


def _check_text(quantity: str, why: str, claimed: str | None) -> None:
    require_type(quantity, "quantity", str, "the measured key (a str)")
    require_type(why, "why", str, "a str")
    require_type(claimed, "claimed", (str, type(None)) , "a str")


def Approx(quantity: str, target: float, tol: float, *, why: str, claimed: str | None = None, log: bool = False) -> Criterion:
    _check_text(quantity, why, claimed)
    require_real(target, "target")
    require_real(tol, "tol", lo=0)
    require(math.isfinite(target - tol) and math.isfinite(target + tol), "target, tol",
            "small enough that target ± tol is finite", (target, tol))
    return Criterion(quantity, "approx", target - tol, target + tol, claimed or f"≈ {target:g}", why, log)


QUOTED_TOLERANCE = 0.05  # ± this fraction of a number a source quotes with "≈" or to a few significant figures


def Quoted(quantity: str, value: float, *, why: str, rel: float = QUOTED_TOLERANCE, claimed: str | None = None,
           log: bool = False) -> Criterion:
    """≈ ``value`` within ± ``rel`` of it: the tolerance of a number the source quotes (``why`` says its rounding)."""
    require_real(value, "value")
    require_real(rel, "rel", lo=0)
    return Approx(quantity, value, rel * abs(value), why=why, claimed=claimed, log=log)


def AtMost(quantity: str, bound: float, *, why: str, claimed: str, log: bool = False,
           proportion: bool = False) -> Criterion:
    _check_text(quantity, why, claimed)
    require_real(bound, "bound")
    return Criterion(quantity, "at_most", -math.inf, bound, claimed, why, log, proportion)


def AtLeast(quantity: str, bound: float, *, why: str, claimed: str, log: bool = False,
            proportion: bool = False) -> Criterion:
    _check_text(quantity, why, claimed)
    require_real(bound, "bound")
    return Criterion(quantity, "at_least", bound, math.inf, claimed, why, log, proportion)


def Between(quantity: str, lo: float, hi: float, *, why: str, claimed: str, log: bool = False) -> Criterion:
    _check_text(quantity, why, claimed)
    require_real(lo, "lo")
    require_real(hi, "hi")
    require(lo <= hi, "lo, hi", "lo <= hi", (lo, hi))
    return Criterion(quantity, "between", lo, hi, claimed, why, log)


def _is_real(v: Any) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))


def per_seed(value: Any, name: str = "measured value") -> list[float]:
    """A measured value (one real number or a flat list of them, one per seed) as a list of floats.

    Anything else -- a string such as '0.5', None, a bool, a nested list -- is a TypeError naming ``name``:
    judging it as a number would be silent. NaN and inf pass (``judge`` calls them ``error``).
    """
    if isinstance(value, np.ndarray) and value.ndim <= 1:
        value = value.tolist()
    values = list(value) if isinstance(value, (list, tuple)) else [value]
    if not all(_is_real(v) for v in values):
        raise TypeError(f"{name} must be a real number or a flat list of real numbers (one per seed), "
                        f"got {type(value).__name__} {value!r}"[:300])
    try:
        return [float(v) for v in values]
    except OverflowError:  # an int beyond float64 (10**400)
        raise ValueError(f"{name} must be real numbers within float64's range, got {shown(value)}") from None


def _bounds(criterion: Criterion, measured: dict[str, Any]) -> tuple[float, float, float] | None:
    """(mean, low, high) of the judged quantity's seeds on the criterion's scale (log values when ``log``)."""
    require_type(criterion, "criterion", Criterion, "a Criterion or None")
    require_type(measured, "measured", dict, "a dict of measured quantities")
    if criterion.quantity not in measured:
        raise KeyError(f"criterion quantity {criterion.quantity!r} not measured; measured: {sorted(measured)}")
    values = np.array(per_seed(measured[criterion.quantity], f"measured {criterion.quantity!r}"))
    if criterion.proportion:
        return _share_bounds(criterion.quantity, values)
    if values.size == 0 or not np.isfinite(values).all() or (criterion.log and (values <= 0).any()):
        return None
    x = np.log(values) if criterion.log else values
    if np.ptp(x) == 0:  # one value, or seeds that all agree: no spread to account for
        return float(x[0]), float(x[0]), float(x[0])
    # Values near float64's end (1e308): their sum overflows, so the statistics are taken of x scaled by an exact
    # power of two and scaled back (the ends may overflow to ±inf then, which compares correctly with any bound).
    e = math.frexp(float(np.abs(x).max()))[1] if float(np.abs(x).max()) > 2.0**500 else 0
    x = np.ldexp(x, -e)
    mean = float(x.mean())
    half = float(stdtrit(x.size - 1, LEVEL) * x.std(ddof=1) / math.sqrt(x.size))
    with np.errstate(over="ignore"):
        return float(np.ldexp(mean, e)), float(np.ldexp(mean - half, e)), float(np.ldexp(mean + half, e))


def _share_bounds(quantity: str, outcomes: np.ndarray) -> tuple[float, float, float] | None:
    """(share, low, high) of 0/1 outcomes: the share of seeds where the outcome holds and Clopper–Pearson's exact
    one-sided ``LEVEL`` bounds, the Beta quantiles B(1 − LEVEL; k, n − k + 1) and B(LEVEL; k + 1, n − k)."""
    if outcomes.size == 0 or not np.isfinite(outcomes).all():
        return None
    if not np.isin(outcomes, (0.0, 1.0)).all():
        raise ValueError(f"measured {quantity!r} must be 0/1 outcomes (one per seed) for a proportion criterion, "
                         f"got {shown(outcomes.tolist())}")
    n, k = outcomes.size, int(outcomes.sum())
    low = 0.0 if k == 0 else float(betaincinv(k, n - k + 1, 1 - LEVEL))
    high = 1.0 if k == n else float(betaincinv(k + 1, n - k, LEVEL))
    return k / n, low, high


def interval(criterion: Criterion, measured: dict[str, Any]) -> tuple[float, float, float] | None:
    """(estimate, low, high): the seeds' mean of the judged quantity and its ``LEVEL`` one-sided bounds.

    On a log scale (``criterion.log``) all three are the exponentials of the log-value statistics (the geometric
    mean and its bounds). One value, or values that all agree, give a point: no spread to account for. None when a
    value is NaN or infinite (or not positive on a log scale): there is no estimate, the verdict is ``error``.
    """
    bounds = _bounds(criterion, measured)
    if bounds is None or not criterion.log:
        return bounds
    return tuple(math.exp(b) for b in bounds)


_MOST_SEEDS = 100_000  # seeds_needed scans n = 2 .. most one by one (~1 s at this bound)


def seeds_needed(values: Any, fraction_of_mean: float = 0.5, most: int = 1000) -> int:
    """The smallest n whose expected ``interval`` half-width, t(LEVEL, n − 1)·sd/√n at the spread of ``values``, is at
    most ``fraction_of_mean`` of |mean|: how many seeds a claim needs for the rule to decide it (``most`` + 1 when even
    ``most`` would not)."""
    v = np.array(per_seed(values, "values"))
    require(v.size >= 2, "values", "at least two seeds' values (a spread to plan from)", v.size)
    require(bool(np.isfinite(v).all()), "values", "finite (NaN or inf has no spread to plan from)", values)
    require_real(fraction_of_mean, "fraction_of_mean", lo=0, lo_open=True)
    most = require_int(most, "most", lo=2, hi=_MOST_SEEDS)
    largest = float(np.abs(v).max())
    if largest > 2.0**500:  # 1e308 values: mean and sd would overflow; the ratio sd/mean is scale-invariant
        v = v * 2.0 ** -math.frexp(largest)[1]
    mean, sd = abs(float(v.mean())), float(v.std(ddof=1))
    return next((n for n in range(2, most + 1) if stdtrit(n - 1, LEVEL) * sd / math.sqrt(n) <= fraction_of_mean * mean),
                most + 1)


def judge(criterion: Criterion | None, measured: dict[str, Any]) -> str:
    """The verdict of ``criterion`` on ``measured``: where the seeds' interval lies (see the module docstring)."""
    if criterion is None:
        return OBSERVATION
    bounds = _bounds(criterion, measured)
    if bounds is None:
        return ERROR
    _, low, high = bounds
    lo, hi = criterion.lo, criterion.hi
    if criterion.log:  # compare on the log scale itself: exp(log x) need not give back x's last bit
        lo, hi = (math.log(b) if b > 0 else -math.inf for b in (lo, hi))
    if lo <= low and high <= hi:
        return REPRODUCED
    return REFUTED if high < lo or low > hi else INCONCLUSIVE


@dataclass(frozen=True)
class Control:
    """A setting measured in the same run and judged by the claim's own criterion.

    A *positive* control has the claimed property by construction or theory (the exact untied model for
    "converges", a planted power law), so the criterion must hold on it; a *negative* control lacks it (the
    init, an untrained model, a structureless dataset), so the criterion must fail on it. A control on the
    wrong side makes the claim ``uncalibrated``: its criterion does not separate what it claims to.
    """

    quantity: str  # the measured key holding the control's value(s)
    kind: str  # "positive" or "negative"
    what: str  # the setting, in a few words ("the model at step 0")

    def __post_init__(self) -> None:
        require_type(self.quantity, "control quantity", str, "a measured key")
        require(self.quantity != "", "control quantity", "a non-empty measured key", self.quantity)
        require_choice(self.kind, "control kind", ("positive", "negative"))
        require_type(self.what, "control what", str, "a str (the setting, in a few words)")


def Positive(quantity: str, what: str) -> Control:
    return Control(quantity, "positive", what)


def Negative(quantity: str, what: str) -> Control:
    return Control(quantity, "negative", what)


OTHER_FORM = "another functional form"  # how an OtherForm control's setting begins (what the report tests look for)


def OtherForm(quantity: str, what: str) -> Control:
    """The negative control of a claim of a functional form ("decays as a power law"): the same measurement on data
    of another form that a fit could mistake for it (``lab.metrics.other_decays``), which the criterion must fail."""
    require_type(what, "control what", str, "a str (the other form, in a few words)")
    return Control(quantity, "negative", f"{OTHER_FORM}: {what}")


def calibrate(criterion: Criterion, controls: tuple[Control, ...], measured: dict[str, Any]) -> list[dict[str, Any]]:
    """Each control judged by ``criterion``: {quantity, kind, what, verdict, calibrated}.

    A positive control is calibrated when the criterion clearly holds on it (reproduced), a negative one when it
    clearly fails (refuted), by the same rule as the claim's own verdict.
    """
    require_type(criterion, "criterion", Criterion, "a Criterion (an observation has no controls)")
    require_type(controls, "controls", (tuple, list), "a tuple of Positive(...) / Negative(...) controls")
    for k, control in enumerate(controls):
        require_type(control, f"controls[{k}]", Control, "a Positive(...) or Negative(...) control")
    require_type(measured, "measured", dict, "a dict of measured quantities")
    out = []
    for control in controls:
        if control.quantity not in measured:
            raise KeyError(f"control quantity {control.quantity!r} not measured; measured: {sorted(measured)}")
        as_criterion = dataclasses.replace(criterion, quantity=control.quantity)
        verdict = judge(as_criterion, measured)
        wanted = REPRODUCED if control.kind == "positive" else REFUTED
        out.append({"quantity": control.quantity, "kind": control.kind, "what": control.what, "verdict": verdict,
                    "calibrated": verdict == wanted})
    return out


def judge_calibrated(criterion: Criterion | None, controls: tuple[Control, ...],
                     measured: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """The verdict of ``criterion`` on ``measured`` and its controls judged by it (``calibrate``): ``uncalibrated``
    when a control lands on the wrong side of a verdict that is not an ``error``. The one rule for a claim and for
    each of its readings."""
    verdict = judge(criterion, measured)
    checked = calibrate(criterion, controls, measured) if controls else []
    if verdict != ERROR and not all(k["calibrated"] for k in checked):
        verdict = UNCALIBRATED
    return verdict, checked
