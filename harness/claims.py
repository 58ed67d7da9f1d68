"""Claim definitions, criteria, verdicts and the registry.

A claim is defined in one place, with ``@claim(...)`` on the function that
measures it. The decorator registers the claim's meaning (stable id, version,
source quote, setup, criterion with its justification, expected verdict) and
turns the function into a pytest test that passes exactly when the measured
verdict equals the expected one. A claim that flips turns CI red until a person
re-pins it (and bumps ``version``).

Verdicts. The criterion is applied to the judged quantity of every seed:

* ``reproduced``   -- it holds for every seed;
* ``refuted``      -- it fails for every seed;
* ``inconclusive`` -- the seeds disagree (the spread straddles the criterion);
* ``error``        -- the measurement raised or produced NaN/inf;
* ``observation``  -- a measurement the source makes no claim about (no criterion);
* ``skipped``      -- an optional dependency is missing.
"""

from __future__ import annotations

import base64
import difflib
import io
import math
import time
import traceback
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

import numpy as np
import pytest

from models.validation import require, require_choice

__all__ = [
    "REPRODUCED", "REFUTED", "INCONCLUSIVE", "ERROR", "OBSERVATION", "SKIPPED",
    "Source", "Criterion", "Approx", "AtMost", "AtLeast", "Between",
    "Claim", "ClaimContext", "claim", "claim_head", "get_claim", "all_claims", "judge", "run_claim", "to_builtin",
]

REPRODUCED, REFUTED, INCONCLUSIVE = "reproduced", "refuted", "inconclusive"
ERROR, OBSERVATION, SKIPPED = "error", "observation", "skipped"
_PINNABLE = (REPRODUCED, REFUTED, INCONCLUSIVE, OBSERVATION)
DEVICES = ("cpu", "cuda")
GROUP_SEPARATOR = "@"  # test ids of grouped claims are [CLAIM_ID@GROUP]


@dataclass(frozen=True)
class Source:
    """Where a claim comes from: a file in shared/seeds, its section, and the verbatim sentence."""

    file: str
    section: str
    quote: str


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


def _per_seed(value: Any) -> list[float]:
    return [float(v) for v in (value if isinstance(value, (list, tuple)) else [value])]


def judge(criterion: Criterion | None, measured: dict[str, Any]) -> str:
    """The verdict of ``criterion`` on ``measured`` (see the module docstring)."""
    if criterion is None:
        return OBSERVATION
    if criterion.quantity not in measured:
        raise KeyError(f"criterion quantity {criterion.quantity!r} not measured; measured: {sorted(measured)}")
    values = _per_seed(measured[criterion.quantity])
    if not values or not all(math.isfinite(v) for v in values):
        return ERROR
    held = [criterion.holds(v) for v in values]
    return REPRODUCED if all(held) else REFUTED if not any(held) else INCONCLUSIVE


@dataclass(frozen=True)
class Claim:
    """One atomic claim: its meaning, its criterion, its pinned verdict, and how to measure it."""

    id: str
    version: int
    source: Source
    statement: str
    setup: dict[str, Any]
    criterion: Criterion | None
    expected: str
    reason: str  # why the expected verdict is what it is when it is not "reproduced"
    measure: Callable[["ClaimContext"], dict[str, Any]] = field(compare=False, repr=False)
    expected_on: dict[str, str] = field(default_factory=dict)  # device -> pin, where that device runs another setup

    def pinned(self, device: str) -> str:
        """The expected verdict of a run on ``device``."""
        return self.expected_on.get(device, self.expected)


class ClaimContext:
    """What a measurement may use: seeds (shifted by ``--claims-seed``), the device, notes and figures."""

    def __init__(self, seed_offset: int = 0, device: str = "cpu") -> None:
        self.seed_offset, self.device = seed_offset, device
        self.notes: list[str] = []
        self.figures: list[dict[str, str]] = []

    def seeds(self, n: int, base: int = 0) -> list[int]:
        """n distinct seeds, base + offset + i: every random choice of a claim draws from these."""
        return [base + self.seed_offset + i for i in range(n)]

    def note(self, markdown: str) -> None:
        """A paragraph or table for the claim's section of the report."""
        self.notes.append(markdown)

    def figure(self, fig, name: str, caption: str) -> None:
        """Attach a matplotlib figure; it travels as PNG bytes and the controller writes it."""
        import matplotlib.pyplot as plt

        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
        plt.close(fig)
        self.figures.append({"name": name, "caption": caption, "png_base64": base64.b64encode(buf.getvalue()).decode()})


_REGISTRY: dict[str, Claim] = {}


