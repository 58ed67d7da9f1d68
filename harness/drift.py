"""Drift: whether a claim's measured quantities moved away from its accepted baseline (the committed CLAIMS.json).

The rule, in one sentence: **a value has changed when it moves from its accepted value by more than the largest of
a tenth of its seed standard deviation, ten times the largest move its quantity showed under other CPU kernels,
a millionth of itself, and 1e-15.**

* The seed sd (``SD_FRACTION``) is the spread of the quantity over the seeds in the baseline (the first axis of a
  per-seed list): a change far below it cannot move a verdict, and the same code on another CPU moves a value with
  seed spread by far less than that, except at rounding level (``benchmarks/bench_kernel_noise.py`` prints the
  committed report's noise in seed sd).
* The kernel noise (``NOISE_FACTOR``) is measured, not guessed: when a row is accepted, the claim is measured again
  under other kernel sets (``harness.kernels.KERNEL_SETS``: torch's CPU capability, MKL's and oneDNN's instruction
  sets, numpy's SIMD dispatch, OpenBLAS's core type) and the largest absolute move of each quantity is stored on the
  row (``kernel_noise``). It is absolute, so a quantity at rounding level (a gap of 1e-14) is compared with its own
  floor, never relatively.
* ``REL_FLOOR`` is the resolution below which no measurement here means anything (float32 state, six digits), and
  ``ABS_FLOOR`` the rounding of float64 arithmetic on values of order one (nats, ratios: a few ulps of 1). Both
  matter only where a quantity has no seed spread and its kernels agreed: a kernel set emulates CPUs below the one
  it runs on, never above (numpy's AVX-512 loops move float64-floor gaps in ways no AVX2 machine can show).

The same rule holds on every machine: there is no "same platform" case. A quantity that appears or disappears, or
changes shape, is a drift; a non-finite value matches any non-finite value (CLAIMS.json stores them all as null,
so an inf read back is a null). A claim whose
definition changed (version), that has no baseline row, or whose baseline row was measured at another seed offset
is compared with nothing, and says so. Pure: no pytest.
"""

from __future__ import annotations

import math
import warnings
from numbers import Real
from typing import Any

import numpy as np

from toy_claims.models.validation import require, require_real, require_type

__all__ = ["SD_FRACTION", "NOISE_FACTOR", "REL_FLOOR", "ABS_FLOOR", "RULE", "compare", "describe", "flatten", "kernel_noise",
           "seed_sd", "tolerance"]

SD_FRACTION = 0.1
NOISE_FACTOR = 10.0
REL_FLOOR = 1e-6
ABS_FLOOR = 1e-15
RULE = (f"moves by more than max({SD_FRACTION:g} seed sd, {NOISE_FACTOR:g} × kernel noise, "
        f"{REL_FLOOR:g} × |value|, {ABS_FLOOR:g})")


def flatten(value: Any) -> tuple[Any, np.ndarray]:
    """The nesting structure of a measured value and its numbers as a flat float array (None, ±inf kept as nan/inf).

    Two values are comparable when their structures are equal; ragged nested lists are fine.
    """
    numbers: list[float] = []

    def walk(v: Any) -> Any:
        if isinstance(v, list):
            return [walk(x) for x in v]
        if v is not None and not isinstance(v, Real):
            raise TypeError(f"value must be a number, None or a (nested) list of them, got {type(v).__name__} {v!r:.60}")
        numbers.append(math.nan if v is None else float(v))
        return None

    structure = walk(value)
    return structure, np.array(numbers, dtype=float)


def seed_sd(value: Any) -> np.ndarray:
    """The seed sd of every element of a per-seed value (sd over the first axis), 0 where there is no spread."""
    size = flatten(value)[1].size
    if not isinstance(value, list) or len(value) < 2:
        return np.zeros(size)
    try:
        arr = np.array(value, dtype=float)  # None is NaN
    except ValueError:  # ragged: no per-seed axis
        return np.zeros(size)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN column has no spread
        sd = np.nanstd(np.where(np.isfinite(arr), arr, np.nan), axis=0, ddof=1)
    return np.broadcast_to(np.nan_to_num(sd, nan=0.0), arr.shape).ravel()


