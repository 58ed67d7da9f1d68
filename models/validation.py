"""One way to reject bad input: an error naming the parameter, the allowed range and the value.

A value outside its range -- or a number of the wrong kind (a float or a string
where an integer belongs, a bool, NaN or inf where a finite number belongs, an
integer too large for int64, a float tensor where token ids belong) -- is a
``ValueError``; an object of the wrong kind (a string where an ``LRSchedule``
belongs, an int where a ``Member`` belongs) is a ``TypeError``. Both read
``"<name> must be <allowed>, got <value>"``; a long value is shown shortened.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["INT_MAX", "SEED_MAX", "require", "require_bool", "require_choice", "require_index_range", "require_int",
           "require_ints", "require_real", "require_reals", "require_seed", "require_token_ids", "require_type", "shown"]

SEED_MAX = 2**64 - 1  # torch.Generator.manual_seed takes [-2**63, 2**64 - 1], numpy's default_rng any int >= 0
INT_MAX = 2**63 - 1  # the largest size or count torch and numpy take (int64)
_SHOWN_CHARS = 200  # a value's repr is cut to this many characters in a message


def shown(value: object) -> str:
    """``repr(value)`` for a message: an integer too long to print as its digit count, anything else cut short."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool) and abs(int(value)).bit_length() > 256:
        n = abs(int(value))  # str() refuses more than 4300 digits: estimate those from the bit length
        return f"an integer of {len(str(n)) if n.bit_length() < 14000 else int(n.bit_length() * math.log10(2)) + 1} digits"
    try:
        text = repr(value)
    except ValueError:  # a container of integers too long to print
        text = f"a {type(value).__name__} that cannot be shown"
    return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 3] + "..."


def require(ok: bool, name: str, allowed: str, got: object) -> None:
    """Raise ``ValueError("<name> must be <allowed>, got <got>")`` unless ``ok``."""
    if not ok:
        raise ValueError(f"{name} must be {allowed}, got {shown(got)}")


def require_int(value: object, name: str, *, lo: int | None = None, hi: int | None = None) -> int:
    """``value`` as an int when it is an integer of any integer type (not bool) in [lo, hi]; else a ValueError.

    Whatever the bounds, an integer beyond int64 (|value| > 2**63 - 1) is refused: no size or count here exceeds it.
    """
    bounds = ("an integer" + (f" >= {lo}" if lo is not None and hi is None else "")
              + (f" in [{lo}, {hi}]" if lo is not None and hi is not None else "")
              + (f" <= {hi}" if hi is not None and lo is None else ""))
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    require(ok and (lo is None or value >= lo) and (hi is None or value <= hi), name, bounds, value)
    require(abs(int(value)) <= INT_MAX, name, bounds + " that fits in int64 (|value| <= 2**63 - 1)", value)
    return int(value)


def require_real(value: object, name: str, *, lo: float | None = None, hi: float | None = None,
                 lo_open: bool = False, hi_open: bool = False) -> float:
    """``value`` as a float when it is a finite real number of any real type (not bool) in the range; else a ValueError.

    The range is [lo, hi], with ``lo_open`` / ``hi_open`` excluding an end; None leaves that side unbounded. An
    integer too large for a float (10**400) is not a finite number.
    """
    if lo is not None and hi is not None:
        bounds = f" in {'(' if lo_open else '['}{lo:g}, {hi:g}{')' if hi_open else ']'}"
    elif lo is not None:
        bounds = f" {'>' if lo_open else '>='} {lo:g}"
    elif hi is not None:
        bounds = f" {'<' if hi_open else '<='} {hi:g}"
    else:
        bounds = ""
    ok = isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))
    try:
        ok = ok and math.isfinite(value)
    except OverflowError:  # an int beyond the float range
        ok = False
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
        text = shown(value)
        text = text if len(text) <= 60 else text[:57] + "..."
        raise TypeError(f"{name} must be {allowed}, got {type(value).__name__} {text}")


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
    raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, got {shown(value)}.{hint}")


def require_token_ids(tokens: object, name: str, V: int | None, *, dims: int | None = None, shape: str = "tensor") -> None:
    """Raise unless ``tokens`` is an integer torch tensor (of ``dims`` dimensions) whose entries lie in [0, V)
    (V None: any integers; the caller checks the range).

    Not a tensor is a TypeError; another dimension count, a floating dtype or an id out of range a ValueError.
    ``shape`` names the expected shape in the message ("(n, t) tensor"). One pass over the ids (a host sync on a GPU):
    call it at a public boundary, not per step.
    """
    import torch

    require_type(tokens, name, torch.Tensor, f"an integer {shape} of token ids")
    require(dims is None or tokens.dim() == dims, name, f"an integer {shape} of token ids", tuple(tokens.shape))
    require(not tokens.is_floating_point() and not tokens.is_complex() and tokens.dtype != torch.bool, name,
            f"an integer {shape} of token ids (int64)", tokens.dtype)
    if V is not None and tokens.numel():
        lo, hi = int(tokens.min()), int(tokens.max())
        require(0 <= lo and hi < V, name, f"token ids in [0, V={V})", f"ids from {lo} to {hi}")


def require_ints(values: object, name: str, *, lo: int | None = None, hi: int | None = None,
                 increasing: bool = False) -> None:
    """Raise unless ``values`` is a non-empty tuple of integers in [lo, hi] (strictly increasing if asked).

    Another container is a TypeError: configs are frozen and hashed (runs are memoised on them), and a list is not
    hashable. A bad element is a ValueError naming it (``widths[2]``).
    """
    require_type(values, name, tuple, "a non-empty tuple (configs are hashable)")
    require(len(values) >= 1, name, "a non-empty tuple", values)
    for k, v in enumerate(values):
        require_int(v, f"{name}[{k}]", lo=lo, hi=hi)
    require(not increasing or all(a < b for a, b in zip(values, values[1:])), name, "strictly increasing", values)


def require_reals(values: object, name: str, *, lo: float | None = None, hi: float | None = None,
                  lo_open: bool = False, hi_open: bool = False, increasing: bool = False) -> None:
    """Raise unless ``values`` is a non-empty tuple of finite numbers in the range (see ``require_ints``)."""
    require_type(values, name, tuple, "a non-empty tuple (configs are hashable)")
    require(len(values) >= 1, name, "a non-empty tuple", values)
    for k, v in enumerate(values):
        require_real(v, f"{name}[{k}]", lo=lo, hi=hi, lo_open=lo_open, hi_open=hi_open)
    require(not increasing or all(a < b for a, b in zip(values, values[1:])), name, "strictly increasing", values)


def require_index_range(values: object, name: str, *, lo: int, hi: int | None = None) -> None:
    """Raise unless ``values`` is a pair (first, last) of integers with lo <= first < last (<= hi)."""
    require_type(values, name, tuple, "a (first, last) tuple")
    ok = len(values) == 2 and all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in values)
    ok = ok and lo <= values[0] < values[1] and (hi is None or values[1] <= hi)
    upper = f" <= {hi}" if hi is not None else ""
    require(ok, name, f"a pair (first, last) of integers with {lo} <= first < last{upper}", values)