def get_claim(claim_id: str) -> Claim:
    """The registered claim ``claim_id``; a KeyError that suggests the closest id on a typo."""
    try:
        return _REGISTRY[claim_id]
    except KeyError:
        close = difflib.get_close_matches(claim_id, list(_REGISTRY), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise KeyError(f"Unknown claim {claim_id!r}.{hint}") from None


def all_claims() -> list[Claim]:
    return [_REGISTRY[k] for k in sorted(_REGISTRY)]


def _register(c: Claim) -> None:
    old = _REGISTRY.get(c.id)
    same_origin = old is not None and (old.measure.__module__, old.measure.__qualname__) == (
        c.measure.__module__, c.measure.__qualname__)
    if old is not None and not same_origin:
        raise ValueError(f"claim id {c.id!r} is already registered by {old.measure.__module__}.{old.measure.__qualname__}")
    _REGISTRY[c.id] = c


def claim(
    *,
    id: str,
    source: Source,
    statement: str,
    setup: dict[str, Any],
    criterion: Criterion | None,
    expected: str,
    reason: str = "",
    version: int = 1,
    group: str | None = None,
    expected_on: dict[str, str] | None = None,
):
    """Register a claim and turn its measuring function into its pytest check.

    The decorated function takes a ``ClaimContext`` and returns ``{name: number
    or per-seed list}``. ``group`` names an experiment shared by several claims:
    they run on the same xdist worker (``--dist loadgroup``, the project default)
    so that a ``functools.cache``d experiment runs once. ``expected_on`` pins a
    different verdict for a device whose run uses another setup (larger sizes on
    ``cuda``); the reason must say what was measured there.
    """
    expected_on = dict(expected_on or {})
    for device, pin in expected_on.items():
        require_choice(device, "expected_on device", DEVICES)
        require_choice(pin, f"expected_on[{device!r}]", _PINNABLE)
    require_choice(expected, "expected", _PINNABLE)
    require(all(e in (REPRODUCED, OBSERVATION) for e in (expected, *expected_on.values())) or bool(reason), "reason",
            "a measured reason when a pin is 'refuted' or 'inconclusive'", reason)
    require((criterion is None) == (expected == OBSERVATION), "criterion", "None exactly for observations", criterion)

    def decorate(measure: Callable[[ClaimContext], dict[str, Any]]):
        c = Claim(id, version, source, statement, to_builtin(setup), criterion, expected, reason, measure, expected_on)
        _register(c)

        def test(claims_context: ClaimContext, record_property, claim_group: str | None) -> None:
            record = run_claim(c, claims_context)
            record_property("claim", record)
            if record["verdict"] == SKIPPED:
                pytest.skip(record["error"])
            if record["verdict"] == ERROR:
                pytest.fail(f"claim {c.id} errored:\n{record['error']}", pytrace=False)
            assert record["verdict"] == record["expected"], (
                f"claim {c.id} measured {record['verdict']!r}, pinned {record['expected']!r}: {record['headline']}"
            )

        test.__doc__ = statement
        test = pytest.mark.claim(id)(test)
        # The test id names the claim, and its group after "@" (xdist's convention): the
        # xdist controller sees only node ids, and harness.plugin schedules a group on one worker.
        return pytest.mark.parametrize("claim_group", [group], ids=[f"{id}{GROUP_SEPARATOR}{group}" if group else id])(test)

    return decorate


def _headline(c: Claim, measured: dict[str, Any]) -> str:
    key = c.criterion.quantity if c.criterion else next(iter(measured), None)
    if key is None:
        return ""
    values = _per_seed(measured[key])
    if len(values) == 1:
        text = f"{key} = {values[0]:.4g}"
    else:
        text = f"{key} = {np.mean(values):.4g} ± {np.std(values, ddof=1):.2g} (n={len(values)})"
    return text + (f" vs {c.criterion.claimed}" if c.criterion else "")


def claim_head(c: Claim) -> dict[str, Any]:
    """The claim's definition as builtins: what every record of it starts with."""
    return {k: v for k, v in asdict(c).items() if k != "measure"}


def run_claim(c: Claim, ctx: ClaimContext) -> dict[str, Any]:
    """Measure and judge ``c``; a builtin-only record (it crosses xdist on the test report)."""
    start = time.perf_counter()
    measured: dict[str, Any] = {}
    error = None
    try:
        measured = to_builtin(c.measure(ctx))
        verdict = judge(c.criterion, measured)
        if verdict == ERROR:
            error = f"non-finite value of {c.criterion.quantity!r}: {measured[c.criterion.quantity]!r}"
    except pytest.skip.Exception as exc:
        verdict, error = SKIPPED, str(exc)
    except Exception:  # noqa: BLE001 -- any failure of a measurement is the claim's 'error' verdict
        verdict, error = ERROR, traceback.format_exc(limit=8)
    return {
        **claim_head(c),
        "expected": c.pinned(ctx.device),
        "verdict": verdict,
        "measured": measured,
        "headline": error.strip().splitlines()[-1] if error else _headline(c, measured),
        "notes": ctx.notes,
        "figures": ctx.figures,
        "seconds": round(time.perf_counter() - start, 3),
        "error": error,
        "seed_offset": ctx.seed_offset,
        "device": ctx.device,
    }


def to_builtin(obj: Any) -> Any:
    """Numbers, arrays and tensors as Python floats/ints/lists (only builtins cross xdist)."""
    if hasattr(obj, "detach"):
        obj = obj.detach().cpu().numpy()
    if isinstance(obj, np.ndarray):
        return to_builtin(obj.tolist())
    if isinstance(obj, dict):
        return {str(k): to_builtin(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_builtin(v) for v in obj]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return float(obj)
    if obj is None or isinstance(obj, str):
        return obj
    raise TypeError(f"cannot record a value of type {type(obj).__name__}: {obj!r}")
