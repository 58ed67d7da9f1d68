"""Drift: whether a claim's measured quantities moved away from its accepted baseline (the committed CLAIMS.json).

The rule, stated once:

* **Same platform** (the baseline row was measured with the same environment -- Python, torch, numpy, scipy,
  platform, thread count -- and on the same device): the suite is deterministic, so every value must match
  to rounding, |new − old| ≤ 1e-9 · max(|new|, |old|).
* **Another platform** (another BLAS, cuda vs cpu): a value drifts when it moves by more than
  ``SPREAD_UNITS`` seed standard deviations of its quantity in the baseline, the sd taken over the seeds
  (the first axis of a per-seed list). A quantity without a seed spread (one value, or all seeds equal) may
  move by ``SCALAR_RTOL`` relative (float32 accumulation differs between BLAS builds at that level).

A quantity that appears or disappears is a drift too. A claim whose definition changed (version) or that has no
baseline row is compared with nothing, and says so. Pure: no pytest.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["SAME_PLATFORM_RTOL", "SPREAD_UNITS", "SCALAR_RTOL", "compare", "describe"]

SAME_PLATFORM_RTOL = 1e-9
SPREAD_UNITS = 3.0
SCALAR_RTOL = 1e-6


def _array(value: Any) -> np.ndarray | None:
    """A rectangular float array of a measured value (None = NaN), or None when it is ragged."""
    try:
        return np.array(value if isinstance(value, list) else [value], dtype=float)
    except (TypeError, ValueError):
        return None


def _moved(name: str, old: Any, new: Any, same_platform: bool) -> dict | None:
    """The move of one quantity as {quantity, from, to, sd_units} when it drifts, else None."""
    a, b = _array(old), _array(new)
    if a is None or b is None or a.shape != b.shape:
        return {"quantity": name, "from": old, "to": new, "sd_units": None, "why": "shape changed"}
    nan_a, nan_b = np.isnan(a), np.isnan(b)
    if (nan_a != nan_b).any():
        return {"quantity": name, "from": old, "to": new, "sd_units": None, "why": "became NaN or stopped being NaN"}
    a, b = np.where(nan_a, 0.0, a), np.where(nan_b, 0.0, b)
    sd = a.std(axis=0, ddof=1) if a.ndim >= 1 and a.shape[0] >= 2 else np.zeros(a.shape[1:])
    sd = np.broadcast_to(sd, a.shape)
    diff = np.abs(b - a)
    scale = np.maximum(np.abs(a), np.abs(b))
    if same_platform:
        tol = SAME_PLATFORM_RTOL * scale
    else:
        tol = np.where(sd > 0, SPREAD_UNITS * sd, SCALAR_RTOL * scale)
    if (diff <= tol).all():
        return None
    worst = np.unravel_index(np.argmax(diff - tol), diff.shape)
    units = float(diff[worst] / sd[worst]) if sd[worst] > 0 else None
    return {"quantity": name, "from": _scalar(a, worst, old), "to": _scalar(b, worst, new), "sd_units": units,
            "why": "same platform: must match to rounding" if same_platform else
                   (f"moved more than {SPREAD_UNITS:g} seed sd" if sd[worst] > 0 else f"moved more than {SCALAR_RTOL:g} relative")}


def _scalar(arr: np.ndarray, index: tuple, original: Any) -> Any:
    return float(arr[index]) if isinstance(original, list) else original


def compare(record: dict[str, Any], baseline: dict[str, Any] | None, environment: dict[str, Any]) -> dict[str, Any]:
    """The drift of a freshly measured ``record`` against its ``baseline`` row (None: no baseline).

    ``environment`` is this run's. Returns {"status": "unchanged" | "drifted" | "new" | "redefined" | "not measured",
    "rule": ..., "moved": [...]}.
    """
    if record["verdict"] in ("error", "skipped"):
        return {"status": "not measured", "rule": "", "moved": []}
    if baseline is None:
        return {"status": "new", "rule": "no baseline row: compared with nothing", "moved": []}
    if baseline.get("version") != record["version"]:
        return {"status": "redefined", "rule": f"definition changed (version {baseline.get('version')} → "
                                               f"{record['version']}): compared with nothing", "moved": []}
    accepted = baseline.get("baseline", baseline)  # a row with pending drift keeps the accepted numbers
    old = accepted.get("measured") or {}
    if not old and baseline.get("verdict") in ("error", "skipped"):
        return {"status": "new", "rule": "the baseline row measured nothing: compared with nothing", "moved": []}
    same = accepted.get("environment") == environment and accepted.get("device") == record["device"]
    rule = (f"same platform: match to rounding (rtol {SAME_PLATFORM_RTOL:g})" if same else
            f"other platform: within {SPREAD_UNITS:g} seed sd (rtol {SCALAR_RTOL:g} without spread)")
    new = record["measured"]
    moved = [m for name in sorted(set(old) | set(new))
             if (m := _moved(name, old.get(name), new.get(name), same) if name in old and name in new else
                 {"quantity": name, "from": old.get(name), "to": new.get(name), "sd_units": None,
                  "why": "quantity added" if name in new else "quantity removed"})]
    return {"status": "drifted" if moved else "unchanged", "rule": rule, "moved": moved}


def describe(drift: dict[str, Any]) -> str:
    """One line per moved quantity: what moved, from what, to what, in seed sd."""
    def fmt(v: Any) -> str:
        if isinstance(v, float):
            return "nan" if math.isnan(v) else f"{v:.6g}"
        if isinstance(v, list):
            return f"[{len(v)} values]"
        return str(v)

    return "; ".join(f"{m['quantity']}: {fmt(m['from'])} → {fmt(m['to'])}"
                     + (f" ({m['sd_units']:.1f} sd)" if m.get("sd_units") is not None else "")
                     + f" [{m['why']}]" for m in drift["moved"])
