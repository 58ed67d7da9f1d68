"""One way to reject bad input: a ValueError naming the parameter, the allowed range and the value."""

from __future__ import annotations

import numbers

__all__ = ["require", "require_choice", "require_int"]


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


def require_choice(value: str, name: str, choices: tuple[str, ...]) -> None:
    """Raise a ValueError naming the allowed choices (and the closest one) unless ``value`` is one of them."""
    if value in choices:
        return
    import difflib

    close = difflib.get_close_matches(str(value), choices, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, got {value!r}.{hint}")
