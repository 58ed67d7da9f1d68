"""Text helpers for the notes a claim attaches: one table format and one way to write mean ± sd.

Notes quote measured numbers only through these, from the result they describe,
so no number is typed into prose. A pin's reason is a template over the claim's
measured quantities (``render_measured``), filled in when the claim is measured.
"""

from __future__ import annotations

import string

import numpy as np
from tabulate import tabulate

__all__ = ["table", "mean_sd", "render_measured"]


def table(rows: list[list], headers: list[str], floatfmt: str = ".4g") -> str:
    """A GitHub-flavoured Markdown table."""
    return tabulate(rows, headers=headers, tablefmt="github", floatfmt=floatfmt)


def mean_sd(values) -> str:
    """'mean ± sd' over seeds (sample sd), or the one value."""
    v = np.asarray(values, dtype=float)
    return f"{v.mean():.4g} ± {v.std(ddof=1):.2g}" if v.size > 1 else f"{v[0]:.4g}"


class _MeasuredFormatter(string.Formatter):
    """``{q}``: every seed's value (3 significant digits); ``{q:range}``: min–max; ``{q:mean}``: mean ± sd;
    ``{q:share}``: how many of the seeds' 0/1 outcomes hold ("2 of 11"); any other spec is applied to each value
    (``{q:.2f}``)."""

    def format_field(self, value, format_spec: str) -> str:
        values = [float(v) for v in (value if isinstance(value, (list, tuple)) else [value])]
        if format_spec == "range":
            return f"{min(values):.3g}" if min(values) == max(values) else f"{min(values):.3g}–{max(values):.3g}"
        if format_spec == "mean":
            return mean_sd(values)
        if format_spec == "share":
            if not all(v in (0.0, 1.0) for v in values):
                raise ValueError(f"{{q:share}} counts 0/1 outcomes, got {values}")
            return f"{int(sum(values))} of {len(values)}"
        return ", ".join(format(v, format_spec or ".3g") for v in values)


def render_measured(template: str, measured: dict) -> str:
    """``template`` with ``{quantity}`` fields filled from ``measured`` (see ``_MeasuredFormatter``).

    A field that names no measured quantity raises a KeyError that lists what was measured.
    """
    try:
        return _MeasuredFormatter().format(template, **measured)
    except KeyError as exc:
        raise KeyError(f"reason template names {exc.args[0]!r}, which was not measured; measured: {sorted(measured)}") from None
