"""One way to reject bad input: an error naming the parameter, the allowed range and the value.

A value outside its range -- or a number of the wrong kind (a float or a string
where an integer belongs, a bool, NaN or inf where a finite number belongs) -- is
a ``ValueError``; an object of the wrong kind (a string where an ``LRSchedule``
belongs, an int where a ``Member`` belongs) is a ``TypeError``. Both read
``"<name> must be <allowed>, got <value>"``.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["SEED_MAX", "require", "require_bool", "require_choice", "require_int", "require_real", "require_seed", "require_type"]

SEED_MAX = 2**64 - 1  # torch.Generator.manual_seed takes [-2**63, 2**64 - 1], numpy's default_rng any int >= 0


def require(ok: bool, name: str, allowed: str, got: object) -> None:
    """Raise ``ValueError("<name> must be <allowed>, got <got>")`` unless ``ok``."""
    if not ok:
        raise ValueError(f"{name} must be {allowed}, got {got!r}")


def require_int(value: object, name: str, *, lo: int | None = None, hi: int | None = None) -> int:
    """``value`` as an int when it is an integer of any integer type (not bool) in [lo, hi]; else a ValueError."""
    bounds = ("an integer" + (f" >= {lo}" if lo is not None and hi is None else "")
              + (f" in [{lo}, {hi}]" if lo is not None and hi is not None else "")
              + (f" <= {hi}" if hi is not None and lo is None else ""))
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    require(ok and (lo is None or value >= lo) and (hi is None or value <= hi), name, bounds, value)
    return int(value)


def require_real(value: object, name: str, *, lo: float | None = None, hi: float | None = None,
                 lo_open: bool = False, hi_open: bool = False) -> float:
    """``value`` as a float when it is a finite real number of any real type (not bool) in the range; else a ValueError.

    The range is [lo, hi], with ``lo_open`` / ``hi_open`` excluding an end; None leaves that side unbounded.
    """
    if lo is not None and hi is not None:
        bounds = f" in {'(' if lo_open else '['}{lo:g}, {hi:g}{')' if hi_open else ']'}"
    elif lo is not None:
        bounds = f" {'>' if lo_open else '>='} {lo:g}"
    elif hi is not None:
        bounds = f" {'<' if hi_open else '<='} {hi:g}"
    else:
        bounds = ""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
    ok = ok and (lo is None or (value > lo if lo_open else value >= lo))
    ok = ok and (hi is None or (value < hi if hi_open else value <= hi))
    require(ok, name, "a finite number" + bounds, value)
    return float(value)


def require_seed(value: object, name: str = "seed") -> int:
    """``value`` as an int when it is a seed every generator here takes: an integer of any type in [0, 2**64 - 1]."""
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool) and 0 <= value <= SEED_MAX
    require(ok, name, "an integer in [0, 2**64 - 1] (what torch.Generator.manual_seed and numpy's default_rng accept)",
            value)
    return int(value)


def require_type(value: object, name: str, types: type | tuple[type, ...], allowed: str) -> None:
    """Raise ``TypeError("<name> must be <allowed>, got <type> <value>")`` unless ``value`` is one of ``types``."""
    if not isinstance(value, types) or (isinstance(value, bool) and bool not in (types if isinstance(types, tuple) else (types,))):
        shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
        raise TypeError(f"{name} must be {allowed}, got {type(value).__name__} {shown}")


def require_bool(value: object, name: str) -> bool:
    """``value`` as a bool when it is a Python or numpy bool; else a TypeError (0 and 1 are not flags)."""
    require_type(value, name, (bool, np.bool_), "a bool")
    return bool(value)


def require_choice(value: str, name: str, choices: tuple[str, ...]) -> None:
    """Raise a ValueError naming the allowed choices (and the closest one) unless ``value`` is one of them."""
    if isinstance(value, str) and value in choices:
        return
    import difflib

    close = difflib.get_close_matches(value, choices, n=1) if isinstance(value, str) else []
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, got {value!r}.{hint}")