def tolerance(old: Any, noise: float | None) -> np.ndarray:
    """How far each element of an accepted value may move before it counts as changed (the rule above).

    ``noise`` is None (not measured) or a finite number >= 0: a NaN noise would make every tolerance NaN, and
    nothing would ever count as changed.
    """
    if noise is not None:
        require_real(noise, "noise", lo=0)
    _, a = flatten(old)
    finite = np.where(np.isfinite(a), np.abs(a), 0.0)
    return np.maximum.reduce([SD_FRACTION * seed_sd(old), np.full(a.shape, NOISE_FACTOR * (noise or 0.0)),
                              REL_FLOOR * finite, np.full(a.shape, ABS_FLOOR)])


def _moved(name: str, old: Any, new: Any, noise: float | None) -> dict | None:
    """The move of one quantity (its worst element, in tolerance units) when it drifts, else None."""
    (sa, a), (sb, b) = flatten(old), flatten(new)
    if sa != sb:
        return {"quantity": name, "from": old, "to": new, "tolerance": None, "excess": math.inf, "why": "shape changed"}
    same_kind = np.isfinite(a) == np.isfinite(b)  # the report stores every non-finite number as null
    if not same_kind.all():
        i = int(np.argmin(same_kind))
        return {"quantity": name, "from": _plain(a[i]), "to": _plain(b[i]), "tolerance": None, "excess": math.inf,
                "why": "became non-finite or stopped being so"}
    finite = np.isfinite(a)
    with np.errstate(invalid="ignore"):
        diff = np.where(finite, np.abs(b - a), 0.0)
    tol = tolerance(old, noise)
    over = diff > tol
    if not over.any():
        return None
    excess = np.where(over, diff / tol, 0.0)  # tol >= ABS_FLOOR > 0
    i = int(np.argmax(excess))
    return {"quantity": name, "from": float(a[i]), "to": float(b[i]), "tolerance": float(tol[i]),
            "excess": float(excess[i]), "why": RULE}


def _plain(x: float) -> float | None:
    return None if math.isnan(x) else float(x)


def compare(record: dict[str, Any], baseline: dict[str, Any] | None) -> dict[str, Any]:
    """The drift of a freshly measured ``record`` against its ``baseline`` row (None: no baseline).

    Returns {"status": "unchanged" | "drifted" | "new" | "redefined" | "not compared" | "not measured",
    "rule": ..., "moved": [...]} with ``moved`` sorted by how far each quantity broke its tolerance, biggest first.
    """
    require_type(record, "record", dict, "a claim's record (a dict)")
    missing = sorted({"verdict", "version", "seed_offset", "measured"} - set(record))
    require(not missing, "record", "a claim's record with verdict, version, seed_offset and measured", f"no {missing}")
    require_type(record["measured"], "record['measured']", dict, "a dict of measured quantities")
    require_type(baseline, "baseline", (dict, type(None)), "None or a report row (a dict)")
    if record["verdict"] in ("error", "skipped"):
        return {"status": "not measured", "rule": "", "moved": []}
    if baseline is None:
        return {"status": "new", "rule": "no baseline row: compared with nothing", "moved": []}
    if baseline.get("version") != record["version"]:
        return {"status": "redefined", "rule": f"definition changed (version {baseline.get('version')} → "
                                               f"{record['version']}): compared with nothing", "moved": []}
    accepted = baseline.get("baseline", baseline)  # a row with pending drift keeps the accepted numbers
    if accepted.get("seed_offset", record["seed_offset"]) != record["seed_offset"]:
        return {"status": "not compared", "rule": f"the baseline row is of seed offset {accepted.get('seed_offset')}, "
                                                  f"this run of {record['seed_offset']}", "moved": []}
    old = accepted.get("measured") or {}
    if not old and baseline.get("verdict") in ("error", "skipped"):
        return {"status": "new", "rule": "the baseline row measured nothing: compared with nothing", "moved": []}
    noise = accepted.get("kernel_noise") or {}
    require_type(noise, "baseline kernel_noise", dict, "a dict quantity -> noise")
    for name, value in noise.items():
        if value is not None:
            require_real(value, f"baseline kernel_noise[{name!r}]", lo=0)
    new = record["measured"]
    moved = [m for name in sorted(set(old) | set(new))
             if (m := _moved(name, old[name], new[name], noise.get(name)) if name in old and name in new else
                 {"quantity": name, "from": old.get(name), "to": new.get(name), "tolerance": None, "excess": math.inf,
                  "why": "quantity added" if name in new else "quantity removed"})]
    moved.sort(key=lambda m: -m["excess"])
    for m in moved:
        m["excess"] = None if math.isinf(m["excess"]) else m["excess"]
    rule = RULE + ("" if noise else " (no kernel noise measured for this row: accept it with --claims-update)")
    return {"status": "drifted" if moved else "unchanged", "rule": rule, "moved": moved}


