"""Readings: the other defensible ways to read a claim's sentence, or a setup choice its source leaves open.

A claim's criterion is its primary reading. A ``Reading`` declares an alternative -- another threshold for a word
like "converges", another fit window, another grid or rule over a sweep -- with one line of why a researcher could
read the source that way, and pins its verdict like the claim's. Every reading is judged in the same run, on the
claim's own measurement, by the one interval rule (``verdicts.judge``) and calibrated by controls: by default the
claim's own, judged by the reading's region (right when the reading moves a threshold); a reading of another
quantity names its own. A reading of a setup choice that needs another run (another budget, corpus, language)
sets the experiment's ``config``: the claim is measured again on that run, and its quantities join the record as
``"<quantity> [<reading name>]"``.

Readings that disagree make the claim **reading-dependent**: its verdict hinges on a choice the source leaves open.
``agreement`` is that rule, for the readings of one claim and for the rows that quote one sentence alike.
``margin`` places a reading's interval against its region, in units of the interval's half-width, so that readings
of different quantities share one axis (the specification curve). Pure: no pytest, no plotting.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

from toy_claims.harness.verdicts import (
    ERROR, INCONCLUSIVE, PINNABLE, REFUTED, REPRODUCED, UNCALIBRATED, Control, Criterion, interval, judge_calibrated,
    per_seed,
)
from toy_claims.models.validation import require, require_choice, require_type

__all__ = ["READING_DEPENDENT", "PRIMARY", "Reading", "judge_readings", "agreement", "margin"]

READING_DEPENDENT = "reading-dependent"  # defensible readings of one sentence give different verdicts
PRIMARY = "primary"  # the name of a claim's own criterion among its readings
_JUDGED = (REPRODUCED, REFUTED, INCONCLUSIVE)


@dataclass(frozen=True)
class Reading:
    """An alternative defensible reading of a claim: its criterion, why it is defensible, and its pinned verdict."""

    name: str  # a few words that tell the readings apart ("fit window 100-1000")
    why: str  # one line: why a researcher could read the source this way
    criterion: Criterion  # on a quantity the claim measures (its own or another: another window, threshold, grid)
    expected: str  # the pinned verdict of this reading (reproduced, refuted or inconclusive)
    controls: tuple[Control, ...] | None = None  # None: the claim's controls, judged by this reading's region
    # None: judged on the claim's own measurement. Else the experiment's config as this reading sets it (another
    # budget, corpus, language drawn): the claim is measured again on that run (an extra run of its experiment)
    config: Callable[[Any], Any] | None = None

    def __post_init__(self) -> None:
        require_type(self.name, "reading name", str, "a str")
        require(self.name.strip() != "" and self.name != PRIMARY, "reading name",
                f"a non-empty str other than {PRIMARY!r} (the claim's own criterion)", self.name)
        require_type(self.why, "reading why", str, "a str")
        require(self.why.strip() != "", "reading why", "one line of why the reading is defensible", self.why)
        require_type(self.criterion, "reading criterion", Criterion, "a Criterion (Approx, AtMost, AtLeast, Between)")
        require_choice(self.expected, "reading expected", tuple(p for p in PINNABLE if p in (*_JUDGED, UNCALIBRATED)))
        if self.controls is not None:
            require_type(self.controls, "reading controls", (tuple, list), "None or a tuple of Positive / Negative")
            require(all(isinstance(k, Control) for k in self.controls), "reading controls",
                    "None or a tuple of Positive(...) / Negative(...) controls", self.controls)
            object.__setattr__(self, "controls", tuple(self.controls))
        require(self.config is None or callable(self.config), "reading config",
                "None or a function of the experiment's config returning the config this reading runs", self.config)


def _judged(name: str, why: str, criterion: Criterion, expected: str, controls: tuple[Control, ...],
            measured: dict[str, Any]) -> dict[str, Any]:
    verdict, checked = judge_calibrated(criterion, controls, measured)
    found = interval(criterion, measured) if verdict != ERROR else None
    estimate = None if found is None else {
        "mean": found[0], "low": found[1], "high": found[2], "log": criterion.log,
        "n": len(per_seed(measured[criterion.quantity])), "margin": margin(criterion, found)}
    return {"name": name, "why": why, "quantity": criterion.quantity, "criterion": criterion.describe(),
            "claimed": criterion.claimed, "expected": expected, "verdict": verdict, "estimate": estimate,
            "controls": checked}


def judge_readings(criterion: Criterion, expected: str, controls: tuple[Control, ...], readings: tuple[Reading, ...],
                   measured: dict[str, Any]) -> list[dict[str, Any]]:
    """Every reading of a claim judged on ``measured``: the claim's own criterion first (``PRIMARY``), then each
    ``Reading``, as builtins {name, why, quantity, criterion, claimed, expected, verdict, estimate, controls}.
    A reading of an unmeasured quantity is a KeyError naming it, like the claim's own criterion."""
    require_type(criterion, "criterion", Criterion, "the claim's Criterion")
    out = [_judged(PRIMARY, "the claim's own criterion", criterion, expected, tuple(controls), measured)]
    for r in readings:
        require_type(r, "readings", Reading, "Reading(...) declarations")
        if r.criterion.quantity not in measured:
            raise KeyError(f"reading {r.name!r}: quantity {r.criterion.quantity!r} not measured; measured: "
                           f"{sorted(measured)}")
        own = tuple(controls) if r.controls is None else r.controls
        out.append(_judged(r.name, r.why, r.criterion, r.expected, own, measured))
    return out


def agreement(verdicts: list[str]) -> str:
    """One verdict for several readings: theirs when every judged one agrees, ``reading-dependent`` when they differ
    (one reproduced and one not), ``error`` when any is. An ``uncalibrated`` reading abstains (its criterion cannot
    judge: a control is on its wrong side), unless every reading is; observations and skips do not vote."""
    if ERROR in verdicts:
        return ERROR
    judged = {v for v in verdicts if v in _JUDGED}
    if not judged and UNCALIBRATED in verdicts:
        return UNCALIBRATED
    require(bool(judged), "verdicts", "at least one judged verdict (reproduced, refuted, inconclusive)", verdicts)
    return judged.pop() if len(judged) == 1 else READING_DEPENDENT


def margin(criterion: Criterion, found: tuple[float, float, float]) -> float:
    """How far the estimate lies inside the criterion's region, in units of its interval's reach toward each bound
    (on the judged scale: log values for a ``log`` criterion; the interval's side toward the bound when it is
    asymmetric, as a proportion's is): >= 1 is reproduced, < -1 refuted, between inconclusive -- the verdict rule on
    one axis for readings of different quantities. ±inf where that reach is zero."""
    require_type(criterion, "criterion", Criterion, "a Criterion")
    scale = (lambda x: math.log(x) if x > 0 else -math.inf) if criterion.log else (lambda x: x)
    mean, low, high = (scale(v) for v in found)
    # (distance inside the region past a bound, the interval's reach toward that bound from inside, from outside)
    sides = [(mean - scale(criterion.lo), mean - low, high - mean)] if criterion.lo != -math.inf else []
    sides += [(scale(criterion.hi) - mean, high - mean, mean - low)] if criterion.hi != math.inf else []
    ratios = []
    for inside, reach_in, reach_out in sides:
        reach = reach_in if inside >= 0 else reach_out
        ratios.append(inside / reach if reach > 0 else (math.inf if inside >= 0 else -math.inf))
    return min(ratios)
