"""Verdicts: a per-seed criterion on one measured quantity, and the rule that turns it into a verdict.

The criterion is applied to the judged quantity of every seed:

* ``reproduced``   -- it holds for every seed;
* ``refuted``      -- it fails for every seed;
* ``inconclusive`` -- the seeds disagree (the spread straddles the criterion);
* ``error``        -- the measurement raised or produced NaN/inf;
* ``observation``  -- a measurement the source makes no claim about (no criterion);
* ``skipped``      -- an optional dependency is missing.

Pure: no pytest, no plotting.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from models.validation import require

__all__ = [
    "REPRODUCED", "REFUTED", "INCONCLUSIVE", "ERROR", "OBSERVATION", "SKIPPED", "PINNABLE",
    "Criterion", "Approx", "AtMost", "AtLeast", "Between", "judge", "per_seed",
]

REPRODUCED, REFUTED, INCONCLUSIVE = "reproduced", "refuted", "inconclusive"
ERROR, OBSERVATION, SKIPPED = "error", "observation", "skipped"
PINNABLE = (REPRODUCED, REFUTED, INCONCLUSIVE, OBSERVATION)


@dataclass(frozen=True)
class Criterion:
    """A per-seed test of one measured quantity, with what the source claims and why these numbers.

    Build it with ``Approx``, ``AtMost``, ``AtLeast`` or ``Between``.
    """

    quantity: str  # key of the measured dict that is judged
    kind: str  # "approx", "at_most", "at_least", "between"
    lo: float  # the criterion holds for lo <= x <= hi
    hi: float
    claimed: str  # what the source claims, for the summary table ("7.57", "< L0 + floor")
    why: str  # one line: where the numbers come from (source's words, measured floor, seed spread)

    def holds(self, x: float) -> bool:
        return self.lo <= x <= self.hi

    def describe(self) -> str:
        q = f"`{self.quantity}`"
        if self.kind == "at_most":
            return f"{q} ≤ {self.hi:.6g} for every seed"
        if self.kind == "at_least":
            return f"{q} ≥ {self.lo:.6g} for every seed"
        if self.kind == "approx":
            mid, tol = (self.lo + self.hi) / 2, (self.hi - self.lo) / 2
            return f"|{q} − {mid:.6g}| ≤ {tol:.3g} for every seed"
        return f"{self.lo:.6g} ≤ {q} ≤ {self.hi:.6g} for every seed"


def Approx(quantity: str, target: float, tol: float, *, why: str, claimed: str | None = None) -> Criterion:
    require(math.isfinite(tol) and tol >= 0, "tol", "a finite number >= 0", tol)
    return Criterion(quantity, "approx", target - tol, target + tol, claimed or f"≈ {target:g}", why)


def AtMost(quantity: str, bound: float, *, why: str, claimed: str) -> Criterion:
    return Criterion(quantity, "at_most", -math.inf, bound, claimed, why)


def AtLeast(quantity: str, bound: float, *, why: str, claimed: str) -> Criterion:
    return Criterion(quantity, "at_least", bound, math.inf, claimed, why)


def Between(quantity: str, lo: float, hi: float, *, why: str, claimed: str) -> Criterion:
    require(lo <= hi, "lo, hi", "lo <= hi", (lo, hi))
    return Criterion(quantity, "between", lo, hi, claimed, why)


def per_seed(value: Any) -> list[float]:
    """A measured value (one number or one per seed) as a list of floats."""
    return [float(v) for v in (value if isinstance(value, (list, tuple)) else [value])]


def judge(criterion: Criterion | None, measured: dict[str, Any]) -> str:
    """The verdict of ``criterion`` on ``measured`` (see the module docstring)."""
    if criterion is None:
        return OBSERVATION
    if criterion.quantity not in measured:
        raise KeyError(f"criterion quantity {criterion.quantity!r} not measured; measured: {sorted(measured)}")
    values = per_seed(measured[criterion.quantity])
    if not values or not all(math.isfinite(v) for v in values):
        return ERROR
    held = [criterion.holds(v) for v in values]
    return REPRODUCED if all(held) else REFUTED if not any(held) else INCONCLUSIVE
