"""One way to reject bad input: a ValueError naming the parameter, the allowed range and the value."""

from __future__ import annotations

__all__ = ["require", "require_choice"]


def require(ok: bool, name: str, allowed: str, got: object) -> None:
    """Raise ``ValueError("<name> must be <allowed>, got <got>")`` unless ``ok``."""
    if not ok:
        raise ValueError(f"{name} must be {allowed}, got {got!r}")


def require_choice(value: str, name: str, choices: tuple[str, ...]) -> None:
    """Raise a ValueError naming the allowed choices (and the closest one) unless ``value`` is one of them."""
    if value in choices:
        return
    import difflib

    close = difflib.get_close_matches(str(value), choices, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, got {value!r}.{hint}")