def kernel_noise(native: dict[str, Any], others: list[dict[str, Any]]) -> dict[str, float]:
    """Per quantity, the largest absolute move of any element between the ``native`` measurement and the same claim
    measured under other kernel sets (``others``); NaN and inf elements and quantities of another shape are skipped."""
    require_type(native, "native", dict, "a dict of measured quantities")
    require_type(others, "others", (list, tuple), "a list of dicts of measured quantities")
    for k, other in enumerate(others):
        require_type(other, f"others[{k}]", dict, "a dict of measured quantities")
    noise: dict[str, float] = {}
    for name, value in native.items():
        structure, a = flatten(value)
        largest = 0.0
        for other in others:
            if name not in other:
                continue
            s, b = flatten(other[name])
            if s != structure:
                continue
            both = np.isfinite(a) & np.isfinite(b)
            if both.any():
                largest = max(largest, float(np.max(np.abs(a[both] - b[both]))))
        noise[name] = float(f"{largest:.2g}")
    return noise


def _digits(a: float, b: float) -> tuple[str, str]:
    """``a`` and ``b`` printed with just enough significant digits to tell them apart (at least 3, at most 17)."""
    for d in range(3, 18):
        sa, sb = f"{a:.{d}g}", f"{b:.{d}g}"
        if sa != sb:
            return sa, sb
    return f"{a:.17g}", f"{b:.17g}"


def describe(drift: dict[str, Any]) -> str:
    """One clause per moved quantity, biggest move first: what moved, from what, to what, and the tolerance it broke."""
    require_type(drift, "drift", dict, "the result of compare (a dict with 'moved')")
    require(isinstance(drift.get("moved"), list), "drift", "the result of compare (a dict with a 'moved' list)",
            sorted(drift))

    def fmt(v: Any) -> str:
        if v is None:
            return "nan"
        if isinstance(v, float):
            return str(v) if math.isinf(v) else f"{v:.6g}"
        if isinstance(v, list):
            return f"[{len(flatten(v)[1])} values]"
        return str(v)

    parts = []
    for m in drift["moved"]:
        if m.get("tolerance") is not None and isinstance(m["from"], float) and isinstance(m["to"], float):
            a, b = _digits(m["from"], m["to"])
            parts.append(f"{m['quantity']}: {a} → {b} (moved {abs(m['to'] - m['from']):.2g}, tolerance "
                         f"{m['tolerance']:.2g}: {m['excess']:.3g}× over)")
        else:
            before = "—" if m["why"] == "quantity added" else fmt(m["from"])
            after = "—" if m["why"] == "quantity removed" else fmt(m["to"])
            parts.append(f"{m['quantity']}: {before} → {after} [{m['why']}]")
    return "; ".join(parts)
